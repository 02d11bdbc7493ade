"""The main window driven like a student would: real widgets, real engine, tiny runs.

Runs use LeNet on a few hundred digits of the offline MNIST sample so each takes a second or two.
No assertion depends on timing: the training thread is held at a chosen step by a step hook
(``step_gate``) where a test needs it to be somewhere in particular.
"""
from __future__ import annotations

import json
import math
import threading

import numpy as np
import pytest
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QSpinBox

WAIT = 180_000  # generous upper bound for waits (ms); tests never depend on it


# ----------------------------------------------------------------------------------------- helpers
def child(w, name):
    obj = w.findChild(QObject, name)
    assert obj is not None, f"no child named {name!r}"
    return obj


def choose(combo: QComboBox, data) -> None:
    index = combo.findData(data)
    assert index >= 0, f"{combo.objectName()} has no item with data {data!r}"
    combo.setCurrentIndex(index)


def configure(w, arch="lenet", dataset="mnist-sample", epochs=3, subset=256, batch=32, save=False, **fields):
    choose(child(w, "archCombo"), arch)
    choose(child(w, "datasetCombo"), dataset)
    child(w, "epochsSpin").setValue(epochs)
    child(w, "batchSizeSpin").setValue(batch)
    child(w, "subsetSpin").setValue(subset)
    child(w, "saveRunCheck").setChecked(save)
    for key, value in fields.items():
        w.config_panel.set_field(key, value)
    w._validate()  # the panel validates on the next event-loop turn; do it now


def click(qtbot, w, name):
    button = child(w, name)
    assert button.isEnabled(), f"{name} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def wait_idle(qtbot, w):
    qtbot.waitUntil(lambda: not w.is_running(), timeout=WAIT)


def curve_xy(curve):
    x, y = curve.getOriginalDataset()
    if x is None:
        return np.array([]), np.array([])
    return np.asarray(x), np.asarray(y)


# ------------------------------------------------------------------------------------ the contract
def test_train_lenet_on_the_sample_fills_the_curves(qtbot, window, started_qthreads):
    w = window
    import pyqtgraph as pg

    assert isinstance(child(w, "lossPlot"), pg.PlotWidget)
    assert isinstance(child(w, "accuracyPlot"), pg.PlotWidget)
    configure(w, "lenet", "mnist-sample", epochs=3, save=True)
    assert child(w, "startButton").isEnabled()
    assert not w.is_running()

    in_gui_thread = []
    epochs, results = [], []
    w.epoch_finished.connect(lambda ev: (epochs.append(ev), in_gui_thread.append(
        threading.current_thread() is threading.main_thread())))
    w.run_finished.connect(lambda r: (results.append(r), in_gui_thread.append(
        threading.current_thread() is threading.main_thread())))

    click(qtbot, w, "startButton")
    assert w.is_running()
    assert not child(w, "startButton").isEnabled()
    wait_idle(qtbot, w)

    assert [r.status for r in results] == ["completed"], results[0].message if results else "no result"
    assert all(in_gui_thread)
    # Loss curve: per-step points, on the lossPlot.
    loss_plot = child(w, "lossPlot").getPlotItem()
    assert w.curves.train_loss_curve in loss_plot.listDataItems()
    x, y = curve_xy(w.curves.train_loss_curve)
    assert len(x) == 3 * 8  # 256 images / batch 32 = 8 steps per epoch
    assert np.isfinite(y).all()
    # Test accuracy: exactly one point per finished epoch, on the accuracyPlot.
    acc_plot = child(w, "accuracyPlot").getPlotItem()
    assert w.curves.test_acc_curve in acc_plot.listDataItems()
    ex, ey = curve_xy(w.curves.test_acc_curve)
    assert list(ex) == [1.0, 2.0, 3.0]
    assert ((0 <= ey) & (ey <= 100)).all()
    assert len(curve_xy(w.curves.test_loss_curve)[0]) == 3
    assert len(epochs) == 3 and epochs[-1].weights is not None  # a CPU copy of the weights
    assert all(t.device.type == "cpu" for t in epochs[-1].weights.values())
    assert child(w, "startButton").isEnabled()
    assert child(w, "moreEpochButton").isEnabled()
    assert not child(w, "stopButton").isEnabled()
    # One training thread, finished.
    assert len(started_qthreads) == 1
    # The run was saved where the settings say.
    run_dir = results[0].run_dir
    assert run_dir and (json.loads(open(f"{run_dir}/status.json").read())["status"] == "completed")


def test_stop_takes_effect_within_one_batch(qtbot, window, step_gate):
    w = window
    configure(w, epochs=50, subset=2048)
    gate = step_gate(at=5)
    w.trainer_setup_hooks.append(gate.attach)
    results = []
    w.run_finished.connect(results.append)
    click(qtbot, w, "startButton")
    qtbot.waitUntil(gate.reached.is_set, timeout=WAIT)
    click(qtbot, w, "stopButton")  # while the training thread is inside step 5
    gate.release.set()
    wait_idle(qtbot, w)
    assert gate.steps == 5, "a batch ran after the stop request"
    assert [r.status for r in results] == ["stopped"]
    assert child(w, "startButton").isEnabled()
    assert not gate.in_gui_thread  # training ran in its own thread


def test_pause_holds_training_and_resume_goes_on(qtbot, window, step_gate):
    w = window
    configure(w, epochs=1, subset=256)
    gate = step_gate(at=3)
    w.trainer_setup_hooks.append(gate.attach)
    results = []
    w.run_finished.connect(results.append)
    click(qtbot, w, "startButton")
    qtbot.waitUntil(gate.reached.is_set, timeout=WAIT)
    click(qtbot, w, "pauseButton")
    assert w.controller.is_paused()
    assert "Resume" in child(w, "pauseButton").text()
    gate.release.set()
    # While paused: the run stays active and no step is taken, however long we wait.
    for _ in range(3):
        qtbot.wait(150)
        assert gate.steps == 3
        assert w.is_running()
    click(qtbot, w, "pauseButton")  # resume
    assert not w.controller.is_paused()
    wait_idle(qtbot, w)
    assert gate.steps == 8
    assert [r.status for r in results] == ["completed"]


def test_stop_while_paused_finishes(qtbot, window, step_gate):
    w = window
    configure(w, epochs=20, subset=1024)
    gate = step_gate(at=2)
    w.trainer_setup_hooks.append(gate.attach)
    click(qtbot, w, "startButton")
    qtbot.waitUntil(gate.reached.is_set, timeout=WAIT)
    click(qtbot, w, "pauseButton")
    gate.release.set()
    click(qtbot, w, "stopButton")
    wait_idle(qtbot, w)
    assert gate.steps == 2
    assert w.last_result.status == "stopped"


def test_closing_the_window_while_training_stops_cleanly(qtbot, step_gate, started_qthreads):
    from convscope.app.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(w.is_ready, timeout=WAIT)
    configure(w, epochs=100, subset=2048, save=True)
    gate = step_gate()
    w.trainer_setup_hooks.append(gate.attach)
    results = []
    w.run_finished.connect(results.append)
    click(qtbot, w, "startButton")
    qtbot.waitUntil(lambda: gate.steps >= 3, timeout=WAIT)
    thread = w.training_thread
    w.close()
    assert thread.isFinished()
    assert not w.is_running()
    assert [r.status for r in results] == ["stopped"]
    assert len(started_qthreads) == 1
    # The epochs' metrics written so far are on disk, and the status says how the run ended.
    status = json.loads(open(f"{results[0].run_dir}/status.json").read())
    assert status["status"] == "stopped"


def test_closing_during_a_long_step_closes_once_the_run_stopped(qtbot, step_gate, monkeypatch):
    """A step that outlasts the wait (a big network on a CPU): the window waits, it never hangs."""
    from convscope.app import main_window

    monkeypatch.setattr(main_window, "CLOSE_WAIT_MS", 50)
    w = main_window.MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(w.is_ready, timeout=WAIT)
    configure(w, epochs=100, subset=2048)
    gate = step_gate(at=2)  # holds the training thread inside step 2
    w.trainer_setup_hooks.append(gate.attach)
    click(qtbot, w, "startButton")
    qtbot.waitUntil(gate.reached.is_set, timeout=WAIT)
    assert not w.close()  # still stopping: the close is deferred
    assert w.isVisible() and w.is_running()
    assert not child(w, "stopButton").isEnabled()
    gate.release.set()
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=WAIT)
    assert not w.is_running()  # (the QThread object itself is gone: deleteLater after it finished)
    assert gate.steps == 2
    assert w.last_result.status == "stopped"


def test_close_before_the_first_batch(qtbot, started_qthreads):
    from convscope.app.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(w.is_ready, timeout=WAIT)
    configure(w, epochs=100, subset=2048)
    click(qtbot, w, "startButton")
    thread = w.training_thread
    w.close()  # the thread may still be loading the data: close waits for it, then it stops
    assert thread.isFinished()
    assert w.last_result is not None and w.last_result.status == "stopped"


def test_twenty_start_stop_cycles_leave_no_thread(qtbot, window, step_gate, started_qthreads):
    w = window
    configure(w, epochs=50, subset=512)
    results = []
    w.run_finished.connect(results.append)
    gates = []
    for i in range(20):
        gate = step_gate()
        gates.append(gate)
        w.trainer_setup_hooks[:] = [gate.attach]
        click(qtbot, w, "startButton")
        if i % 3 == 1:  # once the run has started
            qtbot.waitUntil(lambda: w._run_info is not None, timeout=WAIT)
        elif i % 3 == 2:  # after a few steps
            qtbot.waitUntil(lambda g=gate: g.steps >= 2, timeout=WAIT)
        click(qtbot, w, "stopButton")  # i % 3 == 0: at once, before the thread has begun
        wait_idle(qtbot, w)
        assert len(results) == i + 1
        assert results[-1].status == "stopped", results[-1].message
        assert child(w, "startButton").isEnabled()
    assert len(started_qthreads) == 20
    for thread in started_qthreads:
        try:
            assert not thread.isRunning()
        except RuntimeError:  # deleted after finishing (deleteLater)
            pass


# ------------------------------------------------------------------------------------ more runs
def test_one_more_epoch_continues_the_curves(qtbot, window):
    w = window
    configure(w, epochs=1, subset=256)
    click(qtbot, w, "startButton")
    wait_idle(qtbot, w)
    assert w.last_result.status == "completed"
    assert list(curve_xy(w.curves.test_acc_curve)[0]) == [1.0]
    click(qtbot, w, "moreEpochButton")
    wait_idle(qtbot, w)
    assert w.last_result.status == "completed"
    assert w.last_result.epochs == 2
    assert list(curve_xy(w.curves.test_acc_curve)[0]) == [1.0, 2.0]
    x, _ = curve_xy(w.curves.train_loss_curve)
    assert len(x) == 16 and np.all(np.diff(x) > 0)
    # Changing a setting makes "+1 epoch" unavailable (it would not be the same run).
    child(w, "lrSpin").setValue(0.01)
    w._validate()
    assert not child(w, "moreEpochButton").isEnabled()


def test_divergence_shows_a_banner_with_the_learning_rate(qtbot, window):
    w = window
    assert w.config_panel.apply_preset("lenet-lr-too-large")
    configure(w, epochs=3, subset=512)
    results = []
    w.run_finished.connect(results.append)
    click(qtbot, w, "startButton")
    wait_idle(qtbot, w)
    assert results[0].status == "diverged"
    banner = child(w, "banner")
    assert banner.isVisible() and banner.kind == "error"
    text = (banner.title.text() + " " + banner.message.text()).lower()
    assert "learning rate" in text
    # The plots only hold finite points.
    for curve in (w.curves.train_loss_curve, w.curves.train_loss_raw_curve, w.curves.train_acc_curve):
        assert np.isfinite(curve_xy(curve)[1]).all()
    # The banner's action sets a ten times smaller learning rate.
    action = child(w, "bannerAction")
    assert action.isVisible()
    qtbot.mouseClick(action, Qt.MouseButton.LeftButton)
    assert math.isclose(child(w, "lrSpin").value(), 1.0)


def test_an_error_in_the_training_thread_reaches_the_user(qtbot, window, step_gate):
    w = window
    configure(w, epochs=2, subset=256)
    gate = step_gate(fail_at=3)
    w.trainer_setup_hooks.append(gate.attach)
    click(qtbot, w, "startButton")
    wait_idle(qtbot, w)
    assert w.last_result.status == "failed"
    banner = child(w, "banner")
    assert banner.isVisible() and banner.kind == "error"
    assert "injected failure" in banner.message.text()
    assert "injected failure" in child(w, "logView").toPlainText()
    assert child(w, "startButton").isEnabled()


def test_a_full_disk_offers_to_save_the_run_elsewhere_and_keeps_it_until_then(qtbot, window, tmp_path,
                                                                              monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from convscope.core.runs.checkpoints import load_run, read_metrics
    from tests.conftest import FullDisk

    w = window
    configure(w, epochs=3, subset=256, save=True)
    disk = FullDisk(monkeypatch)
    # The disk fills up during epoch 2: epoch 1 is on disk, epoch 2 only in memory.
    w.trainer_setup_hooks.append(
        lambda trainer: trainer.step_hooks.append(lambda t: setattr(disk, "full", t.epochs_done == 1)))
    click(qtbot, w, "startButton")
    wait_idle(qtbot, w)
    assert w.last_result.status == "failed" and w.last_result.epochs == 2
    banner, action = child(w, "banner"), child(w, "bannerAction")
    assert banner.isVisible() and banner.title.text() == "The run could not be saved"
    assert "No space left on device" in banner.message.text()
    assert action.isVisible() and action.text() == "Save to another folder…"
    first_dir = w.unsaved_trainer().run_dir
    assert not child(w, "moreEpochButton").isEnabled()

    # Closing now asks; "Cancel" keeps the window (and the model) open.
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Cancel)
    assert not w.close() and w.isVisible()
    assert "epoch 2 of the last run exist only in memory" in asked[0]

    # The chosen folder is on the same full disk: refused with the reason, offered again.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(elsewhere))
    qtbot.mouseClick(action, Qt.MouseButton.LeftButton)
    assert banner.title.text() == "The run could not be saved there" and action.isVisible()
    assert w.unsaved_trainer() is not None

    # Space freed: saved into a new folder named after the run; the model and both epochs are there.
    disk.full = False
    qtbot.mouseClick(action, Qt.MouseButton.LeftButton)
    assert banner.kind == "success", banner.message.text()
    saved = elsewhere / first_dir.rsplit("/", 1)[-1]
    run = load_run(saved)
    assert [m["epoch"] for m in run.metrics] == [1, 2] and run.epoch == 2
    assert w.unsaved_trainer() is None
    # Training goes on from there and is written to the new folder.
    w.trainer_setup_hooks.clear()
    click(qtbot, w, "moreEpochButton")
    wait_idle(qtbot, w)
    assert w.last_result.status == "completed" and w.last_result.epochs == 3
    assert [m["epoch"] for m in read_metrics(saved)] == [1, 2, 3]
    # Nothing left unsaved: closing asks nothing.
    asked.clear()
    assert w.close() and asked == []


def test_stuck_warning_shows_a_banner_and_training_goes_on(qtbot, window):
    from convscope.core.training.events import RunWarning

    w = window
    configure(w, epochs=1, subset=256)
    sent = []

    def warn_once(trainer):
        if not sent:
            sent.append(True)
            trainer.on_event(RunWarning("stuck", "epoch 1: the loss stays at 2.303 ≈ ln 10: the network "
                                                 "is guessing; lower the learning rate."))

    w.trainer_setup_hooks.append(lambda trainer: trainer.step_hooks.append(warn_once))
    click(qtbot, w, "startButton")
    wait_idle(qtbot, w)
    banner = child(w, "banner")
    assert banner.isVisible() and banner.kind == "warning"
    assert "guessing" in banner.message.text()
    assert w.last_result.status == "completed"


def test_setup_hooks_run_in_the_gui_thread_before_the_thread_starts(qtbot, window):
    w = window
    configure(w, epochs=1, subset=64)
    seen = []
    w.trainer_setup_hooks.append(lambda trainer: seen.append(
        (threading.current_thread() is threading.main_thread(), w.is_running(), type(trainer).__name__)))
    click(qtbot, w, "startButton")
    wait_idle(qtbot, w)
    assert seen == [(True, False, "Trainer")]


# ------------------------------------------------------------------------------ the settings panel
def test_start_is_disabled_while_a_setting_is_invalid(qtbot, window):
    w = window
    configure(w)
    start, error = child(w, "startButton"), child(w, "configError")
    assert start.isEnabled() and not error.isVisible()
    child(w, "lrSpin").setValue(0.0)
    qtbot.waitUntil(lambda: not start.isEnabled(), timeout=WAIT)
    assert error.isVisible() and "learning rate" in error.text().lower()
    assert w.current_config() is None
    child(w, "lrSpin").setValue(0.001)
    qtbot.waitUntil(start.isEnabled, timeout=WAIT)
    assert not error.isVisible()
    assert w.current_config().lr == pytest.approx(0.001)
    child(w, "batchSizeSpin").setValue(0)
    qtbot.waitUntil(lambda: not start.isEnabled(), timeout=WAIT)
    assert "batch size" in error.text().lower()
    child(w, "batchSizeSpin").setValue(64)
    # An architecture that needs bigger inputs than the dataset gives, without the d2l resize.
    choose(child(w, "archCombo"), "lenet")
    qtbot.waitUntil(start.isEnabled, timeout=WAIT)


def test_train_uses_the_settings_shown_even_before_they_were_validated(qtbot, window):
    """A setting changed and Train pressed in the same turn of the event loop: the run trains what the
    panel shows, and settings that cannot train start nothing."""
    w = window
    configure(w, epochs=1, subset=64)
    child(w, "epochsSpin").setValue(2)
    child(w, "lrSpin").setValue(0.002)
    assert w.start_training()  # no events processed since the edits
    cfg = w.controller.trainer.config
    assert (cfg.epochs, cfg.lr) == (2, pytest.approx(0.002))
    wait_idle(qtbot, w)
    assert w.last_result.status == "completed" and w.last_result.epochs == 2
    child(w, "lrSpin").setValue(0.0)
    assert not w.start_training()
    assert not w.is_running() and w.current_config() is None
    assert child(w, "configError").isVisibleTo(w)


def test_the_panel_offers_the_choices_of_core_config(qtbot):
    """Names and defaults come from core.setup.config; the panel only labels them (a name without a label
    shows itself)."""
    from convscope.app.widgets import config_groups as P
    from convscope.app.widgets.config_panel import ConfigPanel
    from convscope.core.setup.config import ACTIVATIONS, DEVICES, OPTIMIZERS, SCHEDULES

    panel = ConfigPanel()
    qtbot.addWidget(panel)
    for box, names, labels in ((panel.optimizer_combo, OPTIMIZERS, P.OPTIMIZER_LABELS),
                               (panel.schedule_combo, SCHEDULES, P.SCHEDULE_LABELS),
                               (panel.device_combo, DEVICES, P.DEVICE_LABELS),
                               (panel.activation_combo, (None, *ACTIVATIONS), P.ACTIVATION_LABELS)):
        assert [box.itemData(i) for i in range(box.count())] == list(names), box.objectName()
        assert set(labels) <= set(names), f"{box.objectName()}: labels of choices core does not have"
    assert P.choices(("sgd", "lion"), P.OPTIMIZER_LABELS) == [("SGD", "sgd"), ("lion", "lion")]


def test_choosing_an_architecture_loads_its_defaults_and_options(qtbot, window):
    from convscope.core.models import get_spec

    w = window
    for name in ("nin", "lenet", "resnet-small", "inception-net"):
        choose(child(w, "archCombo"), name)
        w._validate()
        spec = get_spec(name)
        cfg = w.current_config()
        assert cfg is not None and cfg.arch == name
        for key, value in spec.defaults.items():
            assert getattr(cfg, key) == pytest.approx(value), (name, key)
        assert child(w, "widthSpin").isEnabled() == ("width" in spec.options)
        assert child(w, "batchnormCombo").isEnabled() == ("batchnorm" in spec.options)
        # Native size, the 32-px resize (the dataset's digits are 28 px) and the d2l form where there is one.
        box = child(w, "formCombo")
        assert [box.itemData(i) for i in range(box.count())] == \
            ["native", "native:32"] + (["d2l"] if "d2l" in spec.forms else [])
        assert box.isEnabled()
        assert child(w, "momentumSpin").isVisibleTo(w) == (cfg.optimizer == "sgd")
    info = child(w, "archInfo")
    qtbot.waitUntil(lambda: "parameters" in info.text() and "counting" not in info.text(), timeout=WAIT)


def test_the_factorize_switch_shows_for_the_inception_networks_only_and_reaches_the_config(qtbot, window):
    from convscope.core.models import get_spec

    w = window
    combo = child(w, "factorizeCombo")
    label = w.config_panel.factorize_label
    for name in ("lenet", "inception-net", "resnet-small", "googlenet", "nin"):
        choose(child(w, "archCombo"), name)
        takes = "factorize" in get_spec(name).options
        assert (combo.isVisibleTo(w), label.isVisibleTo(w), combo.isEnabled()) == (takes, takes, takes), name
        assert combo.currentData() is None  # the network's own (n×n) after every change of network
    assert [combo.itemData(i) for i in range(combo.count())] == [None, True, False]
    choose(child(w, "archCombo"), "inception-net")
    for value in (True, False, None):
        choose(combo, value)
        w._validate()
        assert w.current_config().factorize is value
    choose(combo, True)
    choose(child(w, "archCombo"), "lenet")  # LeNet has no such option: not sent, not refused
    w._validate()
    assert w.current_config() is not None and w.current_config().factorize is None
    assert w.config_panel.apply_preset("lesson-factorize-on")
    w._validate()
    assert combo.currentData() is True and w.current_config().factorize is True
    assert w.current_config().arch == "inception-net"
    # The saved settings bring the switch back; a saved value that is no switch is dropped.
    from convscope.app.settings import saved_values

    saved = {"arch": "inception-net", "dataset": "mnist-sample", "factorize": False}
    assert saved_values(w.config_panel, {**saved, "factorize": "yes"}) == {k: v for k, v in saved.items()
                                                                             if k != "factorize"}
    w.config_panel.set_values(saved_values(w.config_panel, saved))
    w._validate()
    assert combo.currentData() is False and w.current_config().factorize is False


def test_architectures_are_grouped_by_family(window):
    from convscope.core.models import list_models

    combo = child(window, "archCombo")
    names = [combo.itemData(i) for i in range(combo.count())]
    assert set(n for n in names if n) == {s.name for s in list_models()}
    headers = [combo.itemText(i) for i in range(combo.count()) if combo.itemData(i) is None]
    assert headers[:2] == ["LeNet", "AlexNet"] and "ResNet" in headers
    datasets = child(window, "datasetCombo")
    assert [datasets.itemData(i) for i in range(datasets.count())][0] == "mnist-sample"
    assert {"mnist", "fashion-mnist", "cifar10"} <= {datasets.itemData(i) for i in range(datasets.count())}


def test_every_preset_loads_a_valid_configuration(window):
    w = window
    presets = w.config_panel.presets()
    ids = {p["id"] for p in presets}
    assert {"lenet-sample", "nin-fashion-compact", "nin-d2l-128", "nin-d2l-256", "inception-mnist",
            "lenet-cifar", "resnet-small-bn", "resnet-small-nobn"} <= ids
    from convscope.core.data.datasets import sample_of

    for preset in presets:
        assert w.config_panel.apply_preset(preset["id"])
        w._validate()
        cfg = w.current_config()
        assert cfg is not None, (preset["id"], w.session.config_error)
        # A dataset that is not on this computer trains on its offline sample (tests/app/test_offline.py).
        assert cfg.dataset in (preset["config"]["dataset"], sample_of(preset["config"]["dataset"]))
        for key, value in {**preset["config"], "dataset": cfg.dataset}.items():
            assert getattr(cfg, key) == pytest.approx(value) if isinstance(value, float) else \
                getattr(cfg, key) == value, (preset["id"], key)
        assert child(w, "presetCombo").currentData() == preset["id"]
        assert preset["description"]
    # Editing a field after a preset shows "custom settings".
    child(w, "epochsSpin").setValue(child(w, "epochsSpin").value() + 1)
    assert child(w, "presetCombo").currentData() is None


def test_input_size_box_offers_native_resize_and_d2l(qtbot, window):
    w = window
    configure(w, arch="nin", dataset="mnist-sample")
    box = child(w, "formCombo")
    assert [box.itemData(i) for i in range(box.count())] == ["native", "native:32", "d2l"]
    sizes = {}
    for data in ("native", "native:32", "d2l"):
        choose(box, data)
        w._validate()
        cfg = w.current_config()
        sizes[data] = (cfg.form, cfg.image_size, cfg.input_size)
    assert sizes == {"native": ("native", None, (1, 28, 28)), "native:32": ("native", 32, (1, 32, 32)),
                     "d2l": ("d2l", None, (1, 224, 224))}
    # A size the box does not list (a run made on the command line) is added and selected.
    w.config_panel.set_values({"form": "native", "image_size": 48})
    w._validate()
    assert box.currentData() == "native:48" and w.current_config().input_size == (1, 48, 48)
    # CIFAR-10 is 32 px already: nothing to resize to.
    configure(w, arch="nin", dataset="cifar10")
    assert [box.itemData(i) for i in range(box.count())] == ["native", "d2l"]


def test_first_start_uses_the_default_preset_and_settings_persist(qtbot):
    from convscope.app.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(w.is_ready, timeout=WAIT)
    assert child(w, "presetCombo").currentData() == "lenet-sample"
    cfg = w.current_config()
    assert (cfg.arch, cfg.dataset) == ("lenet", "mnist-sample")
    configure(w, "nin", "fashion-mnist", epochs=7, subset=1000, lr=0.0002, optimizer="sgd", momentum=0.8)
    w.close()

    w2 = MainWindow()
    qtbot.addWidget(w2)
    w2.show()
    qtbot.waitUntil(w2.is_ready, timeout=WAIT)
    cfg = w2.current_config()
    assert (cfg.arch, cfg.dataset, cfg.epochs, cfg.subset) == ("nin", "fashion-mnist", 7, 1000)
    assert (cfg.optimizer, cfg.lr, cfg.momentum) == ("sgd", pytest.approx(0.0002), pytest.approx(0.8))
    assert child(w2, "presetCombo").currentData() is None


def test_an_estimate_is_shown_before_a_run(qtbot, window):
    w = window
    configure(w, epochs=2, subset=256)
    label = child(w, "estimateLabel")
    qtbot.waitUntil(lambda: "images/s" in label.text(), timeout=WAIT)
    assert "on this" in label.text() or "GPU" in label.text()
    seconds = w.estimate_seconds(w.current_config())
    assert seconds is not None and seconds > 0


def test_long_runs_offer_a_smaller_width_or_a_subset(qtbot, window):
    w = window
    configure(w, "nin", "fashion-mnist", epochs=12, subset=0, batch=32)
    from convscope.app.estimates import rate_key, variants

    cfg = w.current_config()
    w.estimates.rates[rate_key(cfg)] = (150.0, "measured")  # the notes' figure for this CPU
    w.estimates.rates[rate_key(variants(cfg)["width:0.5"])] = (450.0, "measured")
    w.estimates.show(cfg)
    text = child(w, "estimateLabel").text()
    assert "h" in text and "width 0.5" in text and "subset:" in text
    promised = w.estimates.estimate_seconds(variants(cfg)["width:0.5"])
    from convscope.app.estimates import format_duration

    assert f"width 0.5</a> (≈ {format_duration(promised)})" in text
    w.estimates.on_link("width:0.5")
    w._validate()
    assert w.current_config().width == 0.5
    # The offer promised what the estimate now says: both come from the same measurement.
    assert w.estimates.estimate_seconds(w.current_config()) == promised
    assert format_duration(promised) in child(w, "estimateLabel").text()


def test_a_smaller_width_that_is_not_faster_is_not_offered(window):
    w = window
    configure(w, "nin", "fashion-mnist", epochs=12, subset=0, batch=32)
    from convscope.app.estimates import rate_key, variants

    cfg = w.current_config()
    w.estimates.rates[rate_key(cfg)] = (150.0, "measured")
    w.estimates.rates[rate_key(variants(cfg)["width:0.5"])] = (160.0, "measured")  # hardly faster
    w.estimates.show(cfg)
    text = child(w, "estimateLabel").text()
    assert "That is long" in text and "width 0.5" not in text and "subset:" in text


def test_inside_tabs_can_be_added_beside_the_curves(window):
    from PySide6.QtWidgets import QLabel

    views = child(window, "viewGroups")
    titles = views.titles()
    assert titles[0] == "Curves" and titles[-1] == "Log"
    for name in ("featureMapView", "oneByOneView", "gapView"):  # the live-internals views are views
        assert views.index_of(child(window, name)) > 0 and views.group_of(child(window, name)) == "inside", name
    assert views.index_of(window.draw_panel) > 0 and window.draw_panel.isAncestorOf(child(window, "drawCanvas"))
    extra = QLabel("extra")
    index = window.add_tab(extra, "Extra")
    assert views.titles()[index] == "Extra" and views.widget(index) is extra
    assert views.titles()[-1] == "Log" and views.count() == len(titles) + 1


def test_device_choices_name_the_hardware(window):
    import torch

    combo = child(window, "deviceCombo")
    assert [combo.itemData(i) for i in range(combo.count())] == ["auto", "cpu", "cuda", "mps"]
    if torch.cuda.is_available():
        assert torch.cuda.get_device_name(0) in combo.itemText(2) and "GiB)" in combo.itemText(2)
    else:
        assert not combo.model().item(2).isEnabled() and combo.itemText(2) == "GPU (none found)"
    mps = torch.backends.mps.is_available()
    assert combo.model().item(3).isEnabled() == mps
    assert combo.itemText(3) == ("Apple GPU (MPS)" if mps else "Apple GPU (none found)")


def test_lr_spin_accepts_scientific_notation_and_steps_in_decades(window):
    spin = child(window, "lrSpin")
    assert isinstance(spin, QDoubleSpinBox)
    spin.setValue(spin.valueFromText("3e-4"))
    assert spin.value() == pytest.approx(3e-4)
    assert spin.text() == "0.0003"
    spin.setValue(0.001)
    spin.stepBy(1)
    assert spin.value() == pytest.approx(0.002)
    spin.stepBy(1)
    assert spin.value() == pytest.approx(0.005)
    spin.stepBy(-2)
    assert spin.value() == pytest.approx(0.001)
    batch = child(window, "batchSizeSpin")
    assert isinstance(batch, QSpinBox)
    batch.setValue(32)
    batch.stepBy(1)
    assert batch.value() == 64
    batch.stepBy(-2)
    assert batch.value() == 16


def test_a_saved_run_can_be_opened_again(qtbot, window, tmp_path):
    w = window
    configure(w, epochs=1, subset=64, save=True)
    click(qtbot, w, "startButton")
    wait_idle(qtbot, w)
    run_dir = w.last_result.run_dir
    assert run_dir
    with qtbot.waitSignal(w.checkpoint_loaded, timeout=WAIT) as blocker:
        run = w.load_checkpoint(run_dir)
    assert run is not None and blocker.args[0] is run and run.config.arch == "lenet"
    assert w.load_checkpoint(tmp_path / "no-such-run") is None
    assert child(w, "banner").isVisible() and child(w, "banner").kind == "error"


def test_a_run_opened_before_start_up_finished_reaches_the_drawing_panel(qtbot, tmp_path):
    from convscope.app.main_window import MainWindow
    from convscope.core.setup.config import make_config
    from convscope.core.training.engine import Trainer

    run_dir = tmp_path / "opened-early"
    result = Trainer(make_config("lenet", "mnist-sample", epochs=1, subset=64), run_dir=str(run_dir)).run()
    assert result.status == "completed", result.message
    w = MainWindow()
    qtbot.addWidget(w)
    assert w.load_checkpoint(run_dir) is not None  # before the window is shown: no drawing panel yet
    assert not w.is_ready()
    w.show()
    qtbot.waitUntil(w.is_ready, timeout=WAIT)
    predictor = w.draw_panel.predictor()
    assert predictor is not None and str(run_dir) in predictor.describe()


# ------------------------------------------------------------------------------ views in the window
def test_a_run_in_the_window_feeds_the_internals_views_and_the_canvas(qtbot, window):
    """The pieces together: NiN trains from the window, its feature-map and GAP views receive maps, and
    the drawing canvas predicts with the weights published at the end of the epoch."""
    w = window
    views = child(w, "viewGroups")
    configure(w, "nin", "mnist-sample", epochs=1, subset=128, batch=32, width=0.25)
    assert views.show_widget(child(w, "featureMapView"))
    click(qtbot, w, "startButton")
    wait_idle(qtbot, w)
    assert w.last_result.status == "completed", w.last_result.message
    item = w.activations.feature_view.mosaic_item
    # A run this short may end between two probes: the views then show the trained model once idle.
    qtbot.waitUntil(lambda: item.image is not None, timeout=WAIT)
    assert np.nanstd(np.asarray(item.image)) > 0  # tiles vary; the gaps between them are NaN

    canvas = child(w, "drawCanvas")
    assert views.show_widget(w.draw_panel)
    canvas.clear()
    assert canvas.prediction() == []
    center = canvas.rect().center()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=center - center / 2)
    for k in range(1, 11):
        qtbot.mouseMove(canvas, pos=center - center / 2 + (center / 10) * k)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=center + center / 2)
    top = canvas.prediction()
    assert len(top) >= 3 and all(isinstance(label, int) for label, _ in top)
    assert abs(sum(p for _, p in top) - 1.0) < 1e-3 or top[0][1] >= top[-1][1]


def test_training_leaves_a_core_for_the_window(qtbot, window):
    import os

    import torch

    from convscope.app.worker import training_threads

    assert (training_threads(1), training_threads(2), training_threads(8)) == (1, 1, 7)
    seen = []
    window.trainer_setup_hooks.append(lambda t: t.step_hooks.append(lambda _t: seen.append(torch.get_num_threads())))
    configure(window, "lenet", "mnist-sample", epochs=1, subset=64)
    click(qtbot, window, "startButton")
    wait_idle(qtbot, window)
    assert seen and set(seen) == {training_threads(os.cpu_count())}
