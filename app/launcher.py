"""Open the window as fast as possible.

Only PySide6 is imported here and by ``app.main_window`` at import time. Building the window reads
``core.config`` (torch-free) for the settings' choices; torch, torchvision, pyqtgraph and the rest of
``core`` are imported after the window is shown (:mod:`app.startup`, partly in a background thread).

``CONVSCOPE_STARTUP_REPORT=1`` prints the wall-clock time (``time.time()``) of the window's first paint
and of the moment it is ready to train to stderr, then quits: ``benchmarks/bench_gui.py --startup``
uses it to measure the start-up time of ``python main.py``.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import time
import traceback


def _install_excepthooks(window):
    """Uncaught exceptions (GUI thread or any other) are logged and shown in the window's banner.
    Returns a function that puts the previous hooks back."""
    log = logging.getLogger("convscope.gui")
    previous_sys, previous_thread = sys.excepthook, threading.excepthook

    def show(exc_type, exc, tb, where: str) -> None:
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("uncaught exception in %s:\n%s", where, text)
        try:
            window.report_error("Something went wrong", f"{exc_type.__name__}: {exc} ({where}). "
                                "The Log tab has the details.")
        except RuntimeError:  # the window is gone
            previous_sys(exc_type, exc, tb)

    def sys_hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            return previous_sys(exc_type, exc, tb)
        show(exc_type, exc, tb, "the window")

    def thread_hook(args):
        if args.exc_type is SystemExit:
            return previous_thread(args)
        name = args.thread.name if args.thread is not None else "a thread"
        show(args.exc_type, args.exc_value, args.exc_traceback, f"thread {name}")

    sys.excepthook = sys_hook
    threading.excepthook = thread_hook

    def restore():
        sys.excepthook, threading.excepthook = previous_sys, previous_thread

    return restore


def _close_on_signals(window, signals=("SIGINT", "SIGTERM")):
    """Ctrl+C in the terminal (SIGINT) or a polite kill (SIGTERM) closes the window as its close
    button does: a run in progress stops and its files are finished. (Logging out closes the window
    through Qt's session handling, the same way.)

    Python runs signal handlers only between bytecodes, and the Qt event loop may not return to Python
    for a long time: the handler's wake-up byte on a socket makes Qt call into Python at once.
    Returns a function that puts the previous handlers back.
    """
    import signal
    import socket

    from PySide6.QtCore import QSocketNotifier, QTimer

    log = logging.getLogger("convscope.gui")
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, window)

    def drain():
        try:
            reader.recv(64)
        except OSError:
            pass

    notifier.activated.connect(drain)
    previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    previous = {}

    def handler(signum, frame):
        log.info("%s received: closing the window", signal.Signals(signum).name)
        QTimer.singleShot(0, window, window.close)

    for name in signals:
        signum = getattr(signal, name, None)
        if signum is not None:
            previous[signum] = signal.signal(signum, handler)

    def restore():
        for signum, old in previous.items():
            signal.signal(signum, old)
        signal.set_wakeup_fd(previous_fd)
        try:
            notifier.setEnabled(False)
        except RuntimeError:  # deleted with the window
            pass
        reader.close()
        writer.close()

    return restore


def run_gui() -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication(sys.argv)
    app.setOrganizationName("ConvScope")
    app.setApplicationName("ConvScope")
    app.setApplicationDisplayName("ConvScope")
    from .main_window import MainWindow

    window = MainWindow()
    if os.environ.get("CONVSCOPE_STARTUP_REPORT"):
        def painted():
            print(f"first-paint {time.time():.4f}", file=sys.stderr, flush=True)

        def ready():
            print(f"ready {time.time():.4f}", file=sys.stderr, flush=True)
            QTimer.singleShot(0, window.close)

        window.first_painted.connect(painted)
        window.ready.connect(ready)
    _install_excepthooks(window)
    _close_on_signals(window)
    window.show()
    return app.exec()
