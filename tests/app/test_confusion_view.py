"""The Evaluation tab's confusion matrix: a click on a cell shows exactly that pair's test images."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from convscope.app.widgets.confusion_view import ConfusionView


@pytest.fixture(scope="module")
def analysis(tmp_path_factory):
    from convscope.core.insight.analysis import analyse, eval_split
    from convscope.core.setup.config import make_config
    from convscope.core.training.engine import Trainer

    cfg = make_config("lenet", "fashion-mnist-sample", epochs=1, subset=256, device="cpu", seed=0)
    trainer = Trainer(cfg, run_dir=tmp_path_factory.mktemp("confusion") / "run")
    assert trainer.run().status == "completed"
    return analyse(trainer.model, cfg, eval_split(cfg))


def click_cell(qtbot, view, true: int, predicted: int) -> None:
    plot = view.matrix_plot

    def where():
        return plot.mapFromScene(view.matrix_item.mapToScene(QPointF(predicted + 0.5, true + 0.5)))

    # The plots appear with the first matrix: their layout and range settle over a few turns.
    seen = []
    qtbot.waitUntil(lambda: (seen.append(where()) or len(seen) > 5 and seen[-1] == seen[-2] == seen[-3]),
                    timeout=10_000)
    qtbot.wait(50)
    pos = where()
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(pos.x(), pos.y()))


def test_a_cell_click_shows_exactly_that_pairs_images(qtbot, analysis):
    view = ConfusionView()
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    qtbot.waitExposed(view)
    view.set_analysis(analysis, "LeNet")
    assert view.matrix_item.image.shape == (10, 10) and "test accuracy" in view.status.text()
    m = analysis.matrix
    off = m - np.diag(np.diag(m))
    t, p = np.unravel_index(int(np.argmax(off)), off.shape)
    assert view.cell == (t, p)  # it opens on the most frequent confusion
    # Another cell, clicked with the mouse: a diagonal one (the images read right).
    target = (2, 2) if m[2, 2] else (int(t), int(p))
    with qtbot.waitSignal(view.cell_selected, timeout=180_000) as blocker:
        click_cell(qtbot, view, *target)
    assert tuple(blocker.args) == target and view.cell == target
    expected = np.flatnonzero((analysis.true == target[0]) & (analysis.predicted == target[1]))
    shown = view.cell_image_indices()
    assert sorted(shown) == sorted(expected.tolist())[:200] and view.cell_images.count() == len(shown)
    confidence = analysis.top_p[shown, 0]
    assert (np.diff(confidence) <= 1e-6).all()  # the most confident first
    first = view.cell_images.item(0)
    assert first.text().count("%") == 3  # its top-3


def test_clicking_an_image_makes_it_the_probe_image(qtbot, analysis):
    view = ConfusionView()
    qtbot.addWidget(view)
    view.set_analysis(analysis, "LeNet")
    item = view.cell_images.item(0)
    index = item.data(Qt.ItemDataRole.UserRole)
    with qtbot.waitSignal(view.image_chosen, timeout=180_000) as blocker:
        view.cell_images.itemClicked.emit(item)
    image, label, source = blocker.args
    assert np.array_equal(image, analysis.split.images[index]) and label == analysis.true[index]
    assert str(index) in source


def test_clear_forgets_the_previous_network(qtbot, analysis):
    view = ConfusionView()
    qtbot.addWidget(view)
    view.set_analysis(analysis, "LeNet")
    view.clear()
    assert view.analysis is None and view.cell_images.count() == 0 and view.matrix_item.image is None
    view.select_cell(0, 0)  # nothing to show: no error
    assert view.cell is None


def _row_centre(plot, row: int) -> float:
    """The global y (px) of the middle of matrix row ``row`` in ``plot``."""
    scene = plot.getViewBox().mapViewToScene(QPointF(0, row + 0.5))
    return plot.viewport().mapToGlobal(plot.mapFromScene(scene)).y()


def test_a_sentence_before_evaluating_then_one_label_per_row_that_never_overlap(qtbot, analysis):
    from PySide6.QtGui import QFontMetrics
    from PySide6.QtWidgets import QLabel

    view = ConfusionView()
    qtbot.addWidget(view)
    view.resize(930, 480)  # the Evaluation tab in a 1366×768 window
    view.show()
    qtbot.waitExposed(view)
    placeholder = view.findChild(QLabel, "evaluationPlaceholder")
    assert placeholder is not None and placeholder.isVisible() and "evaluated" in placeholder.text()
    assert not view.matrix_plot.isVisible() and not view.class_plot.isVisible()  # no axes of nothing

    view.set_analysis(analysis, "LeNet")
    assert view.matrix_plot.isVisible() and view.class_plot.isVisible() and not placeholder.isVisible()
    labels = [text for _pos, text in view.matrix_plot.getAxis("left")._tickLevels[0]]
    assert len(labels) == len(set(labels)) == 10
    assert labels[0] == "T-shirt/t… 0"
    assert ConfusionView.row_label(3, "3") == "3"  # digits: the name is the number, said once
    # The per-class bars are labelled by the matrix's rows beside them, row for row; the rows are tall
    # enough for one line of label each.
    assert view.class_plot.getAxis("left").style["showValues"] is False
    line = QFontMetrics(view.matrix_plot.getAxis("left").font()).height()

    def laid_out():
        gaps = [_row_centre(view.matrix_plot, i + 1) - _row_centre(view.matrix_plot, i) for i in range(9)]
        aligned = all(abs(_row_centre(view.class_plot, i) - _row_centre(view.matrix_plot, i)) <= 2
                      for i in range(10))
        return min(gaps) >= line and aligned

    qtbot.waitUntil(laid_out, timeout=10_000)
    view.clear()
    assert placeholder.isVisible() and not view.matrix_plot.isVisible()
