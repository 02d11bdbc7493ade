"""The live-internals views during real (tiny) training runs: NiN at width 0.25 on a few offline digits.

The trainer runs in a plain ``threading.Thread`` while the test's event loop turns, as it would in the
window; the controller's ~30 Hz timer pulls the snapshots.
"""
from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from convscope.core.setup.config import TrainConfig, make_config
from convscope.core.training.engine import Trainer

WAIT = 120_000  # upper bound for a run (ms); nothing depends on it


def nin_config(subset: int) -> TrainConfig:
    # A constant, not-so-small learning rate so that a few steps visibly change the maps.
    return make_config("nin", "mnist-sample", subset=subset, epochs=1, batch_size=16, width=0.25,
                         lr=3e-3, schedule="constant", device="cpu")


@pytest.fixture
def controller(qtbot):
    from convscope.app.widgets.activations import ActivationsController

    # Probe after every step and draw every snapshot (the budgets are tested on their own below).
    ctl = ActivationsController(interval=0.0, max_overhead=1.0, draw_budget=1.0)
    for view in ctl.views:
        qtbot.addWidget(view)
        view.resize(900, 460)
    yield ctl
    ctl.detach()


def train(qtbot, ctl, config):
    """Attach the controller to a new Trainer, run it in a thread, and wait for it in the event loop."""
    trainer = Trainer(config)
    ctl.attach(trainer)  # the main window's trainer set-up hook
    mailbox = ctl.probe.mailbox

    def let_the_gui_draw(_trainer):
        # Hold the next step until the GUI has taken this snapshot, so every probe is drawn however
        # fast the steps are (bounded, in case a view is hidden and nothing is taken).
        for _ in range(200):
            if not mailbox.full:
                break
            threading.Event().wait(0.005)

    trainer.step_hooks.append(let_the_gui_draw)
    out = {}
    thread = threading.Thread(target=lambda: out.setdefault("result", trainer.run()), daemon=True)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=WAIT)
    qtbot.wait(100)  # the last snapshot
    ctl.on_run_finished(out["result"])
    assert out["result"].status == "completed", out["result"].message
    return trainer


def varied(img: np.ndarray) -> bool:
    """Not blank, not constant: finite pixels that take several values."""
    finite = np.asarray(img, float)[np.isfinite(img)]
    return finite.size > 0 and float(finite.std()) > 0 and len(np.unique(finite)) > 3


def changes(frames: list[np.ndarray]) -> bool:
    return any(not np.array_equal(a, b, equal_nan=True) for a, b in zip(frames, frames[1:]))


def test_views_receive_images_that_change_over_training(qtbot, controller):
    ctl = controller
    for view in ctl.views:
        view.show()
    frames = {"feature": [], "1x1 out": [], "1x1 W": [], "gap": [], "output": []}

    def grab(snap):
        frames["feature"].append(np.array(ctl.feature_view.mosaic_item.image))
        frames["1x1 out"].append(np.array(ctl.one_by_one_view.out_item.image))
        frames["1x1 W"].append(np.array(ctl.one_by_one_view.w_item.image))
        frames["gap"].append(np.array(ctl.gap_view.maps_item.image))
        frames["output"].append(snap.probs.copy())

    ctl.snapshot_shown.connect(grab)
    trainer = train(qtbot, ctl, nin_config(subset=96))

    assert ctl.feature_view.layer == "block1.conv"
    assert ctl.one_by_one_view.layer == "block1.mlp1"
    assert ctl.gap_view.layer == "classifier.relu2"
    for name, seq in frames.items():
        assert len(seq) >= 3, f"{name}: only {len(seq)} snapshots drawn"
        if name != "output":
            assert all(varied(f) for f in seq), f"{name}: a blank or constant image"
        assert changes(seq), f"{name}: the image never changed during training"
        assert not np.array_equal(seq[0], seq[-1], equal_nan=True), f"{name}: same at start and end"
    # Every snapshot carried the three views' layers and nothing else.
    for snap in ctl.probe.history():
        assert set(snap.features) == {"block1.conv"}
        assert set(snap.one_by_one) == {"block1.mlp1"} and set(snap.gap) == {"classifier.relu2"}
    assert ctl.probe.errors == 0
    assert trainer.model.training and all(not m._forward_hooks for m in trainer.model.modules())

    # The timeline scrubs back in every view, and "Live" returns to the newest snapshot.
    history = ctl.probe.history()
    ctl.feature_view.timeline.slider.setValue(history[0].seq)
    assert ctl.current.seq == history[0].seq and not ctl.live
    assert all(v.shown_seq == history[0].seq for v in ctl.views)
    assert all(v.timeline.slider.value() == history[0].seq for v in ctl.views)
    qtbot.mouseClick(ctl.gap_view.timeline.live, Qt.MouseButton.LeftButton)
    assert ctl.live and ctl.current.seq == history[-1].seq

    # Clicking a tile of the mosaic enlarges that channel.
    view = ctl.feature_view
    payload = ctl.current.features["block1.conv"]
    th, tw = payload.tile
    tile = min(5, len(payload.channels) - 1)
    r, c = divmod(tile, payload.grid[1])
    scene = view.mosaic_item.mapToScene(QPointF(c * (tw + 1) + tw / 2, r * (th + 1) + th / 2))
    qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.graphics.mapFromScene(scene))
    assert view.selected == int(payload.channels[tile])
    np.testing.assert_array_equal(view.tile_item.image, view.mosaic_item.image[
        r * (th + 1):r * (th + 1) + th, c * (tw + 1):c * (tw + 1) + tw])

    # Clicking a pixel of the 1×1 view shows that pixel's vectors: y = W x + b.
    obo = ctl.one_by_one_view
    p = ctl.current.one_by_one["block1.mlp1"]
    h, w = p.inputs.shape[1:]
    scene = obo.in_item.mapToScene(QPointF(3.5, 2.5))  # first tile, row 2, column 3
    qtbot.mouseClick(obo.graphics.viewport(), Qt.MouseButton.LeftButton,
                     pos=obo.graphics.mapFromScene(scene))
    assert obo.pixel == (2, 3)
    np.testing.assert_allclose(obo.x_item.image[0], p.inputs[:, 2, 3])
    np.testing.assert_allclose(obo.y_item.image[:, 0], p.outputs[:, 2, 3])
    np.testing.assert_allclose(p.weight @ p.inputs[:, 2, 3] + p.bias, p.outputs[:, 2, 3],
                               rtol=1e-4, atol=1e-4)

    # After the run, a new probe image is probed at once, in the GUI thread.
    digit = np.zeros((28, 28), np.uint8)
    digit[5:23, 13:16] = 255
    seen = len(ctl.probe.history())
    ctl.set_probe_image(digit, label=1)
    qtbot.waitUntil(lambda: len(ctl.probe.history()) > seen, timeout=180_000)
    assert ctl.current.source == "your drawing" and ctl.current.label == 1
    np.testing.assert_array_equal(ctl.output_view.input_item.image, digit)
    ctl.set_sample(7)
    qtbot.waitUntil(lambda: ctl.current.source == "test sample 7", timeout=180_000)


def test_hidden_views_cause_no_probing_of_their_layers(qtbot, controller):
    ctl = controller
    ctl.feature_view.show()  # the 1×1, GAP and output views stay hidden
    trainer = train(qtbot, ctl, nin_config(subset=48))
    history = ctl.probe.history()
    assert history, "the visible feature view got no snapshot"
    assert ctl.probe.wanted == {"block1.conv": frozenset({"feature"})}
    for snap in history:
        assert set(snap.features) == {"block1.conv"} and not snap.one_by_one and not snap.gap
    assert trainer.step_hooks  # the probe was attached all along

    # With every view hidden, the probe does not run a single forward.
    ctl.feature_view.hide()
    trainer = Trainer(nin_config(subset=32))
    calls = []
    ctl.attach(trainer)
    trainer.setup()
    trainer.model.register_forward_pre_hook(lambda *a: calls.append(threading.current_thread().name))
    thread = threading.Thread(target=trainer.run, daemon=True)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=WAIT)
    qtbot.wait(100)
    ctl.on_run_finished(None)
    qtbot.wait(150)
    assert ctl.probe.forwards == 0 and not ctl.probe.history()
    # The model ran only for training steps and the end-of-epoch evaluation, never for a probe.
    n_eval = -(-len(trainer.test) // 512)
    assert len(calls) == trainer.steps_per_epoch + n_eval


def test_views_explain_themselves_and_handle_networks_without_such_layers(qtbot, controller):
    ctl = controller
    for view in ctl.views:
        view.show()
    ctl.attach(Trainer(make_config("lenet", "mnist-sample", subset=32, epochs=1, device="cpu")))
    assert ctl.one_by_one_view.layer is None and ctl.gap_view.layer is None
    assert "no 1×1 convolutions" in ctl.one_by_one_view.placeholder.text()
    assert "global average pool" in ctl.gap_view.placeholder.text()
    assert ctl.probe.wanted == {"act1": frozenset({"feature"})}
    texts = {v.objectName(): v.explanation.text() for v in ctl.views}
    assert "fully connected layer" in texts["oneByOneView"]
    assert "no parameters" in texts["gapView"] and "overfit" in texts["gapView"]
    assert "feature map" in texts["featureMapView"]
    from convscope.app.widgets.activations import FeatureMapView
    combo = ctl.feature_view.layer_combo
    assert combo.objectName() == "featureLayerCombo" and combo.count() >= 4  # spec layers + convs
    assert combo.findData("conv2") >= 0
    assert isinstance(ctl.feature_view, FeatureMapView)


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_drawing_stays_within_its_budget_while_training(qtbot):
    """Over budget, the GUI leaves the snapshot in the mailbox, so the probe does not run either."""
    from convscope.app.pacing import PaintBudget
    from convscope.app.widgets.activations import ActivationsController

    ctl = ActivationsController(draw_budget=0.02, draw_burst=0.05)
    for view in ctl.views:
        qtbot.addWidget(view)
    ctl.feature_view.show()
    trainer = Trainer(nin_config(subset=32))
    trainer.setup()
    ctl.attach(trainer)  # a run is active from now until run_finished
    qtbot.wait(50)
    clock = Clock()  # time passes only when the test says so
    ctl.budget = PaintBudget(ctl.draw_budget, burst=ctl.draw_burst, clock=clock)
    snap = ctl.probe.probe(trainer)
    ctl.budget.charge(1.0, drew=False)  # as if the views had just spent a second drawing
    ctl._poll()
    assert ctl.probe.mailbox.peek() is snap and ctl.draws == 0
    ctl.probe.on_step(trainer)
    assert ctl.probe.forwards == 1  # the probe waits for the GUI to take the last snapshot
    clock.t += 60  # a quiet minute: the full burst of credit is back
    assert ctl.budget.credit == pytest.approx(0.05)
    ctl._poll()
    assert ctl.current is snap and ctl.draws == 1 and not ctl.probe.mailbox.full
    assert ctl.budget.credit < 0.05  # the draw was charged
    ctl.on_run_finished(None)  # outside a run there is no budget: user actions draw at once
    ctl.budget.charge(1.0, drew=False)
    ctl.set_sample(2)
    qtbot.waitUntil(lambda: ctl.current.source == "test sample 2", timeout=180_000)
    ctl.detach()


def lenet_trainer() -> Trainer:
    trainer = Trainer(make_config("lenet", "mnist-sample", subset=32, epochs=1, device="cpu"))
    trainer.setup()
    return trainer


def test_a_failing_probe_is_explained_in_every_view_until_a_snapshot_comes(qtbot, controller, monkeypatch,
                                                                             caplog):
    from convscope.core.insight import probe as probe_mod

    ctl = controller
    for view in ctl.views:
        view.show()
    trainer = lenet_trainer()
    ctl.attach(trainer)  # a run is active from now until run_finished
    real_capture = probe_mod.capture

    def broken(*_args, **_kwargs):
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied (1x400 and 256x120)")

    def problem_shown(view) -> bool:
        return view.problem.isVisible() and "shapes cannot be multiplied" in view.problem.message.text()

    monkeypatch.setattr(probe_mod, "capture", broken)
    with caplog.at_level("WARNING", logger="convscope.gui"):
        for _ in range(2):  # the probe keeps failing: the views say so, the log once
            assert ctl.probe.probe(trainer) is None
            ctl._poll()
    assert ctl.probe.errors == 2
    for view in ctl.views:
        assert problem_shown(view), type(view).__name__
        assert "Could not look inside the network" in view.problem.title.text()
        assert "Training goes on" in view.problem.message.text()
        assert ctl.probe.last_error in view.problem_text
    warnings = [r for r in caplog.records if r.name == "convscope.gui" and "shapes" in r.getMessage()]
    assert len(warnings) == 1

    # The next good snapshot clears the message.
    monkeypatch.setattr(probe_mod, "capture", real_capture)
    snap = ctl.probe.probe(trainer)
    assert snap is not None
    ctl._poll()
    assert ctl.current is snap
    assert all(not v.problem.isVisible() and not v.problem_text for v in ctl.views)

    # After the run, probing in the GUI thread for a new image: a failure shows there too.
    ctl.on_run_finished(None)
    monkeypatch.setattr(probe_mod, "capture", broken)
    ctl.set_sample(3)
    qtbot.waitUntil(lambda: all(problem_shown(v) for v in ctl.views), timeout=180_000)
    assert "Training goes on" not in ctl.output_view.problem.message.text()
    monkeypatch.setattr(probe_mod, "capture", real_capture)
    ctl.set_sample(4)
    qtbot.waitUntil(lambda: ctl.current.source == "test sample 4", timeout=180_000)
    assert all(not v.problem.isVisible() for v in ctl.views)


def test_a_drawing_prepared_for_another_network_is_probed_as_the_trained_one_expects(qtbot, controller):
    from convscope.core.insight.inference import Predictor
    from convscope.core.setup.build import build_model

    cifar = make_config("lenet-cifar", "cifar10", device="cpu")
    predictor = Predictor.from_weights(cifar, build_model(cifar).state_dict())
    gray = np.zeros((200, 200), np.uint8)
    gray[30:170, 90:110] = 255  # a "1"
    prepared = predictor.prepare(gray)
    assert tuple(prepared.tensor.shape) == (1, 3, 32, 32)  # the other network's input

    ctl = controller
    for view in ctl.views:
        view.show()
    ctl.attach(lenet_trainer())  # LeNet on MNIST: 1×28×28
    ctl.on_run_finished(None)
    qtbot.waitUntil(lambda: ctl.current is not None, timeout=180_000)
    ctl.set_probe_image(prepared, label=1)
    qtbot.waitUntil(lambda: ctl.current.source == "your drawing", timeout=180_000)
    assert ctl.probe.errors == 0 and not ctl.problem
    drawing = np.round(prepared.image * 255).astype(np.uint8)
    np.testing.assert_array_equal(ctl.current.image, drawing)
    np.testing.assert_array_equal(ctl.output_view.input_item.image, drawing)
    assert ctl.current.label == 1 and len(ctl.current.probs) == 10
    assert "act1" in ctl.current.features
