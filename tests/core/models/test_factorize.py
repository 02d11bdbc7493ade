"""The factorised Inception blocks (``factorize``): each n×n convolution as 1×n then n×1 — the parameters
counted by hand, the same output shapes, the same theoretical receptive field at every probe layer, and a
pair that computes an n×n convolution with a separable kernel."""
from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from convscope.core.insight.receptive_field import probe_layer_names, theoretical_fields
from convscope.core.models import ModelOptionError, count_params, create_model, get_spec
from convscope.core.models.googlenet import Factorised, InceptionA, spatial_conv
from convscope.core.setup.config import ConfigError, make_config


def conv_params(c_in, c_out, kh, kw):
    return c_in * c_out * kh * kw + c_out  # weights and one bias per output channel


def test_the_5x5_branch_16_to_24_has_half_the_weights():
    plain, factorised = spatial_conv(16, 24, 5), spatial_conv(16, 24, 5, factorize=True)
    assert isinstance(plain, nn.Conv2d) and isinstance(factorised, Factorised)
    assert count_params(plain) == 16 * 24 * 25 + 24 == 9_624
    assert count_params(factorised) == 16 * 24 * 5 + 24 + 24 * 24 * 5 + 24 == 4_848
    assert factorised.conv1xn.kernel_size == (1, 5) and factorised.conv1xn.padding == (0, 2)
    assert factorised.convnx1.kernel_size == (5, 1) and factorised.convnx1.padding == (2, 0)
    assert (factorised.conv1xn.out_channels, factorised.convnx1.in_channels) == (24, 24)  # as Inception v3
    assert not any(isinstance(m, (nn.ReLU, nn.BatchNorm2d)) for m in factorised.modules())  # linear, as the notes
    assert isinstance(spatial_conv(8, 8, 1, factorize=True), nn.Conv2d)  # 1×1 has nothing to factorise


def test_the_inception_net_block_by_block_and_in_all():
    for c_in in (10, 20):
        plain, factorised = InceptionA(c_in), InceptionA(c_in, factorize=True)
        ones = conv_params(c_in, 16, 1, 1) * 3 + conv_params(c_in, 24, 1, 1)  # the four 1×1 convolutions
        assert count_params(plain) == ones + conv_params(16, 24, 5, 5) + conv_params(16, 24, 3, 3) \
            + conv_params(24, 24, 3, 3)
        assert count_params(factorised) == ones + conv_params(16, 24, 1, 5) + conv_params(24, 24, 5, 1) \
            + conv_params(16, 24, 1, 3) + conv_params(24, 24, 3, 1) + 2 * conv_params(24, 24, 1, 3)
    assert count_params(InceptionA(10)) == 19_104 and count_params(InceptionA(10, factorize=True)) == 12_072
    plain, factorised = create_model("inception-net"), create_model("inception-net", factorize=True)
    assert count_params(plain) == 97_298 and count_params(factorised) == 83_234
    assert count_params(create_model("inception-net", factorize=False)) == 97_298


def _shapes(model, names, shape):
    found = {}

    def hook(name):
        def record(_module, _inputs, output):
            found.setdefault(name, tuple(output.shape))
        return record

    hooks = [model.get_submodule(n).register_forward_hook(hook(n)) for n in names]
    with torch.no_grad():
        found["output"] = tuple(model.eval()(torch.zeros(shape)).shape)
    for hook in hooks:
        hook.remove()
    return found


CASES = [("inception-net", "native", {}), ("googlenet", "native", {"width": 0.25}),
         ("googlenet", "d2l", {"width": 0.25})]


@pytest.mark.parametrize("arch,form,options", CASES, ids=[f"{a}-{f}" for a, f, _ in CASES])
def test_same_shapes_and_the_same_field_at_every_probe_layer(arch, form, options):
    spec = get_spec(arch)
    side = spec.input_side(form, 28)
    names = probe_layer_names(spec)
    # Every n×n convolution of the blocks and the blocks themselves, under the names they keep factorised.
    blocks = [n for n, m in create_model(arch, form=form, **options).named_modules()
              if isinstance(m, nn.Conv2d) and m.kernel_size[0] > 1 and (".inc" in n or n.startswith("incep"))]
    assert blocks and all(n.endswith(("conv3", "conv5", "branch5x5_2", "branch3x3_2", "branch3x3_3")) for n in blocks)
    names += blocks
    fields, shapes = {}, {}
    for factorize in (False, True):
        model = create_model(arch, form=form, factorize=factorize, **options)
        shapes[factorize] = _shapes(model, names, (1, 1, side, side))
        fields[factorize] = theoretical_fields(model, (1, side, side), names)
    assert shapes[True] == shapes[False]
    assert set(fields[True]) == set(fields[False]) == set(names)
    for name in names:
        a, b = fields[False][name], fields[True][name]
        assert (b.size, b.stride, b.box(*b.centre_unit()), b.y.start) == \
            (a.size, a.stride, a.box(*a.centre_unit()), a.y.start), name


def test_the_halves_see_a_row_then_a_square():
    model = create_model("inception-net", factorize=True)
    f = theoretical_fields(model, (1, 28, 28), ["incep1.branch5x5_1", "incep1.branch5x5_2.conv1xn",
                                                 "incep1.branch5x5_2.convnx1", "incep1.branch5x5_2"])
    # conv1 (5×5) and the 2×2 pool: 6×6 px, 2 px apart; the 1×5 widens it by 4 steps of 2 px, the 5×1 heightens it.
    assert f["incep1.branch5x5_1"].size == (6, 6)
    assert f["incep1.branch5x5_2.conv1xn"].size == (6, 14)
    assert f["incep1.branch5x5_2.convnx1"].size == f["incep1.branch5x5_2"].size == (14, 14)


def test_the_pair_computes_a_5x5_convolution_with_a_separable_kernel():
    """1×n then n×1 with no activation between them is one n×n convolution, kernel = column ⊗ row: every
    output sees an n×n square of its input (away from the border, where the first half's padding is 0)."""
    torch.manual_seed(0)
    pair = Factorised(1, 1, 5)
    row, col = torch.randn(5), torch.randn(5)
    with torch.no_grad():
        pair.conv1xn.weight.copy_(row.view(1, 1, 1, 5))
        pair.convnx1.weight.copy_(col.view(1, 1, 5, 1))
        pair.conv1xn.bias.zero_()
        pair.convnx1.bias.zero_()
        x = torch.randn(2, 1, 12, 12)
        expected = F.conv2d(x, torch.outer(col, row).view(1, 1, 5, 5), padding=2)
        torch.testing.assert_close(pair(x), expected)


def test_only_the_inception_networks_take_it():
    assert {s.name for s in (get_spec(n) for n in ("inception-net", "googlenet", "lenet", "resnet-small", "nin"))
            if "factorize" in s.options} == {"inception-net", "googlenet"}
    with pytest.raises(ModelOptionError, match="does not take option"):
        create_model("lenet", factorize=True)
    with pytest.raises(ConfigError, match="lenet has no 'factorize' option"):
        make_config("lenet", "mnist-sample", factorize=True)
    with pytest.raises(ConfigError, match="factorize must be true or false"):
        make_config("inception-net", "mnist-sample", factorize="yes")
    assert make_config("inception-net", "mnist-sample", factorize=True).model_options() == {"factorize": True}
