"""Running a QObject worker on a QThread of its own, wired the one way that is safe here.

The worker's ``run`` slot starts when the thread does; its ``finished`` signal ends the thread's event
loop; the thread is deleted (``deleteLater``) in the GUI thread once it has finished. Connect the worker's
other signals before calling :func:`start_in_thread`, so that none is emitted unconnected. The worker
must move itself back to the GUI thread before it emits ``finished`` (a PySide object destroyed in
another thread can deadlock against the GIL: see ``app/worker.py``).
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QThread


def start_in_thread(worker: QObject, name: str, on_thread_finished: Callable[[], None]) -> QThread:
    """Move ``worker`` to a new thread named ``name`` and start it; ``on_thread_finished`` runs in the
    GUI thread when the thread has ended. Keep a reference to the returned thread for its whole life."""
    thread = QThread()
    thread.setObjectName(name)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    worker.finished.connect(thread.quit)
    thread.finished.connect(on_thread_finished)
    thread.finished.connect(thread.deleteLater)
    thread.start()
    return thread


def wait_for_thread(owner: QObject, thread: QThread, timeout_ms: int | None = None) -> bool:
    """After asking the worker to stop: end ``thread`` and wait for it (at most ``timeout_ms``; None:
    as long as it takes), then deliver what the worker queued for ``owner`` (its last signals,
    ``thread.finished``) in order. False when the thread is still running after the timeout. Never
    terminates it."""
    thread.quit()  # its event loop has not started yet: exec() will return at once
    if timeout_ms is None:
        thread.wait()
    elif not thread.wait(int(timeout_ms)):
        return False
    QCoreApplication.sendPostedEvents(owner)
    return True


def join_finished(thread: QThread) -> None:
    """In the slot of ``thread.finished``: wait the moment until the thread has really ended (the signal
    is emitted from the thread just before it does); a thread already deleted is fine."""
    try:
        thread.wait()
    except RuntimeError:  # already deleted
        pass
