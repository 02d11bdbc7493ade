"""The window on the 1366×768 laptop it is made for: it never needs more than the screen, its run buttons
stay where they are, and its views come in a few groups, each view reachable.

The screen is pretended (``app.settings.available_geometry``, as in test_window_fit.py).
"""
from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, QPoint, QRect, Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from convscope.app import i18n

WAIT = 180_000
LAPTOP = QRect(0, 0, 1366, 768 - 40)  # 1366×768 with a 40 px task bar
SCREEN_W, SCREEN_H = 1366, 768
BUTTONS = ("startButton", "pauseButton", "stopButton", "moreEpochButton")


@pytest.fixture
def laptop(monkeypatch):
    from convscope.app import settings

    monkeypatch.setattr(settings, "available_geometry", lambda window=None: QRect(LAPTOP))


def open_window(qtbot, monkeypatch, language):
    from convscope.app.main_window import MainWindow

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    i18n.save_language(language)
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(w.is_ready, timeout=WAIT)
    qtbot.wait(50)  # keep_on_screen runs on the turn after the first show
    return w


def child(w, name):
    obj = w.findChild(QObject, name)
    assert obj is not None, f"no child named {name!r}"
    return obj


def widest(w, limit: int) -> list[str]:
    """The widgets whose own minimum width is over ``limit`` (what to look at when the window is too wide)."""
    found = []
    for widget in w.findChildren(QWidget):
        if not widget.isVisibleTo(w):
            continue
        m = max(widget.minimumSizeHint().width(), widget.minimumWidth())
        if m > limit:
            text = widget.text()[:60] if isinstance(widget, QLabel) else ""
            found.append(f"{type(widget).__name__} {widget.objectName()!r} {m} {text!r}")
    return found


def assert_fits(qtbot, w, when: str) -> None:
    qtbot.wait(1)  # layouts settle
    w.layout().activate()
    hint, minimum = w.minimumSizeHint(), w.minimumSize()
    width, height = max(hint.width(), minimum.width()), max(hint.height(), minimum.height())
    assert width <= SCREEN_W and height <= SCREEN_H, (when, width, height, widest(w, 450))
    # Nothing the window shows is cut at the right: the window is not wider than the screen's free area.
    assert w.frameGeometry().width() <= LAPTOP.width(), (when, w.frameGeometry(), widest(w, 450))
    # The settings fit their column: texts wrap or end in "…" there, never cut at its right edge.
    scroll = child(w, "configScroll")
    assert w.config_panel.minimumSizeHint().width() <= scroll.viewport().width(), (
        when, w.config_panel.minimumSizeHint(), widest(w.config_panel, scroll.viewport().width()))


def configure(w, arch, dataset, **fields):
    panel = w.config_panel
    panel.set_values({"arch": arch, "dataset": dataset})
    for key, value in {"form": "native", "augment": None, "lr": 0.05, **fields}.items():
        panel.set_field(key, value)
    w._validate()
    assert w.current_config() is not None, w.session.config_error


def train(qtbot, w):
    assert w.start_training()
    qtbot.waitUntil(lambda: not w.is_running(), timeout=WAIT)
    assert w.last_result.status == "completed", w.last_result.message


def race(qtbot, w, names):
    view = child(w, "raceView")
    for i in range(view.entrants.count()):
        item = view.entrants.item(i)
        checked = item.data(Qt.ItemDataRole.UserRole) in names
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
    with qtbot.waitSignal(w.analysis.race.finished, timeout=WAIT):
        view.start_button.click()


# ------------------------------------------------------------------------------------- minimum size
@pytest.mark.parametrize("language", [i18n.ENGLISH, i18n.CHINESE])
def test_the_window_never_needs_more_than_a_1366x768_screen(qtbot, monkeypatch, laptop, language):
    w = open_window(qtbot, monkeypatch, language)
    assert_fits(qtbot, w, "start")
    panel = w.config_panel
    combo = panel.preset_combo
    for index in range(1, combo.count()):  # every preset and lesson, its card and notes shown
        combo.setCurrentIndex(index)
        combo.activated.emit(index)
        w._validate()
        assert_fits(qtbot, w, f"preset {combo.itemData(index)}")
    for group in w.view_groups.groups():
        w.view_groups.show_group(group)
        assert_fits(qtbot, w, f"group {group}")

    # A run with the longest names: NiN on the Fashion-MNIST sample, saved (its folder named in the header).
    configure(w, "nin", "fashion-mnist-sample", epochs=1, subset=32, batch_size=32, width=0.25, save_run=True)
    train(qtbot, w)
    assert "fashion-mnist-sample" in w.shown.line.text()
    assert_fits(qtbot, w, "after a run")
    w.shown.line.show_finished(w.last_result)
    for name in ("featureMapView", "oneByOneView", "confusionView", "drawPanel", "runsTab"):
        w.show_view(name)
        assert_fits(qtbot, w, f"after a run, {name}")

    assert w.load_checkpoint(w.last_result.run_dir) is not None
    assert "(opened)" in w.shown.line.text() or "已打开" in w.shown.line.text()
    assert_fits(qtbot, w, "an opened run")

    configure(w, "lenet", "mnist-sample", epochs=1, subset=32, batch_size=32)
    race(qtbot, w, ("lenet", "nin"))
    w.show_view("raceView")
    assert_fits(qtbot, w, "after a race")
    w.notify("warning", "The network is stuck at chance: it only guesses " * 3, "x " * 400)
    assert_fits(qtbot, w, "a long banner")


def test_a_long_run_header_is_elided_not_widened(qtbot, monkeypatch, laptop):
    """The header keeps its whole text (``text()``) but never asks for more width than it gets."""
    w = open_window(qtbot, monkeypatch, i18n.ENGLISH)
    line = w.shown.line
    long = "Showing the last run (completed, 2 epochs) · Network in Network on Fashion-MNIST sample · saved in " \
           + "20261206-231111-nin-fashion-mnist-sample" * 3
    line.label.setText(long)
    assert line.text() == long
    assert line.minimumSizeHint().width() < 400
    assert_fits(qtbot, w, "long header")
    shown = line.label.shown_text()
    assert shown != long and shown.endswith("…") and len(shown) < len(long)


def test_an_elided_label_shows_its_whole_text_when_there_is_room(qtbot):
    from convscope.app.widgets.elided_label import ElidedLabel

    label = ElidedLabel()
    label.setTextFormat(Qt.TextFormat.RichText)
    qtbot.addWidget(label)
    text = "Showing run <b>20261206-231111-nin-fashion-mnist-sample</b> (opened) · 3 of 3 epochs"
    label.setText(text)
    label.show()  # (a hidden widget gets no resize events)
    label.resize(label.sizeHint().width() + 10, 30)
    assert label.shown_text() == text and label.text() == text  # rich text kept: the run's name in bold
    label.resize(120, 30)
    assert label.text() == text
    assert label.shown_text().startswith("Showing run 2") and label.shown_text().endswith("…")
    assert "<b>" not in label.shown_text()
    label.resize(2000, 30)
    assert label.shown_text() == text


# ------------------------------------------------------------------------------- buttons stay put
def button_places(w) -> dict:
    return {name: QRect(child(w, name).mapToGlobal(QPoint(0, 0)), child(w, name).size()) for name in BUTTONS}


def test_the_run_buttons_never_move(qtbot, monkeypatch, laptop, step_gate):
    """Idle, training, paused, finished, with a long header, an opened run or another preset: Train, Pause,
    Stop and +1 epoch are where they were (a click meant for one never lands on another)."""
    w = open_window(qtbot, monkeypatch, i18n.ENGLISH)
    idle = button_places(w)
    width = w.settings_column.width()

    def same(when):
        qtbot.wait(1)
        assert button_places(w) == idle, when
        assert w.settings_column.width() == width, when

    configure(w, "nin", "fashion-mnist-sample", epochs=1, subset=64, batch_size=16, width=0.25, save_run=True)
    same("nin chosen")
    gate = step_gate(at=2)
    w.trainer_setup_hooks.append(gate.attach)
    assert w.start_training()
    try:
        qtbot.waitUntil(gate.reached.is_set, timeout=WAIT)
        qtbot.waitUntil(lambda: "fashion-mnist-sample" in w.shown.line.text(), timeout=WAIT)
        same("training")
        w.toggle_pause()
        assert w.controller.is_paused()
        same("paused")
    finally:
        gate.release.set()
        if w.controller.is_paused():
            w.toggle_pause()
    qtbot.waitUntil(lambda: not w.is_running(), timeout=WAIT)
    assert w.last_result.status == "completed"
    same("finished")
    for name in ("oneByOneView", "featureMapView", "drawPanel", "confusionView", "runsTab", "raceView"):
        w.show_view(name)
        same(f"after a run, {name}")
    w.shown.line.label.setText("Showing the last run (completed, 1 epoch) · " + "Network in Network · " * 12)
    same("a long header")
    assert w.load_checkpoint(w.last_result.run_dir) is not None
    same("an opened run")
    w.notify("warning", "The network is stuck at chance: it only guesses " * 3, "x " * 400)
    same("a long banner")
    combo = w.config_panel.preset_combo
    for index in range(1, combo.count()):
        combo.setCurrentIndex(index)
        combo.activated.emit(index)
        same(f"preset {combo.itemData(index)}")
