"""VGG (d2l 8.2): networks built from repeated blocks of 3×3 convolutions.

A VGG block is a few 3×3 convolutions with padding 1 (each followed by ReLU) and then a 2×2/2 max-pool
that halves the height and width. Two stacked 3×3 convolutions see as far as one 5×5 but have fewer
parameters and an extra non-linearity, so VGG builds a deep network from this single pattern. VGG-11
uses five blocks, ``conv_arch = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))`` — eight
convolutions — followed by fully connected layers of 4096, 4096 and the classes.

``vgg11`` has two forms:

* d2l (224×224 input) — the book's VGG-11: five pools take 224 to 7, so 512·7·7 = 25088 features reach
  the 4096-wide fully connected layers.
* native (28×28 or 32×32 input) — five pools would shrink a 28×28 digit below one pixel, so the native
  form keeps all five blocks and their eight convolutions but pools only after the first three
  (28 → 14 → 7 → 3, 32 → 16 → 8 → 4); the last two blocks then work at that small size. The fully
  connected layers are 512 wide instead of 4096, since only 512·3·3 features reach them.

``width`` scales every channel count (and the fully connected widths): the book trains VGG-11 on
Fashion-MNIST with a quarter of the channels, ``width=0.25``, which also runs on a laptop CPU.
``batchnorm`` adds batch normalisation after each convolution (the later "VGG-BN" variant).
"""
from __future__ import annotations

import torch
from torch import nn

from convscope.core.models.alexnet import init_cnn
from convscope.core.models.registry import ModelSpec, ProbeLayer, check_form_input, register, scaled

VGG11_ARCH = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


class VGGBlock(nn.Module):
    """``num_convs`` × (3×3 conv, padding 1 → ReLU), then a 2×2/2 max-pool (or none)."""

    def __init__(self, num_convs, in_channels, out_channels, pool=True, batchnorm=False):
        super().__init__()
        self.num_convs = num_convs
        for i in range(1, num_convs + 1):
            self.add_module(f"conv{i}", nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1))
            self.add_module(f"bn{i}", nn.BatchNorm2d(out_channels) if batchnorm else nn.Identity())
            self.add_module(f"relu{i}", nn.ReLU())
            in_channels = out_channels
        self.pool = nn.MaxPool2d(2, stride=2) if pool else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i in range(1, self.num_convs + 1):
            conv, bn, relu = (getattr(self, f"{n}{i}") for n in ("conv", "bn", "relu"))
            x = relu(bn(conv(x)))
        return self.pool(x)


class VGG(nn.Module):
    # Trained in torch's default layout on the CPU (core.base.devices.use_channels_last): its last blocks run
    # on 3×3 and 1×1 maps at the native size, where the channels-last convolutions are slower (a step at
    # 0.93–0.94× of the default layout's speed: benchmarks/bench_cpu_layout.py --arch vgg11).
    contiguous_on_cpu = True

    def __init__(self, in_channels=1, num_classes=10, input_size=224, form="d2l", width=1.0,
                 dropout=0.5, batchnorm=False, conv_arch=VGG11_ARCH):
        super().__init__()
        # The native form pools only after the first three blocks (see the module docstring).
        pooled = len(conv_arch) if form == "d2l" else 3
        channels = in_channels
        side = input_size
        for i, (num_convs, out) in enumerate(conv_arch, start=1):
            out = scaled(out, width)
            pool = i <= pooled
            self.add_module(f"block{i}", VGGBlock(num_convs, channels, out, pool, batchnorm))
            channels = out
            side = side // 2 if pool else side
        self.num_blocks = len(conv_arch)
        hidden = scaled(4096 if form == "d2l" else 512, width)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(channels * side * side, hidden)
        self.relu1 = nn.ReLU()
        self.drop1 = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden, hidden)
        self.relu2 = nn.ReLU()
        self.drop2 = nn.Dropout(dropout)
        self.fc3 = nn.Linear(hidden, num_classes)
        init_cnn(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, 1, 224, 224) | native (B, 1, 28, 28)
        x = self.block1(x)  # (B, 64, 112, 112) | (B, 64, 14, 14)
        x = self.block2(x)  # (B, 128, 56, 56) | (B, 128, 7, 7)
        x = self.block3(x)  # (B, 256, 28, 28) | (B, 256, 3, 3)
        x = self.block4(x)  # (B, 512, 14, 14) | (B, 512, 3, 3)
        x = self.block5(x)  # (B, 512, 7, 7) | (B, 512, 3, 3)
        x = self.flatten(x)  # (B, 25088) | (B, 4608)
        x = self.drop1(self.relu1(self.fc1(x)))  # (B, 4096) | (B, 512)
        x = self.drop2(self.relu2(self.fc2(x)))  # (B, 4096) | (B, 512)
        return self.fc3(x)  # (B, 10)


# Smallest inputs: every pool must leave at least one pixel.
D2L_MIN_SIZE = 32
NATIVE_MIN_SIZE = 8


def _build(in_channels, num_classes, input_size, form, width=1.0, dropout=0.5, batchnorm=False):
    check_form_input("vgg11", form, input_size, NATIVE_MIN_SIZE, D2L_MIN_SIZE)
    return VGG(in_channels, num_classes, input_size, form, float(width), float(dropout), bool(batchnorm))


register(ModelSpec(
    name="vgg11",
    family="VGG",
    display_name="VGG-11",
    description="Five blocks of stacked 3×3 convolutions, each ending in a pool: depth from one pattern.",
    paper="Simonyan & Zisserman, Very Deep Convolutional Networks for Large-Scale Image Recognition, 2014",
    builder=_build,
    probe_layers=(
        ProbeLayer("block1.relu1", "feature", "block 1: 3×3 conv (64 maps)"),
        ProbeLayer("block2.relu1", "feature", "block 2: 3×3 conv (128 maps)"),
        ProbeLayer("block3.relu2", "feature", "block 3: second 3×3 conv (256 maps)"),
        ProbeLayer("block5.relu2", "feature", "block 5: last 3×3 conv (512 maps)"),
    ),
    input_size=(1, 28, 28),
    d2l_size=224,
    defaults=dict(optimizer="adam", lr=3e-4, batch_size=128, epochs=10, schedule="cosine",
                  weight_decay=0.0),
    options=frozenset({"width", "dropout", "batchnorm"}),
    min_size=NATIVE_MIN_SIZE,
))
