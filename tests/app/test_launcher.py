"""app.launcher.main: `python main.py` and the `convscope` command; the system-library check before Qt starts
on X11; the signal handlers' fallback where no wake-up socket can be set up."""
from __future__ import annotations

import ctypes.util
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from convscope.app import launcher

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def x11(monkeypatch):
    """A Linux desktop on X11, as Qt sees it: DISPLAY set, no platform asked for, no Wayland session."""
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    for name in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE", launcher.SKIP_CHECK_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(launcher, "x_display_reachable", lambda: True)


def _no_window(monkeypatch):
    calls = []
    monkeypatch.setattr(launcher, "run_gui", lambda open_path=None: calls.append(open_path or "window") or 0)
    return calls


def test_missing_xcb_libraries_are_named_with_the_apt_command(x11, monkeypatch, capsys):
    lacking = {"xcb-cursor", "xcb-icccm", "xkbcommon-x11"}
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None if name in lacking else f"lib{name}.so")

    def cannot_load(soname):
        raise OSError(f"{soname}: cannot open shared object file")

    monkeypatch.setattr(ctypes, "CDLL", cannot_load)
    window = _no_window(monkeypatch)

    assert launcher.main([]) == 1
    assert window == []  # Qt never started
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1, err  # one message
    for name in lacking:
        assert name in err
    assert "sudo apt install libxcb-cursor0 libxcb-icccm4 libxkbcommon-x11-0" in err
    assert "xcb-shape" not in err and "libxcb-shape0" not in err


def test_a_library_find_library_misses_but_the_loader_finds_counts_as_present(x11, monkeypatch):
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    loaded = []
    monkeypatch.setattr(ctypes, "CDLL", lambda soname: loaded.append(soname))
    assert launcher.missing_xcb_libraries() == []
    assert "libxcb-cursor.so.0" in loaded


def test_with_all_libraries_the_window_opens(x11, monkeypatch):
    monkeypatch.setattr(launcher, "_library_found", lambda name, soname: True)
    window = _no_window(monkeypatch)
    assert launcher.main([]) == 0
    assert window == ["window"]


@pytest.mark.parametrize("platform", ["offscreen", "minimal", "wayland", "wayland-egl", "offscreen;xcb"])
def test_no_check_when_qt_will_not_use_xcb(x11, monkeypatch, platform):
    monkeypatch.setenv("QT_QPA_PLATFORM", platform)

    def finder(*args):
        raise AssertionError("looked for xcb libraries")

    monkeypatch.setattr(launcher, "_library_found", finder)
    monkeypatch.setattr(launcher, "x_display_reachable", finder)
    window = _no_window(monkeypatch)
    assert launcher.main([]) == 0
    assert window == ["window"]


@pytest.mark.parametrize("environ, platform, expected", [
    ({"DISPLAY": ":0"}, "linux", True),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, "linux", True),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb:nograb;wayland"}, "linux", True),
    ({"DISPLAY": ":0"}, "freebsd14", True),
    ({}, "linux", False),  # no X server to use
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux", False),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "wayland;xcb"}, "linux", False),
    ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}, "linux", False),
    ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "x11"}, "linux", True),
    ({"DISPLAY": ":0"}, "darwin", False),  # XQuartz's DISPLAY: Qt uses Cocoa
    ({"DISPLAY": ":0"}, "win32", False),
])
def test_when_qt_uses_xcb(environ, platform, expected):
    assert launcher.uses_xcb(environ, platform) is expected


def test_the_check_can_be_skipped(x11, monkeypatch):
    monkeypatch.setenv(launcher.SKIP_CHECK_ENV, "1")
    monkeypatch.setattr(launcher, "_library_found", lambda name, soname: False)
    assert launcher.missing_xcb_libraries() == []


def test_an_unreachable_x_server_is_said_in_one_line(x11, monkeypatch, capsys):
    monkeypatch.setattr(launcher, "_library_found", lambda name, soname: True)
    monkeypatch.setattr(launcher, "x_display_reachable", lambda: False)
    window = _no_window(monkeypatch)
    assert launcher.main([]) == 1
    assert window == []
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "DISPLAY=:0" in err


@pytest.mark.skipif(not ctypes.util.find_library("xcb"), reason="no libxcb here")
def test_x_display_reachable_asks_libxcb(monkeypatch):
    monkeypatch.setenv("DISPLAY", ":4711")  # no X server there
    assert launcher.x_display_reachable() is False


def test_a_sub_command_runs_the_command_line(monkeypatch):
    from convscope.core import cli

    seen = []
    monkeypatch.setattr(cli, "main", lambda args: seen.append(args) or 7)
    window = _no_window(monkeypatch)
    assert launcher.main(["archs", "--json"]) == 7
    monkeypatch.setattr(sys, "argv", ["convscope", "--help"])
    assert launcher.main() == 7
    assert seen == [["archs", "--json"], ["--help"]] and window == []


def test_main_py_help_prints_the_cli_help_without_loading_qt():
    code = ("import runpy, sys\n"
            "sys.argv = ['main.py', '--help']\n"
            "try:\n    runpy.run_path('main.py', run_name='__main__')\n"
            "except SystemExit as exc:\n    code = exc.code\n"
            "qt = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph'))\n"
            "print('QT', qt, 'EXIT', code)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "usage: convscope" in proc.stdout and "train" in proc.stdout
    assert "QT [] EXIT 0" in proc.stdout


def test_signals_close_the_window_without_a_wake_up_socket(qtbot, monkeypatch):
    from PySide6.QtWidgets import QWidget

    def refuse(*args, **kwargs):
        raise ValueError("set_wakeup_fd only works in main thread of the main interpreter")

    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(signal, "set_wakeup_fd", refuse)
    restore = launcher._close_on_signals(window)
    try:
        assert signal.getsignal(signal.SIGTERM) is not before
        os.kill(os.getpid(), signal.SIGTERM)
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=180_000)
    finally:
        restore()
    assert signal.getsignal(signal.SIGTERM) is before


def test_qt_that_does_not_load_is_said_in_one_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "PySide6.QtWidgets", None)  # import fails as with libEGL.so.1 missing
    window = _no_window(monkeypatch)
    assert launcher.main([]) == 1
    err = capsys.readouterr().err
    assert window == [] and len(err.strip().splitlines()) == 1
    assert "sudo apt install libgl1 libegl1" in err


def test_a_job_that_outlives_the_window_never_collects_garbage_in_its_thread(tmp_path):
    """Closed right after start-up, the window stops waiting for its warm-up job after a second; until that
    job has ended, automatic garbage collection stays off (a cycle holding a Qt object collected in that
    thread would be destroyed off the GUI thread during the teardown), and the process ends only after it."""
    code = ("import gc, sys, threading\n"
            "from convscope.core.training import introspect\n"
            "left = threading.Event()\n"
            "def warm_up():\n"
            "    left.wait(120)  # set once the event loop has ended and cleaned up\n"
            "    print('JOB gc', gc.isenabled(), flush=True)\n"
            "introspect.warm_up = warm_up\n"
            "from convscope.app import gui_gc, launcher\n"
            "ends = gui_gc.GuiThreadCollector.restore\n"
            "gui_gc.GuiThreadCollector.restore = lambda self: (ends(self), left.set())\n"
            "code = launcher.run_gui()\n"
            "print('EXIT', code, gc.isenabled(), flush=True)\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CONVSCOPE_STARTUP_REPORT="1",
               CONVSCOPE_SETTINGS_DIR=str(tmp_path / "settings"), CONVSCOPE_RUNS_DIR=str(tmp_path / "runs"))
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.splitlines() == ["JOB gc False", "EXIT 0 True"], proc.stdout


def test_one_run_given_opens_the_window_on_it(monkeypatch, tmp_path):
    calls = _no_window(monkeypatch)
    monkeypatch.setattr(launcher, "missing_xcb_libraries", lambda: [])
    monkeypatch.setattr(launcher, "uses_xcb", lambda: False)
    bundle = tmp_path / "run.convscope"
    bundle.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip: the window says what is wrong with it
    assert launcher.main([str(bundle)]) == 0
    assert calls == [str(bundle)]
