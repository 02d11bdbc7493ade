"""Training on several processes with PyTorch's own tools: ``torchrun`` starts them (one per GPU, or a few
on the CPU), ``torch.distributed`` connects them (NCCL between GPUs, gloo on the CPU) and
DistributedDataParallel averages the gradients of every step.

    torchrun --standalone --nproc-per-node 2 main.py train --arch lenet --dataset fashion-mnist --out runs/x

What each process (a *rank*) does:

- it holds its **shard** of the training and test sets on its device (every ``world_size``-th example);
- each step it trains on ``batch_size // world_size`` of its examples: ``--batch-size`` is the **global**
  batch, so the same settings mean the same training (the same steps per epoch, the same learning rate per
  step) at any world size;
- every few steps, at the same steps on every rank (a *sync point*), the ranks add up their window of
  per-step loss sums, correct counts and batch sizes in one all-reduce, with a stop flag. Every rank then
  holds the same global metrics and takes the same decisions (a diverged loss, Ctrl+C), so all of them stop
  together at the same step with identical weights;
- only rank 0 writes the run directory and prints.

Without torchrun (``WORLD_SIZE`` unset or 1), :func:`from_env` returns ``None`` and nothing here is used.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import torch
import torch.distributed as dist

from convscope.core.base.devices import resolve_device
from convscope.core.setup.config import ConfigError

CONNECT_TIMEOUT = timedelta(minutes=10)  # how long a rank waits for the others at a collective
CONNECT_TIMEOUT_ENV = "CONVSCOPE_CONNECT_TIMEOUT_S"  # seconds, instead of CONNECT_TIMEOUT
REMIND_EVERY_S = 60.0  # while waiting for the others, say so again this often


@dataclass
class Group:
    """The processes that train one run together (see the module's docstring)."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    backend: str = ""

    @property
    def primary(self) -> bool:
        return self.rank == 0

    # -- set-up ------------------------------------------------------------------------------------
    def start(self, device_name: str, timeout: timedelta | None = None) -> torch.device:
        """Join the others (torchrun's rendezvous) on this rank's device; returns that device.

        ``timeout``: how long to wait for them (default :func:`connect_timeout`)."""
        device = resolve_device(device_name)
        if device.type == "cuda":
            count = torch.cuda.device_count()
            if self.local_rank >= count:
                raise ConfigError(f"torchrun started more processes on this machine than it has GPUs ({count}): "
                                  f"use --nproc-per-node {count}, or --device cpu.")
            device = torch.device("cuda", self.local_rank)
            torch.cuda.set_device(device)
            self.backend = "nccl"
        elif device.type == "cpu":
            self.backend = "gloo"
        else:
            raise ConfigError(f"training on several processes runs on CUDA GPUs or on the CPU, not on "
                              f"{device.type}: use --device cpu or cuda, or train in one process.")
        self.device = device
        if not dist.is_initialized():
            self._connect(connect_timeout() if timeout is None else timeout)
        return device

    def _connect(self, timeout: timedelta) -> None:
        """torchrun's rendezvous, saying on stderr what this process waits for, until when, and again every
        REMIND_EVERY_S while it waits; a rendezvous that fails is a ConfigError that says why."""
        where = f"{os.environ.get('MASTER_ADDR', '?')}:{os.environ.get('MASTER_PORT', '?')}"
        deadline = time.monotonic() + timeout.total_seconds()
        until = (datetime.now() + timeout).strftime("%H:%M:%S")
        others = self.world_size - 1
        what = (f"process {self.rank} of {self.world_size} (WORLD_SIZE={self.world_size}): waiting for the "
                f"other {others} process{'es' if others > 1 else ''} of this run at {where}")
        print(f"{what}, for up to {_duration(timeout.total_seconds())} (until {until}). torchrun starts them "
              f"all; to train in one process, unset WORLD_SIZE.", file=sys.stderr, flush=True)
        connected = threading.Event()

        def remind() -> None:
            while not connected.wait(REMIND_EVERY_S):
                left = deadline - time.monotonic()
                if left > 0:
                    print(f"{what}: still waiting, {_duration(left)} left (until {until}).", file=sys.stderr,
                          flush=True)

        reminder = threading.Thread(target=remind, name="rendezvous-reminder", daemon=True)
        reminder.start()
        try:
            dist.init_process_group(self.backend, timeout=timeout)
        except (RuntimeError, ValueError) as exc:  # DistStoreError (a timeout) is a RuntimeError
            if isinstance(exc, dist.DistStoreError) or "timed out" in str(exc).lower():
                raise ConfigError(f"the other {others} process{'es' if others > 1 else ''} of this run did not "
                                  f"join within {_duration(timeout.total_seconds())} (at {where}): start all "
                                  f"of them with torchrun, or unset WORLD_SIZE to train in one "
                                  f"process.") from None
            raise ConfigError(f"cannot join the other processes of this run: {exc}. Start them with torchrun "
                              f"(it sets MASTER_ADDR and MASTER_PORT), or unset WORLD_SIZE.") from None
        finally:
            connected.set()
            reminder.join()

    def close(self) -> None:
        if dist.is_initialized():
            dist.destroy_process_group()

    def agree(self, error: str | None) -> str | None:
        """Every rank says whether it can go on; returns the first rank's error (None when all can).

        Each rank must call this at the same point, so that one failing rank does not leave the others
        waiting at the next collective."""
        errors: list = [None] * self.world_size
        dist.all_gather_object(errors, error)
        for rank, message in enumerate(errors):
            if message:
                return message if rank == self.rank or rank == 0 else f"process {rank}: {message}"
        return None

    def check_batch(self, batch_size: int) -> int:
        """The per-rank share of the global batch."""
        if batch_size % self.world_size:
            lower = batch_size - batch_size % self.world_size
            raise ConfigError(f"the batch of {batch_size} does not split evenly over {self.world_size} "
                              f"processes: use a multiple of {self.world_size} (e.g. --batch-size "
                              f"{lower or self.world_size}).")
        return batch_size // self.world_size

    def shard(self, x: np.ndarray, y: np.ndarray, equal: bool) -> tuple[np.ndarray, np.ndarray]:
        """This rank's examples: every ``world_size``-th one. ``equal``: every rank the same number (the
        training split, so that every rank takes the same number of steps; at most world_size - 1
        examples are left out)."""
        n = len(y) // self.world_size * self.world_size if equal else len(y)
        if equal and n == 0:
            raise ConfigError(f"{len(y)} training example(s) cannot be shared by {self.world_size} processes: "
                              f"train on more examples or with fewer processes.")
        return x[self.rank:n:self.world_size], y[self.rank:n:self.world_size]

    def wrap(self, model: torch.nn.Module) -> torch.nn.Module:
        """The model as DistributedDataParallel trains it (the parameters stay those of ``model``; rank 0's
        are copied to every rank here)."""
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids, gradient_as_bucket_view=True)

    # -- the sync points ---------------------------------------------------------------------------
    def sum_window(self, losses: np.ndarray, correct: np.ndarray, sizes: np.ndarray, stop: bool,
                   proposal: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool, int]:
        """One all-reduce for a window of steps: the global mean loss, correct count and batch size of each
        step, whether any rank asked to stop, and rank 0's ``proposal`` (the steps to the next sync point)."""
        k = len(sizes)
        vec = np.concatenate([losses.astype(np.float64) * sizes, correct, sizes,
                              [float(stop), float(proposal if self.primary else 0)]])
        total = torch.from_numpy(vec).to(self.device)
        dist.all_reduce(total)
        out = total.cpu().numpy()
        loss_sum, correct_sum, size_sum = out[:k], out[k:2 * k], out[2 * k:3 * k]
        mean = (loss_sum / np.maximum(size_sum, 1)).astype(np.float32)
        return mean, correct_sum.astype(np.int64), size_sum.astype(np.int64), out[-2] > 0, int(out[-1])

    def mean_over(self, loss: float, acc: float, n: int) -> tuple[float, float]:
        """The global mean loss and accuracy from each rank's means over its ``n`` examples."""
        vec = torch.tensor([loss * n if n else 0.0, acc * n if n else 0.0, float(n)], dtype=torch.float64,
                           device=self.device)
        dist.all_reduce(vec)
        loss_sum, correct, total = vec.tolist()
        return (loss_sum / total, correct / total) if total else (float("nan"), float("nan"))

    def sync_buffers(self, model: torch.nn.Module) -> None:
        """Rank 0's buffers (BatchNorm's running statistics) on every rank: each rank's last step updated
        them with its own batch."""
        for buffer in model.buffers():
            dist.broadcast(buffer, src=0)


def connect_timeout() -> timedelta:
    """How long a process waits for the others: CONNECT_TIMEOUT, or ``CONVSCOPE_CONNECT_TIMEOUT_S`` seconds."""
    text = os.environ.get(CONNECT_TIMEOUT_ENV, "").strip()
    if not text:
        return CONNECT_TIMEOUT
    try:
        seconds = float(text)
        if not 0 < seconds <= 86400:
            raise ValueError
    except ValueError:
        raise ConfigError(f"{CONNECT_TIMEOUT_ENV}={text!r} is not a number of seconds between 0 and 86400: "
                          f"set it to one (e.g. 600), or unset it.") from None
    return timedelta(seconds=seconds)


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 120:
        return f"{seconds} s"
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds // 60} min {seconds % 60} s"


def from_env() -> Group | None:
    """The group torchrun described in the environment, or None for a single process."""
    try:
        world = int(os.environ.get("WORLD_SIZE", "1"))
        if world <= 1:
            return None
        return Group(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0")))
    except (KeyError, ValueError):
        raise ConfigError("WORLD_SIZE is set but RANK is missing or not a number: start several processes "
                          "with torchrun (e.g. torchrun --nproc-per-node 2 main.py train …).") from None


def next_sync(step_seconds: float, interval: float) -> int:
    """Steps to the next sync point: about ``interval`` seconds of training, at least 1."""
    return int(max(1, min(1000, interval / max(step_seconds, 1e-6))))
