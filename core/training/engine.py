"""The training loop, shared by the window and the command line.

Speed: the whole dataset sits on the device as uint8 (see ``core.data.loading``); each step indexes a batch,
normalises it on the device, and records its loss and correct count into preallocated device buffers. The
host reads those buffers only when it publishes (at most ``publish_interval`` apart), so there is no
``.item()`` per step and no host/device sync in the hot path.

Control: ``stop()``, ``pause()`` and ``resume()`` set ``threading.Event``s that the loop checks between
batches, so they work from any thread; inside a long step or evaluation pass, between the network's layers
(:mod:`core.training.interrupt`). A stop keeps the last finished step; an epoch whose test pass it broke
off is not recorded.
Events: the trainer calls ``on_event(event)`` with the dataclasses of :mod:`core.training.events`. The GUI's
worker turns them into Qt signals; the CLI prints them. Elsewhere: one step (:mod:`core.training.step`, which
the time estimate times too), the schedule (:mod:`core.training.schedule`), the checks that end or warn about
a run (:mod:`core.training.checks`), the run directory's files (:mod:`core.runs.run_files`).

Failures (see docs/reliability.md): a non-finite or exploding loss, or weights that became non-finite, end
the run ``diverged`` before the epoch is saved, so the run directory keeps the last good epoch. Running out
of memory halves the batch for the rest of the run and starts the epoch again (down to
``MIN_OOM_BATCH``). A run directory that cannot be written (disk full, read-only) ends the run ``failed``
while the model, the optimizer and the history stay in memory; ``save_to`` writes them elsewhere.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from convscope.core.base import devices, training_flag
from convscope.core.base.devices import device_label, free_device_memory, is_out_of_memory, resolve_device
from convscope.core.base.devices import out_of_memory_message as oom_message
from convscope.core.base.modeltools import count_params, has_batchnorm
from convscope.core.data import augment, augment_spec
from convscope.core.data import loading as data_mod
from convscope.core.data.datasets import DatasetInfo
from convscope.core.runs import confusions, run_files
from convscope.core.runs.checkpoints import CheckpointError, RunInUse, RunWriter, write_error_reason
from convscope.core.runs.resume import Progress, ProgressField, ResumePoint
from convscope.core.setup.build import build_model
from convscope.core.setup.config import ConfigError, TrainConfig
from convscope.core.training import checks, distributed
from convscope.core.training import events as ev
from convscope.core.training.checks import StopTraining
from convscope.core.training.evaluation import evaluate_model
from convscope.core.training.events import EpochEnd, RunFinished, RunResult, RunStarted, RunWarning, StepMetrics
from convscope.core.training.interrupt import Interrupter, as_stop, evaluation_batch
from convscope.core.training.optim import make_optimizer
from convscope.core.training.schedule import Schedule
from convscope.core.training.step import TrainStep, make_step

log = logging.getLogger("convscope.engine")

MIN_OOM_BATCH = 8  # out of memory: halve the batch down to this, then give up


# ------------------------------------------------------------------------------------------ trainer
class Trainer:
    """Trains one model; ``run()`` may be called again to train more epochs ("+1 epoch").

    Every attribute is declared here; those of the data, the model and the optimizer are None until
    ``setup()`` (the first ``run()``) has built them. The counters a resumed run continues from are kept
    in ``progress`` (:class:`~convscope.core.runs.resume.Progress`) and read as attributes:
    ``batch_size`` is the batch actually used, the configured one halved after running out of memory.
    The trainer is a :class:`~convscope.core.insight.target.TrainingTarget` for the probes.
    """

    epochs_done = ProgressField()
    global_step = ProgressField()
    batch_size = ProgressField()
    train_seconds = ProgressField()
    train_examples = ProgressField()
    start_loss = ProgressField()
    warned_stuck = ProgressField()
    history = ProgressField()

    def __init__(self, config: TrainConfig, on_event: Callable[[Any], None] | None = None,
                 run_dir: str | None = None, publish_interval: float = 1 / 30,
                 publish_weights: bool = False, record_snapshots: bool = True, group=None,
                 record_examples: bool = True):
        self.config = config
        self.info: DatasetInfo = config.info  # an image folder's: its classes and channels as recorded
        self.group = group  # core.training.distributed.Group (started) when torchrun runs several processes
        self.record_snapshots = record_snapshots  # probe snapshots into the run directory, for replay
        self.record_examples = record_examples  # which examples are right each epoch (core.training.example_record)
        self.examples = None  # its ExampleRecorder once set up (rank 0 only)
        self.on_event = on_event or (lambda event: None)
        self.run_dir, self.publish_interval, self.publish_weights = run_dir, publish_interval, publish_weights
        # Called after every optimizer step with the trainer (between batches; e.g. the probe).
        self.step_hooks: list[Callable[[Trainer], None]] = []
        # Called with each training batch as the model receives it: f(trainer, indices, inputs).
        self.batch_hooks: list[Callable[[Trainer, torch.Tensor, torch.Tensor], None]] = []
        self._stop, self._unpaused = threading.Event(), threading.Event()
        self._unpaused.set()
        self._interrupt = Interrupter(self._stop, self._unpaused)  # stop and pause inside a long step
        self._eval_batch = 512  # the test pass's batch (smaller for a big network on a CPU)
        self._ready = False
        self.progress = Progress(config.batch_size)
        self.last_result: RunResult | None = None
        # From from_run: where setup() puts the trainer back, and the total its first run() trains to.
        self.resume_point: ResumePoint | None = None
        self.target_epochs: int | None = None
        # The run directory (rank 0 only): its writer, the recorder of probe snapshots, what is saved.
        self.writer: RunWriter | None = None
        self.recorder = None  # core.runs.recorder.SnapshotRecorder
        self.saved_epoch = 0  # the last epoch whose weights are in the run directory
        self.confusions: list[dict] = []  # each evaluated epoch's confusion matrix (core.runs.confusions)
        self.last_confusion: torch.Tensor | None = None  # of the last test pass (small label sets only)
        self.write_failed = False  # the run directory could not be written: save_to another one
        # Set up by setup(): the data on the device and how a batch becomes the model's input.
        self.device: torch.device | None = None
        self.train: data_mod.DeviceSplit | None = None  # this process's shard of the training split
        self.test: data_mod.DeviceSplit | None = None
        self.test_total = 0  # test examples of every process
        self.channels_last = False
        self.preprocess: data_mod.Preprocess | None = None
        self.train_ready: torch.Tensor | None = None  # the training split normalised once, when it pays
        self.batch_gen: torch.Generator | None = None  # the data order
        self.aug_gen: torch.Generator | None = None  # the augmentation's draws, on the device
        self.augmenter: augment.Augmenter | None = None  # training batches only; None without augmentation
        self.augment_fill: torch.Tensor | None = None  # black, normalised: what moved pixels leave
        # The model and how it learns.
        self.model: torch.nn.Module | None = None
        self.train_model: torch.nn.Module | None = None  # what the steps call: the model, or its DDP / compiled wrapper
        self.params = 0
        self.optimizer: torch.optim.Optimizer | None = None
        self.step_fn: TrainStep | None = None  # one optimizer step (loss, autocast, scaler)
        self.use_amp = False
        self.amp_dtype: torch.dtype | None = None  # the autocast type when use_amp
        self.schedule: Schedule | None = None
        self._span = (0, 0)  # the epochs of the current run() call: (done before it, done after it)
        self._sync_every = 1  # several processes: steps to their next sync point (rank 0 proposes)

    @classmethod
    def from_run(cls, run_dir: str | os.PathLike, epochs: int | None = None, device: str | None = None,
                 data_root: str | None = None, **kwargs) -> Trainer:
        """A trainer that continues the run in ``run_dir`` from its last finished epoch to ``epochs`` in
        total (default: its configured epochs), writing into the same folder; ``run()`` trains them.
        ``device`` and ``data_root`` override the run's; ``kwargs`` go to the constructor.
        :class:`CheckpointError` when the folder cannot be continued (not a run, from an earlier version,
        a newer format, no finished epoch, ``epochs`` trained); ``ConfigError`` for a missing device."""
        from convscope.core.runs.resume import resume_point, resume_target, resumed_config

        point = resume_point(run_dir)
        target = resume_target(point, epochs)
        trainer = cls(resumed_config(point, device, data_root), run_dir=str(point.run_dir), **kwargs)
        trainer.resume_point, trainer.target_epochs = point, target
        return trainer

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

    @property
    def scaler(self) -> torch.amp.GradScaler:
        return self.step_fn.scaler

    @property
    def scheduler(self):  # the torch schedule now stepping the learning rate (None for a constant rate)
        return None if self.schedule is None else self.schedule.scheduler

    # -- set-up ------------------------------------------------------------------------------------
    def setup(self) -> None:
        """Load the data and build the model and optimizer (once). The run directory's lock is taken
        first: a folder another training writes is refused before anything is loaded or changed."""
        if self._ready:
            return
        writer = None
        try:
            if self.run_dir:
                writer = RunWriter(self.run_dir)
                writer.lock()
            self._setup(writer)
        except BaseException as exc:
            if writer is not None:
                writer.unlock()
            if self.group is not None:  # tell the other processes before leaving, so none waits for us
                self.group.agree(str(exc) or type(exc).__name__)
            raise
        if self.group is not None:
            other = self.group.agree(None)
            if other:
                self._ready = False
                raise ConfigError(other)
            self.train_model = self.group.wrap(self.model)
        if self.config.compile:
            self.train_model = torch.compile(self.train_model)  # the probes keep hooking self.model
        self.step_fn.model = self.train_model
        self._interrupt.enabled = self.group is None and not self.config.compile
        self._eval_batch = evaluation_batch(self.config, self.device)  # a stop waits at most for one layer

    def _setup(self, writer: RunWriter | None) -> None:
        cfg = self.config
        group = self.group
        self.device = group.device if group is not None else resolve_device(cfg.device)
        torch.manual_seed(cfg.seed)
        np.random.seed(cfg.seed % 2**32)
        # info: an image folder is read at the run's size and channels, in its recorded class order
        x_train, y_train, x_test, y_test = data_mod.run_splits(cfg, self.info)
        self.test_total = len(y_test)
        labels = (y_train, y_test)  # of the whole splits, for the example record
        if group is not None:  # this process's shard of each split
            group.check_batch(self.batch_size)
            x_train, y_train = group.shard(x_train, y_train, equal=True)
            x_test, y_test = group.shard(x_test, y_test, equal=False)
        self.train = data_mod.DeviceSplit(x_train, y_train, self.device)
        self.test = data_mod.DeviceSplit(x_test, y_test, self.device)
        c, side, _ = cfg.input_size
        self.model = build_model(cfg).to(self.device)
        self.channels_last = devices.use_channels_last(cfg.channels_last, self.device, self.model)
        self.preprocess = data_mod.Preprocess(self.info, side, c, channels_last=self.channels_last)
        self.train_ready = self.preprocess.whole_split(self.train)
        if has_batchnorm(self.model) and min(self.batch_size, len(self.train)) < 2:
            raise ConfigError(f"{cfg.arch} uses BatchNorm, which needs at least 2 examples per batch; "
                              f"use a batch size (and subset) of 2 or more.")
        if self.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        self.train_model = self.model
        self.params = count_params(self.model)
        self.optimizer = make_optimizer(cfg, self.model.parameters())
        self.schedule = Schedule(cfg, self.optimizer)
        self.step_fn = make_step(cfg, self.model, self.optimizer, self.device)
        self.use_amp = self.step_fn.amp_dtype is not None
        self.amp_dtype = self.step_fn.amp_dtype
        rank_seed = 0 if group is None else 7919 * group.rank  # each process its own shuffle and augmentation
        self.batch_gen = torch.Generator().manual_seed(cfg.seed + rank_seed)
        self.aug_gen = torch.Generator(device=self.device).manual_seed(cfg.seed + 1 + rank_seed)
        self.augmenter = augment.build(cfg.augment, self.aug_gen)  # training batches only
        self.augment_fill = augment.normalised_black(self.info.mean, self.info.std, self.device)
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True
        if self.resume_point is not None:  # the weights, optimizer, generators and counters of its epoch
            from convscope.core.runs.resume import restore

            self.progress = restore(self, self.resume_point)
            self.saved_epoch = self.epochs_done
        if self.record_examples:
            from convscope.core.training.example_record import for_trainer

            self.examples = for_trainer(self, *labels)
        if writer is not None:
            self.writer = writer
            try:
                if self.resume_point is None:
                    writer.start(cfg.to_dict())
                else:
                    run_files.continue_in(self)
            except OSError as exc:
                self.writer = None
                raise CheckpointError(f"cannot write to run directory {writer.dir}: "
                                      f"{write_error_reason(exc)}. Choose a folder you can write to.") from None
            if self.record_snapshots:
                from convscope.core.runs.recorder import SnapshotRecorder

                self.recorder = SnapshotRecorder(writer.dir)
                self.recorder.resume_from(self.global_step)
                self.step_hooks.append(self.recorder.on_step)
        self._ready = True

    @property
    def rank_batch(self) -> int:
        """The examples this process takes per step (the whole batch, or its share of it)."""
        return self.batch_size if self.group is None else self.batch_size // self.group.world_size

    @property
    def steps_per_epoch(self) -> int:
        n, b = len(self.train), self.rank_batch
        return len(range(0, n - 1 if n % b == 1 and n > 1 else n, b))

    # -- the loop ----------------------------------------------------------------------------------
    def run(self, epochs: int | None = None) -> RunResult:
        """Train ``epochs`` more epochs (default: the configured number on the first call). The process's
        training flag (:mod:`core.base.training_flag`) is held meanwhile."""
        with training_flag.training():
            return self._run(epochs)

    def _run(self, epochs: int | None) -> RunResult:
        t_start = time.perf_counter()
        self._stop.clear()
        status, message, reason = "completed", "", ""
        first_run = self.epochs_done == 0
        try:
            self.setup()
            if self.writer is not None:
                self.writer.lock()  # again, for a later run() ("+1 epoch")
            resuming, self.resume_point = self.resume_point, None
            default = self.target_epochs - self.epochs_done if resuming else self.config.epochs
            n_epochs = default if epochs is None else int(epochs)
            if n_epochs < 1:
                raise ConfigError("train at least one epoch.")
            if resuming:
                self.schedule.load_state_dict(resuming.state["schedule"], resuming.state["lr"], self.global_step)
            else:
                self.schedule.start(n_epochs * self.steps_per_epoch, self.global_step, first_run)
            start, end = self.epochs_done, self.epochs_done + n_epochs
            self._span = (start, end)
            world = 1 if self.group is None else self.group.world_size
            where = device_label(self.device) + (f" × {world} processes" if world > 1 else "")
            self.on_event(RunStarted(self.config, where, len(self.train) * world, self.test_total,
                                     self.steps_per_epoch, start, end, self.params))
            if self.config.compile:
                self.on_event(RunWarning(ev.COMPILING, "compiling the network (torch.compile): the first steps "
                                         "take longer while it is compiled."))
            for text in augment_spec.label_warnings(self.config.augment, self.info) if first_run else ():
                self.on_event(RunWarning(ev.AUGMENT_LABELS, text))
            self._interrupt.slow = True  # until a step of this call is timed
            for epoch in range(start + 1, end + 1):
                with as_stop(epoch):
                    self._train_epoch(epoch, end)
        except Exception as exc:  # noqa: BLE001 - reported (and logged) in the result: never lose the run silently
            status, message, reason = self._ending(exc)
        result = RunResult.of(status, message, time.perf_counter() - t_start, reason, self.progress,
                              str(self.writer.dir) if self.writer else None)
        self._finish_files(result)
        if self.writer is not None:
            self.writer.unlock()
        self.last_result = result
        self.on_event(RunFinished(result))
        return result

    def _ending(self, exc: Exception) -> tuple[str, str, str]:
        """The status, message and reason code of a run ended by ``exc``."""
        if isinstance(exc, StopTraining):
            return exc.status, exc.message, exc.reason
        for kind, reason in ((ConfigError, ev.BAD_CONFIG), (RunInUse, ev.BUSY), (CheckpointError, ev.WRITE_FAILED),
                             (data_mod.DatasetMissing, ev.DATA_MISSING), (data_mod.DataError, ev.DATA)):
            if isinstance(exc, kind):
                return "failed", str(exc), reason
        if is_out_of_memory(exc):  # outside the training steps, e.g. moving the data to the device
            return "failed", oom_message(self.batch_size, self._on_gpu(exc)), ev.NO_MEMORY
        log.exception("training failed", exc_info=exc)
        return "failed", f"{type(exc).__name__}: {exc}", ev.ERROR

    def current_lr(self) -> float:
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
        total = int(sizes.sum())  # every process's examples
        train_loss = float((losses.astype(np.float64) * sizes).sum() / total)
        train_acc = float(correct.sum() / total)
        self._check_divergence(np.array([train_loss]))
        checks.check_weights(self.model, self.config.lr)  # the last step can break them after a finite loss
        with self._interrupt.evaluation(self.model):  # a stop here leaves the epoch unrecorded
            test_loss, test_acc = self.evaluate(self._eval_batch,
                                                sink=self.examples.test_sink() if self.examples else None)
        if self.examples is not None:
            self.examples.end_epoch()
        self.train_seconds += train_s
        self.train_examples += total
        self.epochs_done = epoch
        if self.last_confusion is not None:
            self.confusions.append(confusions.record(epoch, self.global_step, self.last_confusion.tolist()))
        record = dict(epoch=epoch, train_loss=train_loss, train_acc=train_acc, test_loss=test_loss,
                      test_acc=test_acc, lr=self.current_lr(), seconds=train_s,
                      examples_per_s=total / max(train_s, 1e-9))
        self.history.append(record)
        if self.writer:
            self._write_epoch(record)
        if self.recorder is not None:
            self.recorder.on_epoch_end(self, epoch)
        weights = self.weights_copy() if self.publish_weights else None
        examples = self.examples.snapshot() if self.examples is not None else None
        self.on_event(EpochEnd(weights=weights, examples=examples, **record))
        self._check_stuck(train_loss, train_acc, epoch)

    def _train_steps(self, epoch: int, end_epoch: int):
        """The optimizer steps of one epoch: per-step losses, correct counts and batch sizes (of every
        process), and the training seconds."""
        dev = self.device
        steps = self.steps_per_epoch
        # Device scalars, one per step; stacked (one op, one sync) only when published.
        loss_buf: list[torch.Tensor] = []
        correct_buf: list[torch.Tensor] = []
        sizes = np.zeros(steps, dtype=np.int64)
        self.model.train()
        if self.examples is not None:
            self.examples.start_epoch()
        t_epoch = time.perf_counter()
        paused_s = 0.0
        last_pub_t, published = t_epoch, 0
        windows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        n, b = len(self.train), self.rank_batch
        idx_iter = data_mod.batch_indices(n, b, self.batch_gen, dev, drop_last=(n % b == 1 and n > 1))
        i = 0
        for i, idx in enumerate(idx_iter):
            if self.group is None:  # several processes stop together, at a sync point (see _publish)
                self._check_stop(epoch)
                paused_s += self._wait_if_paused()
                self._check_stop(epoch)
            with self._interrupt.step(self.model):
                loss, correct = self._step(idx)
            paused_s += self._interrupt.take_paused()
            self.schedule.step()
            loss_buf.append(loss)
            correct_buf.append(correct)
            sizes[i] = len(idx)
            self.global_step += 1
            for hook in self.step_hooks:
                hook(self)
            now = time.perf_counter()
            if (now - last_pub_t >= self.publish_interval if self.group is None
                    else i + 1 - published >= self._sync_every):
                windows.append(self._publish(epoch, i + 1, published, loss_buf, correct_buf, sizes,
                                             now - t_epoch - paused_s, end_epoch))
                published, last_pub_t = i + 1, time.perf_counter()
        done = i + 1
        if published < done:
            windows.append(self._publish(epoch, done, published, loss_buf, correct_buf, sizes,
                                         time.perf_counter() - t_epoch - paused_s, end_epoch))
        losses, correct, step_sizes = (np.concatenate(parts) for parts in zip(*windows))
        return losses, correct, step_sizes, time.perf_counter() - t_epoch - paused_s

    def _check_stop(self, epoch: int) -> None:
        if self._stop.is_set():
            raise StopTraining("stopped", f"stopped by the user during epoch {epoch}.")

    def _step(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimizer step on the training examples ``idx``: the batch's mean loss and its number of
        correct predictions, both still on the device."""
        yb = self.train.labels[idx]
        if self.train_ready is not None:
            xb = self.train_ready[idx]
            if self.augmenter is not None:  # moving pixels commutes with normalising them
                xb = self.augmenter(xb, fill=self.augment_fill)
        else:
            xb = self.train.images[idx]
            if self.augmenter is not None:
                xb = self.augmenter(xb)
            xb = self.preprocess(xb)
        for hook in self.batch_hooks:
            hook(self, idx, xb)
        loss, out = self.step_fn(xb, yb)
        hit = out.argmax(1) == yb
        if self.examples is not None:  # on the device, by example index: no sync
            self.examples.record(idx, hit, self.step_fn.example_losses)
        return loss, hit.sum()

    def _on_gpu(self, exc: BaseException) -> bool:  # whether it is GPU memory that ran out (the advice differs)
        gpu = self.device is not None and self.device.type in ("cuda", "mps")
        return gpu or isinstance(exc, torch.cuda.OutOfMemoryError)

    def _shrink_batch(self, epoch: int, on_gpu: bool) -> None:
        """Out of memory: halve the batch for the rest of the run and start the epoch again."""
        self.optimizer.zero_grad(set_to_none=True)
        free_device_memory(self.device)
        old = self.batch_size
        if self.group is not None:  # the other processes cannot follow a smaller batch mid-epoch
            raise StopTraining("failed", f"process {self.group.rank}: {oom_message(old, on_gpu)}",
                               ev.NO_MEMORY)
        if old // 2 < MIN_OOM_BATCH:
            raise StopTraining("failed", oom_message(old, on_gpu), ev.NO_MEMORY)
        self.batch_size = old // 2
        self.step_fn.fresh_scaler()  # forget the half-done step, keep the loss scale
        # The schedule was laid out in steps of the old batch: lay it out again, at this epoch's start.
        start, end = self._span
        self.schedule.shrink((end - start) * self.steps_per_epoch, (epoch - 1 - start) * self.steps_per_epoch,
                             self.global_step)
        where = "GPU memory" if on_gpu else "memory"
        self.on_event(RunWarning(
            ev.OUT_OF_MEMORY, f"out of {where} at batch {old}: epoch {epoch} starts again with batch "
                   f"{self.batch_size} (used for the rest of the run)."))

    def weights_finite(self) -> bool:
        return checks.weights_finite(self.model)

    def _write_epoch(self, record: dict) -> None:
        """Save the epoch: weights, optimizer and training state as one set, then its metrics and status."""
        epoch, before = record["epoch"], self.saved_epoch
        written: list[str] = []
        try:
            run_files.save_epoch(self, record, written)
        except OSError as exc:
            self.write_failed = True
            self.saved_epoch = epoch if "weights" in written else before
            raise StopTraining("failed", run_files.write_failed_message(self, exc, epoch, before, written),
                               ev.WRITE_FAILED) from None
        self.saved_epoch = epoch

    def _publish(self, epoch, step, since, loss_buf, correct_buf, sizes, elapsed, end_epoch):
        """Report steps ``since``..``step`` of the epoch; returns their losses, correct counts and batch
        sizes (of every process: with several, this is their sync point)."""
        losses = torch.stack(loss_buf[since:step]).float().cpu().numpy()  # the one sync of this publication
        correct = torch.stack(correct_buf[since:step]).cpu().numpy()
        bs = sizes[since:step]
        examples = int(sizes[:step].sum()) * (1 if self.group is None else self.group.world_size)
        if self.group is not None:
            proposal = distributed.next_sync(elapsed / max(step, 1), self.publish_interval)
            losses, correct, bs, stop, self._sync_every = self.group.sum_window(
                losses, correct, bs, self._stop.is_set(), proposal)
            if stop:
                self._check_divergence(losses)  # a diverged loss says so rather than "stopped"
                self._stop.set()  # another process was asked: this one stops with it
                self._check_stop(epoch)
        accs = (correct / np.maximum(bs, 1)).astype(np.float32)
        first = self.global_step - (step - since) + 1
        rate = examples / max(elapsed, 1e-9)
        remaining_steps = (self.steps_per_epoch - step) + (end_epoch - epoch) * self.steps_per_epoch
        eta = remaining_steps * (elapsed / max(step, 1))
        self.on_event(StepMetrics(epoch, step, self.steps_per_epoch,
                                  np.arange(first, first + len(losses), dtype=np.int64),
                                  losses.astype(np.float32), accs, self.current_lr(), rate, eta))
        self._check_divergence(losses)
        return losses, correct, bs

    def _check_divergence(self, losses: np.ndarray) -> None:
        self.start_loss = checks.check_divergence(losses, self.start_loss, self.info.num_classes, self.config.lr)

    def _check_stuck(self, train_loss: float, train_acc: float, epoch: int) -> None:
        """Warn once when the loss sits at ln C (guessing) after the network had a fair chance: enough
        steps, and the learning rate past a one-cycle schedule's warm-up (where a slow start is normal)."""
        if self.warned_stuck or self.global_step < checks.STUCK_MIN_STEPS or self.schedule.warming_up:
            return
        text = checks.stuck_message(train_loss, train_acc, epoch, self.info.num_classes, self.config.lr,
                                    self.config.optimizer)
        if text is not None:
            self.warned_stuck = True
            self.on_event(RunWarning(ev.STUCK, text))

    def evaluate(self, batch_size: int = 512, sink=None) -> tuple[float, float]:
        """Loss and accuracy on the test split (one host sync; with several processes, of all shards);
        ``sink``: where each test example's right/wrong and confidence go (``example_record.TestSink``)."""
        if self.group is not None:
            self.group.sync_buffers(self.model)
        k = self.info.num_classes
        counts = torch.zeros((k, k), dtype=torch.int64, device=self.device) if k <= confusions.MAX_CLASSES else None
        loss, acc = evaluate_model(self.model, self.preprocess, self.test, batch_size, self.amp_dtype, counts,
                                   sink)
        if counts is not None and self.group is not None:
            torch.distributed.all_reduce(counts)  # every shard's test images
        self.last_confusion = None if counts is None else counts.cpu()
        return (loss, acc) if self.group is None else self.group.mean_over(loss, acc, len(self.test))

    def weights_copy(self) -> dict[str, torch.Tensor]:
        """A CPU copy of the weights, for predicting elsewhere while this model keeps training."""
        return {k: v.detach().to("cpu", copy=True).contiguous() for k, v in self.model.state_dict().items()}

    # -- the end -----------------------------------------------------------------------------------
    def _finish_files(self, result: RunResult) -> None:
        if self.writer:
            problem = run_files.finish(self, result.status, result.message, result.epochs, result.test_acc)
            if problem and not self.write_failed:  # otherwise the message already says so
                result.message += f" ({problem})"
            self.write_failed = self.write_failed or bool(problem)

    def save_to(self, run_dir: str | os.PathLike) -> str:
        """Write a complete run directory from the in-memory state and keep writing there from now on.

        For keeping a run whose own directory could not be written (disk full, read-only), or any run
        trained without one. Call it between runs, not while ``run()`` is training. Raises
        :class:`CheckpointError` with the reason when the folder cannot be written.
        """
        writer = run_files.save_elsewhere(self, run_dir)
        self.writer, self.run_dir = writer, str(writer.dir)
        if self.recorder is not None:
            self.recorder.move_to(writer.dir)
        self.saved_epoch, self.write_failed = self.epochs_done, False
        return str(writer.dir)
