"""Runs from the command line in the Runs tab; an opened run shown in every tab, without training."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QObject, Qt

from convscope.core.cli import main as cli_main

WAIT = 180_000


def child(w, name):
    obj = w.findChild(QObject, name)
    assert obj is not None, f"no child named {name!r}"
    return obj


def cli_train(out, arch="lenet", epochs=2, seed=0):
    code = cli_main(["train", "--arch", arch, "--dataset", "mnist-sample", "--epochs", str(epochs),
                     "--subset", "64", "--batch-size", "32", "--device", "cpu", "--seed", str(seed),
                     "--out", str(out)])
    assert code == 0


def points(curve):
    x, y = curve.getOriginalDataset()
    return (np.array([]), np.array([])) if x is None else (np.asarray(x), np.asarray(y))


@pytest.fixture
def cli_runs(tmp_path, monkeypatch):
    """Two runs made by the command line in the window's runs folder (conftest points it at tmp)."""
    root = tmp_path / "runs"
    cli_train(root / "first-lenet", epochs=2)
    cli_train(root / "second-lenet", epochs=3, seed=1)
    return root


def test_the_runs_browser_lists_cli_runs_and_opening_one_fills_every_tab(qtbot, cli_runs, window):
    from PySide6.QtWidgets import QAbstractItemView

    w = window
    view = child(w, "runsBrowser")
    assert isinstance(view, QAbstractItemView)
    w.view_groups.show_widget(w.runs_browser)
    model = view.model()
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=180_000)  # read in the background
    names = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert sorted(names) == ["first-lenet", "second-lenet"]
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[0] == "Run" and "Best test accuracy" in headers and "Parameters" in headers
    row = names.index("first-lenet")
    assert [model.index(row, c).data() for c in (1, 2, 3, 5, 7)] == ["lenet", "mnist-sample", "2", "61,706",
                                                                     "completed"]

    # Open it (double-click): curves from metrics.jsonl, one test point per epoch, no training.
    started = []
    w.run_started.connect(started.append)
    rect = view.visualRect(model.index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # Qt 6: press first
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert w.loaded_run is not None and w.loaded_run.dir.name == "first-lenet"
    assert w.view_groups.current_view() is w.curves
    assert "Showing run <b>first-lenet</b> (opened)" in w.shown.line.text()
    x, y = points(w.curves.test_acc_curve)
    assert list(x) == [1.0, 2.0]
    assert w.curves.loss_legend.getLabel(w.curves.train_loss_curve).text == "train loss (per epoch)"
    records = w.loaded_run.metrics
    assert np.allclose(y, [100 * r["test_acc"] for r in records])
    assert len(points(w.curves.train_loss_curve)[0]) == 2 and len(points(w.curves.lr_curve)[0]) == 2

    # The feature-map view computes its maps on the opened weights.
    w.view_groups.show_widget(w.activations.feature_view)
    item = w.activations.feature_view.mosaic_item
    qtbot.waitUntil(lambda: item.image is not None, timeout=WAIT)
    first_maps = np.asarray(item.image).copy()
    assert np.nanstd(first_maps) > 0
    assert w.activations.opened is not None and w.activations.current.epoch == 2
    assert not started and not w.is_running()

    # Its timeline replays the snapshots recorded while it trained, and they differ.
    ctl = w.activations
    replay = ctl.replay
    assert len(replay) > 2
    assert [s.step for s in replay] == sorted(s.step for s in replay)
    timeline = ctl.feature_view.timeline.slider
    assert timeline.isEnabled() and (timeline.minimum(), timeline.maximum()) == (1, len(replay))
    shown = []
    for pos in (1, len(replay)):
        timeline.setValue(pos)
        assert not ctl.live and ctl.current.seq == pos
        shown.append(np.asarray(item.image).copy())
    assert not np.array_equal(shown[0], shown[1], equal_nan=True)
    layer = ctl.feature_view.layer
    mosaics = [s.features[layer].mosaic for s in replay if layer in s.features]
    assert len(mosaics) > 2 and not np.array_equal(mosaics[0], mosaics[-1])
    qtbot.mouseClick(ctl.feature_view.timeline.live, Qt.MouseButton.LeftButton)
    assert ctl.live and ctl.current.epoch == 2
    # The Draw tab predicts with it.
    assert str(w.loaded_run.dir) in w.draw_panel.predictor().describe()

    # A second run switches every tab together.
    assert w.load_checkpoint(cli_runs / "second-lenet") is not None
    assert "second-lenet" in w.shown.line.text() and "first-lenet" not in w.shown.line.text()
    assert list(points(w.curves.test_acc_curve)[0]) == [1.0, 2.0, 3.0]
    qtbot.waitUntil(lambda: w.activations.current is not None and w.activations.current.epoch == 3,
                    timeout=WAIT)
    assert not np.array_equal(np.asarray(item.image), first_maps, equal_nan=True)
    assert "second-lenet" in w.draw_panel.predictor().describe()


def test_rename_delete_and_a_comparison_that_stays(qtbot, cli_runs, window, monkeypatch):
    from convscope.app.widgets import runs_browser as rb

    w = window
    browser = w.runs_browser
    w.view_groups.show_widget(browser)
    model = browser.model
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=180_000)  # read in the background
    for r in range(model.rowCount()):
        assert model.setData(model.index(r, 0), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert sorted(browser.compare_curves) == ["first-lenet", "second-lenet"]
    assert [len(points(c)[0]) for _, c in sorted(browser.compare_curves.items())] == [2, 3]

    assert w.load_checkpoint(cli_runs / "first-lenet") is not None
    row = [model.index(r, 0).data() for r in range(model.rowCount())].index("first-lenet")
    browser.view.selectRow(row)
    monkeypatch.setattr(rb, "ask_new_name", lambda parent, old: "renamed-lenet")
    assert browser.rename_selected()
    assert (cli_runs / "renamed-lenet" / "config.json").is_file() and not (cli_runs / "first-lenet").exists()
    assert w.loaded_run.dir == cli_runs / "renamed-lenet" and "renamed-lenet" in w.shown.line.text()

    asked = []
    monkeypatch.setattr(rb, "confirm_delete", lambda parent, names: asked.append(names) or False)
    assert not browser.delete_selected() and (cli_runs / "renamed-lenet").exists()
    monkeypatch.setattr(rb, "confirm_delete", lambda parent, names: asked.append(names) or True)
    assert browser.delete_selected()
    assert asked == [["renamed-lenet"], ["renamed-lenet"]] and not (cli_runs / "renamed-lenet").exists()
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == ["second-lenet"]

    # The comparison keeps both curves: opening a run or deleting one does not take them away.
    w.load_checkpoint(cli_runs / "second-lenet")
    assert sorted(browser.compare_curves) == ["first-lenet", "second-lenet"]
    browser.metric_combo.setCurrentIndex(browser.metric_combo.findData("test_loss"))
    assert len(browser.compare_curves) == 2


def test_starting_training_after_opening_a_run_switches_every_tab(qtbot, cli_runs, window):
    w = window
    assert w.load_checkpoint(cli_runs / "second-lenet") is not None
    assert len(points(w.curves.test_acc_curve)[0]) == 3
    w.view_groups.show_widget(w.activations.feature_view)
    qtbot.waitUntil(lambda: w.activations.current is not None, timeout=WAIT)
    w.config_panel.set_field("epochs", 1)
    w.config_panel.set_field("subset", 64)
    child(w, "saveRunCheck").setChecked(False)
    w._validate()
    assert w.start_training()
    assert "Showing the run in training" in w.shown.line.text() and "second-lenet" not in w.shown.line.text()
    assert w.activations.opened is None and w.activations.replay == []
    assert len(points(w.curves.test_acc_curve)[0]) == 0  # no stale curves of the opened run
    qtbot.waitUntil(lambda: not w.is_running(), timeout=WAIT)
    assert w.last_result.status == "completed", w.last_result.message
    assert list(points(w.curves.test_acc_curve)[0]) == [1.0]
    assert w.shown.line.text().startswith("Showing the last run (completed, 1 epoch)")
    assert w.draw_panel.predictor().describe().startswith("live:")
    assert w.activations.trainer is w.controller.trainer


def test_the_open_run_dialog_shows_whole_folder_names(qtbot, tmp_path):
    from PySide6.QtWidgets import QTreeView

    from convscope.app.opened_run import run_folder_dialog

    long_name = "20261202-003528-resnet-small-fashion-mnist-sample-12"
    root = tmp_path / "runs-here"  # tmp_path itself holds the test's settings folder
    (root / long_name).mkdir(parents=True)
    dialog = run_folder_dialog(None, root)
    qtbot.addWidget(dialog)
    dialog.show()
    tree = dialog.findChild(QTreeView, "treeView")
    assert tree is not None and tree.isVisible()
    qtbot.waitUntil(lambda: tree.model().rowCount(tree.rootIndex()) == 1, timeout=180_000)
    assert tree.textElideMode() != Qt.TextElideMode.ElideMiddle
    width = tree.fontMetrics().horizontalAdvance(long_name)
    qtbot.waitUntil(lambda: tree.columnWidth(0) > width, timeout=180_000)
    dialog.reject()


def test_continue_training_an_opened_run(qtbot, cli_runs, window, monkeypatch):
    import json

    from convscope.app import opened_run

    w = window
    run_dir = cli_runs / "first-lenet"
    assert w.load_checkpoint(run_dir) is not None
    button = child(w, "continueButton")
    assert button.isVisible() and button.isEnabled()
    asked = []
    monkeypatch.setattr(opened_run, "ask_total_epochs", lambda parent, done, planned: asked.append(
        (done, planned)) or 3)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert asked == [(2, 2)] and w.is_running()
    assert "continuing first-lenet from epoch 2" in w.shown.line.text()
    qtbot.waitUntil(lambda: not w.is_running(), timeout=WAIT)
    assert w.last_result.status == "completed", w.last_result.message
    epochs = [json.loads(line)["epoch"] for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert epochs == [1, 2, 3]
    x, _ = points(w.curves.test_acc_curve)
    assert list(x) == [1.0, 2.0, 3.0]  # the saved epochs, then the new one
    assert points(w.curves.train_loss_raw_curve)[0].min() > 2.0  # its steps follow epoch 2
    label = w.curves.loss_legend.getLabel(w.curves.train_loss_curve).text
    assert label == "train loss (per epoch, then smoothed steps)"
    assert w.draw_panel.predictor().describe().startswith("live:")


def test_a_run_that_cannot_be_continued_says_why(qtbot, tmp_path, window):
    import shutil

    w = window
    root = tmp_path / "runs"
    cli_train(root / "old-run", epochs=1)
    (root / "old-run" / "train_state.safetensors").unlink()  # as an earlier version left its runs
    shutil.rmtree(root / "old-run" / "resume", ignore_errors=True)
    assert w.load_checkpoint(root / "old-run") is not None
    button = child(w, "continueButton")
    assert button.isVisible() and button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    banner = child(w, "banner")
    assert not w.is_running() and banner.isVisible() and "cannot be continued" in banner.message.text()


def test_the_runs_tab_follows_the_folder_and_takes_keys(qtbot, tmp_path, monkeypatch):
    """A run the command line makes while the tab is shown appears by itself; Enter opens, Delete asks."""
    from convscope.app.widgets import runs_browser as rb

    root = tmp_path / "runs"
    root.mkdir()
    browser = rb.RunsBrowser(root=root)
    qtbot.addWidget(browser)
    browser.resize(900, 600)
    browser.show()
    qtbot.waitExposed(browser)
    qtbot.waitUntil(lambda: "no runs yet" in browser.where.text(), timeout=180_000)
    assert browser.model.rowCount() == 0
    cli_train(root / "made-meanwhile", epochs=1)
    qtbot.waitUntil(lambda: browser.model.rowCount() == 1, timeout=180_000)
    assert browser.model.rows[0].name == "made-meanwhile" and browser.model.rows[0].status == "completed"

    browser.view.setFocus()
    browser.view.selectRow(0)
    with qtbot.waitSignal(browser.open_requested, timeout=180_000) as opened:
        qtbot.keyClick(browser.view, Qt.Key.Key_Return)
    assert opened.args == [str(root / "made-meanwhile")]
    monkeypatch.setattr(rb, "confirm_delete", lambda parent, names: True)
    qtbot.keyClick(browser.view, Qt.Key.Key_Delete)
    assert not (root / "made-meanwhile").exists() and browser.model.rowCount() == 0


def test_a_run_whose_test_images_are_not_here_still_opens(qtbot, tmp_path, window):
    import json

    w = window
    run_dir = tmp_path / "runs" / "moved-here"
    cli_train(run_dir, epochs=2)
    config = json.loads((run_dir / "config.json").read_text())
    config.update(dataset="mnist", data_root=str(tmp_path / "no-data"))  # trained elsewhere, on full MNIST
    (run_dir / "config.json").write_text(json.dumps(config))
    assert w.load_checkpoint(run_dir) is not None
    assert list(points(w.curves.test_acc_curve)[0]) == [1.0, 2.0]  # its curves and prediction still show
    assert str(run_dir) in w.draw_panel.predictor().describe()
    ctl, view = w.activations, w.activations.feature_view
    w.view_groups.show_widget(view)
    # Nothing new can be probed, but the recorded snapshots replay, and every view says why.
    assert len(ctl.replay) > 2 and ctl.current.seq == len(ctl.replay)
    assert "Cannot look inside run moved-here with a new probe image" in view.problem_text
    assert "mnist" in view.problem_text
    qtbot.waitUntil(lambda: view.shown_seq == len(ctl.replay), timeout=180_000)
    assert view.stack.currentWidget() is view.graphics
    view.timeline.slider.setValue(1)
    assert ctl.current.seq == 1 and view.shown_seq == 1

    # Without recorded snapshots either, the views say why instead of waiting for one.
    import shutil

    shutil.rmtree(run_dir / "snapshots")
    assert w.load_checkpoint(run_dir) is not None
    assert ctl.replay == [] and view.stack.currentWidget() is view.placeholder
    assert "Cannot look inside run moved-here" in view.placeholder.text() and view.problem_text == ""
