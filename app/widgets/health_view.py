"""The Layer health tab: every layer of the network over time, as a heat map, and the Inception branches.

Rows are the network's layers (input at the top), columns the measurements as training goes on. The
metric is chosen above the map: gradient norm (log scale), weight change since the first step, the share
of dead ReLUs, activation mean and standard deviation. For GoogLeNet and the Inception net, bars show
each Inception block's branches' share of its output, live.

The figures come from ``core.insight.health.HealthMonitor``, attached to each new run's trainer before its
thread starts (``MainWindow.trainer_setup_hooks``) and read on a GUI timer while the run trains.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QObject, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from convscope.app.pacing import repeating_timer
from convscope.core.insight.health import HealthMonitor

from .activations._common import _explanation, set_image, static_plot

POLL_MS = 250
MAX_COLUMNS = 400  # measurements kept for the map (the monitor keeps as many)
BRANCH_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd")


class HealthView(QWidget):
    TITLE = "Layer health"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("layerHealthView")
        self.snapshots: list = []
        self.upto: int | None = None  # the timeline's step: the map as it was then (None: now)
        self.recorded = True  # False: the run on show is an opened one (its layer health was not saved)
        self.metrics = self._metrics()
        self.metric_combo = QComboBox()
        self.metric_combo.setObjectName("healthMetric")
        for key, label, _log in self.metrics:
            self.metric_combo.addItem(label, key)
        self.metric_combo.currentIndexChanged.connect(lambda _i: self.redraw())
        self.status = QLabel(self.tr("Start a training run: each layer's health appears here as it trains."))
        self.status.setObjectName("layerHealthStatus")
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Show:")))
        top.addWidget(self.metric_combo)
        top.addWidget(self.status, 1)

        self.plot = static_plot("layerHealthMap", invert_y=True)
        self.plot.setLabel("bottom", self.tr("measurement (training goes on to the right)"))
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get("viridis"), interactive=False,
                                        width=12)
        self.colorbar.setImageItem(self.image, insert_in=self.plot.getPlotItem())

        self.branch_plot = static_plot("branchShares", invert_y=False)
        self.branch_plot.setLabel("left", self.tr("share of the block's output (%)"))
        self.branch_plot.setYRange(0, 100, padding=0.02)
        self.branch_plot.addLegend(offset=(-10, 10), brush=pg.mkBrush(255, 255, 255, 200))
        self.branch_plot.setVisible(False)
        self._branch_bars: list[pg.BarGraphItem] = []

        self.explanation = _explanation(self.tr(
            "<b>Is every layer learning?</b><br><br>"
            "<b>Gradient norm</b>: how strongly the loss pushes a layer's weights. Rows that fade to dark "
            "towards the input mean vanishing gradients — a deep sigmoid network, or depth without "
            "shortcuts or BatchNorm.<br><br>"
            "<b>Weight change</b>: how far each layer has moved since the first step; a layer that stays "
            "at 0 is not learning.<br><br>"
            "<b>Dead ReLUs</b>: channels that output 0 for every image of a fixed batch. They pass no "
            "gradient; a too-large learning rate kills many.<br><br>"
            "<b>Activation mean / std</b>: a std collapsing to 0 or growing layer by layer is the "
            "problem BatchNorm fixes.<br><br>"
            "<b>Inception branches</b> (GoogLeNet, the Inception net): how much of each block's output "
            "comes from its 1×1, 3×3, 5×5 and pooling branches."))
        self.explanation.setObjectName("layerHealthExplanation")
        left = QVBoxLayout()
        left.addLayout(top)
        left.addWidget(self.plot, 3)
        left.addWidget(self.branch_plot, 2)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addWidget(self.explanation)

    def _metrics(self):
        """(key, label, log scale) of each metric the map can show."""
        return (("grad_norm", self.tr("gradient norm (log₁₀)"), True),
                ("weight_change", self.tr("weight change since the first step"), False),
                ("dead", self.tr("share of dead ReLUs"), False),
                ("act_mean", self.tr("activation mean"), False),
                ("act_std", self.tr("activation standard deviation"), False))

    # ------------------------------------------------------------------------------- data
    def clear(self) -> None:
        self.snapshots, self.recorded = [], True
        self.image.clear()
        self._clear_branches()
        self.branch_plot.setVisible(False)
        self.status.setText(self.tr("Measuring the layers once the first steps are done…"))

    def add(self, snapshots) -> None:
        """New measurements (``core.insight.health.HealthSnapshot``, oldest first)."""
        if not snapshots:
            return
        self.snapshots.extend(snapshots)
        if len(self.snapshots) > MAX_COLUMNS:
            del self.snapshots[:len(self.snapshots) - MAX_COLUMNS]
        self.redraw()

    def show_step(self, step) -> None:
        """The map as it was at optimizer step ``step`` (None: now), for the window's timeline."""
        self.upto = step
        self.redraw()

    def show_not_recorded(self) -> None:
        """An opened run: its layers were measured while it trained, but that is not saved with the run."""
        self.snapshots, self.recorded = [], False
        self.redraw()

    def shown(self) -> list:
        """The measurements the map shows: those taken by the timeline's step."""
        return self.snapshots if self.upto is None else [s for s in self.snapshots if s.step <= self.upto]

    def current_metric(self) -> str:
        return self.metric_combo.currentData()

    def matrix(self) -> tuple[np.ndarray, list[str]]:
        """The map now: (layers × measurements) of the chosen metric, and the layers shown (those for
        which it is defined)."""
        snapshots = self.shown()
        if not snapshots:
            return np.zeros((0, 0), np.float32), []
        key = self.current_metric()
        names = list(snapshots[-1].layers)
        values = np.stack([s.metric(key) for s in snapshots if s.layers == tuple(names)], axis=1)
        keep = np.isfinite(values).any(axis=1)
        return values[keep].astype(np.float32), [n for n, k in zip(names, keep) if k]

    def redraw(self) -> None:
        values, names = self.matrix()
        if not names:
            self.image.clear()
            self._say_why_empty()
            return
        key = self.current_metric()
        log_scale = dict((k, lg) for k, _l, lg in self.metrics)[key]
        shown = np.log10(np.maximum(values, 1e-12)) if log_scale else values
        finite = shown[np.isfinite(shown)]
        if key == "dead":
            lo, hi = 0.0, 1.0
        elif finite.size:
            lo, hi = float(np.percentile(finite, 2)), float(np.percentile(finite, 98))
            if hi <= lo:
                hi = lo + 1e-6
        else:
            lo, hi = 0.0, 1.0
        set_image(self.image, np.nan_to_num(shown, nan=lo), (lo, hi))
        self.image.setRect(0, 0, shown.shape[1], shown.shape[0])
        self.colorbar.setLevels((lo, hi))
        self.plot.getAxis("left").setTicks([[(i + 0.5, n) for i, n in enumerate(names)]])
        shown = self.shown()
        last = shown[-1]
        self.status.setText(self.tr("{n} measurements, the last at step {step} (epoch {epoch}).")
                            .format(n=len(shown), step=last.step, epoch=last.epoch))
        if self.upto is not None:
            self.status.setText(self.tr("At step {k}: ").format(k=f"{self.upto:,}") + self.status.text())
        self._draw_branches(last)

    def _say_why_empty(self) -> None:
        if not self.recorded:
            self.branch_plot.setVisible(False)
            self.status.setText(self.tr("Layer health is measured while a run trains in this window; it is not saved "
                                        "with the run, so it was not recorded for this run."))
        elif self.upto is not None and self.snapshots:
            self.branch_plot.setVisible(False)
            self.status.setText(self.tr("Step {k}: no layer was measured by then (the first measurement is at step "
                                        "{first}).").format(k=f"{self.upto:,}", first=f"{self.snapshots[0].step:,}"))

    def _clear_branches(self) -> None:
        for bar in self._branch_bars:
            self.branch_plot.removeItem(bar)
        self._branch_bars = []
        legend = self.branch_plot.getPlotItem().legend
        if legend is not None:
            legend.clear()

    def _draw_branches(self, snap) -> None:
        blocks = [b for b in snap.branch_names if b in snap.branches]
        self.branch_plot.setVisible(bool(blocks))
        if not blocks:
            return
        self._clear_branches()
        shares = np.stack([snap.branches[b] for b in blocks]) * 100  # (blocks, 4)
        names = snap.branch_names[blocks[0]]
        bottom = np.zeros(len(blocks))
        for j, name in enumerate(names):
            bar = pg.BarGraphItem(x=np.arange(len(blocks)), height=shares[:, j], y0=bottom, width=0.7,
                                  brush=BRANCH_COLOURS[j % len(BRANCH_COLOURS)], name=name)
            self.branch_plot.addItem(bar)
            self._branch_bars.append(bar)
            bottom = bottom + shares[:, j]
        self.branch_plot.getAxis("bottom").setTicks([[(i, b) for i, b in enumerate(blocks)]])
        # Room on the right for the legend: it must never cover a bar.
        self.branch_plot.setXRange(-0.5, len(blocks) - 0.5 + 0.8, padding=0)

    def branch_shares(self) -> dict[str, np.ndarray]:
        """The branch shares drawn now, by block (for tests and exports)."""
        shown = self.shown()
        return dict(shown[-1].branches) if shown else {}


class HealthController(QObject):
    """Attaches a monitor to each new run's trainer and feeds the view while it trains."""

    def __init__(self, view: HealthView, parent: QObject | None = None, interval: float = 0.5):
        super().__init__(parent)
        self.view, self.interval = view, interval
        self.monitor: HealthMonitor | None = None
        self._last_step = -1
        self.timer = repeating_timer(self, POLL_MS, self.poll)

    def install(self, session, host) -> None:
        host.add_tab(self.view, QCoreApplication.translate("HealthView", "Layer health"))
        session.trainer_setup_hooks.append(self.attach)
        session.run_finished.connect(self.on_run_finished)
        session.run_opened.connect(self.on_run_opened)
        session.timeline.step_changed.connect(self.view.show_step)

    @Slot(object)
    def attach(self, trainer) -> None:
        if self.monitor is not None:
            self.monitor.detach()
        self.monitor = HealthMonitor(interval=self.interval).attach(trainer)
        self._last_step = -1
        self.view.clear()
        self.timer.start()

    @Slot()
    def poll(self) -> None:
        if self.monitor is None:
            return
        if self.monitor.take() is None:  # nothing new since the last turn
            return
        new = [s for s in self.monitor.history() if s.step > self._last_step]
        if new:
            self._last_step = new[-1].step
            self.view.add(new)

    @Slot(object)
    def on_run_opened(self, _run) -> None:
        self.view.show_not_recorded()

    @Slot(object)
    def on_run_finished(self, _result=None) -> None:
        self.poll()
        self.timer.stop()
        if self.monitor is not None:
            self.monitor.detach()
