"""Fixtures for the window tests: isolated settings and run folders, and no QThread left running."""
from __future__ import annotations

import threading
from contextlib import suppress
from weakref import WeakKeyDictionary

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings, QThread


@pytest.fixture(autouse=True)
def _no_download_dialog(monkeypatch):
    """Train on a full dataset that is not here goes ahead as if its download had been confirmed (the
    training thread then reads or fails to download it): no modal dialog waits for a click in a test."""
    from convscope.app.main_window import MainWindow

    monkeypatch.setattr(MainWindow, "confirm_download", staticmethod(lambda parent, dataset, root: True))


@pytest.fixture(autouse=True)
def _close_during_a_run_without_asking(monkeypatch):
    """Closing a window during a run stops it without the question (the tests close windows during runs on
    purpose; tests/app/test_close_during_a_run.py turns the question on and answers it)."""
    from convscope.app.main_window import MainWindow

    monkeypatch.setattr(MainWindow, "ask_before_closing_during_a_run", False)


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch):
    """The user's real settings and runs are never read or written by a test."""
    settings_dir = tmp_path / "settings"
    monkeypatch.setenv("CONVSCOPE_SETTINGS_DIR", str(settings_dir))
    monkeypatch.setenv("CONVSCOPE_RUNS_DIR", str(tmp_path / "runs"))
    # Belt and braces for any QSettings opened without the app's helper.
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))
    yield settings_dir


@pytest.fixture(autouse=True)
def _english(_isolated_settings, qapp):
    """The window in English whatever the system's locale (the tests read its English texts); a test of
    another language picks it itself (tests/app/test_i18n.py). No translator outlives its test."""
    from convscope.app import i18n

    i18n.save_language(i18n.ENGLISH)
    i18n.install(i18n.ENGLISH)
    yield
    i18n.install(i18n.ENGLISH)


@pytest.fixture(autouse=True)
def started_qthreads(monkeypatch, qtbot, request):
    """Fail any test that leaves a QThread running (the idea of napari's ``_dangling_qthreads``).

    Yields the list of threads started during the test, with where they were started.
    """
    base_start = QThread.start
    started: WeakKeyDictionary = WeakKeyDictionary()
    order: list = []

    def start(self, *args, **kwargs):
        started[self] = request.node.nodeid
        order.append(self)
        return base_start(self, *args, **kwargs)

    monkeypatch.setattr(QThread, "start", start)
    yield order
    # Widgets registered with qtbot are closed before this runs (closing stops their runs).
    dangling = []
    for thread in list(started.keys()):
        with suppress(RuntimeError):  # the C++ object is gone: it finished and was deleted
            if thread.isRunning():
                dangling.append(thread)
    for thread in dangling:
        with suppress(RuntimeError):
            thread.quit()
            thread.wait(5000)
    order.clear()
    assert not dangling, (f"{len(dangling)} QThread(s) still running at the end of the test; "
                          "a run must be stopped and its thread waited for.")


@pytest.fixture
def window(qtbot, monkeypatch):
    """The real main window, shown and ready to train.

    A modal question would wait for an answer nobody gives in a test: closing the window with a run
    that exists only in memory answers "Discard" unless the test patches the question itself (pytest-qt
    closes the window before the test's patches are undone).
    """
    from PySide6.QtWidgets import QMessageBox

    from convscope.app.main_window import MainWindow

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitUntil(w.is_ready, timeout=180_000)
    return w


class StepGate:
    """A trainer step hook that counts steps and can hold the training thread at one step.

    ``at``: the step (1-based) where the hook sets ``reached`` and waits for ``release``.
    """

    def __init__(self, at: int | None = None, fail_at: int | None = None):
        self.at = at
        self.fail_at = fail_at
        self.steps = 0
        self.reached = threading.Event()
        self.release = threading.Event()
        self.in_gui_thread = False  # whether any step ran in the GUI (main) thread

    def __call__(self, trainer) -> None:
        self.steps += 1
        if threading.current_thread() is threading.main_thread():
            self.in_gui_thread = True
        if self.fail_at is not None and self.steps == self.fail_at:
            raise RuntimeError("injected failure at this step")
        if self.at is not None and self.steps == self.at:
            self.reached.set()
            self.release.wait(30)

    def attach(self, trainer) -> None:
        trainer.step_hooks.append(self)


@pytest.fixture
def step_gate():
    """The :class:`StepGate` class (a factory: ``step_gate(at=3)``)."""
    return StepGate


@pytest.fixture(autouse=True)
def _collect_garbage_in_the_gui_thread():
    """Closed windows from this test are freed here, in the GUI thread, before the next test starts."""
    import gc

    yield
    gc.collect()



@pytest.fixture
def panel(qtbot):
    """A Draw tab of its own, shown (the drawing tests and the photo tests use it)."""
    from convscope.app.widgets.draw_panel import DrawPanel

    w = DrawPanel()
    qtbot.addWidget(w)
    w.resize(760, 480)
    w.show()
    qtbot.waitExposed(w)
    return w
