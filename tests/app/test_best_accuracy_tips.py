"""Every "best test accuracy" column says, on its heading, that picking the epoch by it is optimistic."""
from __future__ import annotations

from PySide6.QtCore import Qt

from convscope.app.widgets.model_summary import ModelSummaryView
from convscope.app.widgets.runs_browser import COLUMNS, RunsModel

TIP = Qt.ItemDataRole.ToolTipRole
ACROSS = Qt.Orientation.Horizontal


def test_the_headings_of_best_test_accuracy_explain_it(qtbot):
    view = ModelSummaryView()
    qtbot.addWidget(view)
    column = view.compare.headers.index("best test accuracy")
    tip = view.compare.headerData(column, ACROSS, TIP)
    assert "validation set" in tip and "4.4" in tip
    assert view.compare.headerData(0, ACROSS, TIP) is None  # the other headings say nothing more
    runs = RunsModel()
    assert runs.headerData(COLUMNS.index("Best test accuracy"), ACROSS, TIP) == tip
    assert runs.headerData(0, ACROSS, TIP) is None
