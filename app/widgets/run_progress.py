"""The progress bar above the plots: where the run is, how fast it goes, how long is left, how it ended."""
from __future__ import annotations

import math

from PySide6.QtWidgets import QProgressBar

STEPS = 1000  # the bar's resolution


def format_clock(seconds: float) -> str:
    if not math.isfinite(seconds) or seconds < 0:
        return "?"
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class RunProgress(QProgressBar):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("progressBar")
        self.setRange(0, STEPS)
        self.setValue(0)
        self.setTextVisible(True)
        self.setFormat(self.tr("Not started"))

    def opened(self, epochs_done: int, epochs_planned: int, status: str) -> None:
        """A run opened from disk: how far its training got."""
        self.setValue(int(STEPS * min(1.0, epochs_done / max(1, epochs_planned))))
        self.setFormat(self.tr("Opened run · {done} of {planned} epoch(s) trained · {status}").format(
            done=epochs_done, planned=epochs_planned, status=status))

    def preparing(self) -> None:
        self.setValue(0)
        self.setFormat(self.tr("Loading the data and building the network…"))

    def begin(self, info) -> None:
        """The run started (``RunStarted``)."""
        self.setFormat(self.tr(
            "Epoch {epoch}/{end} · starting…").format(epoch=info.start_epoch + 1, end=info.end_epoch))

    def show_step(self, ev, info, paused: bool) -> None:
        """Where the run of ``info`` (``RunStarted``) is after the step of ``ev`` (``StepMetrics``)."""
        total_epochs = max(1, info.end_epoch - info.start_epoch)
        done = (ev.epoch - 1 - info.start_epoch) * ev.steps_per_epoch + ev.step
        frac = done / max(1, total_epochs * ev.steps_per_epoch)
        self.setValue(int(STEPS * min(1.0, frac)))
        text = self.tr("Epoch {epoch}/{end} · step {step}/{steps} · {rate} images/s · {left} left").format(
            epoch=ev.epoch, end=info.end_epoch, step=ev.step, steps=ev.steps_per_epoch,
            rate=f"{ev.examples_per_s:,.0f}", left=format_clock(ev.eta_s))
        self.setFormat((self.tr("Paused · ") if paused else "") + text)

    def paused(self) -> None:
        self.setFormat(self.tr("Paused · ") + self.format())

    def stopping(self) -> None:
        self.setFormat(self.tr("Stopping…"))

    def finished(self, result) -> None:
        """How the run ended (``RunResult``)."""
        if result.status == "completed":
            self.setValue(STEPS)
            self.setFormat(self.tr("Done · {n} epoch(s)").format(n=result.epochs)
                           + (self.tr(" · test accuracy {acc} %").format(acc=f"{100 * result.test_acc:.2f}")
                              if result.test_acc is not None else ""))
        elif result.status == "stopped":
            self.setFormat(self.tr("Stopped · {n} epoch(s) done").format(n=result.epochs))
        elif result.status == "diverged":
            self.setFormat(self.tr("Diverged"))
        else:
            self.setFormat(self.tr("Failed"))
