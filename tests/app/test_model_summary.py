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


def test_measured_columns_bars_and_comparison_from_a_ledger(qtbot):
    from convscope.core.insight.cost import measure
    from convscope.core.insight.summary import compare, summarize
    from convscope.core.setup.config import make_config

    cfg = make_config("lenet", "mnist-sample", device="cpu")
    view = ModelSummaryView()
    qtbot.addWidget(view)
    view.set_summary(summarize(cfg), "your settings")
    m = view.layers
    assert cell(m, 0, 7) == "—" and not view.bars.shares  # nothing measured yet
    ledger = measure(cfg, batch_size=2, budget_s=0.01)
    view.set_ledger(ledger)
    from convscope.app.widgets.model_summary import _ms

    assert cell(m, 0, 7) == _ms(ledger.rows[0].forward_ms) and cell(m, 0, 8) == _ms(ledger.rows[0].backward_ms)
    assert cell(m, 0, 10) == "6.1 KiB"  # conv1 keeps its input: 2 images of 28×28 float32
    time_shares = sum(float(cell(m, i, 9).rstrip(" %")) for i in range(len(ledger.rows)))
    assert abs(time_shares - 100) < 1
    assert view.bars.shares["params"]["fc"] > 0.9  # LeNet's parameters sit in its dense layers
    assert abs(sum(view.bars.shares["time"].values()) - 1) < 1e-6
    assert "batch 2" in view.measure_status.text()
    rows = compare("mnist-sample", archs=("lenet", "nin"))
    view.set_comparison(rows, current="lenet", measured={"lenet": (ledger.ms_per_image, ledger.peak_bytes_per_image)})
    assert cell(view.compare, 0, 7) == f"{ledger.ms_per_image:.3f}" and cell(view.compare, 1, 7) == "—"
    # Another network's summary sets the measurement aside.
    view.set_summary(summarize(make_config("nin", "mnist-sample")))
    assert view.ledger is None and cell(m, 0, 7) == "—" and not view.bars.isVisibleTo(view)
