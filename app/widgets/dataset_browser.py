"""The Dataset tab: what the chosen dataset looks like, one row per class.

A header line (the dataset's name, its train/test sizes, the image size), then a scrollable grid: for each
class its name and counts, its mean training image and a few random training images. The numbers and
images come from :func:`core.insight.overview.dataset_overview`, computed off the GUI thread.

Integration::

    browser = DatasetBrowser()
    browser.install(session, host)        # adds the "Dataset" tab, connects nothing else
    # and whenever the dataset setting changes while it is the tab shown (the window wires this itself):
    browser.show_dataset(config.dataset, config.data_root)

Threads: :meth:`DatasetBrowser.show_dataset` hands the request to a loader thread of its own, the app's
one latest-only job thread (``app.runtime.jobs.BackgroundJobs``: a request made while one is loading
replaces the pending one). The thread imports ``core.insight.overview`` (and so torch) lazily, reads the
files, and hands the result to the GUI thread, which draws it unless the browser asked for another
dataset meanwhile. The thread never touches a widget and holds the browser only by a weak reference, so
a browser closed during a load is freed in the GUI thread as usual.
"""
from __future__ import annotations

import logging
import re
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPalette, QPixmap
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from convscope.core.data.datasets import DataError, get_info

from ..core_texts import core_text
from ..runtime.jobs import BackgroundJobs

if TYPE_CHECKING:
    from convscope.core.insight.overview import DatasetOverview

log = logging.getLogger("convscope.gui")

Loader = Callable[[str, Any, int], "DatasetOverview"]  # (name, root, per_class) -> overview


def _default_loader(name: str, root, per_class: int) -> DatasetOverview:
    from convscope.core.insight.overview import (
        dataset_overview,  # imports torch (core.data.loading): only ever in the loader thread
    )

    return dataset_overview(name, root, per_class=per_class)


# ------------------------------------------------------------------------------------------ images
def to_qimage(image: np.ndarray) -> QImage:
    """A uint8 (H, W) grey or (H, W, 3) RGB array as a QImage that owns a copy of its pixels."""
    image = np.ascontiguousarray(image, dtype=np.uint8)
    h, w = image.shape[:2]
    if image.ndim == 2:
        qimage = QImage(image.data, w, h, w, QImage.Format.Format_Grayscale8)
    else:
        qimage = QImage(image.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    return qimage.copy()  # detach from the numpy buffer


def to_pixmap(image: np.ndarray, scale: int) -> QPixmap:
    """Scaled by an integer factor with nearest-neighbour sampling: small images stay crisp."""
    pixmap = QPixmap.fromImage(to_qimage(image))
    return pixmap.scaled(pixmap.width() * scale, pixmap.height() * scale,
                         Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.FastTransformation)


def display_scale(side: int, target: int = 60) -> int:
    """The integer zoom that brings a ``side``-pixel image nearest to ``target`` pixels (at least 1)."""
    return max(1, round(target / max(1, side)))


def _image_label(pixmap: QPixmap, name: str, tooltip: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setPixmap(pixmap)
    label.setFixedSize(pixmap.size())
    label.setToolTip(tooltip)
    return label


# ------------------------------------------------------------------------------------------ thread
def _load_job(loader: Loader, name: str, root, per_class: int):
    """The job run in the loader thread: the overview, or the reason it cannot be read (logged unless a
    plain ``DataError``)."""

    def job(_cancel):
        try:
            return loader(name, root, per_class)
        except DataError:
            raise
        except Exception:
            log.exception("the overview of dataset %s failed", name)
            raise

    return job


def _deliver(browser_ref, request: int, overview, error) -> None:
    """GUI thread: hand a result to the browser, if it still exists."""
    browser = browser_ref()
    if browser is not None:
        browser._on_loaded(request, overview, error)


# ------------------------------------------------------------------------------------------ widget
class DatasetBrowser(QWidget):
    """Samples of every class of a dataset, their counts and mean images (the "Dataset" tab).

    ``loader(name, root, per_class)`` makes the :class:`~core.insight.overview.DatasetOverview` (default:
    :func:`core.insight.overview.dataset_overview`, which never downloads); tests pass a slower or failing one.
    """

    dataset_shown = Signal(str)  # the CLI name of the dataset now drawn
    dataset_failed = Signal(str, str)  # name, message

    def __init__(self, parent: QWidget | None = None, per_class: int = 8, loader: Loader | None = None):
        super().__init__(parent)
        self.setObjectName("datasetBrowser")
        self.per_class = per_class
        self.overview: DatasetOverview | None = None  # the one drawn now
        self._request = 0
        self._wanted: tuple[str, Any] | None = None  # (name, root) asked for last
        self._failed = False  # whether that one could not be shown
        self._status_text = ""
        self._load = loader or _default_loader
        self._jobs = BackgroundJobs("convscope-dataset-browser", log_failures=False)

        self.header = QLabel(self.tr("Choose a dataset in the settings to see its classes here."))
        self.header.setObjectName("datasetHeader")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.status = QLabel("")
        self.status.setObjectName("datasetStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.hide()

        self.grid_widget = QWidget()
        self.grid_widget.setObjectName("datasetGrid")
        self.grid = QGridLayout(self.grid_widget)
        self.grid.setContentsMargins(4, 4, 4, 4)
        self.grid.setHorizontalSpacing(4)
        self.grid.setVerticalSpacing(6)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("datasetScroll")
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.grid_widget)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.header)
        layout.addWidget(self.status)
        layout.addWidget(self.scroll, 1)

    # -- main window -------------------------------------------------------------------------------
    def install(self, session, host) -> None:
        """Add this browser as the "Dataset" tab (``host.add_tab(self, "Dataset")``).

        Connects nothing else: the window calls :meth:`show_dataset` when its dataset setting changes
        while this tab is shown (and when it is brought forward)."""
        host.add_tab(self, self.tr("Dataset"))

    # -- showing a dataset -------------------------------------------------------------------------
    def show_dataset(self, name: str, root=None) -> None:
        """Show dataset ``name`` (its files under ``root`` as for ``core.data.loading.load_split``), loaded in the
        background; "Loading…" meanwhile, the reason in words when it cannot be read. Asking again for
        the dataset shown or being loaded does nothing; asking again after a failure tries again."""
        if self._wanted == (name, root) and not self._failed:
            return
        self._wanted, self._failed = (name, root), False
        self._request += 1
        try:
            title = core_text(get_info(name).display_name)
        except DataError as exc:  # an unknown name: no need for a thread
            self._show_error(name, str(exc))
            return
        self._clear_grid()
        self.overview = None
        self.header.setText(f"<b>{_escape(title)}</b>")
        self._show_status(self.tr("Loading {name}…").format(name=title))
        ref, request = weakref.ref(self), self._request
        self._jobs.submit("overview", _load_job(self._load, name, root, self.per_class),
                          lambda overview, error: _deliver(ref, request, overview, error))

    def reload(self) -> None:
        """Read the dataset shown again (e.g. after its files were downloaded)."""
        if self._wanted is not None:
            name, root = self._wanted
            self._failed = True
            self.show_dataset(name, root)

    def is_loading(self) -> bool:
        return self._jobs.active()

    def current_dataset(self) -> str | None:
        """The CLI name of the dataset asked for last (drawn, loading or failed)."""
        return self._wanted[0] if self._wanted else None

    def status_text(self) -> str:
        """The "Loading…" or error line ("" when the grid is shown)."""
        return self._status_text if not self.status.isHidden() else ""

    def class_labels(self) -> list[QLabel]:
        """The class-name labels of the grid, one per row, in class order."""
        labels = [self.grid.itemAtPosition(r, 0) for r in range(1, self.grid.rowCount())]
        return [item.widget() for item in labels if item is not None and isinstance(item.widget(), QLabel)]

    @Slot(int, object, object)
    def _on_loaded(self, request: int, overview, error) -> None:
        if request != self._request:  # the user chose another dataset meanwhile
            return
        name = self._wanted[0] if self._wanted else ""
        if error is not None:
            message = str(error) if isinstance(error, DataError) else (
                self.tr("Could not read {name}: {error}").format(name=name, error=f"{type(error).__name__}: {error}"))
            self._show_error(name, message)
            return
        self.overview = overview
        self._draw(overview)
        self.status.hide()
        self.dataset_shown.emit(overview.name)

    def _show_error(self, name: str, message: str) -> None:
        self._clear_grid()
        self.overview, self._failed = None, True
        try:
            title = core_text(get_info(name).display_name)
        except DataError:
            title = name
        self.header.setText(f"<b>{_escape(title)}</b>")
        self._show_status(message)
        self.dataset_failed.emit(name, message)

    def _show_status(self, text: str) -> None:
        self._status_text = text
        self.status.setText(_unbroken_flags(text))
        self.status.show()

    # -- the grid ----------------------------------------------------------------------------------
    def _clear_grid(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()

    def _draw(self, ov: DatasetOverview) -> None:
        self._clear_grid()
        kind = "RGB" if ov.colour else self.tr("grey")
        self.header.setText(self.tr(
            "<b>{name}</b> &nbsp;·&nbsp; {n_train} training / {n_test} test images &nbsp;·&nbsp; {w}×{h} {kind} "
            "&nbsp;·&nbsp; {classes} classes").format(
            name=_escape(core_text(ov.display_name)), n_train=f"{ov.n_train:,}", n_test=f"{ov.n_test:,}",
            w=ov.width, h=ov.height, kind=kind, classes=ov.num_classes))
        scale = display_scale(max(ov.height, ov.width))
        for col, text in ((0, self.tr("class")), (1, self.tr("mean")),
                          (2, self.tr("{n} random training images").format(n=ov.per_class))):
            head = QLabel(text)
            head.setObjectName("datasetColumnHeader")
            _quieter(head)
            span = max(1, ov.per_class) if col == 2 else 1
            self.grid.addWidget(head, 0, col, 1, span, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom)
        means = np.clip(np.rint(ov.means * 255), 0, 255).astype(np.uint8)
        for k, cls in enumerate(ov.classes):
            cls = core_text(cls)
            row = k + 1
            n_train, n_test = int(ov.train_counts[k]), int(ov.test_counts[k])
            counts = self.tr("{n_train} train / {n_test} test").format(n_train=f"{n_train:,}", n_test=f"{n_test:,}")
            name = QLabel(f"<b>{_escape(cls)}</b><br>{counts}")
            name.setObjectName("classLabel")
            name.setTextFormat(Qt.TextFormat.RichText)
            name.setToolTip(f"{cls} · {counts}")
            name.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            self.grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            mean = _image_label(to_pixmap(means[k], scale), "meanImage",
                                self.tr("Mean of the {n} training images of {name}").format(n=f"{n_train:,}", name=cls))
            self.grid.addWidget(mean, row, 1)
            for j in range(int(ov.example_counts[k])):
                index = int(ov.example_indices[k, j])
                self.grid.addWidget(_image_label(to_pixmap(ov.examples[k, j], scale), "exampleImage",
                                                 self.tr("{name}: training image #{n}").format(
                                                     name=cls, n=f"{index:,}")), row, 2 + j)
        self.grid.setColumnMinimumWidth(0, 150)
        self.grid.setColumnMinimumWidth(1, scale * ov.width + 12)  # a gap between the mean and examples


def _quieter(label: QLabel) -> None:
    """Text halfway between the palette's text and background colours (readable in light and dark)."""
    palette = label.palette()
    text, back = palette.color(QPalette.ColorRole.WindowText), palette.color(QPalette.ColorRole.Window)
    palette.setColor(QPalette.ColorRole.WindowText, QColor((text.red() + back.red()) // 2,
                                                           (text.green() + back.green()) // 2,
                                                           (text.blue() + back.blue()) // 2))
    label.setPalette(palette)


def _unbroken_flags(text: str) -> str:
    """Command-line flags ("--data-root") never split at their hyphens by word wrapping: a word joiner
    (U+2060, invisible) after each of their hyphens (Qt's layout ignores <nobr> and white-space)."""
    return re.sub(r"(?<!\S)--[\w-]+", lambda m: m.group(0).replace("-", "-\u2060"), text)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
