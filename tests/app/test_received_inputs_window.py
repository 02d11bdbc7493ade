"""The window with files it did not write (docs/reliability.md, "received inputs"): a PostScript photo
dropped on the Draw tab, a runs folder whose listing is slow, a settings file with values no field takes."""
from __future__ import annotations

import json
import threading

import pytest
from PIL import EpsImagePlugin

WAIT = 180_000


# ------------------------------------------------------------------- 1. the photo drop refuses PostScript
def test_a_postscript_photo_dropped_on_the_draw_tab_is_refused_unread(qtbot, panel, tmp_path, monkeypatch):
    from tests.app.test_draw_photos import weights_of

    reached = []
    monkeypatch.setattr(EpsImagePlugin.EpsImageFile, "_open",
                        lambda self, *a, **k: reached.append("open") or (_ for _ in ()).throw(SyntaxError("EPS")))
    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", lambda *a, **k: reached.append("gs"))
    config, weights = weights_of("lenet-cifar", "cifar10-sample")
    assert panel.set_live_weights(config, weights, 0), panel.message()
    path = tmp_path / "digit.png"
    path.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 8 8\n{1 pop} loop\n")
    assert not panel.load_image_file(str(path))
    assert "is not a PNG, JPEG" in panel.message()
    assert reached == []


# -------------------------------------------------------------------- 4. the Runs tab lists in the background
def _a_run(folder, name="a-run"):
    run = folder / name
    run.mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"arch": "lenet", "dataset": "mnist-sample", "epochs": 2}))
    (run / "metrics.jsonl").write_text(json.dumps({"epoch": 1, "test_acc": 0.5}) + "\n")
    return run


def test_the_runs_tab_lists_in_a_job_thread_and_only_while_shown(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QTabWidget, QWidget

    from convscope.app.widgets import runs_browser as rb

    root = tmp_path / "runs"
    _a_run(root)
    listings, release = [], threading.Event()
    real = rb.runs_mod.list_runs

    def slow_list_runs(folder):
        listings.append(threading.current_thread())
        release.wait(30)  # a folder of huge runs: the GUI thread must not wait for this
        return real(folder)

    monkeypatch.setattr(rb.runs_mod, "list_runs", slow_list_runs)
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    tabs.addTab(QWidget(), "other")
    browser = rb.RunsBrowser(root=root)
    tabs.addTab(browser, "Runs")
    tabs.resize(900, 600)
    tabs.show()
    qtbot.waitExposed(tabs)

    browser.refresh()  # hidden: nothing is read
    browser.watcher.directoryChanged.emit(str(root))
    qtbot.wait(400)  # the watcher's delay (300 ms) has passed
    assert listings == [] and browser.model.rowCount() == 0

    with qtbot.waitSignal(browser.listed, timeout=180_000):
        tabs.setCurrentWidget(browser)  # shown: read once, in the background
        qtbot.waitUntil(lambda: len(listings) == 1, timeout=180_000)
        assert browser.model.rowCount() == 0  # the GUI thread went on; the view fills when the job ends
        release.set()
    assert listings[0] is not threading.main_thread()
    assert [row.name for row in browser.model.rows] == ["a-run"]

    tabs.setCurrentIndex(0)  # hidden again: a finished run or a folder change reads nothing
    browser.refresh()
    qtbot.wait(50)
    assert len(listings) == 1


# --------------------------------------------------------------------- 5. saved values no field can take
@pytest.mark.parametrize("key, value", [("seed", 10**20), ("epochs", 1e20), ("batch_size", 3_000_000_000),
                                        ("lr", float("inf")), ("subset", "many")])
def test_a_saved_value_beyond_its_field_is_dropped_and_the_window_starts(qtbot, _isolated_settings, caplog,
                                                                         key, value):
    from PySide6.QtCore import QSettings

    from convscope.app.main_window import MainWindow
    from convscope.app.settings import open_settings

    saved = {"arch": "lenet", "dataset": "mnist-sample", "epochs": 7, "batch_size": 64, "seed": 3, key: value}
    s = open_settings()
    s.setValue("config", json.dumps(saved))
    s.sync()
    caplog.set_level("WARNING", "convscope.gui")
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(w.is_ready, timeout=WAIT)
    values = w.config_panel.values()
    kept = {k: v for k, v in {"epochs": 7, "batch_size": 64, "seed": 3}.items() if k != key}
    assert {k: values[k] for k in kept} == kept  # the good values are kept
    assert values[key] != value
    assert any(f"dropped the saved setting {key}" in r.getMessage() for r in caplog.records)
    w.save_settings()
    stored = json.loads(QSettings(str(_isolated_settings / "ConvScope.ini"), QSettings.Format.IniFormat)
                        .value("config"))
    assert stored[key] == values[key] and stored[key] != value


# --------------------------------------------- 5. an image-folder run opened: the folder it names is never read
def test_an_image_folder_run_opened_in_the_window_never_reads_the_folder_it_names(qtbot, window, tmp_path,
                                                                                   monkeypatch):
    """Curves, weights and the prediction are shown; the inside views, "Use a test sample" and Evaluate say
    that the test images are not read (and what to do), and nothing lists or loads the folder."""
    import os

    import numpy as np
    from PIL import Image
    from PySide6.QtWidgets import QApplication

    from convscope.core.cli import main
    from convscope.core.data import loading
    from tests.app.test_main_window import curve_xy

    folder = tmp_path / "images"
    rng = np.random.default_rng(0)
    for c, name in enumerate(("cat", "dog")):
        (folder / name).mkdir(parents=True)
        for i in range(4):
            a = rng.integers(0, 90, (12, 12, 3)).astype(np.uint8)
            a[..., c] += 150
            Image.fromarray(a).save(folder / name / f"{i}.png")
    run = tmp_path / "received-run"
    assert main(["train", "--dataset", "imagefolder", "--data-root", str(folder), "--arch", "lenet-cifar",
                 "--epochs", "1", "--batch-size", "4", "--device", "cpu", "--out", str(run)]) == 0

    reads = []
    real_scandir, real_listdir, real_load_split = os.scandir, os.listdir, loading.load_split

    def under_folder(path) -> bool:
        try:
            return str(folder) in os.fspath(path)
        except TypeError:  # an open file descriptor
            return False

    monkeypatch.setattr(os, "scandir", lambda path=".": (reads.append(path) if under_folder(path) else None)
                        or real_scandir(path))
    monkeypatch.setattr(os, "listdir", lambda path=".": (reads.append(path) if under_folder(path) else None)
                        or real_listdir(path))
    monkeypatch.setattr(loading, "load_split", lambda name, *a, **k: reads.append(name) or real_load_split(
        name, *a, **k))

    w = window
    with qtbot.waitSignal(w.checkpoint_loaded, timeout=WAIT):
        assert w.load_checkpoint(run) is not None
    assert len(curve_xy(w.curves.test_acc_curve)[0]) == 1  # its curves
    panel = w.draw_panel
    assert panel.predictor() is not None and panel.predictor().source == str(run)  # its weights predict
    panel.canvas.set_photo(np.full((12, 12, 3), 200, np.uint8), colour=True)
    assert len(panel.canvas.prediction()) == 2  # a prediction over its two classes

    inside = w.activations  # its saved snapshots replay; a new probe of the weights says why not
    assert inside.replay and "test images are not read" in inside.problem
    assert "choose your image folder in the settings" in inside.problem
    assert not panel.use_test_sample() and "test images are not read" in panel.messageLabel.text()
    assert not w.analysis.evaluate()
    assert "test images are not read" in w.analysis.confusion.status.text()
    QApplication.processEvents()
    assert reads == []
