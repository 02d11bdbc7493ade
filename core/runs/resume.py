"""Resuming a run: what a run folder keeps of its last finished epoch, and putting a trainer back there.

At the end of every epoch the trainer writes, besides the weights and the optimizer state,
``train_state.safetensors``: the random number generators' states as tensors (torch's CPU generator,
the data-order generator, the augmentation generator, CUDA's when training on a GPU) and in its JSON
metadata the rest (epoch, optimizer step, batch size, the learning-rate schedule's kind, length and
position, numpy's and Python's generator states, the loss scaler, the stuck-warning flag). All three
files share the save's ``checkpoint`` token. A stop in the middle of an epoch moves these files into
``resume/`` before it saves the partial weights for prediction, so resuming always starts from the
last finished epoch: a run stopped and resumed trains exactly the steps an uninterrupted run trains.

The schedule: resuming within the planned epochs continues it where it stood. Past the planned total
(``--epochs`` larger than the run's configured epochs), a one-cycle, cosine or step schedule cannot go
on; the learning rate holds at its final value. Nothing here uses pickle.
"""
from __future__ import annotations

import json
import os
import random
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from convscope.core.base.safe_read import MIB, loads_strict
from convscope.core.base.safe_write import real_dir
from convscope.core.runs.checkpoints import (
    CONFIG,
    FOLDER_MODE,
    OPT_META,
    OPT_TENSORS,
    RESUME_DIR,
    TRAIN_STATE,
    WEIGHTS,
    CheckpointError,
    RunWriter,
    _load_tensors,
    _read_metadata,
    check_run_folder,
    load_optimizer_state,
    load_run,
    read_metrics,
    run_format,
    write_error_reason,
)
from convscope.core.setup.config import TrainConfig

STATE_LIMIT = 4 * MIB
STATE_VERSION = 1


@dataclass
class ResumePoint:
    """The last finished epoch of a run folder, ready to restore (see :func:`resume_point`)."""

    run_dir: Path
    folder: Path  # where its files are: the run folder, or its resume/ sub-folder
    config: TrainConfig
    epoch: int
    state: dict  # the JSON part of train_state
    tensors: dict  # the generators' states
    history: list[dict]  # metrics.jsonl, epochs 1..epoch


@dataclass
class Progress:
    """How far a run got: the counters a trainer keeps and a resumed run continues from
    (``train_state.safetensors`` keeps them, ``metrics.jsonl`` the history)."""

    batch_size: int  # the batch used: the configured one, halved after running out of memory
    epochs_done: int = 0
    global_step: int = 0
    train_seconds: float = 0.0
    train_examples: int = 0
    start_loss: float | None = None  # the first published loss (the divergence check's reference)
    warned_stuck: bool = False
    history: list[dict] = field(default_factory=list)  # one record per finished epoch

    def state_dict(self) -> dict:
        """The counters under the names ``train_state``'s JSON gives them (the history aside)."""
        return {"epoch": self.epochs_done, "global_step": self.global_step, "batch_size": self.batch_size,
                "start_loss": self.start_loss, "warned_stuck": self.warned_stuck,
                "train_seconds": self.train_seconds, "train_examples": self.train_examples}

    def load_state_dict(self, state: dict, history: list[dict] = ()) -> None:
        self.epochs_done, self.global_step = int(state["epoch"]), int(state["global_step"])
        self.batch_size = int(state["batch_size"])
        self.train_seconds = float(state.get("train_seconds") or 0.0)
        self.train_examples = int(state.get("train_examples") or 0)
        self.start_loss = state.get("start_loss")
        self.warned_stuck = bool(state.get("warned_stuck"))
        self.history = [dict(r) for r in history]


class ProgressField:
    """An attribute of the trainer kept in its :class:`Progress` (``trainer.global_step`` is
    ``trainer.progress.global_step``)."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, owner=None):
        return self if obj is None else getattr(obj.progress, self.name)

    def __set__(self, obj, value) -> None:
        setattr(obj.progress, self.name, value)


# ------------------------------------------------------------------------------------------- saving
def _generator_states(trainer) -> dict[str, torch.Tensor]:
    tensors = {"rng.cpu": torch.get_rng_state(), "rng.batch": trainer.batch_gen.get_state(),
               "rng.aug": trainer.aug_gen.get_state().to("cpu")}
    if trainer.device.type == "cuda":
        for i, s in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"rng.cuda.{i}"] = s
    return tensors


def train_state(trainer, token: str) -> bytes:
    """The bytes of ``train_state.safetensors`` for the trainer at the end of its epoch."""
    from safetensors.torch import save

    np_state = np.random.get_state()
    py_state = random.getstate()
    state = {"version": STATE_VERSION, **trainer.progress.state_dict(), "lr": trainer.schedule.lr,
             "schedule": trainer.schedule.state_dict(trainer.global_step),
             "numpy": [np_state[0], np_state[1].tolist(), int(np_state[2]), int(np_state[3]),
                       float(np_state[4])],
             "python": [py_state[0], list(py_state[1]), py_state[2]],
             "scaler": trainer.scaler.state_dict() if trainer.scaler.is_enabled() else None}
    tensors = {k: v.contiguous() for k, v in _generator_states(trainer).items()}
    return save(tensors, metadata={"checkpoint": token, "state": json.dumps(state)})


def park_epoch_files(run_dir: Path) -> list[tuple[Path, Path]]:
    """A stop mid-epoch: move the last finished epoch's files into ``resume/`` (before the partial
    weights replace them); the moves made, for :func:`unpark` when the partial save fails."""
    run_dir = Path(run_dir)
    if not (run_dir / TRAIN_STATE).is_file():
        return []  # no finished epoch there, or it is already parked
    folder = real_dir(run_dir / RESUME_DIR, create=True, mode=FOLDER_MODE)  # never a link to elsewhere
    moved = []
    for name in (WEIGHTS, OPT_TENSORS, OPT_META, TRAIN_STATE):
        if (run_dir / name).is_file():
            os.replace(run_dir / name, folder / name)
            moved.append((run_dir / name, folder / name))
    return moved


def unpark(moved: list[tuple[Path, Path]]) -> None:
    for original, parked in moved:
        try:
            if not original.exists():
                os.replace(parked, original)
        except OSError:
            pass


# ------------------------------------------------------------------------------------------ reading
def _read_state(folder: Path) -> tuple[dict, dict, str]:
    tensors = _load_tensors(folder / TRAIN_STATE, limit=STATE_LIMIT)
    meta = _read_metadata(folder / TRAIN_STATE)
    try:
        state = loads_strict(meta["state"])
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            raise ValueError("unknown version")
        int(state["epoch"]), int(state["global_step"]), int(state["batch_size"])
        dict(state["schedule"])
    except (KeyError, ValueError, TypeError, RecursionError) as exc:
        raise CheckpointError(f"{TRAIN_STATE} in {folder} is not a training state ConvScope wrote "
                              f"({exc}); the run cannot be continued.") from None
    return state, tensors, meta.get("checkpoint", "")


def resume_point(run_dir: str | os.PathLike) -> ResumePoint:
    """Where a run folder can continue from; :class:`CheckpointError` saying why when it cannot."""
    run_dir = Path(run_dir).expanduser()
    if not (run_dir / CONFIG).is_file():
        raise CheckpointError(f"{run_dir} holds no ConvScope run ({CONFIG} is missing); give the folder "
                              f"of a run made by 'train --out' or the window.")
    version = run_format(run_dir)
    check_run_folder(run_dir)  # continuing writes there: a link in it is refused
    # The run folder's own state when it has one (the latest epoch: a stop moves it away before saving
    # partial weights), else the one a stop parked in resume/.
    folder = run_dir if (run_dir / TRAIN_STATE).is_file() else run_dir / RESUME_DIR
    if not (folder / TRAIN_STATE).is_file():
        why = ("it was made by an earlier ConvScope, which did not save its training state" if version < 2
               else "it finished no epoch")
        raise CheckpointError(f"the run in {run_dir} cannot be continued: {why}. It still opens for "
                              f"prediction and evaluation; train a new run to go on.")
    state, tensors, token = _read_state(folder)
    tokens = {token, _read_metadata(folder / WEIGHTS).get("checkpoint")}
    if (folder / OPT_TENSORS).exists():
        tokens.add(_read_metadata(folder / OPT_TENSORS).get("checkpoint"))
    if len(tokens) != 1:
        raise CheckpointError(f"the training state in {folder} was saved with other weights than "
                              f"{WEIGHTS} (a save was interrupted); the run cannot be continued.")
    config = load_run(run_dir, weights_dir=folder).config  # validates the config and the weights
    epoch = int(state["epoch"])
    history = [r for r in read_metrics(run_dir) if isinstance(r.get("epoch"), int) and r["epoch"] <= epoch]
    return ResumePoint(run_dir, folder, config, epoch, state, tensors, history)


def _match_layouts(optimizer: torch.optim.Optimizer) -> None:
    """The state read back is contiguous; a channels_last weight needs its moments in its own layout
    (the fused kernels walk both in memory order)."""
    for group in optimizer.param_groups:
        for p in group["params"]:
            state = optimizer.state.get(p, {})
            for key, value in state.items():
                if torch.is_tensor(value) and value.shape == p.shape and value.stride() != p.stride():
                    state[key] = torch.empty_like(p, dtype=value.dtype).copy_(value)


def resume_status(run_dir: str | os.PathLike) -> tuple[int | None, str]:
    """Cheaply (no weights read): ``(last finished epoch, "")`` when the run can be continued, else
    ``(None, why)``. For enabling a "Continue training" action; :func:`resume_point` checks everything."""
    run_dir = Path(run_dir).expanduser()
    try:
        if not (run_dir / CONFIG).is_file():
            return None, f"{run_dir} holds no ConvScope run."
        version = run_format(run_dir)
        check_run_folder(run_dir)
        folder = run_dir if (run_dir / TRAIN_STATE).is_file() else run_dir / RESUME_DIR
        if not (folder / TRAIN_STATE).is_file():
            return None, ("it was made by an earlier ConvScope, which did not save its training state"
                          if version < 2 else "it finished no epoch")
        state = loads_strict(_read_metadata(folder / TRAIN_STATE)["state"])
        return int(state["epoch"]), ""
    except CheckpointError as exc:
        return None, str(exc)
    except (KeyError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        return None, f"its training state is damaged ({type(exc).__name__})"


def restore(trainer, point: ResumePoint) -> Progress:
    """Put a set-up trainer's model, optimizer and generators back at ``point``'s epoch; its progress
    there."""
    loaded = load_run(point.run_dir, device="cpu", weights_dir=point.folder)
    with torch.no_grad():
        trainer.model.load_state_dict(loaded.model.state_dict())
    opt = load_optimizer_state(point.folder)
    if opt is not None:
        try:
            trainer.optimizer.load_state_dict(opt)
            _match_layouts(trainer.optimizer)
        except (ValueError, KeyError, RuntimeError) as exc:
            raise CheckpointError(f"the optimizer state in {point.folder} does not fit the run's "
                                  f"optimizer ({exc}); the run cannot be continued.") from None
    s, t = point.state, point.tensors
    try:
        torch.set_rng_state(t["rng.cpu"])
        trainer.batch_gen.set_state(t["rng.batch"])
        trainer.aug_gen.set_state(t["rng.aug"])
        cuda = [t[k] for k in sorted(k for k in t if k.startswith("rng.cuda."))]
        if trainer.device.type == "cuda" and len(cuda) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda)
        kind, key, pos, has_gauss, cached = s["numpy"]
        np.random.set_state((kind, np.asarray(key, dtype=np.uint32), pos, has_gauss, cached))
        version, internal, gauss = s["python"]
        random.setstate((version, tuple(internal), gauss))
        if s.get("scaler") and trainer.scaler.is_enabled():
            trainer.scaler.load_state_dict(s["scaler"])
    except (KeyError, ValueError, TypeError, RuntimeError) as exc:
        raise CheckpointError(f"{TRAIN_STATE} in {point.folder} holds generator states that cannot be "
                              f"restored ({exc}); the run cannot be continued.") from None
    progress = Progress(int(s["batch_size"]))
    progress.load_state_dict(s, point.history)
    return progress


def resume_target(point: ResumePoint, epochs: int | None = None) -> int:
    """The epochs in total a resumed run trains to (default: its configured epochs);
    :class:`CheckpointError` when it has trained them already."""
    target = point.config.epochs if epochs is None else int(epochs)
    if target <= point.epoch:
        raise CheckpointError(f"the run in {point.run_dir} has already trained {point.epoch} epoch(s); "
                              f"ask for more epochs in total (e.g. --epochs {point.epoch + 1}) to "
                              f"continue it.")
    return target


def resumed_config(point: ResumePoint, device: str | None = None, data_root: str | None = None) -> TrainConfig:
    """The run's config, on ``device`` when given (a run trained on a GPU continues on a CPU), reading
    its dataset from ``data_root`` when given (the same dataset, elsewhere on this computer)."""
    changes = {k: v for k, v in (("device", device), ("data_root", data_root)) if v}
    return replace(point.config, **changes) if changes else point.config


def save_from_memory(trainer, run_dir: str | os.PathLike) -> RunWriter:
    """A complete run folder written from a trainer's memory (see ``Trainer.save_to``); a new folder is
    removed again when the disk refuses it, and every file is replaced atomically, so saving again into
    the same folder never loses what is there."""
    created = not os.path.exists(run_dir)
    writer = RunWriter(run_dir)
    last = trainer.last_result.status if trainer.last_result else "stopped"
    status = last if last in ("completed", "stopped", "diverged") else "stopped"
    try:
        writer.write_format()
        writer.write_config(trainer.config.to_dict())
        writer.save_weights(trainer.model, trainer.optimizer, {"epoch": trainer.epochs_done,
                                                               "arch": trainer.config.arch,
                                                               "step": trainer.global_step},
                            extra=lambda token: [(TRAIN_STATE, train_state(trainer, token))])
        writer.write_metrics(trainer.history)
        if getattr(trainer, "examples", None) is not None:
            trainer.examples.save(writer.dir)
        writer.write_status(status, f"saved from memory after epoch {trainer.epochs_done}",
                            epoch=trainer.epochs_done, test_acc=trainer.history[-1]["test_acc"],
                            batch_size=trainer.batch_size)
    except OSError as exc:
        if created:  # leave no half-saved run behind
            shutil.rmtree(writer.dir, ignore_errors=True)
        raise CheckpointError(f"could not write the run directory {writer.dir}: {write_error_reason(exc)}. "
                              f"Choose another folder.") from None
    return writer
