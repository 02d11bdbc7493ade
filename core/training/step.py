"""One optimizer step as a run takes it, for the trainer and for the time estimate alike.

:class:`TrainStep` holds what a step needs besides its batch, made from the run's config by
:func:`make_step`: the loss (with the configured label smoothing), the autocast type on CUDA (bf16, or
fp16 with a ``GradScaler`` where bf16 is missing) and the optimizer. The trainer calls it for every batch;
``core.training.introspect.measure_rate`` times it, so an estimate measures the step the run takes.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from convscope.core.setup.config import TrainConfig


@dataclass
class TrainStep:
    """Forward (under autocast when ``amp_dtype`` is set), the loss, backward (through the scaler when it
    is enabled) and the optimizer step. ``criterion`` gives one loss per example (``reduction="none"``);
    the step trains on their mean and keeps them, detached, in ``example_losses`` (the example record's
    "loss at its last visit")."""

    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    criterion: torch.nn.Module
    scaler: torch.amp.GradScaler
    device_type: str
    amp_dtype: torch.dtype | None = None  # None: no autocast
    example_losses: torch.Tensor | None = None  # the last batch's per-example losses (device, detached)

    def __call__(self, xb: torch.Tensor, yb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The batch's loss and the model's output, both detached and still on the device."""
        self.optimizer.zero_grad(set_to_none=True)
        if self.amp_dtype is not None:
            with torch.autocast(self.device_type, dtype=self.amp_dtype):
                out = self.model(xb)
                losses = self.criterion(out.float(), yb)
                loss = losses.mean()
            self.scaler.scale(loss).backward()
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            out = self.model(xb)
            losses = self.criterion(out, yb)
            loss = losses.mean()
            loss.backward()
            self.optimizer.step()
        self.example_losses = losses.detach()
        return loss.detach(), out.detach()

    def fresh_scaler(self) -> None:
        """Forget a half-done step (out of memory), keeping the loss scale."""
        if self.scaler.is_enabled():
            self.scaler = torch.amp.GradScaler("cuda", init_scale=self.scaler.get_scale())


def make_step(config: TrainConfig, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
              device: torch.device) -> TrainStep:
    """The run's step for ``model`` on ``device``: autocast on CUDA only, when ``config.amp``."""
    use_amp = config.amp and device.type == "cuda"
    amp_dtype = torch.bfloat16 if use_amp and torch.cuda.is_bf16_supported() else torch.float16
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp and amp_dtype == torch.float16)
    criterion = torch.nn.CrossEntropyLoss(label_smoothing=config.label_smoothing, reduction="none")
    return TrainStep(model, optimizer, criterion, scaler, device.type, amp_dtype if use_amp else None)
