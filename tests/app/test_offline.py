"""The window on a computer with no dataset downloaded and no network, as a new user first meets it.

Nothing is found on disk (an empty download folder, no system-wide installation) and every download
fails at once, as the real one does offline: presets fall back to the offline samples and say so, a full
dataset that is not here fails its run with one clear banner that offers the sample, and what the last
run left on screen (its banner, its curves) goes away when it no longer applies.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt

from tests.app.test_main_window import child, choose, click, configure, curve_xy, wait_idle


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """No dataset on this computer and no network: a download fails as the real one does offline."""
    from convscope.core.data import loading as D
    from convscope.core.data.datasets import DatasetMissing, sample_of

    empty = tmp_path / "no-downloads"
    empty.mkdir()
    monkeypatch.setattr(D, "default_root", lambda: empty)
    monkeypatch.setattr(D, "INSTALLED_FOLDERS", {})
    tried = []

    def no_network(info, root):
        tried.append(info.name)
        raise DatasetMissing(f"{info.display_name} is not on this computer and could not be downloaded into "
                             f"{root} (the internet cannot be reached). Without a network, "
                             f"{D._instead(info)}.", info.name, sample_of(info.name))

    monkeypatch.setattr(D, "_download", no_network)
    return tried


def pick_preset(w, preset_id):
    """Choose a preset in its box, as a click on it does."""
    combo = child(w, "presetCombo")
    index = combo.findData(preset_id)
    assert index >= 0, preset_id
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def fail_on_full_cifar(qtbot, w):
    """A run on the full CIFAR-10, which is not here: it fails before it starts."""
    from convscope.core.training.events import DATA_MISSING

    configure(w, "lenet-cifar", "cifar10", epochs=1, subset=64, batch=32)
    click(qtbot, w, "startButton")
    wait_idle(qtbot, w)
    result = w.last_result
    assert result.status == "failed" and result.reason == DATA_MISSING, result.message
    return result


# ------------------------------------------------------------------------------------------- presets
def test_a_cifar_preset_offline_trains_on_the_sample_and_says_so(qtbot, offline, window):
    w = window
    pick_preset(w, "lenet-cifar")
    w._validate()
    assert child(w, "datasetCombo").currentData() == "cifar10-sample"
    note = child(w, "presetNote")
    assert note.isVisibleTo(w) and "CIFAR-10 is not on this computer" in note.text()
    assert "offline CIFAR-10 sample" in note.text() and "\n" not in note.text()
    assert child(w, "presetInfo").text() == next(p["description"] for p in w.config_panel.presets()
                                                 if p["id"] == "lenet-cifar")
    assert child(w, "presetCombo").currentData() == "lenet-cifar"
    cfg = w.current_config()
    assert (cfg.arch, cfg.dataset, cfg.optimizer) == ("lenet-cifar", "cifar10-sample", "adam")

    child(w, "epochsSpin").setValue(1)
    child(w, "subsetSpin").setValue(128)
    child(w, "saveRunCheck").setChecked(False)
    w._validate()
    click(qtbot, w, "startButton")
    wait_idle(qtbot, w)
    assert w.last_result.status == "completed", w.last_result.message
    assert not child(w, "banner").isVisible()
    assert offline == []  # the sample needs no download
    # Editing a field makes the settings custom: the preset's note goes with it.
    assert not note.isVisibleTo(w) and child(w, "presetCombo").currentData() is None


def test_every_preset_offline_trains_on_what_is_here_and_only_a_fallback_has_a_note(qtbot, offline, window):
    from convscope.core.data.datasets import get_info, sample_of

    w, note = window, child(window, "presetNote")
    for preset in w.config_panel.presets():
        pick_preset(w, preset["id"])
        w._validate()
        dataset = preset["config"]["dataset"]
        if get_info(dataset).offline:
            assert w.current_config().dataset == dataset and not note.isVisibleTo(w), preset["id"]
            assert w.config_panel.preset_note_text() == ""
        else:
            assert w.current_config().dataset == sample_of(dataset), preset["id"]
            assert note.isVisibleTo(w) and "is not on this computer" in note.text(), preset["id"]
    # With a data folder of one's own, a preset trains what it names (a missing file is said at Train).
    child(w, "dataRootEdit").setText(str(offline_root(w)))
    pick_preset(w, "lenet-cifar")
    assert child(w, "datasetCombo").currentData() == "cifar10" and not note.isVisibleTo(w)


def offline_root(w):
    from convscope.core.data import loading as D

    return D.default_root()


def test_the_dataset_box_lists_every_dataset_of_core_by_its_display_name(qtbot, window):
    from convscope.core.data.datasets import DATASETS

    combo = child(window, "datasetCombo")
    assert [combo.itemData(i) for i in range(combo.count())] == list(DATASETS)
    for i, (name, info) in enumerate(DATASETS.items()):
        assert combo.itemText(i) == info.display_name, name
    assert {"mnist-sample", "fashion-mnist-sample", "cifar10-sample"} <= set(DATASETS)
    if "imagefolder" in DATASETS:  # a folder of images needs its folder: said inline, nothing crashes
        choose(combo, "imagefolder")
        child(window, "dataRootEdit").setText("")
        window._validate()
        assert window.current_config() is None and child(window, "configError").isVisibleTo(window)
        assert not child(window, "startButton").isEnabled()


# ---------------------------------------------------------------------------------- a missing dataset
def test_a_missing_dataset_says_so_once_and_offers_the_sample(qtbot, offline, window):
    w = window
    result = fail_on_full_cifar(qtbot, w)
    assert offline == ["cifar10"]
    banner, action = child(w, "banner"), child(w, "bannerAction")
    assert banner.isVisible() and banner.kind == "error"
    message = banner.message.text()
    assert message == result.message[:1].upper() + result.message[1:]  # core's message, nothing appended
    text = banner.title.text() + " " + message
    assert text.count("could not be downloaded") == 1 and text.lower().count("offline sample") == 1
    assert "Traceback" not in text and "Error:" not in text
    assert action.isVisible() and action.text() == "Use the offline sample"

    qtbot.mouseClick(action, Qt.MouseButton.LeftButton)
    assert child(w, "datasetCombo").currentData() == "cifar10-sample"
    assert w.current_config().dataset == "cifar10-sample"
    assert child(w, "startButton").isEnabled()
    assert not banner.isVisible()  # it no longer applies
    click(qtbot, w, "startButton")
    wait_idle(qtbot, w)
    assert w.last_result.status == "completed", w.last_result.message


def test_no_sample_no_button():
    from convscope.app import notices
    from convscope.core.training.events import DATA_MISSING, RunResult

    result = RunResult("failed", 0, message="my-data is not on this computer.", reason=DATA_MISSING)
    notice = notices.failed_notice(result, False, SimpleNamespace(dataset="mnist-sample"))
    assert notice.action == "" and notice.message == "My-data is not on this computer."
    notice = notices.failed_notice(result, False, SimpleNamespace(dataset="fashion-mnist"))
    assert notice.action == "Use the offline sample" and notice.action_id == "dataset:fashion-mnist-sample"
    assert notices.failure_hint(DATA_MISSING) == ""


# ----------------------------------------------------------------------------- what no longer applies
def test_changing_a_setting_dismisses_the_banner_of_the_failed_run(qtbot, offline, window):
    w = window
    fail_on_full_cifar(qtbot, w)
    banner = child(w, "banner")
    assert banner.isVisible()
    child(w, "epochsSpin").setValue(2)
    assert not banner.isVisible()
    # Picking another preset is a change too.
    fail_on_full_cifar(qtbot, w)
    assert banner.isVisible()
    pick_preset(w, "lenet-sample")
    assert not banner.isVisible()


def test_a_run_that_exists_only_in_memory_keeps_its_banner_when_the_settings_change(qtbot, window):
    from convscope.app import notices
    from convscope.core.training.events import WRITE_FAILED, RunResult

    w = window
    result = RunResult("failed", 2, message="no space left on device", reason=WRITE_FAILED)
    w._notify(notices.failed_notice(result, True, w.current_config()))
    banner = child(w, "banner")
    assert banner.isVisible() and child(w, "bannerAction").text() == "Save to another folder…"
    child(w, "epochsSpin").setValue(child(w, "epochsSpin").value() + 1)
    assert banner.isVisible()


def test_a_new_run_clears_the_last_runs_curves_even_when_it_fails_before_it_starts(qtbot, offline, window):
    w = window
    configure(w, epochs=1, subset=64)
    click(qtbot, w, "startButton")
    wait_idle(qtbot, w)
    assert w.last_result.status == "completed"
    assert len(curve_xy(w.curves.train_loss_curve)[0]) == 2 and len(curve_xy(w.curves.test_acc_curve)[0]) == 1

    configure(w, "lenet-cifar", "cifar10", epochs=1, subset=64, batch=32)
    click(qtbot, w, "startButton")
    for curve in (w.curves.train_loss_curve, w.curves.test_acc_curve, w.curves.lr_curve):
        assert len(curve_xy(curve)[0]) == 0  # at once, before the run has started
    wait_idle(qtbot, w)
    assert w.last_result.status == "failed"
    for curve in (w.curves.train_loss_curve, w.curves.train_acc_curve, w.curves.test_loss_curve,
                  w.curves.test_acc_curve):
        assert len(curve_xy(curve)[0]) == 0
    assert w.curves.best_epoch is None
    assert "nothing to plot" in child(w, "curvesSummary").text()


def test_train_on_a_full_dataset_that_is_not_here_asks_to_download_it_first(qtbot, offline, window, monkeypatch):
    """The window downloads in its own dialog (progress, Cancel) before the run; declined or failed, no
    run starts and the banner offers the offline sample."""
    from convscope.app.main_window import MainWindow

    asked = []
    monkeypatch.setattr(MainWindow, "confirm_download",
                        staticmethod(lambda parent, dataset, root: asked.append((dataset, root)) or False))
    w = window
    configure(w, "lenet-cifar", "cifar10", epochs=1, subset=64, batch=32)
    assert not w.start_training()
    assert asked == [("cifar10", None)] and not w.is_running() and offline == []
    banner, action = child(w, "banner"), child(w, "bannerAction")
    assert banner.isVisible() and "was not downloaded" in banner.message.text()
    assert action.isVisible() and action.text() == "Use the offline sample"
    qtbot.mouseClick(action, Qt.MouseButton.LeftButton)
    assert w.current_config().dataset == "cifar10-sample" and w.start_training()
    wait_idle(qtbot, w)
    assert w.last_result.status == "completed" and asked == [("cifar10", None)]  # a sample needs nothing
