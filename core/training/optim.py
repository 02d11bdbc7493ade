"""Optimizers and learning-rate schedules of a run, as configured in its :class:`~core.setup.config.TrainConfig`."""
from __future__ import annotations

import warnings

import torch

from convscope.core.setup.config import TrainConfig

ONECYCLE_WARMUP = 0.3  # share of a one-cycle schedule spent raising the learning rate


def make_optimizer(config: TrainConfig, params) -> torch.optim.Optimizer:
    """The configured optimizer; the fused kernels (one op for all parameters) where torch has them."""
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[config.optimizer]
    kwargs = dict(lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "sgd":
        kwargs["momentum"] = config.momentum
    params = list(params)
    try:
        return cls(params, fused=True, **kwargs)
    except (RuntimeError, TypeError, ValueError):  # a device or dtype without fused kernels
        return cls(params, **kwargs)


def make_scheduler(config: TrainConfig, optimizer: torch.optim.Optimizer, kind: str, total: int,
                   done: int = 0):
    """The schedule ``kind`` over ``total`` steps, advanced past the ``done`` steps already taken (None
    for a constant rate). Every schedule starts from the configured learning rate."""
    if kind == "constant":
        return None
    total = max(1, total)
    for g in optimizer.param_groups:
        g["lr"] = config.lr
    if kind == "onecycle":
        # SGD keeps the momentum it was given (0 is d2l's plain SGD); Adam's beta1 cycles as usual.
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr, total_steps=total,
                                                        pct_start=ONECYCLE_WARMUP,
                                                        cycle_momentum=config.optimizer != "sgd")
    elif kind == "cosine":
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total)
    else:
        scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, [total // 2, (3 * total) // 4], gamma=0.1)
    with warnings.catch_warnings():  # stepping a schedule without optimizer steps is intended here
        warnings.simplefilter("ignore")
        for _ in range(min(done, total - 1)):
            scheduler.step()
    return scheduler


def warming_up(scheduler) -> bool:
    """A one-cycle schedule still raising the learning rate towards its peak."""
    if not isinstance(scheduler, torch.optim.lr_scheduler.OneCycleLR):
        return False
    return scheduler.last_epoch < ONECYCLE_WARMUP * scheduler.total_steps
