"""Stop and pause inside a long training step or evaluation pass, keeping the last finished state.

The trainer checks its stop and pause flags between batches. One step of a big network on a CPU takes
much longer than a stop may wait (NiN at 224 px, batch 128: about 13 s on two cores), and so does one
batch of its evaluation. While steps are slow (over ``SLOW_STEP_S``; the first step of a run counts as
slow until it is timed) and during the evaluation within a run, the :class:`Interrupter` hooks every leaf
module of the network: a forward pre-hook before each layer and, through a hook on each layer's output
gradient, a point between the layers of the backward pass. At those points a pause waits in place (so
resuming continues the same step, exactly) and a stop raises :class:`Interrupted`.

What a stop keeps: :class:`Interrupted` unwinds the step before the optimizer step, so the weights and
the optimizer state stay those of the last finished step (the optimizer step itself is never broken off).
A forward pass in training mode updates BatchNorm's running statistics: the buffers are copied before a
hooked step and put back when it is interrupted. An evaluation broken off records nothing: the epoch
stays unfinished, and the run ends ``stopped`` with its last finished epoch.

One layer's work is never broken off, so how long a stop waits is the longest layer: on a CPU a big
network's test pass goes in batches of at most ``EVAL_FLOPS`` (:func:`evaluation_batch`), not 512 images
(NiN at 224 px: 26 images, its largest layer about half a second on two cores). A training step keeps its
batch; its largest layer's backward pass (NiN's 5×5 convolution at batch 128: about 2.5 s) is the longest
a stop can wait.

The hooks are off with several processes (they stop together, at a sync point) and with torch.compile
(a hook that raises would be traced into the compiled graph).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from convscope.core.training.checks import StopTraining

SLOW_STEP_S = 0.2  # a step at least this long is broken off from the inside when stopped
EVAL_BATCH = 512  # the test pass's batch ...
EVAL_FLOPS = 40e9  # ... on a CPU at most this many FLOPs of forward pass per batch (about 1 s on two cores)
MIN_EVAL_BATCH = 8
COUNTED_SIDE = 64  # inputs at least this large have their FLOPs counted (smaller ones are cheap anyway)


class Interrupted(Exception):
    """A stop asked for inside a step or an evaluation pass (raised by the hooks, never seen outside
    the trainer: :func:`as_stop` turns it into a stopped run)."""


@contextmanager
def as_stop(epoch: int) -> Iterator[None]:
    """An :class:`Interrupted` inside the block ends the run ``stopped`` during ``epoch``."""
    try:
        yield
    except Interrupted:
        raise StopTraining("stopped", f"stopped by the user during epoch {epoch}.") from None


def evaluation_batch(config, device: torch.device) -> int:
    """The test pass's batch: 512 images, fewer on a CPU for a network whose batch of 512 would take
    many seconds (counted on the 'meta' device: no memory, no random numbers)."""
    c, side, _ = config.input_size
    if device.type != "cpu" or side < COUNTED_SIDE:
        return EVAL_BATCH
    from torch.utils.flop_counter import FlopCounterMode

    from convscope.core.setup.build import meta_model

    try:
        model = meta_model(config).eval()
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            model(torch.zeros(1, c, side, side, device="meta"))
        flops = counter.get_total_flops()
    except Exception:  # noqa: BLE001 - a network the meta device cannot run: the usual batch
        return EVAL_BATCH
    return int(min(EVAL_BATCH, max(MIN_EVAL_BATCH, EVAL_FLOPS // max(flops, 1))))


class Interrupter:
    """The hooks that let a stop or a pause reach inside a step; ``stop`` and ``unpaused`` are the
    trainer's events (a stop also sets ``unpaused``, so a paused step wakes to stop)."""

    def __init__(self, stop: threading.Event, unpaused: threading.Event, enabled: bool = True):
        self._stop, self._unpaused = stop, unpaused
        self.enabled = enabled
        self.slow = True  # the last step took SLOW_STEP_S or more (or none was timed yet)
        self.paused_s = 0.0  # seconds paused inside hooked steps, since take_paused()
        self._handles: list = []

    # -- the check, at every hooked point ----------------------------------------------------------
    def check(self) -> None:
        if not self._unpaused.is_set():
            t0 = time.perf_counter()
            self._unpaused.wait()
            self.paused_s += time.perf_counter() - t0
        if self._stop.is_set():
            raise Interrupted()

    def take_paused(self) -> float:
        """Seconds paused inside steps since the last call (training time leaves them out)."""
        waited, self.paused_s = self.paused_s, 0.0
        return waited

    # -- the scopes --------------------------------------------------------------------------------
    @contextmanager
    def step(self, model: torch.nn.Module) -> Iterator[None]:
        """One training step of ``model``: hooked while steps are slow, its buffers put back when a stop
        breaks it off. Times the step to decide for the next one."""
        armed = self.enabled and self.slow
        saved = buffers_copy(model) if armed else None
        if armed:
            self._arm(model)
        t0, paused0 = time.perf_counter(), self.paused_s
        try:
            yield
        except Interrupted:
            if saved is not None:
                restore_buffers(model, saved)
            raise
        finally:
            if armed:
                self._disarm()
        self.slow = time.perf_counter() - t0 - (self.paused_s - paused0) >= SLOW_STEP_S

    @contextmanager
    def evaluation(self, model: torch.nn.Module) -> Iterator[None]:
        """The test pass at an epoch's end: hooked (a batch of 512 is long for a big network, and the
        hooks cost nothing next to it). Pauses here are not training time."""
        if not self.enabled:
            yield
            return
        self._arm(model)
        paused0 = self.paused_s
        try:
            yield
        finally:
            self._disarm()
            self.paused_s = paused0

    # -- hooks -------------------------------------------------------------------------------------
    def _arm(self, model: torch.nn.Module) -> None:
        for module in model.modules():
            if next(module.children(), None) is None:  # a leaf: a layer that computes
                self._handles.append(module.register_forward_pre_hook(self._before_layer))
                self._handles.append(module.register_forward_hook(self._after_layer))

    def _disarm(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def _before_layer(self, module, args) -> None:
        self.check()

    def _after_layer(self, module, args, output) -> None:
        # The layer's output gradient is computed just before the layer's own backward: a point there.
        if isinstance(output, torch.Tensor) and output.requires_grad and torch.is_grad_enabled():
            output.register_hook(self._in_backward)

    def _in_backward(self, grad: torch.Tensor) -> None:
        self.check()


def buffers_copy(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A copy of the model's buffers (BatchNorm's running statistics and step counts)."""
    return {name: b.detach().clone() for name, b in model.named_buffers()}


def restore_buffers(model: torch.nn.Module, saved: dict[str, torch.Tensor]) -> None:
    with torch.no_grad():
        for name, b in model.named_buffers():
            if name in saved:
                b.copy_(saved[name])
