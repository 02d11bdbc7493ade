"""The 1×1-convolution view: a fully connected layer applied at every pixel, y = W x + b."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from ._common import _cmap, _image_box, _image_item, _label, _set_text, _symmetric, set_image, tile_maps
from .base import InsideView


class OneByOneView(InsideView):
    """A 1×1 convolution as a fully connected layer applied at every pixel: y = W x + b."""

    TITLE = QT_TRANSLATE_NOOP("InsideViews", "1×1 convolutions")
    LAYER_KIND = "1x1"
    NOTES = {
        "NiN": QT_TRANSLATE_NOOP("InsideViews", "every block has two 1×1 layers after its k×k convolution — the "
                                 "'mlpconv' that gives the network its name."),
        "GoogLeNet": QT_TRANSLATE_NOOP("InsideViews", "the 1×1 branch of each Inception block, and the 1×1 "
                                       "reductions before its 3×3 and 5×5 convolutions (fewer channels, far "
                                       "fewer FLOPs)."),
        "ResNet": QT_TRANSLATE_NOOP("InsideViews", "the 1×1 convolutions sit on the shortcuts where the number of "
                                    "channels changes, so that x can be added to F(x)."),
    }
    MAX_TILES = 12
    EXPLANATION = QT_TRANSLATE_NOOP(
        "InsideViews",
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
        return QCoreApplication.translate(
            "InsideViews", "{network} has no 1×1 convolutions. They appear in NiN (its mlpconv blocks), GoogLeNet and"
                           " the Inception net (the 1×1 branches and reductions) and ResNet (the shortcuts that "
                           "change the number of channels).").format(network=layers.display_name)

    def build(self) -> None:
        lay = self.graphics.ci
        left = lay.addLayout(row=0, col=0)
        right = lay.addLayout(row=0, col=1)
        self.in_title = _label(left, 0, 0, QCoreApplication.translate("InsideViews", "input channels"))
        self.in_box = _image_box(left, 1, 0)
        self.in_item = _image_item()
        self.in_box.addItem(self.in_item)
        self.out_title = _label(left, 2, 0, QCoreApplication.translate("InsideViews", "output channels"))
        self.out_box = _image_box(left, 3, 0)
        self.out_item = _image_item()
        self.out_box.addItem(self.out_item)
        pen = pg.mkPen("#ff4040", width=1.5)
        self.marks = pg.ScatterPlotItem(symbol="s", size=7, pen=pen, brush=None, pxMode=True)
        self.in_box.addItem(self.marks)
        self.out_marks = pg.ScatterPlotItem(symbol="s", size=7, pen=pen, brush=None, pxMode=True)
        self.out_box.addItem(self.out_marks)
        # The matrix–vector product: x (a row) above W (out × in), y (a column) to its right.
        self.x_title = _label(right, 0, 0, QCoreApplication.translate(
            "InsideViews", "x: input vector at the pixel"), colspan=2)
        self.x_box = right.addViewBox(row=1, col=0, enableMouse=False, enableMenu=False, invertY=True)
        self.x_box.setFixedHeight(22)
        self.x_item = _image_item()
        self.x_box.addItem(self.x_item)
        self.w_title = _label(right, 2, 0, QCoreApplication.translate("InsideViews", "W (out × in)"))
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
                                     label=QCoreApplication.translate(
                                         "InsideViews", "weight"), width=12, colorMapMenu=False)
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
            if not self.layer:
                return QCoreApplication.translate("InsideViews", "Pick a layer.")
            return QCoreApplication.translate(
                "InsideViews", "No data for {layer} in this snapshot yet (step {step}); it comes with the next "
                               "one.").format(layer=self.layer, step=snap.step)
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
        _set_text(self.in_title, QCoreApplication.translate(
            "InsideViews", "input: {k} of {n} channels (click a pixel)").format(k=ki, n=p.in_channels))
        _set_text(self.out_title, QCoreApplication.translate(
            "InsideViews", "output: {k} of {n} channels").format(k=ko, n=p.out_channels))
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
                                else QCoreApplication.translate(
                                    "InsideViews", " (of {o} × {i})").format(o=p.out_channels, i=p.in_channels)))
        _set_text(self.x_title, QCoreApplication.translate(
            "InsideViews", "x at pixel ({r}, {c}): {n} input channels (dark low, yellow high)").format(
            r=r, c=c, n=p.in_kept))
        _set_text(self.y_title, "y = Wx + b")
        _set_text(self.info, self._explain(p, x, y))
        return None

    def _explain(self, p, x, y) -> str:
        h, w = p.size
        params = p.out_channels * p.in_channels + p.out_channels
        dense = (p.in_channels * h * w) * (p.out_channels * h * w)
        area = QCoreApplication.translate(
            "InsideViews", "{n}×{n} averaged pixels").format(n=p.pool) if p.pool > 1 else QCoreApplication.translate(
            "InsideViews", "pixel")
        if p.in_kept == p.in_channels:
            err = float(np.max(np.abs(p.weight @ x + p.bias - y))) if len(y) else 0.0
            check = QCoreApplication.translate(
                "InsideViews", "W·x + b matches the layer's output at this {area} (largest difference "
                               "{err}).").format(
                area=area, err=f"{err:.1e}")
        else:
            check = QCoreApplication.translate(
                "InsideViews", "Only {k} of the {n} input channels are shown, so W·x + b over them is a partial "
                               "sum.").format(k=p.in_kept, n=p.in_channels)
        top = int(np.argmax(y)) if len(y) else 0
        stride = QCoreApplication.translate("InsideViews", ", stride {s}").format(s=p.stride) \
            if p.stride > 1 else ""
        return QCoreApplication.translate(
            "InsideViews", "{layer}: {i} → {o} channels on a {h}×{w} map{stride}. Output channel {top} is the "
                           "largest here ({value}). {check} This layer has {params} weights and biases; a fully "
                           "connected layer between the same maps flattened would need {dense}.").format(
            layer=self.layer, i=p.in_channels, o=p.out_channels, h=h, w=w, stride=stride, top=top,
            value=f"{y[top]:.3g}", check=check, params=f"{params:,}", dense=f"{dense:,}")

    def _mark(self, p) -> None:
        r, c = self.pixel
        h, w = p.inputs.shape[-2:]
        for marks, (_, (_, cols)), k in ((self.marks, self._in_tiles, min(self.MAX_TILES, p.in_kept)),
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
