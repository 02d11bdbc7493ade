"""The Layer health tab: a real run's measurements become the heat map; Inception blocks get branch bars."""
from __future__ import annotations

import numpy as np
import pytest

from convscope.app.widgets.health_view import HealthController, HealthView


def run_watched(qtbot, arch, **settings):
    from convscope.core.setup.config import make_config
    from convscope.core.training.engine import Trainer

    view = HealthView()
    qtbot.addWidget(view)
    controller = HealthController(view, interval=0.0)
    trainer = Trainer(make_config(arch, "mnist-sample", device="cpu", seed=0, **settings))
    controller.attach(trainer)
    controller.monitor.max_overhead = 1.0  # every step, for a short test run
    trainer.run()  # in this thread: the hook measures between the steps
    controller.on_run_finished()
    return view, controller


def test_a_run_fills_the_map_layers_by_measurements(qtbot):
    view, controller = run_watched(qtbot, "lenet", epochs=1, subset=128, activation="sigmoid")
    n = controller.monitor.measurements
    assert n >= 3 and len(view.snapshots) == n and not controller.timer.isActive()
    values, names = view.matrix()  # gradient norm: the layers with weights
    assert names == ["conv1", "conv2", "fc1", "fc2", "fc3"] and values.shape == (5, n)
    assert view.image.image.shape == (5, n) and np.isfinite(values).all()
    view.metric_combo.setCurrentIndex(view.metric_combo.findData("act_std"))
    values, names = view.matrix()  # activations: every followed layer, the sigmoids too
    assert "act1" in names and values.shape[0] == len(names) > 5
    assert view.image.image.shape == values.shape
    view.metric_combo.setCurrentIndex(view.metric_combo.findData("dead"))
    assert view.matrix()[1] == []  # a sigmoid network has no ReLU to die
    assert not view.branch_plot.isVisibleTo(view)


def test_inception_blocks_show_their_branches(qtbot):
    view, _controller = run_watched(qtbot, "inception-net", epochs=1, subset=64)
    shares = view.branch_shares()
    assert set(shares) == {"incep1", "incep2"}
    for s in shares.values():
        assert s.shape == (4,) and s.sum() == pytest.approx(1.0, abs=1e-4)
    assert view.branch_plot.isVisibleTo(view) and len(view._branch_bars) == 4
