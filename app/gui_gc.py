"""Garbage collection only in the GUI thread.

Python's cyclic garbage collector runs in whichever thread happens to allocate when a threshold is
crossed. With a training thread and a background-jobs thread allocating all the time, a cycle holding a
Qt object (a closed window, a menu, a worker) can be collected there: its C++ destructor then runs off the
GUI thread and needs the GIL that the GUI thread holds while it waits for the same Qt lock, and the
app hangs. So automatic collection is switched off and the GUI thread collects on a timer instead
(the approach of pyqtgraph's ``GarbageCollector``, with the thresholds kept).
"""
from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer

_INSTANCE: GuiThreadCollector | None = None


class GuiThreadCollector(QObject):
    def __init__(self, interval_ms: int = 500):
        super().__init__(QCoreApplication.instance())
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self, interval=interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        QCoreApplication.instance().aboutToQuit.connect(self.restore)

    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds, as gc itself would."""
        c0, c1, c2 = gc.get_count()
        if c0 > self.threshold[0]:
            generation = 2 if c2 > self.threshold[2] else 1 if c1 > self.threshold[1] else 0
            gc.collect(generation)

    def restore(self) -> None:
        """The event loop ends: no more collections on a timer. Automatic collection stays off while a
        background job may still run (it would collect in that thread): ``app.launcher`` switches it back on
        once those threads have ended (:func:`collect_here_and_hand_back`)."""
        self.timer.stop()


def collect_here_and_hand_back() -> None:
    """Collect in the calling (GUI) thread, then switch automatic collection back on: for the way out, once
    no other thread runs Python code that could collect a cycle holding a Qt object."""
    gc.collect()
    gc.enable()


def install(interval_ms: int = 500) -> GuiThreadCollector:
    """Switch collection to the GUI thread (once per application; call from the GUI thread)."""
    global _INSTANCE
    app = QCoreApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        raise RuntimeError("install the GUI-thread collector from the GUI thread of a running app")
    try:
        if _INSTANCE is not None:
            _INSTANCE.objectName()  # still alive (same QApplication)?
            return _INSTANCE
    except RuntimeError:
        pass
    _INSTANCE = GuiThreadCollector(interval_ms)
    return _INSTANCE
