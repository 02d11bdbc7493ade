"""What the inside views share: colours, image and label helpers, and the meter of their paint time."""
from __future__ import annotations

import logging
import math
import re
import weakref

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy

from convscope.app.core_texts import core_text
from convscope.app.pacing import PaintMeter, timed_paint

log = logging.getLogger("convscope.gui")

TRUE_COLOUR = "#2ca02c"  # green: the true class
PRED_COLOUR = "#ff7f0e"  # orange: the predicted class (when it is wrong)
BAR_COLOUR = "#5b8def"
EXPLANATION_WIDTH = 270
BOX_COLOUR = "#00e6ff"  # a receptive field's theoretical box


def heat_rgba(heat: np.ndarray) -> np.ndarray:
    """A heat map (H, W) → uint8 RGBA: red → yellow, transparent where there is no heat."""
    top = float(heat.max()) if heat.size else 0.0
    h = heat / top if top > 0 else np.zeros_like(heat)
    rgba = np.zeros((*heat.shape, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[..., 1] = np.round(h * 255).astype(np.uint8)
    rgba[..., 3] = np.round(np.clip(h * 1.2, 0, 0.85) * 255).astype(np.uint8)
    return rgba




def _cmap(name: str) -> pg.ColorMap:
    return pg.colormap.get(name)


def static_plot(name: str, invert_y: bool = False) -> pg.PlotWidget:
    """A white plot that shows figures, not one to explore: no mouse panning, menu or auto-range button."""
    plot = pg.PlotWidget()
    plot.setObjectName(name)
    plot.setBackground("w")
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    plot.invertY(invert_y)
    return plot


def _image_item() -> pg.ImageItem:
    return pg.ImageItem(axisOrder="row-major")


def _image_box(layout: pg.GraphicsLayout, row: int, col: int, rowspan: int = 1, colspan: int = 1
               ) -> pg.ViewBox:
    box = layout.addViewBox(row=row, col=col, rowspan=rowspan, colspan=colspan, lockAspect=True,
                            invertY=True, enableMouse=False, enableMenu=False)
    box.setDefaultPadding(0.02)
    return box


def set_image(item: pg.ImageItem, image: np.ndarray, levels: tuple[float, float]) -> None:
    """Fixed levels, no auto-levelling; a contiguous copy (pyqtgraph draws strided arrays wrongly)."""
    item.setImage(np.ascontiguousarray(image), autoLevels=False, levels=levels)


def _label(layout: pg.GraphicsLayout, row: int, col: int, text: str = "", colspan: int = 1,
           size: str = "9pt") -> pg.LabelItem:
    item = pg.LabelItem(text, size=size, justify="center")
    layout.addItem(item, row=row, col=col, colspan=colspan)
    return item


def _explanation(html: str) -> QLabel:
    label = QLabel(html)
    label.setObjectName("explanation")
    label.setWordWrap(True)
    label.setTextFormat(Qt.RichText)
    label.setAlignment(Qt.AlignTop | Qt.AlignLeft)
    label.setFixedWidth(EXPLANATION_WIDTH)
    label.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Expanding)
    label.setStyleSheet("QLabel { padding: 6px; }")
    return label


def tile_maps(maps: np.ndarray, cols: int | None = None) -> tuple[np.ndarray, tuple[int, int]]:
    """(K, h, w) float maps → one float image of tiles with 1-px NaN gaps; returns (image, (rows, cols))."""
    k, h, w = maps.shape
    if cols is None:
        cols = max(1, math.ceil(math.sqrt(k * 2)))
        cols = min(cols, k)
    rows = max(1, math.ceil(k / cols))
    out = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), np.nan, np.float32)
    for i in range(k):
        r, c = divmod(i, cols)
        out[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = maps[i]
    return out, (rows, cols)


def mosaic_to_float(mosaic: np.ndarray) -> np.ndarray:
    """A probe mosaic (uint8; 0 = gap, 1…255 = each channel's min…max) → float in [0, 1], NaN gaps."""
    out = (mosaic.astype(np.float32) - 1.0) / 254.0
    out[mosaic == 0] = np.nan
    return out


def _symmetric(a: np.ndarray) -> tuple[float, float]:
    m = float(np.nanmax(np.abs(a))) if a.size else 0.0
    m = m if math.isfinite(m) and m > 0 else 1.0
    return (-m, m)


def source_text(source: str) -> str:
    """Where the probe image came from ("test sample 12", "your drawing"), in the window's language."""
    head, _, number = source.rpartition(" ")
    if head == "test sample" and number.isdigit():
        return QCoreApplication.translate("InsideViews", "test sample {n}").format(n=number)
    return QCoreApplication.translate("InsideViews", source)


KNOWN_SOURCES = (QT_TRANSLATE_NOOP(
    "InsideViews", "your drawing"),)  # the sources the app gives (core names the test samples)


# The layer labels of core (ModelSpec.probe_layers, core.training.introspect): their phrases, longest first, each
# with its words in the window's language ({0}, {1}: the numbers of the label).
LAYER_PHRASES = (
    (r"one score map per class, averaged into the class scores",
     QT_TRANSLATE_NOOP("InsideViews", "one score map per class, averaged into the class scores")),
    (r"(\d[\d,]*) channels pooled then fc", QT_TRANSLATE_NOOP("InsideViews", "{0} channels pooled then fc")),
    (r"mixes (\d[\d,]*) channels per pixel", QT_TRANSLATE_NOOP("InsideViews", "mixes {0} channels per pixel")),
    (r"(\d+ → \d+) channels", QT_TRANSLATE_NOOP("InsideViews", "{0} channels")),
    (r"1×1 reduce before the (\d×\d)", QT_TRANSLATE_NOOP("InsideViews", "1×1 reduce before the {0}")),
    (r"1×1 before the (\d×\d)s\b", QT_TRANSLATE_NOOP("InsideViews", "1×1 before the {0}s")),
    (r"1×1 before the (\d×\d)\b", QT_TRANSLATE_NOOP("InsideViews", "1×1 before the {0}")),
    (r"1×1 after the average pool", QT_TRANSLATE_NOOP("InsideViews", "1×1 after the average pool")),
    (r"1×1 branch", QT_TRANSLATE_NOOP("InsideViews", "1×1 branch")),
    (r"1×1 shortcut conv", QT_TRANSLATE_NOOP("InsideViews", "1×1 shortcut conv")),
    (r"first Inception block output", QT_TRANSLATE_NOOP("InsideViews", "first Inception block output")),
    (r"last Inception block", QT_TRANSLATE_NOOP("InsideViews", "last Inception block")),
    (r"first Inception", QT_TRANSLATE_NOOP("InsideViews", "first Inception")),
    (r"two residual blocks", QT_TRANSLATE_NOOP("InsideViews", "two residual blocks")),
    (r"block (\d+) output", QT_TRANSLATE_NOOP("InsideViews", "block {0} output")),
    (r"\bblock (\d+)", QT_TRANSLATE_NOOP("InsideViews", "block {0}")),
    (r"\bstage (\d+)", QT_TRANSLATE_NOOP("InsideViews", "stage {0}")),
    (r"last block", QT_TRANSLATE_NOOP("InsideViews", "last block")),
    (r"last stage", QT_TRANSLATE_NOOP("InsideViews", "last stage")),
    (r"\bstem\b", QT_TRANSLATE_NOOP("InsideViews", "stem")),
    (r"first (\d×\d) conv", QT_TRANSLATE_NOOP("InsideViews", "first {0} conv")),
    (r"second (\d×\d) conv", QT_TRANSLATE_NOOP("InsideViews", "second {0} conv")),
    (r"last (\d×\d) conv", QT_TRANSLATE_NOOP("InsideViews", "last {0} conv")),
    (r"first conv", QT_TRANSLATE_NOOP("InsideViews", "first conv")),
    (r"(\d×\d) conv", QT_TRANSLATE_NOOP("InsideViews", "{0} conv")),
    (r"(\d[\d,]*) maps", QT_TRANSLATE_NOOP("InsideViews", "{0} maps")),
    (r"half size", QT_TRANSLATE_NOOP("InsideViews", "half size")),
    (r"stride (\d+)", QT_TRANSLATE_NOOP("InsideViews", "stride {0}")),
    (r" \((.*)\)$", QT_TRANSLATE_NOOP("InsideViews", " ({0})")),
    (r"\((.*)\)$", QT_TRANSLATE_NOOP("InsideViews", "({0})")),
    (r": ", QT_TRANSLATE_NOOP("InsideViews", ": ")),
    (r", ", QT_TRANSLATE_NOOP("InsideViews", ", ")),
)


def layer_label_text(label: str) -> str:
    """A layer label of core ("block 1: first 1×1 conv (mixes 96 channels per pixel)") in the window's
    language; in English it is the label itself."""
    out, i = [], 0
    while i < len(label):  # one pass, left to right: a translated phrase is never matched again
        best = None
        for pattern, template in LAYER_PHRASES:
            m = re.match(pattern, label[i:])
            if m and (best is None or m.end() > best[0].end()):
                best = (m, template)
        if best is None:
            out.append(label[i])
            i += 1
            continue
        m, template = best
        groups = [layer_label_text(g) if any(c.isalpha() for c in g) else g for g in m.groups()]
        out.append(QCoreApplication.translate("InsideViews", template).format(*groups))
        i += m.end()
    return "".join(out)


def _fmt_class(names: tuple[str, ...], k: int | None) -> str:
    if k is None or k < 0:
        return "?"
    return core_text(names[k]) if 0 <= k < len(names) else str(k)


PAINT_METER = PaintMeter()  # CPU time the GUI thread spent painting the inside views (all of them)
TimedGraphicsLayoutWidget = timed_paint(pg.GraphicsLayoutWidget, PAINT_METER, "TimedGraphicsLayoutWidget")


_shown: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # item → the text or ticks it shows


def _set_text(item, text: str, **kwargs) -> None:
    """Set a label's text only when it changed (a new text re-lays out the scene and repaints it)."""
    if _shown.get(item) != (text, kwargs):
        item.setText(text, **kwargs)
        _shown[item] = (text, kwargs)


def _set_ticks(axis, ticks) -> None:
    if _shown.get(axis) != ticks:
        axis.setTicks(ticks)
        _shown[axis] = ticks
