"""The Evaluation tab: which classes the network confuses, and on which test images.

Before the first evaluation a sentence says what will appear (no empty axes). Then a confusion matrix
(counts; rows = true class, columns = predicted) with the accuracy of each class beside its row, and —
for the cell clicked — the test images of that (true, predicted) pair, most confident first, each with
its top-3. Clicking an image makes it the probe image of the inside views (``image_chosen``).

The figures come from ``core.insight.analysis.Analysis`` (numpy only); the window computes one in the background
for the network on show (the run just trained, or an opened run) when Evaluate is clicked.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .activations._common import TRUE_COLOUR, set_image, static_plot

ICON = 64  # px of a cell image
MAX_CELL_IMAGES = 200  # a cell of a weak network can hold thousands: the most confident ones


def _qimage(chw: np.ndarray) -> QImage:
    """(C, H, W) uint8 → a QImage that owns its pixels."""
    img = np.ascontiguousarray(chw[0] if chw.shape[0] == 1 else np.moveaxis(chw[:3], 0, -1))
    h, w = img.shape[:2]
    if img.ndim == 2:
        return QImage(img.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    return QImage(img.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class _MatrixImage(pg.ImageItem):
    """The matrix as an image whose clicks say which cell (a signal: the item holds no reference to the
    view, so no cycle of Qt objects is left for the garbage collector to take apart)."""

    cell_clicked = Signal(int, int)  # row (true class), column (predicted class)

    def __init__(self):
        super().__init__(axisOrder="row-major")

    def mouseClickEvent(self, ev):
        if ev.button() != Qt.MouseButton.LeftButton or self.image is None:
            return
        pos = ev.pos()
        row, col = int(pos.y()), int(pos.x())
        if 0 <= row < self.image.shape[0] and 0 <= col < self.image.shape[1]:
            ev.accept()
            self.cell_clicked.emit(row, col)


class ConfusionView(QWidget):
    evaluate_requested = Signal()
    cell_selected = Signal(int, int)  # true class, predicted class
    image_chosen = Signal(object, int, str)  # (C, H, W) uint8 image, its true label, where it comes from

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("confusionView")
        self.analysis = None
        self.cell: tuple[int, int] | None = None
        self._cell_indices = np.zeros(0, dtype=np.int64)

        self.status = QLabel(self.tr("Train a network or open a run, then click Evaluate: every test image "
                                     "goes through the network once."))
        self.status.setObjectName("evaluationStatus")
        self.status.setWordWrap(True)
        self.evaluate_button = QPushButton(self.tr("Evaluate on the test set"))
        self.evaluate_button.setObjectName("evaluateButton")
        self.evaluate_button.setEnabled(False)
        self.evaluate_button.clicked.connect(self.evaluate_requested)
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.evaluate_button)

        self.matrix_plot = static_plot("confusionMatrix", invert_y=True)
        self.matrix_plot.setAspectLocked(True)
        self.matrix_plot.setLabel("left", self.tr("true class"))
        self.matrix_plot.setLabel("bottom", self.tr("predicted class"))
        self.matrix_item = _MatrixImage()
        self.matrix_item.cell_clicked.connect(self.select_cell)
        self.matrix_item.setColorMap(pg.colormap.get("viridis"))
        self.matrix_plot.addItem(self.matrix_item)
        self.highlight = pg.QtWidgets.QGraphicsRectItem(0, 0, 1, 1)
        self.highlight.setPen(pg.mkPen("#d62728", width=3, cosmetic=True))
        self.highlight.setVisible(False)
        self.matrix_plot.addItem(self.highlight)
        self._texts: list[pg.TextItem] = []

        # The accuracy of each class beside the matrix, row for row (its rows are the matrix's: one label each,
        # on the matrix's axis, never squeezed under it).
        self.class_plot = static_plot("perClassAccuracy", invert_y=True)
        self.class_plot.setLabel("bottom", self.tr("accuracy of the class (%)"))
        self.class_plot.setXRange(0, 100, padding=0.02)
        self.class_plot.getAxis("left").setStyle(showValues=False)
        self.class_plot.getAxis("left").setWidth(4)
        self.class_plot.setYLink(self.matrix_plot)
        self.class_plot.setMaximumWidth(190)
        self.bars = pg.BarGraphItem(x0=[], y=[], height=0.7, width=[], brush=TRUE_COLOUR)
        self.class_plot.addItem(self.bars)
        self.placeholder = QLabel(self.tr("The confusion matrix appears here once the network is evaluated: how "
                                          "often each class (a row) was read as each class (a column)."))
        self.placeholder.setObjectName("evaluationPlaceholder")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet("color: #666; padding: 24px;")

        self.cell_title = QLabel(self.tr("Click a cell of the matrix to see its images."))
        self.cell_title.setObjectName("cellTitle")
        self.cell_title.setWordWrap(True)
        self.cell_images = QListWidget()
        self.cell_images.setObjectName("cellImages")
        self.cell_images.setViewMode(QListWidget.ViewMode.IconMode)
        self.cell_images.setIconSize(QSize(ICON, ICON))
        self.cell_images.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.cell_images.setMovement(QListWidget.Movement.Static)
        self.cell_images.setSpacing(4)
        self.cell_images.setWordWrap(True)
        self.cell_images.setGridSize(QSize(ICON + 48, ICON + 56))
        self.cell_images.itemClicked.connect(self._item_clicked)

        cell_box = QWidget()
        cell_layout = QVBoxLayout(cell_box)
        cell_layout.setContentsMargins(0, 0, 0, 0)
        cell_layout.addWidget(self.cell_title)
        cell_layout.addWidget(self.cell_images, 1)
        plots = QWidget()
        row = QHBoxLayout(plots)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.matrix_plot, 4)
        row.addWidget(self.class_plot, 1)
        self.plots = QStackedWidget()  # the placeholder until there is a matrix to show, then the plots
        self.plots.addWidget(self.placeholder)
        self.plots.addWidget(plots)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.plots)
        split.addWidget(cell_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([600, 400])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)

    # ------------------------------------------------------------------------------- state
    def set_available(self, available: bool, what: str = "") -> None:
        """Whether there is a network to evaluate (``what`` names it: "the run just trained", a folder)."""
        self.evaluate_button.setEnabled(available)
        if available and self.analysis is None:
            self.status.setText(self.tr("Evaluate {what}: every test image goes through the network once.")
                                .format(what=what or self.tr("the network")))

    def busy(self) -> None:
        self.evaluate_button.setEnabled(False)
        self.status.setText(self.tr("Evaluating on the test set…"))

    def failed(self, message: str) -> None:
        self.evaluate_button.setEnabled(True)
        self.status.setText(self.tr("Could not evaluate: {message}").format(message=message))

    def clear(self) -> None:
        """Another network is on show: the old matrix no longer describes it."""
        self.analysis, self.cell = None, None
        self.matrix_item.clear()
        self.highlight.setVisible(False)
        for text in self._texts:
            self.matrix_plot.removeItem(text)
        self._texts = []
        self.bars.setOpts(x0=[], y=[], width=[])
        self.plots.setCurrentWidget(self.placeholder)  # no empty axes with nonsense ranges
        self.cell_images.clear()
        self.cell_title.setText(self.tr("Click a cell of the matrix to see its images."))
        self.status.setText(self.tr("Train a network or open a run, then click Evaluate: every test image "
                                    "goes through the network once."))

    def set_analysis(self, analysis, what: str = "") -> None:
        """Show ``analysis`` (``core.insight.analysis.Analysis``) of ``what``."""
        self.clear()
        self.analysis = analysis
        self.evaluate_button.setEnabled(True)
        m = analysis.matrix
        n = len(analysis.classes)
        # Colour by the share of the true class's images, so a rare class's mistakes show too.
        rows = np.maximum(m.sum(1, keepdims=True), 1)
        set_image(self.matrix_item, (m / rows).astype(np.float32), (0.0, 1.0))
        self.matrix_item.setRect(0, 0, n, n)
        self.plots.setCurrentIndex(1)
        # Rows by name and number; columns by number (names side by side would overlap).
        ticks = [[(i + 0.5, self.row_label(i, c)) for i, c in enumerate(analysis.classes)]]
        self.matrix_plot.getAxis("left").setTicks(ticks)
        self.matrix_plot.getAxis("bottom").setTicks([[(i + 0.5, str(i)) for i in range(n)]])
        if n <= 12:
            for t in range(n):
                for p in range(n):
                    share = m[t, p] / rows[t, 0]
                    text = pg.TextItem(str(int(m[t, p])), color="w" if share < 0.6 else "k", anchor=(0.5, 0.5))
                    text.setPos(p + 0.5, t + 0.5)
                    self.matrix_plot.addItem(text)
                    self._texts.append(text)
        acc = np.nan_to_num(analysis.per_class_accuracy * 100)
        self.bars.setOpts(x0=np.zeros(n), y=np.arange(n) + 0.5, width=acc, height=0.7)
        self.matrix_plot.setYRange(0, n, padding=0.02)
        self.status.setText(self.tr("{what}: test accuracy {acc:.1f} % on {n} images. Rows: the true class; "
                                    "columns: what the network said. Off the diagonal: its mistakes.")
                            .format(what=what or self.tr("The network"), acc=100 * analysis.accuracy,
                                    n=f"{len(analysis.true):,}"))
        off = m - np.diag(np.diag(m))
        if off.any():  # start on the most frequent confusion: that is what a student asks about
            t, p = np.unravel_index(int(np.argmax(off)), off.shape)
            self.select_cell(int(t), int(p))

    @classmethod
    def row_label(cls, index: int, name: str) -> str:
        """A row's label: the class's name and its column number ("T-shirt/top 0"), or the name alone when it
        is the number ("3", not "3 3")."""
        return name if name == str(index) else f"{cls._short(name)} {index}"

    @staticmethod
    def _short(name: str) -> str:
        return name if len(name) <= 10 else name[:9] + "…"

    # ------------------------------------------------------------------------------- a cell
    @Slot(int, int)
    def select_cell(self, true: int, predicted: int) -> None:
        a = self.analysis
        if a is None:
            return
        self.cell = (true, predicted)
        self.highlight.setRect(predicted, true, 1, 1)
        self.highlight.setVisible(True)
        idx = a.cell(true, predicted)
        self._cell_indices = idx[:MAX_CELL_IMAGES]
        classes = a.classes
        if true == predicted:
            title = self.tr("{n} test images of {cls} read right, the most confident first.")
        else:
            title = self.tr("{n} test images of {cls} read as {pred}, the most confident first.")
        title = title.format(n=f"{len(idx):,}", cls=classes[true], pred=classes[predicted])
        if len(idx) > MAX_CELL_IMAGES:
            title += " " + self.tr("(the first {k} shown)").format(k=MAX_CELL_IMAGES)
        self.cell_title.setText(title + " " + self.tr("Click one to look inside the network with it."))
        self.cell_images.clear()
        if not getattr(a, "images_kept", True):  # an epoch's recorded counts (the timeline): no images
            self._cell_indices = np.zeros(0, dtype=np.int64)
            self.cell_title.setText(self.tr("{n} test images of {cls} read as {pred}. A recorded epoch keeps only "
                                            "its counts: press Live, then Evaluate, to see the images.").format(
                n=f"{len(idx):,}", cls=classes[true], pred=classes[predicted]))
            self.cell_selected.emit(true, predicted)
            return
        images = a.split.images
        for i in self._cell_indices:
            tops = "\n".join(f"{100 * p:.0f}% {self._short(classes[c])}" for c, p in zip(a.top[i], a.top_p[i]))
            item = QListWidgetItem(QIcon(QPixmap.fromImage(_qimage(images[i])).scaled(
                ICON, ICON, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation)), tops)
            item.setData(Qt.ItemDataRole.UserRole, int(i))
            item.setToolTip(self.tr("test image #{i}: {tops}").format(i=int(i), tops=tops.replace("\n", ", ")))
            self.cell_images.addItem(item)
        self.cell_selected.emit(true, predicted)

    def cell_image_indices(self) -> list[int]:
        """The split indices of the images shown for the selected cell, in their order."""
        return [int(i) for i in self._cell_indices]

    @Slot(QListWidgetItem)
    def _item_clicked(self, item: QListWidgetItem) -> None:
        a = self.analysis
        if a is None:
            return
        i = int(item.data(Qt.ItemDataRole.UserRole))
        self.image_chosen.emit(a.split.images[i], int(a.true[i]), self.tr("test image #{i}").format(i=i))
