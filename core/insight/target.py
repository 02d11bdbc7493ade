"""What the probes look into: the attributes they read, declared once.

:class:`ProbeTarget` is what :class:`~convscope.core.insight.probe.Probe` reads: the ``Trainer`` of
``core.training.engine`` while it trains, or an opened run (``core.runs.opened_run.RunTarget``).
:class:`TrainingTarget` adds what the probes that watch the training batches need (the layer-health
monitor, the augmentation preview): only a trainer has them.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import torch

from convscope.core.data.datasets import DatasetInfo
from convscope.core.data.loading import DeviceSplit, Preprocess
from convscope.core.setup.config import TrainConfig


@runtime_checkable
class ProbeTarget(Protocol):
    """A model with its data, looked into between steps (``model`` is None until it is built)."""

    config: TrainConfig
    info: DatasetInfo
    model: torch.nn.Module | None
    device: torch.device | None  # None until it is set up
    preprocess: Preprocess | None  # uint8 images → the model's input
    test: DeviceSplit | None  # the test split on ``device`` (None until loaded)
    epochs_done: int
    global_step: int
    step_hooks: list[Callable[[Any], None]]  # called after every optimizer step with the target


@runtime_checkable
class TrainingTarget(ProbeTarget, Protocol):
    """A target that trains: its training split, its augmentation and the hooks on each batch."""

    train: DeviceSplit | None
    augmenter: Callable[..., torch.Tensor] | None  # None without augmentation
    batch_hooks: list[Callable[[Any, torch.Tensor, torch.Tensor], None]]
