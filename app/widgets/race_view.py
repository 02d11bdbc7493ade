"""The Race tab: several architectures trained one after another on the same data with the same seed.

Tick the architectures, set the test accuracy to time, press Start: the window trains each in turn with
the settings panel's dataset, epochs, subset and seed (and each network's own trusted hyperparameters),
as ordinary runs (saved like any other when "Save the run" is ticked). The settings column shows each
entrant while it trains; when the race ends (or is stopped) it shows the student's settings again, as they
were before the race, so Train never trains the race's last network by surprise. Their test accuracy curves are
overlaid as they come, and the table gives what ``core.training.race`` measures: parameters, FLOPs, images/s,
the training time to the target accuracy and the best accuracy.
"""
from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..core_texts import core_text
from ..opened_run import status_text
from .activations._common import static_plot
from .curves import ACC_TOP
from .model_summary import _count, _Table, _view, best_test_tip
from .race_examples import RaceDifference

COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf")
DEFAULT_ENTRANTS = ("lenet", "nin", "resnet-small")


class RaceView(QWidget):
    start_requested = Signal(list, float)  # architectures, target test accuracy (0–1)
    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("raceView")
        self.entrants = QListWidget()
        self.entrants.setObjectName("raceEntrants")
        self.entrants.setMaximumWidth(260)
        self.target = QDoubleSpinBox()
        self.target.setObjectName("raceTarget")
        self.target.setRange(1, 99.9)
        self.target.setValue(90)
        self.target.setSuffix(" %")
        self.target.setToolTip(self.tr("The table times how long each network trains until its test accuracy "
                                       "first reaches this."))
        self.start_button = QPushButton(self.tr("Start the race"))
        self.start_button.setObjectName("raceStartButton")
        self.start_button.clicked.connect(self._start)
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setObjectName("raceStopButton")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop_requested)
        self.status = QLabel(self.tr("Tick two or more networks. Each trains in turn with the dataset, epochs, "
                                     "training images and seed of the settings on the left."))
        self.status.setObjectName("raceStatus")
        self.status.setWordWrap(True)
        left = QVBoxLayout()
        left.addWidget(QLabel(self.tr("Networks")))
        left.addWidget(self.entrants, 1)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Target test accuracy")))
        row.addWidget(self.target)
        left.addLayout(row)
        left.addWidget(self.start_button)
        left.addWidget(self.stop_button)

        self.plot = static_plot("raceCurves")
        self.plot.setLabel("left", self.tr("test accuracy (%)"))
        self.plot.setLabel("bottom", self.tr("epoch"))
        # 0–100 % and, above it, the legend's band (as on the Curves tab): the legend covers no curve.
        self.plot.setYRange(-3, ACC_TOP, padding=0)
        self.plot.getAxis("left").setTicks([[(v, str(v)) for v in range(0, 101, 20)], []])
        self.plot.addLegend(offset=(8, 2), colCount=3, brush=pg.mkBrush(255, 255, 255, 170))
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.table = _Table([self.tr("network"), self.tr("status"), self.tr("parameters"), self.tr("FLOPs"),
                             self.tr("images/s"), self.tr("time to target"), self.tr("best test accuracy")], self)
        self.table.header_tips[6] = best_test_tip()
        self.table_view = _view(self.table, "raceTable")
        self.difference = RaceDifference()  # images one network gets right and another never does
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.plot)
        right.addWidget(self.table_view)
        right.addWidget(self.difference)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        body = QHBoxLayout()
        body.addLayout(left)
        body.addWidget(right, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(body, 1)

    def set_architectures(self, specs) -> None:
        """``specs``: (name, display name) of every architecture; a few are ticked to start with."""
        self.entrants.clear()
        for name, display in specs:
            item = QListWidgetItem(display)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in DEFAULT_ENTRANTS else Qt.CheckState.Unchecked)
            self.entrants.addItem(item)

    def ticked(self) -> list[str]:
        return [self.entrants.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.entrants.count())
                if self.entrants.item(i).checkState() == Qt.CheckState.Checked]

    def _start(self) -> None:
        self.start_requested.emit(self.ticked(), self.target.value() / 100)

    def set_racing(self, racing: bool) -> None:
        self.start_button.setEnabled(not racing)
        self.stop_button.setEnabled(racing)
        self.entrants.setEnabled(not racing)
        self.target.setEnabled(not racing)

    def clear(self) -> None:
        for item in self.curves.values():
            self.plot.removeItem(item)
        self.curves = {}
        legend = self.plot.getPlotItem().legend
        if legend is not None:
            legend.clear()
        self.table.set_rows([])
        self.difference.clear()

    def add_point(self, name: str, label: str, epoch: int, test_acc: float) -> None:
        curve = self.curves.get(name)
        if curve is None:
            colour = COLOURS[len(self.curves) % len(COLOURS)]
            curve = self.plot.plot([], [], pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=5,
                                   symbolBrush=colour, name=label)
            self.curves[name] = curve
        xs, ys = curve.getData()
        xs = [] if xs is None else list(xs)
        ys = [] if ys is None else list(ys)
        curve.setData(xs + [epoch], ys + [100 * test_acc])

    def set_rows(self, rows, running: str | None = None) -> None:
        """``rows``: ``core.training.race.RaceRow`` of the entrants so far (the table's order: fastest first)."""
        table = []
        for r in rows:
            to = (self.tr("{s} s (epoch {e})").format(s=f"{r.seconds_to_target:.1f}", e=r.epoch_to_target)
                  if r.seconds_to_target is not None else self.tr("not reached"))
            best = f"{100 * r.best_test_acc:.1f} % ({r.best_epoch})" if math.isfinite(r.best_test_acc) else "—"
            table.append([core_text(r.display_name), status_text(r.status), _count(r.params), _count(r.flops),
                          f"{r.images_per_s:,.0f}" if math.isfinite(r.images_per_s) else "—", to, best])
        self.table.set_rows(table)


class RaceController(QObject):
    """Runs the race in the window: one entrant after another, through the window's own Train (the
    host's ``apply_settings`` and ``start_training``)."""

    finished = Signal(list)  # the race table (core.training.race.RaceRow)

    def __init__(self, view: RaceView, session, host, parent: QObject | None = None):
        super().__init__(parent)
        self.view, self.session, self.host = view, session, host
        self.queue: list[str] = []
        self.rows: list = []
        self.target = 0.9
        self.common: dict = {}
        self.current: str | None = None
        self._before: tuple[dict, str | None] | None = None  # the settings and preset shown before the race
        self._examples = None  # the current entrant's per-example record, at its last epoch
        view.start_requested.connect(self.start)
        view.stop_requested.connect(self.stop)

    def install(self, specs) -> None:
        self.host.add_tab(self.view, QCoreApplication.translate("RaceView", "Race"))
        self.view.set_architectures([(s.name, core_text(s.display_name)) for s in specs])
        self.session.epoch_finished.connect(self.on_epoch_finished)
        self.session.thread_finished.connect(self.on_thread_finished)

    @property
    def racing(self) -> bool:
        return self.current is not None

    @Slot(list, float)
    def start(self, archs: list, target: float) -> bool:
        if self.racing or self.session.is_running() or not self.session.is_ready():
            return False
        if len(archs) < 2:
            self.view.status.setText(QCoreApplication.translate("RaceView", "Tick two or more networks to race."))
            return False
        values = self.host.settings_values()
        self._before = (dict(values), self.host.settings_preset())
        self.common = {k: values.get(k) for k in ("dataset", "epochs", "subset", "seed", "device", "augment")
                       if k in values}
        self.queue, self.rows, self.target = list(archs), [], float(target)
        self.view.clear()
        self.view.set_racing(True)
        return self._next()

    @Slot()
    def stop(self) -> None:
        self.queue = []
        if self.session.is_running():
            self.host.stop_training()

    def _next(self) -> bool:
        while self.queue:
            arch = self.queue.pop(0)
            config = self.host.apply_settings(
                {"arch": arch, **{k: v for k, v in self.common.items() if v is not None}})
            self.current = arch
            self.view.status.setText(QCoreApplication.translate("RaceView", "Racing: {name} ({i} of {n})…").format(
                name=core_text(config.spec.display_name) if config else arch,
                i=len(self.rows) + 1, n=len(self.rows) + 1 + len(self.queue)))
            if self.host.start_training():
                return True
            self.view.status.setText(QCoreApplication.translate(
                "RaceView", "{arch} could not start with these settings; the race goes on without it.").format(
                arch=arch))
        self._finish()
        return False

    def end_for_close(self) -> None:
        """The window closes: no next entrant, and the settings it saves are the student's, not an entrant's."""
        self.queue = []
        self.restore_settings()

    def restore_settings(self) -> None:
        """Show the settings of before the race again (its entrants were shown one by one while they trained)."""
        if self._before is None:
            return
        values, preset = self._before
        self._before = None
        self.host.apply_settings(values, preset=preset)

    @Slot(object)
    def on_epoch_finished(self, ev) -> None:
        if not self.racing:
            return
        cfg = self.session.current_config()
        label = core_text(cfg.spec.display_name) if cfg is not None else self.current
        self.view.add_point(self.current, label, int(ev.epoch), float(ev.test_acc))
        self._examples = getattr(ev, "examples", None)

    @Slot()
    def on_thread_finished(self) -> None:
        if not self.racing:
            return
        from convscope.core.insight.summary import summarize
        from convscope.core.training.race import race_row, race_table

        trainer, result = self.session.trainer, self.session.last_result
        status = result.status if result is not None else "completed"
        if trainer is not None:
            s = summarize(trainer.config)
            self.rows.append(race_row(trainer.config.arch, s.display_name, s.total_params, s.total_flops,
                                      list(trainer.history), self.target, status,
                                      str(trainer.run_dir) if trainer.run_dir else None))
            self.rows = race_table(self.rows)
            self.view.set_rows(self.rows)
            self.view.difference.add(trainer.config.arch, core_text(s.display_name), self._examples,
                                     trainer.test.images if trainer.test is not None else None,
                                     [core_text(c) for c in trainer.config.info.classes])
        self._examples = None
        if status == "stopped":
            self.queue = []
        self.current = None
        if self.queue:
            self._next()
        else:
            self._finish()

    def _finish(self) -> None:
        self.current = None
        self.view.set_racing(False)
        self.restore_settings()
        if self.rows:
            self.view.status.setText(QCoreApplication.translate(
                "RaceView", "Race over: {n} networks, fastest to {target:.0f} % first.").format(
                n=len(self.rows), target=100 * self.target))
        self.finished.emit(list(self.rows))
