"""A run's network from its :class:`~core.setup.config.TrainConfig`: with fresh weights, weightless, or empty."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from convscope.core.models import create_model
from convscope.core.models.registry import ModelOptionError
from convscope.core.setup.config import ConfigError, TrainConfig


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


# ------------------------------------------------------------------------------------- memory budget
PARAM_LIMIT = 2 << 30  # bytes of weights this app builds from a file (VGG-11 at 224 px: 0.5 GiB)
ACTIVATION_LIMIT = 2 << 30  # bytes of layer outputs for one image


@dataclass(frozen=True)
class ModelBudget:
    """What a network needs, measured on the meta device: its state (weights and buffers) and the
    outputs of its layers for one image, in bytes."""

    arch: str
    state_bytes: int
    activation_bytes: int

    def check(self) -> None:
        """``ConfigError`` when the network is beyond what this app builds from a config."""
        from convscope.core.base.safe_read import human_size

        for what, size, limit in (("weights", self.state_bytes, PARAM_LIMIT),
                                  ("layer outputs for one image", self.activation_bytes, ACTIVATION_LIMIT)):
            if size > limit:
                raise ConfigError(f"this {self.arch} would need {human_size(size)} of {what}, more than the "
                                  f"{human_size(limit)} ConvScope allows; use a smaller width or image size.")


def model_budget(model: nn.Module, config: TrainConfig) -> ModelBudget:
    """The budget of ``model`` (on the meta device: nothing is allocated), with a forward of one image
    whose hooks add up the size of every leaf layer's output."""
    state = sum(t.numel() * t.element_size() for t in model.state_dict().values())
    total = [0]

    def hook(module, inputs, output):
        for t in output if isinstance(output, (tuple, list)) else (output,):
            if isinstance(t, torch.Tensor):
                total[0] += t.numel() * t.element_size()

    leaves = [m for m in model.modules() if not any(True for _ in m.children())]
    handles = [m.register_forward_hook(hook) for m in leaves]
    was_training = model.training
    try:
        if state <= PARAM_LIMIT:  # far beyond the limit already: no forward needed
            model.eval()
            with torch.no_grad():
                model(torch.empty((1, *config.input_size), device="meta"))
    except (RuntimeError, NotImplementedError, TypeError, ValueError) as exc:
        raise ConfigError(f"the {config.arch} of this config does not accept its input "
                          f"({str(exc).splitlines()[0]}).") from None
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return ModelBudget(config.arch, state, total[0])
