"""A latest-only hand-over between two threads (the probe's snapshots to the window)."""
from __future__ import annotations

import threading
from typing import Any


class Mailbox:
    """A latest-only slot between two threads.

    ``put`` replaces whatever is there and says whether the slot went from empty to full; ``take``
    returns the latest item (or None) and empties the slot. The consumer pulls on its own timer
    (``app.runtime.steps`` is the other half of that design: every step kept, not only the latest).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._item: Any = None
        self.puts = 0  # items put, taken or not
        self.overwritten = 0  # items replaced before anybody took them

    def put(self, item: Any) -> bool:
        """Store ``item``; True when the slot was empty."""
        if item is None:
            raise ValueError("cannot put None into a mailbox")
        with self._lock:
            was_empty = self._item is None
            if not was_empty:
                self.overwritten += 1
            self._item = item
            self.puts += 1
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
