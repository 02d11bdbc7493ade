"""The Examples tab: which images the network learns, when, and which it forgets.

Galleries of the training images never learned, most forgotten and learned last, and of the test images
that flip between right and wrong; each image shows its label and, under it, its history (a cell per
epoch: green right, red wrong, grey not seen). One click makes it the probe image of the inside views and
the Draw tab's image (with its Grad-CAM). Beside them: how many images were first learned at each epoch,
and per class the share forgotten at least once.

The figures come from the run's per-example record (``core.insight.examples``): a training run hands it
over with each epoch's end (``EpochEnd.examples``), an opened run's is read from its ``examples.bin`` in
the background. :class:`ExampleGallery` is also the Race tab's "right by one, never by the other" strip.
"""
from __future__ import annotations

import logging

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QObject, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFontMetrics, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from convscope.core.insight.examples import RIGHT, TEST, TRAIN, WRONG, dynamics

from .activations._common import static_plot

log = logging.getLogger("convscope.gui")

GALLERY_SIZE = 24  # images per gallery
THUMB = 64  # pixels a side
STRIP_H = 8
CELL_COLOURS = {RIGHT: QColor(46, 158, 69), WRONG: QColor(214, 48, 38)}
UNSEEN_COLOUR = QColor(205, 205, 205)
GALLERIES = ("never", "forgotten", "late", "flips")


def _qimage(chw: np.ndarray) -> QImage:
    img = np.ascontiguousarray(chw[0] if chw.shape[0] == 1 else np.transpose(chw[:3], (1, 2, 0)))
    h, w = img.shape[:2]
    if img.ndim == 2:
        return QImage(img.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    return QImage(img.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


CAPTION_LINES = 2
TILE_W = THUMB + 28  # room for a caption wider than the image


def thumbnail(image: np.ndarray | None, history: np.ndarray, caption: str = "", font=None) -> QPixmap:
    """The image (uint8 C, H, W; None: a grey square) scaled to THUMB, its history as cells under it, and
    under them the caption's lines (drawn here: a list view elides a second line in some fonts)."""
    lines = caption.split("\n")[:CAPTION_LINES] if caption else []
    metrics = QFontMetrics(font) if font is not None else None
    line_h = metrics.height() + 2 if metrics is not None else 14
    pix = QPixmap(TILE_W, THUMB + STRIP_H + 4 + line_h * CAPTION_LINES)
    pix.fill(QColor(255, 255, 255))
    painter = QPainter(pix)
    try:
        left = (TILE_W - THUMB) // 2
        if image is not None:
            painter.drawImage(left, 0, _qimage(image).scaled(THUMB, THUMB, Qt.AspectRatioMode.IgnoreAspectRatio,
                                                             Qt.TransformationMode.FastTransformation))
        else:
            painter.fillRect(left, 0, THUMB, THUMB, QColor(235, 235, 235))
        n = max(1, len(history))
        for e, v in enumerate(history):
            x0, x1 = round(e * THUMB / n), round((e + 1) * THUMB / n)
            painter.fillRect(left + x0, THUMB + 2, max(1, x1 - x0 - (1 if n < 40 else 0)), STRIP_H,
                             CELL_COLOURS.get(int(v), UNSEEN_COLOUR))
        if font is not None:
            painter.setFont(font)
        painter.setPen(QColor(20, 20, 20))
        for k, line in enumerate(lines):
            text = metrics.elidedText(line, Qt.TextElideMode.ElideRight, TILE_W) if metrics is not None else line
            painter.drawText(0, THUMB + STRIP_H + 4 + k * line_h, TILE_W, line_h, Qt.AlignmentFlag.AlignHCenter, text)
    finally:
        painter.end()
    return pix


class ExampleGallery(QListWidget):
    """Thumbnails with their label and history; a click emits ``image_chosen(image, label, source)``. Each
    item's caption (``captions()``) is drawn into its icon."""

    image_chosen = Signal(object, int, str)  # (C, H, W) uint8, its true label, where it comes from

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(name)
        self.setViewMode(QListView.ViewMode.IconMode)
        height = THUMB + STRIP_H + 4 + (self.fontMetrics().height() + 2) * CAPTION_LINES
        self.setIconSize(QSize(TILE_W, height))
        self.setGridSize(QSize(TILE_W + 8, height + 8))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.items: list[tuple] = []  # (image or None, label, source, caption) per item
        self.itemClicked.connect(self._clicked)

    def set_examples(self, entries: list[tuple]) -> None:
        """``entries``: (image or None, label, caption (lines), history, tooltip, source) per example."""
        self.clear()
        self.items = []
        for image, label, caption, history, tip, source in entries:
            item = QListWidgetItem(QIcon(thumbnail(image, history, caption, self.font())), "")
            item.setToolTip(tip)
            self.addItem(item)
            self.items.append((image, int(label), source, caption))

    def captions(self) -> list[str]:
        return [entry[3] for entry in self.items]

    def _clicked(self, item: QListWidgetItem) -> None:
        image, label, source, _caption = self.items[self.row(item)]
        if image is not None:
            self.image_chosen.emit(image, label, source)


class ExamplesView(QWidget):
    """The tab (object name ``examplesView``); :meth:`set_record` shows a record."""

    image_chosen = Signal(object, int, str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("examplesView")
        self.status = QLabel(self.tr("Train a run, or open a saved one: which images the network learns, when, "
                                     "and which it forgets appears here after each epoch."))
        self.status.setObjectName("examplesStatus")
        self.status.setWordWrap(True)
        self.galleries = {key: ExampleGallery(f"examplesGallery_{key}") for key in GALLERIES}
        self.pages = QTabWidget()
        self.pages.setObjectName("examplesGalleries")
        titles = {"never": self.tr("Never learned"), "forgotten": self.tr("Most forgotten"),
                  "late": self.tr("Learned last"), "flips": self.tr("Test images that flip")}
        for key, gallery in self.galleries.items():
            self.pages.addTab(gallery, titles[key])
            gallery.image_chosen.connect(self.image_chosen)
        self.first_plot = static_plot("examplesFirstLearned")
        self.first_plot.setTitle(self.tr("Training images first learned at epoch k"), size="9pt")
        self.first_plot.setLabel("bottom", self.tr("epoch"))
        self.first_plot.setLabel("left", self.tr("images"))
        self.class_plot = static_plot("examplesForgottenByClass")
        self.class_plot.setTitle(self.tr("Share of each class forgotten at least once"), size="9pt")
        self.class_plot.setLabel("left", self.tr("forgotten (%)"))
        self.first_bars: pg.BarGraphItem | None = None
        self.class_bars: pg.BarGraphItem | None = None
        self.first_counts = np.zeros(0, dtype=np.int64)
        self.class_shares = np.zeros(0)
        plots = QSplitter(Qt.Orientation.Vertical)
        plots.addWidget(self.first_plot)
        plots.addWidget(self.class_plot)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(self.pages)
        body.addWidget(plots)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 2)
        body.setSizes([600, 400])
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(body, 1)

    def clear(self, text: str = "") -> None:
        for gallery in self.galleries.values():
            gallery.set_examples([])
        self._bars(np.zeros(0, dtype=np.int64), np.zeros(0), [])
        if text:
            self.status.setText(text)

    def set_record(self, record, images, class_names, what: str = "") -> None:
        """Show ``record`` (``core.insight.examples.ExampleRecord``); ``images(split, indices)`` gives the
        uint8 images of those examples (or None when they cannot be shown); ``class_names`` by label."""
        train, test = dynamics(record, TRAIN), dynamics(record, TEST)
        s = train.summary()
        n = record.n_train
        self.status.setText(self.tr(
            "{what}{epochs} epoch(s), {n} training images: never learned {never}, forgotten at least once {once}, "
            "learned and never forgotten {kept}. Click an image to look inside the network with it.").format(
            what=self.tr("{what}: ").format(what=what) if what else "", epochs=record.epochs, n=f"{n:,}",
            never=f"{s['never_learned']:,}",
            once=f"{s['forgotten_once']:,}", kept=f"{s['unforgettable']:,}"))
        never = [int(i) for i in train.order("never")[:GALLERY_SIZE] if train.first_learned[i] == 0]
        forgotten = [int(i) for i in train.order("forgotten")[:GALLERY_SIZE] if train.forgotten[i] > 0]
        late = [int(i) for i in train.order("late")[:GALLERY_SIZE] if train.first_learned[i] > 0]
        flips = test.flips
        flipping = [int(i) for i in np.lexsort((np.arange(len(flips)), -flips))[:GALLERY_SIZE] if flips[i] > 0]
        for key, d, idx in (("never", train, never), ("forgotten", train, forgotten), ("late", train, late),
                            ("flips", test, flipping)):
            self.galleries[key].set_examples(self._entries(d, idx, images, class_names))
        self._bars(train.first_learned_counts(), train.forgotten_share_by_class(len(class_names)), class_names)

    def _entries(self, d, indices: list[int], images, class_names) -> list[tuple]:
        pics = images(d.split, indices) if indices else None
        out = []
        for k, i in enumerate(indices):
            label = int(d.labels[i])
            name = class_names[label] if 0 <= label < len(class_names) else str(label)
            first = int(d.first_learned[i])
            source = (self.tr("training image #{i}") if d.split == TRAIN else self.tr("test image #{i}")).format(i=i)
            tip = self.tr("{source}, label {name}: first learned at epoch {first}, forgotten {n} time(s)").format(
                source=source, name=name, first=first if first else self.tr("never"), n=int(d.forgotten[i]))
            out.append((None if pics is None else pics[k], label, f"{name}\n#{i}", d.history[:, i], tip, source))
        return out

    def _bars(self, counts: np.ndarray, shares: np.ndarray, class_names) -> None:
        self.first_counts, self.class_shares = counts, shares
        for plot, attr in ((self.first_plot, "first_bars"), (self.class_plot, "class_bars")):
            item = getattr(self, attr)
            if item is not None:
                plot.removeItem(item)
                setattr(self, attr, None)
        if len(counts):
            self.first_bars = pg.BarGraphItem(x=np.arange(1, len(counts) + 1), height=counts, width=0.8,
                                              brush="#1f77b4")
            self.first_plot.addItem(self.first_bars)
        if len(shares):
            self.class_bars = pg.BarGraphItem(x=np.arange(len(shares)), height=100 * np.nan_to_num(shares),
                                              width=0.8, brush="#d62728")
            self.class_plot.addItem(self.class_bars)
            ticks = [(i, str(name)[:10]) for i, name in enumerate(class_names)]
            self.class_plot.getAxis("bottom").setTicks([ticks, []])


class ExamplesController(QObject):
    """Feeds the tab from the session: each epoch's record of the run in training, an opened run's file.
    A clicked image goes to the inside views (``internals.set_probe_image``) and the Draw tab
    (``draw_panel.show_sample``)."""

    def __init__(self, view: ExamplesView, session, host, internals=None, draw_panel=None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.view, self.session, self.host = view, session, host
        self.internals, self.draw_panel = internals, draw_panel
        self.record = None  # the record on show
        self._opened_images: dict[str, np.ndarray] = {}
        view.image_chosen.connect(self.probe_with)

    def install(self) -> None:
        self.host.add_tab(self.view, QCoreApplication.translate("ExamplesView", "Examples"))
        s = self.session
        s.run_started.connect(self.on_run_started)
        s.epoch_finished.connect(self.on_epoch_finished)
        s.run_opened.connect(self.on_run_opened)
        if s.opened is not None:
            self.on_run_opened(s.opened)

    def _class_names(self, config) -> list[str]:
        from ..core_texts import core_text

        return [core_text(c) for c in config.info.classes]

    @Slot(object)
    def on_run_started(self, ev) -> None:
        self.record = None
        self.view.clear(QCoreApplication.translate(
            "ExamplesView", "Recording which images the network gets right: the galleries appear at "
                            "the end of the first epoch."))

    @Slot(object)
    def on_epoch_finished(self, ev) -> None:
        record = getattr(ev, "examples", None)
        trainer = self.session.trainer
        if record is None or trainer is None or trainer.train is None:
            return
        from convscope.core.insight.examples import take_images

        def images(split, indices, t=trainer):
            return take_images((t.train if split == TRAIN else t.test).images, indices)

        self.record = record
        self.view.set_record(record, images, self._class_names(trainer.config))

    @Slot(object)
    def on_run_opened(self, run) -> None:
        self.record = None
        self.view.clear(QCoreApplication.translate("ExamplesView", "Reading the run's example record…"))
        jobs = self.session.jobs
        if jobs is None:
            return
        jobs.submit("examples", lambda cancel, r=run: _read_opened(r),
                    lambda result, error, r=run: self._on_opened_read(r, result, error))

    def _on_opened_read(self, run, result, error) -> None:
        if self.session.opened is not run:
            return  # another run is on show by now
        if error is not None:
            self.view.clear(QCoreApplication.translate("ExamplesView", "No example record: {error}").format(
                error=str(error).splitlines()[0]))
            return
        record, splits, problem = result
        if record is None:
            self.view.clear(QCoreApplication.translate(
                "ExamplesView", "This run has no example record: it was trained by an earlier ConvScope. "
                                "Train a new run to see which images it learns and forgets."))
            return

        def images(split, indices, s=splits):
            from convscope.core.insight.examples import take_images

            return take_images(s[split], indices) if split in s else None

        self.record = record
        what = QCoreApplication.translate("ExamplesView", "the opened run")
        self.view.set_record(record, images, self._class_names(run.config), what)
        if problem:
            from ..core_texts import core_text

            self.view.status.setText(self.view.status.text() + " " + QCoreApplication.translate(
                "ExamplesView", "(No images: {why})").format(why=core_text(problem)))

    @Slot(object, int, str)
    def probe_with(self, image, label: int, source: str) -> None:
        internals = self.internals
        if internals is not None and internals.probe is not None:
            internals.set_probe_image(image, label=label, source=source)
        panel = self.draw_panel
        if panel is not None and callable(getattr(panel, "show_sample", None)):
            panel.show_sample(image, label, source)
        if internals is not None and internals.views:
            self.host.show_tab(internals.views[0])


def _read_opened(run):
    """(record or None, {split: images}, why the images are missing or ""), in the jobs thread."""
    from convscope.core.data.datasets import IMAGEFOLDER, DataError
    from convscope.core.insight.examples import split_images
    from convscope.core.runs.examples import read_record

    record = read_record(run.dir)
    if record is None:
        return None, {}, ""
    if run.config.dataset == IMAGEFOLDER:
        from convscope.core.runs.opened_run import FOLDER_NOT_READ

        return record, {}, FOLDER_NOT_READ
    splits = {}
    try:
        for split in (TRAIN, TEST):
            splits[split] = split_images(run.config, split, record)[0]
    except DataError as exc:
        return record, splits, str(exc)
    return record, splits, ""
