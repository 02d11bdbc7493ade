"""Pacing the GUI thread: paint-time meters, a time budget for redraws, and debounce timers.

On a 2-core laptop every moment the GUI thread runs Python it holds the GIL a Python-bound training loop
needs, so the window spends a fixed share of its time on drawing and no more:

* :class:`PaintMeter` adds up the CPU time of the paints of the widgets made with :func:`timed_paint`;
* :class:`PaintBudget` is a token bucket: time passes → credit at ``share`` seconds per second (up to
  ``burst``), drawing → debit. A redraw is due when the credit is not negative, so after a redraw that
  cost ``c`` seconds the next one waits about ``c / share`` (and at least ``min_interval``);
* :func:`debounce_timer` is the single-shot timer behind "validate after an edit", "save the settings a
  moment later", "estimate once the user stops typing": each restart pushes the deadline back.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


class PaintMeter:
    """CPU seconds spent painting by the widgets that report to this meter."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.paints = 0

    def add(self, seconds: float) -> None:
        self.seconds += seconds
        self.paints += 1


def timed_paint(base: type, meter: PaintMeter | None = None, name: str | None = None,
                clock: Callable[[], float] = time.thread_time) -> type:
    """A subclass of the widget class ``base`` whose paint events report their time on ``clock``.

    With ``meter`` every instance reports to it (e.g. all inside views share one); without, each
    instance has its own ``meter``. The last paint's time is in ``paint_seconds``, all of them in
    ``paint_total``. The GUI thread's CPU time (the default) is what painting costs the machine; wall
    time (``time.perf_counter``) also counts the moments the painting thread held the GIL while others
    waited for it, which is what paces a window beside a Python-bound training loop.
    """

    def paintEvent(self, event):
        t0 = clock()
        try:
            base.paintEvent(self, event)
        finally:
            spent = clock() - t0
            self.paint_seconds = spent
            self.paint_total += spent
            (meter or self.meter).add(spent)

    def init(self, *args, **kwargs):
        base.__init__(self, *args, **kwargs)
        if meter is None:
            self.meter = PaintMeter()

    return type(name or f"Timed{base.__name__}", (base,),
                {"paintEvent": paintEvent, "__init__": init, "paint_seconds": 0.0, "paint_total": 0.0})


class PaintBudget:
    """Lets the caller draw for at most ``share`` of the wall-clock time (a token bucket).

    ``ready()`` says whether a redraw is due now, ``charge(seconds)`` debits what one cost (its own time
    and the paints it caused, e.g. from a :class:`PaintMeter`). Credit accrues at ``share`` seconds per
    second up to ``burst`` seconds, so a burst of cheap updates may follow a quiet spell, and a
    redraw comes at most every ``min_interval`` seconds.
    """

    def __init__(self, share: float, burst: float = 0.0, min_interval: float = 0.0,
                 clock: Callable[[], float] = time.perf_counter):
        if not 0 < share <= 1:
            raise ValueError("share must be in (0, 1]")
        self.share, self.burst, self.min_interval = float(share), float(burst), float(min_interval)
        self._clock = clock
        self._credit = self.burst
        self._last = clock()
        self._last_draw = -float("inf")

    def _refill(self) -> float:
        now = self._clock()
        self._credit = min(self.burst, self._credit + (now - self._last) * self.share)
        self._last = now
        return now

    @property
    def credit(self) -> float:
        """Seconds of drawing allowed now (negative: in debt; wait)."""
        self._refill()
        return self._credit

    def ready(self) -> bool:
        now = self._refill()
        return self._credit >= 0 and now - self._last_draw >= self.min_interval

    def charge(self, seconds: float, drew: bool = True) -> None:
        """Debit ``seconds`` of GUI time; ``drew`` marks a redraw for ``min_interval``."""
        now = self._refill()
        self._credit -= max(0.0, float(seconds))
        if drew:
            self._last_draw = now

    def wait_s(self) -> float:
        """Seconds until the next redraw is due (0 when it is due now)."""
        now = self._refill()
        debt = max(0.0, -self._credit) / self.share
        return max(debt, self._last_draw + self.min_interval - now, 0.0)


def debounce_timer(parent: QObject, interval_ms: int, slot: Callable[[], None]) -> QTimer:
    """A single-shot timer calling ``slot`` ``interval_ms`` after its last ``start()`` (0: on the next
    turn of the event loop); restarting it while pending pushes the call back."""
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(int(interval_ms))
    timer.timeout.connect(slot)
    return timer


def repeating_timer(parent: QObject, interval_ms: int, slot: Callable[[], None]) -> QTimer:
    """A repeating timer calling ``slot`` every ``interval_ms`` once started (the ~30 Hz pulls)."""
    timer = QTimer(parent)
    timer.setInterval(int(interval_ms))
    timer.timeout.connect(slot)
    return timer
