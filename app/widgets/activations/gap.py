"""The global-average-pooling view: the per-class maps and the pooled scores with probabilities."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QRectF
from PySide6.QtWidgets import QGraphicsRectItem

from ._common import (
    BAR_COLOUR,
    PRED_COLOUR,
    TRUE_COLOUR,
    _cmap,
    _image_box,
    _image_item,
    _label,
    _set_text,
    _set_ticks,
    _symmetric,
    set_image,
    tile_maps,
)
from .base import InsideView

MIN_TILE = 24  # px of a class map as drawn: a 3×3 or 4×4 map (ResNet, GoogLeNet) is enlarged to this


def enlarged(maps: np.ndarray, min_side: int = MIN_TILE) -> np.ndarray:
    """(K, h, w) maps with each pixel repeated so that a map is at least ``min_side`` pixels a side:
    tiny maps become readable blocks (each block is one real value: nothing is invented between them)."""
    k, h, w = maps.shape
    factor = max(1, math.ceil(min_side / max(1, min(h, w))))
    return maps if factor == 1 else np.repeat(np.repeat(maps, factor, axis=1), factor, axis=2)


def best_columns(k: int, h: int, w: int, box_w: float, box_h: float) -> int:
    """The number of tile columns that draws ``k`` maps of h×w largest in a box of box_w × box_h."""
    if k <= 1 or box_w <= 0 or box_h <= 0:
        return 1 if k <= 1 else (5 if k == 10 else max(1, math.ceil(math.sqrt(k * 2))))
    best, best_scale = 1, 0.0
    for cols in range(1, k + 1):
        rows = math.ceil(k / cols)
        scale = min(box_w / (cols * (w + 1)), box_h / (rows * (h + 1)))
        if scale > best_scale * 1.0001:
            best, best_scale = cols, scale
    return best


class GapView(InsideView):
    """The per-class maps before global average pooling, and the pooled scores with probabilities."""

    TITLE = QT_TRANSLATE_NOOP("InsideViews", "Global average pooling")
    LAYER_KIND = "gap"
    NOTES = {
        "NiN": QT_TRANSLATE_NOOP("InsideViews", "its last 1×1 layer has one channel per class, so each map is that "
                                 "class's score map, averaged with no weights at all."),
        "GoogLeNet": QT_TRANSLATE_NOOP("InsideViews", "the last maps are averaged, then one fully connected layer "
                                       "scores the classes: the maps shown are class activation maps (its "
                                       "weights × the maps)."),
        "ResNet": QT_TRANSLATE_NOOP("InsideViews", "the last stage's maps are averaged, then one fully connected "
                                    "layer scores the classes: the maps shown are class activation maps (its "
                                    "weights × the maps)."),
    }
    EXPLANATION = QT_TRANSLATE_NOOP(
        "InsideViews",
        "<b>Why global average pooling</b><br>"
        "Instead of flattening the last maps into big fully connected layers, the network averages "
        "each map into a single number. In NiN the last block has one channel per class, so each map "
        "on the left is a <i>score map</i>: where the network sees evidence for that class. Its average "
        "is the class score (logit) on the right, and softmax turns the scores into "
        "probabilities.<br><br>"
        "Averaging has <b>no parameters</b>: nothing to learn, nothing to overfit (AlexNet's fully "
        "connected layers hold over 90 % of its weights). It also does not care <i>where</i> in the "
        "image the evidence is, and it works for any input size.<br><br>"
        "ResNet and GoogLeNet average their last maps and then apply one fully connected layer. "
        "Weighting the maps by that layer before averaging gives the same scores: these are the "
        "<i>class activation maps</i> shown for them.<br>"
        "<span style='color:{true_colour}'>■</span> true class "
        "<span style='color:{pred_colour}'>■</span> prediction (when wrong)")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("gapView")
        self.layer_combo.setObjectName("gapLayerCombo")

    def layer_choices(self, layers):
        return layers.gap

    def no_layers_message(self, layers):
        return QCoreApplication.translate(
            "InsideViews", "{network} ends in fully connected layers, not in a global average pool, so there are no "
                           "class maps to show. Train NiN, GoogLeNet or a ResNet to see them; the Output view shows "
                           "this network's scores.").format(network=layers.display_name)

    def build(self) -> None:
        lay = self.graphics.ci
        self.maps_title = _label(lay, 0, 0, QCoreApplication.translate("InsideViews", "class maps"), colspan=3)
        self.maps_box = _image_box(lay, 1, 0)
        self.maps_item = _image_item()
        self.maps_box.addItem(self.maps_item)
        self.cmap = _cmap("CET-D1")
        self.cmap_positive = _cmap("viridis")
        self.maps_bar = pg.ColorBarItem(values=(-1, 1), colorMap=self.cmap, interactive=False,
                                        label=QCoreApplication.translate(
                                            "InsideViews", "evidence"), width=12, colorMapMenu=False)
        self.maps_bar.setImageItem(self.maps_item)
        lay.addItem(self.maps_bar, row=1, col=1)
        self.score_plot = lay.addPlot(row=1, col=2)
        self.score_plot.setTitle(QCoreApplication.translate(
            "InsideViews", "average = score (logit), p = softmax"), size="9pt")
        self.score_plot.setMouseEnabled(False, False)
        self.score_plot.setMenuEnabled(False)
        self.score_plot.hideButtons()
        self.score_plot.invertY(True)
        self.score_plot.setMinimumWidth(230)
        self.zero = pg.InfiniteLine(pos=0, angle=90, pen=pg.mkPen("#888888"))
        self.score_plot.addItem(self.zero)
        self.score_bars = pg.BarGraphItem(x0=[], y=[], height=0.7, width=[])
        self.score_plot.addItem(self.score_bars)
        self.prob_texts: list[pg.TextItem] = []
        self.tile_texts: list[pg.TextItem] = []
        self.frames: list[QGraphicsRectItem] = []
        gl = lay.layout
        gl.setColumnStretchFactor(0, 3)
        gl.setColumnStretchFactor(2, 2)

    def set_model(self, layers):
        super().set_model(layers)
        for item in self.prob_texts:
            self.score_plot.removeItem(item)
        for item in self.tile_texts + self.frames:
            self.maps_box.removeItem(item)
        self.prob_texts, self.tile_texts, self.frames = [], [], []

    def draw(self, snap):
        p = snap.gap.get(self.layer) if self.layer else None
        if p is None:
            if not self.layer:
                return QCoreApplication.translate("InsideViews", "Pick a layer.")
            return QCoreApplication.translate(
                "InsideViews", "No class maps of {layer} in this snapshot yet (step {step}); they come with the next "
                               "one.").format(layer=self.layer, step=snap.step)
        names = snap.class_names or tuple(str(i) for i in range(len(p.scores)))
        maps = enlarged(p.class_maps)
        k, h, w = maps.shape
        rect = self.maps_box.boundingRect()
        cols = best_columns(k, h, w, rect.width(), rect.height())
        img, (rows, cols) = tile_maps(maps, cols=cols)
        if float(np.min(p.class_maps)) >= 0:  # after a ReLU (NiN): 0 = no evidence
            top = float(np.max(p.class_maps))
            levels, cmap = (0.0, top if top > 0 else 1.0), self.cmap_positive
        else:  # signed class activation maps: white = 0, red = for, blue = against
            levels, cmap = _symmetric(p.class_maps), self.cmap
        if self.maps_bar.colorMap() is not cmap:
            self.maps_bar.setColorMap(cmap)
        set_image(self.maps_item, img, levels)
        self.maps_bar.setLevels(levels)
        pred, true = snap.predicted, snap.label
        self._tile_labels(names, k, h, w, cols)
        self._frames(k, h, w, cols, true, pred)
        what = (QCoreApplication.translate(
            "InsideViews", "class activation maps (fc weights × {n} maps)").format(n=p.channels)
                if p.from_fc else QCoreApplication.translate("InsideViews", "score maps, one per class"))
        _set_text(self.maps_title, QCoreApplication.translate("InsideViews", "{layer}: {what} ({h}×{w} px)").format(
            layer=self.layer, what=what, h=p.size[0], w=p.size[1]))
        self._bars(p.scores, snap.probs, names, true, pred)
        _set_text(self.info,
            (QCoreApplication.translate(
                "InsideViews", "{caption}. The {k} scores are the averages of the maps; the pooled vector has {n} "
                               "values, fed to one fully connected layer.") if p.from_fc else
             QCoreApplication.translate(
                 "InsideViews", "{caption}. The {k} scores are the averages of the maps, with no weights in between."))
            .format(caption=self._caption(snap).replace('<br>', ': '), k=k, n=p.channels))
        return None

    def _colour(self, i: int, true: int | None, pred: int) -> str:
        if true is not None and i == true:
            return TRUE_COLOUR
        if i == pred:
            return PRED_COLOUR
        return BAR_COLOUR

    def _tile_labels(self, names, k, h, w, cols) -> None:
        while len(self.tile_texts) < k:
            t = pg.TextItem("", color="w", anchor=(0, 0), fill=pg.mkBrush(0, 0, 0, 150))
            self.maps_box.addItem(t)
            self.tile_texts.append(t)
        for i, t in enumerate(self.tile_texts):
            t.setVisible(i < k)
            if i < k:
                r, c = divmod(i, cols)
                _set_text(t, str(names[i]) if i < len(names) else str(i))
                t.setPos(c * (w + 1) - 0.5, r * (h + 1) - 0.5)

    def _frames(self, k, h, w, cols, true, pred) -> None:
        while len(self.frames) < 2:
            f = QGraphicsRectItem()
            f.setZValue(10)
            self.maps_box.addItem(f)
            self.frames.append(f)
        marks = [(true, TRUE_COLOUR)] if true is not None else []
        if pred != true:
            marks.append((pred, PRED_COLOUR))
        for f, mark in zip(self.frames, marks + [None] * (2 - len(marks))):
            if mark is None or mark[0] is None or not 0 <= mark[0] < k:
                f.setVisible(False)
                continue
            r, c = divmod(mark[0], cols)
            f.setRect(QRectF(c * (w + 1) - 0.5, r * (h + 1) - 0.5, w + 1, h + 1))
            f.setPen(pg.mkPen(mark[1], width=3))
            f.setVisible(True)

    def _bars(self, scores, probs, names, true, pred) -> None:
        k = len(scores)
        ys = np.arange(k)
        brushes = [pg.mkBrush(self._colour(i, true, pred)) for i in range(k)]
        self.score_bars.setOpts(x0=np.minimum(scores, 0), y=ys, width=np.abs(scores), height=0.7,
                                brushes=brushes)
        ticks = [[(i, str(names[i]) if i < len(names) else str(i)) for i in range(k)]]
        _set_ticks(self.score_plot.getAxis("left"), ticks)
        lo, hi = float(min(0.0, scores.min())), float(max(0.0, scores.max()))
        span = hi - lo if hi > lo else 1.0
        # Room on the right for a column of probabilities.
        self.score_plot.setXRange(lo - 0.03 * span, hi + 0.45 * span, padding=0)
        self.score_plot.setYRange(-0.6, k - 0.4, padding=0)
        while len(self.prob_texts) < k:
            t = pg.TextItem("", color="w", anchor=(0, 0.5))
            self.score_plot.addItem(t)
            self.prob_texts.append(t)
        for i, t in enumerate(self.prob_texts):
            t.setVisible(i < k)
            if i < k:
                _set_text(t, f"p = {probs[i]:.0%}", color=self._colour(i, true, pred)
                          if i in (true, pred) else "#dddddd")
                t.setPos(hi + 0.08 * span, i)
