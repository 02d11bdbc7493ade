"""Network in Network (d2l 8.3): small "MLPs" slid over the image, and no fully connected head.

A NiN block is one ordinary convolution followed by two 1×1 convolutions, each with a ReLU. A 1×1
convolution is a fully connected layer applied at every pixel: it mixes the channels of one position and
leaves the spatial layout alone, so the three convolutions together act like a small MLP slid over the
image. The last block has as many output channels as there are classes; a global average pool turns each
of those score maps into one number, and those numbers are the class scores. Dropping the fully
connected layers removes most of AlexNet's parameters.

``nin`` has two forms:

* native (28×28 or 32×32 input) — the compact NiN of the course notes: blocks of width 96 and 256 with
  5×5 convolutions, 3×3/2 max-pooling and dropout between them, then a 3×3 block straight to the classes
  (790,630 parameters on 1×28×28 MNIST).
* d2l (224×224 input) — the book's network: an AlexNet-like 11×11/4 first block, blocks of width 96, 256
  and 384, each followed by 3×3/2 max-pooling, dropout, then the class block.

Weights start from Xavier initialisation, as in the book; with it the network leaves chance accuracy
much sooner than with PyTorch's default. The last block is called ``classifier`` in both forms, so its
score maps (``classifier.relu2``, shape (B, classes, h, w)) have the same name whichever form is built.

**No ReLU in front of the class scores (native form).** The book's and the notes' last block ends in a
ReLU, so each class score is the average of a map clipped at 0. Early in training, without BatchNorm, a
step can push every value of a class's map below 0: that class's score is then 0 for every image, the
ReLU passes no gradient, and nothing can bring the class back — the run sits at chance (loss ≈ ln 10)
or learns only some of the classes (measured on the Fashion-MNIST sample, width 0.5, Adam 1e-3, 2,000
images, 2 epochs: 4 of the 10 score maps dead after one epoch, 19 % test accuracy; without that ReLU
none dead and 36 %; the NiN lessons' settings — Adam one-cycle to 3e-3, batch 64, 12 epochs on 4,500
images — reach 82.6 %). The native form therefore leaves the scores unclipped (``classifier.relu2`` is an
identity there, under the same name); the d2l form keeps the ReLU, exactly as the book prints it, and
shows the failure.
"""
from __future__ import annotations

import torch
from torch import nn

from convscope.core.models.alexnet import init_cnn
from convscope.core.models.registry import ModelSpec, ProbeLayer, check_form_input, register, scaled


class NiNBlock(nn.Module):
    """conv(k, s, p) → ReLU → 1×1 conv → ReLU → 1×1 conv → ReLU, all with the same channels; without the
    last ReLU where ``last_relu`` is False (a block that makes the class scores)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, batchnorm=False,
                 last_relu=True):
        super().__init__()
        norm = (lambda: nn.BatchNorm2d(out_channels)) if batchnorm else nn.Identity
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding)
        self.bn = norm()
        self.relu = nn.ReLU()
        self.mlp1 = nn.Conv2d(out_channels, out_channels, kernel_size=1)
        self.bn1 = norm()
        self.relu1 = nn.ReLU()
        self.mlp2 = nn.Conv2d(out_channels, out_channels, kernel_size=1)
        self.bn2 = norm()
        self.relu2 = nn.ReLU() if last_relu else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn(self.conv(x)))  # the spatial convolution
        x = self.relu1(self.bn1(self.mlp1(x)))  # per-pixel layer 1
        return self.relu2(self.bn2(self.mlp2(x)))  # per-pixel layer 2


class NiN(nn.Module):
    """The compact NiN of the course notes, for 28×28 / 32×32 images."""

    def __init__(self, in_channels=1, num_classes=10, input_size=28, width=1.0, dropout=0.5,
                 batchnorm=False):
        super().__init__()
        c1, c2 = scaled(96, width), scaled(256, width)
        self.block1 = NiNBlock(in_channels, c1, 5, 1, 2, batchnorm)
        self.pool1 = nn.MaxPool2d(3, stride=2, padding=1)
        self.drop1 = nn.Dropout(dropout)
        self.block2 = NiNBlock(c1, c2, 5, 1, 2, batchnorm)
        self.pool2 = nn.MaxPool2d(3, stride=2, padding=1)
        self.drop2 = nn.Dropout(dropout)
        # The class scores are not clipped at 0: a class whose map a ReLU zeroes could never recover.
        self.classifier = NiNBlock(c2, num_classes, 3, 1, 1, batchnorm, last_relu=False)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        init_cnn(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, 1, 28, 28)
        x = self.block1(x)  # (B, 96, 28, 28)
        x = self.drop1(self.pool1(x))  # (B, 96, 14, 14)
        x = self.block2(x)  # (B, 256, 14, 14)
        x = self.drop2(self.pool2(x))  # (B, 256, 7, 7)
        x = self.classifier(x)  # (B, 10, 7, 7): one score map per class
        return self.flatten(self.gap(x))  # (B, 10)


class NiND2L(nn.Module):
    """The NiN of d2l 8.3, for 224×224 images, exactly as printed (a ReLU in front of the class scores)."""

    def __init__(self, in_channels=1, num_classes=10, input_size=224, width=1.0, dropout=0.5,
                 batchnorm=False):
        super().__init__()
        c1, c2, c3 = scaled(96, width), scaled(256, width), scaled(384, width)
        self.block1 = NiNBlock(in_channels, c1, 11, 4, 0, batchnorm)
        self.pool1 = nn.MaxPool2d(3, stride=2)
        self.block2 = NiNBlock(c1, c2, 5, 1, 2, batchnorm)
        self.pool2 = nn.MaxPool2d(3, stride=2)
        self.block3 = NiNBlock(c2, c3, 3, 1, 1, batchnorm)
        self.pool3 = nn.MaxPool2d(3, stride=2)
        self.drop = nn.Dropout(dropout)
        self.classifier = NiNBlock(c3, num_classes, 3, 1, 1, batchnorm)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        init_cnn(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, 1, 224, 224)
        x = self.pool1(self.block1(x))  # (B, 96, 26, 26)
        x = self.pool2(self.block2(x))  # (B, 256, 12, 12)
        x = self.pool3(self.block3(x))  # (B, 384, 5, 5)
        x = self.classifier(self.drop(x))  # (B, 10, 5, 5): one score map per class
        return self.flatten(self.gap(x))  # (B, 10)


# Smallest input the d2l form accepts: the third pool needs a 3×3 map to pool.
D2L_MIN_SIZE = 67
NATIVE_MIN_SIZE = 8


def _build(in_channels, num_classes, input_size, form, width=1.0, dropout=0.5, batchnorm=False):
    check_form_input("nin", form, input_size, NATIVE_MIN_SIZE, D2L_MIN_SIZE)
    if form == "d2l":
        return NiND2L(in_channels, num_classes, input_size, float(width), float(dropout), bool(batchnorm))
    return NiN(in_channels, num_classes, input_size, float(width), float(dropout), bool(batchnorm))


register(ModelSpec(
    name="nin",
    family="NiN",
    display_name="Network in Network",
    description="Convolutions followed by 1×1 'per-pixel MLPs'; global average pooling, no dense layers.",
    paper="Lin, Chen & Yan, Network In Network, 2013",
    builder=_build,
    probe_layers=(
        ProbeLayer("block1.conv", "feature", "block 1: first conv (96 maps)"),
        ProbeLayer("block1.mlp1", "1x1", "block 1: first 1×1 conv (mixes 96 channels per pixel)"),
        ProbeLayer("block1.mlp2", "1x1", "block 1: second 1×1 conv"),
        ProbeLayer("block2.mlp1", "1x1", "block 2: first 1×1 conv (mixes 256 channels per pixel)"),
        ProbeLayer("block2.mlp2", "1x1", "block 2: second 1×1 conv"),
        ProbeLayer("classifier.relu2", "gap",
                   "last block: one score map per class, averaged into the class scores"),
    ),
    input_size=(1, 28, 28),
    d2l_size=224,
    # Adam with a one-cycle warm-up to 3e-3: without BatchNorm, NiN spends its first epoch near ln 10 at a
    # constant 1e-3 (measured on the Fashion-MNIST sample: 67 % after 3 epochs; 78 % after 4 with these).
    defaults=dict(optimizer="adam", lr=3e-3, batch_size=64, epochs=10, schedule="onecycle",
                  weight_decay=0.0),
    options=frozenset({"width", "dropout", "batchnorm"}),
    min_size=NATIVE_MIN_SIZE,
))
