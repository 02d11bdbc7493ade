"""Draw a digit and see what the network makes of it.

:class:`DrawCanvas` (``drawCanvas``) is a square of black paper on which the left mouse button draws
white ink with a round pen about as thick, relative to the digit, as MNIST's strokes (22 px on the 280-px
canvas: a digit about 200 px tall becomes 20 px, its strokes 2–3 px). The right button, or the eraser
toggle, erases. Strokes are rendered into a ``QImage`` and read back as a numpy array for prediction, which
goes through :mod:`core.inference` (MNIST's framing, then the run's normalisation).

:class:`DrawPanel` puts the canvas, its buttons and a :class:`~app.widgets.prediction.PredictionView`
together, and keeps the model the canvas predicts with: a CPU copy of the weights of the run being trained,
republished at every epoch end (never the module being trained), or a run loaded from disk.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QFont, QImage, QKeySequence, QPainter, QPen, QPolygonF, QShortcut
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton,
                               QSizePolicy, QToolButton, QVBoxLayout, QWidget)

from .prediction import PredictionView, heat_rgba

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


@dataclass
class CanvasPrediction:
    """The prediction for one state of the drawing."""

    prepared: Any  # core.inference.Prepared
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
    """The drawing surface. ``prediction()`` and ``clear()`` are the contract of DESIGN.md."""

    drawingChanged = Signal()  # any change, also while a stroke is being drawn
    strokeFinished = Signal()  # the drawing settled: pen lifted, undo, clear, image loaded
    eraserToggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None, size: int = CANVAS_SIZE):
        super().__init__(parent)
        self.setObjectName("drawCanvas")
        self.setAccessibleName("Drawing canvas")
        self.setAccessibleDescription("Draw a digit with the left mouse button; the right button erases.")
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
            self.eraserToggled.emit(on)
            self.update()

    def base_label(self) -> int | None:
        """The true label of the test sample under the strokes, if one is there."""
        for item in reversed(self._history):
            if isinstance(item, _Base):
                return item.label
        return None

    def image(self) -> QImage:
        return self._image.copy()

    def array(self) -> np.ndarray:
        """The drawing as a uint8 (H, W) array: white ink (255) on black (0)."""
        img = self._image
        h, w, bpl = img.height(), img.width(), img.bytesPerLine()
        buf = np.frombuffer(img.constBits(), np.uint8, count=bpl * h).reshape(h, bpl)
        return buf[:, : 4 * w].reshape(h, w, 4)[..., 1].copy()  # grey: every colour channel is the same

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
        from core.inference import to_light_on_dark

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

    def load_image(self, path: str) -> None:
        """Load a PNG/JPG of a digit (either polarity). Raises ``core.inference.InferenceError``."""
        from core.inference import InferenceError, load_image

        if not self.set_image(load_image(path)):
            raise InferenceError(f"{path} looks blank: no ink stands out from the background.")

    # -- prediction --------------------------------------------------------------------------------
    def set_predictor(self, predictor) -> None:
        """The ``core.inference.Predictor`` to use (None: no model)."""
        self._predictor = predictor
        self._cache = None

    def predictor(self):
        return self._predictor

    def result(self) -> CanvasPrediction | None:
        """Prediction for the current drawing (cached until the drawing or the model changes)."""
        from core.inference import InferenceError, top_k

        p = self._predictor
        key = (self._version, id(p), getattr(p, "generation", 0))
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        result = None
        self.last_error = None
        if p is not None and not self.is_empty():
            try:
                prepared = p.prepare(self.array())
                if prepared is not None:
                    probs = p.probabilities(prepared)
                    result = CanvasPrediction(prepared, probs, top_k(probs, len(probs)))
            except InferenceError as exc:
                self.last_error = str(exc)
            except Exception as exc:  # noqa: BLE001 - a broken model must not break drawing
                log.exception("prediction failed")
                self.last_error = f"prediction failed: {type(exc).__name__}: {exc}"
        self._cache = (key, result)
        return result

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
        self.drawingChanged.emit()
        if finished:
            self.strokeFinished.emit()

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
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             "Draw a digit here\n(right button erases)")
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


# --------------------------------------------------------------------------------------- test samples
class SampleSource:
    """Test images for "Use a test sample": an array of images (labels optional) or a callable.

    A callable is called with a ``numpy.random.Generator`` (or with no argument) and returns an image, an
    ``(image, label)`` pair, or an array of images (one of them is picked).
    """

    def __init__(self, provider, labels=None, seed: int = 0):
        self.provider = provider
        self.labels = None if labels is None else np.asarray(labels)
        self.rng = np.random.default_rng(seed)

    def _pick(self, images, labels=None) -> tuple[np.ndarray, int | None, int | None]:
        images = np.asarray(images)
        if images.ndim == 2:
            return images, None, None
        i = int(self.rng.integers(len(images)))
        label = None if labels is None or i >= len(labels) else int(labels[i])
        return images[i], label, i

    def next(self) -> tuple[np.ndarray, int | None, int | None]:
        """(image, true label or None, index or None)."""
        if callable(self.provider):
            try:
                out = self.provider(self.rng)
            except TypeError:
                out = self.provider()
            if isinstance(out, tuple) and len(out) == 2:
                img, label = out
                return np.asarray(img), None if label is None else int(label), None
            return self._pick(out)
        return self._pick(self.provider, self.labels)


# ------------------------------------------------------------------------------------------- the panel
class DrawPanel(QWidget):
    """Canvas + buttons + prediction view, and the model they use.

    Integration (the main window)::

        panel = DrawPanel()
        panel.install(main_window, internals=activations_controller)

    ``install`` adds the "Draw" tab and follows the window's runs (weights at every epoch end, runs opened
    with ``MainWindow.load_checkpoint``); "Show inside" hands the drawing to ``internals``.
    """

    showInsideRequested = Signal(object)  # core.inference.Prepared of the drawing (.tensor, .image)
    liveWeightsWanted = Signal()  # the user asked for the training model's current weights
    _weightsCopied = Signal(object)  # (config, weights, epoch, steps), emitted in the training thread

    THROTTLE_MS = 120  # predictions while the pen moves: at most one per this many ms

    def __init__(self, parent: QWidget | None = None, samples=None):
        super().__init__(parent)
        from core.inference import use_one_thread_here

        use_one_thread_here()  # predictions on this (GUI) thread never compete with training for cores
        self.setObjectName("drawPanel")
        self._live = None  # Predictor of the run being trained
        self._live_config = None  # core.config.TrainConfig of the run in training
        self._run = None  # Predictor of a run loaded from disk
        self._active: str | None = None  # "live" or "run"
        self._samples: SampleSource | None = None
        self._dataset_samples: dict[str, SampleSource] = {}
        self._main_window = None
        self._last_predict = 0.0
        self._cam_for: tuple | None = None
        self._has_refresh = False
        self._training = False
        self._internals = None
        self._weights_wanted = threading.Event()

        self.canvas = DrawCanvas(self)
        self.view = PredictionView(self)
        self.view.showInsideRequested.connect(self._show_inside)
        self._weightsCopied.connect(self._on_weights_copied)

        self.penButton = self._tool("Pen", "Draw with the left mouse button (P)", checkable=True)
        self.eraserButton = self._tool("Eraser", "Erase with the left button; the right button always "
                                       "erases (E)", checkable=True)
        self.penButton.setChecked(True)
        self.penButton.setObjectName("penButton")
        self.eraserButton.setObjectName("eraserButton")
        self.penButton.toggled.connect(lambda on: on and self.canvas.set_eraser(False))
        self.eraserButton.toggled.connect(lambda on: self.canvas.set_eraser(on))
        self.canvas.eraserToggled.connect(self._on_eraser_toggled)
        self.undoButton = self._tool("Undo stroke", "Remove the last stroke (Ctrl+Z)")
        self.undoButton.setObjectName("undoButton")
        self.undoButton.clicked.connect(self.canvas.undo)
        self.clearButton = self._tool("Clear", "Empty the canvas (Delete)")
        self.clearButton.setObjectName("clearButton")
        self.clearButton.clicked.connect(self.canvas.clear)
        # Keys that work while the focus is in this panel (not window-wide: other tabs keep theirs).
        for keys, slot in ((QKeySequence.StandardKey.Undo, self.canvas.undo),
                           (QKeySequence(Qt.Key.Key_Delete), self.canvas.clear),
                           (QKeySequence(Qt.Key.Key_E), lambda: self.canvas.set_eraser(not self.canvas.eraser())),
                           (QKeySequence(Qt.Key.Key_P), lambda: self.canvas.set_eraser(False))):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self.loadButton = QPushButton("Load image…")
        self.loadButton.setObjectName("loadImageButton")
        self.loadButton.setToolTip("Open a PNG or JPG of a digit (dark on light or light on dark)")
        self.loadButton.clicked.connect(self._choose_image)
        self.sampleButton = QPushButton("Use a test sample")
        self.sampleButton.setObjectName("testSampleButton")
        self.sampleButton.setToolTip("Put a random image of the test set on the canvas")
        self.sampleButton.clicked.connect(self.use_test_sample)
        self.overlayCheck = QCheckBox("Show where it looked")
        self.overlayCheck.setObjectName("gradCamCheck")
        self.overlayCheck.setToolTip("Grad-CAM: colour the parts of your drawing that pushed the network "
                                     "towards its answer")
        self.overlayCheck.toggled.connect(self._on_overlay_toggled)
        self.sourceCombo = QComboBox()
        self.sourceCombo.setObjectName("modelSourceCombo")
        self.sourceCombo.setToolTip("Which network predicts: the one training now, or a run from disk")
        self.sourceCombo.currentIndexChanged.connect(self._on_source_chosen)
        self.sourceCombo.hide()
        self.refreshButton = QPushButton("Latest weights")
        self.refreshButton.setObjectName("latestWeightsButton")
        self.refreshButton.setToolTip("Use the weights the training has now, without waiting for the "
                                      "end of the epoch")
        self.refreshButton.clicked.connect(self.request_latest_weights)
        self.refreshButton.hide()
        self.messageLabel = QLabel()
        self.messageLabel.setObjectName("drawMessage")
        self.messageLabel.setWordWrap(True)
        self.messageLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.messageLabel.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.messageLabel.hide()

        tools = QHBoxLayout()
        tools.setSpacing(4)
        for w in (self.penButton, self.eraserButton, self.undoButton, self.clearButton):
            tools.addWidget(w)
        tools.addStretch(1)
        more = QHBoxLayout()
        more.setSpacing(4)
        more.addWidget(self.loadButton)
        more.addWidget(self.sampleButton)
        more.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(self.canvas, 0, Qt.AlignmentFlag.AlignLeft)
        left.addLayout(tools)
        left.addLayout(more)
        left.addWidget(self.overlayCheck)
        left.addStretch(1)
        src = QHBoxLayout()
        src.addWidget(self.sourceCombo, 1)
        src.addWidget(self.refreshButton)
        right = QVBoxLayout()
        right.addLayout(src)
        right.addWidget(self.view, 1)
        top = QHBoxLayout()
        top.addLayout(left)
        top.addLayout(right, 1)
        outer = QVBoxLayout(self)
        outer.addLayout(top, 1)
        outer.addWidget(self.messageLabel)

        self._predict_timer = QTimer(self)
        self._predict_timer.setSingleShot(True)
        self._predict_timer.timeout.connect(self.update_prediction)
        self._cam_timer = QTimer(self)
        self._cam_timer.setSingleShot(True)
        self._cam_timer.timeout.connect(self.update_grad_cam)
        self.canvas.drawingChanged.connect(self._on_drawing_changed)
        self.canvas.strokeFinished.connect(self._on_stroke_finished)
        self.canvas.drawingChanged.connect(self._update_buttons)
        if samples is not None:
            self.set_test_samples(samples)
        self._update_buttons()
        self._apply_source()

    def _tool(self, text: str, tip: str, checkable: bool = False) -> QToolButton:
        b = QToolButton()
        b.setText(text)
        b.setToolTip(tip)
        b.setCheckable(checkable)
        b.setAutoExclusive(checkable)
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return b

    # -- public API --------------------------------------------------------------------------------
    def predictor(self):
        """The ``core.inference.Predictor`` in use, or None."""
        return self.canvas.predictor()

    def set_live_weights(self, config, weights: dict, epoch: int) -> bool:
        """Predict with a CPU copy of ``weights`` (a state dict, e.g. ``EpochEnd.weights``) of a model
        built from ``config`` (a TrainConfig dict or TrainConfig). The tensors are copied into a model of
        this panel's own; the training module is never touched. Returns False (with a message) on
        weights that do not fit the configuration."""
        from core.config import TrainConfig
        from core.inference import Predictor

        try:
            if not isinstance(config, TrainConfig):
                config = TrainConfig.from_dict(dict(config), check_device=False)
            if self._live is not None and self._live.config == config:
                self._live.update_weights(weights, int(epoch))
            else:
                self._live = Predictor.from_weights(config, weights, epoch=int(epoch))
        except Exception as exc:  # noqa: BLE001 - wrong or broken weights: say so, keep drawing
            log.warning("cannot use live weights: %s", exc)
            self.show_message(f"Cannot use the training's weights: {_first_line(exc)}", error=True)
            return False
        self._live_config = config
        if self._active != "run" or self._run is None:
            self._active = "live"
        self._apply_source()
        return True

    def load_checkpoint(self, path) -> bool:
        """Predict with the run saved in ``path`` (a run directory). On a bad path or damaged files the
        panel shows what is wrong and returns False; nothing is raised."""
        from core.checkpoints import load_run
        from core.inference import Predictor

        try:
            run = load_run(path)
            predictor = Predictor.from_run(run)
        except Exception as exc:  # noqa: BLE001 - CheckpointError, ConfigError, anything odd in the files
            self.show_message(f"Could not open the run: {_first_line(exc)}", error=True)
            return False
        self._run = predictor
        self._active = "run"
        self._apply_source()
        self.show_message("", error=False)
        return True

    def set_test_samples(self, provider, labels=None) -> None:
        """Where "Use a test sample" takes its images: an array (N, H, W), (N, 1, H, W) or (N, H, W, C)
        with optional ``labels``, or a callable (see :class:`SampleSource`). Without one, the test split
        of the model's dataset is used."""
        self._samples = None if provider is None else SampleSource(provider, labels)

    def use_test_sample(self) -> bool:
        source = self._samples or self._dataset_source()
        if source is None:
            return False
        try:
            image, label, index = source.next()
        except Exception as exc:  # noqa: BLE001 - a provider that fails must not break the window
            self.show_message(f"No test sample: {_first_line(exc)}", error=True)
            return False
        if not self.canvas.set_image(image, label):
            self.show_message("That test sample is blank; try another.", error=True)
            return False
        what = f"Test sample #{index}" if index is not None else "Test sample"
        self.show_message(what + (f" — its label: {self._class_name(label)}." if label is not None else "."),
                          error=False)
        return True

    def load_image_file(self, path: str) -> bool:
        from core.inference import InferenceError

        try:
            self.canvas.load_image(path)
        except InferenceError as exc:
            self.show_message(str(exc), error=True)
            return False
        self.show_message(f"Loaded {path}.", error=False)
        return True

    def show_message(self, text: str, error: bool = True) -> None:
        self.messageLabel.setText(text)
        self.messageLabel.setProperty("error", bool(error))
        colour = "#c62828" if error else "palette(window-text)"
        self.messageLabel.setStyleSheet(f"color: {colour};")
        self.messageLabel.setVisible(bool(text))

    def message(self) -> str:
        return self.messageLabel.text() if self.messageLabel.isVisible() else ""

    # -- main window -------------------------------------------------------------------------------
    def install(self, main_window, internals=None) -> None:
        """Add this panel as the "Draw" tab of ``main_window`` and follow its runs.

        Uses ``main_window.add_inside_tab(widget, title)``, its signals ``run_started(RunStarted)``,
        ``epoch_finished(EpochEnd)`` (weights published by the trainer), and when there
        ``run_finished``, ``checkpoint_loaded(LoadedRun)`` (File → Open run…, ``load_checkpoint``),
        ``trainer_setup_hooks`` (for "Latest weights" in the middle of an epoch) and ``current_config()``.
        ``internals``: the live-internals controller (anything with ``set_probe_image(prepared, label=,
        source=)``, e.g. ``ActivationsController``); "Show inside" sends the drawing there.
        """
        self._main_window = main_window
        main_window.add_inside_tab(self, "Draw")
        for name, slot in (("run_started", self.on_run_started), ("epoch_finished", self.on_epoch_finished),
                           ("run_finished", self.on_run_finished),
                           ("checkpoint_loaded", self.on_checkpoint_loaded)):
            signal = getattr(main_window, name, None)
            if signal is not None:
                signal.connect(slot)
        hooks = getattr(main_window, "trainer_setup_hooks", None)
        if isinstance(hooks, list):
            hooks.append(self.attach_trainer)
        if internals is None:
            internals = getattr(main_window, "activations", None)
        self.set_internals(internals)

    def set_internals(self, internals) -> None:
        """Where "Show inside" sends the drawing: an object with ``set_probe_image`` (or None)."""
        self._internals = internals if callable(getattr(internals, "set_probe_image", None)) else None

    @Slot(object)
    def _show_inside(self, prepared) -> None:
        self.showInsideRequested.emit(prepared)
        internals = self._internals
        if internals is None:
            return
        if getattr(internals, "probe", True) is None:
            self.show_message("Start a training run first: the feature-map views show a network as it "
                              "trains.", error=True)
            return
        try:
            internals.set_probe_image(prepared, label=None, source="your drawing")
        except Exception as exc:  # noqa: BLE001
            self.show_message(f"Could not show the drawing inside: {_first_line(exc)}", error=True)
            return
        views = getattr(internals, "views", None)
        tabs = getattr(self._main_window, "tabs", None)
        if views and tabs is not None and tabs.indexOf(views[0]) >= 0:
            tabs.setCurrentWidget(views[0])
        self.show_message("Your drawing is now the probe image of the feature-map views.", error=False)

    def attach_trainer(self, trainer) -> None:
        """GUI thread, before the run starts: let "Latest weights" take a copy between two batches."""
        self._has_refresh = True
        trainer.step_hooks.append(self._step_hook)

    def _step_hook(self, trainer) -> None:
        """Training thread, between two batches: copy the weights if they were asked for."""
        if not self._weights_wanted.is_set():
            return
        self._weights_wanted.clear()
        steps = trainer.global_step - trainer.epochs_done * trainer.steps_per_epoch
        try:
            self._weightsCopied.emit((trainer.config, trainer.weights_copy(),
                                      trainer.epochs_done, steps))
        except RuntimeError:  # this panel is gone
            pass

    @Slot()
    def request_latest_weights(self) -> None:
        """Ask the running training for a copy of its weights now (taken between two batches)."""
        if self._training:
            self._weights_wanted.set()
            self.refreshButton.setEnabled(False)
        self.liveWeightsWanted.emit()

    @Slot(object)
    def _on_weights_copied(self, payload) -> None:
        config, weights, epoch, steps = payload
        self.refreshButton.setEnabled(True)
        if self.set_live_weights(config, weights, epoch):
            self._live.note = f"+{steps} steps" if steps > 0 else ""
            self._active = "live"
            self._apply_source()

    @Slot(object)
    def on_run_started(self, event) -> None:
        """A run started (``RunStarted``): remember its configuration for the weights to come."""
        config = getattr(event, "config", None)
        if config is None:
            return
        self._live_config = config
        self._training = True
        self.refreshButton.setEnabled(True)
        if getattr(event, "start_epoch", 0) == 0 and self._live is not None:
            self._live = None  # a new run: the previous run's weights no longer describe it
            if self._active == "live":
                self._active = None
        self._apply_source()
        if self._active is None:
            self.show_message("Training started: the canvas uses the network after its first epoch"
                              + (" (or press “Latest weights”)." if self._has_refresh else "."), error=False)

    @Slot(object)
    def on_run_finished(self, _result=None) -> None:
        self._training = False
        self._weights_wanted.clear()
        self.refreshButton.setEnabled(True)
        self._apply_source()

    @Slot(object)
    def on_epoch_finished(self, event) -> None:
        """An epoch ended (``EpochEnd``): predict with its published weights."""
        weights = getattr(event, "weights", None)
        if weights is None:
            self.show_message("The training did not publish its weights, so the canvas cannot use it.",
                              error=True)
            return
        config = self._live_config
        if config is None and self._main_window is not None and hasattr(self._main_window, "current_config"):
            config = self._main_window.current_config()
        if config is None:
            self.show_message("No configuration known for the training's weights.", error=True)
            return
        if self.set_live_weights(config, weights, int(getattr(event, "epoch", 0))):
            if self.message().startswith("Training started"):
                self.show_message("", error=False)

    @Slot(object)
    def on_checkpoint_loaded(self, run) -> None:
        """A run opened elsewhere (``LoadedRun``): predict with it."""
        from core.inference import Predictor

        try:
            predictor = Predictor.from_run(run)
        except Exception as exc:  # noqa: BLE001
            self.show_message(f"Could not use the run: {_first_line(exc)}", error=True)
            return
        self._run = predictor
        self._active = "run"
        self._apply_source()

    # -- scheduling --------------------------------------------------------------------------------
    @Slot()
    def _on_drawing_changed(self) -> None:
        self._cam_timer.stop()
        if self.canvas.is_drawing() and not self._predict_timer.isActive():
            since = (time.perf_counter() - self._last_predict) * 1000
            self._predict_timer.start(int(max(0, self.THROTTLE_MS - since)))

    @Slot()
    def _on_stroke_finished(self) -> None:
        self._predict_timer.start(0)  # pen up: the bars follow at the next turn of the event loop

    @Slot()
    def update_prediction(self) -> None:
        """Predict the current drawing now and show it (bars, input image)."""
        self._predict_timer.stop()
        self._last_predict = time.perf_counter()
        result = self.canvas.result()
        predictor = self.canvas.predictor()
        if result is None:
            self.view.show_prediction(None, None, None)
            if self.canvas.last_error:
                self.show_message(self.canvas.last_error, error=True)
            return
        self.view.show_prediction(result.probs, result.prepared, predictor)
        if not self.canvas.is_drawing():
            self._cam_timer.start(0)  # Grad-CAM after the bars are on screen

    @Slot()
    def update_grad_cam(self) -> None:
        """Grad-CAM of the current prediction: in the view, and on the canvas when asked for."""
        if self.canvas.is_drawing():
            return
        result = self.canvas.result()
        predictor = self.canvas.predictor()
        if result is None or predictor is None:
            self.view.show_cam(None)
            self.canvas.set_overlay(None)
            return
        key = (self.canvas.version(), id(predictor), predictor.generation)
        try:
            cam = predictor.grad_cam(result.prepared)
        except Exception as exc:  # noqa: BLE001 - an explanation failing must not break prediction
            log.warning("Grad-CAM failed: %s", exc)
            self.view.show_cam(None)
            return
        self._cam_for = (key, cam)
        self.view.show_cam(cam, result.prepared, predictor)
        self._apply_overlay()

    def _apply_overlay(self) -> None:
        if not self.overlayCheck.isChecked() or self._cam_for is None:
            self.canvas.set_overlay(None)
            return
        key, cam = self._cam_for
        predictor = self.canvas.predictor()
        if predictor is None or key != (self.canvas.version(), id(predictor), predictor.generation):
            return
        result = self.canvas.result()
        framing = None if result is None else result.prepared.framing
        if framing is None:
            self.canvas.set_overlay(None)
            return
        self.canvas.set_overlay(framing.to_source(cam.heatmap), framing.field_rect())

    @Slot(bool)
    def _on_overlay_toggled(self, on: bool) -> None:
        if on and (self._cam_for is None or self._cam_for[0][0] != self.canvas.version()):
            self.update_grad_cam()
        else:
            self._apply_overlay()

    # -- model source ------------------------------------------------------------------------------
    def _apply_source(self) -> None:
        predictor = self._live if self._active == "live" else self._run if self._active == "run" else None
        self.canvas.set_predictor(predictor)
        self._cam_for = None
        self.sourceCombo.blockSignals(True)
        self.sourceCombo.clear()
        if self._live is not None:
            self.sourceCombo.addItem(f"Network in training ({self._live.config.arch}, epoch {self._live.epoch})",
                                     "live")
        if self._run is not None:
            self.sourceCombo.addItem(f"Run from disk ({self._run.config.arch}, epoch {self._run.epoch})", "run")
        idx = self.sourceCombo.findData(self._active)
        self.sourceCombo.setCurrentIndex(max(idx, 0))
        self.sourceCombo.blockSignals(False)
        self.sourceCombo.setVisible(self.sourceCombo.count() > 1)
        self.refreshButton.setVisible(self._has_refresh and self._training)
        self.view.set_model(predictor)
        self.sampleButton.setEnabled(self._samples is not None or predictor is not None)
        self.update_prediction()

    @Slot(int)
    def _on_source_chosen(self, index: int) -> None:
        choice = self.sourceCombo.itemData(index)
        if choice in ("live", "run") and choice != self._active:
            self._active = choice
            self._apply_source()

    def _dataset_source(self) -> SampleSource | None:
        predictor = self.canvas.predictor()
        if predictor is None:
            self.show_message("No test set yet: train a network or open a run first.", error=True)
            return None
        dataset = predictor.config.dataset
        if dataset not in self._dataset_samples:
            from core.data import DataError, load_split

            try:
                images, labels = load_split(dataset, "test", predictor.config.data_root, download=False)
            except DataError as exc:
                self.show_message(f"No test samples: {exc}", error=True)
                return None
            self._dataset_samples[dataset] = SampleSource(images, labels)
        return self._dataset_samples[dataset]

    def _class_name(self, label: int) -> str:
        predictor = self.canvas.predictor()
        if predictor is not None and 0 <= label < len(predictor.classes):
            return predictor.classes[label]
        return str(label)

    # -- buttons -----------------------------------------------------------------------------------
    @Slot()
    def _update_buttons(self) -> None:
        self.undoButton.setEnabled(self.canvas.can_undo())
        self.clearButton.setEnabled(not self.canvas.is_empty())

    @Slot(bool)
    def _on_eraser_toggled(self, on: bool) -> None:
        (self.eraserButton if on else self.penButton).setChecked(True)

    @Slot()
    def _choose_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load an image of a digit", "",
                                              "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp);;All files (*)")
        if path:
            self.load_image_file(path)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
