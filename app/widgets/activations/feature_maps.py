"""The feature-maps view: the channels of one convolutional layer for the probe image, as a mosaic."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QRectF
from PySide6.QtWidgets import QComboBox, QGraphicsRectItem

from ._common import _cmap, _image_box, _image_item, _label, _set_text, mosaic_to_float, set_image
from .base import InsideView


class FeatureMapView(InsideView):
    """The channels of one convolutional layer for the probe image, as one colour-mapped mosaic."""

    TITLE = QT_TRANSLATE_NOOP("InsideViews", "Feature maps")
    LAYER_KIND = "feature"
    NOTES = {
        "LeNet": QT_TRANSLATE_NOOP("InsideViews", "the first convolution has 6 channels of 5×5 kernels on the "
                                   "28×28 image: strokes and edges; the second, 16 channels on 10×10 maps: "
                                   "combinations of strokes."),
        "AlexNet": QT_TRANSLATE_NOOP("InsideViews", "the first convolution has 96 channels of 11×11 kernels with "
                                     "stride 4: large edge and blob detectors on a coarse grid; the deeper "
                                     "layers have many more, smaller maps."),
        "VGG": QT_TRANSLATE_NOOP("InsideViews", "every convolution is 3×3; two of them see as far as one 5×5 with "
                                 "fewer weights, and each block's pool halves the maps."),
        "NiN": QT_TRANSLATE_NOOP("InsideViews", "each block's k×k convolution is followed by two 1×1 "
                                 "convolutions; pick a block's first layer here, its 1×1 layers in the 1×1 view."),
        "GoogLeNet": QT_TRANSLATE_NOOP("InsideViews", "an Inception block's output joins its four branches' maps: "
                                       "its channels come in four groups (1×1, 3×3, 5×5, pooling)."),
        "ResNet": QT_TRANSLATE_NOOP("InsideViews", "a residual block's maps are F(x) + x: the block adds a "
                                    "correction to its input, so early in training its maps look much like "
                                    "their input's."),
    }
    EXPLANATION = QT_TRANSLATE_NOOP(
        "InsideViews",
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
        self.channel_mode.addItem(QCoreApplication.translate("InsideViews", "first channels"), "first")
        self.channel_mode.addItem(QCoreApplication.translate("InsideViews", "strongest channels"), "top")
        self.channel_mode.setToolTip(QCoreApplication.translate(
            "InsideViews", "Show the first channels of the layer, or those with the largest mean activation for this "
                           "image"))
        self.channel_mode.currentIndexChanged.connect(lambda _i: self.wanted_changed.emit())
        self.header_extra.addWidget(self.channel_mode)

    @property
    def selection(self) -> str:
        return self.channel_mode.currentData() or "first"

    def layer_choices(self, layers):
        return layers.feature

    def build(self) -> None:
        lay = self.graphics.ci
        self.input_title = _label(lay, 0, 0, QCoreApplication.translate("InsideViews", "probe image"))
        self.input_box = _image_box(lay, 1, 0)
        self.input_item = _image_item()
        self.input_box.addItem(self.input_item)
        self.tile_title = _label(lay, 2, 0, QCoreApplication.translate("InsideViews", "click a tile"))
        self.tile_box = _image_box(lay, 3, 0)
        self.tile_item = _image_item()
        self.tile_box.addItem(self.tile_item)
        self.mosaic_title = _label(lay, 0, 1, QCoreApplication.translate("InsideViews", "channels"), colspan=2)
        self.mosaic_box = _image_box(lay, 1, 1, rowspan=3)
        self.mosaic_item = _image_item()
        self.mosaic_box.addItem(self.mosaic_item)
        self.cmap = _cmap("viridis")
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=self.cmap, interactive=False,
                                        label=QCoreApplication.translate(
                                            "InsideViews", "activation (each tile: min → max)"), width=14,
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
            if not self.layer:
                return QCoreApplication.translate("InsideViews", "Pick a layer.")
            return QCoreApplication.translate(
                "InsideViews", "No feature maps of {layer} in this snapshot yet (step {step}); they come with the "
                               "next one.").format(layer=self.layer, step=snap.step)
        img = mosaic_to_float(payload.mosaic)
        set_image(self.mosaic_item, img, (0.0, 1.0))
        self.mosaic_item.setRect(QRectF(0, 0, img.shape[1], img.shape[0]))
        c, h, w = payload.shape
        k = len(payload.channels)
        which = QCoreApplication.translate(
            "InsideViews", "the strongest {k} of {c} channels") if payload.selection == "top" else \
            QCoreApplication.translate("InsideViews", "the first {k} of {c} channels")
        shown = QCoreApplication.translate(
            "InsideViews", "all {c} channels").format(c=c) if k == c else which.format(k=k, c=c)
        _set_text(self.mosaic_title, QCoreApplication.translate(
            "InsideViews", "{layer}: {shown}, {h}×{w} px each").format(
            layer=self.layer, shown=shown, h=h, w=w))
        small = "" if payload.tile == (h, w) else QCoreApplication.translate(
            "InsideViews", " (shown averaged down to {h}×{w})").format(
            h=payload.tile[0], w=payload.tile[1])
        dead = int(np.sum(payload.ch_max - payload.ch_min <= 1e-6))
        dead_text = QCoreApplication.translate(
            "InsideViews", " {dead} of the shown channels are flat (the same value everywhere).").format(
            dead=dead) if dead else ""
        _set_text(self.info, QCoreApplication.translate(
            "InsideViews", "Layer output: {c} channels × {h}×{w} pixels{small}.{dead}").format(
            c=c, h=h, w=w, small=small, dead=dead_text))
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
            _set_text(self.tile_title, QCoreApplication.translate("InsideViews", "click a tile to enlarge it"))
            return
        i = int(idx[0])
        set_image(self.tile_item, mosaic_to_float(payload.tile_image(i)), (0.0, 1.0))
        th, tw = payload.tile
        r, c = divmod(i, payload.grid[1])
        self.highlight.setRect(QRectF(c * (tw + 1) - 0.5, r * (th + 1) - 0.5, tw + 1, th + 1))
        self.highlight.setVisible(True)
        _set_text(self.tile_title, QCoreApplication.translate(
            "InsideViews", "channel {ch}: {lo} … {hi}<br>(mean {mean})").format(
            ch=self.selected, lo=f"{payload.ch_min[i]:.3g}", hi=f"{payload.ch_max[i]:.3g}",
            mean=f"{payload.ch_mean[i]:.3g}"))

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
