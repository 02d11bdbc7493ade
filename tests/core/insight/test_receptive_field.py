"""Receptive fields: the theoretical field of every probe layer of every architecture equals an independent
computation (a gradient's extent), and a trained LeNet's effective field sits inside it."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from convscope.core.insight.receptive_field import (
    Axis,
    FieldWatcher,
    LayerField,
    effective_field,
    heat_measures,
    probe_layer_names,
    radius,
    theoretical_fields,
)
from convscope.core.models import create_model, get_spec, list_models


# ----------------------------------------------------------------------- the independent computation
class _EqualWeights(nn.Module):
    """A convolution whose weights are all the same positive number (1 / fan-in), bias 0, computed the
    cheap way: with equal weights every output channel is the same map, the input channels' mean convolved
    with a k×k kernel of equal weights (same stride, padding and dilation), so one channel is computed and
    repeated (a view) as many times as the layer has outputs."""

    def __init__(self, conv: nn.Conv2d):
        super().__init__()
        self.out_channels, self.stride, self.padding, self.dilation = (
            conv.out_channels, conv.stride, conv.padding, conv.dilation)
        k = conv.kernel_size
        self.register_buffer("weight", torch.full((1, 1, *k), 1.0 / (k[0] * k[1]), dtype=torch.float64))

    def forward(self, x):
        y = nn.functional.conv2d(x.mean(1, keepdim=True), self.weight, None, self.stride, self.padding,
                                 self.dilation)
        return y.expand(-1, self.out_channels, -1, -1)


def _replace(model: nn.Module) -> nn.Module:
    """A float64 copy where every unit passes a positive signal on: every convolution with equal positive
    weights and no bias, max-pools → average pools of the same window, BatchNorm, activations and dropout →
    identity. Nothing of it comes from the code under test."""
    m = copy.deepcopy(model).double()
    for name, module in list(m.named_modules()):
        if not name:
            continue
        parent_name, _, leaf = name.rpartition(".")
        parent = m.get_submodule(parent_name) if parent_name else m
        new = None
        if isinstance(module, nn.Conv2d):
            assert module.padding_mode == "zeros"
            new = _EqualWeights(module)
        elif isinstance(module, nn.MaxPool2d):
            new = nn.AvgPool2d(module.kernel_size, module.stride, module.padding, ceil_mode=module.ceil_mode)
        elif isinstance(module, (nn.BatchNorm2d, nn.ReLU, nn.Sigmoid, nn.Dropout)):
            new = nn.Identity()
        if new is not None:
            setattr(parent, leaf, new)
    return m.eval()


def _extent(grad: torch.Tensor) -> tuple[int, int, int, int]:
    nz = grad[0].abs().sum(0) > 0
    rows, cols = torch.nonzero(nz.any(1)).flatten(), torch.nonzero(nz.any(0)).flatten()
    return int(rows.min()), int(cols.min()), int(rows.max()), int(cols.max())


class _Stop(Exception):
    pass


def _gradient_fields(model: nn.Module, in_channels: int, layers: list[str], side: int = 64,
                     limit: int = 2048) -> dict[str, tuple[tuple[int, int], tuple[int, int], tuple[int, int]]]:
    """Per layer: (size, stride, first pixel) of the centre unit's field, measured as the non-zero extent of
    the gradient of the centre unit (all channels) w.r.t. an all-ones input, on an input large enough that
    the extent does not touch its border; the stride from the extent of the centre and its diagonal
    neighbour together."""
    probe = _replace(model).requires_grad_(False)  # only the input's gradient is wanted
    found: dict = {}
    todo = list(layers)
    while todo:
        assert side <= limit, f"the fields of {todo} reach past a {limit}×{limit} input"
        outputs: dict = {}
        wanted = set(todo)

        def hook_for(name, outputs=outputs, wanted=wanted):
            def hook(_m, _i, result):
                outputs[name] = result
                if wanted <= set(outputs):
                    raise _Stop
            return hook

        handles = [probe.get_submodule(n).register_forward_hook(hook_for(n)) for n in todo]
        x = torch.ones(1, in_channels, side, side, dtype=torch.float64, requires_grad=True)
        try:
            probe(x)
        except _Stop:
            pass
        except RuntimeError:  # too small for the network's pools: try a larger input
            outputs.clear()
        finally:
            for h in handles:
                h.remove()
        again = []
        for name in todo:
            out = outputs.get(name)
            cy, cx = (out.shape[2] // 2, out.shape[3] // 2) if out is not None else (0, 0)
            if out is None or cy + 1 >= out.shape[2] or cx + 1 >= out.shape[3]:
                again.append(name)
                continue
            (g,) = torch.autograd.grad(out[0, :, cy, cx].sum(), x, retain_graph=True)
            y0, x0, y1, x1 = _extent(g)
            (g2,) = torch.autograd.grad(out[0, :, cy, cx].sum() + out[0, :, cy + 1, cx + 1].sum(), x,
                                        retain_graph=True)
            _, _, y2, x2 = _extent(g2)
            if min(y0, x0) == 0 or max(y2, x2) == side - 1:  # clipped by the image: measure on a larger one
                again.append(name)
                continue
            found[name] = ((y1 - y0 + 1, x1 - x0 + 1), (y2 - y1, x2 - x1), (y0, x0), side)
        todo, side = again, side * 2
    return found


def _check_against_gradients(model, in_channels, side, layers):
    theory = theoretical_fields(model, (in_channels, side, side), layers)
    assert list(theory) == layers
    measured = _gradient_fields(model, in_channels, layers, side=side)
    shapes_only = copy.deepcopy(model).to("meta")
    for big in {m[3] for m in measured.values()}:
        names = [n for n in layers if measured[n][3] == big]
        # The same network on the larger input puts the centre unit's unclipped box where the gradient is.
        at_big = theoretical_fields(shapes_only, (in_channels, big, big), names)
        for name in names:
            size, stride, first, _ = measured[name]
            assert theory[name].size == size, name
            assert theory[name].stride == stride, name
            y0, x0, _, _ = at_big[name].box(*at_big[name].centre_unit(), clip=False)
            assert (y0, x0) == first, name
    return theory


def _small(spec, form):
    options = {"width": 0.0625} if "width" in spec.options else {}
    if "dropout" in spec.options:
        options["dropout"] = 0.0
    side = spec.input_side(form, spec.input_size[1])
    return create_model(spec.name, form=form, input_size=side, **options), spec.input_size[0], side


CASES = [(spec.name, form) for spec in list_models() for form in spec.forms]


@pytest.mark.parametrize("arch,form", CASES)
def test_every_probe_layer_of_every_architecture_matches_the_gradient_extent(arch, form):
    spec = get_spec(arch)
    model, c, side = _small(spec, form)
    layers = probe_layer_names(spec)
    theory = _check_against_gradients(model, c, side, layers)
    for name in layers:  # and the output shapes are the network's own
        out = {}
        h = model.get_submodule(name).register_forward_hook(lambda _m, _i, o, out=out: out.setdefault("o", o))
        with torch.no_grad():
            model.eval()(torch.zeros(1, c, side, side))
        h.remove()
        assert theory[name].shape == tuple(out["o"].shape[1:])


# ------------------------------------------------------------------------------ explicit architectures
def _fields(arch, form="native", layers=None, **options):
    spec = get_spec(arch)
    side = spec.input_side(form, spec.input_size[1])
    model = create_model(arch, form=form, **options)
    return theoretical_fields(model, (spec.input_size[0], side, side), layers or probe_layer_names(spec))


def test_lenet_pooling_grows_the_field():
    f = _fields("lenet")
    assert f["act1"].size == (5, 5) and f["act1"].stride == (1, 1)
    # conv 5×5 → pool 2×2/2 → conv 5×5: 5 + 1 + 4·2 = 14 pixels, neighbours 2 apart.
    assert f["act2"].size == (14, 14) and f["act2"].stride == (2, 2)
    assert f["act2"].shape == (16, 10, 10)
    # The centre unit (5, 5) sees rows 8..21 (the first convolution pads by 2).
    assert f["act2"].box(5, 5) == (8, 8, 21, 21)
    assert f["act2"].box(0, 0) == (0, 0, 11, 11) and f["act2"].box(0, 0, clip=False) == (-2, -2, 11, 11)
    # Without padding (LeNet on 32×32) the first field starts at pixel 0.
    g = theoretical_fields(create_model("lenet", input_size=32), (1, 32, 32), ["act2"])["act2"]
    assert g.box(0, 0, clip=False) == (0, 0, 13, 13) and g.shape == (16, 10, 10)


def test_vgg_two_3x3_convolutions_see_as_much_as_one_5x5():
    f = _fields("vgg11", layers=["block3.relu1", "block3.relu2"], width=0.0625)
    # Two stacked 3×3 convolutions at stride 4 grow the field by 2·2·4 = 16 pixels, one 5×5 by 4·4 = 16.
    assert f["block3.relu2"].size[0] - f["block3.relu1"].size[0] == 8
    five = nn.Sequential(nn.Conv2d(1, 1, 5, padding=2))
    three = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.ReLU(), nn.Conv2d(1, 1, 3, padding=1))
    a = theoretical_fields(five, (1, 20, 20), ["0"])["0"]
    b = theoretical_fields(three, (1, 20, 20), ["2"])["2"]
    assert a.size == b.size == (5, 5) and a.box(7, 7) == b.box(7, 7) == (5, 5, 9, 9)
    assert _check_against_gradients(three, 1, 20, ["2"])["2"].size == (5, 5)


def test_nin_1x1_convolutions_leave_the_field_as_it_is():
    for form in ("native", "d2l"):
        f = _fields("nin", form, width=0.0625)
        assert f["block1.mlp1"].size == f["block1.mlp2"].size == f["block1.conv"].size
        assert f["block1.mlp2"].stride == f["block1.conv"].stride
        assert f["block1.mlp2"].box(3, 3) == f["block1.conv"].box(3, 3)
    assert _fields("nin", "d2l", width=0.0625)["block1.conv"].size == (11, 11)


def test_inception_output_is_as_wide_as_its_widest_branch():
    layers = ["incep1.branch1x1", "incep1.branch5x5_2", "incep1.branch3x3_3", "incep1.branch_pool", "incep1"]
    f = _fields("inception-net", layers=layers)
    widest = max(f[n].size[0] for n in layers[:-1])
    assert f["incep1"].size == (widest, widest) == (14, 14)
    assert f["incep1.branch1x1"].size == (6, 6) and f["incep1.branch_pool"].size == (10, 10)
    assert f["incep1"].box(6, 6, clip=False) == f["incep1.branch5x5_2"].box(6, 6, clip=False)
    model = create_model("inception-net")
    _check_against_gradients(model, 1, 28, layers)
    g = _fields("googlenet", layers=["b3.inc1.conv1", "b3.inc1.conv3", "b3.inc1.conv5", "b3.inc1"], width=0.0625)
    assert g["b3.inc1"].size == g["b3.inc1.conv5"].size == (15, 15) and g["b3.inc1.conv1"].size == (7, 7)


@pytest.mark.parametrize("shortcut", [True, False])
def test_resnet_with_and_without_shortcuts(shortcut):
    f = _fields("resnet-small", layers=["stem", "blk1", "blk1.shortcut.conv", "blk1.conv2", "blk3"],
                width=0.25, shortcut=shortcut) if shortcut else \
        _fields("resnet-small", layers=["stem", "blk1", "blk1.conv2", "blk3"], width=0.25, shortcut=False)
    # stem 3 → conv 3×3/2: 3 + 2 = 5 → conv 3×3: 5 + 2·2 = 9; the shortcut path is narrower (3).
    assert f["blk1"].size == f["blk1.conv2"].size == (9, 9) and f["blk1"].stride == (2, 2)
    if shortcut:
        assert f["blk1.shortcut.conv"].size == (3, 3)
    assert f["blk3"].size == (45, 45) and f["blk3"].stride == (8, 8)
    model = create_model("resnet-small", width=0.25, shortcut=shortcut)
    _check_against_gradients(model, 3, 32, list(f))


class _WideShortcut(nn.Module):
    """A residual block whose shortcut is wider than its main path: the union must be the shortcut's."""

    def __init__(self):
        super().__init__()
        self.main = nn.Conv2d(1, 2, 3, padding=1)
        self.side = nn.Conv2d(1, 2, 7, padding=3, dilation=1)
        self.dilated = nn.Conv2d(2, 2, 3, padding=2, dilation=2)

    def forward(self, x):
        return self.dilated(torch.relu(self.main(x) + self.side(x)))


def test_a_sum_covers_both_paths_and_dilation_counts():
    f = theoretical_fields(_WideShortcut(), (1, 30, 30), ["main", "side", "dilated"])
    assert f["main"].size == (3, 3) and f["side"].size == (7, 7)
    assert f["dilated"].size == (7 + 4, 7 + 4)  # a 3×3 kernel with dilation 2 spans 5 pixels
    _check_against_gradients(_WideShortcut(), 1, 30, ["main", "side", "dilated"])


def test_any_input_size_and_meta_device():
    with torch.device("meta"):
        model = create_model("resnet18", form="d2l", width=0.0625)
    f = theoretical_fields(model, (1, 128, 160), ["b5"])["b5"]
    assert f.size == (435, 435) and f.stride == (32, 32) and f.shape[1:] == (4, 5)
    assert f.box(*f.centre_unit()) == (0, 0, 127, 159)  # the field covers the whole image
    with pytest.raises(KeyError, match="no module"):
        theoretical_fields(model, (1, 96, 96), ["b9"])


def test_axis_and_units():
    a = Axis(-2, 2, 14)
    assert a.span(5) == (8, 21) and a.centre(5) == 14.5
    assert a.through(3, 2, 1) == Axis(-4, 4, 18)
    assert a.union(Axis(0, 2, 20)) == Axis(-2, 2, 22)
    lf = LayerField("l", (4, 10, 10), (28, 28), a, a)
    with pytest.raises(ValueError, match="outside"):
        lf.check_unit(10, 0)
    with pytest.raises(ValueError, match="channel 0..3"):
        lf.check_unit(0, 0, channel=4)


def test_radius_and_inside_share_of_known_maps():
    heat = np.zeros((9, 9), np.float32)
    heat[4, 4] = 0.5
    heat[4, 6] = 0.5  # 2 px to the right of the centre
    assert radius(heat, (4.0, 4.0), 0.5) == 0.0
    assert radius(heat, (4.0, 4.0), 0.9) == 2.0
    r50, r90, inside = heat_measures(heat, (4.0, 4.0), (3, 3, 5, 6))
    assert (r50, r90, inside) == (0.0, 2.0, 1.0)
    assert heat_measures(heat, (4.0, 4.0), (0, 0, 4, 4))[2] == 0.5
    assert np.isnan(radius(np.zeros((3, 3)), (1.0, 1.0), 0.5))


# ------------------------------------------------------------------------------------- effective field
@pytest.fixture(scope="module")
def trained_lenet():
    from convscope.core.data.datasets import get_info
    from convscope.core.data.loading import Preprocess, load_split

    info = get_info("mnist-sample")
    xs, ys = load_split("mnist-sample", "train")
    xt, _ = load_split("mnist-sample", "test")
    pre = Preprocess(info, 28, 1)
    torch.manual_seed(0)
    untrained = create_model("lenet")
    model = copy.deepcopy(untrained)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(0)
    x_all, y_all = pre(torch.from_numpy(xs)), torch.from_numpy(ys)
    for _ in range(60):  # enough to leave chance far behind (~80 % on the test split)
        idx = torch.randint(0, len(y_all), (32,), generator=g)
        loss = nn.functional.cross_entropy(model(x_all[idx]), y_all[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.zero_grad(set_to_none=True)
    return untrained, model, pre(torch.from_numpy(xt[:16]))


def test_trained_lenet_effective_field_is_inside_its_box_and_concentrated(trained_lenet):
    untrained, model, x = trained_lenet
    theory = theoretical_fields(model, (1, 28, 28), ["act1", "act2"])
    before = {n: p.detach().clone() for n, p in model.state_dict().items()}
    model.train()
    ef = effective_field(model, x, "act2", theory["act2"])
    assert model.training  # its mode is restored
    assert all(p.grad is None for p in model.parameters())  # no parameter gradient kept
    assert all(torch.equal(before[n], p) for n, p in model.state_dict().items())
    assert ef.heat.shape == (28, 28) and ef.heat.sum() == pytest.approx(1.0, abs=1e-5)
    assert ef.box == (8, 8, 21, 21) and ef.centre == (14.5, 14.5) and ef.unit == (None, 5, 5)
    assert ef.inside_share >= 0.99
    # More concentrated than heat spread evenly over the box, and half of it within half the box's size.
    even = np.zeros((28, 28), np.float32)
    even[8:22, 8:22] = 1 / 196
    assert ef.r90 < heat_measures(even, ef.centre, ef.box)[1]
    assert ef.r50 < theory["act2"].size[0] / 2 and ef.r50 < ef.r90
    first = effective_field(untrained, x, "act2", theory["act2"])
    assert first.inside_share >= 0.99 and first.r90 <= heat_measures(even, ef.centre, ef.box)[1]
    # A chosen channel and position: still inside its own (shifted) box.
    one = effective_field(model, x, "act2", theory["act2"], (3, 2, 7))
    assert one.box == theory["act2"].box(2, 7) == (2, 12, 15, 25) and one.inside_share >= 0.99
    assert one.heat[:2].sum() == 0 and one.heat[:, :12].sum() == 0
    with pytest.raises(ValueError, match="outside"):
        effective_field(model, x, "act2", theory["act2"], (16, 0, 0))


def test_watcher_computes_between_steps_within_its_budget(trained_lenet):
    _, model, x = trained_lenet
    from convscope.core.setup.config import make_config

    class Target:
        config = make_config("lenet", "mnist-sample")
        info = config.info
        device = torch.device("cpu")
        preprocess = None
        epochs_done, global_step = 0, 7
        step_hooks: list = []

        class test:  # noqa: N801 - the DeviceSplit's attribute
            images = (x[:4] * 0.3081 + 0.1307).mul(255).round().clamp(0, 255).to(torch.uint8)

    target = Target()
    target.model = model
    watcher = FieldWatcher(images=4, interval=0.0, max_overhead=0.5).attach(target)
    assert target.step_hooks == [watcher.on_step]
    watcher.on_step(target)
    assert watcher.mailbox.take() is None  # not shown: nothing computed
    watcher.enabled = True
    watcher.on_step(target)
    assert watcher.mailbox.take() is None  # nothing chosen yet
    watcher.choose("act2", (0, 5, 5))
    watcher.on_step(target)
    report = watcher.mailbox.take()
    assert report is not None and report.step == 7 and report.chosen.unit == (0, 5, 5)
    assert set(report.table) == {"act1", "act2"} and report.table["act1"][1] <= 5
    assert report.theory["act2"].size == (14, 14) and report.chosen.box == (8, 8, 21, 21)
    assert watcher.history("act2", (0, 5, 5)) == [(7, "act2", (0, 5, 5), report.chosen.r50, report.chosen.r90)]
    assert watcher.history("act1", None) == []
    watcher.on_step(target)  # waits seconds / max_overhead before the next
    assert watcher.mailbox.take() is None and watcher.computations == 1
    watcher.detach()
    assert target.step_hooks == []
    # Outside training: on a copy of the model, made once per step; the model's own mode is untouched.
    model.train()
    watcher.choose("act1", None)
    frozen = watcher.compute(target, frozen=True)
    assert frozen.chosen.unit == (None, 14, 14) and frozen.chosen.box == (12, 12, 16, 16)
    assert model.training and watcher._frozen[2] is not model
    copy_ = watcher._frozen[2]
    watcher.compute(target, frozen=True)
    assert watcher._frozen[2] is copy_  # the same step: the same copy
    assert [r[:3] for r in watcher.history()] == [(7, "act2", (0, 5, 5)), (7, "act1", None)]
    target.global_step = 2  # a new run: its curve starts again
    watcher.compute(target, frozen=True)
    assert [r[:3] for r in watcher.history()] == [(2, "act1", None)]


def test_an_op_that_changes_the_size_in_an_unknown_way_ends_the_field():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Upsample(scale_factor=2), nn.Conv2d(2, 2, 3), nn.Flatten())
    f = theoretical_fields(model, (1, 12, 12), ["0", "1", "2", "3"])
    assert list(f) == ["0"] and f["0"].size == (3, 3)  # the forward pass itself went through


def test_textbook_lenets_effective_field_is_well_inside_half_its_box_once_trained():
    """LeNet as the textbook builds it (sigmoid, average pooling: d2l 6.6): once trained, 90 % of its
    effective field lies within half the theoretical size of the centre; untrained it fills the box.
    (The ReLU/max-pool LeNet above does not shrink so: max pooling passes each gradient to one pixel of
    its window, and averaged over images those pixels spread over the whole box.)"""
    from convscope.core.data.datasets import get_info
    from convscope.core.data.loading import Preprocess, load_split

    pre = Preprocess(get_info("mnist-sample"), 28, 1)
    xs, ys = load_split("mnist-sample", "train")
    xt, yt = load_split("mnist-sample", "test")
    torch.manual_seed(0)
    untrained = create_model("lenet", activation="sigmoid")
    model = copy.deepcopy(untrained)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(0)
    x_all, y_all = pre(torch.from_numpy(xs)), torch.from_numpy(ys)
    for _ in range(200):
        idx = torch.randint(0, len(y_all), (32,), generator=g)
        loss = nn.functional.cross_entropy(model(x_all[idx]), y_all[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        accuracy = (model(pre(torch.from_numpy(xt))).argmax(1).numpy() == yt).mean()
    assert accuracy > 0.5  # it has learned something
    x = pre(torch.from_numpy(xt[:16]))
    theory = theoretical_fields(model, (1, 28, 28), ["act2"])["act2"]
    trained, first = effective_field(model, x, "act2", theory), effective_field(untrained, x, "act2", theory)
    assert theory.size == (14, 14)
    assert trained.inside_share >= 0.99 and first.inside_share >= 0.99
    assert trained.r90 < theory.size[0] / 2 <= first.r90 + 0.5
    assert trained.r90 < first.r90 and trained.r50 < first.r50
