"""Two networks' receptive fields side by side: VGG's two stacked 3×3 convolutions see 5×5 positions of
their block's input as LeNet's 5×5 convolution sees 5×5 pixels, with 18 weights per channel pair instead
of 25; NiN's 1×1 convolutions keep the field of the convolution before them; the same relative layer is
found in the other network; the parameters counted are those the layer's output is computed from."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from convscope.core.insight.field_compare import (
    Side,
    compare,
    field_layers,
    fresh_model,
    matching_layer,
    network_layers,
    side_config,
)
from convscope.core.setup.build import meta_model
from convscope.core.setup.config import ConfigError, make_config


def _by_name(config):
    return {layer.name: layer for layer in network_layers(config)}


def test_two_stacked_3x3_see_what_one_5x5_sees_with_fewer_weights():
    lenet = _by_name(make_config("lenet", "mnist-sample"))
    vgg = _by_name(make_config("vgg11", "mnist-sample"))
    act1, block3 = lenet["act1"], vgg["block3.relu2"]
    # LeNet's conv1: 5×5 pixels of the image, 25 weights per channel pair, 6·25 + 6 parameters.
    assert act1.field.size == (5, 5) and act1.field.stride == (1, 1)
    assert act1.stage_size == (5, 5) and act1.stage_weights == 25 and act1.parameters == 156
    # VGG-11's block 3 (two 3×3 after two pools): 26×26 pixels, 4 apart, and 5×5 positions of its block's
    # input (the pool before it) with 3·3 + 3·3 = 18 weights per channel pair.
    assert block3.field.size == (26, 26) and block3.field.stride == (4, 4)
    assert block3.stage_size == (5, 5) and block3.stage_weights == 18
    assert vgg["block3.conv1"].stage_size == (3, 3) and vgg["block3.conv1"].stage_weights == 9
    # Parameters up to block3.conv2: 1→64, 64→128, 128→256, 256→256, all 3×3 with biases.
    assert block3.parameters == sum(o * i * 9 + o for i, o in ((1, 64), (64, 128), (128, 256), (256, 256)))
    assert block3.parameters == 959_744
    # A pool ends its stage: the block's pool sees 6×6 of the block's input; the next block starts anew.
    assert vgg["block3.pool"].stage_size == (6, 6) and vgg["block4.conv1"].stage_size == (3, 3)


def test_nin_1x1_convolutions_keep_the_field_of_the_convolution_before_them():
    nin = _by_name(make_config("nin", "mnist-sample"))
    for block in ("block1", "block2", "classifier"):
        conv = nin[f"{block}.conv"]
        for mlp in ("mlp1", "mlp2"):
            assert nin[f"{block}.{mlp}"].field.size == conv.field.size
            assert nin[f"{block}.{mlp}"].field.stride == conv.field.stride
            assert nin[f"{block}.{mlp}"].stage_size == conv.stage_size
    assert nin["block1.mlp2"].field.size == (5, 5) and nin["block1.mlp2"].stage_weights == 25 + 1 + 1
    assert nin["block2.conv"].field.size == (15, 15) and nin["block2.conv"].stage_size == (5, 5)
    # 1→96 5×5, then two 96→96 1×1, each with biases.
    assert nin["block1.mlp2"].parameters == 96 * 25 + 96 + 2 * (96 * 96 + 96) == 21_120


def test_same_relative_depth_and_an_explicit_choice():
    lenet = network_layers(make_config("lenet", "mnist-sample"))
    nin = network_layers(make_config("nin", "mnist-sample"))
    # LeNet: conv1, pool1, conv2, pool2 (4); act1 comes with conv1, depth 1 of 4.
    assert [(layer.name, layer.depth) for layer in lenet] == [
        ("conv1", 1), ("act1", 1), ("pool1", 2), ("conv2", 3), ("act2", 3), ("pool2", 4)]
    assert lenet[1].relative == 0.25
    assert matching_layer(nin, 0.25).name == "block1.mlp2"  # depth 3 of 12
    assert matching_layer(lenet, 3 / 12).name == "act1"  # of equal depths, the one made last
    assert matching_layer(lenet, 0.75).name == "act2"
    a = side_config(make_config("lenet", "mnist-sample"), "lenet")
    result = compare(Side(make_config("lenet", "mnist-sample"), "act1"), Side(side_config(a, "nin")))
    assert result.b.layer.name == "block1.mlp2" and result.b.layer.field.size == (5, 5)
    assert result.a.effective is None and result.b.effective is None and result.image is None
    chosen = compare(Side(a, "act2"), Side(side_config(a, "nin"), "block2.mlp1"))
    assert chosen.b.layer.name == "block2.mlp1" and chosen.b.box == (7, 7, 21, 21)
    # (block2.conv's field starts at −7: −2 for conv1's padding, −1·1 for pool1's, −2·2 for its own; its
    # centre unit 7 of 14 starts 7·2 later and spans 15 pixels.)
    assert chosen.a.box == (8, 8, 21, 21)  # act2's centre unit (5, 5): rows 5·2 − 2 … + 13
    with pytest.raises(ValueError, match="'fc1' is not a layer with a receptive field in lenet"):
        compare(Side(a, "fc1"), Side(side_config(a, "nin")))


def test_parameters_count_only_what_feeds_the_layer():
    config = make_config("inception-net", "mnist-sample")
    model = meta_model(config)
    layers = {layer.name: layer for layer in field_layers(model, config.input_size)}

    def params(*names):
        return sum(p.numel() for n in names for p in model.get_submodule(n).parameters())

    # The 5×5 branch's second convolution: the stem and its own branch, not the 1×1 branch made before it.
    assert layers["incep1.branch5x5_2"].parameters == params("conv1", "incep1.branch5x5_1", "incep1.branch5x5_2")
    assert layers["incep1.branch5x5_2"].stage_size == (5, 5) and layers["incep1.branch5x5_2"].stage_weights == 26
    # After the concatenation: every branch.
    assert layers["conv2"].parameters == params("conv1", "incep1", "conv2")


def test_resnet_shortcut_joins_the_stage_of_its_main_path():
    layers = _by_name(make_config("resnet-small", "cifar10-sample"))
    # A strided 3×3 ends the stem's stage; the second 3×3 starts the block's stage; the strided 1×1
    # shortcut joins it as that stage's input.
    assert layers["blk1.conv1"].field.stride == (2, 2) and layers["blk1.conv2"].stage_size == (3, 3)
    assert layers["blk1"].stage_size == (3, 3) and layers["blk1"].stage_weights == 9
    assert layers["blk1"].field.size == layers["blk1.conv2"].field.size == (9, 9)


def test_side_config_takes_the_same_input_or_says_why():
    a = make_config("lenet", "mnist-sample")
    b = side_config(a, "vgg11", width=0.25)
    assert b.input_size == (1, 28, 28) and b.form == "native" and b.width == 0.25 and b.dataset == "mnist-sample"
    big = make_config("vgg11", "mnist-sample", form="d2l")
    assert side_config(big, "nin").form == "d2l" and side_config(big, "nin").input_size == (1, 224, 224)
    small = make_config("lenet-cifar", "cifar10-sample", image_size=20)
    with pytest.raises(ConfigError, match="at least 28×28"):
        side_config(small, "lenet")


def test_effective_fields_on_the_same_images_lie_inside_their_boxes():
    a = make_config("lenet", "mnist-sample")
    b = side_config(a, "vgg11", width=0.25)
    images = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (4, 1, 28, 28), dtype=np.uint8))
    result = compare(Side(a, "act1", fresh_model(a), "fresh"), Side(b, "block3.relu2", fresh_model(b), "fresh"),
                     images)
    for side, size in ((result.a, 5), (result.b, 26)):
        ef = side.effective
        assert ef is not None and ef.images == 4 and ef.heat.shape == (28, 28)
        assert ef.heat.sum() == pytest.approx(1.0, abs=1e-5) and ef.inside_share == pytest.approx(1.0)
        y0, x0, y1, x1 = side.box
        assert ef.box == side.box and 0 < ef.r50 <= ef.r90 <= size  # within the field's diagonal
    assert result.a.box == (12, 12, 16, 16)  # act1's centre unit (14, 14), 5×5
    # block3.conv2's field starts at −11 (each 3×3 pads 1 position: −1 −1·2 −1·4 −1·4) and spans 26 pixels;
    # its centre unit 3 of 7 starts 3·4 later: rows 1 … 26.
    assert result.b.box == (1, 1, 26, 26)
    assert result.image.shape == (28, 28) and result.image.dtype == np.uint8
    assert result.to_json()["b"]["stage_weights"] == 18 and result.to_json()["a"]["parameters"] == 156
    # Fresh weights are drawn from the seed, the same each time.
    w1, w2 = fresh_model(a).conv1.weight, fresh_model(a).conv1.weight
    assert torch.equal(w1, w2)
    with pytest.raises(InterruptedError):
        compare(Side(a, None, fresh_model(a)), Side(b), images, cancel=lambda: True)


def test_a_run_folders_weights_on_either_side(tmp_path):
    from convscope.core.insight.field_compare import run_side
    from convscope.core.runs.checkpoints import load_run
    from convscope.core.training.engine import Trainer

    run_dir = tmp_path / "lenet"
    config = make_config("lenet", "mnist-sample", epochs=1, subset=64, device="cpu")
    assert Trainer(config, run_dir=str(run_dir)).run().status == "completed"
    trained = run_side(load_run(run_dir), "act2")
    assert trained.weights == str(run_dir) and trained.config.arch == "lenet"
    images = torch.from_numpy(np.random.default_rng(1).integers(0, 256, (3, 1, 28, 28), dtype=np.uint8))
    fresh = side_config(trained.config, "lenet")
    result = compare(trained, Side(fresh, None, fresh_model(fresh), "fresh"), images)
    assert result.a.layer.name == result.b.layer.name == "act2"  # the same network: the same layer
    assert result.a.effective.inside_share == pytest.approx(1.0) == result.b.effective.inside_share
    assert not np.allclose(result.a.effective.heat, result.b.effective.heat)  # trained ≠ fresh weights
