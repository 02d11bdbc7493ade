"""The views in groups (app.widgets.view_groups): where a view goes, how one comes to the front, the keys."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, QRect, Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from convscope.app import i18n
from convscope.app.widgets.view_groups import DEFAULT_GROUP, VIEW_GROUPS, ViewGroups

WAIT = 180_000
# The views of the window, by group, in the order the strips show them.
WINDOW_GROUPS = {"train": ["curvesPanel", "raceView"],
                 "inside": ["featureMapView", "oneByOneView", "gapView", "outputView", "layerHealthView"],
                 "data": ["datasetBrowser", "augmentPreview", "examplesView"],
                 "model": ["modelSummaryView"],
                 "test": ["confusionView", "drawPanel"],
                 "runs": ["runsTab"],
                 "log": ["logView"]}
# The object names of the contract (DESIGN.md) and of the lessons' views, each in a view.
CONTRACT_NAMES = ("lossPlot", "accuracyPlot", "featureMapView", "oneByOneView", "gapView", "drawCanvas",
                  "predictionView", "runsBrowser", "layerHealthView", "modelSummaryView", "confusionView",
                  "raceView", "datasetBrowser", "augmentPreview", "outputView", "logView", "examplesView",
                  "receptiveFieldPanel", "measureButton")


def named(name: str, text: str = "") -> QWidget:
    widget = QLabel(text or name)
    widget.setObjectName(name)
    return widget


@pytest.fixture
def groups(qtbot):
    g = ViewGroups()
    qtbot.addWidget(g)
    g.resize(900, 500)
    g.show()
    return g


def test_a_view_goes_to_the_group_its_name_says_in_the_tables_order(groups):
    g = groups
    log = named("logView")
    g.add_view(log, "Log")
    draw, curves, unknown = named("drawPanel"), named("curvesPanel"), named("somethingNew")
    g.add_view(draw, "Draw")
    assert g.add_view(curves, "Curves") == 0  # the table's order, not the order of adding
    g.add_view(unknown, "New")
    g.add_view(named("examplesView"), "Examples")  # a view added later, by its name
    g.add_view(named("confusionView"), "Evaluation")
    assert g.titles() == ["Curves", "New", "Examples", "Evaluation", "Draw", "Log"]
    assert g.group_of(unknown) == DEFAULT_GROUP and g.group_of(draw) == "test"
    assert g.groups() == ["train", DEFAULT_GROUP, "data", "test", "log"]
    assert g.current_view() is log  # the first view added stays in front
    inner = named("drawCanvas")
    inner.setParent(draw)
    assert g.show_name("drawCanvas") and g.current_view() is draw  # a widget inside a view
    assert g.index_of(inner) == g.index_of(draw) == 4
    assert not g.show_name("noSuchView") and g.current_view() is draw
    with pytest.raises(ValueError):
        g.add_view(named("x"), "X", group="nowhere")


def test_the_strips_show_the_group_and_its_views_and_a_click_on_each_works(qtbot, groups):
    g = groups
    for name in VIEW_GROUPS:
        if name != "curvesPlaceholder":
            g.add_view(named(name), name)
    for gi, key in enumerate(g.groups()):
        g.group_bar.setCurrentIndex(gi)  # what a click on the group does
        assert g.current_group() == key
        views = g.group_views(key)
        assert g.view_bar.count() == len(views)
        for vi, view in enumerate(views):
            g.view_bar.setCurrentIndex(vi)
            assert g.current_view() is view and g.view_bar.tabText(vi) == view.objectName()
    # A group comes back at the view last shown in it.
    g.show_name("gapView")
    g.show_name("logView")
    g.group_bar.setCurrentIndex(g.groups().index("inside"))
    assert g.current_view().objectName() == "gapView"


def test_replacing_a_view_keeps_its_place(groups):
    g = groups
    placeholder = named("curvesPlaceholder")
    g.add_view(placeholder, "Curves")
    g.add_view(named("raceView"), "Race")
    curves = named("curvesPanel")
    g.replace_view(placeholder, curves, "Curves")
    assert g.views()[0] is curves and g.current_view() is curves and g.index_of(placeholder) == -1


def test_ctrl_tab_and_ctrl_page_keys_step_through_every_view(qtbot, groups):
    g = groups
    names = [n for n in VIEW_GROUPS if n not in ("curvesPlaceholder",)]
    for name in names:
        g.add_view(named(name), name)
    g.show_widget(g.views()[0])
    g.activateWindow()
    qtbot.waitUntil(g.isActiveWindow, timeout=5000)
    seen = [g.current_view().objectName()]
    for _ in range(len(names) - 1):
        qtbot.keyClick(g, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
        seen.append(g.current_view().objectName())
    assert seen == names  # every view, group after group
    qtbot.keyClick(g, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert g.current_view().objectName() == names[0]  # round the end
    qtbot.keyClick(g, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert g.current_view().objectName() == names[-1]
    qtbot.keyClick(g, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert g.current_view().objectName() == names[-2]


# ----------------------------------------------------------------------------------- in the window
@pytest.fixture
def laptop(monkeypatch):
    from convscope.app import settings

    monkeypatch.setattr(settings, "available_geometry", lambda window=None: QRect(0, 0, 1366, 768 - 40))


def open_window(qtbot, monkeypatch, language):
    from convscope.app.main_window import MainWindow

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    i18n.save_language(language)
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(w.is_ready, timeout=WAIT)
    qtbot.wait(50)
    return w


def whole_tabs(bar) -> bool:
    """Every tab of ``bar`` is inside it at its full width (no title cut, no scroll arrow needed)."""
    return all(bar.tabRect(i).width() >= bar.tabSizeHint(i).width() and bar.tabRect(i).right() < bar.width()
               for i in range(bar.count()))


@pytest.mark.parametrize("language", [i18n.ENGLISH, i18n.CHINESE])
def test_every_view_of_the_window_is_in_its_group_and_on_screen(qtbot, monkeypatch, laptop, language):
    w = open_window(qtbot, monkeypatch, language)
    g = w.view_groups
    assert w.width() <= 1366
    assert {key: [v.objectName() for v in g.group_views(key)] for key in g.groups()} == WINDOW_GROUPS
    assert whole_tabs(g.group_bar), [g.group_bar.tabText(i) for i in range(g.group_bar.count())]
    for gi, key in enumerate(g.groups()):
        g.group_bar.setCurrentIndex(gi)
        qtbot.wait(1)
        assert whole_tabs(g.view_bar), (key, [g.view_bar.tabText(i) for i in range(g.view_bar.count())])
        for vi, view in enumerate(g.group_views(key)):
            g.view_bar.setCurrentIndex(vi)
            assert g.current_view() is view and view.isVisible()
    for name in CONTRACT_NAMES:
        w.show_view("logView")
        assert w.show_view(name), name
        target = w.findChild(QObject, name)
        assert target.isVisible() and g.current_view().isAncestorOf(target) or g.current_view() is target, name
    # A view added by another part of the window goes to its group; an unknown one to the default group.
    index = w.add_tab(named("examplesView"), "Examples")
    assert g.group_of(g.widget(index)) == "data" and g.titles()[index] == "Examples"
    extra = named("extraView")
    w.add_tab(extra, "Extra")
    assert g.group_of(extra) == DEFAULT_GROUP and g.titles()[-1] == g.title_of(w.log_view)
    assert w.show_tab(extra) and g.current_view() is extra


def test_every_lessons_show_me_brings_its_view_forward(qtbot, monkeypatch, laptop):
    w = open_window(qtbot, monkeypatch, i18n.ENGLISH)
    combo, card = w.config_panel.preset_combo, w.analysis.lesson
    shown = set()
    for index in range(1, combo.count()):
        combo.setCurrentIndex(index)
        combo.activated.emit(index)
        name = card.view()
        if not card.isVisible() or not name:
            continue
        w.show_view("logView")
        card.show_button.click()
        target = w.findChild(QObject, name)
        assert target is not None and target.isVisible(), (combo.itemData(index), name)
        shown.add(name)
    assert {"oneByOneView", "layerHealthView", "accuracyPlot"} <= shown
