"""The window on a small laptop screen, the guide of the Help menu, and the settings' tooltips.

The screen is pretended: :func:`app.settings.available_geometry` (the one place the window asks for its
screen's free area) is replaced by a 1366×768 laptop's, less a task bar.
"""
from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
)

LAPTOP = QRect(0, 0, 1366, 768 - 40)  # 1366×768 with a 40 px task bar at the bottom
TAB_TITLES = ("Curves", "Race", "Feature maps", "1×1 convolutions", "Global average pooling", "Output", "Layer health",
              "Dataset", "Augmentation", "Examples", "Model", "Evaluation", "Draw", "Runs", "Log")  # group after group
GROUP_TITLES = ("Train", "Inside", "Data", "Model", "Test", "Runs", "Log")


@pytest.fixture
def screen(monkeypatch):
    """Pretend the window's screen has the free area ``screen.area`` (a laptop's unless changed)."""
    from convscope.app import settings

    class Screen:
        area = QRect(LAPTOP)

    monkeypatch.setattr(settings, "available_geometry", lambda window=None: QRect(Screen.area))
    return Screen


def open_window(qtbot, monkeypatch):
    from convscope.app.main_window import MainWindow

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(w.is_ready, timeout=180_000)
    qtbot.wait(50)  # keep_on_screen runs on the turn after the first show
    return w


def global_rect(widget) -> QRect:
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def assert_on_screen(w, area: QRect) -> None:
    assert area.contains(w.frameGeometry()), (w.frameGeometry(), area)
    assert w.minimumSizeHint().width() <= area.width() and w.minimumSizeHint().height() <= area.height()
    for name in ("startButton", "stopButton", "moreEpochButton"):
        button = w.findChild(QPushButton, name)
        assert button.isVisible() and area.contains(global_rect(button)), (name, global_rect(button), area)
    status = w.statusBar()
    assert status.isVisible() and area.contains(global_rect(status)), (global_rect(status), area)


# ------------------------------------------------------------------------------------------ geometry
def test_first_size_and_clamping_arithmetic():
    from convscope.app.settings import DESIGN_SIZE, clamped, first_size

    assert first_size(QRect(0, 0, 2560, 1440)) == DESIGN_SIZE  # never larger than designed
    assert first_size(LAPTOP) == QSize(1229, 655)  # 90 % of the laptop's free area
    assert clamped(QRect(3000, 1500, 2000, 1200), LAPTOP) == LAPTOP
    assert clamped(QRect(-500, -300, 800, 600), LAPTOP) == QRect(0, 0, 800, 600)
    assert clamped(QRect(100, 50, 800, 600), LAPTOP) == QRect(100, 50, 800, 600)  # inside: unchanged
    offset = QRect(1366, 0, 1920, 1040)  # a second monitor to the right
    assert clamped(QRect(0, 0, 1440, 900), offset) == QRect(1366, 0, 1440, 900)


def test_first_window_fits_a_1366x768_laptop(qtbot, monkeypatch, screen):
    w = open_window(qtbot, monkeypatch)
    area = screen.area
    assert w.width() <= 0.9 * area.width() + 1 and w.height() <= 0.9 * area.height() + 1
    assert_on_screen(w, area)
    # The settings column scrolls rather than pushing the buttons down; both sides of the splitter show.
    left, right = w.splitter.sizes()
    assert left >= w.settings_column.minimumSizeHint().width() and right > 0
    assert left + right <= area.width()


def test_geometry_saved_on_a_big_monitor_is_clamped_to_the_laptop(qtbot, monkeypatch, screen):
    from convscope.app.settings import open_settings

    screen.area = QRect(0, 0, 3840, 2160 - 40)
    big = open_window(qtbot, monkeypatch)
    big.setGeometry(QRect(2200, 1100, 1600, 1000))  # far right and low on a 4K monitor, and large
    big.save_settings()
    big.close()
    assert open_settings().value("window/geometry") is not None

    screen.area = QRect(LAPTOP)
    w = open_window(qtbot, monkeypatch)
    assert_on_screen(w, LAPTOP)
    assert w.geometry().width() <= LAPTOP.width() and w.geometry().height() <= LAPTOP.height()


def test_geometry_saved_off_screen_comes_back_on_screen(qtbot, monkeypatch, screen):
    first = open_window(qtbot, monkeypatch)
    first.setGeometry(QRect(-2000, -1500, 900, 600))  # on a monitor that is gone now
    first.save_settings()
    first.close()

    w = open_window(qtbot, monkeypatch)
    assert_on_screen(w, screen.area)


# -------------------------------------------------------------------------------------------- help
def menu_action(w, name):
    for menu_action in w.menuBar().actions():
        for action in menu_action.menu().actions():
            if action.objectName() == name:
                return action
    raise AssertionError(f"no menu action named {name!r}")


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen: no window stacking
def test_guide_explains_every_tab_the_shortcuts_and_the_runs_folder(qtbot, monkeypatch, screen):
    from convscope.app.settings import runs_root

    w = open_window(qtbot, monkeypatch)
    assert tuple(w.view_groups.titles()) == TAB_TITLES
    bar = w.view_groups.group_bar
    assert tuple(bar.tabText(i) for i in range(bar.count())) == GROUP_TITLES
    action = menu_action(w, "guideAction")
    assert action.shortcut().toString() == "F1"
    action.trigger()
    dialog = w.findChild(QDialog, "guideDialog")
    assert dialog is not None and dialog.isVisible()
    assert screen.area.width() >= dialog.width() and screen.area.height() >= dialog.height()
    text = dialog.browser.toPlainText()
    for title in TAB_TITLES + GROUP_TITLES:
        assert title in text, title
    for keys in ("F1", "Ctrl+O", "Ctrl+Q", "Ctrl+Return"):
        assert keys in text, keys
    assert "{{" not in text
    assert str(runs_root()) in text
    for lesson in ("LeNet", "too large", "NiN", "1×1", "global average pooling"):
        assert lesson.lower() in text.lower(), lesson
    action.trigger()  # pressed again: the same dialog, raised
    assert len(w.findChildren(QDialog, "guideDialog")) == 1
    dialog.close()


def test_about_box_names_the_version(qtbot, monkeypatch, screen):
    from convscope.app.help import app_version

    w = open_window(qtbot, monkeypatch)
    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append((title, text)))
    menu_action(w, "aboutAction").trigger()
    assert shown and shown[0][0] == "About ConvScope"
    assert app_version() and app_version() in shown[0][1]


# ---------------------------------------------------------------------------------------- tooltips
def panel_inputs(panel):
    inputs = []
    for kind in (QSpinBox, QDoubleSpinBox, QComboBox, QLineEdit, QCheckBox):
        for widget in panel.findChildren(kind):
            if isinstance(widget, QLineEdit) and isinstance(widget.parentWidget(), (QAbstractSpinBox, QComboBox)):
                continue  # the text field inside a spin box or combo box
            inputs.append(widget)
    return inputs


@pytest.mark.parametrize("arch", ["lenet", "nin", "resnet-small"])
def test_every_setting_has_a_tooltip_that_explains_it(qtbot, monkeypatch, screen, arch):
    w = open_window(qtbot, monkeypatch)
    panel = w.config_panel
    panel.set_values({"arch": arch, "dataset": "mnist-sample"})
    inputs = panel_inputs(panel)
    assert len(inputs) >= 20
    for widget in inputs:
        tip = re.sub(r"<[^>]+>", "", widget.toolTip())  # rich text, so Qt wraps it
        assert len(tip) >= 60, f"{widget.objectName() or type(widget).__name__}: {tip!r}"
    lr = panel.lr_spin.toolTip().lower()
    assert "step" in lr and "too large" in lr and "too small" in lr
    # The label beside a field explains it too.
    label = panel.findChild(QDoubleSpinBox, "lrSpin").parentWidget().layout().labelForField(panel.lr_spin)
    assert label.toolTip() == panel.lr_spin.toolTip()


def test_the_wheel_scrolls_the_settings_instead_of_changing_a_field_it_passes_over(qtbot, monkeypatch, screen):
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    w = open_window(qtbot, monkeypatch)
    panel = w.config_panel
    before = panel.values()
    for widget in (panel.lr_spin, panel.batch_spin, panel.optimizer_combo, panel.epochs_spin):
        assert not widget.hasFocus()
        assert widget.focusPolicy() == Qt.FocusPolicy.StrongFocus  # the wheel does not focus it
        centre = QPointF(widget.width() / 2, widget.height() / 2)
        event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(), QPoint(0, -120),
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                            False)
        QApplication.sendEvent(widget, event)
    assert panel.values() == before
