"""The drawing surface of the Draw tab.

:class:`DrawCanvas` (``drawCanvas``) is a square of black paper on which the left mouse button draws
white ink with a round pen about as thick, relative to the digit, as MNIST's strokes (22 px on the 280-px
canvas: a digit about 200 px tall becomes 20 px, its strokes 2–3 px). The right button, or the eraser
toggle, erases. Strokes are rendered into a ``QImage`` and read back as a numpy array for prediction, which
goes through :mod:`core.insight.inference` (MNIST's framing, then the run's normalisation).

A photo (a test sample or a picture for a network of photos, :meth:`DrawCanvas.set_photo`) is shown as it
is, in colour, filling the canvas; the network then gets the photo's own pixels (or, once strokes are
drawn over it, the canvas over the photo's area), resized whole to its input size.
"""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

from .prediction import heat_rgba, image_to_qimage

log = logging.getLogger("convscope.gui")

CANVAS_SIZE = 280
PEN_WIDTH = 22.0  # ≈ 2.2 px of 28 once a 200-px digit is scaled to MNIST's 20-px box
ERASER_WIDTH = 44.0


@dataclass
class _Stroke:
    points: list[QPointF]
    erase: bool
    width: float


@dataclass
class _Base:
    """An image under the strokes (a loaded picture or a test sample), drawn over a black canvas."""

    image: QImage
    label: int | None = None
    photo: np.ndarray | None = None  # a photo's own pixels: (H, W) or (H, W, 3) float32 in [0, 1]
    rect: tuple[int, int, int, int] = (0, 0, 0, 0)  # (top, left, height, width) of the image on the canvas


@dataclass
class CanvasPrediction:
    """The prediction for one state of the drawing."""

    prepared: Any  # core.insight.inference.Prepared
    probs: np.ndarray
    top: list[tuple[int, float]] = field(default_factory=list)


def gray_to_qimage(gray: np.ndarray) -> QImage:
    """(H, W) float in [0, 1] or uint8 → a Grayscale8 QImage that owns its pixels."""
    a = np.asarray(gray)
    if a.dtype != np.uint8:
        a = np.clip(np.round(a.astype(np.float32) * 255), 0, 255).astype(np.uint8)
    a = np.ascontiguousarray(a)
    h, w = a.shape
    return QImage(a.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


class DrawCanvas(QWidget):
    """The drawing surface. ``prediction()`` (top-k, best first) and ``clear()`` are used by automation
    and tests: keep their behaviour."""

    drawing_changed = Signal()  # any change, also while a stroke is being drawn
    stroke_finished = Signal()  # the drawing settled: pen lifted, undo, clear, image loaded
    eraser_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None, size: int = CANVAS_SIZE):
        super().__init__(parent)
        self.setObjectName("drawCanvas")
        self.setAccessibleName(self.tr("Drawing canvas"))
        self.setAccessibleDescription(self.tr("Draw a digit with the left mouse button; the right button erases."))
        self.setFixedSize(size, size)
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.pen_width = PEN_WIDTH * size / CANVAS_SIZE
        self.eraser_width = ERASER_WIDTH * size / CANVAS_SIZE
        self._image = QImage(size, size, QImage.Format.Format_RGB32)
        self._image.fill(Qt.GlobalColor.black)
        self._history: list[_Stroke | _Base] = []
        self._current: _Stroke | None = None
        self._button = Qt.MouseButton.NoButton
        self._eraser = False
        self._hover: QPointF | None = None
        self._overlay: QImage | None = None
        self._frame: QRectF | None = None
        self._version = 0
        self._predictor = None
        self._cache: tuple | None = None  # (key, CanvasPrediction | None)
        self._placeholder = QCoreApplication.translate("DrawPanel", "Draw a digit here\n(right button erases)")
        self.last_error: str | None = None

    # -- state -------------------------------------------------------------------------------------
    def is_empty(self) -> bool:
        return not self._history and self._current is None

    def is_drawing(self) -> bool:
        return self._current is not None

    def version(self) -> int:
        """Counts changes of the drawing."""
        return self._version

    def can_undo(self) -> bool:
        return bool(self._history)

    def eraser(self) -> bool:
        return self._eraser

    def set_eraser(self, on: bool) -> None:
        on = bool(on)
        if on != self._eraser:
            self._eraser = on
            self.eraser_toggled.emit(on)
            self.update()

    def base_label(self) -> int | None:
        """The true label of the test sample under the strokes, if one is there."""
        for item in reversed(self._history):
            if isinstance(item, _Base):
                return item.label
        return None

    def photo(self) -> np.ndarray | None:
        """The photo under the strokes ((H, W) or (H, W, 3) float32 in [0, 1]), if one is there."""
        base = self._photo_base()
        return None if base is None else base[0].photo

    def _photo_base(self) -> tuple[_Base, bool] | None:
        """(the photo on the canvas, whether strokes were drawn after it), or None."""
        for i in range(len(self._history) - 1, -1, -1):
            item = self._history[i]
            if isinstance(item, _Base):
                return (item, i < len(self._history) - 1) if item.photo is not None else None
        return None

    def image(self) -> QImage:
        return self._image.copy()

    def _bgra(self) -> np.ndarray:
        img = self._image
        h, w, bpl = img.height(), img.width(), img.bytesPerLine()
        buf = np.frombuffer(img.constBits(), np.uint8, count=bpl * h).reshape(h, bpl)
        return buf[:, : 4 * w].reshape(h, w, 4)  # RGB32: blue, green, red, unused

    def array(self) -> np.ndarray:
        """The drawing as a uint8 (H, W) array: white ink (255) on black (0) (a photo in grey)."""
        if not any(isinstance(item, _Base) and item.photo is not None for item in self._history):
            return self._bgra()[..., 1].copy()  # grey: every colour channel is the same
        rgb = self.rgb_array().astype(np.float32)
        return np.round(rgb @ np.array([0.299, 0.587, 0.114], np.float32)).astype(np.uint8)

    def rgb_array(self) -> np.ndarray:
        """The canvas as a uint8 (H, W, 3) RGB array."""
        return self._bgra()[..., 2::-1].copy()

    def model_input(self) -> np.ndarray:
        """What the network is given: a photo's own pixels while nothing is drawn over it, the canvas
        over the photo's area once something is (in colour for a colour photo), or the drawing."""
        based = self._photo_base()
        if based is None:
            return self.array()
        base, drawn_over = based
        if not drawn_over:
            return base.photo
        top, left, h, w = base.rect
        if base.photo.ndim == 3:
            return self.rgb_array()[top:top + h, left:left + w]
        return self.array()[top:top + h, left:left + w]

    def set_placeholder(self, text: str) -> None:
        """The hint shown on the empty canvas."""
        self._placeholder = text
        self.update()

    # -- editing -----------------------------------------------------------------------------------
    def clear(self) -> None:
        """Empty the canvas."""
        self._history.clear()
        self._current = None
        self._button = Qt.MouseButton.NoButton
        self._render()
        self._changed(finished=True)

    def undo(self) -> None:
        """Remove the last stroke (or the last loaded image)."""
        if self._current is not None or not self._history:
            return
        self._history.pop()
        self._render()
        self._changed(finished=True)

    def set_image(self, image: np.ndarray, label: int | None = None) -> bool:
        """Put an image under the drawing (a test sample or a picture), shown as white ink on black.

        Returns False (and changes nothing) when the image holds no ink.
        """
        from convscope.core.insight.inference import to_light_on_dark

        gray = to_light_on_dark(image)
        if not (gray > 0.1).any():
            return False
        qimg = gray_to_qimage(gray)
        side = self.width()
        margin = 0 if max(gray.shape) <= 64 else side // 14  # small samples fill the canvas as drawn
        scaled = qimg.scaled(QSize(side - 2 * margin, side - 2 * margin),
                             Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
        self._history = [_Base(scaled, label)]
        self._current = None
        self._render()
        self._changed(finished=True)
        return True

    def set_photo(self, image: np.ndarray, label: int | None = None, colour: bool = False) -> None:
        """Put a photo on the canvas as it is (grey or colour, no inversion), as large as the canvas
        allows; ``colour``: a grey one is kept as RGB (for a colour network). Raises
        ``core.insight.inference.InferenceError`` on an array that is not an image."""
        from convscope.core.insight.inference import as_photo

        photo = as_photo(image)
        if colour and photo.ndim == 2:
            photo = np.repeat(photo[..., None], 3, axis=2)
        side = self.width()
        scaled = image_to_qimage(photo).scaled(QSize(side, side), Qt.AspectRatioMode.KeepAspectRatio,
                                               Qt.TransformationMode.SmoothTransformation)
        h, w = scaled.height(), scaled.width()
        rect = ((self._image.height() - h) // 2, (self._image.width() - w) // 2, h, w)
        self._history = [_Base(scaled, label, photo, rect)]
        self._current = None
        self._render()
        self._changed(finished=True)

    def load_photo(self, path: str, colour: bool = True) -> None:
        """Load a picture as a photo (in colour, or grey). Raises ``core.insight.inference.InferenceError``."""
        from convscope.core.insight.inference import load_image

        self.set_photo(load_image(path, "RGB" if colour else "L"), colour=colour)

    def load_image(self, path: str) -> None:
        """Load a PNG/JPG of a digit (either polarity). Raises ``core.insight.inference.InferenceError``."""
        from convscope.core.insight.inference import InferenceError, load_image

        if not self.set_image(load_image(path)):
            raise InferenceError(f"{path} looks blank: no ink stands out from the background.")

    # -- prediction --------------------------------------------------------------------------------
    def set_predictor(self, predictor) -> None:
        """The ``core.insight.inference.Predictor`` to use (None: no model)."""
        self._predictor = predictor
        self._cache = None

    def predictor(self):
        return self._predictor

    def result(self) -> CanvasPrediction | None:
        """Prediction for the current drawing (cached until the drawing or the model changes)."""
        from convscope.core.insight.inference import InferenceError, top_k

        p = self._predictor
        key = (self._version, id(p), getattr(p, "generation", 0))
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        result = None
        self.last_error = None
        if p is not None and not self.is_empty():
            try:
                prepared = self._on_canvas(p.prepare(self.model_input()))
                if prepared is not None:
                    probs = p.probabilities(prepared)
                    result = CanvasPrediction(prepared, probs, top_k(probs, len(probs)))
            except InferenceError as exc:
                self.last_error = str(exc)
            except Exception as exc:
                log.exception("prediction failed")
                self.last_error = f"prediction failed: {type(exc).__name__}: {exc}"
        self._cache = (key, result)
        return result

    def _on_canvas(self, prepared):
        """A photo's Prepared with its framing mapped from the photo's pixels (or the canvas over its area)
        onto the canvas."""
        based = self._photo_base()
        if prepared is None or prepared.framing is None or based is None:
            return prepared  # a drawing: framed on the canvas already
        base, f = based[0], prepared.framing
        top, left, h, w = base.rect
        sy, sx = h / max(1, f.source_shape[0]), w / max(1, f.source_shape[1])
        r0, c0, ch, cw = f.crop
        crop = (top + r0 * sy, left + c0 * sx, ch * sy, cw * sx)
        shape = (self._image.height(), self._image.width())
        return dataclasses.replace(prepared, framing=dataclasses.replace(f, source_shape=shape, crop=crop))

    def prediction(self) -> list[tuple[int, float]]:
        """``[(label, probability), …]`` best first for the current drawing; ``[]`` when it is empty or
        there is no model."""
        result = self.result()
        return [] if result is None else list(result.top)

    def set_overlay(self, heat: np.ndarray | None, frame: tuple | None = None) -> None:
        """A heat map over the canvas ((H, W) in [0, 1]), shown until the drawing changes; ``frame``:
        (top, left, height, width) of the region the network saw, outlined."""
        self._frame = None if heat is None or frame is None else QRectF(frame[1], frame[0], frame[3], frame[2])
        if heat is None:
            self._overlay = None
        else:
            rgba = heat_rgba(heat)
            h, w = rgba.shape[:2]
            self._overlay = QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()
        self.update()

    def has_overlay(self) -> bool:
        return self._overlay is not None

    # -- rendering ---------------------------------------------------------------------------------
    def _pen(self, stroke: _Stroke) -> QPen:
        colour = QColor(0, 0, 0) if stroke.erase else QColor(255, 255, 255)
        return QPen(colour, stroke.width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                    Qt.PenJoinStyle.RoundJoin)

    def _paint_stroke(self, painter: QPainter, stroke: _Stroke, points: list[QPointF] | None = None):
        painter.setPen(self._pen(stroke))
        pts = stroke.points if points is None else points
        if len(pts) == 1:
            painter.drawPoint(pts[0])
        else:
            painter.drawPolyline(QPolygonF(pts))

    def _render(self) -> None:
        self._image.fill(Qt.GlobalColor.black)
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for item in self._history:
            if isinstance(item, _Base):
                painter.fillRect(self._image.rect(), Qt.GlobalColor.black)
                x = (self._image.width() - item.image.width()) // 2
                y = (self._image.height() - item.image.height()) // 2
                painter.drawImage(x, y, item.image)
            else:
                self._paint_stroke(painter, item)
        painter.end()

    def _changed(self, finished: bool) -> None:
        self._version += 1
        self._overlay = None
        self.update()
        self.drawing_changed.emit()
        if finished:
            self.stroke_finished.emit()

    def _to_image(self, pos: QPointF) -> QPointF:
        sx = self._image.width() / max(1, self.width())
        sy = self._image.height() / max(1, self.height())
        return QPointF(pos.x() * sx, pos.y() * sy)

    # -- mouse -------------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        button = event.button()
        if self._current is not None or button not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            event.ignore()
            return
        erase = button == Qt.MouseButton.RightButton or self._eraser
        width = self.eraser_width if erase else self.pen_width
        p = self._to_image(event.position())
        self._current = _Stroke([p], erase, width)
        self._button = button
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_stroke(painter, self._current)
        painter.end()
        self._hover = event.position()
        self._changed(finished=False)
        event.accept()

    def mouseMoveEvent(self, event) -> None:
        self._hover = event.position()
        if self._current is None:
            self.update()
            return
        p = self._to_image(event.position())
        last = self._current.points[-1]
        if (p - last).manhattanLength() < 0.5:
            return
        self._current.points.append(p)
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_stroke(painter, self._current, [last, p])
        painter.end()
        self._changed(finished=False)
        event.accept()

    def mouseReleaseEvent(self, event) -> None:
        if self._current is None or event.button() != self._button:
            event.ignore()
            return
        self._history.append(self._current)
        self._current = None
        self._button = Qt.MouseButton.NoButton
        self._changed(finished=True)
        event.accept()

    def leaveEvent(self, event) -> None:
        self._hover = None
        self.update()
        super().leaveEvent(event)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        target = QRectF(self.rect())
        painter.drawImage(target, self._image)
        if self._overlay is not None and self._current is None:
            painter.drawImage(target, self._overlay)
            if self._frame is not None:
                k = self.width() / self._image.width()
                frame = QRectF(self._frame.x() * k, self._frame.y() * k, self._frame.width() * k,
                               self._frame.height() * k)
                painter.setPen(QPen(QColor(200, 200, 200, 160), 1, Qt.PenStyle.DashLine))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(frame)
        if self.is_empty():
            painter.setPen(QColor(120, 120, 120))
            font = QFont(self.font())
            font.setPointSizeF(font.pointSizeF() * 1.15)
            painter.setFont(font)
            painter.drawText(self.rect().adjusted(12, 0, -12, 0),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._placeholder)
        if self._hover is not None and self.underMouse() or self._current is not None:
            if self._hover is not None:
                erase = self._current.erase if self._current is not None else self._eraser
                r = (self.eraser_width if erase else self.pen_width) / 2 * self.width() / self._image.width()
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                painter.setPen(QPen(QColor(255, 140, 0) if erase else QColor(90, 160, 255), 1.2))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawEllipse(self._hover, r, r)
        painter.setPen(QPen(QColor(90, 90, 90), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        painter.end()
