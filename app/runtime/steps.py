"""Per-step metrics from the training thread to the GUI: the step half of the app's pull design.

The training thread pushes every ``StepMetrics`` into a :class:`StepBuffer`; the window drains it on its
own ~30 Hz timer (as the inside views take their snapshots from a latest-only
``core.base.mailbox.Mailbox`` on theirs), so there is never one signal per step. The steps are all kept
(the curves need each one); the snapshots are not (only the latest is drawn).
"""
from __future__ import annotations

import threading
from collections import deque
from dataclasses import replace
from typing import Any


def merge_steps(events: list) -> Any:
    """One ``StepMetrics`` holding the steps of several consecutive ones (the last one's progress)."""
    if len(events) == 1:
        return events[0]
    import numpy as np

    last = events[-1]
    return replace(last,
                   global_steps=np.concatenate([e.global_steps for e in events]),
                   losses=np.concatenate([e.losses for e in events]),
                   accuracies=np.concatenate([e.accuracies for e in events]))


class StepBuffer:
    """Per-step metrics on their way from the training thread to the GUI.

    ``push`` (training thread) and ``drain`` (GUI thread) hold the lock only to move references. The
    number of pending events is bounded: when the GUI falls behind, the pending events are merged into
    one, so no step is lost and the queue never grows past ``max_events``.
    """

    def __init__(self, max_events: int = 1024):
        self._lock = threading.Lock()
        self._items: deque = deque()
        self.max_events = max_events
        self.merges = 0

    def push(self, event) -> None:
        with self._lock:
            self._items.append(event)
            if len(self._items) >= self.max_events:
                merged = merge_steps(list(self._items))
                self._items.clear()
                self._items.append(merged)
                self.merges += 1

    def drain(self) -> list:
        with self._lock:
            if not self._items:
                return []
            items = list(self._items)
            self._items.clear()
        return items

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
