"""Small background jobs of the window: parameter counts and time estimates (``core.training.introspect``).

One thread per window runs the jobs, latest-only per kind (a newer request of the same kind
replaces a pending one). Results come back to the GUI thread through a queued signal. The thread is not
a daemon: a job inside torch when the window closes (the start-up warm-up on a busy machine) is never
abandoned to the interpreter's shutdown, which crashes a thread still in torch; :meth:`close` waits a
moment, and the process's exit waits for the rest.

Jobs touch torch, and torch's global random generator is shared with the training run: a training run
seeds it and draws its initial weights from it. So jobs never run while a run is active —
:meth:`BackgroundJobs.suspend` cancels the current job and holds new ones, and :meth:`wait_idle` (called
by the training thread before it starts) waits until the current job has given the CPU back.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger("convscope.gui")


class _Relay(QObject):
    """Lives in the GUI thread; the job thread emits ``done`` and the slot runs the callback there."""

    done = Signal(object, object, object)  # callback, result, error

    @Slot(object, object, object)
    def deliver(self, callback, result, error) -> None:
        try:
            callback(result, error)
        except Exception:
            log.exception("background job callback failed")


class BackgroundJobs:
    def __init__(self):
        self._cond = threading.Condition()
        self._pending: dict[str, tuple[Callable, Callable]] = {}
        self._suspended = False
        self._closed = False
        self._current: tuple[str, threading.Event] | None = None
        self._busy = threading.Lock()
        self._thread: threading.Thread | None = None
        self._relay = _Relay()
        self._relay.done.connect(self._relay.deliver)

    def submit(self, kind: str, fn: Callable[[threading.Event], Any],
               callback: Callable[[Any, BaseException | None], None]) -> None:
        """Run ``fn(cancel_event)`` in the background; ``callback(result, error)`` in the GUI thread.

        A pending job of the same kind is replaced, a running one is asked to give up.
        """
        with self._cond:
            if self._closed:
                return
            self._pending[kind] = (fn, callback)
            if self._current is not None and self._current[0] == kind:
                self._current[1].set()
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="convscope-jobs", daemon=False)
                self._thread.start()
            self._cond.notify()

    def discard(self, kind: str) -> None:
        with self._cond:
            self._pending.pop(kind, None)

    def suspend(self) -> None:
        """Cancel the job in progress and hold the others (a run is starting)."""
        with self._cond:
            self._suspended = True
            if self._current is not None:
                self._current[1].set()

    def resume(self) -> None:
        with self._cond:
            self._suspended = False
            self._cond.notify()

    def wait_idle(self) -> None:
        """Block until no job is computing (called from the training thread before it starts)."""
        with self._busy:
            pass

    def close(self, timeout: float = 2.0) -> None:
        """No more jobs; the one in progress is asked to give up, and waited for ``timeout`` seconds (the
        thread then ends by itself when it has, and the process's exit waits for it)."""
        with self._cond:
            self._closed = True
            self._pending.clear()
            if self._current is not None:
                self._current[1].set()
            self._cond.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    @property
    def busy(self) -> bool:
        return self._busy.locked()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (self._suspended or not self._pending):
                    self._cond.wait()
                if self._closed:
                    return
                kind = next(iter(self._pending))
                fn, callback = self._pending.pop(kind)
                cancel = threading.Event()
                self._current = (kind, cancel)
                # Taken under the condition: a suspend() that comes after this sees the job as busy.
                self._busy.acquire()
            result, error = None, None
            try:
                result = fn(cancel)
            except Exception as exc:  # noqa: BLE001 - a failed estimate is shown, never raised
                if not cancel.is_set():  # a job that gave up when asked to has not failed
                    log.warning("background job %s failed: %s", kind, exc)
                error = exc
            finally:
                with self._cond:
                    self._current = None
                self._busy.release()
            with self._cond:
                if self._closed:
                    return
            try:
                self._relay.done.emit(callback, result, error)
            except RuntimeError:  # the window is gone
                return
