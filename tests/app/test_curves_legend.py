"""The curves' legends sit in a band above the data, and the 100 % line has its tick label."""
from __future__ import annotations

from PySide6.QtCore import QPointF

from convscope.app.widgets.curves import CurvesPanel


def records():
    return [{"epoch": e, "train_loss": loss, "train_acc": acc, "test_loss": loss * 1.1, "test_acc": acc,
             "lr": 1e-3, "seconds": 1.0, "examples_per_s": 100.0}
            for e, loss, acc in ((1, 2.3, 0.5), (2, 1.0, 0.9), (3, 0.2, 1.0))]


def test_legends_never_cover_the_data(qtbot):
    panel = CurvesPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 700)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_run(records(), "tiny")
    qtbot.wait(100)
    acc_vb = panel.accuracy_plot.getPlotItem().vb
    loss_vb = panel.loss_plot.getPlotItem().vb
    ticks = panel.accuracy_plot.getPlotItem().getAxis("left")._tickLevels[0]
    assert (100, "100") in ticks  # the 100 % line is labelled
    top_acc = acc_vb.mapViewToScene(QPointF(2, 100)).y()  # 100 %: the highest accuracy there can be
    assert panel.acc_legend.sceneBoundingRect().bottom() <= top_acc
    top_loss = loss_vb.mapViewToScene(QPointF(2, 2.3 * 1.1)).y()  # the highest loss drawn
    assert panel.loss_legend.sceneBoundingRect().bottom() <= top_loss
