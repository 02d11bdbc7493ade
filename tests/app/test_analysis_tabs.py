"""The Model, Evaluation and Layer health tabs in the real window; a lesson end to end; File → Export."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QObject
from test_main_window import WAIT, child, click, configure


def train(qtbot, w):
    with qtbot.waitSignal(w.run_finished, timeout=WAIT):
        w.start_button.click()
    qtbot.waitUntil(lambda: not w.is_running(), timeout=WAIT)


def test_the_model_tab_follows_the_settings(qtbot, window):
    w = window
    configure(w, "nin", "fashion-mnist-sample", epochs=1, subset=64)
    view = child(w, "modelSummaryView")
    qtbot.waitUntil(lambda: view.summary is not None and view.summary.arch == "nin", timeout=WAIT)
    assert view.layers.rowCount() == len(view.summary.rows) + 1

    def names():
        return [view.compare.data(view.compare.index(i, 0)) for i in range(view.compare.rowCount())]

    # The comparison of the settings before (LeNet's) may be on show first: wait for the one that marks NIN.
    qtbot.waitUntil(lambda: any(n.endswith("◀") and "Network in Network" in n for n in names()), timeout=WAIT)
    assert len(names()) >= 5 and sum(n.endswith("◀") for n in names()) == 1


def test_evaluate_then_click_an_image_to_look_inside(qtbot, window):
    w = window
    configure(w, "lenet", "mnist-sample", epochs=1, subset=256)
    train(qtbot, w)
    view = child(w, "confusionView")
    qtbot.waitUntil(lambda: view.evaluate_button.isEnabled(), timeout=WAIT)
    view.evaluate_button.click()
    qtbot.waitUntil(lambda: view.analysis is not None, timeout=WAIT)
    a = view.analysis
    assert a.matrix.sum() == 500 and view.cell is not None
    item = view.cell_images.item(0)
    index = item.data(0x0100)  # Qt.UserRole
    view.cell_images.itemClicked.emit(item)
    probe = w.activations.probe
    assert probe is not None
    source = probe._source  # the probe looks at that test image now
    assert source[0] == "image" and np.array_equal(source[2], a.split.images[index]) and source[4] == a.true[index]
    assert w.view_groups.current_view() is w.activations.views[0]


def test_a_lesson_end_to_end(qtbot, window):
    """Choose a lesson, train it (tiny), and its view — the Layer health map — receives data."""
    w = window
    panel = w.config_panel
    index = panel.preset_combo.findData("lesson-sigmoid-lenet")
    assert index > 0
    panel.preset_combo.setCurrentIndex(index)
    panel.preset_combo.activated.emit(index)
    card = child(w, "lessonCard")
    assert card.isVisibleTo(w) and "sigmoid" in card.title.text().lower() and "?" in card.text.text()
    configure(w, "lenet", "mnist-sample", epochs=1, subset=128, batch=32, activation="sigmoid")
    train(qtbot, w)
    health = child(w, "layerHealthView")
    assert w.view_groups.current_view() is health  # the lesson's view came to the front
    qtbot.waitUntil(lambda: len(health.snapshots) > 0, timeout=WAIT)
    values, names = health.matrix()
    assert names[0] == "conv1" and values.shape[1] == len(health.snapshots)


@pytest.mark.parametrize("fmt", ["csv", "png"])
def test_file_export_writes_the_files(qtbot, window, tmp_path, monkeypatch, fmt):
    from convscope.app import analysis_tabs

    w = window
    configure(w, "lenet", "mnist-sample", epochs=2, subset=128, save=True)
    train(qtbot, w)
    target = tmp_path / f"out.{fmt}"
    monkeypatch.setattr(analysis_tabs, "choose_export_path", lambda parent, f, suggested: str(target))
    menu = w.findChild(QObject, "exportMenu")
    assert menu is not None
    w.analysis.export_actions[fmt].trigger()
    qtbot.waitUntil(target.exists, timeout=WAIT)
    if fmt == "csv":
        lines = target.read_text().splitlines()
        assert lines[0].startswith("epoch,train_loss") and len(lines) == 3
    else:
        assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_race_trains_each_network_in_turn_and_tables_them(qtbot, window):
    from PySide6.QtCore import Qt

    w = window
    configure(w, "lenet", "mnist-sample", epochs=2, subset=64, seed=5)
    view = child(w, "raceView")
    for i in range(view.entrants.count()):
        item = view.entrants.item(i)
        name = item.data(Qt.ItemDataRole.UserRole)
        item.setCheckState(Qt.CheckState.Checked if name in ("lenet", "lenet-cifar") else Qt.CheckState.Unchecked)
    view.target.setValue(5)
    with qtbot.waitSignal(w.analysis.race.finished, timeout=WAIT) as blocker:
        view.start_button.click()
    rows = blocker.args[0]
    assert sorted(r.arch for r in rows) == ["lenet", "lenet-cifar"]
    assert all(r.status == "completed" and r.epoch_to_target == 1 for r in rows)  # 5 %: at once
    assert set(view.curves) == {"lenet", "lenet-cifar"}
    for curve in view.curves.values():
        xs, _ys = curve.getData()
        assert list(xs) == [1, 2]  # each network's two epochs
    assert view.table.rowCount() == 2 and view.start_button.isEnabled()
    # each entrant's example record: the test images one got right and the other never did
    assert sorted(view.difference.entrants) == ["lenet", "lenet-cifar"]
    assert view.difference.right_by.currentData() != view.difference.never_by.currentData()
    assert w.current_config().seed == 5 and w.current_config().subset == 64  # the same data and seed


def test_file_export_starts_in_documents_shows_it_is_busy_and_writes_normal_files(qtbot, window, tmp_path,
                                                                                    monkeypatch):
    """The save dialog opens in the user's Documents (not inside the runs folder); an ONNX export shows a busy
    line in the status bar while it is written in the background (the window stays usable); the files get
    the permissions any new file gets."""
    import os
    import stat
    import threading

    from PySide6.QtCore import QStandardPaths
    from PySide6.QtWidgets import QFileDialog

    from convscope.app.settings import runs_root
    from convscope.core.runs import export as core_export

    w = window
    configure(w, "lenet", "mnist-sample", epochs=1, subset=64, save=True)
    train(qtbot, w)
    docs = tmp_path / "Documents"
    docs.mkdir()
    monkeypatch.setattr(QStandardPaths, "writableLocation", staticmethod(lambda location: str(docs)))
    asked = []

    def save_dialog(parent, title, start, filters):
        asked.append(start)
        return str(docs / os.path.basename(start)), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    gate = threading.Event()
    real_export = core_export.export

    def held_export(*args, **kwargs):
        gate.wait(60)
        return real_export(*args, **kwargs)

    monkeypatch.setattr(core_export, "export", held_export)
    busy = child(w, "exportBusy")
    assert not busy.isVisible()
    w.analysis.export_actions["onnx"].trigger()
    run_name = os.path.basename(w.last_result.run_dir)
    assert asked == [str(docs / f"{run_name}.onnx")]
    assert runs_root() not in Path(asked[0]).parents
    qtbot.waitUntil(busy.isVisible, timeout=WAIT)  # while the file is being written
    assert f"{run_name}.onnx" in busy.label.text()
    w.tabs.setCurrentWidget(w.curves)  # the window answers meanwhile
    gate.set()
    qtbot.waitUntil(lambda: not busy.isVisible(), timeout=WAIT)
    assert child(w, "banner").kind == "success", child(w, "banner").message.text()
    for fmt in ("csv", "png"):
        w.analysis.export_actions[fmt].trigger()
        qtbot.waitUntil(lambda f=fmt: (docs / f"{run_name}.{f}").exists() and not busy.isVisible(), timeout=WAIT)
    umask = os.umask(0o022)
    os.umask(umask)
    for fmt in ("onnx", "csv", "png"):
        mode = stat.S_IMODE(os.stat(docs / f"{run_name}.{fmt}").st_mode)
        assert mode == 0o666 & ~umask, (fmt, oct(mode))


def test_measure_fills_the_model_tab_and_is_refused_during_a_run(qtbot, window, step_gate, monkeypatch):
    import convscope.core.insight.cost as cost

    monkeypatch.setattr(cost, "MAX_STEPS", 3)  # the fewest timed steps: the test times nothing
    w = window
    configure(w, "lenet", "mnist-sample", epochs=1, subset=64, batch=4)
    view = child(w, "modelSummaryView")
    qtbot.waitUntil(lambda: view.summary is not None and view.summary.arch == "lenet", timeout=WAIT)
    button = child(w, "measureButton")
    assert button.isEnabled() and view.layers.data(view.layers.index(0, 7)) == "—"
    button.click()
    qtbot.waitUntil(lambda: view.ledger is not None, timeout=WAIT)
    assert view.ledger.batch_size == 4 and view.ledger.summary.arch == "lenet"
    assert view.layers.data(view.layers.index(0, 7)) != "—" and view.bars.isVisibleTo(view)
    assert button.isEnabled() and "batch 4" in child(w, "measureStatus").text()
    # During a run: the button is disabled with the reason, and a request is refused.
    gate = step_gate(at=1)
    w.trainer_setup_hooks.append(gate.attach)
    click(qtbot, w, "startButton")
    qtbot.waitUntil(gate.reached.is_set, timeout=WAIT)
    assert not button.isEnabled() and "run" in child(w, "measureStatus").text()
    assert w.analysis.measure() is False
    gate.release.set()
    qtbot.waitUntil(lambda: not w.is_running(), timeout=WAIT)
    qtbot.waitUntil(button.isEnabled, timeout=WAIT)
