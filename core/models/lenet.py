"""LeNet (d2l 7.6): two convolution + pooling stages, then three fully connected layers.

``lenet`` is LeNet-5 in its classic MNIST form. Modern default: ReLU and max-pooling;
``activation="sigmoid"`` gives the original sigmoid + average-pooling network of LeCun et al. (1998).
``lenet-cifar`` is the small CIFAR-10 LeNet of the course notes, written exactly as there: no activation
between the convolutions, ReLU only between the two fully connected layers.
"""
from __future__ import annotations

import torch
from torch import nn

from convscope.core.models.registry import ModelOptionError, ModelSpec, ProbeLayer, check_input, register


class LeNet5(nn.Module):
    def __init__(self, in_channels=1, num_classes=10, input_size=28, activation="relu"):
        super().__init__()
        if activation not in ("relu", "sigmoid"):
            raise ModelOptionError(f"LeNet activation must be 'relu' or 'sigmoid', got {activation!r}")
        check_input("lenet", input_size, 28)
        act = nn.ReLU if activation == "relu" else nn.Sigmoid
        pool = nn.MaxPool2d if activation == "relu" else nn.AvgPool2d
        # d2l pads the first convolution by 2 so a 28×28 digit keeps its size, as LeNet's 32×32 input did.
        pad = 2 if input_size == 28 else 0
        self.conv1 = nn.Conv2d(in_channels, 6, kernel_size=5, padding=pad)
        self.act1 = act()
        self.pool1 = pool(2, 2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.act2 = act()
        self.pool2 = pool(2, 2)
        side = ((input_size + 2 * pad - 4) // 2 - 4) // 2
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(16 * side * side, 120)
        self.act3 = act()
        self.fc2 = nn.Linear(120, 84)
        self.act4 = act()
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, C, 28, 28)
        x = self.pool1(self.act1(self.conv1(x)))  # (B, 6, 14, 14)
        x = self.pool2(self.act2(self.conv2(x)))  # (B, 16, 5, 5)
        x = self.flatten(x)  # (B, 400)
        x = self.act3(self.fc1(x))  # (B, 120)
        x = self.act4(self.fc2(x))  # (B, 84)
        return self.fc3(x)  # (B, 10)


class LeNetCifar(nn.Module):
    def __init__(self, in_channels=3, num_classes=10, input_size=32):
        super().__init__()
        check_input("lenet-cifar", input_size, 20)
        self.conv1 = nn.Conv2d(in_channels, 16, kernel_size=5)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=5)
        self.pool2 = nn.MaxPool2d(2)
        side = ((input_size - 4) // 2 - 4) // 2
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(32 * side * side, 32)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(32, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, 3, 32, 32)
        x = self.pool1(self.conv1(x))  # (B, 16, 14, 14)
        x = self.pool2(self.conv2(x))  # (B, 32, 5, 5)
        x = self.flatten(x)  # (B, 800)
        x = self.act(self.fc1(x))  # (B, 32)
        return self.fc2(x)  # (B, 10)


def _lenet(in_channels, num_classes, input_size, form, activation="relu"):
    return LeNet5(in_channels, num_classes, input_size, activation)


def _lenet_cifar(in_channels, num_classes, input_size, form):
    return LeNetCifar(in_channels, num_classes, input_size)


register(ModelSpec(
    name="lenet",
    family="LeNet",
    display_name="LeNet-5",
    description="Two conv + pool stages and three fully connected layers: the first CNN that read digits.",
    paper="LeCun et al., Gradient-Based Learning Applied to Document Recognition, 1998",
    builder=_lenet,
    probe_layers=(
        ProbeLayer("act1", "feature", "conv1 (6 maps)"),
        ProbeLayer("act2", "feature", "conv2 (16 maps)"),
    ),
    input_size=(1, 28, 28),
    defaults=dict(optimizer="adam", lr=3e-3, batch_size=32, epochs=5, schedule="onecycle",
                  weight_decay=0.0),
    options=frozenset({"activation"}),
    min_size=28,
))

register(ModelSpec(
    name="lenet-cifar",
    family="LeNet",
    display_name="LeNet (CIFAR-10 notes)",
    description="LeNet-sized net for 32×32 colour images: conv 16, conv 32, fc 32; ReLU only in the head.",
    paper="LeCun et al., 1998; small CIFAR-10 form of the course notes",
    builder=_lenet_cifar,
    probe_layers=(
        ProbeLayer("conv1", "feature", "conv1 (16 maps)"),
        ProbeLayer("conv2", "feature", "conv2 (32 maps)"),
    ),
    input_size=(3, 32, 32),
    defaults=dict(optimizer="adam", lr=1e-3, batch_size=128, epochs=10, schedule="constant",
                  weight_decay=0.0),
    options=frozenset(),
    min_size=20,
))
