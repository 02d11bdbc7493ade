"""Live training curves: loss (with the learning rate on a second axis) and accuracy.

The x axis is in epochs: step ``s`` sits at ``s / steps_per_epoch`` and the test point of epoch ``e`` at
``e``, so per-step and per-epoch curves share one axis. Data arrive in batches (the window drains the
step buffer ~30 times a second) and are appended to growable numpy arrays; :meth:`CurvesPanel.refresh`
hands the curves their arrays only when something changed. Downsampling ("peak": the envelope survives)
and clipping to the view are set on the PlotItems, as pyqtgraph overrides them when passed to ``plot()``.
"""
from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import QGraphicsItem, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ..pacing import PaintBudget, timed_paint

BLUE = (31, 119, 180)
LIGHT_BLUE = (170, 198, 230)
RED = (214, 39, 40)
GREEN = (44, 160, 44)
LIGHT_GREEN = (168, 220, 160)
ORANGE = (255, 127, 14)
PURPLE = (148, 103, 189)
# Update and repaint the plots so that they take at most about this share of the time (and at most
# ~30 updates a second). The GUI thread holds the GIL while it paints, and a fast network's training
# loop (LeNet: ~400 steps/s) needs the GIL for every step: for such runs the budget is tight. Each
# GIL hand-over costs the training thread more than the GUI's own time (benchmarks/bench_gui.py,
# LeNet, 5 pairs: window/headless 0.88 at 3 %, 0.93 at 2 %, 0.98 at 1.5 %). At 1.5 % each plot
# updates about once a second. A heavy network spends its time in torch kernels that run without
# the GIL, so its plots may update more often.
PAINT_BUDGET = 0.015  # Python-bound training (many steps per second)
PAINT_BUDGET_SLOW_STEPS = 0.10  # fewer than FAST_STEPS_PER_S steps per second
FAST_STEPS_PER_S = 50
MIN_REFRESH_S = 1 / 30


HEADROOM = 1.25  # the plots' y ranges reach this far above the data: a band for the legend, over no curve
ACC_TOP = 100 * HEADROOM - 3

class Series:
    """x/y points in growable arrays; non-finite points are dropped on the way in."""

    def __init__(self, capacity: int = 1024):
        self.x = np.empty(capacity, dtype=np.float64)
        self.y = np.empty(capacity, dtype=np.float64)
        self.n = 0

    def extend(self, x, y) -> int:
        x = np.asarray(x, dtype=np.float64).ravel()
        y = np.asarray(y, dtype=np.float64).ravel()
        keep = np.isfinite(x) & np.isfinite(y)
        if not keep.all():
            x, y = x[keep], y[keep]
        k = len(x)
        if k == 0:
            return 0
        if self.n + k > len(self.x):
            cap = max(2 * len(self.x), self.n + k)
            # New arrays: the views the curves hold keep pointing at the old (unchanged) ones.
            self.x = np.concatenate([self.x[: self.n], np.empty(cap - self.n)])
            self.y = np.concatenate([self.y[: self.n], np.empty(cap - self.n)])
        self.x[self.n: self.n + k] = x
        self.y[self.n: self.n + k] = y
        self.n += k
        return k

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        return self.x[: self.n], self.y[: self.n]

    def clear(self) -> None:
        self.n = 0

    def __len__(self) -> int:
        return self.n

    def nearest(self, x: float) -> int | None:
        if self.n == 0:
            return None
        xs = self.x[: self.n]
        i = int(np.searchsorted(xs, x))
        if i <= 0:
            return 0
        if i >= self.n:
            return self.n - 1
        return i if abs(xs[i] - x) < abs(xs[i - 1] - x) else i - 1


class EMA:
    """Debiased exponential moving average (as TensorBoard smooths its curves)."""

    def __init__(self, beta: float = 0.9):
        self.beta = beta
        self.value = 0.0
        self.count = 0

    def reset(self, beta: float) -> None:
        self.beta, self.value, self.count = beta, 0.0, 0

    def update(self, values: np.ndarray) -> np.ndarray:
        out = np.empty(len(values), dtype=np.float64)
        b, v, c = self.beta, self.value, self.count
        for i, y in enumerate(values.tolist()):
            if not math.isfinite(y):
                out[i] = math.nan
                continue
            v = b * v + (1 - b) * y
            c += 1
            out[i] = v / (1 - b ** c)
        self.value, self.count = v, c
        return out


def _pen(color, width=2.0, alpha=255, style=None):
    pen = pg.mkPen(color=(*color, alpha), width=width)
    if style is not None:
        pen.setStyle(style)
    return pen


# A PlotWidget that adds up the time of its paints (``paint_total``), to pace the updates.
TimedPlotWidget = timed_paint(pg.PlotWidget, name="TimedPlotWidget", clock=time.perf_counter)  # wall time


# How a run ended, as the summary line says it ("The run stopped before …").
STATUS_WORDS = {"completed": QT_TRANSLATE_NOOP(
    "Curves", "completed"), "stopped": QT_TRANSLATE_NOOP(
    "Curves", "stopped"), "diverged": QT_TRANSLATE_NOOP(
    "Curves", "diverged"),
                "failed": QT_TRANSLATE_NOOP("Curves", "failed")}


def _make_plot(name: str, y_label: str) -> pg.PlotWidget:
    plot = TimedPlotWidget(background="w")
    plot.setObjectName(name)
    item = plot.getPlotItem()
    item.setDownsampling(auto=True, mode="peak")
    item.setClipToView(True)
    item.showGrid(x=True, y=True, alpha=0.15)
    item.setLabel("bottom", QCoreApplication.translate("Curves", "epoch"))
    item.setLabel("left", QCoreApplication.translate("Curves", y_label))
    item.setMenuEnabled(True)
    for axis in ("left", "bottom", "right"):
        # The grid lines belong to the axes; painting them semi-transparent costs most of a frame.
        # Cached as a pixmap they are redrawn only when the axis range changes.
        item.getAxis(axis).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        item.getAxis(axis).enableAutoSIPrefix(False)
        item.getAxis(axis).setTextPen(pg.mkPen("#333"))
        item.getAxis(axis).setPen(pg.mkPen("#888"))
    # Same axis widths on both plots, so their x axes line up.
    item.showAxis("right")
    item.getAxis("left").setWidth(58)
    item.getAxis("right").setWidth(58)
    plot.setMinimumHeight(160)
    plot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
    return plot


class _LeaveFilter(QObject):
    def __init__(self, callback):
        super().__init__()
        self.callback = callback

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Leave:
            self.callback()
        return False


class _EpochPoint:
    """The fields of an ``EpochEnd`` that :meth:`CurvesPanel.add_epoch` reads, from a saved record."""

    def __init__(self, epoch: int, test_loss: float, test_acc: float, train_acc: float):
        self.epoch, self.test_loss, self.test_acc, self.train_acc = epoch, test_loss, test_acc, train_acc


class CurvesPanel(QWidget):
    """The first tab of the window: loss and accuracy plots, a summary line and a hover readout."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("curvesPanel")
        self.steps_per_epoch = 1
        # Data
        self.train_loss = Series()
        self.train_loss_smooth = Series()
        self.train_acc = Series()
        self.train_acc_smooth = Series()
        self.lr = Series(256)
        self.test_loss = Series(64)
        self.test_acc = Series(64)
        self._ema_loss, self._ema_acc = EMA(), EMA()
        self.best_epoch: int | None = None
        self._dirty = False
        self.paint_budget = PAINT_BUDGET
        self._budget = self._new_budget()
        self._paint_seen = 0.0  # paint seconds of both plots at the last update
        self._best: dict[str, tuple[list, list]] = {}  # best-epoch star per plot, to draw
        self._best_shown: dict[str, tuple[list, list]] = {}
        self._ranges: dict[str, tuple[float, float]] = {}
        self._lr_max: float | None = None
        self._pending_summary = ""  # the summary line of the latest epoch, shown with its plot
        self._train_labels = "smoothed"  # how the train curves' legend describes them

        # Loss plot, with the learning rate on its own right axis.
        self.loss_plot = _make_plot("lossPlot", QT_TRANSLATE_NOOP("Curves", "loss"))
        lp = self.loss_plot.getPlotItem()
        # Legends in a band above the data (the ranges leave it free, see HEADROOM): never over a curve.
        self.loss_legend = lp.addLegend(offset=(8, 2), colCount=3, brush=pg.mkBrush(255, 255, 255, 170),
                                        labelTextColor="#222")
        # Opaque pens without antialiasing: Qt's raster engine draws them as fast line segments.
        self.train_loss_raw_curve = lp.plot(pen=_pen(LIGHT_BLUE, 1))
        self.train_loss_curve = lp.plot(pen=_pen(BLUE, 2), name=QCoreApplication.translate(
            "Curves", "train loss (smoothed)"))
        self.test_loss_curve = lp.plot(pen=_pen(RED, 2), symbol="o", symbolSize=7, symbolBrush=RED,
                                       symbolPen="w", name=QCoreApplication.translate(
                                           "Curves", "test loss (per epoch)"))
        lp.enableAutoRange(axis="y", enable=False)  # set by _fit_loss_range (until the user zooms)
        lp.showAxis("right")
        lp.setLabel("right", QCoreApplication.translate("Curves", "learning rate"))
        self.lr_view = pg.ViewBox()
        self.lr_view.setMouseEnabled(x=False, y=False)
        self.lr_view.setMenuEnabled(False)
        self.lr_view.enableAutoRange(axis="y", enable=False)  # set by _fit_lr_range
        lp.scene().addItem(self.lr_view)
        lp.getAxis("right").linkToView(self.lr_view)
        self.lr_view.setXLink(lp)
        self.lr_view.setZValue(-100)  # behind the loss curves, and the mouse goes to the loss view
        self.lr_curve = pg.PlotDataItem(pen=_pen(PURPLE, 1))
        self.lr_curve.setDownsampling(auto=True, method="peak")
        self.lr_curve.setClipToView(True)
        self.lr_view.addItem(self.lr_curve)
        self.loss_legend.addItem(self.lr_curve, QCoreApplication.translate("Curves", "learning rate (right axis)"))
        lp.vb.sigResized.connect(self._sync_lr_view)
        self._sync_lr_view()

        # Accuracy plot.
        self.accuracy_plot = _make_plot("accuracyPlot", QT_TRANSLATE_NOOP("Curves", "accuracy (%)"))
        ap = self.accuracy_plot.getPlotItem()
        self.acc_legend = ap.addLegend(offset=(8, 2), colCount=2, brush=pg.mkBrush(255, 255, 255, 170),
                                       labelTextColor="#222")
        self.train_acc_raw_curve = ap.plot(pen=_pen(LIGHT_GREEN, 1))
        self.train_acc_curve = ap.plot(pen=_pen(GREEN, 2), name=QCoreApplication.translate(
            "Curves", "train accuracy (smoothed)"))
        self.test_acc_curve = ap.plot(pen=_pen(ORANGE, 2), symbol="o", symbolSize=7, symbolBrush=ORANGE,
                                      symbolPen="w", name=QCoreApplication.translate(
                                          "Curves", "test accuracy (per epoch)"))
        ap.getAxis("right").setStyle(showValues=False)
        # 0–100 % with every 20 % labelled (100 % too), and the legend's band above it.
        ap.setYRange(-3, ACC_TOP, padding=0)
        ap.enableAutoRange(axis="y", enable=False)
        ap.setLimits(yMin=-5, yMax=ACC_TOP + 3)
        ap.getAxis("left").setTicks([[(v, str(v)) for v in range(0, 101, 20)], []])
        self.accuracy_plot.setXLink(self.loss_plot)

        # The best test epoch: a star on both plots.
        # Drawn behind the test curves, large enough that the test point shows in the star's middle.
        self.best_acc_marker = pg.ScatterPlotItem(size=26, symbol="star", brush=pg.mkBrush(255, 205, 40),
                                                  pen=pg.mkPen("#8a6a00"))
        self.best_loss_marker = pg.ScatterPlotItem(size=26, symbol="star", brush=pg.mkBrush(255, 205, 40),
                                                   pen=pg.mkPen("#8a6a00"))
        ap.addItem(self.best_acc_marker)
        lp.addItem(self.best_loss_marker)
        self.best_acc_marker.setZValue(-1)
        self.best_loss_marker.setZValue(-1)

        # Hover cursor.
        self._cursors = []
        for plot in (self.loss_plot, self.accuracy_plot):
            line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen((0, 0, 0, 90), width=1))
            line.hide()
            plot.getPlotItem().addItem(line, ignoreBounds=True)
            self._cursors.append(line)
            plot.scene().sigMouseMoved.connect(lambda pos, p=plot: self._on_mouse_moved(p, pos))
        self._leave_filter = _LeaveFilter(self._on_mouse_left)
        self.loss_plot.installEventFilter(self._leave_filter)
        self.accuracy_plot.installEventFilter(self._leave_filter)

        self.summary = QLabel(QCoreApplication.translate(
            "Curves", "Press Train to start: the curves appear here as the network learns."))
        self.summary.setObjectName("curvesSummary")
        self.summary.setWordWrap(True)
        self.readout = QLabel(" ")
        self.readout.setObjectName("hoverReadout")
        self.readout.setProperty("hint", True)
        self.readout.setTextFormat(Qt.TextFormat.RichText)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        layout.addLayout(top)
        layout.addWidget(self.loss_plot, 1)
        layout.addWidget(self.accuracy_plot, 1)
        layout.addWidget(self.readout)

    # ------------------------------------------------------------------------------------ data in
    def begin_run(self, steps_per_epoch: int, new_run: bool = True, end_epoch: int | None = None,
                  lr_max: float | None = None) -> None:
        """A run starts: ``new_run`` clears the plots ("+1 epoch" keeps them).

        With ``end_epoch`` the x axis spans the whole planned run, so the curves grow from left to right
        and show how much is left (zooming with the mouse still works; "A" re-fits). ``lr_max``, the
        highest learning rate the schedule reaches (the configured one), fixes the learning-rate axis
        for the whole run: an axis whose range changes is repainted, and a one-cycle warm-up would
        change it on every update.
        """
        self.steps_per_epoch = max(1, int(steps_per_epoch))
        self._lr_max = float(lr_max) if lr_max and math.isfinite(lr_max) and lr_max > 0 else None
        if end_epoch:
            self.loss_plot.getPlotItem().setXRange(0, float(end_epoch), padding=0.02)
        if new_run:
            self.loss_plot.getPlotItem().enableAutoRange(axis="y", enable=False)
            self._ranges.clear()
        # Pace this run from its own paints only.
        self._paint_seen = self.loss_plot.paint_total + self.accuracy_plot.paint_total
        self._budget = self._new_budget()
        if new_run or self._ema_loss.count == 0:  # also a saved run continued (show_run reset them)
            # Smooth over about an eighth of an epoch (at least 4 steps, at most 100).
            window = min(100.0, max(4.0, self.steps_per_epoch / 8))
            self._ema_loss.reset(1 - 1 / window)
            self._ema_acc.reset(1 - 1 / window)
        if new_run:
            self.clear(QCoreApplication.translate(
                "Curves", "Training… the first points appear after the first steps."))
        elif self._train_labels == "per epoch":  # a saved run continued: its epochs, then the new steps
            self._set_train_labels("per epoch, then smoothed steps")

    def show_run(self, records: list[dict], name: str) -> None:
        """Draw a saved run's ``metrics.jsonl`` records (one per epoch): train and test loss and
        accuracy and the learning rate, one point per epoch (the per-step curves are not saved)."""
        from convscope.core.runs.listing import curve

        self.clear(QCoreApplication.translate("Curves", "Run {name} (opened): no finished epoch to plot.")
                   .format(name=name))
        self.steps_per_epoch = 1
        self._ema_loss.reset(self._ema_loss.beta)  # continuing it smooths its steps afresh
        self._ema_acc.reset(self._ema_acc.beta)
        self._set_train_labels("per epoch")
        for series, key, scale in ((self.train_loss_smooth, "train_loss", 1.0),
                                   (self.train_acc_smooth, "train_acc", 100.0), (self.lr, "lr", 1.0)):
            xs, ys = curve(records, key)
            series.extend(xs, np.asarray(ys, dtype=np.float64) * scale)
        self._lr_max = None
        last = None
        acc_x, acc_y = curve(records, "test_acc")
        loss_by_epoch = dict(zip(*curve(records, "test_loss")))
        for x, acc in zip(acc_x, acc_y):
            last = _EpochPoint(int(x), loss_by_epoch.get(x, math.nan), acc, self._value_at(x))
            self.add_epoch(last)
        top = max([*acc_x, *self.train_loss_smooth.data()[0], 1.0])
        self.loss_plot.getPlotItem().setXRange(0, float(top), padding=0.02)
        self.refresh(force=True)
        if last is not None:
            self.summary.setText(QCoreApplication.translate("Curves", "Run <b>{name}</b> (opened): ").format(name=name)
                                 + self.summary.text())

    def _value_at(self, x: float) -> float:
        i = self.train_acc_smooth.nearest(x)
        if i is None or self.train_acc_smooth.x[i] != x:
            return math.nan
        return self.train_acc_smooth.y[i] / 100.0

    def _set_train_labels(self, how: str) -> None:
        """The training curves' legend: how they are drawn ("smoothed", "per epoch", or "per epoch, then
        smoothed steps" for a saved run continued)."""
        self._train_labels = how
        t = QCoreApplication.translate
        texts = {"smoothed": (t("Curves", "train loss (smoothed)"), t("Curves", "train accuracy (smoothed)")),
                 "per epoch": (t("Curves", "train loss (per epoch)"), t("Curves", "train accuracy (per epoch)")),
                 "per epoch, then smoothed steps": (t("Curves", "train loss (per epoch, then smoothed steps)"),
                                                    t("Curves", "train accuracy (per epoch, then smoothed steps)"))}
        for legend, curve_item, text in zip((self.loss_legend, self.acc_legend),
                                            (self.train_loss_curve, self.train_acc_curve), texts[how]):
            label = legend.getLabel(curve_item)
            if label is not None:
                label.setText(text)

    def clear(self, summary: str | None = None) -> None:
        """Empty the plots (a new run was asked for: the last run's curves no longer apply)."""
        summary = QCoreApplication.translate("Curves", "Starting a new run…") if summary is None else summary
        self._set_train_labels("smoothed")
        for s in (self.train_loss, self.train_loss_smooth, self.train_acc, self.train_acc_smooth,
                  self.lr, self.test_loss, self.test_acc):
            s.clear()
        self.best_epoch = None
        self._best.clear()
        self._pending_summary = ""
        self.summary.setText(summary)
        self._dirty = True
        self.refresh(force=True)

    def set_step_rate(self, steps_per_s: float) -> None:
        """Training speed in steps per second: picks the paint budget (see PAINT_BUDGET)."""
        self.paint_budget = PAINT_BUDGET if steps_per_s >= FAST_STEPS_PER_S else PAINT_BUDGET_SLOW_STEPS
        self._budget.share = self.paint_budget

    def _new_budget(self) -> PaintBudget:
        return PaintBudget(self.paint_budget, burst=0.0, min_interval=MIN_REFRESH_S)

    def add_steps(self, events) -> None:
        """Append the per-step metrics of drained ``StepMetrics`` events."""
        if not events:
            return
        for ev in events:
            n = len(ev.global_steps)
            if n == 0:
                continue
            spe = float(ev.steps_per_epoch or self.steps_per_epoch)
            if n <= ev.step:
                # All in one epoch: place them by the epoch's own step count (it changes if the engine
                # halves the batch after running out of memory).
                x = (ev.epoch - 1) + (ev.step - n + 1 + np.arange(n, dtype=np.float64)) / spe
            else:  # steps of several epochs merged while the window was busy
                x = ev.global_steps.astype(np.float64) / float(self.steps_per_epoch)
            losses = np.asarray(ev.losses, dtype=np.float64)
            accs = np.asarray(ev.accuracies, dtype=np.float64) * 100.0
            self.train_loss.extend(x, losses)
            self.train_loss_smooth.extend(x, self._ema_loss.update(losses))
            self.train_acc.extend(x, accs)
            self.train_acc_smooth.extend(x, self._ema_acc.update(accs))
            self.lr.extend([x[-1]], [ev.lr])
        self._dirty = True

    def add_epoch(self, ev) -> None:
        """One point per finished epoch on the test curves; move the best-epoch star."""
        self.test_loss.extend([ev.epoch], [ev.test_loss])
        self.test_acc.extend([ev.epoch], [ev.test_acc * 100.0])
        if self.test_acc.n:
            xs, ys = self.test_acc.data()
            i = int(np.argmax(ys))
            self.best_epoch = int(round(xs[i]))
            lx, ly = self.test_loss.data()
            j = np.flatnonzero(lx == xs[i])
            # Drawn with the curves on the plots' next turns (not now: no extra paint, no star ahead
            # of its curve).
            self._best = {"accuracy": ([xs[i]], [ys[i]]),
                          "loss": ([xs[i]], [ly[j[0]]]) if len(j) else ([], [])}
            last = ys[-1]
            # Shown with the accuracy plot's next update, so the text never runs ahead of the plot.
            self._pending_summary = (
                QCoreApplication.translate(
                    "Curves", "<b>Best test accuracy {best} %</b> at epoch {best_epoch} (★) · last epoch "
                              "{last_epoch}: test accuracy {last} %, test loss {loss} · train accuracy "
                              "{train} %").format(
                    best=f"{ys[i]:.2f}", best_epoch=self.best_epoch, last_epoch=int(round(xs[-1])),
                    last=f"{last:.2f}", loss=f"{ev.test_loss:.4f}", train=f"{ev.train_acc * 100:.2f}"))
        self._dirty = True

    def end_run(self, status: str) -> None:
        """The run ended: fit the x axis to the data when it ended early, explain empty test curves."""
        if status != "completed" and self.train_loss.n:
            self.loss_plot.getPlotItem().enableAutoRange(axis="x", enable=True)
        if self.test_acc.n == 0:
            if self.train_loss.n == 0:
                self.summary.setText(QCoreApplication.translate(
                    "Curves", "The run {status} before its first step finished: nothing to plot.")
                                     .format(status=QCoreApplication.translate(
                                         "Curves", STATUS_WORDS.get(status, status))))
            else:
                self.summary.setText(QCoreApplication.translate(
                    "Curves", "The run {status} before its first epoch ended: the test curves get their first point "
                              "at the end of an epoch.")
                                     .format(status=QCoreApplication.translate(
                                         "Curves", STATUS_WORDS.get(status, status))))

    def maybe_refresh(self) -> bool:
        """Update both plots if the paint budget allows it now (called ~30 times a second).

        Updates are paced so that updating and painting take at most ``paint_budget`` of the time
        (a :class:`PaintBudget`): everything the GUI thread does holds the GIL the training thread
        needs. Each update is charged with its own time and the paints since the previous one, of axes
        and of forced refreshes too. Both plots update together, so the loss and accuracy plots (and
        the summary line) always show the same moment of the run.
        """
        if not self._dirty or not self.isVisible() or not self._budget.ready():
            return False  # hidden: showEvent brings the plots up to date
        t0 = time.perf_counter()
        painted = self._painted_since_last_update()
        self.refresh(force=True)
        self._budget.charge(time.perf_counter() - t0 + painted)
        return True

    def _painted_since_last_update(self) -> float:
        total = self.loss_plot.paint_total + self.accuracy_plot.paint_total
        painted, self._paint_seen = total - self._paint_seen, total
        return painted

    def refresh(self, force: bool = False) -> None:
        """Give both plots their data now if anything changed (and they are visible, or ``force``)."""
        if not self._dirty or (not force and not self.isVisible()):
            return
        self._refresh_plot("loss")
        self._refresh_plot("accuracy")
        self._dirty = False

    def _refresh_plot(self, plot: str) -> None:
        if plot == "loss":
            pairs = ((self.train_loss_raw_curve, self.train_loss),
                     (self.train_loss_curve, self.train_loss_smooth),
                     (self.test_loss_curve, self.test_loss),
                     (self.lr_curve, self.lr))
        else:
            pairs = ((self.train_acc_raw_curve, self.train_acc),
                     (self.train_acc_curve, self.train_acc_smooth),
                     (self.test_acc_curve, self.test_acc))
        for curve, series in pairs:
            x, y = series.data()
            curve.setData(x, y, skipFiniteCheck=True)
        marker = self.best_loss_marker if plot == "loss" else self.best_acc_marker
        best = self._best.get(plot, ([], []))
        if self._best_shown.get(plot) != best:
            self._best_shown[plot] = best
            marker.setData(*best)
        if plot == "accuracy" and self._pending_summary:
            self.summary.setText(self._pending_summary)
            self._pending_summary = ""
        if plot == "loss":
            self._fit_loss_range()
            if self.lr.n:
                self._fit_lr_range()

    def _fit_loss_range(self) -> None:
        """Loss y range from 0 to a little above the highest loss seen: it changes rarely, so the
        cached axes (and their grid) are not redrawn on every update."""
        vb = self.loss_plot.getPlotItem().vb
        if self._loss_autorange_user():
            return
        tops = [float(s.y[: s.n].max()) for s in (self.train_loss, self.train_loss_smooth, self.test_loss)
                if s.n]
        if not tops:
            return
        top = max(tops) * 1.05 or 1.0
        # A margin below 0 keeps the 0 tick visible; the band above the data holds the legend.
        self._set_range(vb, "loss", -0.03 * top, top * HEADROOM)

    def _fit_lr_range(self) -> None:
        """From 0 to just above the schedule's peak; without one (or above it), to a top that grows in
        steps of 1.5×, so the axis changes a few times per run rather than with every new point."""
        hi = float(self.lr.y[: self.lr.n].max())
        if self._lr_max and hi <= self._lr_max:
            top = self._lr_max * 1.05
        else:
            current = self._ranges.get("lr", (0.0, 0.0))[1] / HEADROOM  # the top of the data's part
            top = current if 0 < hi <= current else (hi * 1.5 or 1e-3)
        self._set_range(self.lr_view, "lr", 0.0, top * HEADROOM)  # under the legend's band, like the loss

    def _loss_autorange_user(self) -> bool:
        # The user zoomed or pressed "A": leave the range to pyqtgraph.
        return bool(self.loss_plot.getPlotItem().vb.state["autoRange"][1])

    def _set_range(self, vb, key: str, lo: float, hi: float) -> None:
        if self._ranges.get(key) != (lo, hi):
            self._ranges[key] = (lo, hi)
            vb.setYRange(lo, hi, padding=0)

    def showEvent(self, event):
        super().showEvent(event)
        self.refresh()

    def _sync_lr_view(self) -> None:
        vb = self.loss_plot.getPlotItem().vb
        self.lr_view.setGeometry(vb.sceneBoundingRect())
        self.lr_view.linkedViewChanged(vb, self.lr_view.XAxis)

    # ------------------------------------------------------------------------------------- hover
    def _on_mouse_moved(self, plot: pg.PlotWidget, pos) -> None:
        vb = plot.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(pos):
            self._on_mouse_left()
            return
        x = float(vb.mapSceneToView(pos).x())
        for line in self._cursors:
            line.setPos(x)
            line.show()
        self.readout.setText(self.describe(x))

    def _on_mouse_left(self) -> None:
        for line in self._cursors:
            line.hide()
        self.readout.setText(" ")

    def describe(self, x: float) -> str:
        """The readout text at ``x`` (epochs): the nearest step's values and the nearest epoch's."""
        parts = []
        i = self.train_loss.nearest(x)
        if i is not None:
            sx = self.train_loss.x[i]
            step = int(round(sx * self.steps_per_epoch))
            text = QCoreApplication.translate("Curves", "epoch {epoch} (step {step}) — train loss {loss}").format(
                epoch=f"{sx:.2f}", step=f"{step:,}", loss=f"{self.train_loss.y[i]:.4f}")
            j = self.train_loss_smooth.nearest(sx)
            if j is not None:
                text += QCoreApplication.translate(
                    "Curves", " (smoothed {loss})").format(loss=f"{self.train_loss_smooth.y[j]:.4f}")
            k = self.train_acc_smooth.nearest(sx)
            if k is not None:
                text += QCoreApplication.translate(
                    "Curves", " · train accuracy {acc} %").format(acc=f"{self.train_acc_smooth.y[k]:.1f}")
            m = self.lr.nearest(sx)
            if m is not None:
                text += f" · lr {self.lr.y[m]:.3g}"
            parts.append(text)
        # The test point of the epoch that contains x (steps of epoch e lie in (e - 1, e]).
        e = self.test_acc.nearest(max(1.0, math.ceil(x - 1e-9)))
        if e is not None:
            ex = self.test_acc.x[e]
            text = QCoreApplication.translate("Curves", "<b>epoch {epoch}</b>: test accuracy {acc} %").format(
                epoch=int(round(ex)), acc=f"{self.test_acc.y[e]:.2f}")
            f = self.test_loss.nearest(ex)
            if f is not None and self.test_loss.x[f] == ex:
                text += QCoreApplication.translate(
                    "Curves", ", test loss {loss}").format(loss=f"{self.test_loss.y[f]:.4f}")
            parts.append(text)
        return " &nbsp;|&nbsp; ".join(parts) if parts else " "
