"""The worker/controller pair with fake trainers, the step buffer, the curves' data, and start-up."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from convscope.app.runtime.steps import StepBuffer, merge_steps
from convscope.app.worker import RunController
from convscope.core.setup.config import make_config
from convscope.core.training.events import EpochEnd, RunFinished, RunResult, RunStarted, StepMetrics

ROOT = Path(__file__).resolve().parents[2]
WAIT = 60_000


def steps(first: int, n: int, epoch: int = 1, spe: int = 100) -> StepMetrics:
    g = np.arange(first, first + n, dtype=np.int64)
    return StepMetrics(epoch, int(g[-1]) % spe or spe, spe, g, np.full(n, 0.5, np.float32),
                       np.full(n, 0.9, np.float32), 0.01, 1000.0, 1.0)


class FakeTrainer:
    """What the controller needs of a trainer: run(epochs), stop/pause/resume, on_event."""

    def __init__(self, n_events=10, per_event=3, fail=False, block=None):
        self.config = make_config("lenet", "mnist-sample")
        self.on_event = None
        self.n_events, self.per_event, self.fail, self.block = n_events, per_event, fail, block
        self._stop = threading.Event()
        self._unpaused = threading.Event()
        self._unpaused.set()
        self.epochs_done = 0
        self.steps_pushed = 0

    def stop(self):
        self._stop.set()
        self._unpaused.set()

    def pause(self):
        self._unpaused.clear()

    def resume(self):
        self._unpaused.set()

    @property
    def paused(self):
        return not self._unpaused.is_set()

    def run(self, epochs=None):
        self._stop.clear()
        self.on_event(RunStarted(self.config, "CPU", 100, 10, 100, 0, 1, 1))
        if self.fail:
            raise ValueError("fake engine broke")
        status = "completed"
        for i in range(self.n_events):
            if self.block is not None:
                self.block.wait(10)
            self._unpaused.wait()
            if self._stop.is_set():
                status = "stopped"
                break
            self.on_event(steps(1 + i * self.per_event, self.per_event))
            self.steps_pushed += self.per_event
        else:
            self.epochs_done = 1
            self.on_event(EpochEnd(1, 0.5, 0.9, 0.5, 0.9, 0.01, 1.0, 1000.0))
        result = RunResult(status=status, epochs=self.epochs_done)
        self.on_event(RunFinished(result))
        return result


@pytest.fixture
def controller(qtbot):
    c = RunController()
    yield c
    c.shutdown()


def collect(controller):
    seen = {"started": [], "epochs": [], "results": [], "threads": []}
    controller.run_started.connect(lambda ev: seen["started"].append(ev))
    controller.epoch_finished.connect(lambda ev: seen["epochs"].append(ev))
    controller.run_finished.connect(lambda r: seen["results"].append(r))
    for sig in (controller.run_started, controller.epoch_finished, controller.run_finished):
        sig.connect(lambda *_: seen["threads"].append(threading.current_thread() is threading.main_thread()))
    return seen


def test_buffer_merges_instead_of_growing_and_loses_no_step():
    buf = StepBuffer(max_events=8)
    for i in range(100):
        buf.push(steps(1 + 3 * i, 3))
        assert len(buf) < 8
    drained = buf.drain()
    merged = merge_steps(drained)
    assert list(merged.global_steps) == list(range(1, 301))
    assert buf.drain() == []


def test_controller_delivers_every_event_in_the_gui_thread(qtbot, controller):
    seen = collect(controller)
    trainer = FakeTrainer(n_events=20, per_event=5)
    controller.start(trainer)
    qtbot.waitUntil(lambda: not controller.is_running(), timeout=WAIT)
    assert len(seen["started"]) == 1 and len(seen["epochs"]) == 1
    assert [r.status for r in seen["results"]] == ["completed"]
    assert all(seen["threads"])
    got = np.concatenate([e.global_steps for e in controller.buffer.drain()])
    assert list(got) == list(range(1, 101))


@pytest.mark.parametrize("fail", [False, True])
def test_the_worker_is_destroyed_in_the_gui_thread(qtbot, controller, fail):
    """A PySide QObject destroyed in the training thread needs the GIL inside ~QObject while Qt holds a
    signal-slot mutex the GUI thread may be waiting for: a rare deadlock. The worker must die here."""
    import gc

    from PySide6.QtCore import QCoreApplication, Qt

    destroyed_in = []
    controller.start(FakeTrainer(fail=fail))
    worker = controller._worker
    worker.destroyed.connect(lambda *_: destroyed_in.append(threading.get_ident()),
                             Qt.ConnectionType.DirectConnection)
    qtbot.waitUntil(lambda: not controller.is_running(), timeout=WAIT)
    # Done: it lives in the GUI thread again, whoever holds it last (a logged traceback may).
    assert worker.thread() is QCoreApplication.instance().thread()
    assert controller._worker is None
    del worker
    gc.collect()
    qtbot.waitUntil(lambda: len(destroyed_in) > 0, timeout=WAIT)
    assert destroyed_in == [threading.main_thread().ident]


def test_an_exception_in_run_becomes_a_failed_result(qtbot, controller):
    seen = collect(controller)
    controller.start(FakeTrainer(fail=True))
    qtbot.waitUntil(lambda: not controller.is_running(), timeout=WAIT)
    assert [r.status for r in seen["results"]] == ["failed"]
    assert "fake engine broke" in seen["results"][0].message


def test_a_flood_of_updates_keeps_memory_bounded(qtbot, controller):
    trainer = FakeTrainer(n_events=10_000, per_event=1)
    controller.start(trainer)
    peak = 0
    while controller.is_running():
        peak = max(peak, len(controller.buffer))
        qtbot.wait(5)
    assert peak < controller.buffer.max_events
    events = controller.buffer.drain()
    assert sum(len(e.global_steps) for e in events) == 10_000


def test_stop_before_the_run_begins_is_not_lost(qtbot, controller):
    gate = threading.Event()
    seen = collect(controller)
    trainer = FakeTrainer(n_events=1000, block=gate)
    controller.start(trainer, before_run=lambda: time.sleep(0.05))
    controller.stop()  # before Trainer.run() has cleared its stop flag
    gate.set()
    qtbot.waitUntil(lambda: not controller.is_running(), timeout=WAIT)
    assert [r.status for r in seen["results"]] == ["stopped"]
    assert trainer.steps_pushed == 0


def test_shutdown_stops_waits_and_delivers_the_last_signals(qtbot, controller, started_qthreads):
    seen = collect(controller)
    gate = threading.Event()
    trainer = FakeTrainer(n_events=1000, block=gate)
    controller.start(trainer)
    qtbot.waitUntil(lambda: len(seen["started"]) == 1, timeout=WAIT)
    gate.set()
    controller.shutdown()
    assert not controller.is_running()
    assert started_qthreads[0].isFinished()
    assert [r.status for r in seen["results"]] == ["stopped"]


# ---------------------------------------------------------------------------------------- curves
def test_series_drops_non_finite_points_and_grows():
    from convscope.app.widgets.curves import EMA, Series

    s = Series(capacity=2)
    s.extend([1, 2, 3, 4], [0.1, np.nan, np.inf, 0.4])
    s.extend(np.arange(5, 105), np.ones(100))
    x, y = s.data()
    assert len(x) == 102 and np.isfinite(y).all() and x[0] == 1 and x[1] == 4
    assert s.nearest(4.4) == 1
    ema = EMA(0.9)
    out = ema.update(np.array([2.0, 2.0, 2.0]))
    assert np.allclose(out, 2.0)  # debiased: a constant stays itself from the first step


def test_curves_readout_names_step_and_epoch(qtbot):
    from convscope.app.widgets.curves import CurvesPanel

    panel = CurvesPanel()
    qtbot.addWidget(panel)
    panel.begin_run(10)
    panel.add_steps([steps(1, 10, spe=10), steps(11, 10, epoch=2, spe=10)])
    panel.add_epoch(EpochEnd(1, 0.5, 0.8, 0.4, 0.85, 0.01, 1.0, 100.0))
    panel.add_epoch(EpochEnd(2, 0.4, 0.9, 0.3, 0.95, 0.01, 1.0, 100.0))
    panel.refresh(force=True)
    assert "Best test accuracy 95.00 %" in panel.summary.text()
    text = panel.describe(1.5)
    assert "step 15" in text and "epoch 2" in text and "test accuracy 95.00 %" in text
    assert panel.best_epoch == 2
    assert len(panel.test_acc_curve.getOriginalDataset()[0]) == 2


def test_the_summary_line_changes_with_the_accuracy_plot_not_ahead_of_it(qtbot):
    from convscope.app.widgets.curves import CurvesPanel

    panel = CurvesPanel()
    qtbot.addWidget(panel)
    panel.begin_run(10, end_epoch=3)
    panel.add_steps([steps(1, 10, spe=10)])
    panel.add_epoch(EpochEnd(1, 0.5, 0.8, 0.4, 0.85, 0.01, 1.0, 100.0))
    before = panel.summary.text()
    assert "Best test accuracy" not in before
    panel._refresh_plot("loss")
    assert panel.summary.text() == before
    panel._refresh_plot("accuracy")
    assert "Best test accuracy 85.00 %" in panel.summary.text()
    assert list(panel.test_acc_curve.getOriginalDataset()[0]) == [1.0]


def test_learning_rate_axis_is_set_once_for_a_warm_up(qtbot):
    """A one-cycle warm-up raises the rate at every update; its axis (repainted whenever its range
    changes) keeps the range of the schedule's peak."""
    from dataclasses import replace

    from convscope.app.widgets.curves import CurvesPanel

    panel = CurvesPanel()
    qtbot.addWidget(panel)
    ranges = []
    panel.lr_view.sigYRangeChanged.connect(lambda vb, r: ranges.append(tuple(r)))
    panel.begin_run(100, end_epoch=1, lr_max=0.1)
    ranges.clear()
    for i in range(10):
        panel.add_steps([replace(steps(10 * i + 1, 10), lr=0.01 * (i + 1))])
        panel.refresh(force=True)
    from convscope.app.widgets.curves import HEADROOM  # the band above the data that holds the legend

    assert len(ranges) == 1 and np.allclose(ranges[0], (0.0, 0.105 * HEADROOM))
    # Without a known peak the top grows in steps of 1.5×: a few changes, not one per update.
    panel.begin_run(100, end_epoch=1)
    ranges.clear()
    for i in range(10):
        panel.add_steps([replace(steps(10 * i + 1, 10), lr=0.01 * (i + 1))])
        panel.refresh(force=True)
    assert 1 <= len(ranges) <= 5 and ranges[-1][1] >= 0.1


# --------------------------------------------------------------------------------------- start-up
def test_the_window_modules_import_only_qt():
    code = ("import sys, convscope.app.launcher, convscope.app.main_window\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'torchvision', 'pyqtgraph', "
            "'numpy') or m.startswith('convscope.core'))\n"
            "print(heavy); sys.exit(1 if heavy else 0)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_main_py_opens_the_window_and_becomes_ready(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CONVSCOPE_STARTUP_REPORT="1",
               CONVSCOPE_SETTINGS_DIR=str(tmp_path / "settings"), CONVSCOPE_RUNS_DIR=str(tmp_path / "runs"))
    proc = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = {line.split()[0]: float(line.split()[1]) for line in proc.stderr.splitlines()
             if line.startswith(("first-paint ", "ready "))}
    assert "first-paint" in lines and "ready" in lines
    assert lines["first-paint"] <= lines["ready"]
