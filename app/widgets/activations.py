"""Live internals: feature maps, 1×1 convolutions, global average pooling and the output, during training.

The views only draw; :class:`ActivationsController` wires them to a :class:`core.probe.Probe`:

* the probe runs in the training thread (``trainer.step_hooks``) and drops snapshots into a latest-only
  mailbox; a ~30 Hz ``QTimer`` in the GUI thread takes them (the GUI never waits on the worker);
* each view says whether it is visible; the probe is told to capture only the layers of visible views, so
  a hidden view costs the training loop nothing;
* a timeline slider in every view scrubs back through the probe's bounded history, in step across views.

All images are ``pg.ImageItem``s with fixed levels and a lookup table (``setImage(..., autoLevels=False)``).
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (QComboBox, QGraphicsRectItem, QHBoxLayout, QLabel, QPushButton, QSizePolicy,
                               QSlider, QSpinBox, QStackedWidget, QVBoxLayout, QWidget)

from core.introspect import ModelLayers, model_layers

log = logging.getLogger("convscope.gui")

TRUE_COLOUR = "#2ca02c"  # green: the true class
PRED_COLOUR = "#ff7f0e"  # orange: the predicted class (when it is wrong)
BAR_COLOUR = "#5b8def"
EXPLANATION_WIDTH = 270


# ------------------------------------------------------------------------------------------ helpers
def _cmap(name: str) -> pg.ColorMap:
    return pg.colormap.get(name)


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


def _fmt_class(names: tuple[str, ...], k: int | None) -> str:
    if k is None or k < 0:
        return "?"
    return names[k] if 0 <= k < len(names) else str(k)


class PaintClock:
    """CPU time the GUI thread spent painting the views (read by the controller's drawing budget)."""

    seconds = 0.0


class TimedGraphicsLayoutWidget(pg.GraphicsLayoutWidget):
    """A ``GraphicsLayoutWidget`` that adds the CPU time of each of its paints to :class:`PaintClock`."""

    def paintEvent(self, event):  # noqa: N802 - Qt's name
        t0 = time.thread_time()
        try:
            super().paintEvent(event)
        finally:
            PaintClock.seconds += time.thread_time() - t0


def _set_text(item, text: str, **kwargs) -> None:
    """Set a label's text only when it changed (a new text re-lays out the scene and repaints it)."""
    if getattr(item, "_shown_text", None) != (text, kwargs):
        item.setText(text, **kwargs)
        item._shown_text = (text, kwargs)


def _set_ticks(axis, ticks) -> None:
    if getattr(axis, "_shown_ticks", None) != ticks:
        axis.setTicks(ticks)
        axis._shown_ticks = ticks


# ------------------------------------------------------------------------------------------ small bars
class TimelineBar(QWidget):
    """A slider over the probe's history; "Live" follows the newest snapshot."""

    scrubbed = Signal(int)  # snapshot seq
    live_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        title = QLabel("Timeline")
        title.setToolTip("Scrub back through the last snapshots to see how the maps formed.")
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setObjectName("timelineSlider")
        self.slider.setEnabled(False)
        self.slider.valueChanged.connect(self._moved)
        self.text = QLabel("no snapshot yet")
        self.text.setMinimumWidth(250)
        self.live = QPushButton("Live")
        self.live.setObjectName("timelineLive")
        self.live.setCheckable(True)
        self.live.setChecked(True)
        self.live.setToolTip("Follow the newest snapshot")
        self.live.clicked.connect(self._live_clicked)
        lay.addWidget(title)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.text)
        lay.addWidget(self.live)
        self._updating = False

    def set_state(self, first: int, last: int, current: int, live: bool, text: str) -> None:
        self._updating = True
        try:
            self.slider.setEnabled(last >= first > 0)
            self.slider.setRange(first, max(first, last))
            self.slider.setValue(current)
            self.live.setChecked(live)
            self.text.setText(text)
        finally:
            self._updating = False

    @Slot(int)
    def _moved(self, value: int) -> None:
        if not self._updating:
            self.scrubbed.emit(value)

    @Slot()
    def _live_clicked(self) -> None:
        self.live.setChecked(True)
        self.live_requested.emit()


class SampleBar(QWidget):
    """Which image the probe looks at: a test sample (by index) or the user's own image."""

    sample_chosen = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel("Probe image: test sample"))
        self.spin = QSpinBox()
        self.spin.setObjectName("probeSampleSpin")
        self.spin.setRange(0, 9999)
        self.spin.setKeyboardTracking(False)
        self.spin.setToolTip("Which test image the network is probed with")
        self.spin.valueChanged.connect(self._changed)
        self.random = QPushButton("Another")
        self.random.setToolTip("Probe with a random test image")
        self.random.clicked.connect(self._random)
        self.note = QLabel("")
        lay.addWidget(self.spin)
        lay.addWidget(self.random)
        lay.addWidget(self.note)
        self._updating = False
        self._rng = np.random.default_rng()

    def set_state(self, index: int | None, n_test: int, note: str = "") -> None:
        self._updating = True
        try:
            if n_test > 0:
                self.spin.setRange(0, n_test - 1)
            if index is not None:
                self.spin.setValue(index)
            self.note.setText(note)
        finally:
            self._updating = False

    @Slot(int)
    def _changed(self, value: int) -> None:
        if not self._updating:
            self.sample_chosen.emit(int(value))

    @Slot()
    def _random(self) -> None:
        top = self.spin.maximum()
        self.spin.setValue(int(self._rng.integers(0, top + 1)) if top > 0 else 0)


# ------------------------------------------------------------------------------------------ base view
class InsideView(QWidget):
    """Common frame: header (layer picker, probe image), drawing area, explanation, timeline."""

    wanted_changed = Signal()
    TITLE = ""
    EXPLANATION = ""
    LAYER_KIND = ""  # "feature", "1x1", "gap" or "" (no layer picker)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.layers = ModelLayers()
        self.snapshot = None
        self.shown_seq = -1  # seq of the snapshot drawn (-1: none)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        header = QHBoxLayout()
        self.layer_combo = QComboBox()
        self.layer_combo.setObjectName(f"{self.objectName() or type(self).__name__}LayerCombo")
        self.layer_combo.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.layer_combo.setMinimumContentsLength(24)
        self.layer_combo.currentIndexChanged.connect(self._layer_changed)
        self.layer_label = QLabel("Layer:")
        if self.LAYER_KIND:
            header.addWidget(self.layer_label)
            header.addWidget(self.layer_combo)
        else:
            self.layer_combo.hide()
        self.header_extra = QHBoxLayout()
        header.addLayout(self.header_extra)
        header.addStretch(1)
        self.samples = SampleBar()
        header.addWidget(self.samples)
        outer.addLayout(header)
        body = QHBoxLayout()
        self.stack = QStackedWidget()
        self.graphics = TimedGraphicsLayoutWidget()
        self.graphics.setMinimumSize(360, 260)
        self.graphics.ci.setContentsMargins(4, 4, 4, 4)
        self.placeholder = QLabel("Start training to see inside the network.")
        self.placeholder.setAlignment(Qt.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.stack.addWidget(self.graphics)
        self.stack.addWidget(self.placeholder)
        body.addWidget(self.stack, 1)
        self.explanation = _explanation(self.EXPLANATION)
        body.addWidget(self.explanation)
        outer.addLayout(body, 1)
        self.info = QLabel("")
        self.info.setObjectName("viewInfo")
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.info.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        # A fixed height: a longer text must not resize (and so repaint) the drawing area.
        self.info.setFixedHeight(3 * self.info.fontMetrics().lineSpacing() + 4)
        outer.addWidget(self.info)
        self.timeline = TimelineBar()
        outer.addWidget(self.timeline)
        self.build()
        self.show_placeholder("Start training to see inside the network.")

    # -- for subclasses ----------------------------------------------------------------------------
    def build(self) -> None:
        """Create the graphics items."""

    def draw(self, snap) -> None:
        """Draw ``snap`` (a ``core.probe.Snapshot``)."""

    def layer_choices(self, layers: ModelLayers) -> list[tuple[str, str]]:
        return []

    def no_layers_message(self, layers: ModelLayers) -> str:
        return f"{layers.display_name} has no layer of this kind."

    # -- public ------------------------------------------------------------------------------------
    def is_live(self) -> bool:
        """Whether the view is on screen (a hidden view costs nothing: nothing is probed for it)."""
        if not self.isVisible():
            return False
        win = self.window()
        return not (win is not None and win.isMinimized())

    @property
    def layer(self) -> str | None:
        data = self.layer_combo.currentData()
        return data if isinstance(data, str) and data else None

    def set_layer(self, module: str) -> bool:
        i = self.layer_combo.findData(module)
        if i >= 0:
            self.layer_combo.setCurrentIndex(i)
        return i >= 0

    def wanted(self) -> set[tuple[str, str]]:
        """The (module, kind) pairs this view needs from the probe."""
        layer = self.layer
        return {(layer, self.LAYER_KIND)} if (layer and self.LAYER_KIND) else set()

    def wants_output(self) -> bool:
        return False

    def set_model(self, layers: ModelLayers) -> None:
        self.layers = layers
        self.snapshot, self.shown_seq = None, -1
        choices = self.layer_choices(layers)
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for module, label in choices:
            self.layer_combo.addItem(label if module in label else f"{label}  [{module}]", module)
            self.layer_combo.setItemData(self.layer_combo.count() - 1, module, Qt.ToolTipRole)
        self.layer_combo.blockSignals(False)
        if self.LAYER_KIND:
            self.layer_combo.setVisible(bool(choices))
            self.layer_label.setVisible(bool(choices))
        if self.LAYER_KIND and not choices:
            self.show_placeholder(self.no_layers_message(layers))
        else:
            self.show_placeholder(f"{layers.display_name}: waiting for the first snapshot…")
        self.wanted_changed.emit()

    def show_placeholder(self, text: str) -> None:
        self.placeholder.setText(text)
        self.stack.setCurrentWidget(self.placeholder)

    def show_snapshot(self, snap) -> None:
        self.snapshot = snap
        self.shown_seq = snap.seq if snap is not None else -1
        if snap is None:
            return
        if self.LAYER_KIND and self.layer_combo.count() == 0:
            self.show_placeholder(self.no_layers_message(self.layers))
            return
        try:
            missing = self.draw(snap)
        except Exception:  # noqa: BLE001 - a drawing bug must not take the window down
            log.exception("could not draw snapshot %s in %s", snap.seq, type(self).__name__)
            self.show_placeholder("Could not draw this snapshot (see the log).")
            return
        if missing:
            self.show_placeholder(missing)
        else:
            self.stack.setCurrentWidget(self.graphics)

    def image_items(self) -> list[pg.ImageItem]:
        return [item for item in self.graphics.scene().items() if isinstance(item, pg.ImageItem)]

    @Slot(int)
    def _layer_changed(self, _index: int) -> None:
        self.wanted_changed.emit()
        if self.snapshot is not None:
            self.show_snapshot(self.snapshot)

    def _caption(self, snap) -> str:
        names = snap.class_names
        pred = snap.predicted
        p = float(snap.probs[pred]) if 0 <= pred < len(snap.probs) else float("nan")
        label = f"true {_fmt_class(names, snap.label)} · " if snap.label is not None else ""
        return f"{snap.source}<br>{label}predicted {_fmt_class(names, pred)} ({p:.0%})"


# ------------------------------------------------------------------------------------------ feature maps
class FeatureMapView(InsideView):
    """The channels of one convolutional layer for the probe image, as one colour-mapped mosaic."""

    TITLE = "Feature maps"
    LAYER_KIND = "feature"
    EXPLANATION = (
        "<b>What feature maps show</b><br>"
        "A convolutional layer slides each of its filters over the image. The result of one filter is "
        "one <i>feature map</i> (a channel): bright where the filter found its pattern, dark where it "
        "did not.<br><br>"
        "Each tile here is one channel of the chosen layer for the probe image on the left. Every tile "
        "is scaled on its own (its lowest value dark, its highest bright), so compare the "
        "<i>shapes</i>, not the brightness between tiles. Click a tile to enlarge it.<br><br>"
        "Early layers find edges and strokes; deeper layers are smaller and react to larger parts of "
        "the digit. At the start the maps are blurry copies of the input made by random filters; watch "
        "them sharpen into distinct detectors as the network trains. A tile that stays flat is a "
        "channel that gives the same value everywhere, e.g. a \"dead\" ReLU that outputs 0.")

    def __init__(self, parent=None):
        self.selected: int | None = None  # channel index enlarged
        super().__init__(parent)
        self.setObjectName("featureMapView")
        self.layer_combo.setObjectName("featureLayerCombo")
        self.channel_mode = QComboBox()
        self.channel_mode.setObjectName("featureChannelMode")
        self.channel_mode.addItem("first channels", "first")
        self.channel_mode.addItem("strongest channels", "top")
        self.channel_mode.setToolTip("Show the first channels of the layer, or those with the largest "
                                     "mean activation for this image")
        self.channel_mode.currentIndexChanged.connect(lambda _i: self.wanted_changed.emit())
        self.header_extra.addWidget(self.channel_mode)

    @property
    def selection(self) -> str:
        return self.channel_mode.currentData() or "first"

    def layer_choices(self, layers):
        return layers.feature

    def build(self) -> None:
        lay = self.graphics.ci
        self.input_title = _label(lay, 0, 0, "probe image")
        self.input_box = _image_box(lay, 1, 0)
        self.input_item = _image_item()
        self.input_box.addItem(self.input_item)
        self.tile_title = _label(lay, 2, 0, "click a tile")
        self.tile_box = _image_box(lay, 3, 0)
        self.tile_item = _image_item()
        self.tile_box.addItem(self.tile_item)
        self.mosaic_title = _label(lay, 0, 1, "channels", colspan=2)
        self.mosaic_box = _image_box(lay, 1, 1, rowspan=3)
        self.mosaic_item = _image_item()
        self.mosaic_box.addItem(self.mosaic_item)
        self.cmap = _cmap("viridis")
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=self.cmap, interactive=False,
                                        label="activation (each tile: min → max)", width=14,
                                        colorMapMenu=False)
        self.colorbar.setImageItem([self.mosaic_item, self.tile_item])
        lay.addItem(self.colorbar, row=1, col=2, rowspan=3)
        self.highlight = QGraphicsRectItem()
        self.highlight.setPen(pg.mkPen("#ff4040", width=2))
        self.highlight.setVisible(False)
        self.mosaic_box.addItem(self.highlight)
        gl = lay.layout
        gl.setColumnStretchFactor(0, 1)
        gl.setColumnStretchFactor(1, 4)
        grey = pg.ColorMap([0.0, 1.0], [(0, 0, 0), (255, 255, 255)])
        self.input_item.setColorMap(grey)
        self.graphics.scene().sigMouseClicked.connect(self._clicked)

    def draw(self, snap):
        _set_text(self.input_title, self._caption(snap))
        self._set_input(snap.image)
        payload = snap.features.get(self.layer) if self.layer else None
        if payload is None:
            return (f"No feature maps of {self.layer} in this snapshot yet (step {snap.step}); "
                    "they come with the next one." if self.layer else "Pick a layer.")
        img = mosaic_to_float(payload.mosaic)
        set_image(self.mosaic_item, img, (0.0, 1.0))
        self.mosaic_item.setRect(QRectF(0, 0, img.shape[1], img.shape[0]))
        c, h, w = payload.shape
        k = len(payload.channels)
        which = "strongest" if payload.selection == "top" else "first"
        shown = f"all {c} channels" if k == c else f"the {which} {k} of {c} channels"
        _set_text(self.mosaic_title, f"{self.layer}: {shown}, {h}×{w} px each")
        small = "" if payload.tile == (h, w) else f" (shown averaged down to {payload.tile[0]}×{payload.tile[1]})"
        dead = int(np.sum(payload.ch_max - payload.ch_min <= 1e-6))
        dead_text = f" {dead} of the shown channels are flat (the same value everywhere)." if dead else ""
        _set_text(self.info, f"Layer output: {c} channels × {h}×{w} pixels{small}.{dead_text}")
        self._draw_tile(payload)
        return None

    def _set_input(self, image: np.ndarray) -> None:
        set_image(self.input_item, image, (0, 255))

    def select_channel(self, tile_index: int | None) -> None:
        """Enlarge tile ``tile_index`` of the current mosaic (None: clear)."""
        payload = self._payload()
        if payload is None or tile_index is None or not 0 <= tile_index < len(payload.channels):
            self.selected = None
        else:
            self.selected = int(payload.channels[tile_index])
        if payload is not None:
            self._draw_tile(payload)

    def _payload(self):
        snap = self.snapshot
        return snap.features.get(self.layer) if (snap is not None and self.layer) else None

    def _draw_tile(self, payload) -> None:
        idx = np.flatnonzero(payload.channels == self.selected) if self.selected is not None else []
        if len(idx) == 0:
            self.tile_item.clear()
            self.highlight.setVisible(False)
            _set_text(self.tile_title, "click a tile to enlarge it")
            return
        i = int(idx[0])
        set_image(self.tile_item, mosaic_to_float(payload.tile_image(i)), (0.0, 1.0))
        th, tw = payload.tile
        r, c = divmod(i, payload.grid[1])
        self.highlight.setRect(QRectF(c * (tw + 1) - 0.5, r * (th + 1) - 0.5, tw + 1, th + 1))
        self.highlight.setVisible(True)
        _set_text(self.tile_title, f"channel {self.selected}: {payload.ch_min[i]:.3g} … {payload.ch_max[i]:.3g}"
                                f"<br>(mean {payload.ch_mean[i]:.3g})")

    def _clicked(self, event) -> None:
        payload = self._payload()
        if payload is None:
            return
        pos = event.scenePos()
        if not self.mosaic_box.sceneBoundingRect().contains(pos):
            return
        p = self.mosaic_item.mapFromScene(pos)
        tile = payload.tile_at(p.y(), p.x())
        if tile is not None:
            self.select_channel(tile)


# ------------------------------------------------------------------------------------------ 1×1 conv
class OneByOneView(InsideView):
    """A 1×1 convolution as a fully connected layer applied at every pixel: y = W x + b."""

    TITLE = "1×1 convolutions"
    LAYER_KIND = "1x1"
    MAX_TILES = 12
    EXPLANATION = (
        "<b>Why a 1×1 convolution is a fully connected layer</b><br>"
        "A 1×1 convolution looks at one pixel at a time. At each pixel it takes the vector "
        "<b>x</b> of input channels and computes <b>y = W x + b</b>: a fully connected layer with "
        "<i>out × in</i> weights, the same <b>W</b> at every pixel.<br><br>"
        "Click a pixel in the maps on the left: the row above <b>W</b> is that pixel's input vector "
        "x, the column on its right is the output vector y. Each output is one row of W times x, "
        "plus its bias.<br><br>"
        "NiN stacks two of these after every ordinary convolution: a small MLP slid over the image, "
        "which keeps the spatial layout that a flattening dense layer would destroy. GoogLeNet uses "
        "1×1 convolutions to shrink, say, 192 channels to 16 before an expensive 5×5 convolution. "
        "And W has far fewer weights than a dense layer between the whole flattened maps (see below).")

    def __init__(self, parent=None):
        self.pixel = (0, 0)  # (row, col) in the stored (possibly averaged) maps
        super().__init__(parent)
        self.setObjectName("oneByOneView")
        self.layer_combo.setObjectName("oneByOneLayerCombo")

    def layer_choices(self, layers):
        return layers.one_by_one

    def no_layers_message(self, layers):
        return (f"{layers.display_name} has no 1×1 convolutions. They appear in NiN (its mlpconv "
                "blocks), GoogLeNet and the Inception net (the 1×1 branches and reductions) and ResNet "
                "(the shortcuts that change the number of channels).")

    def build(self) -> None:
        lay = self.graphics.ci
        left = lay.addLayout(row=0, col=0)
        right = lay.addLayout(row=0, col=1)
        self.in_title = _label(left, 0, 0, "input channels")
        self.in_box = _image_box(left, 1, 0)
        self.in_item = _image_item()
        self.in_box.addItem(self.in_item)
        self.out_title = _label(left, 2, 0, "output channels")
        self.out_box = _image_box(left, 3, 0)
        self.out_item = _image_item()
        self.out_box.addItem(self.out_item)
        pen = pg.mkPen("#ff4040", width=1.5)
        self.marks = pg.ScatterPlotItem(symbol="s", size=7, pen=pen, brush=None, pxMode=True)
        self.in_box.addItem(self.marks)
        self.out_marks = pg.ScatterPlotItem(symbol="s", size=7, pen=pen, brush=None, pxMode=True)
        self.out_box.addItem(self.out_marks)
        # The matrix–vector product: x (a row) above W (out × in), y (a column) to its right.
        self.x_title = _label(right, 0, 0, "x: input vector at the pixel", colspan=2)
        self.x_box = right.addViewBox(row=1, col=0, enableMouse=False, enableMenu=False, invertY=True)
        self.x_box.setFixedHeight(22)
        self.x_item = _image_item()
        self.x_box.addItem(self.x_item)
        self.w_title = _label(right, 2, 0, "W (out × in)")
        self.y_title = _label(right, 2, 1, "y")
        self.w_box = right.addViewBox(row=3, col=0, enableMouse=False, enableMenu=False, invertY=True)
        self.w_item = _image_item()
        self.w_box.addItem(self.w_item)
        self.y_box = right.addViewBox(row=3, col=1, enableMouse=False, enableMenu=False, invertY=True)
        self.y_box.setFixedWidth(22)
        self.y_item = _image_item()
        self.y_box.addItem(self.y_item)
        for box in (self.x_box, self.w_box, self.y_box):
            box.setDefaultPadding(0.0)
        self.viridis = _cmap("viridis")
        self.diverging = _cmap("CET-D1")
        for item in (self.in_item, self.out_item, self.x_item, self.y_item):
            item.setColorMap(self.viridis)
        self.w_bar = pg.ColorBarItem(values=(-1, 1), colorMap=self.diverging, interactive=False,
                                     label="weight", width=12, colorMapMenu=False)
        self.w_bar.setImageItem(self.w_item)
        right.addItem(self.w_bar, row=3, col=2)
        right.layout.setRowStretchFactor(3, 10)
        right.layout.setColumnStretchFactor(0, 10)
        left.layout.setRowStretchFactor(1, 1)
        left.layout.setRowStretchFactor(3, 1)
        gl = lay.layout
        gl.setColumnStretchFactor(0, 2)
        gl.setColumnStretchFactor(1, 3)
        self.graphics.scene().sigMouseClicked.connect(self._clicked)

    def _payload(self):
        snap = self.snapshot
        return snap.one_by_one.get(self.layer) if (snap is not None and self.layer) else None

    def draw(self, snap):
        p = snap.one_by_one.get(self.layer) if self.layer else None
        if p is None:
            return (f"No data for {self.layer} in this snapshot yet (step {snap.step}); it comes with "
                    "the next one." if self.layer else "Pick a layer.")
        h, w = p.inputs.shape[-2:]
        r, c = min(self.pixel[0], h - 1), min(self.pixel[1], w - 1)
        self.pixel = (r, c)
        ki, ko = min(self.MAX_TILES, p.in_kept), min(self.MAX_TILES, p.out_kept)
        self._in_tiles = tile_maps(p.inputs[:ki], cols=min(ki, 4))
        self._out_tiles = tile_maps(p.outputs[:ko], cols=min(ko, 4))
        for item, (img, _grid), data in ((self.in_item, self._in_tiles, p.inputs[:ki]),
                                         (self.out_item, self._out_tiles, p.outputs[:ko])):
            lo, hi = float(np.min(data)), float(np.max(data))
            set_image(item, img, (lo, hi if hi > lo else lo + 1e-6))
        _set_text(self.in_title, f"input: {ki} of {p.in_channels} channels (click a pixel)")
        _set_text(self.out_title, f"output: {ko} of {p.out_channels} channels")
        self._mark(p)
        wl = _symmetric(p.weight)
        set_image(self.w_item, p.weight, wl)
        self.w_bar.setLevels(wl)
        x = p.inputs[:, r, c]
        y = p.outputs[:, r, c]
        both = np.concatenate([x, y])
        vl = (float(min(0.0, both.min())), float(max(both.max(), 1e-6)))
        set_image(self.x_item, x[None, :], vl)
        set_image(self.y_item, y[:, None], vl)
        self.x_box.setRange(xRange=(0, p.in_kept), yRange=(0, 1), padding=0)
        self.w_box.setRange(xRange=(0, p.in_kept), yRange=(0, p.out_kept), padding=0)
        self.y_box.setRange(xRange=(0, 1), yRange=(0, p.out_kept), padding=0)
        _set_text(self.w_title, f"W: {p.out_kept} × {p.in_kept}"
                             + ("" if p.out_kept == p.out_channels and p.in_kept == p.in_channels
                                else f" (of {p.out_channels} × {p.in_channels})"))
        _set_text(self.x_title, f"x at pixel ({r}, {c}): {p.in_kept} input channels (dark low, yellow high)")
        _set_text(self.y_title, "y = Wx + b")
        _set_text(self.info, self._explain(p, x, y))
        return None

    def _explain(self, p, x, y) -> str:
        h, w = p.size
        params = p.out_channels * p.in_channels + p.out_channels
        dense = (p.in_channels * h * w) * (p.out_channels * h * w)
        area = f"{p.pool}×{p.pool} averaged pixels" if p.pool > 1 else "pixel"
        if p.in_kept == p.in_channels:
            err = float(np.max(np.abs(p.weight @ x + p.bias - y))) if len(y) else 0.0
            check = f"W·x + b matches the layer's output at this {area} (largest difference {err:.1e})."
        else:
            check = (f"Only {p.in_kept} of the {p.in_channels} input channels are shown, so W·x + b over "
                     "them is a partial sum.")
        top = int(np.argmax(y)) if len(y) else 0
        return (f"{self.layer}: {p.in_channels} → {p.out_channels} channels on a {h}×{w} map"
                f"{f', stride {p.stride}' if p.stride > 1 else ''}. Output channel {top} is the largest "
                f"here ({y[top]:.3g}). {check} This layer has {params:,} weights and biases; a fully "
                f"connected layer between the same maps flattened would need {dense:,}.")

    def _mark(self, p) -> None:
        r, c = self.pixel
        h, w = p.inputs.shape[-2:]
        for marks, (img, (rows, cols)), k in ((self.marks, self._in_tiles, min(self.MAX_TILES, p.in_kept)),
                                              (self.out_marks, self._out_tiles,
                                               min(self.MAX_TILES, p.out_kept))):
            pts = [((i % cols) * (w + 1) + c + 0.5, (i // cols) * (h + 1) + r + 0.5) for i in range(k)]
            marks.setData(pos=np.array(pts, float) if pts else np.zeros((0, 2)))

    def select_pixel(self, row: int, col: int) -> None:
        """Show the vectors at stored pixel (row, col)."""
        self.pixel = (int(row), int(col))
        if self.snapshot is not None:
            self.show_snapshot(self.snapshot)

    def _clicked(self, event) -> None:
        p = self._payload()
        if p is None:
            return
        pos = event.scenePos()
        h, w = p.inputs.shape[-2:]
        for box, item in ((self.in_box, self.in_item), (self.out_box, self.out_item)):
            if box.sceneBoundingRect().contains(pos):
                q = item.mapFromScene(pos)
                row, col = int(q.y()) % (h + 1), int(q.x()) % (w + 1)
                if q.x() >= 0 and q.y() >= 0 and row < h and col < w:
                    self.select_pixel(row, col)
                return


# ------------------------------------------------------------------------------------------ GAP
class GapView(InsideView):
    """The per-class maps before global average pooling, and the pooled scores with probabilities."""

    TITLE = "Global average pooling"
    LAYER_KIND = "gap"
    EXPLANATION = (
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
        f"<span style='color:{TRUE_COLOUR}'>■</span> true class "
        f"<span style='color:{PRED_COLOUR}'>■</span> prediction (when wrong)")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("gapView")
        self.layer_combo.setObjectName("gapLayerCombo")

    def layer_choices(self, layers):
        return layers.gap

    def no_layers_message(self, layers):
        return (f"{layers.display_name} ends in fully connected layers, not in a global average pool, so "
                "there are no class maps to show. Train NiN, GoogLeNet or a ResNet to see them; the "
                "Output view shows this network's scores.")

    def build(self) -> None:
        lay = self.graphics.ci
        self.maps_title = _label(lay, 0, 0, "class maps", colspan=3)
        self.maps_box = _image_box(lay, 1, 0)
        self.maps_item = _image_item()
        self.maps_box.addItem(self.maps_item)
        self.cmap = _cmap("CET-D1")
        self.cmap_positive = _cmap("viridis")
        self.maps_bar = pg.ColorBarItem(values=(-1, 1), colorMap=self.cmap, interactive=False,
                                        label="evidence", width=12, colorMapMenu=False)
        self.maps_bar.setImageItem(self.maps_item)
        lay.addItem(self.maps_bar, row=1, col=1)
        self.score_plot = lay.addPlot(row=1, col=2)
        self.score_plot.setTitle("average = score (logit), p = softmax", size="9pt")
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
            return (f"No class maps of {self.layer} in this snapshot yet (step {snap.step}); they come "
                    "with the next one." if self.layer else "Pick a layer.")
        names = snap.class_names or tuple(str(i) for i in range(len(p.scores)))
        k, h, w = p.class_maps.shape
        cols = 5 if k == 10 else max(1, math.ceil(math.sqrt(k * 2)))
        img, (rows, cols) = tile_maps(p.class_maps, cols=cols)
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
        what = (f"class activation maps (fc weights × {p.channels} maps)"
                if p.from_fc else "score maps, one per class")
        _set_text(self.maps_title, f"{self.layer}: {what} ({p.size[0]}×{p.size[1]} px)")
        self._bars(p.scores, snap.probs, names, true, pred)
        _set_text(self.info, 
            f"{self._caption(snap).replace('<br>', ': ')}. The {k} scores are the averages of the maps"
            + (f"; the pooled vector has {p.channels} values, fed to one fully connected layer."
               if p.from_fc else ", with no weights in between."))
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


# ------------------------------------------------------------------------------------------ output
class OutputView(InsideView):
    """The network's scores (logits) and probabilities for the probe image; for every network."""

    TITLE = "Output"
    LAYER_KIND = ""
    EXPLANATION = (
        "<b>The network's answer</b><br>"
        "The last layer gives one score (<i>logit</i>) per class. Softmax turns the scores into "
        "probabilities: p<sub>k</sub> = e<sup>z<sub>k</sub></sup> / Σ<sub>j</sub> "
        "e<sup>z<sub>j</sub></sup>. Only the differences between scores matter.<br><br>"
        "Before training every class gets about the same probability (1/10 for ten classes). As the "
        "network learns, the true class's bar should grow and the others shrink.<br>"
        f"<span style='color:{TRUE_COLOUR}'>■</span> true class "
        f"<span style='color:{PRED_COLOUR}'>■</span> prediction (when wrong)")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("outputView")

    def wants_output(self) -> bool:
        return True

    def build(self) -> None:
        lay = self.graphics.ci
        self.input_title = _label(lay, 0, 0, "probe image")
        self.input_box = _image_box(lay, 1, 0)
        self.input_item = _image_item()
        self.input_item.setColorMap(pg.ColorMap([0.0, 1.0], [(0, 0, 0), (255, 255, 255)]))
        self.input_box.addItem(self.input_item)
        self.logit_plot = lay.addPlot(row=1, col=1, title="scores (logits)")
        self.prob_plot = lay.addPlot(row=1, col=2, title="probabilities (softmax)")
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
        _set_text(self.info, "Most likely: " + ", ".join(
            f"“{_fmt_class(names, int(i))}” {snap.probs[i]:.1%}" for i in order))
        return None


# ------------------------------------------------------------------------------------------ controller
class ActivationsController(QObject):
    """Owns the probe of the current run and the four views; pulls snapshots on a GUI timer.

    In the main window::

        controller = ActivationsController(parent=window)
        controller.install(window)   # adds the tabs, registers its trainer set-up hook, listens to
                                     # window.run_finished

    ``install`` needs ``window.add_inside_tab(widget, title)``, ``window.trainer_setup_hooks`` (called in
    the GUI thread with each new Trainer, before its thread starts) and the signal
    ``window.run_finished(object)``; ``window.is_running()`` is used when present.
    """

    snapshot_shown = Signal(object)  # the Snapshot just drawn (live or scrubbed)

    def __init__(self, parent=None, interval: float = 0.2, history: int = 200, poll_ms: int = 33,
                 is_running: Callable[[], bool] | None = None, max_overhead: float = 0.02,
                 draw_budget: float = 0.02, draw_burst: float = 0.1):
        super().__init__(parent)
        # While a run is active the GUI thread spends at most ``draw_budget`` of its time drawing the
        # views (a token bucket holding up to ``draw_burst`` seconds): on 2 cores every millisecond the
        # GUI paints is taken from the training threads. A snapshot not yet drawn stays in the mailbox,
        # and the probe does not run again until it has been taken.
        self.draw_budget = draw_budget
        self.draw_burst = draw_burst
        self._tokens = draw_burst
        self._last_tick = time.perf_counter()
        self._paint_seen = PaintClock.seconds
        self.draws = 0  # snapshots drawn
        self.draw_seconds = 0.0  # GUI CPU time spent handing snapshots to the views (paint excluded)
        from core.probe import Probe

        self._probe_cls = Probe
        self.interval = interval
        self.history_size = history
        self.max_overhead = max_overhead
        self.feature_view = FeatureMapView()
        self.one_by_one_view = OneByOneView()
        self.gap_view = GapView()
        self.output_view = OutputView()
        self.views: list[InsideView] = [self.feature_view, self.one_by_one_view, self.gap_view,
                                        self.output_view]
        self.probe = None
        self.trainer = None
        self.layers = ModelLayers()
        self._running = False
        self._external_running = is_running
        self._live = True
        self._current = None  # the snapshot the views show
        self._last_wanted = None
        self._samples_synced = False
        for view in self.views:
            view.timeline.scrubbed.connect(self.scrub)
            view.timeline.live_requested.connect(self.go_live)
            view.samples.sample_chosen.connect(self.set_sample)
            view.wanted_changed.connect(self._wanted_changed)
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self._poll)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(60)
        self._refresh_timer.timeout.connect(self._refresh_idle)

    # -- wiring ------------------------------------------------------------------------------------
    def install(self, main_window) -> None:
        for view in self.views:
            main_window.add_inside_tab(view, view.TITLE)
        main_window.trainer_setup_hooks.append(self.attach)
        main_window.run_finished.connect(self.on_run_finished)
        if self._external_running is None and hasattr(main_window, "is_running"):
            self._external_running = main_window.is_running

    @Slot(object)
    def attach(self, trainer) -> None:
        """Probe ``trainer`` (GUI thread, before its training thread starts)."""
        if self.probe is not None:
            self.probe.detach()
        self.trainer = trainer
        self.probe = self._probe_cls(interval=self.interval, history=self.history_size,
                                     max_overhead=self.max_overhead)
        self.probe.attach(trainer)
        self.layers = model_layers(trainer.config)
        self._current, self._live, self._last_wanted = None, True, None
        self._samples_synced = False
        for view in self.views:
            view.set_model(self.layers)
        self._running = True
        self._sync_samples()
        self._update_wanted(force=True)
        self._update_timelines()
        self.timer.start()

    def detach(self) -> None:
        self.timer.stop()
        if self.probe is not None:
            self.probe.detach()
        self.probe, self.trainer, self._running = None, None, False

    @Slot(object)
    def on_run_finished(self, _result=None) -> None:
        """The training thread is done with the model: probes may now run in the GUI thread."""
        self._running = False
        self._poll()
        self._request_idle_refresh()

    # -- probe image -------------------------------------------------------------------------------
    @Slot(int)
    def set_sample(self, index: int) -> None:
        if self.probe is None:
            return
        self.probe.set_sample(index)
        self._sync_samples()
        self._request_idle_refresh()

    def set_probe_image(self, image, label: int | None = None, source: str = "your drawing") -> None:
        """Probe a user image (``core.inference.Prepared``, a uint8 array or a model-input tensor)."""
        if self.probe is None:
            return
        self.probe.set_image(image, label=label, source=source)
        self._sync_samples(note=f"now: {source}")
        self._request_idle_refresh()

    def _sync_samples(self, note: str = "") -> None:
        n_test = 0
        test = getattr(self.trainer, "test", None)  # there once the trainer has loaded its data
        if test is not None:
            n_test = len(test)
            self._samples_synced = True
        index = self.probe.sample_index if self.probe is not None else 0
        for view in self.views:
            view.samples.set_state(index, n_test or 10000, note)

    # -- timeline ----------------------------------------------------------------------------------
    @Slot(int)
    def scrub(self, seq: int) -> None:
        if self.probe is None:
            return
        snap = self.probe.find(seq)
        if snap is None:
            return
        latest = self.probe.latest()
        self._live = latest is not None and snap.seq == latest.seq
        self._show(snap)

    @Slot()
    def go_live(self) -> None:
        self._live = True
        if self.probe is not None and self.probe.latest() is not None:
            self._show(self.probe.latest())
        self._update_timelines()

    @property
    def live(self) -> bool:
        return self._live

    @property
    def current(self):
        return self._current

    # -- visibility and the probe's wishes ---------------------------------------------------------
    def live_views(self) -> list[InsideView]:
        return [v for v in self.views if v.is_live()]

    def wanted(self) -> tuple[frozenset, bool]:
        wanted: set = set()
        output = False
        for view in self.live_views():
            wanted |= view.wanted()
            output = output or view.wants_output()
        return frozenset(wanted), output

    @Slot()
    def _wanted_changed(self) -> None:
        self._update_wanted()

    def _update_wanted(self, force: bool = False) -> None:
        if self.probe is None:
            return
        wanted, output = self.wanted()
        key = (wanted, output, self.feature_view.selection)
        if key == self._last_wanted and not force:
            return
        self.probe.set_selection(self.feature_view.selection)
        grew = self._last_wanted is None or not (wanted <= self._last_wanted[0]) or (
            output and not self._last_wanted[1]) or (self._last_wanted[2] != key[2])
        self._last_wanted = key
        self.probe.set_wanted(wanted, output=output)
        if grew:
            self._request_idle_refresh()

    def _is_running(self) -> bool:
        if self._running:
            return True
        if self._external_running is not None:
            try:
                return bool(self._external_running())
            except Exception:  # noqa: BLE001
                return True
        return False

    def _request_idle_refresh(self) -> None:
        self._refresh_timer.start()

    @Slot()
    def _refresh_idle(self) -> None:
        """Outside training, probe in the GUI thread when the image, layers or selection changed."""
        if self.probe is None or self.trainer is None or self._is_running():
            return
        if getattr(self.trainer, "model", None) is None or getattr(self.trainer, "test", None) is None:
            return
        if not self.probe.active:
            return
        snap = self.probe.probe(self.trainer, publish=False)
        if snap is not None:
            self._live = True
            self._show(snap)

    # -- the GUI timer -----------------------------------------------------------------------------
    def _budget_tick(self) -> float:
        """Refill the drawing budget for the time passed, charge the paints since the last tick."""
        now = time.perf_counter()
        painted = PaintClock.seconds - self._paint_seen
        self._paint_seen = PaintClock.seconds
        self._tokens = min(self.draw_burst, self._tokens + (now - self._last_tick) * self.draw_budget)
        self._tokens -= painted
        self._last_tick = now
        return self._tokens

    @Slot()
    def _poll(self) -> None:
        if self.probe is None:
            return
        self._update_wanted()
        if self._budget_tick() < 0 and self._is_running():
            return  # over the drawing budget: the snapshot waits in the mailbox
        snap = self.probe.mailbox.take()
        if snap is not None and self._live:
            self._show(snap)
        elif snap is not None:
            self._update_timelines()
        if self._current is not None:
            for view in self.live_views():
                if view.shown_seq != self._current.seq:
                    view.show_snapshot(self._current)

    def _show(self, snap) -> None:
        t0 = time.thread_time()
        self._current = snap
        if not self._samples_synced:
            self._sync_samples(note="" if snap.source.startswith("test sample") else f"now: {snap.source}")
        for view in self.live_views():
            view.show_snapshot(snap)
        self._update_timelines()
        self.draws += 1
        spent = time.thread_time() - t0
        self.draw_seconds += spent
        self._tokens -= spent
        self.snapshot_shown.emit(snap)

    def _update_timelines(self) -> None:
        history = self.probe.history() if self.probe is not None else []
        if not history:
            for view in self.views:
                view.timeline.set_state(0, 0, 0, True, "no snapshot yet")
            return
        first, last = history[0].seq, history[-1].seq
        cur = self._current
        seq = cur.seq if cur is not None else last
        if cur is not None:
            when = time.strftime("%H:%M:%S", time.localtime(cur.wall_time))
            pos = seq - first + 1
            text = (f"step {cur.step:,} · epoch {cur.epoch} · {when} · "
                    f"{'live' if self._live else f'snapshot {pos} of {len(history)}'}")
        else:
            text = ""
        for view in self.views:
            view.timeline.set_state(first, last, seq, self._live, text)
