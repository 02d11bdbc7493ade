"""A coloured message strip above the plots: what went wrong, and what to try."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout

STYLES = {
    # kind: (background, border, title colour)
    "error": ("#fdecea", "#c62828", "#b71c1c"),
    "warning": ("#fff4e0", "#ef6c00", "#a84300"),
    "info": ("#e8f1fb", "#1565c0", "#0d47a1"),
    "success": ("#e9f6ec", "#2e7d32", "#1b5e20"),
}


class Banner(QFrame):
    """Hidden until :meth:`show_message`; an optional action button (e.g. "Use lr 0.01").

    ``kind`` and ``tag`` say what is shown ("" when hidden): the tag given to :meth:`show_message` names
    the message, so code recognises it without reading its text.
    """

    action_triggered = Signal(str)  # the action id given to show_message

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("banner")
        self.kind = ""
        self.tag = ""
        self._action_id = ""
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 8, 8, 8)
        text = QVBoxLayout()
        text.setSpacing(2)
        self.title = QLabel()
        self.title.setObjectName("bannerTitle")
        self.title.setWordWrap(True)  # a long title wraps rather than widening the window
        self.message = QLabel()
        self.message.setObjectName("bannerMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.addWidget(self.title)
        text.addWidget(self.message)
        lay.addLayout(text, 1)
        self.action = QPushButton()
        self.action.setObjectName("bannerAction")
        self.action.clicked.connect(lambda: self.action_triggered.emit(self._action_id))
        lay.addWidget(self.action, 0, Qt.AlignmentFlag.AlignVCenter)
        close = QToolButton()
        close.setObjectName("bannerClose")
        close.setText("✕")
        close.setToolTip(self.tr("Hide this message"))
        close.setAutoRaise(True)
        close.clicked.connect(self.dismiss)
        lay.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(self, kind: str, title: str, message: str, action_text: str = "",
                     action_id: str = "", tag: str = "") -> None:
        bg, border, fg = STYLES.get(kind, STYLES["info"])
        self.kind, self.tag = kind, tag
        self.setStyleSheet(f"#banner {{ background: {bg}; border: 1px solid {border}; "
                           f"border-left: 6px solid {border}; border-radius: 4px; }}"
                           f"#bannerTitle {{ color: {fg}; font-weight: bold; }}"
                           f"#bannerMessage {{ color: #222; }}")
        self.title.setText(title)
        self.message.setText(message)
        self._action_id = action_id
        self.action.setText(action_text)
        self.action.setVisible(bool(action_text))
        self.show()

    def dismiss(self) -> None:
        self.kind = self.tag = ""
        self.hide()
