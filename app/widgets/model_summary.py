"""The Model tab: where the network's parameters and computation go, and how the architectures compare.

Top: one row per layer of the network the settings describe (or of the opened run) — name, type, output
shape, parameters, FLOPs, and each one's share — with the totals. Bottom: the architectures side by side
on the same input (parameters, FLOPs, the share held by fully connected layers, measured images/s and the
best test accuracy of past runs where known). The figures come from ``core.insight.summary`` (plain data).
"""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHeaderView, QLabel, QSplitter, QTableView, QVBoxLayout, QWidget

from ..core_texts import core_text

HEAVY = QColor("#fde2c8")  # a row holding a large share of the parameters


def _count(n: float) -> str:
    if n >= 1e9:
        return f"{n / 1e9:.2f} G"
    if n >= 1e6:
        return f"{n / 1e6:.2f} M"
    if n >= 1e3:
        return f"{n / 1e3:.1f} k"
    return f"{int(n)}"


class _Table(QAbstractTableModel):
    """Rows of display strings with numeric sort keys, and an optional highlight per row."""

    def __init__(self, headers: list[str], parent: QObject | None = None):
        super().__init__(parent)
        self.headers = headers
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
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the names take the spare width
    return view


class ModelSummaryView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("modelSummaryView")
        self.summary = None
        self.title = QLabel(self.tr("The network's layers appear here once ConvScope has loaded."))
        self.title.setObjectName("modelSummaryTitle")
        self.title.setWordWrap(True)
        self.layers = _Table([self.tr("layer"), self.tr("type"), self.tr("output"), self.tr("parameters"),
                              self.tr("share"), self.tr("FLOPs"), self.tr("share")], self)
        self.layer_view = _view(self.layers, "modelSummary")
        self.compare_title = QLabel(self.tr("The architectures on the same input"))
        self.compare_title.setObjectName("archCompareTitle")
        self.compare_title.setWordWrap(True)
        self.compare = _Table([self.tr("architecture"), self.tr("input"), self.tr("parameters"), self.tr("FLOPs"),
                               self.tr("in fully connected layers"), self.tr("images/s"),
                               self.tr("best test accuracy")], self)
        self.compare_view = _view(self.compare, "archCompare")
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
        """Show ``summary`` (``core.insight.summary.ModelSummary``) of ``what`` (e.g. "the settings' network")."""
        self.summary = summary
        p_total, f_total = max(summary.total_params, 1), max(summary.total_flops, 1)
        rows, heavy, tips = [], [], []
        for r in summary.rows:
            rows.append([r.name, r.kind, "×".join(map(str, r.output_shape)), f"{r.params:,}",
                         f"{100 * r.params / p_total:.1f} %", _count(r.flops), f"{100 * r.flops / f_total:.1f} %"])
            heavy.append(r.params / p_total >= 0.2)
            tips.append(self.tr("{kind}: {params} parameters, {flops} FLOPs for one image "
                                "(a multiply-add counts 2)").format(kind=r.kind, params=f"{r.params:,}",
                                                                    flops=f"{r.flops:,}"))
        rows.append([self.tr("total"), "", "×".join(map(str, summary.input_shape)) + " " + self.tr("in"),
                     f"{summary.total_params:,}", "100 %", _count(summary.total_flops), "100 %"])
        heavy.append(False)
        tips.append("")
        self.layers.set_rows(rows, heavy, tips)
        self.title.setText(self.tr("{name}{what}: {params} parameters, {flops} FLOPs per image of "
                                   "{shape}. Orange: a layer with a fifth of the parameters or more.")
                           .format(name=core_text(summary.display_name), what=f" ({what})" if what else "",
                                   params=f"{summary.total_params:,}", flops=_count(summary.total_flops),
                                   shape="×".join(map(str, summary.input_shape))))

    def set_comparison(self, rows, rates: dict[str, float] | None = None,
                       best: dict[str, float] | None = None, current: str = "", dataset: str = "") -> None:
        """``rows``: ``core.insight.summary.ArchRow`` per architecture; ``rates``/``best``: images/s and best test
        accuracy (0–1) by architecture, where known; ``current``: the architecture of the settings."""
        rates, best = rates or {}, best or {}
        table, heavy = [], []
        for r in rows:
            name = core_text(r.display_name) + ("  ◀" if r.arch == current else "")
            table.append([name, "×".join(map(str, r.input_shape)), _count(r.params), _count(r.flops),
                          f"{100 * r.fc_share:.0f} %",
                          f"{rates[r.arch]:,.0f}" if r.arch in rates else "—",
                          f"{100 * best[r.arch]:.1f} %" if r.arch in best else "—"])
            heavy.append(r.fc_share >= 0.5)
        self.compare.set_rows(table, heavy)
        self.compare_title.setText(self.tr("The architectures on {dataset}, each at the input size it "
                                           "takes (◀: your settings; —: not measured or trained yet).")
                                   .format(dataset=dataset or self.tr("this dataset")))
