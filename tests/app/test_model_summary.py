"""The Model tab: the per-layer table adds up and the comparison shows where AlexNet's parameters sit."""
from __future__ import annotations

from PySide6.QtCore import Qt

from convscope.app.widgets.model_summary import ModelSummaryView


def cell(model, row, col):
    return model.data(model.index(row, col), Qt.ItemDataRole.DisplayRole)


def test_layers_and_total(qtbot):
    from convscope.core.insight.summary import summarize
    from convscope.core.setup.config import make_config

    view = ModelSummaryView()
    qtbot.addWidget(view)
    s = summarize(make_config("lenet", "mnist-sample"))
    view.set_summary(s, "your settings")
    m = view.layers
    assert m.rowCount() == len(s.rows) + 1
    assert [cell(m, i, 0) for i in range(len(s.rows))] == [r.name for r in s.rows]
    assert cell(m, m.rowCount() - 1, 3) == "61,706" and "61,706 parameters" in view.title.text()
    fc1 = [r.name for r in s.rows].index("fc1")  # 48,120 of 61,706: the heavy one
    assert m.data(m.index(fc1, 0), Qt.ItemDataRole.BackgroundRole) is not None
    assert m.data(m.index(0, 0), Qt.ItemDataRole.BackgroundRole) is None
    shares = sum(float(cell(m, i, 4).rstrip(" %")) for i in range(len(s.rows)))
    assert abs(shares - 100) < 0.5


def test_comparison_marks_the_fully_connected_heavy_architectures(qtbot):
    from convscope.core.insight.summary import compare

    view = ModelSummaryView()
    qtbot.addWidget(view)
    rows = compare("fashion-mnist-sample", form="d2l", archs=("alexnet", "nin"))
    view.set_comparison(rows, rates={"nin": 123.0}, best={"alexnet": 0.875}, current="nin",
                        dataset="Fashion-MNIST")
    m = view.compare
    assert cell(m, 0, 4) == "92 %" and cell(m, 1, 4) == "0 %"
    assert m.data(m.index(0, 0), Qt.ItemDataRole.BackgroundRole) is not None  # AlexNet: FC-heavy
    assert m.data(m.index(1, 0), Qt.ItemDataRole.BackgroundRole) is None
    assert cell(m, 1, 5) == "123" and cell(m, 0, 5) == "—" and cell(m, 0, 6) == "87.5 %"
    assert cell(m, 1, 0).endswith("◀") and "Fashion-MNIST" in view.compare_title.text()
