"""What defines a run: :class:`TrainConfig`, its validation, and the vocabulary of every choice.

The window's settings panel and the command line both take their choices and defaults from here, so the
two never drift apart. Importing this module does not import torch (the window builds its panel before
torch has loaded); the model zoo and the GPU checks (CUDA, MPS) are imported when a config is validated.
"""
from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, fields

from convscope.core.data import augment_spec
from convscope.core.data.datasets import DATASETS, IMAGEFOLDER, DataError, DatasetInfo, get_info

OPTIMIZERS = ("sgd", "adam", "adamw")
SCHEDULES = ("constant", "step", "cosine", "onecycle")
DEVICES = ("auto", "cpu", "cuda", "mps")  # mps: the GPU of a Mac (Apple silicon)
STATUSES = ("completed", "stopped", "diverged", "failed")
MODEL_OPTIONS = ("width", "batchnorm", "dropout", "shortcut", "factorize", "activation")
ACTIVATIONS = ("relu", "sigmoid")
FORMS = ("native", "d2l")  # the dataset's own resolution, or the d2l book's resize (224/96 px)
DATASET_NAMES = tuple(DATASETS)
MIN_IMAGE_SIZE, MAX_IMAGE_SIZE = 8, 512  # the image-size option, in pixels
# The hyperparameters an architecture's defaults may set (ModelSpec.defaults); the rest are the run's.
HYPERPARAMETERS = ("epochs", "batch_size", "lr", "optimizer", "momentum", "weight_decay", "schedule")


class ConfigError(ValueError):
    """A configuration that cannot train; the message says which value and what to use instead."""


# ------------------------------------------------------------------------------------------- config
@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a run. Validated on construction."""

    arch: str = "lenet"
    dataset: str = "mnist-sample"
    data_root: str | None = None
    epochs: int = 5
    batch_size: int = 32
    lr: float = 3e-3
    optimizer: str = "adam"
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "onecycle"
    label_smoothing: float = 0.0
    shift: int = 0  # the old name of the translate augmentation: folded into ``augment``, then 0
    # The training batches' augmentations, canonical (core/augment_spec.py): "hflip=0.5,crop=4"; "" none.
    augment: str = ""
    seed: int = 0
    device: str = "auto"
    form: str = "native"  # "native" resolution or the "d2l" resize (224/96 px)
    image_size: int | None = None  # native form: resize the images to this side (None: the dataset's)
    width: float | None = None
    batchnorm: bool | None = None
    dropout: float | None = None
    shortcut: bool | None = None
    factorize: bool | None = None  # Inception blocks: n×n convolutions as 1×n + n×1 pairs
    activation: str | None = None
    subset: int | None = None  # train on the first N examples of a fixed shuffle
    amp: bool = True  # autocast on CUDA
    channels_last: bool = True
    compile: bool = False  # torch.compile the training steps (the live views read the uncompiled model)
    # imagefolder only (None for every other dataset): the folder's classes (its sorted sub-folder
    # names, one output each) and channels (1 grey, 3 colour), read from the folder when the config is
    # made and saved with the run, so that its model is rebuilt, evaluated and predicts on a computer
    # without the folder. See core/imagefolder.py for how they are decided.
    classes: tuple[str, ...] | None = None
    channels: int | None = None

    def __post_init__(self):
        if isinstance(self.data_root, os.PathLike):  # stored as text: the config is saved as JSON
            object.__setattr__(self, "data_root", os.fspath(self.data_root))
        try:
            self._fold_shift()
            self._record_folder(absolute=True)
            self._validate(check_device=True)
        except (TypeError, AttributeError) as exc:  # a value of the wrong type, e.g. lr="fast"
            raise ConfigError(f"invalid configuration value: {exc}.") from None

    def _fold_shift(self) -> None:
        """``augment`` in its canonical form, with the old ``shift`` setting (``--shift N``, configs saved
        before augmentations) as its translate augmentation; ``shift`` is 0 afterwards."""
        if not (isinstance(self.shift, int) and 0 <= self.shift <= 8):
            raise ConfigError(f"random shift must be 0 to 8 pixels, got {self.shift!r}.")
        try:
            augment = augment_spec.with_shift(self.augment, self.shift)
        except augment_spec.AugmentError as exc:
            raise ConfigError(str(exc)) from None
        object.__setattr__(self, "augment", augment)
        object.__setattr__(self, "shift", 0)

    def _record_folder(self, absolute: bool) -> None:
        """imagefolder: the classes and channels read from the folder where they are not recorded yet
        (and, for a new config, the folder as an absolute path: the run may be evaluated from elsewhere)."""
        if isinstance(self.classes, list):  # read back from JSON
            object.__setattr__(self, "classes", tuple(self.classes))
        if self.dataset != IMAGEFOLDER or not isinstance(self.data_root, str) or not self.data_root:
            return
        if absolute:
            object.__setattr__(self, "data_root", os.path.abspath(os.path.expanduser(self.data_root)))
        if self.classes is None or self.channels is None:
            from convscope.core.data import imagefolder  # Pillow and numpy, no torch

            try:
                found = imagefolder.scan(self.data_root)
            except DataError as exc:
                raise ConfigError(str(exc)) from None
            if self.classes is None:
                object.__setattr__(self, "classes", found.classes)
            if self.channels is None:
                object.__setattr__(self, "channels", found.channels)

    # `from_dict(..., check_device=False)` lets a run trained on a GPU be opened on a laptop.
    def _validate(self, check_device: bool) -> None:
        def need(ok: bool, message: str):
            if not ok:
                raise ConfigError(message)

        spec = _spec(self.arch)
        try:
            info = get_info(self.dataset)
        except DataError as exc:
            raise ConfigError(str(exc)) from None
        need(isinstance(self.epochs, int) and 1 <= self.epochs <= 10_000,
             f"epochs must be a whole number from 1 to 10000, got {self.epochs!r}.")
        need(isinstance(self.batch_size, int) and 1 <= self.batch_size <= 65_536,
             f"batch size must be a whole number from 1 to 65536, got {self.batch_size!r}.")
        need(isinstance(self.lr, (int, float)) and math.isfinite(self.lr) and self.lr > 0,
             f"learning rate must be a positive number (e.g. 0.001), got {self.lr!r}.")
        need(self.optimizer in OPTIMIZERS,
             f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}.")
        need(math.isfinite(self.momentum) and 0 <= self.momentum < 1,
             f"momentum must be in [0, 1) (0 gives d2l's plain SGD), got {self.momentum!r}.")
        need(math.isfinite(self.weight_decay) and 0 <= self.weight_decay < 1,
             f"weight decay must be in [0, 1) (typical: 1e-4 to 5e-4), got {self.weight_decay!r}.")
        need(self.schedule in SCHEDULES,
             f"schedule must be one of {', '.join(SCHEDULES)}, got {self.schedule!r}.")
        need(math.isfinite(self.label_smoothing) and 0 <= self.label_smoothing < 1,
             f"label smoothing must be in [0, 1), got {self.label_smoothing!r}.")
        need(isinstance(self.shift, int) and 0 <= self.shift <= 8,
             f"random shift must be 0 to 8 pixels, got {self.shift!r}.")
        need(isinstance(self.seed, int) and 0 <= self.seed < 2**63, "seed must be a whole number ≥ 0.")
        need(self.device in DEVICES, f"device must be one of {', '.join(DEVICES)}, got {self.device!r}.")
        need(self.subset is None or (isinstance(self.subset, int) and self.subset >= 1),
             f"subset must be a positive number of examples, got {self.subset!r}.")
        need(self.form in spec.forms,
             f"{self.arch} has no {self.form!r} form; it has {', '.join(spec.forms)}.")
        for opt in MODEL_OPTIONS:
            value = getattr(self, opt)
            need(value is None or opt in spec.options,
                 f"{self.arch} has no '{opt}' option; it takes "
                 f"{', '.join(sorted(spec.options)) or 'no options'}.")
        need(self.width is None or (math.isfinite(self.width) and 0 < self.width <= 4),
             f"width multiplier must be in (0, 4], got {self.width!r}.")
        need(self.dropout is None or (math.isfinite(self.dropout) and 0 <= self.dropout < 1),
             f"dropout must be in [0, 1), got {self.dropout!r}.")
        for opt in ("batchnorm", "shortcut", "factorize"):
            value = getattr(self, opt)
            need(value is None or isinstance(value, bool), f"{opt} must be true or false, got {value!r}.")
        need(self.activation is None or self.activation in ACTIVATIONS,
             f"activation must be one of {', '.join(ACTIVATIONS)}, got {self.activation!r}.")
        need(self.data_root is None or isinstance(self.data_root, str),
             f"data root must be a folder name, got {self.data_root!r}.")
        if self.dataset == IMAGEFOLDER:
            need(bool(self.data_root), "the imagefolder dataset reads your own images: give the folder with "
                                       "--data-root DIR: one sub-folder per class.")
            need(isinstance(self.classes, tuple) and len(self.classes) >= 2
                 and all(isinstance(c, str) and c for c in self.classes)
                 and len(set(self.classes)) == len(self.classes),
                 f"classes must name at least two different class folders, got {self.classes!r}.")
            need(isinstance(self.channels, int) and not isinstance(self.channels, bool)
                 and self.channels in (1, 3), f"channels must be 1 (grey) or 3 (colour), got {self.channels!r}.")
        else:
            need(self.classes is None and self.channels is None,
                 f"classes and channels are recorded for the imagefolder dataset only; leave them unset "
                 f"for {self.dataset}.")
        need(isinstance(self.amp, bool) and isinstance(self.channels_last, bool) and isinstance(self.compile, bool),
             "amp, channels_last and compile must be true or false.")
        need(self.image_size is None or (isinstance(self.image_size, int)
                                         and not isinstance(self.image_size, bool)
                                         and MIN_IMAGE_SIZE <= self.image_size <= MAX_IMAGE_SIZE),
             f"image size must be a whole number of pixels from {MIN_IMAGE_SIZE} to {MAX_IMAGE_SIZE}, "
             f"got {self.image_size!r}.")
        need(self.image_size is None or self.form != "d2l",
             f"the d2l form resizes the images to {spec.d2l_size} px itself: leave the image size unset, "
             f"or use the native form with an image size.")
        side = self.image_size or spec.input_side(self.form, info.size)
        if side < spec.min_size:
            fixes = [f"set the image size to at least {spec.min_size}"]
            if spec.d2l_size:
                fixes.append("choose the d2l form (it resizes the images)")
            given = (f"the images are resized to {side}×{side}" if self.image_size
                     else f"{info.display_name} gives {side}×{side}")
            raise ConfigError(f"{spec.display_name} needs inputs of at least {spec.min_size}×{spec.min_size} "
                              f"px; {given}: {' or '.join(fixes)}.")
        if check_device and self.device in ("cuda", "mps"):
            missing = missing_device(self.device)
            if missing:
                raise ConfigError(missing)

    # -- helpers -----------------------------------------------------------------------------------
    @property
    def spec(self):
        """The architecture's ``ModelSpec`` (imports the model zoo, and with it torch)."""
        return _spec(self.arch)

    @property
    def info(self) -> DatasetInfo:
        """The dataset's info. For imagefolder the run's own, from its recorded classes and channels, at
        the side its images are stored at (the image size, else 32 px); no folder needed."""
        if self.dataset == IMAGEFOLDER:
            from convscope.core.data import imagefolder

            return imagefolder.recorded_info(self.classes, self.channels, self.image_size, self.data_root)
        return get_info(self.dataset)

    @property
    def input_size(self) -> tuple[int, int, int]:
        info = self.info
        side = self.image_size or self.spec.input_side(self.form, info.size)
        return info.channels, side, side

    def model_options(self) -> dict:
        return {k: getattr(self, k) for k in MODEL_OPTIONS if getattr(self, k) is not None}

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict, check_device: bool = True) -> TrainConfig:
        """A recorded config (a run's ``config.json``): validated, and for imagefolder complete without
        its folder (the folder it names is never read here)."""
        if not isinstance(raw, dict):
            raise ConfigError("a configuration must be a JSON object.")
        names = {f.name for f in fields(cls)}
        unknown = set(raw) - names
        if unknown:
            raise ConfigError(f"unknown configuration key(s): {', '.join(sorted(unknown))}.")
        if raw.get("dataset") == IMAGEFOLDER and (raw.get("classes") is None or raw.get("channels") is None):
            # A recorded config never makes ConvScope scan the folder it names (it may name any path).
            raise ConfigError("it records no classes and channels for its image folder, and a run's folder "
                              "is not scanned to find them: train the run again.")
        if check_device:
            return cls(**raw)
        # Skip only the device check: a run made on a GPU still opens on a CPU.
        obj = object.__new__(cls)
        defaults = cls()
        for f in fields(cls):
            object.__setattr__(obj, f.name, raw.get(f.name, getattr(defaults, f.name)))
        try:
            obj._fold_shift()
            obj._record_folder(absolute=False)
            obj._validate(check_device=False)
        except (TypeError, AttributeError) as exc:
            raise ConfigError(f"invalid configuration value: {exc}.") from None
        return obj


def make_config(arch: str = "lenet", dataset: str = "mnist-sample", **overrides) -> TrainConfig:
    """A config with the architecture's trusted defaults, then ``overrides`` (None values ignored)."""
    values = dict(_spec(arch).defaults)
    values.update({k: v for k, v in overrides.items() if v is not None})
    names = {f.name for f in fields(TrainConfig)}
    unknown = set(values) - names
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}.")
    return TrainConfig(arch=arch, dataset=dataset, **values)


# TrainConfig's own defaults for the hyperparameters an architecture may set.
HYPER_DEFAULTS: dict = {f.name: f.default for f in fields(TrainConfig) if f.name in HYPERPARAMETERS}


def architecture_names() -> tuple[str, ...]:
    """The registered architectures, in curriculum order (imports the model zoo)."""
    from convscope.core.models import list_models

    return tuple(spec.name for spec in list_models())


def _spec(arch: str):
    from convscope.core.models import get_spec
    from convscope.core.models.registry import UnknownModelError

    try:
        return get_spec(arch)
    except UnknownModelError as exc:
        raise ConfigError(str(exc)) from None


def _cuda_available() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def _mps_available() -> bool:
    from convscope.core.base.devices import mps_available

    return mps_available()


def missing_device(device: str) -> str:
    """Why the GPU ``device`` ("cuda" or "mps") cannot train here and what to use instead; "" when it can."""
    if device == "cuda":
        if _cuda_available():
            return ""
        instead = "--device mps (this Mac's GPU), auto or cpu" if _mps_available() else "--device auto or cpu"
        return f"device 'cuda' was asked for but no CUDA GPU is available; use {instead}."
    if _mps_available():
        return ""
    instead = "--device cuda, auto or cpu" if _cuda_available() else "--device auto or cpu"
    return (f"device 'mps' was asked for but this computer has no Apple GPU (MPS needs a Mac with Apple "
            f"silicon and a PyTorch built for it); use {instead}.")
