"""The model zoo: every architecture builds, runs, exposes its probe layers and has the documented size."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from convscope.core.models import (
    ModelOptionError,
    UnknownModelError,
    count_flops,
    count_params,
    create_model,
    get_spec,
    list_models,
)

ALL = [spec.name for spec in list_models()]
EXPECTED = {
    "lenet", "lenet-cifar", "alexnet", "vgg11", "nin", "googlenet", "inception-net", "resnet18",
    "resnet-small",
}
# Big networks whose d2l form is built thin in the tests, so they stay fast on a CPU.
THIN_D2L = {"alexnet": 0.125, "vgg11": 0.125, "nin": 0.125, "googlenet": 0.25, "resnet18": 0.25}


def _forward(model: nn.Module, shape: tuple[int, ...]) -> torch.Tensor:
    model.eval()
    with torch.no_grad():
        return model(torch.randn(*shape))


def _hooked_shapes(model: nn.Module, modules: list[str], shape: tuple[int, ...]) -> dict[str, tuple]:
    """Output shape of each named module during one forward pass."""
    seen: dict[str, tuple] = {}
    handles = []
    for name in modules:
        def hook(_module, _inputs, output, name=name):
            seen.setdefault(name, tuple(output.shape))
        handles.append(model.get_submodule(name).register_forward_hook(hook))
    try:
        _forward(model, shape)
    finally:
        for handle in handles:
            handle.remove()
    return seen


def test_registry_has_the_curriculum():
    assert EXPECTED <= set(ALL)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_spec_is_complete(name):
    spec = get_spec(name)
    assert spec.family and spec.display_name and spec.description and spec.paper
    assert "\n" not in spec.description
    assert len(spec.input_size) == 3
    assert spec.min_size <= spec.input_size[1]
    assert spec.probe_layers, "every architecture shows at least one layer"
    assert any(p.kind == "feature" for p in spec.probe_layers)
    d = spec.defaults
    assert d["optimizer"] in ("sgd", "adam", "adamw")
    assert d["schedule"] in ("constant", "step", "cosine", "onecycle")
    assert d["lr"] > 0 and d["batch_size"] > 0 and d["epochs"] > 0 and d["weight_decay"] >= 0
    if d["optimizer"] == "sgd":
        assert "momentum" in d


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_builds_at_default_input(name):
    spec = get_spec(name)
    model = create_model(name)
    out = _forward(model, (2, *spec.input_size))
    assert out.shape == (2, 10)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("num_classes", [10, 7])
@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32)])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_native_form_on_small_images(name, shape, num_classes):
    spec = get_spec(name)
    if shape[1] < spec.min_size:
        pytest.skip(f"{name} needs at least {spec.min_size} px")
    kwargs = {"width": 0.25} if "width" in spec.options else {}
    model = create_model(name, in_channels=shape[0], input_size=shape[1], num_classes=num_classes, **kwargs)
    assert _forward(model, (2, *shape)).shape == (2, num_classes)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_probe_layers_native(name):
    spec = get_spec(name)
    options = {"width": 0.25} if "width" in spec.options else {}
    model = create_model(name, num_classes=7, **options)
    shapes = _hooked_shapes(model, [p.module for p in spec.probe_layers], (1, *spec.input_size))
    for probe in spec.probe_layers:
        assert probe.label
        assert len(shapes[probe.module]) == 4, f"{name}.{probe.module} is not a (B, C, H, W) map"
        if probe.kind == "1x1":
            layer = model.get_submodule(probe.module)
            assert isinstance(layer, nn.Conv2d) and layer.kernel_size == (1, 1)


@pytest.mark.parametrize("name", [n for n in sorted(EXPECTED) if get_spec(n).d2l_size])
def test_d2l_form_and_its_probe_layers(name):
    spec = get_spec(name)
    options = {"width": THIN_D2L[name]} if name in THIN_D2L else {}
    model = create_model(name, form="d2l", num_classes=7, **options)
    side = spec.d2l_size
    shapes = _hooked_shapes(model, [p.module for p in spec.probe_layers], (1, 1, side, side))
    for probe in spec.probe_layers:
        assert len(shapes[probe.module]) == 4, f"{name}.{probe.module} (d2l form)"
    assert _forward(model, (1, 1, side, side)).shape == (1, 7)


def test_d2l_sizes():
    assert get_spec("alexnet").d2l_size == 224
    assert get_spec("vgg11").d2l_size == 224
    assert get_spec("nin").d2l_size == 224
    assert get_spec("googlenet").d2l_size == 96
    assert get_spec("resnet18").d2l_size == 96
    assert get_spec("resnet-small").d2l_size is None
    assert get_spec("inception-net").d2l_size is None


def test_nin_d2l_form_takes_224_px():
    model = create_model("nin", form="d2l", width=0.125)
    assert _forward(model, (1, 1, 224, 224)).shape == (1, 10)
    with pytest.raises(RuntimeError):
        _forward(model, (1, 1, 28, 28))  # too small for the 11×11/4 stem and three pools


@pytest.mark.parametrize("form,side", [("native", 28), ("d2l", 224)])
def test_nin_gap_maps_are_per_class(form, side):
    width = 0.125 if form == "d2l" else 1.0
    model = create_model("nin", form=form, num_classes=7, width=width)
    gap = [p.module for p in get_spec("nin").probe_layers if p.kind == "gap"]
    assert len(gap) == 1
    shape = _hooked_shapes(model, gap, (2, 1, side, side))[gap[0]]
    assert shape[:2] == (2, 7)


def test_nin_one_by_one_probes_see_input_and_output():
    model = create_model("nin")
    seen = {}
    mlp = model.get_submodule("block1.mlp1")
    handle = mlp.register_forward_hook(lambda m, i, o: seen.update(inp=i[0].shape, out=o.shape))
    _forward(model, (1, 1, 28, 28))
    handle.remove()
    assert seen["inp"] == seen["out"] == (1, 96, 28, 28)
    assert mlp.weight.shape == (96, 96, 1, 1)


@pytest.mark.parametrize("name,shape,expected", [
    ("nin", (1, 28, 28), 790_630),
    ("inception-net", (1, 28, 28), 97_298),
    ("lenet-cifar", (3, 32, 32), 40_010),
])
def test_exact_parameter_counts(name, shape, expected):
    model = create_model(name, in_channels=shape[0], input_size=shape[1], num_classes=10)
    assert count_params(model) == expected


def test_book_sized_networks():
    # ResNet-18 of the book on 1×96×96 Fashion-MNIST has 11,178,378 parameters.
    assert count_params(create_model("resnet18", form="d2l")) == 11_178_378
    # AlexNet at 224 px: 6400 features reach the first fully connected layer.
    alexnet = create_model("alexnet", form="d2l", width=0.125)
    assert alexnet.fc1.in_features == scaled_channels(256, 0.125) * 5 * 5
    assert create_model("alexnet", form="d2l").fc1.in_features == 6400


def scaled_channels(channels: int, width: float) -> int:
    from convscope.core.models.registry import scaled

    return scaled(channels, width)


def test_nin_width_scales_hidden_channels_only():
    model = create_model("nin", width=0.5, num_classes=7)
    assert model.block1.conv.out_channels == 48
    assert model.block2.conv.out_channels == 128
    assert model.classifier.conv.out_channels == 7
    full = create_model("nin")
    assert full.block1.conv.out_channels == 96 and full.block2.conv.out_channels == 256


def _count(model: nn.Module, kind: type) -> int:
    return sum(isinstance(m, kind) for m in model.modules())


def test_resnet_small_options():
    default = create_model("resnet-small")
    assert _count(default, nn.BatchNorm2d) == 1 + 3 * 3  # stem + (2 in the block + 1 on the shortcut) × 3
    assert default.get_submodule("blk1.shortcut.conv").kernel_size == (1, 1)

    no_bn = create_model("resnet-small", batchnorm=False)
    assert _count(no_bn, nn.BatchNorm2d) == 0
    assert _forward(no_bn, (2, 3, 32, 32)).shape == (2, 10)

    plain = create_model("resnet-small", shortcut=False)
    convs = [m for m in plain.modules() if isinstance(m, nn.Conv2d)]
    assert all(c.kernel_size == (3, 3) for c in convs) and len(convs) == 1 + 2 * 3
    with pytest.raises(AttributeError):
        plain.get_submodule("blk1.shortcut.conv")
    assert _forward(plain, (2, 3, 32, 32)).shape == (2, 10)


def test_resnet_small_shortcut_changes_the_output():
    torch.manual_seed(0)
    with_skip = create_model("resnet-small")
    torch.manual_seed(0)
    without = create_model("resnet-small", shortcut=False)
    # Same main-path weights; only the skip connections differ.
    without.load_state_dict(
        {k: v for k, v in with_skip.state_dict().items() if "shortcut" not in k}, strict=True
    )
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert not torch.allclose(with_skip.eval()(x), without.eval()(x))


def test_resnet18_options():
    model = create_model("resnet18", width=0.25)
    assert _count(model, nn.BatchNorm2d) > 0
    no_bn = create_model("resnet18", width=0.25, batchnorm=False)
    assert _count(no_bn, nn.BatchNorm2d) == 0
    plain = create_model("resnet18", width=0.25, shortcut=False)
    assert all(m.kernel_size != (1, 1) for m in plain.modules() if isinstance(m, nn.Conv2d))
    for m in (no_bn, plain):
        assert _forward(m, (2, 1, 28, 28)).shape == (2, 10)


@pytest.mark.parametrize("name", ["alexnet", "vgg11", "nin", "googlenet"])
def test_batchnorm_option_adds_batch_norm(name):
    assert _count(create_model(name, width=0.25), nn.BatchNorm2d) == 0
    with_bn = create_model(name, width=0.25, batchnorm=True)
    assert _count(with_bn, nn.BatchNorm2d) > 0
    with_bn.train()
    out = with_bn(torch.randn(4, 1, 28, 28))
    assert out.shape == (4, 10)


def test_width_shrinks_the_network():
    for name in ("alexnet", "vgg11", "nin", "googlenet", "resnet18", "resnet-small"):
        small = count_params(create_model(name, width=0.25))
        assert small < count_params(create_model(name, width=0.5)), name


def test_dropout_option_reaches_the_layers():
    model = create_model("alexnet", width=0.125, dropout=0.2)
    assert {m.p for m in model.modules() if isinstance(m, nn.Dropout)} == {0.2}
    assert {m.p for m in create_model("nin").modules() if isinstance(m, nn.Dropout)} == {0.5}


@pytest.mark.parametrize("name,option", [
    ("inception-net", {"width": 0.5}),
    ("nin", {"shortcut": False}),
    ("resnet-small", {"dropout": 0.1}),
    ("googlenet", {"dropout": 0.1}),
    ("alexnet", {"colour": "red"}),
])
def test_unknown_options_are_refused(name, option):
    with pytest.raises(ModelOptionError):
        create_model(name, **option)


def test_single_form_models_have_no_d2l_form():
    with pytest.raises(ModelOptionError):
        create_model("inception-net", form="d2l")
    with pytest.raises(ModelOptionError):
        create_model("resnet-small", form="d2l")


@pytest.mark.parametrize("name,form,side", [
    ("alexnet", "native", 4),
    ("alexnet", "d2l", 32),
    ("vgg11", "native", 4),
    ("vgg11", "d2l", 16),
    ("nin", "native", 4),
    ("nin", "d2l", 28),
    ("googlenet", "native", 4),
    ("inception-net", "native", 12),
    ("resnet18", "native", 4),
    ("resnet-small", "native", 4),
])
def test_too_small_input_is_refused(name, form, side):
    options = {"width": 0.125} if "width" in get_spec(name).options else {}
    with pytest.raises(ModelOptionError, match="at least"):
        create_model(name, form=form, input_size=side, **options)


def test_smallest_allowed_input_runs():
    for name in ("alexnet", "vgg11", "nin", "googlenet", "resnet18", "resnet-small", "inception-net"):
        spec = get_spec(name)
        options = {"width": 0.125} if "width" in spec.options else {}
        side = spec.min_size
        model = create_model(name, input_size=side, **options)
        assert _forward(model, (1, 1 if spec.input_size[0] == 1 else 3, side, side)).shape == (1, 10)
    # The d2l forms at their smallest accepted sides.
    from convscope.core.models import alexnet, nin, vgg

    for name, minimum in (("alexnet", alexnet.D2L_MIN_SIZE), ("nin", nin.D2L_MIN_SIZE),
                          ("vgg11", vgg.D2L_MIN_SIZE)):
        model = create_model(name, form="d2l", input_size=minimum, width=0.125)
        assert _forward(model, (1, 1, minimum, minimum)).shape == (1, 10)
        with pytest.raises(ModelOptionError):
            create_model(name, form="d2l", input_size=minimum - 1, width=0.125)


def test_count_flops_grows_with_input():
    model = create_model("nin", width=0.25)
    small = count_flops(model, (1, 28, 28))
    large = count_flops(model, (1, 32, 32))
    assert isinstance(small, int) and small > 0
    assert large > small
    resnet = create_model("resnet-small")
    assert count_flops(resnet, (3, 32, 32)) > count_flops(resnet, (3, 16, 16)) > 0


def test_unknown_name_suggests_the_closest():
    with pytest.raises(UnknownModelError, match="lenet'"):
        get_spec("lenett")
    with pytest.raises(UnknownModelError, match="Did you mean 'lenet'"):
        create_model("lenett")


def test_models_learn_a_step():
    # One optimisation step on a fixed batch lowers the loss for the small native networks.
    torch.manual_seed(0)
    x, y = torch.randn(8, 1, 28, 28), torch.randint(0, 10, (8,))
    options = {"nin": {"dropout": 0.0, "width": 0.25}, "resnet-small": {"width": 0.5}}
    for name in ("nin", "inception-net", "resnet-small"):
        model = create_model(name, in_channels=1, input_size=28, **options.get(name, {}))
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        losses = []
        for _ in range(3):
            loss = nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert losses[-1] < losses[0], name


def test_nin_class_whose_score_map_goes_negative_still_learns():
    """A class whose whole score map is below 0 must still get a gradient: behind a ReLU it would score 0 on
    every image for ever (the native NiN has no ReLU in front of its scores; the book's d2l form keeps it)."""
    torch.manual_seed(0)
    for form, side, alive in (("native", 28, True), ("d2l", 96, False)):
        model = create_model("nin", form=form, width=0.125)
        with torch.no_grad():
            model.classifier.mlp2.bias[3] = -100.0  # class 3's map: below 0 everywhere
        scores = model(torch.rand(4, 1, side, side))
        assert (scores[:, 3] < 0).all() == alive and (scores[:, 3] == 0).all() != alive
        torch.nn.functional.cross_entropy(scores, torch.full((4,), 3)).backward()
        assert (model.classifier.mlp2.bias.grad[3].abs() > 0).item() == alive, form
