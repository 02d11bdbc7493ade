"""The controller of the inside views: owns the probe of the current run and pulls its snapshots."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

from convscope.app.pacing import PaintBudget, debounce_timer, repeating_timer
from convscope.core.training.introspect import ModelLayers, model_layers

from ._common import PAINT_METER, log, source_text
from .base import InsideView
from .feature_maps import FeatureMapView
from .gap import GapView
from .one_by_one import OneByOneView
from .output import OutputView

MAX_ERROR_CHARS = 300  # of the probe's error shown in the views (the whole of it is in the log)


def probe_problem_text(error: str, running: bool) -> str:
    """What a view says when the probe failed: the error, readable, and that training is not harmed."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    first = lines[0] if lines else QCoreApplication.translate("InsideViews", "an unknown error")
    if len(first) > MAX_ERROR_CHARS:
        first = first[:MAX_ERROR_CHARS - 1].rstrip() + "…"
    if not first.endswith((".", "!", "?", "…")):
        first += "."
    then = (QCoreApplication.translate(
        "InsideViews", "Training goes on; these pictures update again once a look inside works.") if running else
            QCoreApplication.translate(
                "InsideViews", "The network itself is not affected. Try another probe image, layer or test sample."))
    return f"{first} {then}"


class ActivationsController(QObject):
    """Owns the probe of the current run and the four views; pulls snapshots on a GUI timer.

    In the main window::

        controller = ActivationsController(parent=window)
        controller.install(session, host)   # adds the tabs, registers its trainer set-up hook, follows
                                            # the session's run_finished and run_opened

    ``install`` needs ``host.add_tab(widget, title)`` and of the session (``app.session``) its
    ``trainer_setup_hooks`` (called in the GUI thread with each new Trainer, before its thread starts),
    the signals ``run_finished(object)`` and ``run_opened(LoadedRun)``, ``is_running()`` and ``opened``.
    """

    snapshot_shown = Signal(object)  # the Snapshot just drawn (live or scrubbed)

    def __init__(self, parent=None, interval: float = 0.2, history: int = 200, poll_ms: int = 33,
                 is_running: Callable[[], bool] | None = None, max_overhead: float = 0.02,
                 draw_budget: float = 0.02, draw_burst: float = 0.1):
        super().__init__(parent)
        # While a run is active the GUI thread spends at most ``draw_budget`` of its time drawing the
        # views (a token bucket holding up to ``draw_burst`` seconds): on 2 cores every millisecond the
        # GUI paints is taken from the training threads. A snapshot not yet drawn stays in the mailbox,
        # and the probe does not run again until it has been taken.
        self.draw_budget = draw_budget
        self.draw_burst = draw_burst
        self.budget = PaintBudget(draw_budget, burst=draw_burst)
        self._paint_seen = PAINT_METER.seconds
        self.draws = 0  # snapshots drawn
        self.draw_seconds = 0.0  # GUI CPU time spent handing snapshots to the views (paint excluded)
        from convscope.core.insight.probe import Probe

        self._probe_cls = Probe
        self.interval = interval
        self.history_size = history
        self.max_overhead = max_overhead
        self.feature_view = FeatureMapView()
        self.one_by_one_view = OneByOneView()
        self.gap_view = GapView()
        self.output_view = OutputView()
        self.views: list[InsideView] = [self.feature_view, self.one_by_one_view, self.gap_view,
                                        self.output_view]
        self.probe = None
        self.trainer = None
        self.layers = ModelLayers()
        self._running = False
        self._external_running = is_running
        self._live = True
        self._current = None  # the snapshot the views show
        self._replay: list | None = None  # an opened run's saved snapshots (seq 1..n), or None
        self.opened = None  # the core.runs.opened_run.RunTarget the views show, or None (a training run)
        self._last_wanted = None
        self._samples_synced = False
        self._errors_seen = 0  # the probe's error count when the views last heard of it
        self.problem = ""  # what the views say about the probe's last failure ("" none)
        self._problem_error: str | None = None
        self.timeline = None  # the window's app.timeline.Timeline, once followed
        self._step: int | None = None  # the timeline's step shown (None: live)
        for view in self.views:
            view.timeline.scrubbed.connect(self.scrub)
            view.timeline.live_requested.connect(self.go_live)
            view.samples.sample_chosen.connect(self.set_sample)
            view.wanted_changed.connect(self._wanted_changed)
        self.timer = repeating_timer(self, poll_ms, self._poll)
        self._refresh_timer = debounce_timer(self, 60, self._refresh_idle)

    # -- wiring ------------------------------------------------------------------------------------
    def install(self, session, host) -> None:
        for view in self.views:
            host.add_tab(view, view.title())
        session.trainer_setup_hooks.append(self.attach)
        session.run_finished.connect(self.on_run_finished)
        session.run_opened.connect(self.on_run_opened)
        if self._external_running is None:
            self._external_running = session.is_running
        self.follow(session.timeline)
        from .receptive import ReceptiveFieldLink

        self.receptive = ReceptiveFieldLink(self, jobs=session.jobs, session=session)
        if session.opened is not None:  # opened before these views existed
            self.on_run_opened(session.opened)

    def follow(self, timeline) -> None:
        """Show the step of the window's one timeline (``app.timeline.Timeline``); the views' own timeline
        bars are hidden."""
        self.timeline = timeline
        timeline.step_changed.connect(self.show_step)
        for view in self.views:
            view.timeline.hide()

    def _add_stops(self, snaps) -> None:
        if self.timeline is not None:
            self.timeline.add_stops(s.step for s in snaps)

    @Slot(object)
    def show_step(self, step) -> None:
        """The snapshot recorded at optimizer step ``step`` in every view (None: live); where none was
        recorded at that step, the views say so rather than show another moment."""
        self._step = step
        if step is None:
            self.go_live()
            self._refresh_idle()  # outside training: the weights of now, probed again
            return
        snaps = self._replay or (self.probe.history() if self.probe is not None else [])
        snap = next((s for s in reversed(snaps) if s.step == step), None)
        self._live = False
        if snap is not None:
            self._show(snap)
            return
        self._current = None
        if snaps and step < snaps[0].step and not self._replay:
            text = QCoreApplication.translate(
                "InsideViews", "Step {step} is older than the snapshots kept while training (the oldest kept is "
                               "step {first}).").format(step=f"{step:,}", first=f"{snaps[0].step:,}")
        elif snaps:
            near = min(snaps, key=lambda s: abs(s.step - step)).step
            text = QCoreApplication.translate(
                "InsideViews", "No snapshot was recorded at step {step} (the nearest: step {near}).").format(
                step=f"{step:,}", near=f"{near:,}")
        else:
            text = QCoreApplication.translate("InsideViews", "No snapshot was recorded for this run.")
        for view in self.views:
            view.show_placeholder(text)
            view.snapshot, view.shown_seq = None, -1

    @Slot(object)
    def on_run_opened(self, run) -> None:
        """A run opened from disk (``LoadedRun``): its weights probed now, its snapshots replayed."""
        from convscope.app.opened_run import show_inside

        show_inside(self, run)

    @Slot(object)
    def attach(self, trainer) -> None:
        """Probe ``trainer`` (GUI thread, before its training thread starts)."""
        if self.probe is not None:
            self.probe.detach()
        self.opened, self._replay, self._step = None, None, None
        self._start_probe(trainer)
        self._running = True
        self._sync_samples()
        self._update_wanted(force=True)
        self._update_timelines()
        self.timer.start()

    def show_run(self, target, replay=()) -> None:
        """Show an opened run (a ``core.runs.opened_run.RunTarget``): the views probe its weights now, in this
        thread, for the probe image chosen; ``replay``, the snapshots saved while it trained, oldest
        first, are what the timeline scrubs through ("Live" returns to the opened weights)."""
        if self.probe is not None:
            self.probe.detach()
        self.opened, self._step = target, None
        self._replay = [replace(snap, seq=i) for i, snap in enumerate(replay, 1)]
        self._add_stops(self._replay)
        self._start_probe(target)
        self._running = False
        self._sync_samples()
        self._update_wanted(force=True)
        self._update_timelines()
        self.timer.start()
        self._refresh_idle()  # the visible views at once; the others when they are shown

    def show_unavailable(self, config, message: str, replay=()) -> None:
        """An opened run (of ``config``) whose weights cannot be probed here (e.g. its test images are not
        on this computer): every view says why; the timeline still replays ``replay``, its snapshots."""
        self.detach()
        self.opened, self._current, self._step = None, None, None
        self._replay = [replace(snap, seq=i) for i, snap in enumerate(replay, 1)]
        self._add_stops(self._replay)
        self.layers = model_layers(config)
        for view in self.views:
            view.set_model(self.layers)
        self._problem_error = None
        self._set_problem("")
        if self._replay:
            self._live = False
            self._show(self._replay[-1])
            self._set_problem(message)
            self.timer.start()  # views shown later draw the snapshot too
        else:
            for view in self.views:
                view.show_placeholder(message)
        self._update_timelines()

    @property
    def replay(self) -> list:
        """The saved snapshots of the opened run the timeline replays (``[]`` for a training run)."""
        return list(self._replay or [])

    def _start_probe(self, trainer) -> None:
        self.trainer = trainer
        self.probe = self._probe_cls(interval=self.interval, history=self.history_size,
                                     max_overhead=self.max_overhead)
        self.probe.attach(trainer)
        self.layers = model_layers(trainer.config)
        self._current, self._live, self._last_wanted = None, True, None
        self._samples_synced = False
        self._errors_seen, self._problem_error = 0, None
        self._set_problem("")
        for view in self.views:
            view.set_model(self.layers)

    def detach(self) -> None:
        self.timer.stop()
        if self.probe is not None:
            self.probe.detach()
        self.probe, self.trainer, self._running = None, None, False

    @Slot(object)
    def on_run_finished(self, _result=None) -> None:
        """The training thread is done with the model: probes may now run in the GUI thread."""
        self._running = False
        self._poll()
        self._request_idle_refresh()

    # -- probe image -------------------------------------------------------------------------------
    @Slot(int)
    def set_sample(self, index: int) -> None:
        if self.probe is None:
            return
        self._back_to_now()
        self.probe.set_sample(index)
        self._sync_samples()
        self._request_idle_refresh()

    def set_probe_image(self, image, label: int | None = None, source: str = "your drawing") -> None:
        """Probe a user image (``core.insight.inference.Prepared``, a uint8 array or a model-input tensor)."""
        if self.probe is None:
            return
        self._back_to_now()
        self.probe.set_image(image, label=label, source=source)
        self._sync_samples(note=QCoreApplication.translate(
            "InsideViews", "now: {source}").format(source=source_text(source)))
        self._request_idle_refresh()

    def _back_to_now(self) -> None:
        """A new probe image is looked at with the weights of now: the timeline goes live."""
        if self.timeline is not None and not self.timeline.live:
            self.timeline.go_live()

    def _sync_samples(self, note: str = "") -> None:
        n_test = 0
        test = self.trainer.test if self.trainer is not None else None  # there once the data is loaded
        if test is not None:
            n_test = len(test)
            self._samples_synced = True
        index = self.probe.sample_index if self.probe is not None else 0
        for view in self.views:
            view.samples.set_state(index, n_test or 10000, note)

    # -- timeline ----------------------------------------------------------------------------------
    @Slot(int)
    def scrub(self, seq: int) -> None:
        if self._replay:
            if 1 <= seq <= len(self._replay):
                self._live = False
                self._show(self._replay[seq - 1])
            return
        if self.probe is None:
            return
        snap = self.probe.find(seq)
        if snap is None:
            return
        latest = self.probe.latest()
        self._live = latest is not None and snap.seq == latest.seq
        self._show(snap)

    @Slot()
    def go_live(self) -> None:
        if self.probe is None and self._replay:  # nothing to probe: the last recorded snapshot
            self._show(self._replay[-1])
            return
        self._live = True
        if self.probe is not None and self.probe.latest() is not None:
            self._show(self.probe.latest())
        self._update_timelines()

    @property
    def live(self) -> bool:
        return self._live

    @property
    def current(self):
        return self._current

    # -- visibility and the probe's wishes ---------------------------------------------------------
    def live_views(self) -> list[InsideView]:
        return [v for v in self.views if v.is_live()]

    def wanted(self) -> tuple[frozenset, bool]:
        wanted: set = set()
        output = False
        for view in self.live_views():
            wanted |= view.wanted()
            output = output or view.wants_output()
        return frozenset(wanted), output

    @Slot()
    def _wanted_changed(self) -> None:
        self._update_wanted()

    def _update_wanted(self, force: bool = False) -> None:
        if self.probe is None:
            return
        wanted, output = self.wanted()
        key = (wanted, output, self.feature_view.selection)
        if key == self._last_wanted and not force:
            return
        self.probe.set_selection(self.feature_view.selection)
        grew = self._last_wanted is None or not (wanted <= self._last_wanted[0]) or (
            output and not self._last_wanted[1]) or (self._last_wanted[2] != key[2])
        self._last_wanted = key
        self.probe.set_wanted(wanted, output=output)
        if grew:
            self._request_idle_refresh()

    def _is_running(self) -> bool:
        if self._running:
            return True
        if self._external_running is not None:
            try:
                return bool(self._external_running())
            except Exception:  # noqa: BLE001
                return True
        return False

    def _request_idle_refresh(self) -> None:
        self._refresh_timer.start()

    @Slot()
    def _refresh_idle(self) -> None:
        """Outside training, probe in the GUI thread when the image, layers or selection changed."""
        if self.probe is None or self.trainer is None or self._is_running() or self._step is not None:
            return  # (at a step of the timeline: the views show that moment, not the weights now)
        if self.trainer.model is None or self.trainer.test is None:
            return
        if not self.probe.active:
            return
        snap = self.probe.probe(self.trainer, publish=False)
        self._check_probe()
        if snap is not None:
            self._live = True
            self._show(snap, fresh=True)

    # -- the GUI timer -----------------------------------------------------------------------------
    def _charge_paints(self) -> None:
        """Debit the drawing budget with the views' paints since the last poll."""
        painted = PAINT_METER.seconds - self._paint_seen
        self._paint_seen = PAINT_METER.seconds
        if painted > 0:
            self.budget.charge(painted, drew=False)

    @Slot()
    def _poll(self) -> None:
        if self.probe is None:
            self._draw_current()  # a replay without a probe: views shown since draw it
            return
        self._update_wanted()
        self._check_probe()
        self._charge_paints()
        if self._is_running() and not self.budget.ready():
            return  # over the drawing budget: the snapshot waits in the mailbox
        snap = self.probe.mailbox.take()
        if snap is not None:
            self._add_stops(self.probe.history())
        if snap is not None and self._live:
            self._show(snap, fresh=True)
        elif snap is not None:
            self._set_problem("")  # the probe works again (the views stay on the scrubbed snapshot)
            self._update_timelines()
        self._draw_current()

    def _draw_current(self) -> None:
        if self._current is not None:
            for view in self.live_views():
                if view.shown_seq != self._current.seq:
                    view.show_snapshot(self._current)

    def _show(self, snap, fresh: bool = False) -> None:
        """Draw ``snap`` in the live views; ``fresh``: just probed (so the probe works: no problem)."""
        t0 = time.thread_time()
        self._current = snap
        if fresh:
            self._set_problem("")
        if not self._samples_synced:
            self._sync_samples(note="" if snap.source.startswith("test sample") else
                               QCoreApplication.translate(
                                   "InsideViews", "now: {source}").format(source=source_text(snap.source)))
        for view in self.live_views():
            view.show_snapshot(snap)
        self._update_timelines()
        self.draws += 1
        spent = time.thread_time() - t0
        self.draw_seconds += spent
        self.budget.charge(spent)
        self.snapshot_shown.emit(snap)

    # -- probe failures ----------------------------------------------------------------------------
    def _check_probe(self) -> None:
        """When the probe failed since the last look, every view says why (the probe counts its errors
        and keeps the last one; it never stops the training for them)."""
        probe = self.probe
        if probe is None:
            return
        errors, error = probe.errors, probe.last_error
        grew = errors != self._errors_seen
        changed = bool(self.problem) and error != self._problem_error  # read while it was being set
        if not (grew or changed):
            return
        self._errors_seen = errors
        self._problem_error = error
        self._set_problem(probe_problem_text(error or "", self._is_running()), detail=error or "")

    def _set_problem(self, message: str, detail: str = "") -> None:
        if message == self.problem:
            return
        if message:
            log.warning("could not look inside the network: %s", detail or message)
        self.problem = message
        for view in self.views:
            view.show_problem(message, detail)

    def _update_replay_timelines(self) -> None:
        """An opened run: the slider runs over its saved snapshots; "Live" is its final weights."""
        n, cur = len(self._replay), self._current
        if self.opened is None:  # nothing to probe: only the recorded snapshots
            pos = cur.seq if cur is not None else n
            for view in self.views:
                view.timeline.set_state(1, n, pos, False, QCoreApplication.translate(
                    "InsideViews", "recorded snapshot {pos} of {n} · step {step} · epoch {epoch}").format(
                    pos=pos, n=n, step=f"{cur.step:,}", epoch=cur.epoch) if cur is not None else "")
            return
        if self._live or cur is None:
            pos = n
            text = QCoreApplication.translate(
                "InsideViews", "opened weights (epoch {epoch}) · scrub back to replay {n} snapshots of its "
                               "training").format(epoch=self.opened.epochs_done, n=n)
        else:
            pos = cur.seq
            when = time.strftime("%H:%M:%S", time.localtime(cur.wall_time))
            text = QCoreApplication.translate(
                "InsideViews", "replay: step {step} · epoch {epoch} · {when} · snapshot {pos} of {n}").format(
                step=f"{cur.step:,}", epoch=cur.epoch, when=when, pos=pos, n=n)
        for view in self.views:
            view.timeline.set_state(1, n, pos, self._live, text)

    def _update_timelines(self) -> None:
        if self._replay:
            self._update_replay_timelines()
            return
        history = self.probe.history() if self.probe is not None else []
        if not history:
            for view in self.views:
                view.timeline.set_state(0, 0, 0, True, QCoreApplication.translate("InsideViews", "no snapshot yet"))
            return
        first, last = history[0].seq, history[-1].seq
        cur = self._current
        seq = cur.seq if cur is not None else last
        if cur is not None:
            when = time.strftime("%H:%M:%S", time.localtime(cur.wall_time))
            pos = seq - first + 1
            which = QCoreApplication.translate("InsideViews", "live") if self._live else \
                QCoreApplication.translate("InsideViews", "snapshot {pos} of {n}").format(pos=pos, n=len(history))
            text = QCoreApplication.translate(
                "InsideViews", "step {step} · epoch {epoch} · {when} · {which}").format(
                step=f"{cur.step:,}", epoch=cur.epoch, when=when, which=which)
        else:
            text = ""
        for view in self.views:
            view.timeline.set_state(first, last, seq, self._live, text)
