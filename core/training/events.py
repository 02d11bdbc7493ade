"""What a training run reports while it runs: the events the trainer hands to ``on_event``.

Plain dataclasses of numbers and numpy copies, safe to pass to another thread (the window's worker turns
them into Qt signals; the command line prints them). Warnings and failures carry a reason code, so a
reader tells them apart without parsing their text.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from convscope.core.setup.config import TrainConfig

# RunWarning.kind
STUCK = "stuck"  # the loss sits at ln C (guessing) after a fair number of steps; training goes on
OUT_OF_MEMORY = "oom"  # the batch was halved and the epoch starts again
AUGMENT_LABELS = "augment-labels"  # an augmentation that makes labels wrong on this dataset (6 ↔ 9)
COMPILING = "compiling"  # torch.compile is compiling the network: the first steps are slow
WARNINGS = (STUCK, OUT_OF_MEMORY, AUGMENT_LABELS, COMPILING)

# RunResult.reason
DIVERGED = "diverged"  # non-finite or exploding loss: the learning rate is too large
BAD_CONFIG = "config"  # the settings cannot train (e.g. BatchNorm with batches of one)
DATA = "data"  # a dataset that cannot be read (damaged, the wrong format)
DATA_MISSING = "data-missing"  # a dataset that is not on this computer and could not be downloaded
WRITE_FAILED = "write"  # the run directory could not be written (disk full, read-only)
BUSY = "busy"  # another training is writing the run directory (it holds the folder's lock)
NO_MEMORY = "oom"  # out of memory even at the smallest batch
ERROR = "error"  # anything else (the log has the traceback)
FAILURES = (DIVERGED, BAD_CONFIG, DATA, DATA_MISSING, WRITE_FAILED, BUSY, NO_MEMORY, ERROR)


@dataclass
class RunStarted:
    config: TrainConfig
    device: str
    n_train: int
    n_test: int
    steps_per_epoch: int
    start_epoch: int
    end_epoch: int
    params: int


@dataclass
class StepMetrics:
    """Per-step training metrics since the last publication (numpy copies, safe to hand to a GUI)."""

    epoch: int  # 1-based
    step: int  # steps done in this epoch
    steps_per_epoch: int
    global_steps: np.ndarray  # int64, one per step published
    losses: np.ndarray  # float32 mean loss of each step's batch
    accuracies: np.ndarray  # float32 accuracy of each step's batch
    lr: float
    examples_per_s: float
    eta_s: float  # to the end of the run


@dataclass
class EpochEnd:
    epoch: int
    train_loss: float
    train_acc: float
    test_loss: float
    test_acc: float
    lr: float
    seconds: float  # training time of this epoch
    examples_per_s: float
    weights: dict | None = None  # CPU copy of the state dict, when the trainer publishes weights
    examples: object = None  # core.insight.examples.ExampleRecord so far, when the trainer records it


@dataclass
class RunWarning:
    kind: str  # one of WARNINGS: recognise a warning by this code, never by its text
    message: str


@dataclass
class RunResult:
    status: str
    epochs: int
    train_loss: float | None = None
    train_acc: float | None = None
    test_loss: float | None = None
    test_acc: float | None = None
    examples_per_s: float | None = None
    seconds: float = 0.0
    run_dir: str | None = None
    message: str = ""
    history: list[dict] = field(default_factory=list)
    reason: str = ""  # why a run failed or diverged: one of FAILURES ("" when it completed or was stopped)

    @classmethod
    def of(cls, status: str, message: str, seconds: float, reason: str, progress, run_dir: str | None):
        """The result of a run whose ``progress`` (``core.runs.resume.Progress``) ended with ``status``; a
        completed run without a message says how many epochs it trained and its test accuracy."""
        last = progress.history[-1] if progress.history else {}
        if status == "completed" and not message:
            message = f"trained {progress.epochs_done} epoch(s)"
            if last:
                message += f"; test accuracy {last['test_acc']:.2%}"
        rate = progress.train_examples / progress.train_seconds if progress.train_seconds > 0 else None
        return cls(status=status, epochs=progress.epochs_done, train_loss=last.get("train_loss"),
                   train_acc=last.get("train_acc"), test_loss=last.get("test_loss"), test_acc=last.get("test_acc"),
                   examples_per_s=rate, seconds=seconds, run_dir=run_dir, message=message,
                   history=list(progress.history), reason=reason)

    def to_json(self) -> dict:
        out = {k: getattr(self, k) for k in ("status", "epochs", "train_loss", "train_acc", "test_loss",
                                             "test_acc", "examples_per_s", "seconds", "run_dir", "message")}
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in out.items()}


@dataclass
class RunFinished:
    result: RunResult
