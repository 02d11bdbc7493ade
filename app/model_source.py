"""Which network the Draw tab predicts with, and where its test samples come from.

:class:`ModelSource` keeps up to two models, each a ``core.insight.inference.Predictor`` with a CPU model of its
own (never the module being trained):

* ``"live"``, the run in training: its weights are republished at every epoch end
  (:meth:`~ModelSource.set_live_weights`), and on demand ("Latest weights",
  :meth:`~ModelSource.request_latest_weights`) a copy is taken in the training thread between two
  batches by :meth:`~ModelSource.step_hook`;
* ``"run"``, a run opened from disk (:meth:`~ModelSource.load_run`, :meth:`~ModelSource.use_run`).

One of them is in use (:meth:`~ModelSource.active`); :meth:`~ModelSource.choices` lists them for a menu
and :meth:`~ModelSource.select` picks one. :class:`SampleSource` hands out the images of "Use a test
sample". No widgets here: the Draw panel shows this state.
"""
from __future__ import annotations

import logging
import threading

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

log = logging.getLogger("convscope.gui")

LIVE, RUN = "live", "run"


class NoTestSamples(LookupError):
    """No test images to hand out; the message says why."""


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


class ModelSource(QObject):
    """The predictor the drawing canvas uses: the run in training (live weights) or a run from disk.

    Calls from the GUI thread raise when they cannot be done (and then change nothing); only the copy
    taken on request in the training thread reports its failure with :attr:`live_weights_refused`.
    """

    changed = Signal()  # the model in use, the choices or the state of the training changed
    live_weights_refused = Signal(str)  # weights copied on request did not fit: why (one line)
    _weights_copied = Signal(object)  # (config, weights, epoch, steps), emitted in the training thread

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._live = None  # Predictor of the run being trained
        self._live_config = None  # core.setup.config.TrainConfig of the run in training
        self._run = None  # Predictor of a run loaded from disk
        self._active: str | None = None  # LIVE or RUN
        self._training = False
        self._attached = False  # a trainer takes copies on request ("Latest weights")
        self._waiting = False  # a copy was asked for and has not come yet
        self._weights_wanted = threading.Event()
        self._samples: SampleSource | None = None
        self._dataset_samples: dict[str, SampleSource] = {}
        self._weights_copied.connect(self._on_weights_copied)

    # -- which model -------------------------------------------------------------------------------
    def active(self):
        """The ``core.insight.inference.Predictor`` in use, or None."""
        return self._predictor(self._active)

    def active_key(self) -> str | None:
        """``"live"``, ``"run"`` or None."""
        return self._active if self.active() is not None else None

    def _predictor(self, key: str | None):
        return self._live if key == LIVE else self._run if key == RUN else None

    def choices(self) -> list[tuple[str, str]]:
        """``[(key, text), …]`` of the models there are, for a menu."""
        out = []
        if self._live is not None:
            out.append((LIVE, QCoreApplication.translate(
                "ModelSource", "Network in training ({arch}, epoch {epoch})").format(
                arch=self._live.config.arch, epoch=self._live.epoch)))
        if self._run is not None:
            out.append((RUN, QCoreApplication.translate("ModelSource", "Run from disk ({arch}, epoch {epoch})").format(
                arch=self._run.config.arch, epoch=self._run.epoch)))
        return out

    def select(self, key: str) -> bool:
        """Use the model ``key`` (``"live"`` or ``"run"``); False when it is already in use or absent."""
        if key == self._active or self._predictor(key) is None:
            return False
        self._active = key
        self.changed.emit()
        return True

    # -- the run in training -----------------------------------------------------------------------
    def live_config(self):
        """The ``TrainConfig`` of the run in training (or of the last live weights), or None."""
        return self._live_config

    def training(self) -> bool:
        return self._training

    def can_refresh(self) -> bool:
        """A run is training and takes copies of its weights on request."""
        return self._attached and self._training

    def waiting_for_weights(self) -> bool:
        """A copy of the training's weights was asked for and has not come yet."""
        return self._waiting

    def set_live_weights(self, config, weights: dict, epoch: int) -> None:
        """Predict with a CPU copy of ``weights`` (a state dict, e.g. ``EpochEnd.weights``) of a model
        built from ``config`` (a ``core.setup.config.TrainConfig``). The tensors are copied into a model of
        this source's own; the training module is never touched. A run from disk chosen during the
        training stays in use.
        Raises on weights that do not fit the configuration."""
        self._take_live(config, weights, epoch)
        if self._active != RUN or self._run is None:
            self._active = LIVE
        self.changed.emit()

    def _take_live(self, config, weights: dict, epoch: int) -> None:
        from convscope.core.insight.inference import Predictor
        from convscope.core.setup.config import TrainConfig

        if not isinstance(config, TrainConfig):
            raise TypeError(f"expected a core.setup.config.TrainConfig, got {type(config).__name__}")
        if self._live is not None and self._live.config == config:
            self._live.update_weights(weights, int(epoch))
        else:
            self._live = Predictor.from_weights(config, weights, epoch=int(epoch))
        self._live_config = config

    def begin_training(self, config, new_run: bool) -> None:
        """A run started with ``config``; ``new_run``: from epoch 0, so earlier live weights are dropped."""
        self._live_config = config
        self._training = True
        self._waiting = False
        if new_run and self._live is not None:
            self._live = None  # the previous run's weights no longer describe it
        if new_run:  # every tab follows the new run: its weights are used once they come
            self._active = None
        self.changed.emit()

    def end_training(self) -> None:
        self._training = False
        self._waiting = False
        self._weights_wanted.clear()
        self.changed.emit()

    def attach_trainer(self, trainer) -> None:
        """GUI thread, before the run starts: let :meth:`request_latest_weights` take copies from it."""
        self._attached = True
        trainer.step_hooks.append(self.step_hook)

    def request_latest_weights(self) -> bool:
        """Ask the running training for a copy of its weights now (taken between two batches; the model
        changes when it comes). False when no run is training."""
        if not self._training:
            return False
        self._waiting = True
        self._weights_wanted.set()
        return True

    def step_hook(self, trainer) -> None:
        """Training thread, between two batches: copy the weights if they were asked for."""
        if not self._weights_wanted.is_set():
            return
        self._weights_wanted.clear()
        steps = trainer.global_step - trainer.epochs_done * trainer.steps_per_epoch
        try:
            self._weights_copied.emit((trainer.config, trainer.weights_copy(), trainer.epochs_done, steps))
        except RuntimeError:  # this source is gone
            pass

    @Slot(object)
    def _on_weights_copied(self, payload) -> None:
        config, weights, epoch, steps = payload
        self._waiting = False
        try:
            self._take_live(config, weights, epoch)
        except Exception as exc:  # noqa: BLE001 - wrong or broken weights: say so, keep drawing
            log.warning("cannot use the copied weights: %s", exc)
            text = str(exc).strip()
            self.live_weights_refused.emit(text.splitlines()[0] if text else type(exc).__name__)
            return
        self._live.note = f"+{steps} steps" if steps > 0 else ""
        self._active = LIVE
        self.changed.emit()

    # -- a run from disk ---------------------------------------------------------------------------
    def load_run(self, path) -> None:
        """Use the run saved in ``path`` (a run directory). Raises ``CheckpointError``, ``ConfigError``
        or whatever else damaged files bring."""
        from convscope.core.runs.checkpoints import load_run

        self.use_run(load_run(path))

    def use_run(self, run) -> None:
        """Use a run already read (``core.runs.checkpoints.LoadedRun``)."""
        from convscope.core.insight.inference import Predictor

        self._run = Predictor.from_run(run)
        self._active = RUN
        self.changed.emit()

    # -- test samples ------------------------------------------------------------------------------
    def set_test_samples(self, provider, labels=None) -> None:
        """Where "Use a test sample" takes its images: an array (N, H, W), (N, 1, H, W) or (N, H, W, C)
        with optional ``labels``, or a callable (see :class:`SampleSource`). Without one, the test split
        of the dataset of the model in use."""
        self._samples = None if provider is None else SampleSource(provider, labels)

    def has_test_samples(self) -> bool:
        return self._samples is not None or self.active() is not None

    def test_samples(self) -> SampleSource:
        """The samples set, or the test split of the model's dataset. Raises :class:`NoTestSamples`."""
        if self._samples is not None:
            return self._samples
        predictor = self.active()
        if predictor is None:
            raise NoTestSamples("No test set yet: train a network or open a run first.")
        from convscope.core.data.datasets import IMAGEFOLDER

        dataset = predictor.config.dataset
        if dataset == IMAGEFOLDER:
            if predictor.source:  # a run from disk: the folder its config names is not this user's choice
                from convscope.core.runs.opened_run import FOLDER_NOT_READ

                raise NoTestSamples(f"No test samples: {FOLDER_NOT_READ}")
            dataset = (IMAGEFOLDER, predictor.config.data_root)  # the folder chosen in the settings
        if dataset not in self._dataset_samples:
            from convscope.core.data.loading import DataError, load_split

            try:
                images, labels = load_split(predictor.config.dataset, "test", predictor.config.data_root,
                                            download=False, info=predictor.config.info)
            except DataError as exc:
                raise NoTestSamples(f"No test samples: {exc}") from None
            self._dataset_samples[dataset] = SampleSource(images, labels)
        return self._dataset_samples[dataset]
