"""What the command line shows while it works: the training's progress and a dataset's download, on stderr."""
from __future__ import annotations

import math
import sys
import time

from .common import printable


class Progress:
    """A one-line progress bar on stderr (a line per epoch when stderr is not a terminal)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.end_epoch = 0
        self.last = 0.0

    def __call__(self, event) -> None:
        from convscope.core.training import events as E

        if isinstance(event, E.RunStarted):
            self.end_epoch = event.end_epoch
            self._line(f"{event.config.arch} on {event.config.dataset}: {event.n_train:,} training / "
                       f"{event.n_test:,} test images, {event.params:,} parameters, {event.device}")
        elif isinstance(event, E.StepMetrics) and self.tty:
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
        elif isinstance(event, E.RunFinished):
            r = event.result
            self._line(f"{r.status}: {r.message}")

    def _line(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r\033[K")
        self.stream.write(printable(text) + "\n")
        self.stream.flush()


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
