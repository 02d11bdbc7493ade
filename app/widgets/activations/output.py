"""The output view: the network's scores (logits) and probabilities for the probe image."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from ._common import (
    BAR_COLOUR,
    PRED_COLOUR,
    TRUE_COLOUR,
    _fmt_class,
    _image_box,
    _image_item,
    _label,
    _set_text,
    _set_ticks,
    set_image,
)
from .base import InsideView


class OutputView(InsideView):
    """The network's scores (logits) and probabilities for the probe image; for every network."""

    TITLE = QT_TRANSLATE_NOOP("InsideViews", "Output")
    LAYER_KIND = ""
    EXPLANATION = QT_TRANSLATE_NOOP(
        "InsideViews",
        "<b>The network's answer</b><br>"
        "The last layer gives one score (<i>logit</i>) per class. Softmax turns the scores into "
        "probabilities: p<sub>k</sub> = e<sup>z<sub>k</sub></sup> / Σ<sub>j</sub> "
        "e<sup>z<sub>j</sub></sup>. Only the differences between scores matter.<br><br>"
        "Before training every class gets about the same probability (1/10 for ten classes). As the "
        "network learns, the true class's bar should grow and the others shrink.<br>"
        "<span style='color:{true_colour}'>■</span> true class "
        "<span style='color:{pred_colour}'>■</span> prediction (when wrong)")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("outputView")

    def wants_output(self) -> bool:
        return True

    def build(self) -> None:
        lay = self.graphics.ci
        self.input_title = _label(lay, 0, 0, QCoreApplication.translate("InsideViews", "probe image"))
        self.input_box = _image_box(lay, 1, 0)
        self.input_item = _image_item()
        self.input_item.setColorMap(pg.ColorMap([0.0, 1.0], [(0, 0, 0), (255, 255, 255)]))
        self.input_box.addItem(self.input_item)
        self.logit_plot = lay.addPlot(row=1, col=1, title=QCoreApplication.translate("InsideViews", "scores (logits)"))
        self.prob_plot = lay.addPlot(row=1, col=2, title=QCoreApplication.translate(
            "InsideViews", "probabilities (softmax)"))
        for plot in (self.logit_plot, self.prob_plot):
            plot.setMouseEnabled(False, False)
            plot.setMenuEnabled(False)
            plot.hideButtons()
        self.prob_plot.setYRange(0, 1, padding=0.02)
        self.logit_bars = pg.BarGraphItem(x=[], y0=[], height=[], width=0.7)
        self.prob_bars = pg.BarGraphItem(x=[], y0=[], height=[], width=0.7)
        self.logit_plot.addItem(self.logit_bars)
        self.prob_plot.addItem(self.prob_bars)
        self.zero = pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen("#888888"))
        self.logit_plot.addItem(self.zero)
        gl = lay.layout
        gl.setColumnStretchFactor(0, 1)
        gl.setColumnStretchFactor(1, 3)
        gl.setColumnStretchFactor(2, 3)

    def draw(self, snap):
        names = snap.class_names or tuple(str(i) for i in range(len(snap.logits)))
        k = len(snap.logits)
        pred, true = snap.predicted, snap.label
        colours = [TRUE_COLOUR if (true is not None and i == true) else PRED_COLOUR if i == pred
                   else BAR_COLOUR for i in range(k)]
        brushes = [pg.mkBrush(c) for c in colours]
        xs = np.arange(k)
        z = snap.logits
        self.logit_bars.setOpts(x=xs, y0=np.minimum(z, 0), height=np.abs(z), width=0.7, brushes=brushes)
        self.prob_bars.setOpts(x=xs, y0=np.zeros(k), height=snap.probs, width=0.7, brushes=brushes)
        ticks = [[(i, str(names[i]) if i < len(names) else str(i)) for i in range(k)]]
        for plot in (self.logit_plot, self.prob_plot):
            _set_ticks(plot.getAxis("bottom"), ticks)
            plot.setXRange(-0.6, k - 0.4, padding=0)
        lo, hi = float(min(0.0, z.min())), float(max(0.0, z.max()))
        self.logit_plot.setYRange(lo, hi if hi > lo else lo + 1, padding=0.05)
        _set_text(self.input_title, self._caption(snap))
        set_image(self.input_item, snap.image, (0, 255))
        order = np.argsort(-snap.probs)[:3]
        _set_text(self.info, QCoreApplication.translate("InsideViews", "Most likely: ") + ", ".join(
            f"“{_fmt_class(names, int(i))}” {snap.probs[i]:.1%}" for i in order))
        return None
