"""Small background jobs of the window: parameter counts and time estimates (they need torch).

One daemon thread per window runs the jobs, latest-only per kind (a newer request of the same kind
replaces a pending one). Results come back to the GUI thread through a queued signal.

Jobs touch torch, and torch's global random generator is shared with the training run: a training run
seeds it and draws its initial weights from it. So jobs never run while a run is active —
:meth:`BackgroundJobs.suspend` cancels the current job and holds new ones, and :meth:`wait_idle` (called
by the training thread before it starts) waits until the current job has given the CPU back.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger("convscope.gui")


class JobCancelled(Exception):
    """A job gave up because a run started or the window closed."""


class _Relay(QObject):
    """Lives in the GUI thread; the job thread emits ``done`` and the slot runs the callback there."""

    done = Signal(object, object, object)  # callback, result, error

    @Slot(object, object, object)
    def deliver(self, callback, result, error) -> None:
        try:
            callback(result, error)
        except Exception:  # noqa: BLE001
            log.exception("background job callback failed")


class BackgroundJobs:
    def __init__(self):
        self._cond = threading.Condition()
        self._pending: dict[str, tuple[Callable, Callable]] = {}
        self._suspended = False
        self._closed = False
        self._current: tuple[str, threading.Event] | None = None
        self._busy = threading.Lock()
        self._thread: threading.Thread | None = None
        self._relay = _Relay()
        self._relay.done.connect(self._relay.deliver)

    def submit(self, kind: str, fn: Callable[[threading.Event], Any],
               callback: Callable[[Any, BaseException | None], None]) -> None:
        """Run ``fn(cancel_event)`` in the background; ``callback(result, error)`` in the GUI thread.

        A pending job of the same kind is replaced, a running one is asked to give up.
        """
        with self._cond:
            if self._closed:
                return
            self._pending[kind] = (fn, callback)
            if self._current is not None and self._current[0] == kind:
                self._current[1].set()
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="convscope-jobs", daemon=True)
                self._thread.start()
            self._cond.notify()

    def discard(self, kind: str) -> None:
        with self._cond:
            self._pending.pop(kind, None)

    def suspend(self) -> None:
        """Cancel the job in progress and hold the others (a run is starting)."""
        with self._cond:
            self._suspended = True
            if self._current is not None:
                self._current[1].set()

    def resume(self) -> None:
        with self._cond:
            self._suspended = False
            self._cond.notify()

    def wait_idle(self) -> None:
        """Block until no job is computing (called from the training thread before it starts)."""
        with self._busy:
            pass

    def close(self, timeout: float = 2.0) -> None:
        with self._cond:
            self._closed = True
            self._pending.clear()
            if self._current is not None:
                self._current[1].set()
            self._cond.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    @property
    def busy(self) -> bool:
        return self._busy.locked()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (self._suspended or not self._pending):
                    self._cond.wait()
                if self._closed:
                    return
                kind = next(iter(self._pending))
                fn, callback = self._pending.pop(kind)
                cancel = threading.Event()
                self._current = (kind, cancel)
                # Taken under the condition: a suspend() that comes after this sees the job as busy.
                self._busy.acquire()
            result, error = None, None
            try:
                result = fn(cancel)
            except JobCancelled as exc:
                error = exc
            except Exception as exc:  # noqa: BLE001 - a failed estimate is shown, never raised
                log.warning("background job %s failed: %s", kind, exc)
                error = exc
            finally:
                with self._cond:
                    self._current = None
                self._busy.release()
            with self._cond:
                if self._closed:
                    return
            try:
                self._relay.done.emit(callback, result, error)
            except RuntimeError:  # the window is gone
                return


# ------------------------------------------------------------------------------------------- jobs
def count_parameters(config_dict: dict) -> int:
    """Parameters of the configured model, built on the meta device (no memory, no random numbers)."""
    import torch

    from core.engine import TrainConfig, build_model

    cfg = TrainConfig(**config_dict)
    try:
        with torch.device("meta"):
            model = build_model(cfg)
    except Exception:  # noqa: BLE001 - a builder that needs real tensors
        model = build_model(cfg)
    return int(sum(p.numel() for p in model.parameters()))


def measure_rate(config_dict: dict, cancel: threading.Event, budget_s: float = 2.0) -> float:
    """Training examples per second of the configured model on its device, from a few timed steps.

    The model is built on the meta device and given storage without drawing from torch's global random
    generator; the data is random. On a CPU the batch is capped at 32 (throughput per example depends
    little on the batch beyond that) and smaller for very slow networks, so an estimate takes a few
    seconds at most; the rate is what counts, not the result.
    """
    import torch
    import torch.nn.functional as F

    from core.engine import TrainConfig, build_model, resolve_device

    cfg = TrainConfig(**config_dict)
    device = resolve_device(cfg.device)
    gen = torch.Generator(device="cpu").manual_seed(0)
    with torch.device("meta"):
        model = build_model(cfg)
    model = model.to_empty(device=device)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_((torch.randn(p.shape, generator=gen) * 0.05).to(device))
        for b in model.buffers():
            if b.is_floating_point():
                b.fill_(1.0)
            else:
                b.zero_()
    if cfg.channels_last:
        model = model.to(memory_format=torch.channels_last)
    model.train()
    params = model.parameters()
    if cfg.optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=1e-6, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    elif cfg.optimizer == "adam":
        opt = torch.optim.Adam(params, lr=1e-6, weight_decay=cfg.weight_decay)
    else:
        opt = torch.optim.AdamW(params, lr=1e-6, weight_decay=cfg.weight_decay)
    c, side, _ = cfg.input_size
    n_classes = cfg.info.num_classes
    use_amp = cfg.amp and device.type == "cuda"

    def make_batch(b):
        x = torch.randn(b, c, side, side, generator=gen).to(device)
        if cfg.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return x, torch.randint(0, n_classes, (b,), generator=gen).to(device)

    def step(x, y):
        if cancel.is_set():
            raise JobCancelled()
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_amp):
            out = model(x)
        loss = F.cross_entropy(out.float(), y)
        loss.backward()
        opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize()

    def timed(x, y) -> float:
        t0 = time.perf_counter()
        step(x, y)
        return time.perf_counter() - t0

    # Dropout draws from the global generator: give it a private state for these few steps.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        if device.type == "cuda":
            batch = cfg.batch_size
        else:
            # Gauge with a tiny batch, then time a batch that takes about a quarter of the budget
            # (small batches use a CPU less well: measure with as large a one as the budget allows).
            b0 = min(cfg.batch_size, 4)
            x, y = make_batch(b0)
            timed(x, y)  # warm-up: allocations, kernel selection
            rate0 = b0 / max(timed(x, y), 1e-9)
            batch = int(min(cfg.batch_size, 32, max(b0, rate0 * budget_s * 0.25)))
        x, y = make_batch(batch)
        if device.type == "cuda" or batch != b0:
            timed(x, y)
        total, steps = 0.0, 0
        while True:
            total += timed(x, y)
            steps += 1
            if total >= budget_s * 0.5 or steps >= 10:
                break
    return batch * steps / max(total, 1e-9)
