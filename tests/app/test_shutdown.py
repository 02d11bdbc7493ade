"""Ways a training session ends besides the Stop button: the window closed, Ctrl+C, a kill, and
exceptions nobody caught. Each must stop the run cleanly, keep its files, and never hang or abort."""
from __future__ import annotations

import json
import os
import signal
import sys
import threading

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from tests.app.test_main_window import WAIT, child, click, configure

CYCLES = 50


def open_window(qtbot, register=True):
    from convscope.app.main_window import MainWindow

    w = MainWindow()
    if register:  # pytest-qt closes it after the test
        qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(w.is_ready, timeout=WAIT)
    return w


def assert_stopped_run_on_disk(result):
    """What a stopped run leaves: its status, one metrics line per finished epoch, and loadable
    weights of the epochs it finished."""
    from convscope.core.runs.checkpoints import load_run, read_metrics

    assert result.status == "stopped", result.message
    status = json.loads(open(f"{result.run_dir}/status.json").read())
    assert status["status"] == "stopped" and status["epoch"] == result.epochs
    assert [m["epoch"] for m in read_metrics(result.run_dir)] == list(range(1, result.epochs + 1))
    if result.epochs:
        assert load_run(result.run_dir).epoch >= result.epochs


def test_fifty_start_and_close_cycles_stop_every_run_cleanly(qtbot, step_gate, started_qthreads):
    """Each cycle opens a window, starts a run and closes the window at a different moment: before
    the thread starts, once the run started, after a few steps, after an epoch was saved, while
    paused."""
    moments = ("at once", "started", "steps", "epoch saved", "paused")
    seen = {m: 0 for m in moments}
    for i in range(CYCLES):
        moment = moments[i % len(moments)]
        w = open_window(qtbot, register=False)  # deleted at the end of the cycle
        try:
            epochs_done = _close_during_a_run(qtbot, w, step_gate, moment, f"cycle {i} ({moment})")
        finally:
            w.close()
            w.deleteLater()
            QApplication.processEvents()
        seen[moment] += epochs_done > 0
    assert len(started_qthreads) == CYCLES
    assert not any(_running(t) for t in started_qthreads)
    # The later moments really had saved epochs to keep.
    assert seen["epoch saved"] == CYCLES // len(moments)


def _long_saved_run(w, step_gate):
    """Settings for a run that goes on until stopped and saves an epoch every two steps (64 images in
    batches of 32); returns its step gate and the lists its results and finished epochs go to."""
    configure(w, epochs=1000, subset=64, batch=32, save=True)
    gate = step_gate()
    w.trainer_setup_hooks.append(gate.attach)
    results, epochs = [], []
    w.run_finished.connect(results.append)
    w.epoch_finished.connect(epochs.append)
    return gate, results, epochs


def _close_during_a_run(qtbot, w, step_gate, moment, where) -> int:
    gate, results, epochs = _long_saved_run(w, step_gate)
    click(qtbot, w, "startButton")
    if moment == "started":
        qtbot.waitUntil(lambda: w._run_info is not None, timeout=WAIT)
    elif moment == "steps":
        qtbot.waitUntil(lambda: gate.steps >= 3, timeout=WAIT)
    elif moment == "epoch saved":
        qtbot.waitUntil(lambda: len(epochs) >= 1, timeout=WAIT)
    elif moment == "paused":
        qtbot.waitUntil(lambda: gate.steps >= 1, timeout=WAIT)
        click(qtbot, w, "pauseButton")
    thread = w.training_thread
    assert w.close(), f"{where}: the window did not close"
    assert not w.is_running() and thread.isFinished(), where
    assert len(results) == 1, f"{where}: {len(results)} results"
    assert_stopped_run_on_disk(results[0])
    return results[0].epochs


def _running(thread: QThread) -> bool:
    try:
        return thread.isRunning()
    except RuntimeError:  # deleted after it finished
        return False


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_ctrl_c_or_a_kill_closes_the_window_and_stops_the_run(qtbot, step_gate, signame):
    from convscope.app.launcher import _close_on_signals

    w = open_window(qtbot)
    _, results, epochs = _long_saved_run(w, step_gate)
    signum = getattr(signal, signame)
    before = signal.getsignal(signum)
    restore = _close_on_signals(w)
    assert signal.getsignal(signum) is not before
    try:
        click(qtbot, w, "startButton")
        qtbot.waitUntil(lambda: len(epochs) >= 1, timeout=WAIT)
        os.kill(os.getpid(), signum)
        qtbot.waitUntil(lambda: not w.isVisible(), timeout=WAIT)
    finally:
        restore()
    assert not w.is_running()
    assert len(results) == 1 and results[0].epochs >= 1
    assert_stopped_run_on_disk(results[0])
    assert signal.getsignal(signum) is before


def test_uncaught_exceptions_are_logged_and_shown_from_any_thread(qtbot, monkeypatch):
    from convscope.app.launcher import _install_excepthooks

    w = open_window(qtbot)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # put back after the test
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    _install_excepthooks(w)
    banner, log_view = child(w, "banner"), child(w, "logView")

    # A thread dies of an exception: the banner names it, the log has the traceback.
    def die():
        raise ValueError("broken in a helper thread")

    t = threading.Thread(target=die, name="helper")
    t.start()
    t.join()
    qtbot.waitUntil(banner.isVisible, timeout=WAIT)
    assert banner.kind == "error"
    assert "ValueError: broken in a helper thread (thread helper)" in banner.message.text()
    qtbot.waitUntil(lambda: "Traceback" in log_view.toPlainText(), timeout=WAIT)
    assert "in die" in log_view.toPlainText()

    # The GUI thread: what Python calls for an exception escaping a slot.
    banner.dismiss()
    try:
        raise KeyError("missing in a slot")
    except KeyError:
        sys.excepthook(*sys.exc_info())
    qtbot.waitUntil(banner.isVisible, timeout=WAIT)
    assert "KeyError: 'missing in a slot' (the window)" in banner.message.text()
    assert "missing in a slot" in log_view.toPlainText()
    assert w.isVisible()  # the app carries on
