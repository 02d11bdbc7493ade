"""The Augmentation tab: what the network receives, live, beside the original images.

:class:`AugmentPreviewView` (object name ``augmentPreview``) draws ``core.insight.augment_preview.AugmentPreview``
payloads: a few images of the current training batch exactly as the network gets them (after
augmentation and normalisation, de-normalised for display), each beside its original, and a few fixed
training images with a fresh draw of the run's augmentations beside each.

:class:`AugmentPreviewController` owns the capture of the current run (a batch hook of the trainer, in
the training thread) and pulls its latest payload on a slow GUI timer; the capture only works while the
tab is visible, so a hidden preview costs the training nothing.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, QRect, QSize, Qt, Slot
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from convscope.app.core_texts import core_text
from convscope.app.pacing import repeating_timer
from convscope.core.insight.augment_preview import AugmentCapture, pairs_mosaic

POLL_MS = 100  # how often the GUI looks into the mailbox (the capture itself is paced at `interval`)
TITLE = QT_TRANSLATE_NOOP("AugmentPreviewView", "Augmentation")
IDLE_TEXT = QT_TRANSLATE_NOOP("AugmentPreviewView", "Press Train to see what the network receives: a few images "
                              "of the current training batch after augmentation and normalisation, each beside "
                              "its original. Tick augmentations under 'Augment the training images' to change "
                              "them.")


def _tr(text: str) -> str:
    return QCoreApplication.translate("AugmentPreviewView", text)


class MosaicView(QWidget):
    """A uint8 (H, W, 3) picture scaled to fit by a whole factor, pixels kept sharp."""

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(name)
        self._image: QImage | None = None
        self.setMinimumSize(120, 60)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_array(self, rgb: np.ndarray) -> None:
        rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
        h, w, _ = rgb.shape
        self._image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        self.updateGeometry()
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def sizeHint(self) -> QSize:
        if self._image is None:
            return QSize(320, 160)
        return QSize(self._image.width() * 3, self._image.height() * 3)

    def target_rect(self) -> QRect:
        """Where the picture is drawn: a whole-number enlargement, centred (or shrunk to fit)."""
        img = self._image
        if img is None or img.width() == 0:
            return QRect()
        fit = min(self.width() / img.width(), self.height() / img.height())
        scale = int(fit) if fit >= 1 else fit
        w, h = max(1, int(img.width() * scale)), max(1, int(img.height() * scale))
        return QRect((self.width() - w) // 2, (self.height() - h) // 2, w, h)

    def paintEvent(self, event):
        if self._image is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(self.target_rect(), self._image)
        painter.end()


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class AugmentPreviewView(QWidget):
    """The tab: the batch pairs, the fixed pairs, and what they are."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("augmentPreview")
        self.shown = 0  # payloads drawn
        self.last = None  # the payload drawn last
        lay = QVBoxLayout(self)
        self.status = _caption(_tr(IDLE_TEXT))
        self.status.setObjectName("augmentPreviewStatus")
        self.batch_caption = _caption(self.tr("The current training batch: each original (left) and what the "
                                              "network receives (right)."))
        self.batch_view = MosaicView("augmentPreviewBatch")
        self.fixed_caption = _caption(self.tr("Fixed images: the same training images every time, with a fresh "
                                              "draw of the augmentations beside each."))
        self.fixed_view = MosaicView("augmentPreviewFixed")
        for w in (self.status, self.batch_caption):
            lay.addWidget(w)
        lay.addWidget(self.batch_view, 3)
        lay.addWidget(self.fixed_caption)
        lay.addWidget(self.fixed_view, 2)

    def show_preview(self, p) -> None:
        """Draw an ``AugmentPreview``."""
        self.batch_view.set_array(pairs_mosaic(p.batch_original, p.batch_seen, columns=4, gap=6))
        self.fixed_view.set_array(pairs_mosaic(p.fixed_original, p.fixed_seen, columns=4, gap=6))
        what = (self.tr("augmentations {augment}").format(augment=p.augment.replace(',', ', ')) if p.augment
                else self.tr("no augmentation: the network receives the images as they are (tick some under "
                             "'Augment the training images')"))
        self.status.setText(self.tr("Epoch {epoch}, step {step} — {what}. Shown after normalisation, "
                                    "de-normalised for display.").format(epoch=p.epoch, step=f"{p.step:,}",
                                                                         what=what))
        self.batch_caption.setText(self.tr("The current training batch: each original (left) and what the "
                                           "network receives (right). Labels: {labels}.").format(
            labels=self._labels(p, p.batch_labels)))
        self.fixed_caption.setText(self.tr("Fixed images ({labels}): the same training images every time, "
                                           "with a fresh draw of the augmentations beside each.").format(
            labels=self._labels(p, p.fixed_labels)))
        self.shown += 1
        self.last = p

    def _labels(self, p, labels) -> str:
        """The class names of ``labels`` (the payload's class indices) in the window's language."""
        names = [core_text(p.classes[i]) if 0 <= i < len(p.classes) else str(i) for i in labels.tolist()]
        return self.tr(", ").join(names)


class AugmentPreviewController(QObject):
    """Attaches an :class:`AugmentCapture` to each new trainer and shows its payloads.

    ``install(session, host)``: the tab (``host.add_tab``), the session's ``trainer_setup_hooks`` and its
    signals ``run_started`` and ``run_finished`` (``app.session``)."""

    def __init__(self, parent=None, interval: float = 0.5, poll_ms: int = POLL_MS):
        super().__init__(parent)
        self.interval = interval
        self.view = AugmentPreviewView()
        self.capture: AugmentCapture | None = None
        self.timer = repeating_timer(self, poll_ms, self.poll)

    def install(self, session, host) -> None:
        host.add_tab(self.view, _tr(TITLE))
        session.trainer_setup_hooks.append(self.attach)
        session.run_started.connect(self.on_run_started)
        session.run_finished.connect(self.on_run_finished)

    @Slot(object)
    def attach(self, trainer) -> None:
        """Capture ``trainer``'s batches (GUI thread, before its training thread starts)."""
        if self.capture is not None:
            self.capture.detach()
        self.capture = AugmentCapture(interval=self.interval).attach(trainer)
        self.capture.enabled = self.view.isVisible()
        self.timer.start()

    @Slot(object)
    def on_run_started(self, _event=None) -> None:
        if self.capture is not None:
            self.timer.start()

    @Slot(object)
    def on_run_finished(self, _result=None) -> None:
        self.poll()
        self.timer.stop()

    def detach(self) -> None:
        self.timer.stop()
        if self.capture is not None:
            self.capture.detach()
            self.capture = None

    @Slot()
    def poll(self) -> None:
        capture = self.capture
        if capture is None:
            return
        capture.enabled = self.view.isVisible()  # nothing is captured for a hidden tab
        payload = capture.mailbox.take()
        if payload is not None:
            self.view.show_preview(payload)
