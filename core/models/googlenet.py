"""GoogLeNet (d2l 8.4): networks of Inception blocks, which look at several scales side by side.

An Inception block runs four branches on the same input and stacks their outputs along the channels:

1. a 1×1 convolution;
2. a 1×1 convolution that reduces the channels, then a 3×3 convolution;
3. a 1×1 reduction, then a 5×5 convolution;
4. a 3×3 max-pool (stride 1, so the size is kept), then a 1×1 convolution.

The 1×1 "reduce" convolutions are what make the block affordable: they shrink, say, 192 channels to 16
before the expensive 5×5 convolution sees them. GoogLeNet stacks nine Inception blocks in three stages
separated by 3×3/2 max-pools, averages the last 1024 channels over the whole image and finishes with a
single fully connected layer.

``googlenet`` has two forms:

* d2l (96×96 input) — the book's network: a 7×7/2 convolution and a pool, a 1×1 + 3×3 stage and a pool,
  then the Inception stages (2, 5 and 2 blocks).
* native (28×28 or 32×32 input) — the same stages, but the first convolution is 3×3 with stride 1 and is
  not followed by a pool, so a digit keeps enough pixels (28 → 14 → 7 → 4 before the global average).

``width`` scales every channel count; ``batchnorm`` adds batch normalisation after each convolution
(as the later Inception v2 did).

``inception-net`` is the small Inception network of the course notes for MNIST: two 5×5 convolutions,
each followed by an "InceptionA" block whose four branches have no activation inside them.

``factorize`` (both networks; off by default) is the factorisation of Inception v2/v3 (Szegedy et al.,
Rethinking the Inception Architecture, 2015, Fig. 6) that the course notes mention: every n×n convolution
inside the Inception blocks with n > 1 becomes a 1×n convolution followed by an n×1 convolution (see
:func:`spatial_conv`). The stems and the convolutions between the blocks stay as they are.
"""
from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from convscope.core.models.alexnet import init_cnn
from convscope.core.models.registry import ModelSpec, ProbeLayer, check_form_input, check_input, register, scaled


class Factorised(nn.Sequential):
    """An n×n convolution factorised: a 1×n convolution (``conv1xn``: along the rows), then an n×1 one
    (``convnx1``: along the columns), with no activation between them.

    **The same receptive field.** Along the width only the 1×n kernel moves, along the height only the
    n×1 one, so an output position sees n×n positions of the input, exactly what one n×n kernel sees;
    the padding is split the same way (``(0, n // 2)`` then ``(n // 2, 0)``), so the output has the input's
    height and width, as the n×n convolution with padding ``n // 2`` has.

    **Fewer weights.** One n×n convolution from C_in to C_out channels has n·n·C_in·C_out weights; the pair
    with C_out channels in between (Inception v3's Fig. 6) has n·C_in·C_out + n·C_out·C_out: n + n weights
    per channel pair where C_in = C_out, instead of n·n (7×7: 14 instead of 49; 5×5: 10 instead of 25;
    3×3: 6 instead of 9), and one bias more per output channel.

    **What it can learn.** No ReLU sits between the halves (the course notes' branches have none), so the
    pair is still one linear convolution, but only one whose n×n kernels are sums of "column × row"
    products built from C_out shared row and column filters: it saves weights by learning a smaller
    family of kernels, not by seeing less. Inception v3 puts a ReLU after each half, which adds a
    non-linearity too; this form leaves that out so the comparison changes one thing only.
    """

    def __init__(self, in_channels: int, out_channels: int, n: int):
        super().__init__(OrderedDict(
            conv1xn=nn.Conv2d(in_channels, out_channels, kernel_size=(1, n), padding=(0, n // 2)),
            convnx1=nn.Conv2d(out_channels, out_channels, kernel_size=(n, 1), padding=(n // 2, 0)),
        ))
        self.n = n

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, C_in, H, W)
        x = self.conv1xn(x)  # (B, C_out, H, W): each position mixes n neighbours of its row
        return self.convnx1(x)  # (B, C_out, H, W): and n neighbours of its column: an n×n field


def spatial_conv(in_channels: int, out_channels: int, n: int, factorize: bool = False) -> nn.Module:
    """An n×n convolution (stride 1, padding ``n // 2``: the size is kept), or with ``factorize`` its
    :class:`Factorised` 1×n + n×1 form; either way ``(B, C_in, H, W) → (B, C_out, H, W)``."""
    if factorize and n > 1:
        return Factorised(in_channels, out_channels, n)
    return nn.Conv2d(in_channels, out_channels, kernel_size=n, padding=n // 2)


class ConvUnit(nn.Module):
    """conv → (batch norm) → ReLU."""

    def __init__(self, in_channels, out_channels, batchnorm=False, **conv):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, **conv)
        self.bn = nn.BatchNorm2d(out_channels) if batchnorm else nn.Identity()
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn(self.conv(x)))


class Inception(nn.Module):
    """The d2l Inception block: four parallel branches, concatenated along the channels.

    ``c1`` is the 1×1 branch, ``c2 = (reduce, out)`` the 3×3 branch, ``c3 = (reduce, out)`` the 5×5 branch
    and ``c4`` the pool branch's 1×1 projection. The output has ``c1 + c2[1] + c3[1] + c4`` channels.
    ``factorize`` makes the 3×3 and the 5×5 convolution 1×n + n×1 pairs (:func:`spatial_conv`).
    """

    def __init__(self, in_channels, c1, c2, c3, c4, batchnorm=False, factorize=False):
        super().__init__()
        norm = (lambda c: nn.BatchNorm2d(c)) if batchnorm else (lambda c: nn.Identity())
        self.out_channels = c1 + c2[1] + c3[1] + c4
        # The branches in the order forward() concatenates them: (name, channels).
        self.branches = (("1×1", c1), ("3×3", c2[1]), ("5×5", c3[1]), ("pool", c4))
        # Branch 1: a single 1×1 convolution.
        self.conv1 = nn.Conv2d(in_channels, c1, kernel_size=1)
        self.bn1 = norm(c1)
        # Branch 2: 1×1 reduction, then 3×3.
        self.reduce3 = nn.Conv2d(in_channels, c2[0], kernel_size=1)
        self.bn_reduce3 = norm(c2[0])
        self.conv3 = spatial_conv(c2[0], c2[1], 3, factorize)
        self.bn3 = norm(c2[1])
        # Branch 3: 1×1 reduction, then 5×5.
        self.reduce5 = nn.Conv2d(in_channels, c3[0], kernel_size=1)
        self.bn_reduce5 = norm(c3[0])
        self.conv5 = spatial_conv(c3[0], c3[1], 5, factorize)
        self.bn5 = norm(c3[1])
        # Branch 4: 3×3 max-pool (stride 1), then a 1×1 projection.
        self.pool = nn.MaxPool2d(3, stride=1, padding=1)
        self.pool_proj = nn.Conv2d(in_channels, c4, kernel_size=1)
        self.bn_pool_proj = norm(c4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, C, H, W)
        b1 = F.relu(self.bn1(self.conv1(x)))  # (B, c1, H, W)
        b2 = F.relu(self.bn3(self.conv3(F.relu(self.bn_reduce3(self.reduce3(x))))))  # (B, c2[1], H, W)
        b3 = F.relu(self.bn5(self.conv5(F.relu(self.bn_reduce5(self.reduce5(x))))))  # (B, c3[1], H, W)
        b4 = F.relu(self.bn_pool_proj(self.pool_proj(self.pool(x))))  # (B, c4, H, W)
        return torch.cat((b1, b2, b3, b4), dim=1)  # (B, c1 + c2[1] + c3[1] + c4, H, W)


# The nine Inception blocks of GoogLeNet: (c1, (c2 reduce, c2), (c3 reduce, c3), c4) per block.
B3_INCEPTIONS = ((64, (96, 128), (16, 32), 32), (128, (128, 192), (32, 96), 64))
B4_INCEPTIONS = (
    (192, (96, 208), (16, 48), 64),
    (160, (112, 224), (24, 64), 64),
    (128, (128, 256), (24, 64), 64),
    (112, (144, 288), (32, 64), 64),
    (256, (160, 320), (32, 128), 128),
)
B5_INCEPTIONS = ((256, (160, 320), (32, 128), 128), (384, (192, 384), (48, 128), 128))


class InceptionStage(nn.Module):
    """Several Inception blocks (``inc1``, ``inc2``, …), then a 3×3/2 max-pool or the global average."""

    def __init__(self, in_channels, blocks, width, batchnorm, final=False, factorize=False):
        super().__init__()
        self.names = []
        for i, (c1, c2, c3, c4) in enumerate(blocks, start=1):
            block = Inception(
                in_channels,
                scaled(c1, width),
                (scaled(c2[0], width), scaled(c2[1], width)),
                (scaled(c3[0], width), scaled(c3[1], width)),
                scaled(c4, width),
                batchnorm,
                factorize,
            )
            self.add_module(f"inc{i}", block)
            self.names.append(f"inc{i}")
            in_channels = block.out_channels
        self.out_channels = in_channels
        self.pool = nn.AdaptiveAvgPool2d(1) if final else nn.MaxPool2d(3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for name in self.names:
            x = getattr(self, name)(x)
        return self.pool(x)


class GoogLeNet(nn.Module):
    def __init__(self, in_channels=1, num_classes=10, input_size=96, form="d2l", width=1.0,
                 batchnorm=False, factorize=False):
        super().__init__()
        c64, c192 = scaled(64, width), scaled(192, width)
        # b1: the stem. d2l: 7×7/2 convolution and a 3×3/2 pool; native: a 3×3 convolution only.
        stem = dict(kernel_size=7, stride=2, padding=3) if form == "d2l" else dict(kernel_size=3, padding=1)
        self.b1 = nn.Sequential(OrderedDict(
            conv=nn.Conv2d(in_channels, c64, **stem),
            bn=nn.BatchNorm2d(c64) if batchnorm else nn.Identity(),
            relu=nn.ReLU(),
            pool=nn.MaxPool2d(3, stride=2, padding=1) if form == "d2l" else nn.Identity(),
        ))
        # b2: 1×1 convolution, 3×3 convolution, pool.
        self.b2 = nn.Sequential(OrderedDict(
            conv1=ConvUnit(c64, c64, batchnorm, kernel_size=1),
            conv2=ConvUnit(c64, c192, batchnorm, kernel_size=3, padding=1),
            pool=nn.MaxPool2d(3, stride=2, padding=1),
        ))
        # b3–b5: the Inception stages.
        self.b3 = InceptionStage(c192, B3_INCEPTIONS, width, batchnorm, factorize=factorize)
        self.b4 = InceptionStage(self.b3.out_channels, B4_INCEPTIONS, width, batchnorm, factorize=factorize)
        self.b5 = InceptionStage(self.b4.out_channels, B5_INCEPTIONS, width, batchnorm, final=True,
                                 factorize=factorize)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(self.b5.out_channels, num_classes)
        init_cnn(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, 1, 96, 96) | native (B, 1, 28, 28)
        x = self.b1(x)  # (B, 64, 24, 24) | (B, 64, 28, 28)
        x = self.b2(x)  # (B, 192, 12, 12) | (B, 192, 14, 14)
        x = self.b3(x)  # (B, 480, 6, 6) | (B, 480, 7, 7)
        x = self.b4(x)  # (B, 832, 3, 3) | (B, 832, 4, 4)
        x = self.b5(x)  # (B, 1024, 1, 1): the global average of the last Inception block
        return self.fc(self.flatten(x))  # (B, 10)


class InceptionA(nn.Module):
    """The Inception block of the course notes: four branches, no activation inside, 88 channels out.

    ``factorize``: the 5×5 convolution and the two 3×3 ones become 1×n + n×1 pairs (:class:`Factorised`,
    under the same names, e.g. ``branch5x5_2.conv1xn`` and ``branch5x5_2.convnx1``): every branch keeps its
    receptive field and its output shape, and the first block's parameters drop from 19,104 to 12,072
    (the whole network's from 97,298 to 83,234; tests/core/models/test_factorize.py has the sums).
    """

    out_channels = 88
    # The branches in the order forward() concatenates them: (name, channels).
    branches = (("1×1", 16), ("5×5", 24), ("3×3", 24), ("pool", 24))

    def __init__(self, in_channels, factorize=False):
        super().__init__()
        self.branch1x1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch5x5_1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch5x5_2 = spatial_conv(16, 24, 5, factorize)
        self.branch3x3_1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch3x3_2 = spatial_conv(16, 24, 3, factorize)
        self.branch3x3_3 = spatial_conv(24, 24, 3, factorize)
        self.branch_pool_avg = nn.AvgPool2d(3, stride=1, padding=1)
        self.branch_pool = nn.Conv2d(in_channels, 24, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, C, H, W)
        b1 = self.branch1x1(x)  # (B, 16, H, W)
        b5 = self.branch5x5_2(self.branch5x5_1(x))  # (B, 24, H, W); factorised: 1×5 then 5×1, the same
        b3 = self.branch3x3_3(self.branch3x3_2(self.branch3x3_1(x)))  # (B, 24, H, W); 1×3, 3×1, 1×3, 3×1
        bp = self.branch_pool(self.branch_pool_avg(x))  # (B, 24, H, W)
        return torch.cat((b1, b5, b3, bp), dim=1)  # (B, 88, H, W)


class InceptionNet(nn.Module):
    """The small MNIST Inception network of the course notes (``factorize``: its two blocks' n×n
    convolutions as 1×n + n×1 pairs; the 5×5 convolutions between the blocks stay)."""

    def __init__(self, in_channels=1, num_classes=10, input_size=28, factorize=False):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 10, kernel_size=5)
        self.pool1 = nn.MaxPool2d(2)
        self.relu1 = nn.ReLU()
        self.incep1 = InceptionA(10, factorize)
        self.conv2 = nn.Conv2d(InceptionA.out_channels, 20, kernel_size=5)
        self.pool2 = nn.MaxPool2d(2)
        self.relu2 = nn.ReLU()
        self.incep2 = InceptionA(20, factorize)
        side = ((input_size - 4) // 2 - 4) // 2
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(InceptionA.out_channels * side * side, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, 1, 28, 28)
        x = self.relu1(self.pool1(self.conv1(x)))  # (B, 10, 12, 12)
        x = self.incep1(x)  # (B, 88, 12, 12)
        x = self.relu2(self.pool2(self.conv2(x)))  # (B, 20, 4, 4)
        x = self.incep2(x)  # (B, 88, 4, 4)
        x = self.flatten(x)  # (B, 1408)
        return self.fc(x)  # (B, 10)


GOOGLENET_MIN_SIZE = 8
INCEPTION_NET_MIN_SIZE = 16  # two 5×5 convolutions and two 2×2 pools must leave a pixel


def _googlenet(in_channels, num_classes, input_size, form, width=1.0, batchnorm=False, factorize=False):
    check_form_input("googlenet", form, input_size, GOOGLENET_MIN_SIZE, GOOGLENET_MIN_SIZE)
    return GoogLeNet(in_channels, num_classes, input_size, form, float(width), bool(batchnorm), bool(factorize))


def _inception_net(in_channels, num_classes, input_size, form, factorize=False):
    check_input("inception-net", input_size, INCEPTION_NET_MIN_SIZE)
    return InceptionNet(in_channels, num_classes, input_size, bool(factorize))


register(ModelSpec(
    name="googlenet",
    family="GoogLeNet",
    display_name="GoogLeNet",
    description="Nine Inception blocks that run 1×1, 3×3, 5×5 and pooling branches side by side.",
    paper="Szegedy et al., Going Deeper with Convolutions, 2014",
    builder=_googlenet,
    probe_layers=(
        ProbeLayer("b1.relu", "feature", "b1: first conv (64 maps)"),
        ProbeLayer("b2.conv2", "feature", "b2: 3×3 conv (192 maps)"),
        ProbeLayer("b3.inc1.conv1", "1x1", "first Inception: 1×1 branch (192 → 64 channels)"),
        ProbeLayer("b3.inc1.reduce3", "1x1", "first Inception: 1×1 reduce before the 3×3 (192 → 96)"),
        ProbeLayer("b3.inc1.reduce5", "1x1", "first Inception: 1×1 reduce before the 5×5 (192 → 16)"),
        ProbeLayer("b3.inc1", "feature", "first Inception block output (256 maps)"),
        ProbeLayer("b5.inc2", "gap", "last Inception block: 1024 channels pooled then fc"),
    ),
    input_size=(1, 28, 28),
    d2l_size=96,
    defaults=dict(optimizer="adam", lr=1e-3, batch_size=128, epochs=10, schedule="cosine",
                  weight_decay=0.0),
    options=frozenset({"width", "batchnorm", "factorize"}),
    min_size=GOOGLENET_MIN_SIZE,
))

register(ModelSpec(
    name="inception-net",
    family="GoogLeNet",
    display_name="Inception net (MNIST notes)",
    description="Two 5×5 convs, each followed by an Inception block (1×1, 5×5, 3×3 and pool branches).",
    paper="Szegedy et al., 2014; small MNIST form of the course notes",
    builder=_inception_net,
    probe_layers=(
        ProbeLayer("conv1", "feature", "conv1: 5×5 conv (10 maps)"),
        ProbeLayer("incep1.branch1x1", "1x1", "Inception 1: 1×1 branch (10 → 16 channels)"),
        ProbeLayer("incep1.branch5x5_1", "1x1", "Inception 1: 1×1 before the 5×5 (10 → 16)"),
        ProbeLayer("incep1.branch3x3_1", "1x1", "Inception 1: 1×1 before the 3×3s (10 → 16)"),
        ProbeLayer("incep1.branch_pool", "1x1", "Inception 1: 1×1 after the average pool (10 → 24)"),
        # The ends of the widest branches (their receptive fields are the block's), factorised or not.
        ProbeLayer("incep1.branch5x5_2", "feature", "Inception 1: 5×5 conv (24 maps)"),
        ProbeLayer("incep1.branch3x3_3", "feature", "Inception 1: last 3×3 conv (24 maps)"),
        ProbeLayer("conv2", "feature", "conv2: 5×5 conv (20 maps)"),
        ProbeLayer("incep2.branch1x1", "1x1", "Inception 2: 1×1 branch (20 → 16 channels)"),
    ),
    input_size=(1, 28, 28),
    defaults=dict(optimizer="sgd", lr=0.01, momentum=0.5, batch_size=64, epochs=10, schedule="constant",
                  weight_decay=0.0),
    options=frozenset({"factorize"}),
    min_size=INCEPTION_NET_MIN_SIZE,
))
