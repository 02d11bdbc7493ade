"""The training loop, shared by the window and the command line.

Speed: the whole dataset sits on the device as uint8 (see ``core.data``); each step indexes a batch,
normalises it on the device, and records its loss and correct count into preallocated device buffers. The
host reads those buffers only when it publishes (at most ``publish_interval`` apart), so there is no
``.item()`` per step and no host/device sync in the hot path.

Control: ``stop()``, ``pause()`` and ``resume()`` set ``threading.Event``s that the loop checks between
batches, so they work from any thread and take effect within one batch.

Events: the trainer calls ``on_event(event)`` with the dataclasses below. The GUI's worker turns them
into Qt signals; the CLI prints them.

Failures (see docs/reliability.md): a non-finite or exploding loss, or weights that became non-finite, end
the run ``diverged`` before the epoch is saved, so the run directory keeps the last good epoch. Running out
of memory halves the batch for the rest of the run and starts the epoch again (down to
``MIN_OOM_BATCH``). A run directory that cannot be written (disk full, read-only) ends the run ``failed``
while the model, the optimizer and the history stay in memory; ``save_to`` writes them elsewhere.
"""
from __future__ import annotations

import errno
import logging
import math
import os
import shutil
import threading
import time
import warnings
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F

from . import data as data_mod
from .checkpoints import CheckpointError
from .models import create_model, get_spec
from .models.registry import ModelOptionError, UnknownModelError

log = logging.getLogger("convscope.engine")

OPTIMIZERS = ("sgd", "adam", "adamw")
SCHEDULES = ("constant", "step", "cosine", "onecycle")
DEVICES = ("auto", "cpu", "cuda")
STATUSES = ("completed", "stopped", "diverged", "failed")
MODEL_OPTIONS = ("width", "batchnorm", "dropout", "shortcut", "activation")
ACTIVATIONS = ("relu", "sigmoid")
MIN_IMAGE_SIZE, MAX_IMAGE_SIZE = 8, 512  # the image-size option, in pixels
MIN_OOM_BATCH = 8  # out of memory: halve the batch down to this, then give up
STUCK_MIN_STEPS = 50  # the stuck-at-chance warning waits for this many optimizer steps
ONECYCLE_WARMUP = 0.3  # share of a one-cycle schedule spent raising the learning rate


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
    shift: int = 0  # random shift augmentation, in pixels (0 = off)
    seed: int = 0
    device: str = "auto"
    form: str = "native"  # "native" resolution or the "d2l" resize (224/96 px)
    image_size: int | None = None  # native form: resize the images to this side (None: the dataset's)
    width: float | None = None
    batchnorm: bool | None = None
    dropout: float | None = None
    shortcut: bool | None = None
    activation: str | None = None
    subset: int | None = None  # train on the first N examples of a fixed shuffle
    amp: bool = True  # autocast on CUDA
    channels_last: bool = True

    def __post_init__(self):
        if isinstance(self.data_root, os.PathLike):  # stored as text: the config is saved as JSON
            object.__setattr__(self, "data_root", os.fspath(self.data_root))
        try:
            self._validate(check_device=True)
        except (TypeError, AttributeError) as exc:  # a value of the wrong type, e.g. lr="fast"
            raise ConfigError(f"invalid configuration value: {exc}.") from None

    # `from_dict(..., check_device=False)` lets a run trained on a GPU be opened on a laptop.
    def _validate(self, check_device: bool) -> None:
        def need(ok: bool, message: str):
            if not ok:
                raise ConfigError(message)

        try:
            spec = get_spec(self.arch)
        except UnknownModelError as exc:
            raise ConfigError(str(exc)) from None
        try:
            info = data_mod.get_info(self.dataset)
        except data_mod.DataError as exc:
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
        for opt in ("batchnorm", "shortcut"):
            value = getattr(self, opt)
            need(value is None or isinstance(value, bool), f"{opt} must be true or false, got {value!r}.")
        need(self.activation is None or self.activation in ACTIVATIONS,
             f"activation must be one of {', '.join(ACTIVATIONS)}, got {self.activation!r}.")
        need(self.data_root is None or isinstance(self.data_root, str),
             f"data root must be a folder name, got {self.data_root!r}.")
        need(isinstance(self.amp, bool) and isinstance(self.channels_last, bool),
             "amp and channels_last must be true or false.")
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
        if check_device and self.device == "cuda" and not torch.cuda.is_available():
            raise ConfigError("device 'cuda' was asked for but no CUDA GPU is available; "
                              "use --device auto or cpu.")

    # -- helpers -----------------------------------------------------------------------------------
    @property
    def spec(self):
        return get_spec(self.arch)

    @property
    def info(self) -> data_mod.DatasetInfo:
        return data_mod.get_info(self.dataset)

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
    def from_dict(cls, raw: dict, check_device: bool = True) -> "TrainConfig":
        if not isinstance(raw, dict):
            raise ConfigError("a configuration must be a JSON object.")
        names = {f.name for f in fields(cls)}
        unknown = set(raw) - names
        if unknown:
            raise ConfigError(f"unknown configuration key(s): {', '.join(sorted(unknown))}.")
        if check_device:
            return cls(**raw)
        # Skip only the device check: a run made on a GPU still opens on a CPU.
        obj = object.__new__(cls)
        defaults = cls()
        for f in fields(cls):
            object.__setattr__(obj, f.name, raw.get(f.name, getattr(defaults, f.name)))
        try:
            obj._validate(check_device=False)
        except (TypeError, AttributeError) as exc:
            raise ConfigError(f"invalid configuration value: {exc}.") from None
        return obj


def make_config(arch: str = "lenet", dataset: str = "mnist-sample", **overrides) -> TrainConfig:
    """A config with the architecture's trusted defaults, then ``overrides`` (None values ignored)."""
    try:
        spec = get_spec(arch)
    except UnknownModelError as exc:
        raise ConfigError(str(exc)) from None
    values = dict(spec.defaults)
    values.update({k: v for k, v in overrides.items() if v is not None})
    names = {f.name for f in fields(TrainConfig)}
    unknown = set(values) - names
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}.")
    return TrainConfig(arch=arch, dataset=dataset, **values)


def resolve_device(name: str) -> torch.device:
    if name == "cuda" or (name == "auto" and torch.cuda.is_available()):
        return torch.device("cuda")
    return torch.device("cpu")


def device_label(device: torch.device) -> str:
    if device.type == "cuda":
        return f"GPU: {torch.cuda.get_device_name(device)}"
    return f"CPU ({torch.get_num_threads()} threads)"


def build_model(config: TrainConfig) -> torch.nn.Module:
    c, side, _ = config.input_size
    try:
        return create_model(config.arch, in_channels=c, input_size=side,
                            num_classes=config.info.num_classes, form=config.form,
                            **config.model_options())
    except ModelOptionError as exc:
        raise ConfigError(str(exc)) from None


# ------------------------------------------------------------------------------------------- events
@dataclass
class RunStarted:
    config: TrainConfig
    device: str
    n_train: int
    n_test: int
    steps_per_epoch: int
    start_epoch: int
    end_epoch: int
    params: int


@dataclass
class StepMetrics:
    """Per-step training metrics since the last publication (numpy copies, safe to hand to a GUI)."""

    epoch: int  # 1-based
    step: int  # steps done in this epoch
    steps_per_epoch: int
    global_steps: np.ndarray  # int64, one per step published
    losses: np.ndarray  # float32 mean loss of each step's batch
    accuracies: np.ndarray  # float32 accuracy of each step's batch
    lr: float
    examples_per_s: float
    eta_s: float  # to the end of the run


@dataclass
class EpochEnd:
    epoch: int
    train_loss: float
    train_acc: float
    test_loss: float
    test_acc: float
    lr: float
    seconds: float  # training time of this epoch
    examples_per_s: float
    weights: dict | None = None  # CPU copy of the state dict, when the trainer publishes weights


@dataclass
class RunWarning:
    kind: str  # "stuck", or "oom" (out of memory: the batch was halved and the epoch starts again)
    message: str


@dataclass
class RunResult:
    status: str
    epochs: int
    train_loss: float | None = None
    train_acc: float | None = None
    test_loss: float | None = None
    test_acc: float | None = None
    examples_per_s: float | None = None
    seconds: float = 0.0
    run_dir: str | None = None
    message: str = ""
    history: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        out = {k: getattr(self, k) for k in ("status", "epochs", "train_loss", "train_acc", "test_loss",
                                             "test_acc", "examples_per_s", "seconds", "run_dir", "message")}
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in out.items()}


@dataclass
class RunFinished:
    result: RunResult


def lr_hint(lr: float) -> str:
    return f"lower the learning rate (now {lr:g}; try {lr / 10:g})"


def is_out_of_memory(exc: BaseException) -> bool:
    """True for a device (or host) allocation failure: worth retrying with a smaller batch."""
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    text = str(exc)
    return isinstance(exc, RuntimeError) and ("out of memory" in text or "can't allocate memory" in text)


def free_device_memory(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()


def write_error_reason(exc: OSError) -> str:
    """"No space left on device (the disk is full)": the system's words and what they mean here."""
    hint = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
            errno.EROFS: "the folder is read-only", errno.EACCES: "the folder is not writable",
            errno.EPERM: "the folder is not writable"}.get(exc.errno, "disk full or read-only?")
    return f"{exc.strerror or exc} ({hint})"


def out_of_memory_message(batch_size: int, on_gpu: bool) -> str:
    if on_gpu:
        return (f"out of GPU memory even at batch {batch_size}: reduce the batch size or use the CPU "
                f"(--device cpu), or pick a smaller network or the native form.")
    return (f"out of memory even at batch {batch_size}: reduce the batch size, or pick a smaller network "
            f"or the native form.")


def make_optimizer(config: TrainConfig, params) -> torch.optim.Optimizer:
    """The configured optimizer; the fused kernels (one op for all parameters) where torch has them."""
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[config.optimizer]
    kwargs = dict(lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "sgd":
        kwargs["momentum"] = config.momentum
    params = list(params)
    try:
        return cls(params, fused=True, **kwargs)
    except (RuntimeError, TypeError, ValueError):  # a device or dtype without fused kernels
        return cls(params, **kwargs)


def evaluate_model(model: torch.nn.Module, preprocess: data_mod.Preprocess, split: data_mod.DeviceSplit,
                   batch_size: int = 512, amp_dtype: torch.dtype | None = None) -> tuple[float, float]:
    """Mean loss and accuracy of ``model`` on a device split, with a single host sync at the end.

    Out of memory, it starts again with half the batch (evaluation holds no gradients, so down to 1).
    """
    device = split.labels.device
    while True:
        try:
            return _evaluate(model, preprocess, split, batch_size, amp_dtype)
        except RuntimeError as exc:
            if not is_out_of_memory(exc) or batch_size <= 1:
                raise
        # Outside the except clause: the failed attempt's tensors are released before retrying.
        free_device_memory(device)
        batch_size //= 2


@torch.no_grad()
def _evaluate(model, preprocess, split, batch_size, amp_dtype) -> tuple[float, float]:
    was_training = model.training
    model.eval()
    device = split.labels.device
    loss_sum = torch.zeros((), device=device, dtype=torch.float64)
    correct = torch.zeros((), device=device, dtype=torch.int64)
    n = len(split)
    try:
        for start in range(0, n, batch_size):
            xb = preprocess(split.images[start:start + batch_size])
            yb = split.labels[start:start + batch_size]
            with torch.autocast(device.type, dtype=amp_dtype or torch.bfloat16, enabled=amp_dtype is not None):
                out = model(xb).float()
            loss_sum += F.cross_entropy(out, yb, reduction="sum").double()
            correct += (out.argmax(1) == yb).sum()
    finally:
        model.train(was_training)
    if n == 0:
        return float("nan"), float("nan")
    return float(loss_sum.item() / n), float(correct.item() / n)


# ------------------------------------------------------------------------------------------ trainer
class StopTraining(Exception):
    """Raised inside the loop to end the run with a status."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class Trainer:
    """Trains one model; ``run()`` may be called again to train more epochs ("+1 epoch").

    ``batch_size`` is the batch actually used: the configured one, halved after running out of memory.
    """

    def __init__(self, config: TrainConfig, on_event: Callable[[Any], None] | None = None,
                 run_dir: str | None = None, publish_interval: float = 1 / 30,
                 publish_weights: bool = False):
        self.config = config
        self.on_event = on_event or (lambda event: None)
        self.run_dir = run_dir
        self.publish_interval = publish_interval
        self.publish_weights = publish_weights
        # Called after every optimizer step with the trainer (between batches; e.g. the probe).
        self.step_hooks: list[Callable[["Trainer"], None]] = []
        self._stop = threading.Event()
        self._unpaused = threading.Event()
        self._unpaused.set()
        self._ready = False
        self.epochs_done = 0
        self.global_step = 0
        self.history: list[dict] = []
        self.train_seconds = 0.0
        self.train_examples = 0
        self.start_loss: float | None = None
        self.warned_stuck = False
        self.model = None
        self.writer = None
        self.batch_size = config.batch_size
        self.saved_epoch = 0  # the last epoch whose weights are in the run directory
        self.write_failed = False  # the run directory could not be written: save_to another one
        self.last_result: RunResult | None = None

    # -- control (any thread) ----------------------------------------------------------------------
    def stop(self) -> None:
        self._stop.set()
        self._unpaused.set()

    def pause(self) -> None:
        self._unpaused.clear()

    def resume(self) -> None:
        self._unpaused.set()

    @property
    def paused(self) -> bool:
        return not self._unpaused.is_set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    # -- set-up ------------------------------------------------------------------------------------
    def setup(self) -> None:
        """Load the data and build the model and optimizer (once)."""
        if self._ready:
            return
        cfg = self.config
        self.device = resolve_device(cfg.device)
        torch.manual_seed(cfg.seed)
        np.random.seed(cfg.seed % 2**32)
        self.info = cfg.info
        x_train, y_train = data_mod.load_split(cfg.dataset, "train", cfg.data_root)
        x_test, y_test = data_mod.load_split(cfg.dataset, "test", cfg.data_root)
        if cfg.subset is not None and cfg.subset < len(y_train):
            keep = np.random.default_rng(cfg.seed).permutation(len(y_train))[: cfg.subset]
            x_train, y_train = x_train[keep], y_train[keep]
        self.train = data_mod.DeviceSplit(x_train, y_train, self.device)
        self.test = data_mod.DeviceSplit(x_test, y_test, self.device)
        c, side, _ = cfg.input_size
        self.channels_last = cfg.channels_last
        self.preprocess = data_mod.Preprocess(self.info, side, c, channels_last=self.channels_last)
        self.train_ready = self._normalised_once(side, c)
        self.model = build_model(cfg).to(self.device)
        has_batchnorm = any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in self.model.modules())
        if has_batchnorm and min(self.batch_size, len(self.train)) < 2:
            raise ConfigError(f"{cfg.arch} uses BatchNorm, which needs at least 2 examples per batch; "
                              f"use a batch size (and subset) of 2 or more.")
        if self.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        self.params = sum(p.numel() for p in self.model.parameters())
        self.optimizer = self._make_optimizer()
        self.criterion = torch.nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)
        self.batch_gen = torch.Generator().manual_seed(cfg.seed)
        self.aug_gen = torch.Generator(device=self.device).manual_seed(cfg.seed + 1)
        self.use_amp = cfg.amp and self.device.type == "cuda"
        self.amp_dtype = (torch.bfloat16 if self.use_amp and torch.cuda.is_bf16_supported()
                          else torch.float16)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.use_amp and self.amp_dtype == torch.float16)
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True
        if self.run_dir:
            from .checkpoints import RunWriter

            writer = RunWriter(self.run_dir)
            try:
                writer.start(cfg.to_dict())
            except OSError as exc:
                raise CheckpointError(f"cannot write to run directory {writer.dir}: "
                                      f"{write_error_reason(exc)}. Choose a folder you can write to.") from None
            self.writer = writer
        self._ready = True

    def _normalised_once(self, side: int, channels: int) -> torch.Tensor | None:
        """The training split normalised once, when every epoch would compute the same pixels.

        Without resizing or random shifts, normalising per step repeats work each epoch; a float copy
        of the split (≤ 1 GiB) saves three tensor ops per step. Otherwise steps normalise uint8 batches.
        """
        info, n = self.info, len(self.train)
        if self.config.shift or side != info.size or channels != info.channels:
            return None
        if n * channels * side * side * 4 > 1 << 30:
            return None
        return torch.cat([self.preprocess(self.train.images[i:i + 4096]) for i in range(0, n, 4096)])

    def _make_optimizer(self) -> torch.optim.Optimizer:
        return make_optimizer(self.config, self.model.parameters())

    @property
    def steps_per_epoch(self) -> int:
        n, b = len(self.train), self.batch_size
        return len(range(0, n - 1 if n % b == 1 and n > 1 else n, b))

    def _make_schedule(self, epochs: int, first_run: bool):
        cfg, opt = self.config, self.optimizer
        self._schedule_kind = cfg.schedule if first_run else "constant"
        if not first_run:
            # More epochs after the schedule ended: continue at a small constant rate rather than at
            # the near-zero end of a one-cycle or cosine schedule.
            lr = max(opt.param_groups[0]["lr"], cfg.lr * 0.05)
            for g in opt.param_groups:
                g["lr"] = lr
        return self._build_scheduler(epochs * self.steps_per_epoch)

    def _build_scheduler(self, total: int, done: int = 0):
        """The run's schedule over ``total`` steps, advanced past the ``done`` steps already taken."""
        cfg, opt, kind = self.config, self.optimizer, self._schedule_kind
        if kind == "constant":
            return None
        total = max(1, total)
        for g in opt.param_groups:  # schedules start from the configured rate
            g["lr"] = cfg.lr
        if kind == "onecycle":
            # SGD keeps the momentum it was given (0 is d2l's plain SGD); Adam's beta1 cycles as usual.
            scheduler = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=total,
                                                            pct_start=ONECYCLE_WARMUP,
                                                            cycle_momentum=cfg.optimizer != "sgd")
        elif kind == "cosine":
            scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total)
        else:
            scheduler = torch.optim.lr_scheduler.MultiStepLR(opt, [total // 2, (3 * total) // 4], gamma=0.1)
        with warnings.catch_warnings():  # stepping a schedule without optimizer steps is intended here
            warnings.simplefilter("ignore")
            for _ in range(min(done, total - 1)):
                scheduler.step()
        return scheduler

    # -- the loop ----------------------------------------------------------------------------------
    def run(self, epochs: int | None = None) -> RunResult:
        """Train ``epochs`` more epochs (default: the configured number on the first call)."""
        t_start = time.perf_counter()
        self._stop.clear()
        status, message = "completed", ""
        first_run = self.epochs_done == 0
        try:
            self.setup()
            n_epochs = self.config.epochs if epochs is None else int(epochs)
            if n_epochs < 1:
                raise ConfigError("train at least one epoch.")
            self.scheduler = self._make_schedule(n_epochs, first_run)
            start, end = self.epochs_done, self.epochs_done + n_epochs
            self._span = (start, end)
            self.on_event(RunStarted(self.config, device_label(self.device), len(self.train), len(self.test),
                                     self.steps_per_epoch, start, end, self.params))
            for epoch in range(start + 1, end + 1):
                self._train_epoch(epoch, end)
        except StopTraining as stop:
            status, message = stop.status, stop.message
        except (ConfigError, data_mod.DataError, CheckpointError) as exc:
            status, message = "failed", str(exc)
        except Exception as exc:  # report, never lose the run silently
            if is_out_of_memory(exc):  # outside the training steps, e.g. moving the data to the device
                status, message = "failed", out_of_memory_message(self.batch_size, self._on_gpu(exc))
            else:
                log.exception("training failed")
                status, message = "failed", f"{type(exc).__name__}: {exc}"
        result = self._result(status, message, time.perf_counter() - t_start)
        self._finish_files(result)
        self.last_result = result
        self.on_event(RunFinished(result))
        return result

    def _current_lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def _wait_if_paused(self) -> float:
        if self._unpaused.is_set():
            return 0.0
        t0 = time.perf_counter()
        self._unpaused.wait()
        return time.perf_counter() - t0

    def _train_epoch(self, epoch: int, end_epoch: int) -> None:
        while True:
            try:
                losses, correct, sizes, train_s = self._train_steps(epoch, end_epoch)
                break
            except RuntimeError as exc:
                if not is_out_of_memory(exc):
                    raise
                on_gpu = self._on_gpu(exc)
            # Outside the except clause, so the failed step's tensors are already released.
            self._shrink_batch(epoch, on_gpu)
        # One host sync for the epoch's training metrics.
        losses, correct = losses.double().cpu().numpy(), correct.cpu().numpy()
        total = int(sizes.sum())
        train_loss = float((losses * sizes).sum() / total)
        train_acc = float(correct.sum() / total)
        self.train_seconds += train_s
        self.train_examples += total
        self._check_divergence(np.array([train_loss]))
        if not self._weights_finite():  # the last step can break the weights after a finite loss
            raise StopTraining("diverged", self._diverged_message(np.array([np.nan]), "weights"))
        test_loss, test_acc = self.evaluate()
        self.epochs_done = epoch
        record = dict(epoch=epoch, train_loss=train_loss, train_acc=train_acc, test_loss=test_loss,
                      test_acc=test_acc, lr=self._current_lr(), seconds=train_s,
                      examples_per_s=total / max(train_s, 1e-9))
        self.history.append(record)
        if self.writer:
            self._write_epoch(record)
        weights = self.weights_copy() if self.publish_weights else None
        self.on_event(EpochEnd(weights=weights, **record))
        self._check_stuck(train_loss, train_acc, epoch)

    def _train_steps(self, epoch: int, end_epoch: int):
        """The optimizer steps of one epoch: per-step losses and correct counts (on the device), batch
        sizes, and the training seconds."""
        dev = self.device
        steps = self.steps_per_epoch
        # Device scalars, one per step; stacked (one op, one sync) only when published.
        loss_buf: list[torch.Tensor] = []
        correct_buf: list[torch.Tensor] = []
        sizes = np.zeros(steps, dtype=np.int64)
        self.model.train()
        t_epoch = time.perf_counter()
        paused_s = 0.0
        last_pub_t, published = t_epoch, 0
        n, b = len(self.train), self.batch_size
        idx_iter = data_mod.batch_indices(n, b, self.batch_gen, dev, drop_last=(n % b == 1 and n > 1))
        i = 0
        for i, idx in enumerate(idx_iter):
            if self._stop.is_set():
                raise StopTraining("stopped", f"stopped by the user during epoch {epoch}.")
            paused_s += self._wait_if_paused()
            if self._stop.is_set():
                raise StopTraining("stopped", f"stopped by the user during epoch {epoch}.")
            loss, correct = self._step(idx)
            if self.scheduler is not None:
                self.scheduler.step()
            loss_buf.append(loss)
            correct_buf.append(correct)
            sizes[i] = len(idx)
            self.global_step += 1
            for hook in self.step_hooks:
                hook(self)
            now = time.perf_counter()
            if now - last_pub_t >= self.publish_interval:
                self._publish(epoch, i + 1, published, loss_buf, correct_buf, sizes,
                              now - t_epoch - paused_s, end_epoch)
                published, last_pub_t = i + 1, time.perf_counter()
        done = i + 1
        if published < done:
            self._publish(epoch, done, published, loss_buf, correct_buf, sizes,
                          time.perf_counter() - t_epoch - paused_s, end_epoch)
        return (torch.stack(loss_buf), torch.stack(correct_buf), sizes[:done],
                time.perf_counter() - t_epoch - paused_s)

    def _step(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimizer step on the training examples ``idx``: the batch's mean loss and its number of
        correct predictions, both still on the device."""
        cfg, model = self.config, self.model
        yb = self.train.labels[idx]
        if self.train_ready is not None:
            xb = self.train_ready[idx]
        else:
            xb = self.train.images[idx]
            if cfg.shift:
                xb = data_mod.random_shift(xb, cfg.shift, self.aug_gen)
            xb = self.preprocess(xb)
        self.optimizer.zero_grad(set_to_none=True)
        if self.use_amp:
            with torch.autocast(self.device.type, dtype=self.amp_dtype):
                out = model(xb)
                loss = self.criterion(out.float(), yb)
            self.scaler.scale(loss).backward()
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            out = model(xb)
            loss = self.criterion(out, yb)
            loss.backward()
            self.optimizer.step()
        return loss.detach(), (out.detach().argmax(1) == yb).sum()

    def _on_gpu(self, exc: BaseException) -> bool:
        """Whether an out-of-memory error is about GPU memory (the advice differs)."""
        device = getattr(self, "device", None)
        return isinstance(exc, torch.cuda.OutOfMemoryError) or (device is not None and device.type == "cuda")

    def _shrink_batch(self, epoch: int, on_gpu: bool) -> None:
        """Out of memory: halve the batch for the rest of the run and start the epoch again."""
        self.optimizer.zero_grad(set_to_none=True)
        free_device_memory(self.device)
        old = self.batch_size
        if old // 2 < MIN_OOM_BATCH:
            raise StopTraining("failed", out_of_memory_message(old, on_gpu))
        self.batch_size = old // 2
        if self.scaler.is_enabled():  # forget the half-done step, keep the loss scale
            self.scaler = torch.amp.GradScaler("cuda", init_scale=self.scaler.get_scale())
        # The schedule was laid out in steps of the old batch: lay it out again, at this epoch's start.
        start, end = self._span
        self.scheduler = self._build_scheduler((end - start) * self.steps_per_epoch,
                                               done=(epoch - 1 - start) * self.steps_per_epoch)
        where = "GPU memory" if on_gpu else "memory"
        self.on_event(RunWarning(
            "oom", f"out of {where} at batch {old}: epoch {epoch} starts again with batch "
                   f"{self.batch_size} (used for the rest of the run)."))

    def _weights_finite(self) -> bool:
        params = [p.detach() for p in self.model.parameters()]
        return bool(torch.stack([torch.isfinite(p).all() for p in params]).all()) if params else True

    def _write_epoch(self, record: dict) -> None:
        """Save the epoch: weights first, then its metrics line and status."""
        epoch = record["epoch"]
        try:
            self.writer.save_weights(self.model, self.optimizer,
                                     {"epoch": epoch, "arch": self.config.arch, "step": self.global_step})
            self.saved_epoch = epoch
            self.writer.append_metrics(record)
            self.writer.write_status("running", epoch=epoch, batch_size=self.batch_size)
        except OSError as exc:
            self.write_failed = True
            raise StopTraining("failed", self._write_failed_message(exc)) from None

    def _write_failed_message(self, exc: OSError) -> str:
        kept = (f"the files there still hold epoch {self.saved_epoch}" if self.saved_epoch
                else "no epoch was saved there")
        return (f"could not write the run directory {self.writer.dir}: {write_error_reason(exc)}. Training "
                f"stopped after epoch {self.epochs_done}; {kept}. The trained model is still in memory: "
                f"free some space or save it to another folder.")

    def _publish(self, epoch, step, since, loss_buf, correct_buf, sizes, elapsed, end_epoch):
        losses = torch.stack(loss_buf[since:step]).float().cpu().numpy()  # the one sync of this publication
        correct = torch.stack(correct_buf[since:step]).cpu().numpy()
        bs = sizes[since:step]
        accs = (correct / np.maximum(bs, 1)).astype(np.float32)
        first = self.global_step - (step - since) + 1
        examples = int(sizes[:step].sum())
        rate = examples / max(elapsed, 1e-9)
        remaining_steps = (self.steps_per_epoch - step) + (end_epoch - epoch) * self.steps_per_epoch
        eta = remaining_steps * (elapsed / max(step, 1))
        self.on_event(StepMetrics(epoch, step, self.steps_per_epoch,
                                  np.arange(first, first + len(losses), dtype=np.int64),
                                  losses.astype(np.float32), accs, self._current_lr(), rate, eta))
        self._check_divergence(losses)

    def _diverged_message(self, value, what: str = "loss") -> str:
        how = "became NaN/infinite" if not np.isfinite(value).all() else f"exploded to {float(np.max(value)):.3g}"
        return (f"training diverged: the {what} {how}. The learning rate is too large for this network; "
                f"{lr_hint(self.config.lr)}.")

    def _check_divergence(self, losses: np.ndarray) -> None:
        """Non-finite, or "explodes": far above the first step's loss and above guessing (ln C)."""
        if not np.isfinite(losses).all():
            raise StopTraining("diverged", self._diverged_message(losses))
        if len(losses) == 0:
            return
        if self.start_loss is None:
            self.start_loss = float(losses[0])
        limit = 3 * max(self.start_loss, math.log(self.info.num_classes))
        if float(losses.mean()) > limit:
            raise StopTraining("diverged", self._diverged_message(losses))

    def _check_stuck(self, train_loss: float, train_acc: float, epoch: int) -> None:
        """Warn once when the loss sits at ln C (guessing) after the network had a fair chance: enough
        steps, and the learning rate past a one-cycle schedule's warm-up (where a slow start is normal)."""
        c = self.info.num_classes
        chance = math.log(c)
        if self.warned_stuck or abs(train_loss - chance) > 0.05 * chance or train_acc > 1.5 / c:
            return
        if self.global_step < STUCK_MIN_STEPS or self._warming_up():
            return
        self.warned_stuck = True
        other = "switch to Adam, or add BatchNorm" if self.config.optimizer == "sgd" else "add BatchNorm"
        self.on_event(RunWarning(
            "stuck",
            f"epoch {epoch}: the loss stays at {train_loss:.3f} ≈ ln {c} = {chance:.3f} and accuracy at "
            f"chance ({train_acc:.1%}): the network is guessing. The learning rate may be too large "
            f"(ReLUs died) or too small to escape; {lr_hint(self.config.lr)}, or {other}. "
            f"Training goes on."))

    def _warming_up(self) -> bool:
        """A one-cycle schedule still raising the learning rate towards its peak."""
        sched = self.scheduler
        if not isinstance(sched, torch.optim.lr_scheduler.OneCycleLR):
            return False
        return sched.last_epoch < ONECYCLE_WARMUP * sched.total_steps

    def evaluate(self, batch_size: int = 512) -> tuple[float, float]:
        """Loss and accuracy on the test split (one host sync)."""
        return evaluate_model(self.model, self.preprocess, self.test, batch_size,
                              self.amp_dtype if self.use_amp else None)

    def weights_copy(self) -> dict[str, torch.Tensor]:
        """A CPU copy of the weights, for predicting elsewhere while this model keeps training."""
        return {k: v.detach().to("cpu", copy=True).contiguous() for k, v in self.model.state_dict().items()}

    # -- the end -----------------------------------------------------------------------------------
    def _result(self, status: str, message: str, seconds: float) -> RunResult:
        last = self.history[-1] if self.history else {}
        rate = self.train_examples / self.train_seconds if self.train_seconds > 0 else None
        if status == "completed" and not message:
            message = f"trained {self.epochs_done} epoch(s)"
            if last:
                message += f"; test accuracy {last['test_acc']:.2%}"
        return RunResult(status=status, epochs=self.epochs_done, train_loss=last.get("train_loss"),
                         train_acc=last.get("train_acc"), test_loss=last.get("test_loss"),
                         test_acc=last.get("test_acc"), examples_per_s=rate, seconds=seconds,
                         run_dir=str(self.writer.dir) if self.writer else None, message=message,
                         history=list(self.history))

    def _finish_files(self, result: RunResult) -> None:
        if not self.writer:
            return
        try:
            if result.status == "stopped" and self.model is not None and self._weights_finite():
                # A stop keeps the training done so far; a diverged or failed run keeps the last good epoch.
                self.writer.save_weights(self.model, self.optimizer,
                                         {"epoch": self.epochs_done, "arch": self.config.arch,
                                          "step": self.global_step, "partial": True})
            self.writer.write_status(result.status, result.message, epoch=result.epochs,
                                     test_acc=result.test_acc, batch_size=self.batch_size)
        except OSError as exc:
            log.error("could not write run directory %s: %s", self.writer.dir, exc)
            if not self.write_failed:  # otherwise the message already says so
                result.message += (f" (could not write the run directory {self.writer.dir}: "
                                   f"{write_error_reason(exc)})")
            self.write_failed = True

    def save_to(self, run_dir: str | os.PathLike) -> str:
        """Write a complete run directory from the in-memory state and keep writing there from now on.

        For keeping a run whose own directory could not be written (disk full, read-only), or any run
        trained without one. Call it between runs, not while ``run()`` is training. Raises
        :class:`CheckpointError` with the reason when the folder cannot be written.
        """
        from .checkpoints import RunWriter

        if self.model is None or not self.history:
            raise CheckpointError("nothing to save yet: train at least one epoch first.")
        if not self._weights_finite():
            where = f" in {self.writer.dir}" if self.writer and self.saved_epoch else ""
            raise CheckpointError(f"the model in memory has NaN/infinite weights (the run diverged), so it "
                                  f"is not worth saving; the last good epoch is kept{where}.")
        created = not os.path.exists(run_dir)
        writer = RunWriter(run_dir)
        last = self.last_result.status if self.last_result else "stopped"
        status = last if last in ("completed", "stopped", "diverged") else "stopped"
        # Every file is replaced atomically, so saving again into the same folder never loses what is there.
        try:
            writer.write_config(self.config.to_dict())
            writer.save_weights(self.model, self.optimizer,
                                {"epoch": self.epochs_done, "arch": self.config.arch, "step": self.global_step})
            writer.write_metrics(self.history)
            writer.write_status(status, f"saved from memory after epoch {self.epochs_done}",
                                epoch=self.epochs_done, test_acc=self.history[-1]["test_acc"],
                                batch_size=self.batch_size)
        except OSError as exc:
            if created:  # leave no half-saved run behind
                shutil.rmtree(writer.dir, ignore_errors=True)
            raise CheckpointError(f"could not write the run directory {writer.dir}: {write_error_reason(exc)}. "
                                  f"Choose another folder.") from None
        self.writer, self.run_dir = writer, str(writer.dir)
        self.saved_epoch, self.write_failed = self.epochs_done, False
        return str(writer.dir)
