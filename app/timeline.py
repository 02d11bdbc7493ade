"""The one timeline of the window: which moment of the run on show every view with a past shows.

:class:`Timeline` lives on the session (``session.timeline``); the timeline bar above the views
(:mod:`app.widgets.timeline`) moves it, and every view that has a past follows it::

    session.timeline.step_changed.connect(view.show_step)   # int: optimizer step k; None: live (now)

A view that cannot show step *k* says so in a short line instead of showing another moment. The
timeline's **stops** are the steps something was recorded at (probe snapshots, the end of each epoch):
the bar and the arrow keys move from stop to stop, and ``set_step`` takes any step. ``steps_per_epoch``
places a step on the curves' epoch axis. Live: the views show the run now (a run in training goes on
updating them); an opened run's "now" is its saved weights.

:class:`TimelineFeeder` fills it from the session: a new run (its trainer set-up hook) or an opened run
resets it to live with no stops (an opened run: the end of each evaluated epoch), each finished epoch
adds its last step; the inside views add their snapshots' steps themselves.
"""
from __future__ import annotations

import bisect
from collections.abc import Iterable

from PySide6.QtCore import QObject, QTimer, Signal, Slot

PLAY_INTERVAL_MS = 350  # one stop forward this often while playing


class Timeline(QObject):
    step_changed = Signal(object)  # the step shown (int), or None: live
    stops_changed = Signal()
    playing_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, play_interval_ms: int = PLAY_INTERVAL_MS):
        super().__init__(parent)
        self._stops: list[int] = []
        self._step: int | None = None
        self.steps_per_epoch: float | None = None
        self._play = QTimer(self)
        self._play.setInterval(play_interval_ms)
        self._play.timeout.connect(self._advance)

    # -- state -------------------------------------------------------------------------------------
    @property
    def stops(self) -> list[int]:
        return list(self._stops)

    @property
    def step(self) -> int | None:
        """The step shown, or None while live."""
        return self._step

    @property
    def live(self) -> bool:
        return self._step is None

    @property
    def playing(self) -> bool:
        return self._play.isActive()

    def last(self) -> int | None:
        return self._stops[-1] if self._stops else None

    def index(self) -> int:
        """The stop shown (live: the last), for the bar's slider; -1 without stops."""
        if not self._stops:
            return -1
        if self._step is None:
            return len(self._stops) - 1
        i = bisect.bisect_left(self._stops, self._step)
        return min(i, len(self._stops) - 1)

    def epoch_of(self, step: int) -> float | None:
        """Where ``step`` sits on the epoch axis (None: the steps per epoch are not known)."""
        return step / self.steps_per_epoch if self.steps_per_epoch else None

    # -- changes -----------------------------------------------------------------------------------
    def reset(self, stops: Iterable[int] = (), steps_per_epoch: float | None = None) -> None:
        """Another run is shown: live, with ``stops``."""
        self.pause()
        self._stops = sorted({int(s) for s in stops})
        self.steps_per_epoch = steps_per_epoch if steps_per_epoch and steps_per_epoch > 0 else None
        was = self._step
        self._step = None
        self.stops_changed.emit()
        if was is not None:
            self.step_changed.emit(None)

    def add_stops(self, steps: Iterable[int]) -> None:
        new = {int(s) for s in steps} - set(self._stops)
        if new:
            self._stops = sorted(set(self._stops) | new)
            self.stops_changed.emit()

    def set_step(self, step: int | None) -> None:
        """Show step ``step`` (None: live) in every view that follows the timeline."""
        step = None if step is None else int(step)
        if step == self._step:
            return
        self._step = step
        self.step_changed.emit(step)

    def go_live(self) -> None:
        self.pause()
        self.set_step(None)

    def set_index(self, index: int) -> None:
        """Show the ``index``-th stop."""
        if self._stops:
            self.set_step(self._stops[max(0, min(index, len(self._stops) - 1))])

    def step_by(self, n: int) -> None:
        """``n`` stops forward (negative: back); from live, back from the last stop."""
        if not self._stops:
            return
        self.set_index(self.index() + n)

    # -- playing -----------------------------------------------------------------------------------
    def play(self) -> None:
        """Move forward one stop at a time, from the first stop when live or at the end."""
        if len(self._stops) < 2:
            return
        if self._step is None or self.index() >= len(self._stops) - 1:
            self.set_index(0)
        self._play.start()
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if self._play.isActive():
            self._play.stop()
            self.playing_changed.emit(False)

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    @Slot()
    def _advance(self) -> None:
        if self.index() >= len(self._stops) - 1:
            self.pause()
            return
        self.step_by(1)


class TimelineFeeder(QObject):
    """Keeps the session's timeline on the run on show (see the module's docstring)."""

    def __init__(self, session, timeline: Timeline):
        super().__init__(session)
        self.session, self.timeline = session, timeline
        self.trainer = None
        session.trainer_setup_hooks.insert(0, self.training_started)  # before the views add their stops
        session.run_started.connect(self.on_run_started)
        session.epoch_finished.connect(self.on_epoch_finished)
        session.run_opened.connect(self.on_run_opened)

    def training_started(self, trainer) -> None:
        """A trainer set-up hook: a new run, or a saved one continued ("+1 epoch" keeps the stops)."""
        self.trainer = trainer
        self.timeline.reset()

    @Slot(object)
    def on_run_started(self, ev) -> None:
        self.timeline.steps_per_epoch = float(ev.steps_per_epoch) if ev.steps_per_epoch else None

    @Slot(object)
    def on_epoch_finished(self, _ev) -> None:
        trainer = self.trainer
        records = getattr(trainer, "confusions", None) or []
        if records:
            self.timeline.add_stops([records[-1]["step"]])
        elif trainer is not None:
            self.timeline.add_stops([int(trainer.global_step)])

    @Slot(object)
    def on_run_opened(self, run) -> None:
        self.trainer = None
        records = run.confusions or []
        self.timeline.reset([r["step"] for r in records], opened_steps_per_epoch(run))


def opened_steps_per_epoch(run) -> float | None:
    """An opened run's optimizer steps per epoch: from its recorded evaluations, else its weights' step
    and epoch (None when neither says)."""
    for r in run.confusions or []:
        if r["epoch"] > 0 and r["step"] > 0:
            return r["step"] / r["epoch"]
    try:
        step, epoch = int(run.info.get("step", 0)), int(run.info.get("epoch", 0))
    except (TypeError, ValueError):
        return None
    partial = str(run.info.get("partial", "")).lower() == "true"
    return step / epoch if step > 0 and epoch > 0 and not partial else None
