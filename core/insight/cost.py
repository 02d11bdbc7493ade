"""Where a training step's time and memory go, measured on this computer: one row per layer of the summary.

:func:`measure` trains a copy of the network for a few steps on random data at the run's input size and
batch size, on the run's device, and reports per layer (the rows of :mod:`core.insight.summary`):

* ``forward_ms`` and ``backward_ms``: the median over the timed steps of the time between a layer's
  forward pre-hook and forward hook, and between its full backward pre-hook and backward hook (CUDA
  events on a GPU, the wall clock on the CPU, where every step is synchronous). Forward and backward
  are timed in separate steps, so the hooks of one never slow the other down;
* ``saved_bytes``: what autograd keeps for the backward pass while the layer runs forward, from
  ``torch.autograd.graph.saved_tensors_hooks`` (each storage counted once, by the first layer that saves
  it; the parameters are not counted: they are kept anyway);
* ``param_bytes``, ``grad_bytes`` and ``optimizer_bytes``: its parameters, their gradients and the
  optimizer's state for them (momentum, Adam's moments);
* ``gflops_per_s``: its forward FLOPs (the summary's count, times the batch) over its forward time, and
  ``peak_share``, that rate over the device's matrix-multiply peak (:func:`matmul_peak`; a layer that runs
  faster than the peak was measured, on a machine busy at that moment, raises it to that layer's rate).

Beside the rows: ``step_ms``, one whole training step (forward, loss, backward, optimizer) timed without
any hook, in steps that alternate with the hooked ones so a machine busy with something else slows both
alike; ``optimizer_ms``; the whole step's ``saved_bytes``, including what the network computes outside
its layers (a concatenation, a functional ReLU, the loss). The rows' forward + backward plus
``optimizer_ms`` and the work outside the layers make up ``step_ms``.

The network and its parameters are left as they were: the steps train a deep copy (or a fresh model
with random weights drawn from a private generator), and torch's global random generator is restored
afterwards. Measuring refuses to run while a training runs in this process
(:mod:`core.base.training_flag`): the two would share the cores and both be timed wrongly.
"""
from __future__ import annotations

import copy
import statistics
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from convscope.core.base.devices import device_label, resolve_device, synchronize, use_channels_last
from convscope.core.base.training_flag import refuse_while_training
from convscope.core.insight.summary import OWN_FORWARD, ModelSummary, summarize
from convscope.core.setup.build import meta_model
from convscope.core.setup.config import TrainConfig

OUTSIDE = "(outside the layers)"  # what autograd saves outside every leaf layer: cat, functional ReLUs, loss
MAX_STEPS = 10  # timed steps of each kind at most
MIN_STEPS = 3

Progress = Callable[[float, str], None]


class Cancelled(Exception):
    """The caller cancelled the measurement."""


@dataclass
class LayerCost:
    name: str
    kind: str
    params: int
    flops: int  # forward FLOPs for one image (the summary's count)
    forward_ms: float = 0.0
    backward_ms: float = 0.0
    saved_bytes: int = 0
    param_bytes: int = 0
    grad_bytes: int = 0
    optimizer_bytes: int = 0
    gflops_per_s: float = 0.0  # forward FLOPs of the batch over the forward time
    peak_share: float = 0.0  # gflops_per_s over the device's matrix-multiply peak

    @property
    def total_ms(self) -> float:
        return self.forward_ms + self.backward_ms

    def measured_json(self) -> dict:
        return {"forward_ms": self.forward_ms, "backward_ms": self.backward_ms, "saved_bytes": self.saved_bytes,
                "param_bytes": self.param_bytes, "grad_bytes": self.grad_bytes,
                "optimizer_bytes": self.optimizer_bytes, "gflops_per_s": self.gflops_per_s,
                "peak_share": self.peak_share}


@dataclass
class CostLedger:
    summary: ModelSummary
    rows: list[LayerCost]
    batch_size: int
    device: str  # its label, e.g. "CPU (2 threads)"
    threads: int
    steps: int  # timed steps of each kind
    step_ms: float  # one whole training step, no hooks
    step_ms_spread: tuple[float, float]  # the fastest and slowest of those steps
    optimizer_ms: float
    saved_bytes: int  # the whole step's activations kept for backward (each storage once, no parameters)
    saved_outside_bytes: int  # of which saved outside every layer
    param_bytes: int
    grad_bytes: int
    optimizer_bytes: int
    peak_gflops: float  # the device's matrix-multiply peak
    peak_bytes: int  # the step's memory at its peak: measured on a GPU, the sum of the parts on a CPU
    peak_measured: bool
    seconds: float = 0.0  # what the measurement took
    extra: dict = field(default_factory=dict)

    @property
    def forward_ms(self) -> float:
        return sum(r.forward_ms for r in self.rows)

    @property
    def backward_ms(self) -> float:
        return sum(r.backward_ms for r in self.rows)

    @property
    def rows_ms(self) -> float:
        return self.forward_ms + self.backward_ms

    @property
    def ms_per_image(self) -> float:
        return self.step_ms / self.batch_size

    @property
    def peak_bytes_per_image(self) -> float:
        return self.peak_bytes / self.batch_size

    def share(self, row: LayerCost, what: str) -> float:
        """``row``'s share of the network's "time" (forward + backward of the rows), "params", "flops" or
        "memory" (saved activations)."""
        if what == "time":
            total, part = self.rows_ms, row.total_ms
        elif what == "memory":
            total, part = self.saved_bytes, row.saved_bytes
        else:
            total, part = getattr(self.summary, "total_" + what), getattr(row, what)
        return part / total if total else 0.0

    def to_json(self) -> dict:
        """The summary's JSON, each row with its measured columns, and the step's totals."""
        out = self.summary.to_json()
        for row_json, row in zip(out["rows"], self.rows):
            row_json.update(row.measured_json())
        out.update(step_ms=self.step_ms, step_ms_spread=list(self.step_ms_spread), rows_ms=self.rows_ms,
                   forward_ms=self.forward_ms, backward_ms=self.backward_ms, optimizer_ms=self.optimizer_ms,
                   saved_bytes=self.saved_bytes, saved_outside_bytes=self.saved_outside_bytes,
                   param_bytes=self.param_bytes, grad_bytes=self.grad_bytes,
                   optimizer_bytes=self.optimizer_bytes, peak_gflops=self.peak_gflops,
                   peak_bytes=self.peak_bytes, peak_measured=self.peak_measured, batch_size=self.batch_size,
                   device=self.device, threads=self.threads, steps=self.steps, seconds=self.seconds)
        return out


# ------------------------------------------------------------------------------------- the peak
_PEAKS: dict[tuple[str, int], float] = {}
_PEAK_LOCK = threading.Lock()


def matmul_peak(device: torch.device | str = "cpu") -> float:
    """The device's float32 matrix-multiply rate in GFLOP/s: the best of a few large ``torch.mm``, measured
    once per device and torch thread count and then remembered for the life of the process."""
    device = torch.device(device)
    key = (str(device), torch.get_num_threads())
    with _PEAK_LOCK:
        if key not in _PEAKS:
            _PEAKS[key] = _time_matmul(device)
        return _PEAKS[key]


def _time_matmul(device: torch.device) -> float:
    n, reps = (1024, 8) if device.type == "cpu" else (4096, 10)  # the best of several: a busy moment lowers one
    gen = torch.Generator().manual_seed(0)
    a, b = (torch.randn(n, n, generator=gen).to(device) for _ in range(2))
    out = torch.empty(n, n, device=device)
    torch.mm(a, b, out=out)  # warm-up: the library picks its kernel
    synchronize(device)
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        torch.mm(a, b, out=out)
        synchronize(device)
        best = min(best, time.perf_counter() - t0)
    return 2 * n**3 / best / 1e9


# ------------------------------------------------------------------------------------- measuring
def measure(config: TrainConfig, model: nn.Module | None = None, batch_size: int | None = None,
            device: str | torch.device | None = None, budget_s: float = 5.0, progress: Progress | None = None,
            cancel: threading.Event | None = None) -> CostLedger:
    """The cost ledger of ``config``'s network (or of ``model``, which is copied, never changed) at the
    config's input size and ``batch_size`` (default: the config's) on ``device`` (default: the config's).

    ``budget_s`` bounds the timed steps (at least three of each kind, at most ten); ``progress(fraction,
    text)`` is called as it goes; ``cancel`` (an Event) ends it with :class:`Cancelled`. Raises
    :class:`~core.base.training_flag.TrainingRunning` while a training runs in this process."""
    refuse_while_training("Measuring the cost of each layer")
    t_start = time.perf_counter()
    report = progress or (lambda fraction, text: None)
    cancel = cancel or threading.Event()
    summary = summarize(config)
    dev = torch.device(device) if isinstance(device, torch.device) else resolve_device(device or config.device)
    batch = int(batch_size or config.batch_size)
    report(0.0, "measuring the device's matrix-multiply peak")
    peak = matmul_peak(dev)
    with torch.random.fork_rng(devices=[dev.index or 0] if dev.type == "cuda" else []):
        torch.manual_seed(0)  # dropout draws from the global generator: a private state, restored after
        probe = _Probe(config, model, summary, dev, batch)
        ledger = probe.run(budget_s, report, cancel)
    # A layer that ran faster than the peak means the product was timed at a busy moment: the peak is at
    # least what a layer reached, here and for the later measurements of this process.
    best = max((row.gflops_per_s for row in ledger.rows), default=0.0)
    if best > peak:
        with _PEAK_LOCK:
            _PEAKS[(str(dev), torch.get_num_threads())] = peak = best
    ledger.peak_gflops = peak
    for row in ledger.rows:
        row.peak_share = row.gflops_per_s / peak if peak else 0.0
    ledger.seconds = time.perf_counter() - t_start
    report(1.0, "measured")
    return ledger


def _optimizer(config: TrainConfig, params) -> torch.optim.Optimizer:
    """The configured optimizer as a run makes it (fused kernels where torch has them), with a tiny rate:
    the steps only time, they need not learn."""
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[config.optimizer]
    kwargs = dict(lr=1e-6, weight_decay=config.weight_decay)
    if config.optimizer == "sgd":
        kwargs["momentum"] = config.momentum
    params = list(params)
    try:
        return cls(params, fused=True, **kwargs)
    except (RuntimeError, TypeError, ValueError):
        return cls(params, **kwargs)


def _fresh_model(config: TrainConfig, device: torch.device) -> nn.Module:
    """The network with random weights from a private generator (torch's global one is not drawn from)."""
    gen = torch.Generator().manual_seed(0)
    model = meta_model(config).to_empty(device=device)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.05)
        for b in model.buffers():
            if b.is_floating_point():
                b.fill_(1.0)
            else:
                b.zero_()
    return model


def _nbytes(tensors) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)


class _Probe:
    """One measurement: the copy of the network, its optimizer, a random batch, and the hooks."""

    def __init__(self, config, model, summary, device, batch):
        self.device, self.batch, self.summary = device, batch, summary
        if model is None:
            self.model = _fresh_model(config, device)
        else:
            self.model = copy.deepcopy(model).to(device)
        self.channels_last = use_channels_last(config.channels_last, device, self.model)
        if self.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        self.model.train()
        for p in self.model.parameters():
            p.requires_grad_(True)
        self.optimizer = _optimizer(config, self.model.parameters())
        self.criterion = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
        self.amp_dtype = None
        if config.amp and device.type == "cuda":
            self.amp_dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        c, side, _ = config.input_size
        gen = torch.Generator().manual_seed(1)
        self.x = torch.randn(batch, c, side, side, generator=gen).to(device)
        if self.channels_last:
            self.x = self.x.contiguous(memory_format=torch.channels_last)
        self.y = torch.randint(0, config.info.num_classes, (batch,), generator=gen).to(device)
        modules = dict(self.model.named_modules())
        self.layers = [(r.name, modules[r.name]) for r in summary.rows if r.name in modules]
        self.cuda = device.type == "cuda"

    # -- the pieces of a step
    def _clock(self):
        """A time stamp: a recorded CUDA event on a GPU, the wall clock elsewhere."""
        if self.cuda:
            event = torch.cuda.Event(enable_timing=True)
            event.record()
            return event
        if self.device.type == "mps":
            torch.mps.synchronize()
        return time.perf_counter()

    def _ms(self, t0, t1) -> float:
        return t0.elapsed_time(t1) if self.cuda else (t1 - t0) * 1000

    def _loss(self):
        if self.amp_dtype is None:
            return self.criterion(self.model(self.x), self.y)
        with torch.autocast(self.device.type, dtype=self.amp_dtype):
            out = self.model(self.x)
        return self.criterion(out.float(), self.y)

    def _step(self) -> float:
        """One plain training step: its time in ms."""
        synchronize(self.device)
        t0 = self._clock()
        self.optimizer.zero_grad(set_to_none=True)
        self._loss().backward()
        self.optimizer.step()
        t1 = self._clock()
        synchronize(self.device)
        return self._ms(t0, t1)

    def _hooked_step(self, backward: bool) -> tuple[dict[str, float], float]:
        """A forward with the layers' forward hooks (``backward`` False), or a whole step with their full
        backward hooks: each layer's time in ms, and the optimizer's (0 for a forward)."""
        stamps: dict[str, list] = {}
        pending: list[str] = []  # layers whose inputs need no gradient: they end at the next stamp

        def stamp(name, start):
            def hook(*args):
                now = self._clock()
                while pending:
                    stamps[pending.pop()].append(now)
                stamps.setdefault(name, []).append(now)
                if backward and not start and all(g is None for g in args[1]):
                    stamps[name].pop()
                    pending.append(name)
            return hook

        handles = []
        try:
            for name, module in self.layers:
                if backward:
                    handles.append(module.register_full_backward_pre_hook(stamp(name, True)))
                    handles.append(module.register_full_backward_hook(stamp(name, False)))
                else:
                    handles.append(module.register_forward_pre_hook(stamp(name, True)))
                    handles.append(module.register_forward_hook(stamp(name, False)))
            synchronize(self.device)
            self.optimizer.zero_grad(set_to_none=True)
            loss = self._loss()
            t_end = t_opt = None
            if backward:  # a forward-timing step ends here: its graph is dropped
                with warnings.catch_warnings():  # the first layer's hook fires early: handled by `pending`
                    warnings.simplefilter("ignore", UserWarning)
                    loss.backward()
                t_end = self._clock()
                while pending:
                    stamps[pending.pop()].append(t_end)
                self.optimizer.step()
                t_opt = self._clock()
            synchronize(self.device)
        finally:
            for h in handles:
                h.remove()
        times = {name: sum(self._ms(s[i], s[i + 1]) for i in range(0, len(s) - 1, 2))
                 for name, s in stamps.items()}
        return times, self._ms(t_end, t_opt) if backward else 0.0

    def _saved(self) -> tuple[dict[str, int], int]:
        """One step under ``saved_tensors_hooks``: the bytes each layer keeps for backward (each storage
        once, parameters not counted), and the bytes saved outside every layer."""
        params = {p.untyped_storage().data_ptr() for p in self.model.parameters()}
        seen: set[int] = set()
        saved: dict[str, int] = {}
        active: list[str] = []

        def enter(name):
            def hook(*_):
                active.append(name)
            return hook

        def leave(*_):
            active.pop()

        def pack(t):
            storage = t.untyped_storage()
            ptr = storage.data_ptr()
            if ptr and ptr not in params and ptr not in seen:
                seen.add(ptr)
                where = active[-1] if active else OUTSIDE
                saved[where] = saved.get(where, 0) + storage.nbytes()
            return t

        handles = []
        try:
            for name, module in self.layers:
                handles.append(module.register_forward_pre_hook(enter(name)))
                handles.append(module.register_forward_hook(leave))
            self.optimizer.zero_grad(set_to_none=True)
            with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
                loss = self._loss()
            loss.backward()
            self.optimizer.step()
            synchronize(self.device)
        finally:
            for h in handles:
                h.remove()
        return saved, saved.get(OUTSIDE, 0)

    # -- the whole measurement
    def run(self, budget_s: float, report: Progress, cancel: threading.Event) -> CostLedger:
        def check():
            if cancel.is_set():
                raise Cancelled()

        report(0.05, "counting the activations kept for backward")
        if self.cuda:
            torch.cuda.reset_peak_memory_stats(self.device)
            base = torch.cuda.memory_allocated(self.device)
        saved, outside = self._saved()  # also makes the optimizer's state
        check()
        t0 = time.perf_counter()
        self._step()  # warm-up: allocations, kernel choices
        check()
        self._hooked_step(False)
        check()
        self._hooked_step(True)
        warm_s = time.perf_counter() - t0
        n = int(max(MIN_STEPS, min(MAX_STEPS, budget_s / max(warm_s, 1e-6))))
        steps, fwd, bwd, opt = [], [], [], []
        for i in range(n):  # the three kinds alternate: a busy machine slows them alike
            check()
            report(0.1 + 0.85 * i / n, f"timing step {i + 1} of {n}")
            steps.append(self._step())
            fwd.append(self._hooked_step(False)[0])
            times, opt_ms = self._hooked_step(True)
            bwd.append(times)
            opt.append(opt_ms)
        peak_measured = self.cuda
        if self.cuda:
            peak_bytes = torch.cuda.max_memory_allocated(self.device) - base + _nbytes(self.model.parameters())
        return self._ledger(saved, outside, steps, fwd, bwd, opt, n, peak_measured,
                            peak_bytes if peak_measured else None)

    def _ledger(self, saved, outside, steps, fwd, bwd, opt, n, peak_measured, peak_bytes) -> CostLedger:
        state = self.optimizer.state
        rows = []
        modules = dict(self.layers)
        for r in self.summary.rows:
            row = LayerCost(r.name, r.kind, r.params, r.flops)
            module = modules.get(r.name)
            if module is not None:
                own = list(module.parameters(recurse=False))
                row.forward_ms = statistics.median(t.get(r.name, 0.0) for t in fwd)
                row.backward_ms = statistics.median(t.get(r.name, 0.0) for t in bwd)
                row.saved_bytes = saved.get(r.name, 0)
                row.param_bytes = _nbytes(own)
                row.grad_bytes = _nbytes(p.grad for p in own if p.grad is not None)
                row.optimizer_bytes = sum(_nbytes(v for v in state.get(p, {}).values()
                                                  if isinstance(v, torch.Tensor)) for p in own)
                if row.forward_ms > 0:
                    row.gflops_per_s = r.flops * self.batch / (row.forward_ms / 1000) / 1e9
            elif r.name == OWN_FORWARD:
                row.param_bytes = row.params * 4
            rows.append(row)
        params = list(self.model.parameters())
        param_bytes = _nbytes(params)
        grad_bytes = _nbytes(p.grad for p in params if p.grad is not None)
        opt_bytes = sum(_nbytes(v for v in s.values() if isinstance(v, torch.Tensor)) for s in state.values())
        saved_total = sum(saved.values())
        if peak_bytes is None:
            peak_bytes = param_bytes + grad_bytes + opt_bytes + saved_total
        return CostLedger(
            summary=self.summary, rows=rows, batch_size=self.batch, device=device_label(self.device),
            threads=torch.get_num_threads(), steps=n, step_ms=statistics.median(steps),
            step_ms_spread=(min(steps), max(steps)), optimizer_ms=statistics.median(opt),
            saved_bytes=saved_total, saved_outside_bytes=outside, param_bytes=param_bytes,
            grad_bytes=grad_bytes, optimizer_bytes=opt_bytes, peak_gflops=0.0, peak_bytes=int(peak_bytes),
            peak_measured=peak_measured)
