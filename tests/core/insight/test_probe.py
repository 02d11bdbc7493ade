"""The activation probe: shapes for every architecture, a model left exactly as it was, hooks removed,
the latest-only mailbox, the bounded history and the rules that keep probing cheap."""
import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from convscope.core.data import loading as D
from convscope.core.insight.probe import Capture, Mailbox, Probe, ProbeOptions, Snapshot, capture, grid_shape
from convscope.core.models import create_model, list_models
from convscope.core.setup.build import build_model
from convscope.core.setup.config import make_config
from convscope.core.training.engine import Trainer
from convscope.core.training.introspect import one_by_one_layers

SPECS = list_models()


def small_model(spec, **extra):
    opts = {"width": 0.25} if "width" in spec.options else {}
    opts.update({k: v for k, v in extra.items() if k in spec.options})
    torch.manual_seed(0)
    return create_model(spec.name, **opts)


def fake_trainer(model, input_size, n=8, seed=0):
    """What the probe reads from a Trainer: model, device, preprocess, test split, info, steps."""
    c, side, _ = input_size
    info = D.get_info("cifar10" if c == 3 else "mnist-sample")
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, c, side, side)).astype(np.uint8)
    labels = rng.integers(0, 10, n).astype(np.int64)
    return SimpleNamespace(model=model, device=torch.device("cpu"), info=info,
                           preprocess=D.Preprocess(info, side, c), test=D.DeviceSplit(images, labels, "cpu"),
                           global_step=0, epochs_done=0, step_hooks=[], config=None)


def reference_shapes(model, x, names):
    """Input and output shapes of the named modules, from a plain forward with our own hooks."""
    shapes, handles = {}, []
    modules = dict(model.named_modules())
    for name in names:
        def hook(m, inp, out, name=name):
            shapes.setdefault(name, (tuple(inp[0].shape), tuple(out.shape)))
        handles.append(modules[name].register_forward_hook(hook))
    model.eval()
    with torch.no_grad():
        logits = model(x)
    for h in handles:
        h.remove()
    return shapes, logits[0]


def all_requests(spec):
    return [(layer.module, layer.kind) for layer in spec.probe_layers]


def model_state(model):
    """Everything a probe must not change: modes, parameters, gradients, buffers (copies)."""
    return dict(
        modes={n: m.training for n, m in model.named_modules()},
        params={n: p.detach().clone() for n, p in model.named_parameters()},
        grads={n: None if p.grad is None else p.grad.clone() for n, p in model.named_parameters()},
        buffers={n: b.clone() for n, b in model.named_buffers()},
        hooks={n: (len(m._forward_hooks), len(m._forward_pre_hooks)) for n, m in model.named_modules()},
    )


def assert_same_state(before, after):
    assert before["modes"] == after["modes"]
    assert before["hooks"] == after["hooks"]
    for kind in ("params", "buffers"):
        assert before[kind].keys() == after[kind].keys()
        for n in before[kind]:
            assert torch.equal(before[kind][n], after[kind][n]), f"{kind} {n} changed"
    for n, g in before["grads"].items():
        if g is None:
            assert after["grads"][n] is None, f"grad of {n} appeared"
        else:
            assert torch.equal(g, after["grads"][n]), f"grad of {n} changed"


# ----------------------------------------------------------------------------------------- shapes
@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_probe_returns_the_right_shapes_for_every_probe_layer(spec):
    model = small_model(spec)
    x = torch.randn(1, *spec.input_size)
    names = sorted({layer.module for layer in spec.probe_layers})
    shapes, ref_logits = reference_shapes(model, x, names)
    opts = ProbeOptions()
    model.train()
    result = capture(model, x, all_requests(spec), opts)
    assert isinstance(result, Capture)
    k = ref_logits.shape[0]
    assert result.logits.shape == (k,) and result.logits.dtype == np.float32
    np.testing.assert_allclose(result.logits, ref_logits.numpy(), rtol=1e-4, atol=1e-5)
    assert result.probs.shape == (k,) and abs(float(result.probs.sum()) - 1) < 1e-5

    for layer in spec.probe_layers:
        (_, ci, hi, wi), (_, c, h, w) = shapes[layer.module]
        if layer.kind == "feature":
            p = result.features[layer.module]
            n = min(c, opts.max_channels)
            rows, cols = grid_shape(n)
            th, tw = p.tile
            assert p.shape == (c, h, w)
            assert (th, tw) == (h, w) if max(h, w) <= opts.max_tile else max(th, tw) <= opts.max_tile
            assert p.mosaic.dtype == np.uint8 and p.mosaic.ndim == 2
            assert p.mosaic.shape == (rows * (th + 1) - 1, cols * (tw + 1) - 1)
            assert p.grid == (rows, cols)
            np.testing.assert_array_equal(p.channels, np.arange(n))
            assert p.ch_min.shape == p.ch_max.shape == (n,)
            assert p.mosaic.max() <= 255 and p.tile_image(0).shape == (th, tw)
            assert p.tile_image(0).min() >= 1  # channel pixels run 1…255, gaps are 0
        elif layer.kind == "1x1":
            p = result.one_by_one[layer.module]
            ck, ok = min(ci, opts.max_1x1_channels), min(c, opts.max_1x1_channels)
            assert (p.in_channels, p.out_channels, p.size) == (ci, c, (h, w))
            assert p.inputs.shape[0] == ck and p.outputs.shape[0] == ok
            assert p.inputs.shape[1:] == p.outputs.shape[1:]
            assert max(p.inputs.shape[1:]) <= opts.max_1x1_side
            assert p.weight.shape == (ok, ck) and p.weight.dtype == np.float32
            assert p.bias.shape == (ok,)
            if ck == ci:  # a 1×1 conv is a fully connected layer at every pixel
                y = np.einsum("oi,ihw->ohw", p.weight, p.inputs) + p.bias[:, None, None]
                np.testing.assert_allclose(y, p.outputs, rtol=1e-4, atol=1e-4)
        else:
            p = result.gap[layer.module]
            assert p.class_maps.shape[0] == k and p.class_maps.ndim == 3
            assert p.pooled.shape == (c,)
            assert p.from_fc == (c != k)
            # The pooled class scores are the network's logits.
            np.testing.assert_allclose(p.scores, result.logits, rtol=1e-4, atol=1e-4)


def test_top_k_selection_shows_the_strongest_channels_first():
    spec = next(s for s in SPECS if s.name == "nin")
    model = small_model(spec)
    x = torch.randn(1, 1, 28, 28)
    result = capture(model, x, [("block1.conv", "feature")], ProbeOptions(max_channels=8, selection="top"))
    p = result.features["block1.conv"]
    assert len(p.channels) == 8 and len(set(p.channels.tolist())) == 8
    assert np.all(np.diff(p.ch_mean) <= 1e-6)  # strongest first
    shapes, _ = reference_shapes(model, x, ["block1.conv"])
    act = {}
    h = model.block1.conv.register_forward_hook(lambda m, i, o: act.setdefault("a", o))
    with torch.no_grad():
        model(x)
    h.remove()
    means = act["a"][0].mean((1, 2)).numpy()
    assert set(p.channels.tolist()) == set(np.argsort(-means)[:8].tolist())


def test_mosaic_tiles_are_min_max_scaled_channels():
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 1, bias=False))
    with torch.no_grad():
        model[0].weight[:] = torch.tensor([1.0, -2.0, 0.0]).view(3, 1, 1, 1)
    x = torch.arange(16.0).view(1, 1, 4, 4)
    p = capture(model, x, [("0", "feature")]).features["0"]
    assert p.grid == (1, 3) or p.grid == (2, 2)
    t0, t1, t2 = p.tile_image(0), p.tile_image(1), p.tile_image(2)
    assert t0[0, 0] == 1 and t0[-1, -1] == 255  # ascending ramp
    assert t1[0, 0] == 255 and t1[-1, -1] == 1  # the negated ramp
    assert np.all(t2 == 1)  # a constant channel
    np.testing.assert_allclose([p.ch_min[0], p.ch_max[0]], [0, 15])
    assert p.tile_at(0, 0) == 0 and p.tile_at(0, 4) is None  # column 4 is a gap


def test_payloads_are_copies_not_views_of_the_model():
    spec = next(s for s in SPECS if s.name == "nin")
    model = small_model(spec)
    result = capture(model, torch.randn(1, 1, 28, 28), [("block1.mlp1", "1x1")])
    p = result.one_by_one["block1.mlp1"]
    before = p.weight.copy()
    with torch.no_grad():
        model.block1.mlp1.weight.add_(1.0)
    np.testing.assert_array_equal(p.weight, before)
    for arr in (p.weight, p.bias, p.inputs, p.outputs, result.logits):
        assert isinstance(arr, np.ndarray) and arr.flags.c_contiguous


# ----------------------------------------------------------------------------------------- untouched
@pytest.mark.parametrize("name", ["nin", "resnet-small", "googlenet", "vgg11"])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_probe_leaves_mode_gradients_and_batchnorm_statistics_exactly_as_before(name, mode):
    spec = next(s for s in SPECS if s.name == name)
    model = small_model(spec, batchnorm=True)
    c, side, _ = spec.input_size
    # Gradients and running statistics that the probe must leave alone.
    model.train()
    out = model(torch.randn(2, c, side, side))
    out.logsumexp(1).sum().backward()
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
    model.train(mode == "train")
    before = model_state(model)
    trainer = fake_trainer(model, spec.input_size)
    probe = Probe(interval=0)
    probe.trainer = trainer
    probe.set_wanted([(layer.module, layer.kind) for layer in spec.probe_layers], output=True)
    snap = probe.probe(trainer)
    assert snap is not None and (snap.features or snap.gap)
    assert_same_state(before, model_state(model))
    assert all(not m._forward_hooks for m in model.modules())


def test_hooks_are_removed_and_mode_restored_when_the_forward_fails():
    spec = next(s for s in SPECS if s.name == "nin")
    model = small_model(spec)
    model.train()
    with pytest.raises(RuntimeError):
        capture(model, torch.randn(1, 3, 28, 28), all_requests(spec))  # wrong channel count
    assert model.training and all(m.training for m in model.modules())
    assert all(not m._forward_hooks for m in model.modules())


def test_training_with_the_probe_gives_the_same_weights_as_without():
    """The probe draws no random numbers and changes nothing: the same seed gives bit-identical weights
    (NiN has dropout, which would consume the random stream if the probe ran in train mode)."""
    spec = next(s for s in SPECS if s.name == "nin")
    xs = torch.randn(3, 8, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    ys = torch.randint(0, 10, (3, 8), generator=torch.Generator().manual_seed(2))

    def train(probe_between_steps: bool):
        model = small_model(spec, dropout=0.5)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        trainer = fake_trainer(model, spec.input_size)
        probe = Probe(interval=0)
        probe.trainer = trainer
        probe.set_wanted(all_requests(spec), output=True)
        torch.manual_seed(123)
        model.train()
        for x, y in zip(xs, ys):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
            if probe_between_steps:
                assert probe.probe(trainer) is not None
        return model.state_dict(), torch.rand(1)

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny batches: one thread is faster, and the same for both runs
    try:
        (a, ra), (b, rb) = train(False), train(True)
    finally:
        torch.set_num_threads(threads)
    for k in a:
        assert torch.equal(a[k], b[k]), k
    assert torch.equal(ra, rb)  # the global random stream is where it would have been


def test_probe_attached_to_a_real_trainer_probes_between_steps():
    cfg = make_config("lenet", "mnist-sample", subset=64, epochs=1, batch_size=16, device="cpu")
    trainer = Trainer(cfg)
    probe = Probe(interval=0, max_overhead=1.0).attach(trainer)
    assert trainer.step_hooks == [probe.on_step]
    probe.set_wanted({"act1", "act2"}, output=True)
    taken = []
    trainer.step_hooks.append(lambda t: taken.append(probe.mailbox.take()))  # the consumer
    result = trainer.run()
    assert result.status == "completed"
    snaps = [s for s in taken if s is not None]
    assert [s.step for s in snaps] == list(range(1, trainer.steps_per_epoch + 1))
    assert all(s.epoch == 1 and set(s.features) == {"act1", "act2"} for s in snaps)
    assert snaps[0].class_names == tuple(str(i) for i in range(10)) and snaps[0].label is not None
    assert trainer.model.training
    assert all(not m._forward_hooks for m in trainer.model.modules())
    probe.detach()
    assert trainer.step_hooks == [trainer.step_hooks[0]] and probe.trainer is None


# ----------------------------------------------------------------------------------------- mailbox
def test_mailbox_keeps_only_the_latest_and_notifies_on_empty_to_full():
    box = Mailbox()
    assert box.take() is None and not box.full
    assert box.put("a") is True
    assert box.put("b") is False and box.put("c") is False
    assert box.full and box.overwritten == 2
    assert box.peek() == "c"
    assert box.take() == "c" and box.take() is None
    assert box.put("d") is True  # empty to full again
    with pytest.raises(ValueError):
        box.put(None)


def test_mailbox_between_threads_loses_nothing_but_stale_items():
    box = Mailbox()
    got = []
    done = threading.Event()

    def producer():
        for i in range(2000):
            box.put(i)
        done.set()

    t = threading.Thread(target=producer)
    t.start()
    while not done.is_set() or box.full:
        item = box.take()
        if item is not None:
            got.append(item)
    t.join()
    assert got == sorted(got) and got[-1] == 1999  # in order, and the last one always arrives


# ----------------------------------------------------------------------------------------- probe rules
def lenet_trainer():
    spec = next(s for s in SPECS if s.name == "lenet")
    return fake_trainer(small_model(spec), spec.input_size)


def test_nothing_wanted_means_no_forward_at_all():
    trainer = lenet_trainer()
    probe = Probe(interval=0).attach(trainer)
    calls = []
    handle = trainer.model.register_forward_pre_hook(lambda *a: calls.append(1))
    for _ in range(5):
        for hook in trainer.step_hooks:
            hook(trainer)
    assert calls == [] and probe.forwards == 0 and probe.mailbox.take() is None
    probe.set_wanted(set(), output=True)  # the output view alone still needs a forward
    probe.on_step(trainer)
    handle.remove()
    assert calls == [1] and probe.mailbox.take() is not None


def test_probe_skips_while_the_mailbox_is_full_and_honours_the_interval():
    trainer = lenet_trainer()
    probe = Probe(interval=0, max_overhead=1.0).attach(trainer)
    probe.set_wanted({("act1", "feature")})
    probe.on_step(trainer)
    probe.on_step(trainer)
    probe.on_step(trainer)
    assert probe.forwards == 1  # the first snapshot was not taken yet
    assert probe.mailbox.take() is not None
    probe.on_step(trainer)
    assert probe.forwards == 2
    slow = Probe(interval=10.0).attach(trainer)
    slow.set_wanted({("act1", "feature")})
    slow.on_step(trainer)
    slow.mailbox.take()
    slow.on_step(trainer)
    assert slow.forwards == 1  # the next one is due in 10 s


def test_probe_overhead_is_bounded_by_spacing_out_slow_probes():
    trainer = lenet_trainer()
    probe = Probe(interval=0.0, max_overhead=0.05).attach(trainer)
    probe.set_wanted({("act1", "feature")})
    probe.on_step(trainer)
    t = probe.last_seconds
    assert probe._next_time - time.perf_counter() > 0.5 * t / 0.05 - t


def test_history_is_bounded_and_searchable():
    trainer = lenet_trainer()
    probe = Probe(interval=0, history=5)
    probe.trainer = trainer
    probe.set_wanted({("act1", "feature"), ("act2", "feature")})
    snaps = []
    for step in range(12):
        trainer.global_step = step
        snaps.append(probe.probe(trainer))
    hist = probe.history()
    assert [s.seq for s in hist] == [s.seq for s in snaps[-5:]]
    assert [s.step for s in hist] == list(range(7, 12))
    assert probe.find(hist[2].seq) is hist[2] and probe.find(snaps[0].seq) is None
    per = snaps[-1].nbytes
    assert per > 0 and probe.history_bytes() == sum(s.nbytes for s in hist)
    assert isinstance(snaps[-1], Snapshot) and set(snaps[-1].features) == {"act1", "act2"}


def test_probe_image_sample_and_user_image():
    trainer = lenet_trainer()
    probe = Probe(interval=0)
    probe.trainer = trainer
    probe.set_wanted({("act1", "feature")})
    probe.set_sample(3)
    s = probe.probe(trainer)
    assert s.label == int(trainer.test.labels[3]) and s.source == "test sample 3"
    np.testing.assert_array_equal(s.image, trainer.test.images[3, 0].numpy())
    probe.set_sample(3 + len(trainer.test))  # wraps around
    assert probe.probe(trainer).label == s.label
    digit = np.zeros((28, 28), np.uint8)
    digit[6:22, 12:16] = 255
    probe.set_image(digit, label=1)
    u = probe.probe(trainer)
    assert u.label == 1 and u.source == "your image"
    np.testing.assert_array_equal(u.image, digit)
    assert not np.array_equal(u.features["act1"].mosaic, s.features["act1"].mosaic)
    # A prepared input (core.insight.inference.Prepared has .image and .tensor) is used as it is.
    prepared = SimpleNamespace(image=digit.astype(np.float32) / 255,
                               tensor=trainer.preprocess(torch.from_numpy(digit)[None, None]))
    probe.set_image(prepared, source="your drawing")
    v = probe.probe(trainer)
    assert v.source == "your drawing" and v.label is None
    np.testing.assert_allclose(v.logits, u.logits, rtol=1e-5, atol=1e-5)
    assert probe.sample_index is None


def test_set_wanted_takes_the_kind_from_the_spec():
    cfg = make_config("nin", "mnist-sample", width=0.25)
    trainer = fake_trainer(build_model(cfg), (1, 28, 28))
    trainer.config = cfg
    probe = Probe(interval=0)
    probe.trainer = trainer
    probe.set_wanted({"block1.conv", "block1.mlp1", "classifier.relu2", "block2.conv"})
    assert probe.wanted == {"block1.conv": {"feature"}, "block1.mlp1": {"1x1"},
                            "classifier.relu2": {"gap"}, "block2.conv": {"feature"}}
    snap = probe.probe(trainer)
    assert set(snap.features) == {"block1.conv", "block2.conv"}
    assert set(snap.one_by_one) == {"block1.mlp1"} and set(snap.gap) == {"classifier.relu2"}
    with pytest.raises(ValueError):
        probe.set_wanted({("block1.conv", "histogram")})


def test_one_by_one_layers_lists_the_1x1_convolutions():
    spec = next(s for s in SPECS if s.name == "nin")
    names = one_by_one_layers(small_model(spec))
    assert {"block1.mlp1", "block1.mlp2", "block2.mlp1", "classifier.mlp2"} <= set(names)
    assert "block1.conv" not in names


def test_a_probe_error_never_breaks_training():
    trainer = lenet_trainer()
    probe = Probe(interval=0).attach(trainer)
    probe.set_wanted({("act1", "feature")})
    trainer.test = SimpleNamespace(images=None, labels=[])  # no sample to probe
    probe.on_step(trainer)
    assert probe.errors == 1 and "empty" in probe.last_error and probe.forwards == 0


def test_a_trainer_and_an_opened_run_are_what_the_probes_read(tmp_path):
    """The probes' targets are declared: a trainer has every attribute a probe reads before it is set up
    (None until then), and an opened run has the same ones."""
    from convscope.core.insight.target import ProbeTarget, TrainingTarget
    from convscope.core.runs.checkpoints import load_run
    from convscope.core.runs.opened_run import RunTarget
    from convscope.core.setup.config import make_config
    from convscope.core.training.engine import Trainer

    cfg = make_config("lenet", "mnist-sample", device="cpu", subset=32, epochs=1)
    trainer = Trainer(cfg, run_dir=str(tmp_path / "run"))
    assert isinstance(trainer, TrainingTarget) and isinstance(trainer, ProbeTarget)
    assert trainer.model is None and trainer.test is None and trainer.device is None
    assert Probe(interval=0).probe(trainer) is None  # nothing to look into yet
    assert trainer.run().status == "completed"
    opened = RunTarget.from_run(load_run(tmp_path / "run"))
    assert isinstance(opened, ProbeTarget) and not isinstance(opened, TrainingTarget)
    probe = Probe(interval=0)
    probe.set_wanted([("conv1", "feature")], output=True)
    for target in (trainer, opened):
        snap = probe.probe(target)
        assert snap.epoch == 1 and snap.step == target.global_step and snap.class_names == tuple(cfg.info.classes)
