"""Open the window as fast as possible.

Only PySide6 is imported here and by ``app.main_window`` at import time. Building the window reads
``core.setup.config`` (torch-free) for the settings' choices; torch, torchvision, pyqtgraph and the rest of
``core`` are imported after the window is shown (:mod:`app.startup`, partly in a background thread).

``CONVSCOPE_STARTUP_REPORT=1`` prints the wall-clock time (``time.time()``) of the window's first paint
and of the moment it is ready to train to stderr, then quits: ``benchmarks/bench_gui.py --startup``
uses it to measure the start-up time of ``python main.py``.

:func:`main` is both ``python main.py`` and the ``convscope`` console script: no sub-command opens the
window, a sub-command (``train``, ``archs``, ``--help``…) runs :mod:`core.cli` without loading Qt.
Before Qt starts on X11, :func:`missing_xcb_libraries` looks for the system libraries Qt's xcb plugin
needs: without them Qt aborts with a message that names none of them.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import importlib
import logging
import os
import sys
import threading
import time
import traceback

# The libraries Qt 6's xcb platform plugin (libQt6XcbQpa) loads, as ctypes.util.find_library names
# them, with the soname to try when find_library cannot tell (no ldconfig cache) and the Debian/Ubuntu
# package that installs each. Qt's "Qt for X11 Requirements" (doc.qt.io/qt-6/linux-requirements.html)
# lists them; `ldd libQt6XcbQpa.so.6` of the PySide6 6.11 wheel names exactly these.
XCB_LIBRARIES = {
    "xcb": ("libxcb.so.1", "libxcb1"),
    "X11-xcb": ("libX11-xcb.so.1", "libx11-xcb1"),
    "xcb-cursor": ("libxcb-cursor.so.0", "libxcb-cursor0"),
    "xcb-icccm": ("libxcb-icccm.so.4", "libxcb-icccm4"),
    "xcb-image": ("libxcb-image.so.0", "libxcb-image0"),
    "xcb-keysyms": ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    "xcb-randr": ("libxcb-randr.so.0", "libxcb-randr0"),
    "xcb-render": ("libxcb-render.so.0", "libxcb-render0"),
    "xcb-render-util": ("libxcb-render-util.so.0", "libxcb-render-util0"),
    "xcb-shape": ("libxcb-shape.so.0", "libxcb-shape0"),
    "xcb-shm": ("libxcb-shm.so.0", "libxcb-shm0"),
    "xcb-sync": ("libxcb-sync.so.1", "libxcb-sync1"),
    "xcb-util": ("libxcb-util.so.1", "libxcb-util1"),
    "xcb-xfixes": ("libxcb-xfixes.so.0", "libxcb-xfixes0"),
    "xcb-xkb": ("libxcb-xkb.so.1", "libxcb-xkb1"),
    "xkbcommon": ("libxkbcommon.so.0", "libxkbcommon0"),
    "xkbcommon-x11": ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
}
# What Qt's GUI library itself links (any platform plugin, offscreen too): Debian/Ubuntu packages.
QT_GUI_PACKAGES = ("libgl1", "libegl1", "libfontconfig1", "libxkbcommon0")
SKIP_CHECK_ENV = "CONVSCOPE_SKIP_LIBRARY_CHECK"  # 1: start Qt without looking for its libraries first


def main(argv: list[str] | None = None) -> int:
    """``python main.py`` and ``convscope``: the window, or with a sub-command the command line."""
    args = sys.argv[1:] if argv is None else list(argv)
    if args and args[0] in ("--install-desktop-entry", "--remove-desktop-entry"):
        from .desktop_entry import main as desktop_main

        return desktop_main(args)
    open_path = None
    if len(args) == 1 and run_to_open(args[0]):
        open_path, args = args[0], []  # `convscope NAME.convscope` (a double-click): the window shows it
    if args:
        from convscope.core.cli import main as cli_main

        return cli_main(args)
    try:
        importlib.import_module("PySide6.QtWidgets")  # Qt's own libraries load here: libEGL, libGL…
    except ImportError as exc:
        print(f"ConvScope cannot open its window: Qt does not load ({exc}). On Debian/Ubuntu: "
              f"sudo apt install {' '.join(QT_GUI_PACKAGES)}; without PySide6: pip install 'PySide6<6.12'. "
              "The command line works without them (convscope --help).", file=sys.stderr)
        return 1
    missing = missing_xcb_libraries()
    if missing:
        print(missing_libraries_message(missing), file=sys.stderr)
        return 1
    if uses_xcb() and not os.environ.get(SKIP_CHECK_ENV) and not x_display_reachable():
        print(f"ConvScope cannot open its window: no X server answers on DISPLAY={os.environ.get('DISPLAY')}. "
              "The command line works without one (convscope --help).", file=sys.stderr)
        return 1
    return run_gui(open_path)


def run_to_open(arg: str) -> bool:
    """Whether the one argument names a run to open in the window (a ``.convscope`` file, or a run folder),
    rather than a sub-command or an option."""
    if arg.startswith("-"):
        return False
    from convscope.core.cli import COMMANDS

    if arg in COMMANDS:
        return False
    path = os.path.expanduser(arg)
    return (os.path.isfile(path) and path.endswith(".convscope")) or os.path.isfile(os.path.join(path, "config.json"))


def uses_xcb(environ=None, platform: str | None = None) -> bool:
    """Whether Qt will start on its xcb (X11) platform plugin: on Linux and the BSDs with a ``DISPLAY``,
    unless ``QT_QPA_PLATFORM`` names another plugin first or a Wayland session makes Qt pick Wayland."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if platform.startswith(("win", "cygwin", "darwin")) or not environ.get("DISPLAY"):
        return False
    requested = environ.get("QT_QPA_PLATFORM", "").strip()
    if requested:
        first = requested.split(";")[0].split(":")[0].strip().lower()
        return first == "xcb"
    wayland = environ.get("WAYLAND_DISPLAY") and environ.get("XDG_SESSION_TYPE", "").lower() == "wayland"
    return not wayland


def _library_found(name: str, soname: str) -> bool:
    if ctypes.util.find_library(name):
        return True
    try:  # find_library reads ldconfig's cache; the dynamic loader also knows LD_LIBRARY_PATH, rpaths…
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_xcb_libraries(environ=None, platform: str | None = None) -> list[str]:
    """The xcb libraries Qt needs and this system lacks (find_library names); [] when Qt will not use
    xcb here, or when ``CONVSCOPE_SKIP_LIBRARY_CHECK=1``."""
    environ = os.environ if environ is None else environ
    if environ.get(SKIP_CHECK_ENV, "") not in ("", "0") or not uses_xcb(environ, platform):
        return []
    return [name for name, (soname, _) in XCB_LIBRARIES.items() if not _library_found(name, soname)]


def x_display_reachable() -> bool:
    """Whether libxcb connects to ``DISPLAY`` (Qt aborts the process when it cannot). True when libxcb
    itself cannot be asked."""
    try:
        xcb = ctypes.CDLL(ctypes.util.find_library("xcb") or "libxcb.so.1")
        xcb.xcb_connect.restype = ctypes.c_void_p
        xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
        xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
        xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    except (OSError, AttributeError):
        return True
    connection = xcb.xcb_connect(None, None)  # NULL: DISPLAY, with its authorisation, as Qt does
    try:
        return xcb.xcb_connection_has_error(connection) == 0
    finally:
        xcb.xcb_disconnect(connection)  # also frees a connection in error


def missing_libraries_message(missing: list[str]) -> str:
    packages = " ".join(XCB_LIBRARIES[name][1] for name in missing)
    return (f"ConvScope cannot open its window: Qt needs the X11 (xcb) libraries {', '.join(missing)}, "
            f"which this system lacks. On Debian/Ubuntu: sudo apt install {packages} "
            f"(other systems: see \"System libraries\" in the README). The command line works without "
            f"them (convscope --help); {SKIP_CHECK_ENV}=1 starts the window anyway.")


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


def _close_on_signals(window, signals=("SIGINT", "SIGTERM", "SIGBREAK")):
    """Ctrl+C in the terminal (SIGINT), a polite kill (SIGTERM) or Ctrl+Break in a Windows console
    (SIGBREAK) closes the window as its close button does: a run in progress stops and its files are
    finished. (Logging out closes the window through Qt's session handling, the same way.) A signal
    this platform lacks is skipped.

    Python runs signal handlers only between bytecodes, and the Qt event loop may not return to Python
    for a long time: the handler's wake-up byte on a socket makes Qt call into Python at once. Where
    that cannot be set up (``set_wakeup_fd`` refuses, no socket pair), a timer lets Python in four times
    a second instead. Returns a function that puts the previous handlers back.
    """
    import signal
    import socket

    from PySide6.QtCore import QSocketNotifier, QTimer

    log = logging.getLogger("convscope.gui")
    closing = []  # what restore() undoes besides the handlers

    sockets = []
    try:
        sockets = reader, writer = socket.socketpair()
        reader.setblocking(False)
        writer.setblocking(False)
        previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    except (OSError, ValueError) as exc:  # ValueError: not the main thread
        log.info("no signal wake-up socket (%s): polling for signals", exc)
        for sock in sockets:
            sock.close()
        poll = QTimer(window)
        poll.timeout.connect(lambda: None)  # returning to Python runs the pending handlers
        poll.start(250)
        closing.append(poll.stop)
    else:
        notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, window)

        def drain():
            try:
                reader.recv(64)
            except OSError:
                pass

        notifier.activated.connect(drain)

        def close_socket():
            signal.set_wakeup_fd(previous_fd)
            notifier.setEnabled(False)
            reader.close()
            writer.close()

        closing.append(close_socket)
    previous = {}

    def handler(signum, frame):
        log.info("%s received: closing the window", signal.Signals(signum).name)
        window.ask_before_closing_during_a_run = False  # no one is there to answer
        QTimer.singleShot(0, window, window.close)

    for name in signals:
        signum = getattr(signal, name, None)
        if signum is not None:
            try:
                previous[signum] = signal.signal(signum, handler)
            except (OSError, ValueError) as exc:
                log.info("cannot handle %s here: %s", name, exc)

    def restore():
        for signum, old in previous.items():
            signal.signal(signum, old)
        for undo in closing:
            try:
                undo()
            except RuntimeError:  # deleted with the window
                pass

    return restore


def name_the_app(app) -> None:
    """The names Qt gives the application. Its display name is the window's title, set by the window in its
    language: Qt adds the display name to every window title that does not end with it, and "ConvScope"
    there made the title "ConvScope — watch a CNN learn — ConvScope"."""
    app.setOrganizationName("ConvScope")
    app.setApplicationName("ConvScope")
    app.setDesktopFileName("convscope")  # the desktop entry of --install-desktop-entry: its name and icon
    window_icon(app)


def run_gui(open_path: str | None = None) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication(sys.argv)
    name_the_app(app)
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
    if open_path:  # opened when the window is on screen (before torch is loaded is fine: the tabs follow)
        QTimer.singleShot(0, window, lambda: window.load_checkpoint(open_path))
    code = app.exec()
    _wait_for_background_jobs()
    return code


def window_icon(app) -> None:
    """The application's icon (every window's, and the task bar's), from resources/convscope.svg."""
    from PySide6.QtGui import QIcon

    from convscope.core.base.resources import resource_path

    icon = QIcon(str(resource_path("convscope.svg")))
    if not icon.isNull():
        app.setWindowIcon(icon)


def _wait_for_background_jobs() -> None:
    """The window has closed; a background job that its close stopped waiting for (one inside torch, on a busy
    CPU) may still run. Wait for it here, with garbage collection still confined to this thread, then collect
    here: collected in that job's thread, a cycle holding a Qt object would run its C++ destructor off the GUI
    thread while the application is being torn down (app/gui_gc.py)."""
    import threading

    from .gui_gc import collect_here_and_hand_back

    me = threading.current_thread()
    for thread in threading.enumerate():
        if thread is not me and not thread.daemon:
            thread.join()
    collect_here_and_hand_back()
