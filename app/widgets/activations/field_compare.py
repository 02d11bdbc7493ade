"""Comparison mode of the receptive-field panel: the same relative layer of the run's network and of another
architecture side by side — VGG's two 3×3 convolutions against LeNet's one 5×5, LeNet against NiN.

"Compare with…" opens a row under the panel: the other architecture, a layer of each network (the other
side follows the first at the same relative depth until its own layer is chosen), the two networks' input
images side by side, each with its centre unit's theoretical box (cyan) and effective field (heat), and a
table of what the course compares: the layer, its field on the image, its stride, its field within its
stage with the weights per channel pair there, r50 and r90, and the parameters up to the layer. The run's
side uses the run's weights (a copy), the other side freshly initialised ones (drawn from seed 0), on the
same test images. The numbers come from :mod:`convscope.core.insight.field_compare`, computed in the
window's background jobs and only while no run trains; the GUI thread only draws.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QObject, QRectF, Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from convscope.app.pacing import repeating_timer

from ._common import BOX_COLOUR, heat_rgba, log

IMAGES = 8  # test images the effective fields are averaged over
RUN_PREFIX = "run:"  # the architecture combo's data for a saved run: "run:" + its folder


def compare_job(target, arch: str, layer_a: str | None, layer_b: str | None, images: int = IMAGES,
                cancel=None):
    """The comparison of ``target``'s network (its weights, a copy) with ``arch`` (fresh weights), on
    ``images`` of its test images; runs in a background job (see the module docstring). ``cancel``: the
    job's event; once set (a run is starting) the comparison gives up between its steps."""
    import copy

    from convscope.core.insight.field_compare import Side, compare, fresh_model, network_layers, side_config

    config_a = target.config
    if layer_a is not None and all(layer.name != layer_a for layer in network_layers(config_a)):
        layer_a = None  # the feature-map view's layer has no field (a flattened output): the first probe
    model_a = copy.deepcopy(target.model) if target.model is not None else None
    test = target.test
    raw = test.images[:images] if (test is not None and model_a is not None) else None
    a = Side(config_a, layer_a, model_a, "trained")
    if arch.startswith(RUN_PREFIX):
        b = saved_run_side(arch[len(RUN_PREFIX):], config_a, layer_b)
    else:
        config_b = side_config(config_a, arch)
        b = Side(config_b, layer_b, fresh_model(config_b), "fresh")
    return compare(a, b, raw, cancel=cancel.is_set if cancel is not None else None)


def saved_run_side(path: str, config_a, layer: str | None):
    """Side B from a saved run (its network and trained weights); it must take this run's input shape, since
    both effective fields are measured on the same test images."""
    from convscope.core.insight.field_compare import run_side
    from convscope.core.runs.checkpoints import load_run

    run = load_run(path)
    if tuple(run.config.input_size) != tuple(config_a.input_size):
        shape = "×".join(str(v) for v in run.config.input_size)
        mine = "×".join(str(v) for v in config_a.input_size)
        raise ValueError(QCoreApplication.translate(
            "FieldCompare", "run {name} takes {shape} images and this run {mine}: choose a saved run of the same "
                            "input size and channels.").format(name=Path(path).name, shape=shape, mine=mine))
    return run_side(run, layer)


def comparable_runs(rows, config_a, own_dir=None, limit: int = 30) -> list:
    """The saved runs (``core.runs.listing`` rows, newest first) worth offering beside this run: the same
    dataset, at least one epoch trained, not this run itself; at most ``limit``."""
    own = Path(own_dir).resolve() if own_dir else None
    out = [r for r in rows if r.dataset == config_a.dataset and r.epochs_done >= 1 and not r.problem
           and (own is None or Path(r.path).resolve() != own)]
    return out[:limit]


class _Picture:
    """One side's picture: the input image, the heat and the box, in a view box of the graphics widget."""

    def __init__(self, graphics: pg.GraphicsLayoutWidget, col: int):
        self.title = graphics.addLabel("", row=0, col=col, size="8pt", color="#333")
        self.box = graphics.addViewBox(row=1, col=col, lockAspect=True, invertY=True, enableMouse=False)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.heat_item = pg.ImageItem(axisOrder="row-major")
        self.heat_item.setZValue(10)
        self.rect_item = QGraphicsRectItem()
        self.rect_item.setPen(pg.mkPen(BOX_COLOUR, width=2))
        self.rect_item.setZValue(20)
        for item in (self.image_item, self.heat_item, self.rect_item):
            self.box.addItem(item)
            item.setVisible(False)

    def show(self, title: str, image, side) -> None:
        self.title.setText(title)
        h, w = side.layer.field.input_hw
        if image is not None:
            self.image_item.setImage(np.asarray(image), autoLevels=False, levels=(0, 255))
            self.image_item.setVisible(True)
        ef = side.effective
        if ef is not None:
            self.heat_item.setImage(heat_rgba(ef.heat), autoLevels=False)
            self.heat_item.setRect(QRectF(0, 0, w, h))
        self.heat_item.setVisible(ef is not None)
        y0, x0, y1, x1 = side.box
        self.rect_item.setRect(QRectF(x0, y0, x1 - x0 + 1, y1 - y0 + 1))
        self.rect_item.setVisible(True)
        self.box.setRange(QRectF(0, 0, w, h), padding=0.02)


class CompareBox(QWidget):
    """The comparison's controls, pictures and table (hidden until "Compare with…" is pressed)."""

    COLUMNS = ("network", "layer", "field", "stride", "in its stage", "r50", "r90", "parameters up to it")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("receptiveCompare")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel(QCoreApplication.translate("FieldCompare", "Compare with")))
        self.arch_combo = QComboBox()
        self.arch_combo.setObjectName("receptiveCompareArch")
        self.arch_combo.setToolTip(QCoreApplication.translate(
            "FieldCompare", "The other architecture, on the same input size, with freshly initialised weights; or, "
                            "below them, a saved run of the same dataset with its trained weights."))
        row.addWidget(self.arch_combo)
        row.addWidget(QLabel(QCoreApplication.translate("FieldCompare", "this run's layer")))
        self.layer_a = QComboBox()
        self.layer_a.setObjectName("receptiveCompareLayerA")
        row.addWidget(self.layer_a, 1)
        row.addWidget(QLabel(QCoreApplication.translate("FieldCompare", "its layer")))
        self.layer_b = QComboBox()
        self.layer_b.setObjectName("receptiveCompareLayerB")
        self.layer_b.setToolTip(QCoreApplication.translate(
            "FieldCompare", "Until you choose one: the layer at the same relative depth (the share of the "
                            "network's convolution and pooling layers that have run)."))
        row.addWidget(self.layer_b, 1)
        outer.addLayout(row)
        self.status = QLabel(QCoreApplication.translate("FieldCompare", "Choose an architecture to compare with."))
        self.status.setObjectName("receptiveCompareStatus")
        self.status.setWordWrap(True)
        outer.addWidget(self.status)
        body = QHBoxLayout()
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setObjectName("receptiveCompareImages")
        self.graphics.setBackground("w")
        self.graphics.setMinimumSize(320, 150)
        self.graphics.setMaximumHeight(190)
        self.pictures = (_Picture(self.graphics, 0), _Picture(self.graphics, 1))
        body.addWidget(self.graphics, 1)
        self.table = QTableWidget(2, len(self.COLUMNS))
        self.table.setObjectName("receptiveCompareTable")
        self.table.setHorizontalHeaderLabels([
            QCoreApplication.translate("FieldCompare", "network"),
            QCoreApplication.translate("FieldCompare", "layer"),
            QCoreApplication.translate("FieldCompare", "field"),
            QCoreApplication.translate("FieldCompare", "stride"),
            QCoreApplication.translate("FieldCompare", "in its stage"),
            QCoreApplication.translate("FieldCompare", "r50"),
            QCoreApplication.translate("FieldCompare", "r90"),
            QCoreApplication.translate("FieldCompare", "parameters up to it")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setMaximumHeight(110)
        self.table.setToolTip(QCoreApplication.translate(
            "FieldCompare",
            "field: the receptive field on the input image (size in pixels) of the layer's centre unit; "
            "stride: input pixels between neighbouring units; in its stage: the field counted in positions of "
            "the grid since the last pooling or strided layer, and the weights per input-output channel pair "
            "on the way there (two 3×3 convolutions: 5×5 and 18; one 5×5: 5×5 and 25); r50, r90: radii "
            "holding 50 % and 90 % of the effective field; parameters up to it: every weight, bias and "
            "batch-norm parameter the layer's output is computed from."))
        body.addWidget(self.table, 2)
        outer.addLayout(body)

    def show_comparison(self, result) -> None:
        """Draw a :class:`~convscope.core.insight.field_compare.Comparison`."""
        for picture, side in zip(self.pictures, (result.a, result.b)):
            lf = side.layer.field
            title = QCoreApplication.translate(
                "FieldCompare", "{network} · {layer}<br>sees {sy}×{sx} px").format(
                network=side.name, layer=side.layer.name, sy=lf.size[0], sx=lf.size[1])
            picture.show(title, result.image, side)
        for i, side in enumerate((result.a, result.b)):
            layer, ef = side.layer, side.effective
            r50 = ef.r50 if ef is not None else math.nan
            r90 = ef.r90 if ef is not None else math.nan
            cells = (side.name, layer.name, f"{layer.field.size[0]}×{layer.field.size[1]}",
                     f"{layer.field.stride[0]}", QCoreApplication.translate(
                         "FieldCompare", "{size} · {weights} weights/pair").format(
                         size=f"{layer.stage_size[0]}×{layer.stage_size[1]}", weights=layer.stage_weights),
                     "–" if math.isnan(r50) else f"{r50:.1f}", "–" if math.isnan(r90) else f"{r90:.1f}",
                     f"{layer.parameters:,}")
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j >= 2:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()


class CompareLink(QObject):
    """Runs the comparison for the receptive-field link (``link``: its controller, target and jobs)."""

    JOB = "receptive-compare"
    RUNS_JOB = "receptive-compare-runs"

    def __init__(self, link, poll_ms: int = 150):
        super().__init__(link)
        self.link = link
        self.box = CompareBox()
        self.box.setVisible(False)
        self.result = None  # the Comparison drawn
        self.drawn = 0
        self.runs_listed = 0  # how often the saved runs were listed into the combo
        self._pending = False
        self._for_target = None  # the target the comparison was asked for
        self._asked = None  # the last request sent to the jobs: (target id, arch, layer A, layer B)
        self._layer_b: str | None = None  # chosen by the user; None: the same relative depth
        self._filling = False
        self.box.arch_combo.currentIndexChanged.connect(self._arch_changed)
        self.box.layer_a.currentIndexChanged.connect(self._layer_a_changed)
        self.box.layer_b.currentIndexChanged.connect(self._layer_b_changed)
        self.timer = repeating_timer(self, poll_ms, self._poll)

    # -- opening -----------------------------------------------------------------------------------
    def set_open(self, on: bool) -> None:
        """Show (and compute) or hide the comparison; it takes the place of the run's radius plot and table."""
        self.link.panel.single.setVisible(not on)
        self.box.setVisible(on)
        if not on:
            self.timer.stop()
            return
        if self.box.arch_combo.count() == 0:
            self._fill_archs()
        self._fill_runs()
        self.request()
        self.timer.start()

    def _fill_archs(self) -> None:
        from convscope.core.models import list_models

        target = self._target()
        own = target.config.arch if target is not None else None
        self._filling = True
        for spec in list_models():
            self.box.arch_combo.addItem(spec.display_name, spec.name)
        preferred = {"lenet": "nin", "nin": "lenet", "vgg11": "lenet"}.get(own, "lenet" if own != "lenet" else "nin")
        index = self.box.arch_combo.findData(preferred)
        self.box.arch_combo.setCurrentIndex(max(index, 0))
        self._filling = False

    def _fill_runs(self) -> None:
        """Offer the saved runs of this run's dataset after the architectures (listed in a background job)."""
        target = self._target()
        if target is None or self.link.jobs is None:
            return
        from convscope.app.settings import runs_root
        from convscope.core.runs.listing import list_runs

        root, config, own = runs_root(), target.config, getattr(getattr(target, "run", None), "dir", None)
        self.link.jobs.submit(self.RUNS_JOB, lambda _cancel: comparable_runs(list_runs(root), config, own),
                              self._runs_listed)

    def _runs_listed(self, rows, error) -> None:
        combo = self.box.arch_combo
        self._filling = True
        for i in reversed(range(combo.count())):  # the previous list (and its separator)
            data = combo.itemData(i)
            if data is None or str(data).startswith(RUN_PREFIX):
                combo.removeItem(i)
        if error is not None:
            log.warning("could not list the saved runs to compare with: %s", error)
        elif rows:
            combo.insertSeparator(combo.count())
            for row in rows:
                combo.addItem(QCoreApplication.translate("FieldCompare", "run {name} ({arch}, trained)").format(
                    name=row.name, arch=row.arch), RUN_PREFIX + str(row.path))
        self._filling = False
        self.runs_listed += 1

    def choose(self, arch: str | None = None, layer_a: str | None = None, layer_b: str | None = None) -> None:
        """Compare with ``arch`` (its name), this run's ``layer_a`` and its ``layer_b`` (as the combos do)."""
        self._filling = True
        if arch is not None:
            self.box.arch_combo.setCurrentIndex(self.box.arch_combo.findData(arch))
        if layer_a is not None:
            self._set_combo(self.box.layer_a, [layer_a], layer_a)
        self._layer_b = layer_b
        self._filling = False
        self.request()

    # -- the combos ------------------------------------------------------------------------------------
    @Slot(int)
    def _arch_changed(self, _index: int) -> None:
        if not self._filling:
            self._layer_b = None
            self.request()

    @Slot(int)
    def _layer_a_changed(self, _index: int) -> None:
        if not self._filling:
            self._layer_b = None  # the other side follows at the same relative depth
            self.request()

    @Slot(int)
    def _layer_b_changed(self, _index: int) -> None:
        if not self._filling:
            self._layer_b = self.box.layer_b.currentData()
            self.request()

    def _set_combo(self, combo: QComboBox, names: list[str], current: str | None) -> None:
        was = self._filling
        self._filling = True
        if [combo.itemData(i) for i in range(combo.count())] != names:
            combo.clear()
            for name in names:
                combo.addItem(name, name)
        if current is not None:
            combo.setCurrentIndex(max(combo.findData(current), 0))
        self._filling = was

    # -- computing ---------------------------------------------------------------------------------
    def _target(self):
        return self.link.controller.trainer

    def request(self) -> None:
        """Compute again (in a background job, once no run trains)."""
        self._pending = True
        self.box.status.setText(QCoreApplication.translate("FieldCompare", "Comparing…"))
        self._poll()

    def _first_layer(self) -> str | None:
        """This run's layer: the one chosen in the combo, else the feature-map view's, else None."""
        return self.box.layer_a.currentData() or self.link.view.layer

    @Slot()
    def _poll(self) -> None:
        if not self.box.isVisible():
            return
        target = self._target()
        if target is not self._for_target:  # another run (or the same network trained again): anew
            self._for_target = target
            if self.result is None or target is None or self.result.a.arch != target.config.arch:
                self._set_combo(self.box.layer_a, [], None)
            self._fill_runs()  # another run: other saved runs to offer (another dataset, not itself)
            self._pending = True
        if not self._pending:
            return
        if target is None or target.model is None:
            self.box.status.setText(QCoreApplication.translate(
                "FieldCompare", "Train or open a run first: the comparison uses its network."))
            return
        if self.link.controller._is_running() or self.link.jobs is None:
            self.box.status.setText(QCoreApplication.translate(
                "FieldCompare", "The comparison is computed when the run pauses or ends."))
            return
        self._pending = False
        arch = self.box.arch_combo.currentData()
        layer_a, layer_b = self._first_layer(), self._layer_b
        key = (id(target), arch, layer_a, layer_b)
        self._asked = key
        self.link.jobs.submit(self.JOB, lambda cancel: compare_job(target, arch, layer_a, layer_b, cancel=cancel),
                              lambda result, error: self._computed(key, result, error))

    def _computed(self, key, result, error) -> None:
        if key != self._asked or key[0] != id(self._target()):
            return  # an older request's answer (a newer one is on its way)
        if isinstance(error, InterruptedError):  # a run started: again once it is over
            self._pending = True
            return
        if error is not None:
            log.warning("could not compare the receptive fields: %s", error)
            self.box.status.setText(QCoreApplication.translate(
                "FieldCompare", "Could not compare: {error}").format(error=error))
            return
        self.result = result
        self._set_combo(self.box.layer_a, [layer.name for layer in result.a.layers], result.a.layer.name)
        self._set_combo(self.box.layer_b, [layer.name for layer in result.b.layers], result.b.layer.name)
        self.box.show_comparison(result)
        a, b = result.a, result.b
        self.box.status.setText(QCoreApplication.translate(
            "FieldCompare",
            "{a} at relative depth {ra} and {b} at {rb}: fields of {fa} and {fb} pixels, {sa} and {sb} within "
            "their stages. Left: this run's weights; right: {right}; heat averaged over {n} test images."
        ).format(a=a.layer.name, ra=f"{a.layer.relative:.2f}", b=b.layer.name, rb=f"{b.layer.relative:.2f}",
                 right=QCoreApplication.translate("FieldCompare", "fresh weights") if b.weights == "fresh" else
                 QCoreApplication.translate("FieldCompare", "the weights of run {name}").format(
                     name=Path(b.weights).name),
                 fa=f"{a.layer.field.size[0]}×{a.layer.field.size[1]}",
                 fb=f"{b.layer.field.size[0]}×{b.layer.field.size[1]}",
                 sa=f"{a.layer.stage_size[0]}×{a.layer.stage_size[1]}",
                 sb=f"{b.layer.stage_size[0]}×{b.layer.stage_size[1]}",
                 n=a.effective.images if a.effective is not None else 0))
        self.drawn += 1

    def close(self) -> None:
        self.timer.stop()
