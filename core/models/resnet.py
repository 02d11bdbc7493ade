"""ResNet (d2l 8.6): residual blocks, which learn a correction to their input instead of a new output.

A residual block computes ``ReLU(F(x) + x)``: two 3×3 convolutions with batch normalisation make
``F(x)``, and the input is added back through a shortcut. When the block changes the number of channels
or halves the resolution, the shortcut is a 1×1 convolution (with the same stride) so the two can be
added. If the best thing a block can do is nothing, it only has to push ``F`` towards zero, which is
easy; this is why very deep residual networks still train, and plain stacks of the same depth do not.

``resnet18`` is the book's ResNet-18: a stem, four stages of two residual blocks (64, 128, 256, 512
channels, each later stage halving the resolution), a global average pool and one fully connected layer.

* d2l (96×96 input) — the stem is a 7×7/2 convolution and a 3×3/2 max-pool, as in the paper.
* native (28×28 or 32×32 input) — the stem is a 3×3 stride-1 convolution with no pool, so the stages
  see 28 → 14 → 7 → 4 instead of a few pixels.

``resnet-small`` is the CIFAR-10 ResNet of the course notes: a 16-channel stem and three "ResBlk"
blocks (32, 64, 128 channels, each with stride 2) whose shortcuts use a 1×1 convolution and batch norm.

Options: ``width`` scales every channel count; ``batchnorm=False`` removes every batch norm;
``shortcut=False`` removes the shortcuts (and their 1×1 convolutions), leaving the plain stack of the same
convolutions — the comparison the paper made.
"""
from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from convscope.core.models.registry import ModelSpec, ProbeLayer, check_form_input, check_input, register, scaled


def _norm(channels: int, batchnorm: bool) -> nn.Module:
    return nn.BatchNorm2d(channels) if batchnorm else nn.Identity()


class Residual(nn.Module):
    """The d2l residual block: 3×3 conv (stride s) → BN → ReLU → 3×3 conv → BN, + shortcut, ReLU.

    ``use_1x1conv`` puts a 1×1 convolution with stride ``s`` on the shortcut (no batch norm there, as in
    d2l); it is needed when the block changes the channels or the resolution.
    """

    def __init__(self, in_channels, out_channels, use_1x1conv=False, stride=1, batchnorm=True,
                 shortcut=True):
        super().__init__()
        self.shortcut = shortcut
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, stride=stride)
        self.bn1 = _norm(out_channels, batchnorm)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1)
        self.bn2 = _norm(out_channels, batchnorm)
        if shortcut and use_1x1conv:
            self.conv3 = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride)
        else:
            self.conv3 = None
        self.relu2 = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, C_in, H, W)
        y = self.relu1(self.bn1(self.conv1(x)))  # (B, C_out, H/s, W/s)
        y = self.bn2(self.conv2(y))  # (B, C_out, H/s, W/s): F(x)
        if self.shortcut:
            y = y + (self.conv3(x) if self.conv3 is not None else x)  # F(x) + x
        return self.relu2(y)


class ResnetStage(nn.Module):
    """``num_residuals`` residual blocks (``res1``, ``res2``, …); all but the first stage halve the size."""

    def __init__(self, in_channels, out_channels, num_residuals, first_block=False, batchnorm=True,
                 shortcut=True):
        super().__init__()
        self.names = []
        for i in range(1, num_residuals + 1):
            if i == 1 and not first_block:
                block = Residual(in_channels, out_channels, use_1x1conv=True, stride=2,
                                 batchnorm=batchnorm, shortcut=shortcut)
            else:
                block = Residual(out_channels, out_channels, batchnorm=batchnorm, shortcut=shortcut)
            self.add_module(f"res{i}", block)
            self.names.append(f"res{i}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for name in self.names:
            x = getattr(self, name)(x)
        return x


class ResNet18(nn.Module):
    def __init__(self, in_channels=1, num_classes=10, input_size=96, form="d2l", width=1.0,
                 batchnorm=True, shortcut=True):
        super().__init__()
        c64, c128, c256, c512 = (scaled(c, width) for c in (64, 128, 256, 512))
        stem = dict(kernel_size=7, stride=2, padding=3) if form == "d2l" else dict(kernel_size=3, padding=1)
        self.b1 = nn.Sequential(OrderedDict(
            conv=nn.Conv2d(in_channels, c64, **stem),
            bn=_norm(c64, batchnorm),
            relu=nn.ReLU(),
            pool=nn.MaxPool2d(3, stride=2, padding=1) if form == "d2l" else nn.Identity(),
        ))
        self.b2 = ResnetStage(c64, c64, 2, first_block=True, batchnorm=batchnorm, shortcut=shortcut)
        self.b3 = ResnetStage(c64, c128, 2, batchnorm=batchnorm, shortcut=shortcut)
        self.b4 = ResnetStage(c128, c256, 2, batchnorm=batchnorm, shortcut=shortcut)
        self.b5 = ResnetStage(c256, c512, 2, batchnorm=batchnorm, shortcut=shortcut)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(c512, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, 1, 96, 96) | native (B, 1, 28, 28)
        x = self.b1(x)  # (B, 64, 24, 24) | (B, 64, 28, 28)
        x = self.b2(x)  # (B, 64, 24, 24) | (B, 64, 28, 28)
        x = self.b3(x)  # (B, 128, 12, 12) | (B, 128, 14, 14)
        x = self.b4(x)  # (B, 256, 6, 6) | (B, 256, 7, 7)
        x = self.b5(x)  # (B, 512, 3, 3) | (B, 512, 4, 4)
        x = self.flatten(self.gap(x))  # (B, 512)
        return self.fc(x)  # (B, 10)


class ResBlk(nn.Module):
    """The residual block of the course notes: like d2l's, but its 1×1 shortcut has batch norm too."""

    def __init__(self, in_channels, out_channels, stride=1, batchnorm=True, shortcut=True):
        super().__init__()
        self.use_shortcut = shortcut
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1)
        self.bn1 = _norm(out_channels, batchnorm)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1)
        self.bn2 = _norm(out_channels, batchnorm)
        if shortcut and (in_channels != out_channels or stride != 1):
            self.shortcut = nn.Sequential(OrderedDict(
                conv=nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride),
                bn=_norm(out_channels, batchnorm),
            ))
        else:
            self.shortcut = nn.Identity()
        self.relu2 = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, C_in, H, W)
        y = self.relu1(self.bn1(self.conv1(x)))  # (B, C_out, H/s, W/s)
        y = self.bn2(self.conv2(y))  # (B, C_out, H/s, W/s)
        if self.use_shortcut:
            y = y + self.shortcut(x)
        return self.relu2(y)


class ResNetSmall(nn.Module):
    def __init__(self, in_channels=3, num_classes=10, input_size=32, width=1.0, batchnorm=True,
                 shortcut=True):
        super().__init__()
        c16, c32, c64, c128 = (scaled(c, width) for c in (16, 32, 64, 128))
        self.stem = nn.Sequential(OrderedDict(
            conv=nn.Conv2d(in_channels, c16, kernel_size=3, padding=1),
            bn=_norm(c16, batchnorm),
            relu=nn.ReLU(),
        ))
        self.blk1 = ResBlk(c16, c32, stride=2, batchnorm=batchnorm, shortcut=shortcut)
        self.blk2 = ResBlk(c32, c64, stride=2, batchnorm=batchnorm, shortcut=shortcut)
        self.blk3 = ResBlk(c64, c128, stride=2, batchnorm=batchnorm, shortcut=shortcut)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(c128, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, 3, 32, 32) | (B, 1, 28, 28)
        x = self.stem(x)  # (B, 16, 32, 32) | (B, 16, 28, 28)
        x = self.blk1(x)  # (B, 32, 16, 16) | (B, 32, 14, 14)
        x = self.blk2(x)  # (B, 64, 8, 8) | (B, 64, 7, 7)
        x = self.blk3(x)  # (B, 128, 4, 4) | (B, 128, 4, 4)
        x = self.flatten(self.gap(x))  # (B, 128)
        return self.fc(x)  # (B, 10)


MIN_SIZE = 8


def _resnet18(in_channels, num_classes, input_size, form, width=1.0, batchnorm=True, shortcut=True):
    check_form_input("resnet18", form, input_size, MIN_SIZE, MIN_SIZE)
    return ResNet18(in_channels, num_classes, input_size, form, float(width), bool(batchnorm), bool(shortcut))


def _resnet_small(in_channels, num_classes, input_size, form, width=1.0, batchnorm=True, shortcut=True):
    check_input("resnet-small", input_size, MIN_SIZE)
    return ResNetSmall(in_channels, num_classes, input_size, float(width), bool(batchnorm), bool(shortcut))


register(ModelSpec(
    name="resnet18",
    family="ResNet",
    display_name="ResNet-18",
    description="Four stages of residual blocks that add their input back: depth that still trains.",
    paper="He, Zhang, Ren & Sun, Deep Residual Learning for Image Recognition, 2015",
    builder=_resnet18,
    probe_layers=(
        ProbeLayer("b1.relu", "feature", "stem: first conv (64 maps)"),
        ProbeLayer("b2", "feature", "stage 1: two residual blocks (64 maps)"),
        ProbeLayer("b3", "feature", "stage 2: two residual blocks (128 maps, half size)"),
        ProbeLayer("b3.res1.conv3", "1x1", "stage 2: 1×1 shortcut conv (64 → 128, stride 2)"),
        ProbeLayer("b4", "feature", "stage 3: two residual blocks (256 maps)"),
        ProbeLayer("b4.res1.conv3", "1x1", "stage 3: 1×1 shortcut conv (128 → 256, stride 2)"),
        ProbeLayer("b5.res1.conv3", "1x1", "stage 4: 1×1 shortcut conv (256 → 512, stride 2)"),
        ProbeLayer("b5", "gap", "last stage: 512 channels pooled then fc"),
    ),
    input_size=(1, 28, 28),
    d2l_size=96,
    defaults=dict(optimizer="adam", lr=1e-3, batch_size=128, epochs=10, schedule="onecycle",
                  weight_decay=1e-4),
    options=frozenset({"width", "batchnorm", "shortcut"}),
    min_size=MIN_SIZE,
))

register(ModelSpec(
    name="resnet-small",
    family="ResNet",
    display_name="ResNet (CIFAR-10 notes)",
    description="A 16-channel stem and three residual blocks (32, 64, 128 maps), each halving the size.",
    paper="He, Zhang, Ren & Sun, 2015; small CIFAR-10 form of the course notes",
    builder=_resnet_small,
    probe_layers=(
        ProbeLayer("stem", "feature", "stem: 3×3 conv (16 maps)"),
        ProbeLayer("blk1", "feature", "block 1 output (32 maps, half size)"),
        ProbeLayer("blk1.shortcut.conv", "1x1", "block 1: 1×1 shortcut conv (16 → 32, stride 2)"),
        ProbeLayer("blk2", "feature", "block 2 output (64 maps)"),
        ProbeLayer("blk2.shortcut.conv", "1x1", "block 2: 1×1 shortcut conv (32 → 64, stride 2)"),
        ProbeLayer("blk3", "feature", "block 3 output (128 maps)"),
        ProbeLayer("blk3.shortcut.conv", "1x1", "block 3: 1×1 shortcut conv (64 → 128, stride 2)"),
        ProbeLayer("blk3", "gap", "last block: 128 channels pooled then fc"),
    ),
    input_size=(3, 32, 32),
    defaults=dict(optimizer="adam", lr=1e-3, batch_size=128, epochs=10, schedule="onecycle",
                  weight_decay=1e-4),
    options=frozenset({"width", "batchnorm", "shortcut"}),
    min_size=MIN_SIZE,
))
