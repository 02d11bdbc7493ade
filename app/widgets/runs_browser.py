"""The Runs tab: every run in the runs folder, one row each, and a plot comparing the ticked ones.

The table (``runsBrowser``, a ``QTableView`` over :class:`RunsModel`) lists the run folders of the runs
folder (:func:`app.settings.runs_root`), the window's runs and the command line's alike, read by the
torch-free :mod:`core.runs.listing`: the folder's name, architecture, dataset, epochs, best test accuracy,
parameters, date and status. Double-click (or Open) shows a run in every tab of the window; Rename and
Delete (after a confirmation) act on the selected row. Ticking the first column of several rows overlays
their curves in the comparison plot below; the plot keeps the curves it copied, so it stays when those
runs are opened, closed or even deleted, until they are unticked.

The runs folder is read in the background (its own :class:`app.runtime.jobs.BackgroundJobs`: a folder of
large or damaged runs never freezes the window), and only while the tab is shown: a refresh asked for
while it is hidden (a run finished, the folder changed) waits until it is shown again.

Integration: ``browser.install(session, host)`` adds the tab and opens runs with ``host.open_run``;
``session.run_folder_in_use()`` names the run folder being written (it is neither renamed nor deleted).
"""
from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QFileSystemWatcher,
    QModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from convscope.core.runs import listing as runs_mod

from ..opened_run import status_text

log = logging.getLogger("convscope.gui")

COLUMNS = (QT_TRANSLATE_NOOP("RunsBrowser", "Run"), QT_TRANSLATE_NOOP("RunsBrowser", "Architecture"),
           QT_TRANSLATE_NOOP("RunsBrowser", "Dataset"), QT_TRANSLATE_NOOP("RunsBrowser", "Epochs"),
           QT_TRANSLATE_NOOP("RunsBrowser", "Best test accuracy"), QT_TRANSLATE_NOOP("RunsBrowser", "Parameters"),
           QT_TRANSLATE_NOOP("RunsBrowser", "Date"), QT_TRANSLATE_NOOP("RunsBrowser", "Status"))
METRICS = (("test_acc", QT_TRANSLATE_NOOP("RunsBrowser", "test accuracy (%)"), 100.0),
           ("test_loss", QT_TRANSLATE_NOOP("RunsBrowser", "test loss"), 1.0),
           ("train_loss", QT_TRANSLATE_NOOP("RunsBrowser", "train loss"), 1.0),
           ("train_acc", QT_TRANSLATE_NOOP("RunsBrowser", "train accuracy (%)"), 100.0),
           ("lr", QT_TRANSLATE_NOOP("RunsBrowser", "learning rate"), 1.0))


COLOURS = ((31, 119, 180), (214, 39, 40), (44, 160, 44), (255, 127, 14), (148, 103, 189), (140, 86, 75),
           (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207))


def confirm_delete(parent, names: list[str]) -> bool:
    """Ask before deleting run folders (the tests replace this)."""
    listed = "\n".join(f"  {n}" for n in names[:10]) + ("\n  …" if len(names) > 10 else "")
    question = QCoreApplication.translate(
        "RunsBrowser", "Delete these run folders and everything in them?\n\n{listed}\n\nThis cannot be "
                       "undone.").format(listed=listed)
    answer = QMessageBox.question(parent, QCoreApplication.translate("RunsBrowser", "Delete runs"), question,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                  QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Yes


def ask_new_name(parent, old: str) -> str | None:
    """Ask for a run folder's new name (the tests replace this); None when cancelled."""
    text, ok = QInputDialog.getText(parent, QCoreApplication.translate("RunsBrowser", "Rename run"),
                                    QCoreApplication.translate("RunsBrowser", "New folder name:"), text=old)
    return text if ok else None


class RunsModel(QAbstractTableModel):
    """The rows of :func:`core.runs.listing.list_runs`; the first column is checkable (compare)."""

    ticks_changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[runs_mod.RunSummary] = []
        self.ticked: dict[Path, runs_mod.RunSummary] = {}  # kept for the plot, also once gone from disk

    def set_rows(self, rows: list[runs_mod.RunSummary]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def moved(self, old: Path, new: Path) -> None:
        """The row of folder ``old`` now names ``new`` (renamed; the next listing confirms it)."""
        for i, row in enumerate(self.rows):
            if row.path == old:
                self.rows[i] = dataclasses.replace(row, path=new, name=new.name)
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))

    def drop(self, path: Path) -> None:
        """Remove the row of folder ``path`` (deleted; the next listing confirms it)."""
        for i, row in enumerate(self.rows):
            if row.path == path:
                self.beginRemoveRows(QModelIndex(), i, i)
                del self.rows[i]
                self.endRemoveRows()
                return

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return QCoreApplication.translate("RunsBrowser", COLUMNS[section])
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole and section == 4:
            from .model_summary import best_test_tip

            return best_test_tip()  # "Best test accuracy": what it means, and why it flatters
        return None

    def flags(self, index):
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsUserCheckable if index.column() == 0 else base

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, col)
        if role == Qt.ItemDataRole.CheckStateRole and col == 0:
            return Qt.CheckState.Checked if row.path in self.ticked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.path}\n{row.problem}" if row.problem else str(row.path)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (3, 4, 5):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return str(row.path)
        return None

    @staticmethod
    def _text(row: runs_mod.RunSummary, col: int) -> str:
        if col == 0:
            return row.name
        if col == 1:
            return row.arch
        if col == 2:
            return row.dataset
        if col == 3:
            return row.epochs_text
        if col == 4:
            return "" if row.best_test_acc is None else f"{100 * row.best_test_acc:.2f} %"
        if col == 5:
            return "" if row.params is None else f"{row.params:,}"
        if col == 6:
            return row.date_text
        return status_text("damaged" if row.problem and row.status == "unknown" else row.status)

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):
        if role != Qt.ItemDataRole.CheckStateRole or index.column() != 0:
            return False
        row = self.rows[index.row()]
        if Qt.CheckState(value) == Qt.CheckState.Checked:
            self.ticked[row.path] = row
        else:
            self.ticked.pop(row.path, None)
        self.dataChanged.emit(index, index, [role])
        self.ticks_changed.emit()
        return True


class RunsBrowser(QWidget):
    """The Runs tab (see the module docstring)."""

    open_requested = Signal(str)  # a run folder to show in every tab
    renamed = Signal(str, str)  # old and new path of a run folder
    listed = Signal()  # the table shows a new reading of the runs folder

    def __init__(self, root=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("runsTab")
        self._root = root
        self._jobs = None  # the BackgroundJobs that read the runs folder, made on the first refresh
        self._stale = True  # a refresh waits for the tab to be shown
        self.in_use = lambda: None  # the run folder being written (never renamed or deleted), or None
        self.model = RunsModel(self)
        self.model.ticks_changed.connect(self.update_comparison)
        self.view = QTableView()
        self.view.setObjectName("runsBrowser")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.setAlternatingRowColors(True)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.view.doubleClicked.connect(lambda index: self.open_row(index.row()))
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())

        self.where = QLabel("")
        self.where.setObjectName("runsFolderLabel")
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = QLabel("")
        self.message.setObjectName("runsMessage")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        self.open_button = self._button(self.tr("Open"), "runsOpenButton",
                                        self.tr("Show the selected run in every tab"),
                                        lambda: self.open_row(self.selected_row()))
        self.rename_button = self._button(self.tr("Rename…"), "runsRenameButton",
                                          self.tr("Rename the selected run's folder"), self.rename_selected)
        self.delete_button = self._button(self.tr("Delete…"), "runsDeleteButton",
                                          self.tr("Delete the selected run's folder (asks first)"),
                                          self.delete_selected)
        self.refresh_button = self._button(self.tr("Refresh"), "runsRefreshButton",
                                           self.tr("Read the runs folder again"), self.refresh)
        for b in (self.open_button, self.rename_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)

        self.metric_combo = QComboBox()
        self.metric_combo.setObjectName("compareMetricCombo")
        for key, label, _ in METRICS:
            self.metric_combo.addItem(QCoreApplication.translate("RunsBrowser", label), key)
        self.metric_combo.currentIndexChanged.connect(self.update_comparison)
        self.compare_plot = pg.PlotWidget(background="w")
        self.compare_plot.setObjectName("comparePlot")
        self.compare_plot.setMinimumHeight(180)
        item = self.compare_plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setLabel("bottom", self.tr("epoch"))
        self.legend = item.addLegend(offset=(-10, 10), brush=pg.mkBrush(255, 255, 255, 210), labelTextColor="#222")
        self.compare_hint = QLabel(self.tr("Tick runs in the first column to compare their curves here."))
        self.compare_hint.setObjectName("compareHint")
        compare = QWidget()
        clay = QVBoxLayout(compare)
        clay.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Compare:")))
        top.addWidget(self.metric_combo)
        top.addWidget(self.compare_hint, 1)
        clay.addLayout(top)
        clay.addWidget(self.compare_plot, 1)

        table = QWidget()
        tlay = QVBoxLayout(table)
        tlay.setContentsMargins(0, 0, 0, 0)
        tlay.addWidget(self.where)
        tlay.addWidget(self.view, 1)
        tlay.addLayout(buttons)
        tlay.addWidget(self.message)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(table)
        split.addWidget(compare)
        split.setChildrenCollapsible(False)
        split.setSizes([300, 240])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(split)
        # Keys on the table: Enter opens, F2 renames, Delete deletes (after asking).
        for key, slot in ((Qt.Key.Key_Return, lambda: self.open_row(self.selected_row())),
                          (Qt.Key.Key_Enter, lambda: self.open_row(self.selected_row())),
                          (Qt.Key.Key_F2, self.rename_selected),
                          (QKeySequence.StandardKey.Delete, self.delete_selected)):
            action = QAction(self.view)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(slot)
            self.view.addAction(action)
        # A run the command line starts or ends while the tab is shown appears without Refresh.
        self.watcher = QFileSystemWatcher(self)
        self._changed = QTimer(self)
        self._changed.setSingleShot(True)
        self._changed.setInterval(300)
        self._changed.timeout.connect(self.refresh)
        self.watcher.directoryChanged.connect(lambda _path: self._changed.start())
        self._update_buttons()
        self.update_comparison()

    def _button(self, text, name, tip, slot) -> QPushButton:
        b = QPushButton(text)
        b.setObjectName(name)
        b.setToolTip(tip)
        b.clicked.connect(slot)
        return b

    def install(self, session, host) -> None:
        """Add the "Runs" tab; open runs with ``host.open_run`` and refresh after a run."""
        host.add_tab(self, self.tr("Runs"))
        self.open_requested.connect(lambda path: host.open_run(path) and host.show_view("lossPlot"))  # its curves
        session.run_finished.connect(lambda _r: self.refresh())
        self.in_use = session.run_folder_in_use
        self.renamed.connect(session.rename_run)

    # -- the table ---------------------------------------------------------------------------------
    def root(self) -> Path:
        if self._root is not None:
            return Path(self._root)
        from ..settings import runs_root

        return runs_root()

    def refresh(self) -> None:
        """Read the runs folder again in the background while the tab is shown, else once it is shown
        (ticks and the selection are kept by folder); :attr:`listed` when the table shows it."""
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        if self._jobs is None:
            from ..runtime.jobs import BackgroundJobs

            jobs = self._jobs = BackgroundJobs()
            self.destroyed.connect(lambda *_: jobs.close())
        root = self.root()
        self._jobs.submit("runs-listing", lambda _cancel: _read_folder(root),
                          lambda result, error: self._show_listing(root, result, error))

    def _show_listing(self, root: Path, result, error) -> None:
        rows, wanted, problem = result if error is None else ([], set(), str(error))
        selected = self.selected_path()
        self.model.set_rows(rows)
        if problem:
            self._say(problem)
        watched = set(self.watcher.directories())
        if watched - wanted:
            self.watcher.removePaths(sorted(watched - wanted))
        if wanted - watched:
            self.watcher.addPaths(sorted(wanted - watched))
        self.where.setText(self.tr("Runs folder: {root}").format(root=root) + ("" if rows else self.tr(
            " — no runs yet: press Train, or 'python main.py train --out' a folder here.")))
        if selected is not None:
            for i, row in enumerate(rows):
                if row.path == selected:
                    self.view.selectRow(i)
        self._update_buttons()
        self.listed.emit()

    def showEvent(self, event):
        super().showEvent(event)
        self.refresh()

    def selected_row(self) -> int:
        rows = self.view.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def selected_path(self) -> Path | None:
        i = self.selected_row()
        return self.model.rows[i].path if 0 <= i < len(self.model.rows) else None

    def _update_buttons(self) -> None:
        has = self.selected_row() >= 0
        for b in (self.open_button, self.rename_button, self.delete_button):
            b.setEnabled(has)

    def _say(self, text: str) -> None:
        self.message.setText(text)

    def open_row(self, i: int) -> None:
        if 0 <= i < len(self.model.rows):
            self.open_requested.emit(str(self.model.rows[i].path))

    def _busy(self, path: Path) -> bool:
        in_use = self.in_use()
        if in_use and Path(in_use).resolve() == path.resolve():
            self._say(self.tr("{name} is being written by the run in training: stop it first.").format(
                name=path.name))
            return True
        return False

    def rename_selected(self) -> bool:
        path = self.selected_path()
        if path is None or self._busy(path):
            return False
        name = ask_new_name(self, path.name)
        if name is None:
            return False
        try:
            new = runs_mod.rename_run(path, name)
        except runs_mod.RunsError as exc:
            self._say(str(exc))
            return False
        if path in self.model.ticked:
            self.model.ticked[new] = self.model.ticked.pop(path)
        self.model.moved(path, new)
        self.refresh()
        self._say(self.tr("Renamed {old} to {new}.").format(old=path.name, new=new.name))
        self.renamed.emit(str(path), str(new))
        return True

    def delete_selected(self) -> bool:
        path = self.selected_path()
        if path is None or self._busy(path) or not confirm_delete(self, [path.name]):
            return False
        try:
            runs_mod.delete_run(path, root=self.root())
        except runs_mod.RunsError as exc:
            self._say(str(exc))
            return False
        self.model.drop(path)
        self.refresh()
        self._say(self.tr("Deleted {name}.").format(name=path.name))
        return True

    # -- the comparison ----------------------------------------------------------------------------
    def update_comparison(self) -> None:
        """Overlay the chosen metric of every ticked run (from the records copied when it was ticked)."""
        item = self.compare_plot.getPlotItem()
        item.clear()
        self.legend.clear()
        key = self.metric_combo.currentData()
        label, scale = next((lab, s) for k, lab, s in METRICS if k == key)
        item.setLabel("left", QCoreApplication.translate("RunsBrowser", label))
        # Accuracy rises and losses fall: the legend goes in the corner the curves leave free.
        corner = (1, 1) if key.endswith("acc") else (1, 0)
        self.legend.anchor(itemPos=corner, parentPos=corner, offset=(-10, -10 if corner[1] else 10))
        self.compare_curves = {}
        for n, (_, row) in enumerate(sorted(self.model.ticked.items(), key=lambda kv: kv[0].name)):
            xs, ys = runs_mod.curve(row.metrics, key)
            colour = COLOURS[n % len(COLOURS)]
            curve = item.plot(xs, [y * scale for y in ys], pen=pg.mkPen(colour, width=2), symbol="o",
                              symbolSize=6, symbolBrush=colour, symbolPen="w", name=row.name)
            self.compare_curves[row.name] = curve
        ticked = len(self.model.ticked)
        self.compare_hint.setText(
            self.tr("Tick runs in the first column to compare their curves here.") if not ticked
            else self.tr("1 run compared; untick to remove.") if ticked == 1
            else self.tr("{n} runs compared; untick to remove.").format(n=ticked))


def _read_folder(root: Path) -> tuple[list[runs_mod.RunSummary], set[str], str]:
    """The rows of the runs folder ``root``, the folders to watch (it and every folder in it: one becomes
    a run once its config is written) and what went wrong ("" when nothing). Runs in a job thread."""
    try:
        rows = runs_mod.list_runs(root)
        wanted = {str(root)} | {str(p) for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")} \
            if root.is_dir() else set()
    except (runs_mod.RunsError, OSError) as exc:
        return [], set(), str(exc)
    return rows, wanted, ""
