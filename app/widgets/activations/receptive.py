"""Receptive fields in the feature-maps view: a click on a pixel of a channel chooses that unit; the probe
image then shows the unit's theoretical box (cyan) and its effective field (red → yellow heat), and a panel
under the pictures plots the unit's effective radius against the training steps and lists every probe
layer's theoretical size and stride with its centre unit's r50 and r90.

The fields are computed by :class:`convscope.core.insight.receptive_field.FieldWatcher`: while a run
trains, in the training thread between two steps (as the probes are), within 2 % of its time; otherwise
(an opened run, a finished one) in the window's background jobs, on a copy of the model. Only while the
view is on screen and a unit is chosen; the GUI thread only draws.
"""
from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QObject, QRectF, Qt, Slot
from PySide6.QtWidgets import (
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from convscope.app.pacing import repeating_timer

from ._common import BOX_COLOUR, heat_rgba, log

COLUMNS = ("layer", "size", "stride", "r50", "r90")


def _network(target) -> tuple:
    """What decides the layers and their fields: architecture, form, input size and model options."""
    from convscope.core.insight.receptive_field import network_key

    return network_key(target.config)


class FieldPanel(QWidget):
    """The radius plot and the per-layer table, under the feature maps."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("receptiveFieldPanel")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.status = QLabel(QCoreApplication.translate(
            "ReceptiveField", "Receptive field: click a pixel of any channel to see what part of the image that "
                              "unit sees (cyan box) and what it really uses (heat)."))
        self.status.setObjectName("receptiveFieldStatus")
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        self.compare_button = QToolButton()
        self.compare_button.setObjectName("receptiveCompareButton")
        self.compare_button.setText(QCoreApplication.translate("ReceptiveField", "Compare with…"))
        self.compare_button.setCheckable(True)
        self.compare_button.setToolTip(QCoreApplication.translate(
            "ReceptiveField", "Put the same relative layer of another architecture beside this one: the fields, "
                              "the weights that make them and the effective fields on the same images."))
        top.addWidget(self.compare_button, 0, Qt.AlignTop)
        outer.addLayout(top)
        self.single = QWidget()  # the run's own plot and table (hidden while comparing)
        row = QHBoxLayout(self.single)
        row.setContentsMargins(0, 0, 0, 0)
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("receptiveRadiusPlot")
        self.plot.setMinimumHeight(120)
        self.plot.setMaximumHeight(150)
        self.plot.setBackground("w")
        self.plot.setLabel("bottom", QCoreApplication.translate("ReceptiveField", "training step"))
        self.plot.setLabel("left", QCoreApplication.translate("ReceptiveField", "radius (px)"))
        legend = self.plot.addLegend(offset=(5, 5))
        legend.setColumnCount(2)
        legend.setBrush(pg.mkBrush(255, 255, 255, 215))  # readable over the curves it covers
        self.r50_curve = self.plot.plot([], [], pen=pg.mkPen("#d95f02", width=2), symbol="o", symbolSize=4,
                                        name=QCoreApplication.translate("ReceptiveField", "r50"))
        self.r90_curve = self.plot.plot([], [], pen=pg.mkPen("#1b9e77", width=2), symbol="o", symbolSize=4,
                                        name=QCoreApplication.translate("ReceptiveField", "r90"))
        # What the run recorded while it trained (its snapshots): the layer's centre unit, all channels.
        dashed = dict(width=1.5, style=Qt.DashLine)
        self.r50_recorded = self.plot.plot([], [], pen=pg.mkPen("#d95f02", **dashed), name=QCoreApplication.translate(
            "ReceptiveField", "r50, centre (recorded)"))
        self.r90_recorded = self.plot.plot([], [], pen=pg.mkPen("#1b9e77", **dashed), name=QCoreApplication.translate(
            "ReceptiveField", "r90, centre (recorded)"))
        self.plot.setToolTip(QCoreApplication.translate(
            "ReceptiveField", "Solid: the unit you clicked, measured while this view was shown. Dashed: the "
                              "layer's centre unit (all channels), recorded with the run's snapshots while it "
                              "trained, so an opened run shows how its field changed."))
        row.addWidget(self.plot, 1)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("receptiveFieldTable")
        headers = (QCoreApplication.translate("ReceptiveField", "layer"),
                   QCoreApplication.translate("ReceptiveField", "size"),
                   QCoreApplication.translate("ReceptiveField", "stride"),
                   QCoreApplication.translate("ReceptiveField", "r50"),
                   QCoreApplication.translate("ReceptiveField", "r90"))
        self.table.setHorizontalHeaderLabels(list(headers))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setMaximumHeight(150)
        self.table.setToolTip(QCoreApplication.translate(
            "ReceptiveField", "Every probe layer: its theoretical receptive field (size and stride in input pixels) "
                              "and the radii holding 50 % and 90 % of its centre unit's effective field."))
        row.addWidget(self.table, 1)
        outer.addWidget(self.single)
        self.outer = outer  # the comparison (field_compare.CompareBox) goes under the row

    def set_rows(self, theory: dict, table: dict) -> None:
        self.table.setRowCount(len(theory))
        for i, (name, lf) in enumerate(theory.items()):
            r50, r90 = table.get(name, (math.nan, math.nan))
            cells = (name, f"{lf.size[0]}×{lf.size[1]}", f"{lf.stride[0]}",
                     "–" if math.isnan(r50) else f"{r50:.1f}", "–" if math.isnan(r90) else f"{r90:.1f}")
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()

    def set_curve(self, rows: list, recorded: list | None = None) -> None:
        """``rows``: the chosen unit's ``(step, layer, unit, r50, r90)``; ``recorded``: ``(step, r50, r90)``
        of the layer's centre unit from the run's snapshots."""
        steps = [r[0] for r in rows]
        self.r50_curve.setData(steps, [r[3] for r in rows])
        self.r90_curve.setData(steps, [r[4] for r in rows])
        recorded = recorded or []
        steps = [r[0] for r in recorded]
        self.r50_recorded.setData(steps, [r[1] for r in recorded])
        self.r90_recorded.setData(steps, [r[2] for r in recorded])


class ReceptiveFieldLink(QObject):
    """Adds the receptive fields to the controller's feature-maps view (see the module docstring).

    ``jobs``: the session's :class:`~convscope.app.runtime.jobs.BackgroundJobs` (computations outside
    training); ``session``: its ``trainer_setup_hooks`` get the watcher attached to each new trainer."""

    JOB = "receptive-field"

    def __init__(self, controller, jobs=None, session=None, poll_ms: int = 120, images: int = 8):
        super().__init__(controller)
        from convscope.core.insight.receptive_field import FieldWatcher

        self.controller = controller
        self.view = view = controller.feature_view
        self.jobs = jobs
        self.watcher = FieldWatcher(images=images, interval=1.0, max_overhead=0.015)
        self.panel = FieldPanel()
        view.layout().insertWidget(2, self.panel)
        from .field_compare import CompareLink

        self.compare = CompareLink(self)
        self.panel.outer.addWidget(self.compare.box)
        self.panel.compare_button.toggled.connect(self.compare.set_open)
        self.box_item = QGraphicsRectItem()
        self.box_item.setPen(pg.mkPen(BOX_COLOUR, width=2))
        self.box_item.setZValue(20)
        self.box_item.setVisible(False)
        self.heat_item = pg.ImageItem(axisOrder="row-major")
        self.heat_item.setZValue(10)
        self.heat_item.setVisible(False)
        view.input_box.addItem(self.heat_item)
        view.input_box.addItem(self.box_item)
        self.unit_marker = QGraphicsRectItem()
        self.unit_marker.setPen(pg.mkPen(BOX_COLOUR, width=2))
        self.unit_marker.setVisible(False)
        view.mosaic_box.addItem(self.unit_marker)
        view.graphics.scene().sigMouseClicked.connect(self._clicked)
        view.layer_combo.currentIndexChanged.connect(self._layer_changed)
        self.report = None  # the FieldReport drawn
        self._pending = False  # a computation is wanted outside training
        self._target = None
        self.drawn = 0
        if session is not None:
            session.trainer_setup_hooks.append(self.attach)
        self.timer = repeating_timer(self, poll_ms, self._poll)
        self.timer.start()

    # -- wiring ------------------------------------------------------------------------------------
    def attach(self, target) -> None:
        """Follow ``target`` (a trainer before its thread starts, or an opened run). The chosen unit stays
        chosen when the network is the same (a new run of it, or +1 epoch); another network clears it."""
        before = self._target
        self._target = target
        self.watcher.attach(target)
        layer, unit = self.watcher.chosen
        same = before is not None and layer is not None and _network(before) == _network(target)
        if same:
            self._pending = True
        else:
            self._clear()

    def close(self) -> None:
        self.timer.stop()
        self.compare.close()
        self.watcher.detach()

    # -- choosing a unit ---------------------------------------------------------------------------
    def choose(self, channel: int | None, y: int, x: int) -> None:
        """Watch unit (channel, y, x) of the view's layer."""
        layer = self.view.layer
        if layer is None:
            return
        self.watcher.choose(layer, (channel, int(y), int(x)))
        self._pending = True
        self.panel.status.setText(QCoreApplication.translate(
            "ReceptiveField", "{layer}, channel {c}, row {y}, column {x}: computing its receptive field…").format(
            layer=layer, c=channel, y=y, x=x))
        self._poll()

    @Slot(object)
    def _clicked(self, event) -> None:
        view = self.view
        snap = view.snapshot
        payload = snap.features.get(view.layer) if (snap is not None and view.layer) else None
        if payload is None:
            return
        pos = event.scenePos()
        _, h, w = payload.shape
        th, tw = payload.tile
        if view.mosaic_box.sceneBoundingRect().contains(pos):
            p = view.mosaic_item.mapFromScene(pos)
            tile = payload.tile_at(p.y(), p.x())
            if tile is None:
                return
            r, c = divmod(tile, payload.grid[1])
            ty, tx = p.y() - r * (th + 1), p.x() - c * (tw + 1)
            channel = int(payload.channels[tile])
            self.unit_marker.setRect(QRectF(c * (tw + 1) + int(tx) - 0.0, r * (th + 1) + int(ty), 1, 1))
        elif view.tile_box.sceneBoundingRect().contains(pos) and view.selected is not None:
            p = view.tile_item.mapFromScene(pos)
            ty, tx = p.y(), p.x()
            if not (0 <= ty < th and 0 <= tx < tw):
                return
            channel = int(view.selected)
            self.unit_marker.setVisible(False)
        else:
            return
        y = min(h - 1, max(0, int(ty * h / th)))
        x = min(w - 1, max(0, int(tx * w / tw)))
        self.unit_marker.setVisible(view.mosaic_box.sceneBoundingRect().contains(pos))
        self.choose(channel, y, x)

    @Slot(int)
    def _layer_changed(self, _index: int) -> None:
        self._clear()

    def _clear(self) -> None:
        self.watcher.choose(None)
        self.report = None
        self._pending = False
        self.box_item.setVisible(False)
        self.heat_item.setVisible(False)
        self.unit_marker.setVisible(False)
        self.panel.set_curve([])

    # -- computing and drawing ---------------------------------------------------------------------
    def _running(self) -> bool:
        return self.controller._is_running()

    @Slot()
    def _poll(self) -> None:
        target = self.controller.trainer
        if target is not None and target is not self._target:
            self.attach(target)
        live = self.view.is_live()
        layer, _ = self.watcher.chosen
        self.watcher.enabled = live and layer is not None
        if not live or layer is None:
            return
        report = self.watcher.mailbox.take()
        if report is not None:
            self._draw(report)
        if self._pending and not self._running() and self.jobs is not None and target is not None:
            self._pending = False
            watcher = self.watcher
            self.jobs.submit(self.JOB, lambda _cancel: watcher.compute(target, frozen=True), self._computed)
        elif self._pending and self._running():
            self._pending = False  # the training thread computes it at its next step

    def _computed(self, report, error) -> None:
        if error is not None:
            log.warning("could not compute the receptive field: %s", error)
        if self.watcher.last_error:
            self.panel.status.setText(QCoreApplication.translate(
                "ReceptiveField", "Could not compute the receptive field: {error}").format(
                error=self.watcher.last_error))
        self._poll()

    def _draw(self, report) -> None:
        layer, unit = self.watcher.chosen
        ef = report.chosen
        if ef is None or ef.layer != layer or ef.unit != unit:
            return  # an older choice's result
        self.report = report
        y0, x0, y1, x1 = ef.box
        self.box_item.setRect(QRectF(x0, y0, x1 - x0 + 1, y1 - y0 + 1))
        self.box_item.setVisible(True)
        self.heat_item.setImage(heat_rgba(ef.heat), autoLevels=False)
        self.heat_item.setRect(QRectF(0, 0, ef.heat.shape[1], ef.heat.shape[0]))
        self.heat_item.setVisible(True)
        lf = report.theory[layer]
        channel, y, x = ef.unit
        if math.isfinite(ef.r50):
            text = QCoreApplication.translate(
                "ReceptiveField",
                "{layer}, channel {c}, row {y}, column {x}: it can see {sy}×{sx} input pixels (cyan box; "
                "neighbouring units are {stride} px apart). Its effective field (heat, averaged over {n} test "
                "images) holds 50 % of its weight within {r50} px of the centre and 90 % within {r90} px; {inside} "
                "of it lies in the box.")
        else:
            text = QCoreApplication.translate(
                "ReceptiveField",
                "{layer}, channel {c}, row {y}, column {x}: it can see {sy}×{sx} input pixels (cyan box; "
                "neighbouring units are {stride} px apart), but on these {n} test images no pixel changes it: "
                "it is switched off (zero) on every one of them, so it has no effective field. Click another "
                "channel or position.")
        self.panel.status.setText(text.format(
            layer=layer, c=channel, y=y, x=x, sy=lf.size[0], sx=lf.size[1], stride=lf.stride[0], n=ef.images,
            r50=f"{ef.r50:.1f}", r90=f"{ef.r90:.1f}", inside=f"{ef.inside_share:.0%}"))
        self.panel.set_rows(report.theory, report.table)
        history = [r for r in self.watcher.history(layer, unit) if math.isfinite(r[3])]
        self.panel.set_curve(history, self.recorded(layer))
        self.drawn += 1

    def recorded(self, layer: str) -> list[tuple[int, float, float]]:
        """``(step, r50, r90)`` of ``layer``'s centre unit from the opened run's snapshots, oldest first."""
        return [(s.step, *s.fields[layer]) for s in self.controller.replay if layer in s.fields]
