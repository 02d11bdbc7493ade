"""The checks that end or warn about a run: a loss that diverges, weights that broke, a network stuck at
guessing. Each says what to try, with the run's learning rate."""
from __future__ import annotations

import math

import numpy as np
import torch

from convscope.core.training import events as ev

STUCK_MIN_STEPS = 50  # the stuck-at-chance warning waits for this many optimizer steps


class StopTraining(Exception):
    """Raised inside the loop to end the run with a status (and, for a failure, its reason code)."""

    def __init__(self, status: str, message: str, reason: str = ""):
        super().__init__(message)
        self.status, self.message, self.reason = status, message, reason


def lr_hint(lr: float) -> str:
    return f"lower the learning rate (now {lr:g}; try {lr / 10:g})"


def diverged_message(value, lr: float, what: str = "loss") -> str:
    how = "became NaN/infinite" if not np.isfinite(value).all() else f"exploded to {float(np.max(value)):.3g}"
    return (f"training diverged: the {what} {how}. The learning rate is too large for this network; "
            f"{lr_hint(lr)}.")


def check_divergence(losses: np.ndarray, start_loss: float | None, num_classes: int, lr: float) -> float | None:
    """Non-finite, or "explodes": far above the first step's loss and above guessing (ln C). Returns
    the first step's loss (``start_loss``, or the first of ``losses`` when there was none yet);
    :class:`StopTraining` ``diverged`` when the losses diverged."""
    if not np.isfinite(losses).all():
        raise StopTraining("diverged", diverged_message(losses, lr), ev.DIVERGED)
    if len(losses) == 0:
        return start_loss
    if start_loss is None:
        start_loss = float(losses[0])
    if float(losses.mean()) > 3 * max(start_loss, math.log(num_classes)):
        raise StopTraining("diverged", diverged_message(losses, lr), ev.DIVERGED)
    return start_loss


def stuck_message(train_loss: float, train_acc: float, epoch: int, num_classes: int, lr: float,
                  optimizer: str) -> str | None:
    """The warning when the loss sits at ln C (guessing) and accuracy at chance; None otherwise."""
    chance = math.log(num_classes)
    if abs(train_loss - chance) > 0.05 * chance or train_acc > 1.5 / num_classes:
        return None
    other = "switch to Adam, or add BatchNorm" if optimizer == "sgd" else "add BatchNorm"
    return (f"epoch {epoch}: the loss stays at {train_loss:.3f} ≈ ln {num_classes} = {chance:.3f} and "
            f"accuracy at chance ({train_acc:.1%}): the network is guessing. The learning rate may be too "
            f"large (ReLUs died) or too small to escape; {lr_hint(lr)}, or {other}. Training goes on.")


def weights_finite(model: torch.nn.Module) -> bool:
    params = [p.detach() for p in model.parameters()]
    return bool(torch.stack([torch.isfinite(p).all() for p in params]).all()) if params else True


def check_weights(model: torch.nn.Module, lr: float) -> None:
    """:class:`StopTraining` ``diverged`` when a weight became NaN or infinite."""
    if not weights_finite(model):
        raise StopTraining("diverged", diverged_message(np.array([np.nan]), lr, "weights"), ev.DIVERGED)
