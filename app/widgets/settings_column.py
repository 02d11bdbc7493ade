"""The left column of the window: the settings (scrollable), what is wrong with them, the estimate of the
run, and the run buttons (Train, Pause, Stop, +1 epoch). The window connects the buttons."""
from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from .config_panel import ConfigPanel

TRAIN_TIP = QT_TRANSLATE_NOOP("SettingsColumn", "Train a new network with these settings (Ctrl+Enter)")
MORE_TIP = QT_TRANSLATE_NOOP("SettingsColumn", "Train the last network one more epoch, from where it stopped")


def _button(text: str, name: str, tip: str) -> QPushButton:
    button = QPushButton(QCoreApplication.translate("SettingsColumn", text))
    button.setObjectName(name)
    button.setToolTip(QCoreApplication.translate("SettingsColumn", tip))
    return button


class SettingsColumn(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("leftColumn")
        self.config_panel = ConfigPanel()
        scroll = QScrollArea()
        scroll.setObjectName("configScroll")
        scroll.setWidget(self.config_panel)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(340)

        self.error_label = QLabel()
        self.error_label.setObjectName("configError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c62828; font-weight: bold;")
        self.error_label.hide()
        self.estimate_label = QLabel(self.tr("Loading PyTorch…"))
        self.estimate_label.setObjectName("estimateLabel")
        self.estimate_label.setWordWrap(True)
        self.estimate_label.setTextFormat(Qt.TextFormat.RichText)

        self.start_button = _button(QT_TRANSLATE_NOOP("SettingsColumn", "▶  Train"), "startButton", TRAIN_TIP)
        self.start_button.setShortcut(QKeySequence("Ctrl+Return"))
        keypad = QShortcut(QKeySequence("Ctrl+Enter"), self)  # the Enter key of the number pad too
        keypad.activated.connect(self.start_button.animateClick)
        self.pause_button = _button(QT_TRANSLATE_NOOP("SettingsColumn", "❚❚  Pause"), "pauseButton",
                                    QT_TRANSLATE_NOOP(
                                        "SettingsColumn", "Pause within a second; press again to resume"))
        self.stop_button = _button(QT_TRANSLATE_NOOP("SettingsColumn", "■  Stop"), "stopButton",
                                   QT_TRANSLATE_NOOP(
                                       "SettingsColumn", "Stop within a second (the step under way is dropped; the "
                                                         "epochs done so far are kept)"))
        self.more_button = _button(QT_TRANSLATE_NOOP("SettingsColumn", "+1 epoch"), "moreEpochButton", MORE_TIP)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        for button, stretch in ((self.start_button, 2), (self.pause_button, 1), (self.stop_button, 1),
                                (self.more_button, 1)):
            buttons.addWidget(button, stretch)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(scroll, 1)
        lay.addWidget(self.error_label)
        lay.addWidget(self.estimate_label)
        lay.addLayout(buttons)

    def show_error(self, error: str) -> None:
        """What is wrong with the settings ("" hides the message)."""
        if error:
            self.error_label.setText(f"⚠ {error[0].upper()}{error[1:]}")
        self.error_label.setVisible(bool(error))

    def set_paused(self, paused: bool) -> None:
        self.pause_button.setText(self.tr("▶  Resume") if paused else self.tr("❚❚  Pause"))

    def set_buttons(self, ready: bool, running: bool, stoppable: bool, valid: bool, more: bool,
                    more_tip: str | None = None) -> None:
        """``valid``: the settings can train; ``more``: "+1 epoch" can continue the last run (else
        ``more_tip`` says why not)."""
        self.start_button.setEnabled(ready and valid and not running)
        self.pause_button.setEnabled(running and stoppable)
        self.stop_button.setEnabled(running and stoppable)
        self.more_button.setEnabled(more)
        self.more_button.setToolTip(more_tip or self.tr(MORE_TIP))
        self.start_button.setToolTip(self.tr("Loading PyTorch…") if not ready else
                                     self.tr(TRAIN_TIP) if valid else self.tr("Fix the setting shown in red first."))
