"""The one way a ``QObject`` worker runs on a ``QThread`` of its own here: :class:`ThreadHost`.

Wiring: ``thread.started → worker.run``, ``worker.finished → thread.quit``, ``thread.finished →
thread.deleteLater`` and the host's own slot, which emits :attr:`ThreadHost.finished` in the GUI thread
once the thread has ended. The host keeps references to the thread and the worker for their whole life.
Connect the worker's other signals (only to ``@Slot`` methods of objects living in the GUI thread) before
:meth:`ThreadHost.start`, so that none is emitted unconnected. The worker must move itself back to the
GUI thread before it emits ``finished``: a PySide object destroyed in another thread can deadlock against
the GIL (see ``app/worker.py``). Stopping: ask the worker to stop (a ``threading.Event``, set from the GUI
thread) → ``quit()`` → ``wait()``; never ``terminate()``.

Users: the training run (``app.worker.RunController``) and the dataset download
(``app.widgets.download_dialog``).
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot


class ThreadHost(QObject):
    """Runs one worker at a time on a thread named ``name``. ``owner`` (the host's parent) is the GUI
    object whose slots receive the worker's signals: a shutdown delivers what the worker queued for it
    before ``finished``."""

    finished = Signal()  # the thread has ended; is_running() is False again

    def __init__(self, owner: QObject, name: str):
        super().__init__(owner)
        self._owner = owner
        self.name = name
        self._thread: QThread | None = None
        self._worker: QObject | None = None

    def is_running(self) -> bool:
        return self._thread is not None

    @property
    def thread(self) -> QThread | None:
        return self._thread

    @property
    def worker(self) -> QObject | None:
        return self._worker

    def start(self, worker: QObject) -> None:
        """Move ``worker`` (with a ``run`` slot and a ``finished`` signal) to a new thread and start it."""
        if self.is_running():
            raise RuntimeError(f"{self.name} is already running")
        thread = QThread()
        thread.setObjectName(self.name)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.finished.connect(thread.quit)
        thread.finished.connect(self._on_thread_finished)
        thread.finished.connect(thread.deleteLater)
        self._worker, self._thread = worker, thread
        thread.start()

    def shutdown(self, stop: Callable[[], None], timeout_ms: int | None = None) -> bool:
        """``stop()`` (ask the worker to end), then end the thread and wait for it (at most ``timeout_ms``;
        None: as long as it takes), then deliver what the worker queued (its last signals, then
        ``finished``) in order. False when the thread is still running after the timeout: ``finished``
        comes when it has ended. Never terminates it."""
        thread = self._thread
        if thread is None:
            return True
        stop()
        thread.quit()  # its event loop has not started yet: exec() will return at once
        if timeout_ms is None:
            thread.wait()
        elif not thread.wait(int(timeout_ms)):
            return False
        QCoreApplication.sendPostedEvents(self._owner)
        QCoreApplication.sendPostedEvents(self)
        if self._thread is thread:  # the queued finished slot did not arrive: clean up here
            self._on_thread_finished()
        return True

    @Slot()
    def _on_thread_finished(self) -> None:
        thread = self._thread
        if thread is None:
            return
        try:  # emitted from the thread just before it ends: wait that moment
            thread.wait()
        except RuntimeError:  # already deleted
            pass
        self._thread = self._worker = None
        self.finished.emit()
