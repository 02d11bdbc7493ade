"""The Model tab: where the network's parameters and computation go, and how the architectures compare.

Top: one row per layer of the network the settings describe (or of the opened run) — name, type, output
shape, parameters, FLOPs, and each one's share — with the totals; after "Measure" (a background job, never
during a run), what each layer costs on this computer: forward and backward milliseconds, its share of the
time, the activations it keeps for backward, its GFLOP/s and share of the device's matrix-multiply peak,
with bars that set the shares of parameters, FLOPs, time and memory side by side. Bottom: the
architectures side by side on the same input (parameters, FLOPs, the share held by fully connected layers,
measured images/s and the best test accuracy of past runs where known, and the measured time and peak
memory per image of those measured here). The figures come from ``core.insight.summary`` and
``core.insight.cost`` (plain data).
"""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QPushButton, QSplitter, QTableView, QVBoxLayout, QWidget

from ..core_texts import core_text
from .share_bars import ShareBars, group_shares

HEAVY = QColor("#fde2c8")  # a row holding a large share of the parameters


def _count(n: float) -> str:
    if n >= 1e9:
        return f"{n / 1e9:.2f} G"
    if n >= 1e6:
        return f"{n / 1e6:.2f} M"
    if n >= 1e3:
        return f"{n / 1e3:.1f} k"
    return f"{int(n)}"


def _bytes(n: float) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"


def _ms(ms: float) -> str:
    return f"{ms:.3f}" if ms < 10 else f"{ms:.1f}"


def best_test_tip() -> str:
    """What a "best test accuracy" column means, and why it flatters (d2l 4.4: choose with a validation set)."""
    return QCoreApplication.translate(
        "ModelSummary", "The highest test accuracy over the epochs of a run. It is an optimistic figure: picking "
        "the epoch by it uses the test set to choose the model, which a validation set should do (d2l 4.4). The "
        "last epoch's test accuracy is the honest one.")


class _Table(QAbstractTableModel):
    """Rows of display strings with numeric sort keys, and an optional highlight per row."""

    def __init__(self, headers: list[str], parent: QObject | None = None):
        super().__init__(parent)
        self.headers = headers
        self.header_tips: dict[int, str] = {}  # column → what its heading means (hovering the heading)
        self.rows: list[list[str]] = []
        self.tips: list[str] = []
        self.highlight: list[bool] = []

    def set_rows(self, rows: list[list[str]], highlight: list[bool] | None = None,
                 tips: list[str] | None = None) -> None:
        self.beginResetModel()
        self.rows = rows
        self.highlight = highlight or [False] * len(rows)
        self.tips = tips or [""] * len(rows)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return self.header_tips.get(section)
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and self.highlight[index.row()]:
            return QBrush(HEAVY)
        if role == Qt.ItemDataRole.ToolTipRole and self.tips[index.row()]:
            return self.tips[index.row()]
        return None


def _view(model: _Table, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(22)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # names whole, even when it scrolls
    header.setStretchLastSection(True)  # the spare width, when there is some
    return view


MEASURED_COLUMNS = 6  # forward ms, backward ms, time share, kept for backward, GFLOP/s, of peak


class ModelSummaryView(QWidget):
    measure_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("modelSummaryView")
        self.summary = None
        self.ledger = None  # core.insight.cost.CostLedger of the summary on show, once measured
        self._what = ""
        self.title = QLabel(self.tr("The network's layers appear here once ConvScope has loaded."))
        self.title.setObjectName("modelSummaryTitle")
        self.title.setWordWrap(True)
        self.layers = _Table([self.tr("layer"), self.tr("type"), self.tr("output"), self.tr("parameters"),
                              self.tr("share"), self.tr("FLOPs"), self.tr("share"), self.tr("forward ms"),
                              self.tr("backward ms"), self.tr("time share"), self.tr("kept for backward"),
                              self.tr("GFLOP/s"), self.tr("of peak")], self)
        self.layer_view = _view(self.layers, "modelSummary")
        self.layer_view.setMinimumHeight(6 * 22 + 26)  # a few layers readable above the measured figures
        self.measure_button = QPushButton(self.tr("Measure"))
        self.measure_button.setObjectName("measureButton")
        self.measure_button.setToolTip(self.tr(
            "Train a copy of this network for a few steps on random images, at its input size and batch size "
            "on its device, and time each layer's forward and backward pass; count the activations each one "
            "keeps for the backward pass. Your settings and weights are not changed."))
        self.measure_button.clicked.connect(self.measure_requested)
        self.measure_status = QLabel(self.tr("Measured: nothing yet. The time and memory columns fill in "
                                             "when you press Measure."))
        self.measure_status.setObjectName("measureStatus")
        self.measure_status.setWordWrap(True)
        self.bars = ShareBars()
        self.bars.setVisible(False)
        self.compare_title = QLabel(self.tr("The architectures on the same input"))
        self.compare_title.setObjectName("archCompareTitle")
        self.compare_title.setWordWrap(True)
        self.compare = _Table([self.tr("architecture"), self.tr("input"), self.tr("parameters"), self.tr("FLOPs"),
                               self.tr("in fully connected layers"), self.tr("images/s"),
                               self.tr("best test accuracy"), self.tr("ms per image"),
                               self.tr("peak memory per image")], self)
        self.compare.header_tips[6] = best_test_tip()
        self.compare_view = _view(self.compare, "archCompare")
        self.compare_view.setMinimumHeight(4 * 22 + 26)
        self.lesson = QLabel(self.tr(
            "<b>Why NiN drops the fully connected layers.</b> AlexNet and VGG end in fully connected layers "
            "that hold most of their parameters (orange). NiN replaces them with 1×1 convolutions — a small "
            "MLP at every pixel — and a global average pooling that turns each of the last maps into one "
            "class score: the same kind of accuracy with a small share of the parameters, and fewer to "
            "overfit."))
        self.lesson.setObjectName("archCompareLesson")
        self.lesson.setWordWrap(True)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.title)
        top_layout.addWidget(self.layer_view, 1)
        measure_row = QHBoxLayout()
        measure_row.addWidget(self.measure_button)
        measure_row.addWidget(self.measure_status, 1)
        top_layout.addLayout(measure_row)
        top_layout.addWidget(self.bars)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.compare_title)
        bottom_layout.addWidget(self.compare_view, 1)
        bottom_layout.addWidget(self.lesson)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(split)

    def set_summary(self, summary, what: str = "") -> None:
        """Show ``summary`` (``core.insight.summary.ModelSummary``) of ``what`` (e.g. "the settings' network");
        a measurement of another network is set aside."""
        if self.ledger is not None and not _same_network(self.ledger.summary, summary):
            self.ledger = None
            self.bars.clear()
            self.bars.setVisible(False)
            self.measure_status.setText(self.tr("Measured: not this network yet. Press Measure."))
        self.summary = summary
        self._what = what
        self._fill_layers()

    def _fill_layers(self) -> None:
        summary = self.summary
        p_total, f_total = max(summary.total_params, 1), max(summary.total_flops, 1)
        rows, heavy, tips = [], [], []
        for r in summary.rows:
            rows.append([r.name, r.kind, "×".join(map(str, r.output_shape)), f"{r.params:,}",
                         f"{100 * r.params / p_total:.1f} %", _count(r.flops), f"{100 * r.flops / f_total:.1f} %"]
                        + self._measured(len(rows)))
            heavy.append(r.params / p_total >= 0.2)
            tips.append(self.tr("{kind}: {params} parameters, {flops} FLOPs for one image "
                                "(a multiply-add counts 2)").format(kind=r.kind, params=f"{r.params:,}",
                                                                    flops=f"{r.flops:,}"))
        rows.append([self.tr("total"), "", "×".join(map(str, summary.input_shape)) + " " + self.tr("in"),
                     f"{summary.total_params:,}", "100 %", _count(summary.total_flops), "100 %"]
                    + self._measured_total())
        heavy.append(False)
        tips.append("")
        self.layers.set_rows(rows, heavy, tips)
        what = self._what
        self.title.setText(self.tr("{name}{what}: {params} parameters, {flops} FLOPs per image of "
                                   "{shape}. Orange: a layer with a fifth of the parameters or more.")
                           .format(name=core_text(summary.display_name), what=f" ({what})" if what else "",
                                   params=f"{summary.total_params:,}", flops=_count(summary.total_flops),
                                   shape="×".join(map(str, summary.input_shape))))

    def _measured(self, i: int) -> list[str]:
        ledger = self.ledger
        if ledger is None or i >= len(ledger.rows):
            return ["—"] * MEASURED_COLUMNS
        r = ledger.rows[i]
        return [_ms(r.forward_ms), _ms(r.backward_ms), f"{100 * ledger.share(r, 'time'):.1f} %",
                _bytes(r.saved_bytes), f"{r.gflops_per_s:,.1f}" if r.flops else "—",
                f"{100 * r.peak_share:.0f} %" if r.flops else "—"]

    def _measured_total(self) -> list[str]:
        ledger = self.ledger
        if ledger is None:
            return ["—"] * MEASURED_COLUMNS
        return [_ms(ledger.forward_ms), _ms(ledger.backward_ms), "100 %", _bytes(ledger.saved_bytes),
                f"{ledger.peak_gflops:,.0f}", "100 %"]

    # -- measuring
    def _device(self, ledger) -> str:
        if ledger.device.startswith("CPU"):
            return self.tr("the CPU ({n} threads)").format(n=ledger.threads)
        return ledger.device

    def set_measure_available(self, available: bool, reason: str = "") -> None:
        """Enable Measure, or disable it saying why (a run is training)."""
        self.measure_button.setEnabled(available)
        if not available and reason:
            self.measure_status.setText(reason)

    def set_measure_progress(self, fraction: float) -> None:
        self.measure_button.setEnabled(False)
        self.measure_status.setText(self.tr("Measuring… {percent} % (a few seconds; the network trains a few "
                                            "steps on random images)").format(percent=int(100 * fraction)))

    def measure_failed(self, text: str) -> None:
        self.measure_button.setEnabled(True)
        self.measure_status.setText(self.tr("Not measured: {reason}").format(reason=text))

    def set_ledger(self, ledger) -> None:
        """Show a measurement (``core.insight.cost.CostLedger``) of the network on show."""
        self.ledger = ledger
        self.measure_button.setEnabled(True)
        if self.summary is None or not _same_network(ledger.summary, self.summary):
            self.summary = ledger.summary
            self._what = ""
        self._fill_layers()
        self.bars.set_shares(group_shares(ledger))
        self.bars.setVisible(True)
        lo, hi = ledger.step_ms_spread
        self.measure_status.setText(self.tr(
            "Measured on {device}, batch {batch}: one training step takes {step} ms ({lo}–{hi} over {steps} "
            "steps), {per_image} ms per image; the layers {rows} ms of it, the optimizer {opt} ms. Kept for "
            "backward: {saved}; parameters, gradients and optimizer state: {state}. Matrix-multiply peak: "
            "{peak} GFLOP/s.").format(
                device=self._device(ledger), batch=ledger.batch_size, step=_ms(ledger.step_ms), lo=_ms(lo),
                hi=_ms(hi), steps=ledger.steps, per_image=f"{ledger.ms_per_image:.3f}", rows=_ms(ledger.rows_ms),
                opt=_ms(ledger.optimizer_ms), saved=_bytes(ledger.saved_bytes),
                state=_bytes(ledger.param_bytes + ledger.grad_bytes + ledger.optimizer_bytes),
                peak=f"{ledger.peak_gflops:,.0f}"))

    def set_comparison(self, rows, rates: dict[str, float] | None = None,
                       best: dict[str, float] | None = None, current: str = "", dataset: str = "",
                       measured: dict[str, tuple[float, float]] | None = None) -> None:
        """``rows``: ``core.insight.summary.ArchRow`` per architecture; ``rates``/``best``: images/s and best test
        accuracy (0–1) by architecture, where known; ``current``: the architecture of the settings;
        ``measured``: (ms per image, peak bytes per image) of the architectures measured here."""
        rates, best, measured = rates or {}, best or {}, measured or {}
        table, heavy = [], []
        for r in rows:
            name = core_text(r.display_name) + ("  ◀" if r.arch == current else "")
            table.append([name, "×".join(map(str, r.input_shape)), _count(r.params), _count(r.flops),
                          f"{100 * r.fc_share:.0f} %",
                          f"{rates[r.arch]:,.0f}" if r.arch in rates else "—",
                          f"{100 * best[r.arch]:.1f} %" if r.arch in best else "—",
                          f"{measured[r.arch][0]:.3f}" if r.arch in measured else "—",
                          _bytes(measured[r.arch][1]) if r.arch in measured else "—"])
            heavy.append(r.fc_share >= 0.5)
        self.compare.set_rows(table, heavy)
        self.compare_title.setText(self.tr("The architectures on {dataset}, each at the input size it "
                                           "takes (◀: your settings; —: not measured or trained yet).")
                                   .format(dataset=dataset or self.tr("this dataset")))


def _same_network(a, b) -> bool:
    """Whether two summaries describe the same network on the same input (a measurement of one fits the other)."""
    return (a.arch, a.input_shape, [r.name for r in a.rows]) == (b.arch, b.input_shape, [r.name for r in b.rows])
