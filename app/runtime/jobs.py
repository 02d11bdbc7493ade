"""Work off the GUI thread whose result comes back to it: the one latest-only job thread of the app.

:class:`BackgroundJobs` runs jobs one at a time in a thread of its own, latest-only per kind (a
newer request of the same kind replaces a pending one and asks a running one to give up). The thread
starts with the first job and ends when nothing is left to do. Results come back through
:func:`post_to_gui`: a queued signal of one relay object that lives in the GUI thread for the whole
process, so a job thread never holds a Qt object of its own and nothing is destroyed outside the GUI
thread. Users: the window's jobs (parameter counts, time estimates, summaries, exports, the warm-up) and
the Dataset tab's loader; the start-up's import thread hands its result over with :func:`post_to_gui`
too.

Jobs touch torch, and torch's global random generator is shared with the training run: a training run
seeds it and draws its initial weights from it. So the window's jobs never run while a run is active —
:meth:`BackgroundJobs.suspend` cancels the current job and holds new ones, and :meth:`wait_idle` (called
by the training thread before it starts) waits until the current job has given the CPU back.

The thread is not a daemon: a job inside torch when the window closes (the start-up warm-up on a busy
machine) is never abandoned to the interpreter's shutdown, which crashes a thread still in torch;
:meth:`close` waits a moment, and the process's exit waits for the rest.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

log = logging.getLogger("convscope.gui")


class _Relay(QObject):
    """Lives in the GUI thread for the whole process; any thread emits ``call`` and the slot runs the
    function there."""

    call = Signal(object, object)  # function, its arguments

    @Slot(object, object)
    def deliver(self, fn, args) -> None:
        try:
            fn(*args)
        except Exception:
            log.exception("a callback in the GUI thread failed")


_relay: _Relay | None = None
_relay_lock = threading.Lock()


def _the_relay() -> _Relay:
    global _relay
    with _relay_lock:
        if _relay is None:
            relay = _Relay()
            app = QCoreApplication.instance()
            if app is not None and QThread.currentThread() is not app.thread():
                relay.moveToThread(app.thread())  # made elsewhere: it belongs to the GUI thread all the same
            relay.call.connect(relay.deliver, Qt.ConnectionType.QueuedConnection)
            _relay = relay
        return _relay


def post_to_gui(fn: Callable[..., Any], *args: Any) -> bool:
    """Run ``fn(*args)`` in the GUI thread at its event loop's next turn (from any thread); False when the
    application is gone."""
    try:
        _the_relay().call.emit(fn, args)
        return True
    except RuntimeError:  # the application is shutting down
        return False


class BackgroundJobs:
    """Latest-only jobs in one thread; ``name`` names the thread, ``log_failures=False`` leaves the
    logging of failed jobs to their callbacks."""

    def __init__(self, name: str = "convscope-jobs", log_failures: bool = True):
        self.name, self.log_failures = name, log_failures
        self._cond = threading.Condition()
        self._pending: dict[str, tuple[Callable, Callable]] = {}
        self._suspended = False
        self._closed = False
        self._current: tuple[str, threading.Event] | None = None
        self._busy = threading.Lock()
        self._thread: threading.Thread | None = None
        _the_relay()  # made here, in the GUI thread

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
            self._start_thread()
            self._cond.notify()

    def suspend(self) -> None:
        """Cancel the job in progress and hold the others (a run is starting)."""
        with self._cond:
            self._suspended = True
            if self._current is not None:
                self._current[1].set()

    def resume(self) -> None:
        with self._cond:
            self._suspended = False
            if self._pending:
                self._start_thread()
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
        """Whether a job is computing now."""
        return self._busy.locked()

    def active(self) -> bool:
        """Whether a job is waiting or computing (the thread is there)."""
        with self._cond:
            return self._thread is not None

    def _start_thread(self) -> None:  # under the condition
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=False)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._closed and self._suspended and self._pending:
                    self._cond.wait()
                if self._closed or not self._pending:
                    self._thread = None
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
            except Exception as exc:  # noqa: BLE001 - a failed job is shown, never raised
                if self.log_failures and not cancel.is_set():  # a job that gave up when asked to has not failed
                    log.warning("background job %s failed: %s", kind, exc)
                error = exc
            finally:
                with self._cond:
                    self._current = None
                self._busy.release()
            with self._cond:
                if self._closed:
                    self._thread = None
                    return
            if not post_to_gui(callback, result, error):
                with self._cond:
                    self._thread = None
                return
            del fn, callback, result, error
