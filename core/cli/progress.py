"""What the command line shows while it works: the training's progress and a dataset's download, on stderr."""
from __future__ import annotations

import math
import sys
import time

from .common import printable

ESTIMATE_STEPS = 3  # the up-front estimate comes once this many steps are timed ...
ESTIMATE_AFTER_S = 10.0  # ... or once the first steps have taken this long
LONG_RUN_S = 60.0  # a run estimated to train longer than this gets the estimate line


class Progress:
    """A one-line progress bar on stderr (a line per epoch when stderr is not a terminal), and for a long
    run an estimate of its training time once its first steps are timed.

    ``final_line``: also the line of the result; off where stdout prints it (``train`` without --json)."""

    def __init__(self, stream=None, final_line: bool = True):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.final_line = final_line
        self.end_epoch = 0
        self.last = 0.0
        self.started = 0.0  # when the run started (monotonic); the estimate is due after its first steps
        self.steps_timed = 0
        self.estimated = False

    def __call__(self, event) -> None:
        from convscope.core.training import events as E

        if isinstance(event, E.RunStarted):
            self.end_epoch = event.end_epoch
            self.started, self.steps_timed, self.estimated = time.monotonic(), 0, False
            self._line(f"{event.config.arch} on {event.config.dataset}: {event.n_train:,} training / "
                       f"{event.n_test:,} test images, {event.params:,} parameters, {event.device}")
        elif isinstance(event, E.StepMetrics) and not self.estimated:
            self._estimate(event)
        if isinstance(event, E.StepMetrics) and self.tty:
            now = time.monotonic()
            if now - self.last < 0.1 and event.step != event.steps_per_epoch:
                return
            self.last = now
            frac = event.step / event.steps_per_epoch
            bar = "#" * int(frac * 24) + "." * (24 - int(frac * 24))
            loss = float(event.losses[-1]) if len(event.losses) else float("nan")
            self.stream.write(f"\repoch {event.epoch}/{self.end_epoch} [{bar}] {frac:4.0%} "
                              f"loss {loss:.4f}  {event.examples_per_s:,.0f} img/s  "
                              f"ETA {hms(event.eta_s)}   ")
            self.stream.flush()
        elif isinstance(event, E.EpochEnd):
            self._line(f"epoch {event.epoch}/{self.end_epoch}: train loss {event.train_loss:.4f} "
                       f"acc {event.train_acc:.2%} | test loss {event.test_loss:.4f} acc {event.test_acc:.2%}"
                       f" | {event.examples_per_s:,.0f} img/s, {event.seconds:.1f} s")
        elif isinstance(event, E.RunWarning):
            self._line(f"warning: {event.message}")
        elif isinstance(event, E.RunFinished) and self.final_line:
            r = event.result
            self._line(f"{r.status}: {r.message}")

    def _estimate(self, event) -> None:
        """Once the first steps are timed: how long the run will train, when that is long."""
        self.steps_timed += len(event.global_steps)
        elapsed = time.monotonic() - self.started
        if self.steps_timed < ESTIMATE_STEPS and elapsed < ESTIMATE_AFTER_S:
            return
        self.estimated = True
        total = elapsed + event.eta_s
        if math.isfinite(total) and total >= LONG_RUN_S:
            self._line(f"estimate: about {duration(total)} of training on this computer "
                       f"({event.examples_per_s:,.1f} images/s over the first {self.steps_timed} steps)")

    def _line(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r\033[K")
        self.stream.write(printable(text) + "\n")
        self.stream.flush()


def duration(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def hms(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class DownloadLine:
    """The progress of a dataset download on stderr: one line redrawn on a terminal, a line every 10 %
    otherwise (CIFAR-10 is 170 MB)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.shown = -1

    def __call__(self, done: int, total: int, file_name: str) -> None:
        share = done / total if total else 0.0
        text = f"downloading {file_name}: {done / 1e6:.1f} of {total / 1e6:.1f} MB ({share:.0%})"
        if self.tty:
            self.stream.write("\r\033[K" + printable(text) + ("\n" if done >= total else ""))
        elif int(share * 10) != self.shown or done >= total:
            self.shown = int(share * 10)
            self.stream.write(printable(text) + "\n")
        self.stream.flush()
