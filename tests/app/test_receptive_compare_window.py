"""The receptive-field panel's comparison mode in the real window: an opened LeNet run beside NiN (the same
relative layer: NiN's 5×5 convolution and its two 1×1, still 5×5) and beside VGG-11's block 3 (two 3×3:
26×26 pixels, 5×5 of its block's input, 18 weights per channel pair against LeNet's 25) — the two boxes
drawn on the images and the table's numbers; nothing is computed while a run is active."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QTableWidget, QToolButton, QWidget

from convscope.core.setup.config import make_config
from convscope.core.training.engine import Trainer

WAIT = 180_000


@pytest.fixture
def opened(qtbot, window, tmp_path):
    run_dir = tmp_path / "lenet"
    result = Trainer(make_config("lenet", "mnist-sample", epochs=1, subset=64, device="cpu"),
                     run_dir=str(run_dir)).run()
    assert result.status == "completed", result.message
    w = window
    assert w.load_checkpoint(run_dir) is not None
    view = w.activations.feature_view
    assert w.view_groups.show_widget(view)
    qtbot.waitUntil(lambda: view.layer == "act1", timeout=WAIT)
    return w


def _rect(item) -> tuple:
    r = item.rect()
    return r.x(), r.y(), r.width(), r.height()


def _row(table: QTableWidget, i: int) -> list[str]:
    return [table.item(i, j).text() for j in range(table.columnCount())]


def test_compare_lenet_with_nin_and_with_vgg_block3(qtbot, opened, monkeypatch):
    from convscope.app.widgets.activations import field_compare as module

    w = opened
    link = w.activations.receptive.compare
    box = w.findChild(QWidget, "receptiveCompare")
    assert box is link.box and not box.isVisible()
    threads = {"computed": [], "drawn": []}
    compute, draw = module.compare_job, link.box.show_comparison

    def computing(*args, **kwargs):
        threads["computed"].append(threading.current_thread())
        return compute(*args, **kwargs)

    def drawing(result):
        threads["drawn"].append(threading.current_thread())
        draw(result)

    monkeypatch.setattr(module, "compare_job", computing)
    link.box.show_comparison = drawing
    qtbot.mouseClick(w.findChild(QToolButton, "receptiveCompareButton"), Qt.MouseButton.LeftButton)
    assert box.isVisible()
    arch = w.findChild(QComboBox, "receptiveCompareArch")
    assert arch.currentData() == "nin"  # LeNet's partner by default
    qtbot.waitUntil(lambda: link.drawn >= 1, timeout=WAIT)
    result = link.result
    assert (result.a.layer.name, result.b.layer.name) == ("act1", "block1.mlp2")  # depth 1/4 and 3/12
    a_pic, b_pic = link.box.pictures
    assert _rect(a_pic.rect_item) == (12, 12, 5, 5) and _rect(b_pic.rect_item) == (12, 12, 5, 5)
    assert a_pic.rect_item.isVisible() and b_pic.heat_item.isVisible() and a_pic.image_item.image.shape == (28, 28)
    table = w.findChild(QTableWidget, "receptiveCompareTable")
    r50_a = f"{result.a.effective.r50:.1f}"
    assert _row(table, 0)[:5] == ["LeNet-5", "act1", "5×5", "1", "5×5 · 25 weights/pair"]
    assert _row(table, 0)[5] == r50_a and _row(table, 0)[7] == "156"
    assert _row(table, 1)[:5] == ["Network in Network", "block1.mlp2", "5×5", "1", "5×5 · 27 weights/pair"]
    assert _row(table, 1)[7] == "21,120"
    layer_b = w.findChild(QComboBox, "receptiveCompareLayerB")
    assert layer_b.currentData() == "block1.mlp2" and layer_b.findData("classifier.conv") >= 0

    # VGG-11: follows at the same relative depth, then block 3's second 3×3 chosen.
    arch.setCurrentIndex(arch.findData("vgg11"))
    qtbot.waitUntil(lambda: link.result.b.arch == "vgg11", timeout=WAIT)
    assert link.result.b.layer.name == "block2.relu1"  # depth 3 of 11, nearest 1/4; the probe after the conv
    drawn = link.drawn
    layer_b.setCurrentIndex(layer_b.findData("block3.relu2"))
    qtbot.waitUntil(lambda: link.drawn > drawn, timeout=WAIT)
    result = link.result
    assert result.b.layer.name == "block3.relu2" and result.b.effective.inside_share == pytest.approx(1.0)
    assert _rect(a_pic.rect_item) == (12, 12, 5, 5) and _rect(b_pic.rect_item) == (1, 1, 26, 26)
    assert _row(table, 1)[:5] == ["VGG-11", "block3.relu2", "26×26", "4", "5×5 · 18 weights/pair"]
    assert _row(table, 1)[6] == f"{result.b.effective.r90:.1f}" and _row(table, 1)[7] == "959,744"
    assert "5×5 and 5×5 within their stages" in link.box.status.text()
    # Computed in the background jobs' thread, drawn in the GUI thread.
    assert threads["computed"] and threading.main_thread() not in threads["computed"]
    assert len(threads["drawn"]) == link.drawn and set(threads["drawn"]) == {threading.main_thread()}

    # While a run is active nothing is computed; once it is not, the comparison follows.
    ctl = w.activations
    ctl._running = True
    drawn = link.drawn
    link.choose(layer_a="act2")
    assert "when the run pauses or ends" in link.box.status.text()
    qtbot.wait(300)
    assert link.drawn == drawn
    ctl._running = False
    qtbot.waitUntil(lambda: link.drawn > drawn, timeout=WAIT)
    assert link.result.a.layer.name == "act2" and _row(table, 0)[2:4] == ["14×14", "2"]
    assert link.result.b.layer.name == "block4.conv1"  # 3/4 of VGG's 11: depth 8 (0.73) nearer than 9
    qtbot.mouseClick(w.findChild(QToolButton, "receptiveCompareButton"), Qt.MouseButton.LeftButton)
    assert not box.isVisible()


def test_compare_with_a_saved_run_of_the_same_dataset(qtbot, window):
    """The saved runs of the same dataset follow the architectures in the combo (not the run shown itself,
    nor a run of another dataset); choosing one compares with its trained weights; a run of another input
    size is refused with a sentence."""
    from convscope.app.settings import runs_root

    root = runs_root()
    runs = {}
    for name, arch, dataset, extra in (("mine", "lenet", "mnist-sample", {}),
                                       ("nin-run", "nin", "mnist-sample", {"width": 0.25}),
                                       ("fashion", "lenet", "fashion-mnist-sample", {})):
        runs[name] = root / name
        cfg = make_config(arch, dataset, epochs=1, subset=64, device="cpu", **extra)
        assert Trainer(cfg, run_dir=str(runs[name])).run().status == "completed"
    w = window
    assert w.load_checkpoint(runs["mine"]) is not None
    view = w.activations.feature_view
    assert w.view_groups.show_widget(view)
    qtbot.waitUntil(lambda: view.layer == "act1", timeout=WAIT)
    link = w.activations.receptive.compare
    qtbot.mouseClick(w.findChild(QToolButton, "receptiveCompareButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: link.runs_listed >= 1 and link.drawn >= 1, timeout=WAIT)
    arch = w.findChild(QComboBox, "receptiveCompareArch")
    offered = [arch.itemData(i) for i in range(arch.count()) if str(arch.itemData(i)).startswith("run:")]
    assert offered == ["run:" + str(runs["nin-run"])]  # not itself, not another dataset's
    fresh = link.result
    drawn = link.drawn
    arch.setCurrentIndex(arch.findData("run:" + str(runs["nin-run"])))
    qtbot.waitUntil(lambda: link.drawn > drawn, timeout=WAIT)
    trained = link.result
    assert trained.b.arch == "nin" and trained.b.weights == str(runs["nin-run"])
    assert trained.b.layer.name == fresh.b.layer.name == "block1.mlp2"
    assert "the weights of run nin-run" in link.box.status.text()
    assert not np.allclose(trained.b.effective.heat, fresh.b.effective.heat)  # trained, not fresh weights


def test_a_saved_run_of_another_input_size_is_refused_in_a_sentence(tmp_path):
    from convscope.app.widgets.activations.field_compare import saved_run_side

    run_dir = tmp_path / "cifar"
    cfg = make_config("lenet-cifar", "cifar10-sample", epochs=1, subset=32, device="cpu")
    assert Trainer(cfg, run_dir=str(run_dir)).run().status == "completed"
    with pytest.raises(ValueError, match=r"run cifar takes 3×32×32 images and this run 1×28×28"):
        saved_run_side(str(run_dir), make_config("lenet", "mnist-sample"), None)
