"""The per-layer model summary adds up, and shows where the parameters of each family sit."""
import pytest
import torch

from convscope.core.insight.summary import OWN_FORWARD, compare, summarize
from convscope.core.setup.build import build_model
from convscope.core.setup.config import make_config


@pytest.mark.parametrize("arch,dataset,form", [
    ("lenet", "mnist-sample", None), ("nin", "fashion-mnist-sample", None), ("googlenet", "mnist-sample", None),
    ("resnet-small", "cifar10-sample", None), ("alexnet", "fashion-mnist-sample", "d2l"),
])
def test_rows_add_up_to_the_model_and_the_flop_counter(arch, dataset, form):
    from torch.utils.flop_counter import FlopCounterMode

    cfg = make_config(arch, dataset, form=form)
    summary = summarize(cfg)
    model = build_model(cfg)
    assert sum(r.params for r in summary.rows) == summary.total_params == sum(p.numel() for p in model.parameters())
    c, side, _ = cfg.input_size
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model.eval()(torch.zeros(1, c, side, side))
    assert sum(r.flops for r in summary.rows) == summary.total_flops == counter.get_total_flops() > 0
    assert summary.input_shape == (c, side, side)
    assert all(r.name != OWN_FORWARD for r in summary.rows)  # the zoo computes in its layers only


def test_lenet_rows_are_the_textbook_layers():
    s = summarize(make_config("lenet", "mnist-sample"))
    conv1, = [r for r in s.rows if r.name == "conv1"]
    assert (conv1.kind, conv1.output_shape, conv1.params) == ("Conv2d", (6, 28, 28), 6 * 25 + 6)
    assert conv1.flops == 2 * 6 * 28 * 28 * 25  # a multiply and an add per weight and output pixel
    assert s.rows[-1].kind == "Linear" and s.rows[-1].output_shape == (10,)
    names = [r.name for r in s.rows]
    assert names.index("conv1") < names.index("conv2") < names.index("fc1")  # the order they run


def test_nin_drops_the_fully_connected_layers_alexnet_keeps():
    rows = {r.arch: r for r in compare("fashion-mnist-sample", form="d2l", archs=("alexnet", "vgg11", "nin"))}
    assert rows["nin"].fc_share == 0.0
    assert rows["alexnet"].fc_share > 0.9 and rows["vgg11"].fc_share > 0.9
    assert rows["nin"].params * 10 < rows["alexnet"].params
    assert rows["nin"].input_shape == rows["alexnet"].input_shape == (1, 224, 224)
