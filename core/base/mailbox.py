"""A latest-only hand-over between two threads (the probe's snapshots to the window)."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class Mailbox:
    """A latest-only slot between two threads.

    ``put`` replaces whatever is there; ``take`` returns the latest item (or None) and empties the slot.
    ``on_full`` (optional) is called by the putting thread only when the slot goes from empty to full, so
    a consumer can be woken once per batch of puts rather than once per put.
    """

    def __init__(self, on_full: Callable[[], None] | None = None):
        self._lock = threading.Lock()
        self._item: Any = None
        self.on_full = on_full
        self.puts = 0  # items put, taken or not
        self.overwritten = 0  # items replaced before anybody took them

    def put(self, item: Any) -> bool:
        """Store ``item``; True when the slot was empty (and ``on_full`` was called)."""
        if item is None:
            raise ValueError("cannot put None into a mailbox")
        with self._lock:
            was_empty = self._item is None
            if not was_empty:
                self.overwritten += 1
            self._item = item
            self.puts += 1
        if was_empty and self.on_full is not None:
            self.on_full()
        return was_empty

    def take(self) -> Any:
        with self._lock:
            item, self._item = self._item, None
        return item

    def peek(self) -> Any:
        with self._lock:
            return self._item

    @property
    def full(self) -> bool:
        return self._item is not None

    def clear(self) -> None:
        with self._lock:
            self._item = None
