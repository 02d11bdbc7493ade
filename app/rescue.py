"""A run whose folder could not be written (disk full, read-only): its trained epochs exist only in
memory until they are saved to another folder, or knowingly dropped when the window closes."""
from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

log = logging.getLogger("convscope.gui")

SAVE_ELSEWHERE = "save-elsewhere"  # the banner action that asks for another folder


def epochs_text(first: int, last: int) -> str:
    return QCoreApplication.translate("Rescue", "epoch {last}").format(last=last) if first >= last else \
        QCoreApplication.translate("Rescue", "epochs {first}–{last}").format(first=first, last=last)


def free_name(parent: Path, name: str) -> Path:
    """``parent / name``, or ``name-2``, ``name-3``… when that exists: never write into another run."""
    candidate, n = parent / name, 1
    while candidate.exists():
        n += 1
        candidate = parent / f"{name}-{n}"
    return candidate


class RunRescue(QObject):
    """Saves the last run elsewhere when its own folder could not be written.

    ``last_trainer()`` gives the trainer of the last run (or None); ``banner`` says what happened.
    ``saved_elsewhere`` is True once the last run was saved elsewhere ("+1 epoch" may go on writing
    there); ``run_saved(run_dir)`` is emitted then.
    """

    run_saved = Signal(str)

    def __init__(self, window, banner, last_trainer: Callable[[], object]):
        super().__init__(window)
        self._window, self._banner, self._last_trainer = window, banner, last_trainer
        self.saved_elsewhere = False

    def unsaved_trainer(self):
        """The last run's trainer when its run directory could not be written and its trained epochs
        exist only in memory; else None."""
        trainer = self._last_trainer()
        if trainer is None or not trainer.write_failed:
            return None
        return trainer if trainer.history else None

    def save_elsewhere(self, folder: str | os.PathLike | None = None) -> str | None:
        """Write the in-memory run into a new folder inside ``folder`` (asked for when None). Returns the
        run directory written, or None (cancelled or refused; the banner says why and offers to try
        another folder)."""
        from convscope.core.runs.checkpoints import CheckpointError

        trainer = self.unsaved_trainer()
        if trainer is None:
            return None
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self._window, QCoreApplication.translate(
                "Rescue", "Save the run to another folder"),
                                                      str(Path.home()))
            if not folder:
                return None
        target = free_name(Path(folder), Path(trainer.run_dir or "run").name)
        try:
            written = trainer.save_to(target)
        except CheckpointError as exc:
            log.error("could not save the run to %s: %s", target, exc)
            self._banner.show_message("error", QCoreApplication.translate(
                "Rescue", "The run could not be saved there"), str(exc),
                                      QCoreApplication.translate("Rescue", "Save to another folder…"), SAVE_ELSEWHERE)
            return None
        log.info("run saved to %s", written)
        self.saved_elsewhere = True  # a run stopped by its full disk can go on ("+1 epoch")
        self._banner.show_message("success", QCoreApplication.translate("Rescue", "Run saved"),
                                  QCoreApplication.translate(
                                      "Rescue", "{epochs} and the model are in {dir}. “+1 epoch” goes on writing "
                                                "there.")
                                  .format(epochs=epochs_text(1, trainer.epochs_done).capitalize(), dir=written))
        self.run_saved.emit(str(written))
        return written

    def keep_before_close(self) -> bool:
        """Before closing: a run that exists only in memory is saved elsewhere, or knowingly dropped.
        False keeps the window open."""
        trainer = self.unsaved_trainer()
        if trainer is None:
            return True
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self._window, QCoreApplication.translate("Rescue", "Save the trained model?"),
            QCoreApplication.translate(
                "Rescue", "The run directory could not be written, so {epochs} of the last run exist only in memory. "
                          "Save the run to another folder before closing?").format(
                epochs=epochs_text(trainer.saved_epoch + 1, trainer.epochs_done)),
            buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
        if answer == buttons.Save:
            return self.save_elsewhere() is not None
        return answer == buttons.Discard
