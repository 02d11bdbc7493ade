"""Open the window as fast as possible.

Only PySide6 is imported here and by ``app.main_window`` at import time; torch, torchvision, pyqtgraph
and ``core`` are imported after the window is shown (the window does it, partly in a background thread).

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


def _install_excepthooks(window) -> None:
    """Uncaught exceptions (GUI thread or any other) are logged and shown in the window's banner."""
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
    window.show()
    return app.exec()
