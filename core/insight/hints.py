"""What the curves show, in words: hints read from a run's per-epoch metrics.

:func:`curve_hints` looks at the epochs so far (``metrics.jsonl`` records or ``EpochEnd`` events, oldest
first) and returns the hints that apply, each with a code (the window translates and shows each code once
per run) and a text for a student:

* ``batchnorm-lag`` — training accuracy well above chance while the test accuracy sits at chance, in a
  network with BatchNorm, after few optimizer steps: BatchNorm's running statistics, which evaluation
  uses, have not caught up with the weights yet. Not a bug, and not overfitting.
* ``overfitting`` — later on, the training accuracy pulls away from the test accuracy and the test loss
  rises while the training loss falls: the network learns its training images by heart.

No torch, no Qt: plain numbers in, plain text out.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

BATCHNORM_LAG = "batchnorm-lag"
OVERFITTING = "overfitting"

FEW_STEPS = 600  # BatchNorm's running averages (momentum 0.1) need a few hundred steps to settle
GAP = 0.15  # train − test accuracy that counts as "well above"


@dataclass(frozen=True)
class Hint:
    code: str
    title: str
    text: str
    values: dict = field(default_factory=dict)  # the figures in the text, for a translation of it


def _get(rec, key: str) -> float:
    value = rec.get(key) if isinstance(rec, dict) else getattr(rec, key, None)
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else float("nan")


def curve_hints(records: Iterable, num_classes: int, batchnorm: bool, steps: int) -> list[Hint]:
    """The hints for the epochs in ``records`` of a run of a network with (``batchnorm``) or without
    BatchNorm, ``num_classes`` outputs, after ``steps`` optimizer steps in all."""
    recs = list(records)
    if not recs:
        return []
    hints = []
    chance = 1.0 / max(num_classes, 1)
    last = recs[-1]
    train_acc, test_acc = _get(last, "train_acc"), _get(last, "test_acc")
    if batchnorm and steps <= FEW_STEPS and test_acc <= 1.5 * chance and train_acc >= max(2 * chance, chance + GAP):
        hints.append(Hint(BATCHNORM_LAG, "Test accuracy at chance: BatchNorm is still catching up", (
            f"Training accuracy is {100 * train_acc:.0f} % but the test accuracy sits at chance "
            f"({100 * test_acc:.0f} %) after only {steps:,} steps. Evaluation uses BatchNorm's running "
            "averages of each layer's mean and variance, and with few steps they still describe the "
            "network of the first batches, not the weights now. It is not overfitting: train for more "
            "steps (more epochs, a smaller batch or more images); the test accuracy jumps once the averages "
            "catch up."),
            {"train": 100 * train_acc, "test": 100 * test_acc, "steps": steps}))
    if len(recs) >= 3:
        prev = recs[-3:]
        test_losses = [_get(r, "test_loss") for r in prev]
        train_losses = [_get(r, "train_loss") for r in prev]
        rising = test_losses[2] > test_losses[1] > test_losses[0] or test_losses[2] > min(test_losses) * 1.1
        falling = train_losses[2] < train_losses[0]
        if train_acc - test_acc >= GAP and rising and falling and test_acc > 1.5 * chance:
            hints.append(Hint(OVERFITTING, "Overfitting: the network learns its training images by heart", (
                f"Training accuracy {100 * train_acc:.0f} %, test accuracy {100 * test_acc:.0f} %, and the "
                "test loss rises while the training loss still falls. What helps: data augmentation, "
                "weight decay, dropout, more training images — or stopping earlier, at the epoch chosen on "
                "validation images held out from training, not on the test set."),
                {"train": 100 * train_acc, "test": 100 * test_acc}))
    return hints
