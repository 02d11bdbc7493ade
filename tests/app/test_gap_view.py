"""The GAP view draws tiny class maps large enough to read, and forgets the previous network's caption."""
from __future__ import annotations

import numpy as np

from convscope.app.widgets.activations.gap import GapView, best_columns, enlarged


def test_tiny_maps_are_enlarged_block_by_block():
    maps = np.arange(2 * 3 * 3, dtype=np.float32).reshape(2, 3, 3)
    big = enlarged(maps, min_side=24)
    assert big.shape == (2, 24, 24)
    assert np.array_equal(big[:, ::8, ::8], maps)  # each value is one 8×8 block: nothing invented
    assert enlarged(np.zeros((10, 28, 28)), 24).shape == (10, 28, 28)  # large enough already


def test_columns_fit_the_box():
    assert best_columns(10, 24, 24, 300, 450) == 3  # a tall box: rows of three (tiles 100 px, not 60)
    assert best_columns(10, 24, 24, 900, 200) == 5  # a wide one: two rows of five
    assert best_columns(1, 24, 24, 300, 300) == 1


def _snapshot(tmp_path, arch, dataset):
    from convscope.core.insight.probe import Probe
    from convscope.core.setup.config import make_config
    from convscope.core.training.engine import Trainer
    from convscope.core.training.introspect import model_layers

    cfg = make_config(arch, dataset, epochs=1, subset=32, device="cpu")
    trainer = Trainer(cfg)
    trainer.run()
    layers = model_layers(cfg)
    return trainer, layers, Probe()


def test_a_new_network_clears_the_old_caption(qtbot, tmp_path):
    view = GapView()
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    trainer, layers, probe = _snapshot(tmp_path, "resnet-small", "cifar10-sample")
    view.set_model(layers)
    probe.attach(trainer)
    probe.set_wanted(view.wanted(), output=True)
    view.show_snapshot(probe.probe(trainer))
    assert "scores are the averages" in view.info.text()
    assert view.maps_item.image.shape[0] >= 2 * 24  # ResNet's 4×4 maps, drawn as readable tiles
    _trainer, other, _probe = _snapshot(tmp_path, "inception-net", "mnist-sample")
    view.set_model(other)
    assert view.info.text() == ""  # nothing of the ResNet run is described any more


def test_the_side_text_speaks_of_the_network_shown(qtbot):
    from convscope.app.widgets.activations.feature_maps import FeatureMapView
    from convscope.app.widgets.activations.one_by_one import OneByOneView
    from convscope.core.setup.config import make_config
    from convscope.core.training.introspect import model_layers

    lenet, nin = (model_layers(make_config(a, "mnist-sample")) for a in ("lenet", "nin"))
    maps, ones, gap = FeatureMapView(), OneByOneView(), GapView()
    for view in (maps, ones, gap):
        qtbot.addWidget(view)
    maps.set_model(lenet)
    assert "In LeNet-5:" in maps.explanation.text() and "6 channels of 5×5" in maps.explanation.text()
    maps.set_model(nin)
    assert "LeNet" not in maps.explanation.text().split("In ")[-1] and "two 1×1" in maps.explanation.text()
    ones.set_model(nin)
    assert "mlpconv" in ones.explanation.text()
    ones.set_model(lenet)
    assert "In LeNet-5:" not in ones.explanation.text()  # nothing of LeNet to say in the 1×1 view
    gap.set_model(model_layers(make_config("resnet-small", "cifar10-sample")))
    assert "class activation maps (its weights" in gap.explanation.text()
