"""The Evaluation tab at a step of the timeline: the confusion matrix of the nearest evaluated epoch.

Every epoch's test pass leaves its confusion matrix in the run (``Trainer.confusions`` while it trains,
``LoadedRun.confusions`` once opened: ``core.runs.confusions``). At step *k* the tab shows the matrix of
the epoch evaluated nearest to *k*, and says which epoch and step it is; the images of a cell are not
kept for a recorded epoch (Live, then Evaluate, shows them for the network now). A run of an older
version recorded none: the tab says so. Live returns to what the tab showed before.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, Slot

from convscope.core.runs.confusions import nearest


class RecordedCounts:
    """An epoch's recorded counts, shaped like the ``core.insight.analysis.Analysis`` the view draws
    (no images: ``images_kept`` is False)."""

    images_kept = False

    def __init__(self, entry: dict, classes):
        self.entry = entry
        self.matrix = np.asarray(entry["counts"], dtype=np.int64)
        n = self.matrix.shape[0]
        self.classes = list(classes)[:n] if len(classes) >= n else [str(i) for i in range(n)]
        rows = self.matrix.sum(1)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.per_class_accuracy = np.where(rows > 0, np.diag(self.matrix) / np.maximum(rows, 1), np.nan)
        total = int(self.matrix.sum())
        self.accuracy = float(np.trace(self.matrix) / total) if total else float("nan")
        self.true = np.zeros(total, dtype=np.int8)  # only its length is read: the images counted

    def cell(self, true: int, predicted: int) -> np.ndarray:
        return np.zeros(int(self.matrix[true, predicted]), dtype=np.int64)


class ConfusionSteps(QObject):
    """Makes the Evaluation tab (``ConfusionView``) follow the session's timeline."""

    def __init__(self, view, session, parent: QObject | None = None):
        super().__init__(parent)
        self.view, self.session = view, session
        self.shown: dict | None = None  # the recorded entry drawn now, or None
        self.message = ""  # what the tab says at this step when it has no matrix ("" otherwise)
        self._now = None  # (analysis, status text, Evaluate enabled) of the tab before leaving live
        session.timeline.step_changed.connect(self.show_step)
        session.run_opened.connect(self._forget)
        session.trainer_setup_hooks.append(lambda _trainer: self._forget())
        view.evaluate_requested.connect(session.timeline.go_live)  # Evaluate looks at the network now

    def records(self) -> list[dict] | None:
        """The evaluated epochs of the run on show (None: its folder recorded none)."""
        opened = self.session.opened
        if opened is not None:
            return opened.confusions
        trainer = self.session.trainer
        return list(getattr(trainer, "confusions", None) or []) if trainer is not None else []

    def _classes(self):
        opened, trainer = self.session.opened, self.session.trainer
        cfg = opened.config if opened is not None else getattr(trainer, "config", None)
        try:
            return list(cfg.info.classes) if cfg is not None else []
        except AttributeError:
            return []

    def _forget(self, _run=None) -> None:
        self._now, self.shown, self.message = None, None, ""

    @Slot(object)
    def show_step(self, step) -> None:
        view = self.view
        if step is None:
            self._back_to_now()
            return
        if self._now is None:
            analysis = view.analysis if not isinstance(view.analysis, RecordedCounts) else None
            self._now = (analysis, view.status.text(), view.evaluate_button.isEnabled())
        records = self.records()
        entry = nearest(records, step) if records else None
        if entry is None:
            self.shown = None
            if records is None:
                self.message = QCoreApplication.translate(
                    "ConfusionSteps", "The confusion matrix of each epoch was not recorded for this run (a run of "
                                      "an older version): press Live, then Evaluate.")
            else:
                self.message = QCoreApplication.translate(
                    "ConfusionSteps", "Step {step}: no epoch has been evaluated in this run yet.").format(
                    step=f"{step:,}")
            enabled = view.evaluate_button.isEnabled()
            view.clear()
            view.evaluate_button.setEnabled(enabled)
            view.status.setText(self.message)
            return
        self.shown, self.message = entry, ""
        counts = RecordedCounts(entry, self._classes())
        enabled = self._now[2]
        view.set_analysis(counts)
        view.evaluate_button.setEnabled(enabled)
        if entry["step"] == step:
            head = QCoreApplication.translate("ConfusionSteps", "Epoch {epoch}, evaluated at step {at}")
        else:
            head = QCoreApplication.translate(
                "ConfusionSteps", "Epoch {epoch}, evaluated at step {at} (the evaluation nearest to step {step})")
        view.status.setText(head.format(epoch=entry["epoch"], at=f"{entry['step']:,}", step=f"{step:,}")
                            + QCoreApplication.translate(
            "ConfusionSteps", ": test accuracy {acc:.1f} % on {n} images. Rows: the true class; columns: what the "
                              "network said.").format(acc=100 * counts.accuracy, n=f"{len(counts.true):,}"))

    def _back_to_now(self) -> None:
        if self._now is None:
            return
        analysis, status, enabled = self._now
        self._now, self.shown, self.message = None, None, ""
        view = self.view
        if analysis is not None:
            view.set_analysis(analysis)
        else:
            view.clear()
        view.status.setText(status)
        view.evaluate_button.setEnabled(enabled)
