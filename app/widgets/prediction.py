"""What the network answers for a drawing, and why.

:class:`PredictionView` (``predictionView``) shows

* which model answers ("live: lenet, epoch 3" for the network in training, "run: /path, epoch 5" for a run
  loaded from disk);
* its answer in large type and the top-k classes as probability bars, with the dataset's class names;
* "what the network sees": the image it actually got, at the dataset's size: for digits the drawing
  cropped, scaled to a 20-px box and centred on its centre of mass in 28×28, as MNIST's digits were; for
  clothes cropped and scaled to fill the field; for photos the photo resized whole, in colour;
* "where it looked": a Grad-CAM heat map over that image;
* a "Show inside" button that hands the prepared input to the live-internals views as their probe image.
"""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from ..core_texts import core_text

# A perceptual heat scale (dark blue → teal → yellow → red), sampled at 5 points.
_HEAT_STOPS = np.array([
    [0.00, 0.05, 0.05, 0.35],
    [0.30, 0.10, 0.45, 0.75],
    [0.55, 0.20, 0.75, 0.45],
    [0.80, 0.98, 0.85, 0.20],
    [1.00, 0.90, 0.15, 0.10],
], np.float32)


def heat_colours(heat: np.ndarray) -> np.ndarray:
    """(H, W) values in [0, 1] → (H, W, 3) float32 colours of the heat scale."""
    h = np.clip(np.nan_to_num(np.asarray(heat, np.float32)), 0, 1)
    return np.stack([np.interp(h, _HEAT_STOPS[:, 0], _HEAT_STOPS[:, c]) for c in (1, 2, 3)], axis=-1)


def heat_rgba(heat: np.ndarray, max_alpha: float = 0.6) -> np.ndarray:
    """(H, W) heat in [0, 1] → (H, W, 4) uint8 RGBA overlay: cool parts transparent, hot parts opaque."""
    h = np.clip(np.nan_to_num(np.asarray(heat, np.float32)), 0, 1)
    rgba = np.empty(h.shape + (4,), np.uint8)
    rgba[..., :3] = np.round(heat_colours(h) * 255).astype(np.uint8)
    rgba[..., 3] = np.round(np.clip((h - 0.15) / 0.6, 0, 1) * max_alpha * 255).astype(np.uint8)
    return np.ascontiguousarray(rgba)


def image_to_qimage(image: np.ndarray) -> QImage:
    """(H, W) or (H, W, 3) float in [0, 1] → an RGB888 QImage that owns its pixels."""
    a = np.asarray(image, np.float32)
    if a.ndim == 2:
        a = np.repeat(a[..., None], 3, axis=2)
    a = np.ascontiguousarray(np.clip(np.round(a[..., :3] * 255), 0, 255).astype(np.uint8))
    h, w = a.shape[:2]
    return QImage(a.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def cam_on_image(image: np.ndarray, heat: np.ndarray) -> np.ndarray:
    """The input image (grey or RGB in [0, 1]) with a heat map blended over it, (H, W, 3) float32."""
    from convscope.core.insight.inference import resize_image

    img = np.asarray(image, np.float32)
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    h = np.asarray(heat, np.float32)
    if h.shape != img.shape[:2]:
        h = np.clip(resize_image(h, img.shape[0], img.shape[1]), 0, 1)
    alpha = np.clip(h * 1.4, 0, 1)[..., None] * 0.65
    return img * 0.85 * (1 - alpha) + heat_colours(h) * alpha


class ProbabilityBars(QWidget):
    """Top-k classes as horizontal bars: name, bar, percentage; the best one highlighted."""

    def __init__(self, parent: QWidget | None = None, rows: int = 5):
        super().__init__(parent)
        self.setObjectName("probabilityBars")
        self.rows = rows
        self._entries: list[tuple[str, float]] = []
        self.paint_count = 0  # paints so far (the latency benchmark waits for one)
        self.data_version = 0
        self.painted_version = -1
        self.set_time = 0.0
        self.painted_at = 0.0
        self.setMinimumHeight(self._row_height() * rows + 4)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def _row_height(self) -> int:
        return QFontMetrics(self.font()).height() + 10

    def sizeHint(self) -> QSize:
        return QSize(260, self._row_height() * self.rows + 4)

    def set_entries(self, entries: list[tuple[str, float]]) -> None:
        self._entries = list(entries)[: self.rows]
        self.data_version += 1
        self.set_time = time.perf_counter()
        self.update()

    def entries(self) -> list[tuple[str, float]]:
        return list(self._entries)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        fm = QFontMetrics(self.font())
        rh = self._row_height()
        name_w = max([fm.horizontalAdvance(n) for n, _ in self._entries] + [fm.horizontalAdvance("00")]) + 10
        pct_w = fm.horizontalAdvance("100.0%") + 8
        bar_w = max(20, self.width() - name_w - pct_w - 4)
        text_colour = pal.windowText().color()
        track = pal.mid().color()
        track.setAlpha(60)
        for i in range(self.rows):
            y = 2 + i * rh
            bar = QRectF(name_w, y + 4, bar_w, rh - 8)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(track)
            p.drawRoundedRect(bar, 3, 3)
            if i >= len(self._entries):
                continue
            name, prob = self._entries[i]
            fill = QRectF(bar.x(), bar.y(), max(0.0, min(1.0, prob)) * bar.width(), bar.height())
            p.setBrush(QColor(46, 125, 215) if i == 0 else QColor(130, 160, 200))
            if fill.width() > 0.5:
                p.drawRoundedRect(fill, 3, 3)
            p.setPen(text_colour)
            font = QFont(self.font())
            font.setBold(i == 0)
            p.setFont(font)
            p.drawText(QRectF(0, y, name_w - 8, rh), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       name)
            p.drawText(QRectF(name_w + bar_w + 6, y, pct_w, rh),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"{prob:.1%}")
        p.end()
        self.paint_count += 1
        self.painted_version = self.data_version
        self.painted_at = time.perf_counter()


class _Thumb(QLabel):
    """A small image shown enlarged with sharp pixels, with a caption under it."""

    def __init__(self, side: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet("background: #000; border: 1px solid palette(mid);")
        self.set_side(side)

    def set_side(self, side: int) -> None:
        self.side = side
        self.setFixedSize(side + 2, side + 2)

    def set_image(self, image: np.ndarray | None) -> None:
        if image is None:
            self.clear()
            return
        qimg = image_to_qimage(image)
        self.setPixmap(QPixmap.fromImage(qimg.scaled(self.side, self.side, Qt.AspectRatioMode.KeepAspectRatio,
                                                     Qt.TransformationMode.FastTransformation)))


class PredictionView(QWidget):
    """The network's answer for the drawing (see the module's docstring)."""

    show_inside_requested = Signal(object)  # core.insight.inference.Prepared: .tensor (1, C, S, S), .image
    updated = Signal()  # the bars show a new prediction

    THUMB = 112  # 28 px × 4

    def __init__(self, parent: QWidget | None = None, top_k: int = 5):
        super().__init__(parent)
        self.setObjectName("predictionView")
        self.setAccessibleName("Prediction")
        self.top_k = top_k
        self._prepared = None
        self._probs: np.ndarray | None = None
        self._classes: tuple[str, ...] = ()
        self._kind = "digits"
        self.cam_shown_at = 0.0

        self.modelLabel = QLabel()
        self.modelLabel.setObjectName("predictionModelLabel")
        self.modelLabel.setWordWrap(True)
        self.modelLabel.setTextFormat(Qt.TextFormat.RichText)
        self.modelLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.answerLabel = QLabel("")
        self.answerLabel.setObjectName("predictionAnswer")
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 2.6)
        big.setBold(True)
        self.answerLabel.setFont(big)
        self.answerLabel.setMinimumWidth(QFontMetrics(big).horizontalAdvance("00") + 8)
        self.answerLabel.setMinimumHeight(QFontMetrics(big).height())
        self.answerDetail = QLabel()
        self.answerDetail.setObjectName("predictionAnswerDetail")
        self.answerDetail.setWordWrap(True)
        self.answerDetail.setTextFormat(Qt.TextFormat.PlainText)
        self.bars = ProbabilityBars(self, top_k)
        self.seesImage = _Thumb(self.THUMB)
        self.seesImage.setObjectName("networkInputImage")
        self.camImage = _Thumb(self.THUMB)
        self.camImage.setObjectName("gradCamImage")
        self.camImage.setToolTip(self.tr("Grad-CAM: the parts of the input that raised the score of the answer"))
        self.seesCaption = QLabel(self.tr("What the network sees"))
        self.camCaption = QLabel(self.tr("Where it looked"))
        self.seesDetail = QLabel()
        self.camDetail = QLabel()
        small = QFont(self.font())
        small.setPointSizeF(small.pointSizeF() * 0.9)
        for cap in (self.seesCaption, self.camCaption, self.seesDetail, self.camDetail):
            cap.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            cap.setTextFormat(Qt.TextFormat.PlainText)
        for cap in (self.seesDetail, self.camDetail):
            cap.setFont(small)
        self.camNote = QLabel()  # how coarse Grad-CAM is for this network (its last maps are small)
        self.camNote.setObjectName("gradCamNote")
        self.camNote.setWordWrap(True)
        self.camNote.setFont(small)
        self.camNote.setStyleSheet("color: #555;")
        self.camNote.hide()
        self.showInsideButton = QPushButton(self.tr("Show inside"))
        self.showInsideButton.setObjectName("showInsideButton")
        self.showInsideButton.setToolTip(self.tr("Use this drawing as the probe image of the feature-map views"))
        self.showInsideButton.setEnabled(False)
        self.showInsideButton.clicked.connect(self._emit_show_inside)

        answer = QHBoxLayout()
        answer.addWidget(self.answerLabel)
        answer.addWidget(self.answerDetail, 1)
        thumbs = QGridLayout()
        thumbs.setHorizontalSpacing(18)
        thumbs.setVerticalSpacing(2)
        for col, (cap, img, detail) in enumerate(((self.seesCaption, self.seesImage, self.seesDetail),
                                                  (self.camCaption, self.camImage, self.camDetail))):
            thumbs.addWidget(cap, 0, col, Qt.AlignmentFlag.AlignHCenter)
            thumbs.addWidget(img, 1, col, Qt.AlignmentFlag.AlignHCenter)
            thumbs.addWidget(detail, 2, col, Qt.AlignmentFlag.AlignHCenter)
        thumbs.setColumnStretch(2, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(self.modelLabel)
        layout.addLayout(answer)
        layout.addWidget(self.bars)
        layout.addSpacing(6)
        layout.addLayout(thumbs)
        layout.addWidget(self.camNote)
        layout.addWidget(self.showInsideButton, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        self.set_model(None)

    # -- model -------------------------------------------------------------------------------------
    def set_model(self, predictor) -> None:
        """The ``core.insight.inference.Predictor`` whose answers are shown (None: no model yet)."""
        if predictor is None:
            self._classes = ()
            self.modelLabel.setText(self.tr("<b>No model yet.</b> Train a network (the Train button), or open a "
                                            "saved run (File → Open run…)."))
        else:
            self._classes = tuple(predictor.classes)
            self.modelLabel.setText(self.tr("Model — {model}").format(model=_escape(self._describe(predictor))))
        self.modelLabel.setToolTip(self.modelLabel.text())
        info = getattr(predictor, "info", None)
        if info is None:
            self._kind = "digits"
        else:
            from convscope.core.insight.inference import input_kind

            self._kind = input_kind(info)
        size = 28 if info is None else info.size
        side = 4 * size if size <= 32 else self.THUMB  # whole pixels, 4× for MNIST's and CIFAR's sizes
        self.seesImage.set_side(side)
        self.camImage.set_side(side)
        self.seesImage.setToolTip(QCoreApplication.translate(
            "PredictionView", _SEES_TIPS[self._kind]).format(size=size))
        if self._probs is None:
            self.answerDetail.setText(self.tr(_EMPTY_TEXT[self._kind]) if self._classes else "")

    def kind(self) -> str:
        """What the model in use classifies: ``"digits"``, ``"clothes"`` or ``"photos"``."""
        return self._kind

    def model_text(self) -> str:
        return self.modelLabel.text()

    # -- results -----------------------------------------------------------------------------------
    def show_prediction(self, probs: np.ndarray | None, prepared, predictor=None) -> None:
        """Show class probabilities (None clears) and the network's input image."""
        self._prepared = prepared
        self._probs = None if probs is None else np.asarray(probs)
        if predictor is not None:
            self._classes = tuple(predictor.classes)
        if self._probs is None:
            self.answerLabel.setText("")
            self.answerDetail.setText(self.tr(_EMPTY_TEXT[self._kind]) if self._classes else "")
            self.bars.set_entries([])
            self.seesImage.set_image(None)
            self.camImage.set_image(None)
            self.seesDetail.setText("")
            self.camDetail.setText("")
            self.camNote.hide()
            self.showInsideButton.setEnabled(False)
        else:
            order = np.argsort(-self._probs, kind="stable")[: self.top_k]
            names = [self._name(int(i)) for i in order]
            self.bars.set_entries([(n, float(self._probs[i])) for n, i in zip(names, order)])
            best = int(order[0])
            name = self._name(best)
            self.answerLabel.setText(_short(name))
            conf = float(self._probs[best])
            hint = self.tr("sure") if conf >= 0.9 else self.tr("fairly sure") if conf >= 0.6 else self.tr("unsure")
            self.answerDetail.setText((f"{name}\n" if _short(name) != name else "") + f"{conf:.1%} — {hint}")
            self.seesImage.set_image(prepared.image if prepared is not None else None)
            if prepared is not None:
                shown = prepared.image.shape[:2]
                side = tuple(prepared.tensor.shape[-2:])
                text = self.tr("{h}×{w} input").format(h=shown[0], w=shown[1])
                if side != shown:
                    text += self.tr(", resized to {h}×{w}").format(h=side[0], w=side[1])
                self.seesDetail.setText(text)
            self.showInsideButton.setEnabled(prepared is not None)
        self.updated.emit()

    def show_cam(self, cam, prepared=None, predictor=None) -> None:
        """Show a Grad-CAM (``core.insight.inference.GradCam``) over the network's input (None clears)."""
        prepared = prepared if prepared is not None else self._prepared
        if cam is None or prepared is None:
            self.camImage.set_image(None)
            self.camDetail.setText("")
            self.camNote.hide()
            return
        self._show_coarseness(cam)
        self.camImage.set_image(cam_on_image(prepared.image, cam.heatmap))
        self.cam_shown_at = time.perf_counter()
        self.camDetail.setText(self.tr("Grad-CAM for “{name}”").format(name=_short(self._name(cam.target))))
        self.camImage.setToolTip(self.tr("Grad-CAM of the class “{name}” on layer {layer}: the parts of the input "
                                         "that raised its score").format(name=self._name(cam.target), layer=cam.layer))

    def _show_coarseness(self, cam) -> None:
        """A note under the thumbnails when the maps Grad-CAM weighs are much smaller than the input (LeNet's
        last convolution gives 10×10 maps for a 28×28 digit): the heat map marks regions, not strokes."""
        size, side = getattr(cam, "map_size", None), cam.heatmap.shape
        if not size or min(size) < 1:
            self.camNote.hide()
            return
        cell = max(side[0] / size[0], side[1] / size[1])
        if cell < 2:
            self.camNote.hide()
            return
        self.camNote.setText(self.tr(
            "Grad-CAM is coarse here: it weighs the {h}×{w} maps of layer {layer}, so each of their cells covers "
            "about {k}×{k} pixels of the {H}×{W} input. It marks regions, not single strokes, and can light up "
            "the background next to them.").format(h=size[0], w=size[1], layer=cam.layer, k=f"{cell:.0f}",
                                                  H=side[0], W=side[1]))
        self.camNote.show()

    def probabilities(self) -> np.ndarray | None:
        return None if self._probs is None else self._probs.copy()

    def prepared(self):
        return self._prepared

    def _name(self, label: int) -> str:
        return core_text(self._classes[label]) if 0 <= label < len(self._classes) else str(label)

    def _describe(self, predictor) -> str:
        """"live: lenet, epoch 3" or "run: /path, epoch 5" (core's ``describe()``) in the window's language."""
        try:
            note = f" {predictor.note}" if predictor.note else ""
            if predictor.source:
                return self.tr("run: {source}, epoch {epoch}").format(source=predictor.source,
                                                                     epoch=predictor.epoch) + note
            return self.tr("live: {arch}, epoch {epoch}").format(arch=predictor.config.arch,
                                                                epoch=predictor.epoch) + note
        except AttributeError:  # another kind of predictor: its own words
            return predictor.describe()

    def _emit_show_inside(self) -> None:
        if self._prepared is not None:
            self.show_inside_requested.emit(self._prepared)


_EMPTY_TEXT = {
    "digits": QT_TRANSLATE_NOOP("PredictionView", "Draw a digit on the canvas."),
    "clothes": QT_TRANSLATE_NOOP("PredictionView", "Draw a piece of clothing on the canvas, or use a test sample."),
    "photos": QT_TRANSLATE_NOOP("PredictionView", "Load an image or use a test sample."),
}
_SEES_TIPS = {
    "digits": QT_TRANSLATE_NOOP(
        "PredictionView", "The drawing cropped, scaled to a 20-px box and centred on its centre of mass in 28×28, as "
                          "MNIST's digits were: this is the network's input"),
    "clothes": QT_TRANSLATE_NOOP(
        "PredictionView", "The drawing cropped, scaled to fill {size}×{size} and centred, as Fashion-MNIST's images "
                          "were: this is the network's input"),
    "photos": QT_TRANSLATE_NOOP(
        "PredictionView", "The photo resized whole to {size}×{size}, as the training images were: this is the "
                          "network's input"),
}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _short(name: str) -> str:
    return name if len(name) <= 12 else name[:11] + "…"
