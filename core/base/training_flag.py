"""Whether a training runs in this process now: the trainer holds the flag for the whole of ``run()``.

Work that would compete with a training for the same cores or GPU, and time itself doing so (the cost
ledger of :mod:`core.insight.cost`), asks :func:`training_now` first and refuses with
:class:`TrainingRunning`. The flag counts: two trainers in one process (a race, the window and a test)
hold it together, and it drops when the last one ends, however it ends.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_running = 0


class TrainingRunning(RuntimeError):
    """A training runs in this process: what was asked would slow it and be timed wrongly."""


@contextmanager
def training() -> Iterator[None]:
    """Hold the flag for the block (the trainer's ``run()``)."""
    global _running
    with _lock:
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1


def training_now() -> bool:
    return _running > 0


def refuse_while_training(what: str) -> None:
    """:class:`TrainingRunning` when a training runs in this process now."""
    if training_now():
        raise TrainingRunning(f"{what} waits until no training runs: it would slow the training down "
                              f"and time the two of them together. Stop the run or let it finish first.")
