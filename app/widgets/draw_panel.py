"""The Draw tab: draw a digit (or load one) and see what the network makes of it.

A network of photos (CIFAR-10, your own images) is shown a photo instead: a picture loaded from a file or
a test sample, in colour on the canvas and resized whole to the network's input size; the panel says so,
and drawing stays possible. Digits and clothes (Fashion-MNIST) are drawn, and framed like their dataset.

:class:`DrawPanel` puts the :class:`~app.widgets.canvas.DrawCanvas`, its tools and a
:class:`~app.widgets.prediction.PredictionView` together, schedules the predictions while the pen moves,
shows Grad-CAM, and follows the main window's runs. Which network predicts is kept by an
:class:`~app.model_source.ModelSource`: a CPU copy of the weights of the run being trained, republished at
every epoch end (never the module being trained), or a run opened from disk.
"""
from __future__ import annotations

import logging
import time

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core_texts import core_text
from ..model_source import ModelSource, NoTestSamples
from .canvas import DrawCanvas
from .prediction import PredictionView

log = logging.getLogger("convscope.gui")


class DrawPanel(QWidget):
    """Canvas + buttons + prediction view, and the model they use.

    Integration (the main window)::

        panel = DrawPanel()
        panel.install(session, host, internals=activations_controller)

    ``install`` adds the "Draw" tab and follows the session's runs (weights at every epoch end, runs
    opened with ``MainWindow.load_checkpoint``); "Show inside" hands the drawing to ``internals``.
    """

    show_inside_requested = Signal(object)  # core.insight.inference.Prepared of the drawing (.tensor, .image)
    live_weights_wanted = Signal()  # the user asked for the training model's current weights

    THROTTLE_MS = 120  # predictions while the pen moves: at most one per this many ms

    def __init__(self, parent: QWidget | None = None, samples=None):
        super().__init__(parent)
        from convscope.core.insight.inference import use_one_thread_here

        # Predictions on this (GUI) thread never compete with training for cores; its count comes back
        # when the panel (or the window it is in) closes, or at the latest when it goes.
        self.give_back_threads = use_one_thread_here()
        self.destroyed.connect(self.give_back_threads)
        self.setObjectName("drawPanel")
        self._session = self._host = None
        self._last_predict = 0.0
        self._cam_for: tuple | None = None
        self._internals = None

        self.source = ModelSource(self)
        self.canvas = DrawCanvas(self)
        self.view = PredictionView(self)
        self.view.show_inside_requested.connect(self._show_inside)

        self.penButton = self._tool(self.tr(
            "Pen"), "penButton", self.tr(
            "Draw with the left mouse button (P)"), checkable=True)
        self.eraserButton = self._tool(self.tr(
            "Eraser"), "eraserButton", self.tr(
            "Erase with the left button; the right button always erases (E)"), checkable=True)
        self.penButton.setChecked(True)
        self.penButton.toggled.connect(lambda on: on and self.canvas.set_eraser(False))
        self.eraserButton.toggled.connect(lambda on: self.canvas.set_eraser(on))
        self.canvas.eraser_toggled.connect(self._on_eraser_toggled)
        self.undoButton = self._tool(self.tr("Undo stroke"), "undoButton", self.tr("Remove the last stroke (Ctrl+Z)"))
        self.undoButton.clicked.connect(self.canvas.undo)
        self.clearButton = self._tool(self.tr("Clear"), "clearButton", self.tr("Empty the canvas (Delete)"))
        self.clearButton.clicked.connect(self.canvas.clear)
        # Keys that work while the focus is in this panel (not window-wide: other tabs keep theirs).
        for keys, slot in ((QKeySequence.StandardKey.Undo, self.canvas.undo),
                           (QKeySequence(Qt.Key.Key_Delete), self.canvas.clear),
                           (QKeySequence(Qt.Key.Key_E), lambda: self.canvas.set_eraser(not self.canvas.eraser())),
                           (QKeySequence(Qt.Key.Key_P), lambda: self.canvas.set_eraser(False))):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self.loadButton = _push(self.tr("Load image…"), "loadImageButton",
                                self.tr("Open a PNG or JPG of a digit (dark on light or light on dark)"))
        self.loadButton.clicked.connect(self._choose_image)
        self.sampleButton = _push(self.tr("Use a test sample"), "testSampleButton",
                                  self.tr("Put a random image of the test set on the canvas"))
        self.sampleButton.clicked.connect(self.use_test_sample)
        self.overlayCheck = QCheckBox(self.tr("Show where it looked"))
        self.overlayCheck.setObjectName("gradCamCheck")
        self.overlayCheck.setToolTip(self.tr("Grad-CAM: colour the parts of your drawing that pushed the network "
                                             "towards its answer"))
        self.overlayCheck.toggled.connect(self._on_overlay_toggled)
        self.sourceCombo = QComboBox()
        self.sourceCombo.setObjectName("modelSourceCombo")
        self.sourceCombo.setToolTip(self.tr("Which network predicts: the one training now, or a run from disk"))
        self.sourceCombo.currentIndexChanged.connect(self._on_source_chosen)
        self.sourceCombo.hide()
        self.refreshButton = _push(self.tr("Latest weights"), "latestWeightsButton",
                                   self.tr("Use the weights the training has now, without waiting for the end "
                                           "of the epoch"))
        self.refreshButton.clicked.connect(self.request_latest_weights)
        self.refreshButton.hide()
        self.messageLabel = QLabel()
        self.messageLabel.setObjectName("drawMessage")
        self.messageLabel.setWordWrap(True)
        self.messageLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.messageLabel.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.messageLabel.hide()
        self._timeline_note = ""  # what the message says about the window's timeline ("" nothing)
        self.photoHint = QLabel(self.tr("This network classifies photos: load an image or use a test sample. "
                                        "Drawing is for digit networks."))
        self.photoHint.setObjectName("photoHint")
        self.photoHint.setWordWrap(True)
        self.photoHint.setFixedWidth(self.canvas.width())
        self.photoHint.setStyleSheet("color: #1565c0;")
        self.photoHint.hide()

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
        left.addWidget(self.photoHint)
        left.addWidget(self.canvas, 0, Qt.AlignmentFlag.AlignLeft)
        left.addLayout(tools)
        left.addLayout(more)
        self._left, self._rows = left, (tools, more)  # for photos the image buttons come first
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
        self.canvas.drawing_changed.connect(self._on_drawing_changed)
        self.canvas.stroke_finished.connect(self._on_stroke_finished)
        self.canvas.drawing_changed.connect(self._update_buttons)
        self.source.changed.connect(self._apply_source)
        self.source.live_weights_refused.connect(self._on_live_weights_refused)
        if samples is not None:
            self.set_test_samples(samples)
        self._update_buttons()
        self._apply_source()

    def _tool(self, text: str, name: str, tip: str, checkable: bool = False) -> QToolButton:
        b = QToolButton()
        b.setText(text)
        b.setObjectName(name)
        b.setToolTip(tip)
        b.setCheckable(checkable)
        b.setAutoExclusive(checkable)
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return b

    # -- public API --------------------------------------------------------------------------------
    def predictor(self):
        """The ``core.insight.inference.Predictor`` in use, or None."""
        return self.canvas.predictor()

    def set_live_weights(self, config, weights: dict, epoch: int) -> bool:
        """Predict with a CPU copy of ``weights`` (a state dict, e.g. ``EpochEnd.weights``) of a model
        built from ``config`` (a ``core.setup.config.TrainConfig``); see :meth:`ModelSource.set_live_weights`.
        Returns False (with a message) on weights that do not fit the configuration."""
        try:
            self.source.set_live_weights(config, weights, epoch)
        except Exception as exc:  # noqa: BLE001 - wrong or broken weights: say so, keep drawing
            log.warning("cannot use live weights: %s", exc)
            self.show_message(self.tr("Cannot use the training's weights: {reason}").format(reason=_first_line(exc)),
                              error=True)
            return False
        return True

    def load_checkpoint(self, path) -> bool:
        """Predict with the run saved in ``path`` (a run directory). On a bad path or damaged files the
        panel shows what is wrong and returns False; nothing is raised."""
        try:
            self.source.load_run(path)
        except Exception as exc:  # noqa: BLE001 - CheckpointError, ConfigError, anything odd in the files
            self.show_message(self.tr("Could not open the run: {reason}").format(reason=_first_line(exc)), error=True)
            return False
        self.show_message("", error=False)
        return True

    def set_test_samples(self, provider, labels=None) -> None:
        """Where "Use a test sample" takes its images: an array (N, H, W), (N, 1, H, W) or (N, H, W, C)
        with optional ``labels``, or a callable (see :class:`~app.model_source.SampleSource`). Without
        one, the test split of the model's dataset is used."""
        self.source.set_test_samples(provider, labels)

    def photos(self) -> bool:
        """The network in use classifies photos (CIFAR-10, your own images), not drawings."""
        return self.canvas.predictor() is not None and self.view.kind() == "photos"

    def use_test_sample(self) -> bool:
        try:
            source = self.source.test_samples()
        except NoTestSamples as exc:
            self.show_message(str(exc), error=True)
            return False
        try:
            image, label, index = source.next()
        except Exception as exc:  # noqa: BLE001 - a provider that fails must not break the window
            self.show_message(self.tr("No test sample: {reason}").format(reason=_first_line(exc)), error=True)
            return False
        what = self.tr("Test sample #{n}").format(n=index) if index is not None else self.tr("Test sample")
        return self.show_sample(image, label, what)

    def show_sample(self, image, label: int | None, what: str) -> bool:
        """Put a dataset image (uint8) on the canvas, predicted with its Grad-CAM; ``what`` names it."""
        from convscope.core.insight.inference import InferenceError

        if self.photos():
            try:
                self.canvas.set_photo(image, label, colour=self.canvas.predictor().info.channels == 3)
            except InferenceError as exc:
                self.show_message(self.tr("No test sample: {reason}").format(reason=exc), error=True)
                return False
        elif not self.canvas.set_image(image, label):
            self.show_message(self.tr("That test sample is blank; try another."), error=True)
            return False
        self.show_message(what + (self.tr(" — its label: {name}.").format(name=self._class_name(label))
                                  if label is not None else self.tr(".")),
                          error=False)
        return True

    def load_image_file(self, path: str) -> bool:
        from convscope.core.insight.inference import InferenceError

        try:
            if self.photos():
                self.canvas.load_photo(path, colour=self.canvas.predictor().info.channels == 3)
            else:
                self.canvas.load_image(path)
        except InferenceError as exc:
            self.show_message(str(exc), error=True)
            return False
        self.show_message(self.tr("Loaded {path}.").format(path=path), error=False)
        return True

    def show_message(self, text: str, error: bool = True) -> None:
        self.messageLabel.setText(text)
        self.messageLabel.setProperty("error", bool(error))
        colour = "#c62828" if error else "palette(window-text)"
        self.messageLabel.setStyleSheet(f"color: {colour};")
        self.messageLabel.setVisible(bool(text))

    def _on_timeline_step(self, step) -> None:
        """At a step of the window's timeline this tab says that it predicts (and Grad-CAM looks) with the
        network of now: the weights of earlier steps are not kept."""
        note = "" if step is None else self.tr(
            "The timeline shows step {step}; this tab's prediction and Grad-CAM use the network now (the weights "
            "of earlier steps are not kept).").format(step=f"{step:,}")
        if note or self.messageLabel.text() == self._timeline_note:
            self.show_message(note, error=False)
        self._timeline_note = note

    def message(self) -> str:
        return self.messageLabel.text() if self.messageLabel.isVisible() else ""

    # -- main window -------------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        """A panel of its own closed: the GUI thread's torch thread count is put back (inside the window,
        the window's close does this)."""
        self.give_back_threads()
        super().closeEvent(event)

    def install(self, session, host, internals=None) -> None:
        """Add this panel as the "Draw" tab (``host.add_tab``) and follow the session's runs.

        Uses the session's (``app.session.Session``) signals ``run_started(RunStarted)``,
        ``epoch_finished(EpochEnd)`` (weights published by the trainer), ``run_finished`` and
        ``run_opened(LoadedRun)`` (File → Open run…, ``load_checkpoint``), its ``trainer_setup_hooks`` (the
        Draw tab follows each new run; "Latest weights" in the middle of an epoch), ``current_config()``
        and ``loaded_run`` (a run opened before this panel was installed: used at once).
        ``internals``: the live-internals controller (anything with ``set_probe_image(prepared, label=,
        source=)``, e.g. ``ActivationsController``); "Show inside" sends the drawing there.
        """
        self._session, self._host = session, host
        host.add_tab(self, self.tr("Draw"))
        for signal, slot in ((session.run_started, self.on_run_started),
                             (session.epoch_finished, self.on_epoch_finished),
                             (session.run_finished, self.on_run_finished),
                             (session.run_opened, self.on_checkpoint_loaded)):
            signal.connect(slot)
        session.trainer_setup_hooks.append(self.attach_trainer)
        session.timeline.step_changed.connect(self._on_timeline_step)
        self.set_internals(internals)
        if session.loaded_run is not None:  # opened before this panel existed (during the window's start-up)
            self.on_checkpoint_loaded(session.loaded_run)

    def set_internals(self, internals) -> None:
        """Where "Show inside" sends the drawing: an object with ``set_probe_image`` (or None)."""
        self._internals = internals if callable(getattr(internals, "set_probe_image", None)) else None

    @Slot(object)
    def _show_inside(self, prepared) -> None:
        self.show_inside_requested.emit(prepared)
        internals = self._internals
        if internals is None:
            return
        if getattr(internals, "probe", True) is None:
            self.show_message(self.tr("Start a training run first: the feature-map views show a network as it "
                                      "trains."), error=True)
            return
        try:
            internals.set_probe_image(prepared, label=None, source="your drawing")
        except Exception as exc:  # noqa: BLE001
            self.show_message(self.tr("Could not show the drawing inside: {reason}").format(reason=_first_line(exc)),
                              error=True)
            return
        views = getattr(internals, "views", None)
        if views and self._host is not None:
            self._host.show_tab(views[0])
        self.show_message(self.tr("Your drawing is now the probe image of the feature-map views."), error=False)

    def attach_trainer(self, trainer) -> None:
        """GUI thread, before the run starts: the tab follows the run in training, not an old one, and
        "Latest weights" may take a copy between two batches."""
        self.source.begin_training(trainer.config, new_run=True)
        self.source.attach_trainer(trainer)

    @Slot()
    def request_latest_weights(self) -> None:
        """Ask the running training for a copy of its weights now (taken between two batches)."""
        self.source.request_latest_weights()
        self._update_refresh_button()
        self.live_weights_wanted.emit()

    @Slot(str)
    def _on_live_weights_refused(self, reason: str) -> None:
        self._update_refresh_button()
        self.show_message(self.tr("Cannot use the training's weights: {reason}").format(reason=reason), error=True)

    @Slot(object)
    def on_run_started(self, event) -> None:
        """A run started (``RunStarted``): remember its configuration for the weights to come."""
        config = getattr(event, "config", None)
        if config is None:
            return
        self.source.begin_training(config, new_run=getattr(event, "start_epoch", 0) == 0)
        if self.source.active() is None:
            self.show_message(self._started_text()
                              + (self.tr(
                                  " (or press “Latest weights”).") if self.source.can_refresh() else self.tr(
                                  ".")),
                              error=False)

    def _started_text(self) -> str:
        return self.tr("Training started: the canvas uses the network after its first epoch")

    @Slot(object)
    def on_run_finished(self, _result=None) -> None:
        self.source.end_training()
        if self.messageLabel.text().startswith(self._started_text()):  # about a run that ended: no longer true
            self.show_message("", error=False)

    @Slot(object)
    def on_epoch_finished(self, event) -> None:
        """An epoch ended (``EpochEnd``): predict with its published weights."""
        weights = getattr(event, "weights", None)
        if weights is None:
            self.show_message(self.tr("The training did not publish its weights, so the canvas cannot use it."),
                              error=True)
            return
        config = self.source.live_config()
        if config is None and self._session is not None:
            config = self._session.current_config()
        if config is None:
            self.show_message(self.tr("No configuration known for the training's weights."), error=True)
            return
        if self.set_live_weights(config, weights, int(getattr(event, "epoch", 0))):
            if self.message().startswith(self._started_text()):
                self.show_message("", error=False)

    @Slot(object)
    def on_checkpoint_loaded(self, run) -> None:
        """A run opened elsewhere (``LoadedRun``): predict with it."""
        try:
            self.source.use_run(run)
        except Exception as exc:  # noqa: BLE001
            self.show_message(self.tr("Could not use the run: {reason}").format(reason=_first_line(exc)), error=True)

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
    @Slot()
    def _apply_source(self) -> None:
        """Show the model the source has in use, its choices and the training's state."""
        predictor = self.source.active()
        self.canvas.set_predictor(predictor)
        self._cam_for = None
        self.sourceCombo.blockSignals(True)
        self.sourceCombo.clear()
        for key, text in self.source.choices():
            self.sourceCombo.addItem(text, key)
        idx = self.sourceCombo.findData(self.source.active_key())
        self.sourceCombo.setCurrentIndex(max(idx, 0))
        self.sourceCombo.blockSignals(False)
        self.sourceCombo.setVisible(self.sourceCombo.count() > 1)
        self._update_refresh_button()
        self.view.set_model(predictor)
        self._show_kind()
        self.sampleButton.setEnabled(self.source.has_test_samples())
        self.update_prediction()

    def _show_kind(self) -> None:
        """Hint, placeholder, tooltips and the order of the buttons for what the network classifies."""
        kind = self.view.kind() if self.canvas.predictor() is not None else "digits"
        photos = kind == "photos"
        self.photoHint.setVisible(photos)
        self.canvas.set_placeholder({
            "digits": self.tr("Draw a digit here\n(right button erases)"),
            "clothes": self.tr("Draw a piece of clothing here\n(right button erases)"),
            "photos": self.tr("Load an image or use a test sample\n(drawing works too)")}[kind])
        self.loadButton.setToolTip(self.tr("Open a PNG or JPG photo: the network sees it resized whole") if photos
                                   else self.tr("Open a PNG or JPG of a digit (dark on light or light on dark)"))
        first, second = self._rows[::-1] if photos else self._rows
        at = self._left.indexOf(self.canvas) + 1
        if self._left.itemAt(at).layout() is not first:
            for row in self._rows:
                self._left.removeItem(row)
            self._left.insertLayout(at, first)
            self._left.insertLayout(at + 1, second)

    def _update_refresh_button(self) -> None:
        self.refreshButton.setVisible(self.source.can_refresh())
        self.refreshButton.setEnabled(not self.source.waiting_for_weights())

    @Slot(int)
    def _on_source_chosen(self, index: int) -> None:
        key = self.sourceCombo.itemData(index)
        if isinstance(key, str):
            self.source.select(key)

    def _class_name(self, label: int) -> str:
        predictor = self.canvas.predictor()
        if predictor is not None and 0 <= label < len(predictor.classes):
            return core_text(predictor.classes[label])
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
        title = self.tr("Load a photo") if self.photos() else self.tr("Load an image of a digit")
        path, _ = QFileDialog.getOpenFileName(self, title, "",
                                              self.tr("Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp);;All files (*)"))
        if path:
            self.load_image_file(path)


def _push(text: str, name: str, tip: str) -> QPushButton:
    b = QPushButton(text)
    b.setObjectName(name)
    b.setToolTip(tip)
    return b


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
