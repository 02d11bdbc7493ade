"""Closing the window during a run, and the next start: ask first, then offer the run it interrupted.

Closing (the window's close button, File → Quit, Ctrl+Q) while a run trains asks first (:func:`ask_to_close`:
keep training, or stop it and quit). Stopped that way, the run keeps its finished epochs (its folder's status
says "stopped"); its folder is recorded in the app's settings (:func:`app.settings.remember_interrupted`),
and the next start offers it once in a small strip above the tabs (``interruptedOffer``): *Continue it*
(trains it on in its own folder from its last finished epoch) or *Open it* (shows it in every tab).

``MainWindow.ask_before_closing_during_a_run`` turns the question off (Ctrl+C or a kill in the terminal
closes without asking; the tests set it for windows they close during a run on purpose).
"""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QToolButton

from .settings import remember_interrupted, take_interrupted

log = logging.getLogger("convscope.gui")


OFFERED_STATUSES = ("stopped", "interrupted", "running")  # "running": the app died before it could say


def ask_to_close(parent, what: str) -> bool:
    """Ask whether to stop the run in training and quit (``what`` names the run); True: stop and quit.

    A modal ``QMessageBox`` named ``closeDuringRunQuestion`` whose buttons are ``keepTrainingButton`` and
    ``stopAndQuitButton`` (a test presses one of them)."""
    box = QMessageBox(parent)
    box.setObjectName("closeDuringRunQuestion")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(QCoreApplication.translate("Interrupted", "A run is training"))
    box.setText(QCoreApplication.translate("Interrupted", "{what} is still training. Quit anyway?").format(what=what))
    box.setInformativeText(QCoreApplication.translate(
        "Interrupted", "Stopping keeps the epochs it has finished; the next start offers to continue it or open it."))
    keep = box.addButton(QCoreApplication.translate("Interrupted", "Keep training"),
                         QMessageBox.ButtonRole.RejectRole)
    keep.setObjectName("keepTrainingButton")
    stop = box.addButton(QCoreApplication.translate("Interrupted", "Stop and quit"),
                         QMessageBox.ButtonRole.DestructiveRole)
    stop.setObjectName("stopAndQuitButton")
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    answer = box.clickedButton() is stop
    box.deleteLater()
    return answer


class InterruptedOffer(QFrame):
    """"Last time the window closed during run X": Continue it / Open it / ✕."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("interruptedOffer")
        self.setStyleSheet("#interruptedOffer { background: #e8f1fb; border: 1px solid #1565c0; "
                           "border-radius: 4px; }")
        self.run_dir: str | None = None
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 4, 4, 4)
        self.label = QLabel()
        self.label.setObjectName("interruptedOfferLabel")
        self.label.setWordWrap(True)
        self.continue_button = QPushButton(QCoreApplication.translate("Interrupted", "Continue it"))
        self.continue_button.setObjectName("continueInterruptedButton")
        self.open_button = QPushButton(QCoreApplication.translate("Interrupted", "Open it"))
        self.open_button.setObjectName("openInterruptedButton")
        close = QToolButton()
        close.setObjectName("interruptedOfferClose")
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip(QCoreApplication.translate("Interrupted", "Hide this message"))
        close.clicked.connect(self.hide)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.continue_button, 0, Qt.AlignmentFlag.AlignVCenter)
        lay.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignVCenter)
        lay.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()


class InterruptedRun(QObject):
    """The window's side: the question at close, the record, and the offer at the next start.

    ``window``: the main window (its session, ``shown`` line, ``load_checkpoint``); the offer strip goes
    right above ``banner`` in its layout."""

    def __init__(self, window, banner):
        super().__init__(window)
        self._window = window
        self.offer = InterruptedOffer()
        layout = banner.parentWidget().layout()
        layout.insertWidget(max(0, layout.indexOf(banner)), self.offer)
        self.offer.continue_button.clicked.connect(self.continue_it)
        self.offer.open_button.clicked.connect(self.open_it)
        session = window.session
        session.run_launched.connect(lambda *_: self.offer.hide())  # another run is shown now
        session.run_opened.connect(lambda _run: self.offer.hide())

    # -- closing -----------------------------------------------------------------------------------------
    def may_close(self) -> bool:
        """Whether the window may close now: no run trains, the question is off, or the user said stop."""
        w = self._window
        if not w.is_running() or not w.ask_before_closing_during_a_run:
            return True
        trainer = w.session.trainer
        name = Path(trainer.run_dir).name if trainer is not None and trainer.run_dir else \
            QCoreApplication.translate("Interrupted", "The run")
        return ask_to_close(w.dialog_parent(), name)

    def remember(self) -> None:
        """The window closes during a run: keep its folder for the next start's offer (when it has one)."""
        trainer = self._window.session.trainer
        run_dir = trainer.run_dir if trainer is not None else None
        if run_dir:
            remember_interrupted(str(run_dir))
            log.info("run %s interrupted by closing the window: offered at the next start", run_dir)

    # -- the next start ----------------------------------------------------------------------------------
    def offer_last(self) -> bool:
        """Offer the run the last close interrupted, once (the record is cleared); True when offered."""
        run_dir = take_interrupted()
        if not run_dir:
            return False
        from convscope.core.runs.listing import summarize

        from .opened_run import resumable_epoch, status_text

        try:
            row = summarize(run_dir)
        except (OSError, ValueError) as exc:
            log.info("the interrupted run %s is not offered: %s", run_dir, exc)
            return False
        if row.status not in OFFERED_STATUSES or row.epochs_done < 1:
            return False  # finished since, or nothing kept to continue or open
        resumable, _why = resumable_epoch(run_dir)
        self.offer.run_dir = str(run_dir)
        self.offer.continue_button.setVisible(resumable is not None)
        self.offer.label.setText(QCoreApplication.translate(
            "Interrupted", "The window was closed while <b>{name}</b> was training: it stopped after {done} of "
                           "{planned} epochs ({status}).").format(
            name=Path(run_dir).name, done=row.epochs_done, planned=row.epochs_planned or "?",
            status=status_text(row.status)))
        self.offer.show()
        return True

    def continue_it(self) -> bool:
        run_dir = self.offer.run_dir
        self.offer.hide()
        return bool(run_dir) and self._window.shown.continue_run(run_dir)

    def open_it(self) -> bool:
        run_dir = self.offer.run_dir
        self.offer.hide()
        return bool(run_dir) and self._window.load_checkpoint(run_dir) is not None
