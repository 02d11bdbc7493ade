"""A run's network from its :class:`~core.config.TrainConfig`: with fresh weights, weightless, or empty."""
from __future__ import annotations

import torch
from torch import nn

from .config import ConfigError, TrainConfig
from .models import create_model
from .models.registry import ModelOptionError


def build_model(config: TrainConfig) -> nn.Module:
    """The network of ``config``, with fresh (randomly initialised) weights on the CPU."""
    c, side, _ = config.input_size
    try:
        return create_model(config.arch, in_channels=c, input_size=side,
                            num_classes=config.info.num_classes, form=config.form,
                            **config.model_options())
    except ModelOptionError as exc:
        raise ConfigError(str(exc)) from None


def meta_model(config: TrainConfig) -> nn.Module:
    """The network of ``config`` on the 'meta' device: shapes only, no memory, no random numbers drawn
    (the global generator a training run in another thread draws from is left untouched)."""
    with torch.device("meta"):
        return build_model(config)


def empty_model(config: TrainConfig, device: str | torch.device = "cpu") -> nn.Module:
    """The network of ``config`` with uninitialised storage on ``device``, for weights loaded next."""
    return meta_model(config).to_empty(device=device)
