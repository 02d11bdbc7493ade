"""AlexNet (d2l 8.1): LeNet made deeper and much wider, with ReLU and dropout.

AlexNet won ImageNet 2012 with five convolutional layers and three fully connected layers. Compared with
LeNet it uses ReLU instead of sigmoid (so gradients do not vanish), max-pooling, far more channels, and
dropout in the fully connected layers to keep its tens of millions of parameters from memorising the
training set.

``alexnet`` has two forms:

* d2l (224×224 input) — the book's network: an 11×11 stride-4 first convolution with 96 channels, a 5×5
  convolution with 256, three 3×3 convolutions (384, 384, 256), three 3×3/2 max-pools, then fully
  connected layers of 4096, 4096 and the classes (6400 features reach the first of them).
* native (28×28 or 32×32 input) — the same five convolutions and three fully connected layers with the
  same widths, but the first convolution is 3×3 with stride 1 and the pools are 2×2/2, so a small image
  is not shrunk to nothing (28 → 14 → 7 → 3, 32 → 16 → 8 → 4).

``width`` scales every channel count and the 4096-wide layers; ``batchnorm`` adds batch normalisation
after each convolution (not in the original, which used local response normalisation).
"""
from __future__ import annotations

import torch
from torch import nn

from convscope.core.models.registry import ModelSpec, ProbeLayer, check_form_input, register, scaled


def init_cnn(model: nn.Module) -> None:
    """Xavier initialisation of every convolution and linear layer, as the book's ``init_cnn`` does.

    Without it, PyTorch's default initialisation shrinks the signal a little at every layer, and a deep
    stack without batch norm can sit at chance accuracy for a long time before it starts to learn. VGG, NiN
    and GoogLeNet use it too.
    """
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(module.weight)
            nn.init.zeros_(module.bias)


def _conv_side(side: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    return (side + 2 * padding - kernel) // stride + 1


class AlexNet(nn.Module):
    def __init__(self, in_channels=1, num_classes=10, input_size=224, form="d2l", width=1.0,
                 dropout=0.5, batchnorm=False):
        super().__init__()
        c1, c2, c3, c4, c5 = (scaled(c, width) for c in (96, 256, 384, 384, 256))
        hidden = scaled(4096, width)
        norm = nn.BatchNorm2d if batchnorm else (lambda channels: nn.Identity())
        if form == "d2l":
            first = dict(kernel_size=11, stride=4, padding=1)
            pool = dict(kernel_size=3, stride=2)
        else:
            first = dict(kernel_size=3, stride=1, padding=1)
            pool = dict(kernel_size=2, stride=2)

        self.conv1 = nn.Conv2d(in_channels, c1, **first)
        self.bn1 = norm(c1)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(**pool)
        self.conv2 = nn.Conv2d(c1, c2, kernel_size=5, padding=2)
        self.bn2 = norm(c2)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(**pool)
        self.conv3 = nn.Conv2d(c2, c3, kernel_size=3, padding=1)
        self.bn3 = norm(c3)
        self.relu3 = nn.ReLU()
        self.conv4 = nn.Conv2d(c3, c4, kernel_size=3, padding=1)
        self.bn4 = norm(c4)
        self.relu4 = nn.ReLU()
        self.conv5 = nn.Conv2d(c4, c5, kernel_size=3, padding=1)
        self.bn5 = norm(c5)
        self.relu5 = nn.ReLU()
        self.pool3 = nn.MaxPool2d(**pool)

        side = _conv_side(input_size, first["kernel_size"], first["stride"], first["padding"])
        for _ in range(3):
            side = _conv_side(side, pool["kernel_size"], pool["stride"])
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(c5 * side * side, hidden)
        self.relu6 = nn.ReLU()
        self.drop1 = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden, hidden)
        self.relu7 = nn.ReLU()
        self.drop2 = nn.Dropout(dropout)
        self.fc3 = nn.Linear(hidden, num_classes)
        init_cnn(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, 1, 224, 224) | native (B, 1, 28, 28)
        x = self.pool1(self.relu1(self.bn1(self.conv1(x))))  # (B, 96, 26, 26) | (B, 96, 14, 14)
        x = self.pool2(self.relu2(self.bn2(self.conv2(x))))  # (B, 256, 12, 12) | (B, 256, 7, 7)
        x = self.relu3(self.bn3(self.conv3(x)))  # (B, 384, 12, 12) | (B, 384, 7, 7)
        x = self.relu4(self.bn4(self.conv4(x)))  # (B, 384, 12, 12) | (B, 384, 7, 7)
        x = self.pool3(self.relu5(self.bn5(self.conv5(x))))  # (B, 256, 5, 5) | (B, 256, 3, 3)
        x = self.flatten(x)  # (B, 6400) | (B, 2304)
        x = self.drop1(self.relu6(self.fc1(x)))  # (B, 4096)
        x = self.drop2(self.relu7(self.fc2(x)))  # (B, 4096)
        return self.fc3(x)  # (B, 10)


# Smallest inputs: the third pool needs something to pool (3×3 for the d2l form, 2×2 for the native one).
D2L_MIN_SIZE = 65
NATIVE_MIN_SIZE = 8


def _build(in_channels, num_classes, input_size, form, width=1.0, dropout=0.5, batchnorm=False):
    check_form_input("alexnet", form, input_size, NATIVE_MIN_SIZE, D2L_MIN_SIZE)
    return AlexNet(in_channels, num_classes, input_size, form, float(width), float(dropout), bool(batchnorm))


register(ModelSpec(
    name="alexnet",
    family="AlexNet",
    display_name="AlexNet",
    description="Five conv and three big dense layers with ReLU and dropout: LeNet scaled up for ImageNet.",
    paper="Krizhevsky, Sutskever & Hinton, ImageNet Classification with Deep CNNs, 2012",
    builder=_build,
    probe_layers=(
        ProbeLayer("relu1", "feature", "conv1 (96 maps)"),
        ProbeLayer("relu2", "feature", "conv2: 5×5 conv (256 maps)"),
        ProbeLayer("relu3", "feature", "conv3: 3×3 conv (384 maps)"),
        ProbeLayer("relu5", "feature", "conv5: last 3×3 conv (256 maps)"),
    ),
    input_size=(1, 28, 28),
    d2l_size=224,
    defaults=dict(optimizer="adam", lr=3e-4, batch_size=128, epochs=10, schedule="cosine",
                  weight_decay=0.0),
    options=frozenset({"width", "dropout", "batchnorm"}),
    min_size=NATIVE_MIN_SIZE,
))
