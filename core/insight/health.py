"""Layer health while a network trains: is every layer learning, or are some stuck?

Per layer, measured every ``interval`` seconds between two optimizer steps (a step hook, like the probe):

* **gradient norm** — ‖∂loss/∂θ‖ of the layer's parameters after the step's backward pass (the gradients
  are still there: the next step clears them). Vanishing gradients (a deep sigmoid net) show as rows near
  zero far from the output; exploding ones as huge values.
* **weight change** — ‖θ − θ₀‖ / ‖θ₀‖, θ₀ the weights after the first step: which layers actually move
  (a copy of the weights is kept for it; not for networks over ``MAX_COPY_PARAMS`` parameters).
* **activation mean and standard deviation** of the layer's output, on a fixed batch of training images.
* **dead ReLUs** — for a ReLU, the share of its channels (features, for a flat output) that are zero for
  every image and position of that batch: units that no longer pass any gradient.
* **Inception branches** — for GoogLeNet's and the Inception net's blocks, each branch's share of the
  block's output (the norm of its channels over the sum of the four branches' norms).

Activations come from one extra forward pass of the fixed batch, in eval mode and without gradients
(dropout off, BatchNorm on its running statistics, nothing of the training touched), with hooks registered
for that pass only. All reductions stay on the device; one copy to the host per measurement. The monitor
spends at most ``max_overhead`` of the training thread's time: after a measurement of ``t`` seconds the
next waits at least ``t / max_overhead``. Snapshots go to a latest-only mailbox and a bounded history.

No Qt here.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from convscope.core.base.mailbox import Mailbox
from convscope.core.base.modeltools import eval_mode, first_tensor, unhook
from convscope.core.insight.target import TrainingTarget

ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.GELU, nn.SiLU)
DEAD_KINDS = (nn.ReLU, nn.ReLU6)  # exactly zero below the threshold: a unit can die
METRICS = ("grad_norm", "weight_change", "act_mean", "act_std", "dead")
MAX_COPY_PARAMS = 50_000_000  # VGG-11's 129 M would cost another half gigabyte


@dataclass
class HealthSnapshot:
    step: int
    epoch: int
    wall_time: float
    layers: tuple[str, ...]
    kinds: tuple[str, ...]
    grad_norm: np.ndarray  # (L,) float32; NaN for a layer without parameters
    weight_change: np.ndarray  # (L,)
    act_mean: np.ndarray  # (L,)
    act_std: np.ndarray  # (L,)
    dead: np.ndarray  # (L,) share of dead channels; NaN but for ReLUs
    branch_names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # block → its branches
    branches: dict[str, np.ndarray] = field(default_factory=dict)  # block → (4,) shares summing to 1
    seconds: float = 0.0

    def metric(self, name: str) -> np.ndarray:
        return getattr(self, name)


def health_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The layers the monitor follows, in the order they are registered: leaf modules with parameters
    (convolutions, linear layers, normalisations) and activations."""
    out = []
    for name, m in model.named_modules():
        if not name or any(True for _ in m.children()):
            continue
        if isinstance(m, ACTIVATIONS) or any(True for _ in m.parameters(recurse=False)):
            out.append((name, m))
    return out


def branch_blocks(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Modules whose output is their branches concatenated on the channels (``module.branches``)."""
    return [(n, m) for n, m in model.named_modules() if n and isinstance(getattr(m, "branches", None), tuple)]


def _dead_share(out: torch.Tensor) -> torch.Tensor:
    """Share of channels (dim 1) that are zero for every image and position."""
    if out.dim() < 2:
        return torch.full((), float("nan"), device=out.device)
    alive = out.detach().transpose(0, 1).reshape(out.shape[1], -1).ne(0).any(dim=1)
    return 1.0 - alive.float().mean()


def _branch_shares(out: torch.Tensor, branches) -> torch.Tensor:
    sizes = [c for _, c in branches]
    norms = torch.stack([part.float().norm() for part in torch.split(out.detach(), sizes, dim=1)])
    return norms / norms.sum().clamp_min(1e-12)


class LayerHealth:
    """Measures one model: its initial weights are kept (on its device) for the weight change."""

    def __init__(self, model: nn.Module):
        self.model = model
        self.layers = health_layers(model)
        self.blocks = branch_blocks(model)
        self.params = [[p for p in m.parameters(recurse=False)] for _, m in self.layers]
        self.keeps_initial = sum(p.numel() for ps in self.params for p in ps) <= MAX_COPY_PARAMS
        with torch.no_grad():
            self.initial = [[p.detach().clone() for p in ps] if self.keeps_initial else [] for ps in self.params]
            self.initial_norm = [torch.sqrt(sum((p.float() ** 2).sum() for p in ps)) if ps else None
                                 for ps in self.initial]

    @torch.no_grad()
    def measure(self, x: torch.Tensor) -> dict[str, np.ndarray]:
        """The metrics now, with ``x`` (a batch, already preprocessed) for the activations."""
        device = x.device
        nan = torch.full((), float("nan"), device=device)
        grad, change = [], []
        for ps, ps0, n0 in zip(self.params, self.initial, self.initial_norm):
            grads = [p.grad for p in ps if p.grad is not None]
            grad.append(torch.sqrt(sum((g.float() ** 2).sum() for g in grads)) if grads else nan)
            if ps and ps0:
                diff = torch.sqrt(sum(((p.float() - p0.float()) ** 2).sum() for p, p0 in zip(ps, ps0)))
                change.append(diff / n0.clamp_min(1e-12))
            else:
                change.append(nan)
        stats: dict[str, tuple] = {}
        shares: dict[str, torch.Tensor] = {}

        def layer_hook(name, module):
            def hook(_m, _inputs, output):
                out = first_tensor(output)
                if isinstance(out, torch.Tensor) and name not in stats:
                    o = out.detach().float()
                    dead = _dead_share(o) if isinstance(module, DEAD_KINDS) else nan
                    stats[name] = (o.mean(), o.std(unbiased=False), dead)
            return hook

        def block_hook(name, module):
            def hook(_m, _inputs, output):
                out = first_tensor(output)
                if isinstance(out, torch.Tensor) and name not in shares:
                    shares[name] = _branch_shares(out, module.branches)
            return hook

        handles = [m.register_forward_hook(layer_hook(n, m)) for n, m in self.layers]
        handles += [m.register_forward_hook(block_hook(n, m)) for n, m in self.blocks]
        try:
            with eval_mode(self.model):
                self.model(x)
        finally:
            for h in handles:
                h.remove()
        names = [n for n, _ in self.layers]
        act = [stats.get(n, (nan, nan, nan)) for n in names]
        flat = torch.stack([torch.stack(grad), torch.stack(change),
                            torch.stack([a[0] for a in act]), torch.stack([a[1] for a in act]),
                            torch.stack([a[2] for a in act])]).float().cpu().numpy()
        out = dict(zip(METRICS, flat))
        out["branches"] = {n: s.float().cpu().numpy() for n, s in shares.items()}
        return out


class HealthMonitor:
    """Layer health of a trainer's model, as a step hook (see the module's docstring).

        monitor = HealthMonitor().attach(trainer)   # before the run starts
        snap = monitor.take()                        # any thread: the latest HealthSnapshot or None
    """

    def __init__(self, interval: float = 0.5, history: int = 400, batch: int = 32, max_overhead: float = 0.03):
        self.interval, self.batch, self.max_overhead = float(interval), int(batch), float(max_overhead)
        self.mailbox = Mailbox()
        self._history: deque[HealthSnapshot] = deque(maxlen=history)
        self._lock = threading.Lock()
        self.trainer = None
        self._health: LayerHealth | None = None
        self._x: torch.Tensor | None = None
        self._next_time = 0.0
        self.enabled = True
        self.measurements = 0
        self.seconds = 0.0  # training-thread time spent measuring, in total
        self.last_error: str | None = None

    def attach(self, trainer: TrainingTarget) -> HealthMonitor:
        self.detach()
        self.trainer = trainer
        self._health, self._x, self._next_time = None, None, 0.0
        with self._lock:
            self._history.clear()
        self.mailbox.clear()
        trainer.step_hooks.append(self.on_step)
        return self

    def detach(self) -> None:
        if self.trainer is not None:
            unhook(self.trainer, "step_hooks", self.on_step)
        self.trainer = None

    def take(self) -> HealthSnapshot | None:
        return self.mailbox.take()

    def history(self) -> list[HealthSnapshot]:
        with self._lock:
            return list(self._history)

    def on_step(self, trainer: TrainingTarget) -> None:
        """After an optimizer step (training thread)."""
        if not self.enabled or time.perf_counter() < self._next_time:
            return
        t0 = time.perf_counter()
        try:
            snap = self._measure(trainer)
        except Exception as exc:  # noqa: BLE001 - never break the training loop
            self.last_error = f"{type(exc).__name__}: {exc}"
            self._next_time = time.perf_counter() + max(self.interval, 5.0)
            return
        seconds = time.perf_counter() - t0
        self.seconds += seconds
        self.measurements += 1
        snap.seconds = seconds
        wait = max(self.interval, seconds / self.max_overhead if self.max_overhead > 0 else 0.0)
        self._next_time = t0 + wait
        with self._lock:
            self._history.append(snap)
        self.mailbox.put(snap)

    def _measure(self, trainer: TrainingTarget) -> HealthSnapshot:
        if self._health is None or self._health.model is not trainer.model:
            # The weights as they are at the first measurement (before any step has changed them much:
            # the first measurement comes after the first step).
            self._health = LayerHealth(trainer.model)
        if self._x is None:
            n = min(self.batch, len(trainer.train))
            images = trainer.train.images[:n]
            self._x = trainer.preprocess(images)
        values = self._health.measure(self._x)
        layers = self._health.layers
        blocks = {n: tuple(b for b, _ in m.branches) for n, m in self._health.blocks}
        return HealthSnapshot(
            step=int(trainer.global_step), epoch=int(trainer.epochs_done) + 1,
            wall_time=time.time(), layers=tuple(n for n, _ in layers),
            kinds=tuple(type(m).__name__ for _, m in layers),
            grad_norm=values["grad_norm"], weight_change=values["weight_change"], act_mean=values["act_mean"],
            act_std=values["act_std"], dead=values["dead"], branch_names=blocks, branches=values["branches"])

