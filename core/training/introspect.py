"""What the window needs to know about a network before and while it trains, as plain data.

Everything here returns numbers, strings and dataclasses (no tensors, no modules), so the Qt side never
touches torch: the layers the inside views can show (:func:`model_layers`), parameter counts
(:func:`count_parameters`) and a quick measurement of training speed (:func:`measure_rate`, which times the
step the run takes). Networks are built on the 'meta' device wherever weights are not needed: no memory,
and no draws from the global random generator that a training run in another thread uses.
"""
from __future__ import annotations

import logging
import re
import statistics
import threading
import time
from dataclasses import dataclass, field

import torch
from torch import nn

from convscope.core.base.devices import resolve_device, synchronize, thread_count, use_channels_last
from convscope.core.base.modeltools import count_params, forward_hooks
from convscope.core.setup.build import build_model, meta_model
from convscope.core.setup.config import TrainConfig
from convscope.core.training.optim import make_optimizer
from convscope.core.training.step import TrainStep, make_step

log = logging.getLogger("convscope.engine")


class Cancelled(Exception):
    """A measurement gave up because it was asked to (a run started, the window closed)."""


# ------------------------------------------------------------------------------------------ layers
@dataclass
class ModelLayers:
    """The layers of a network the inside views can show, with labels that fit the model as built."""

    arch: str = ""
    display_name: str = ""
    feature: list[tuple[str, str]] = field(default_factory=list)  # (module, label)
    one_by_one: list[tuple[str, str]] = field(default_factory=list)
    gap: list[tuple[str, str]] = field(default_factory=list)
    class_names: tuple[str, ...] = ()
    n_test: int = 0


def conv_layers(model: nn.Module) -> list[tuple[str, nn.Conv2d]]:
    """Every 2-D convolution of ``model`` with its dotted name, in definition order."""
    return [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Conv2d)]


def one_by_one_layers(model: nn.Module) -> list[str]:
    """The names of the plain 1×1 convolutions (NiN's mlpconv layers, GoogLeNet's reductions)."""
    return [n for n, m in conv_layers(model) if tuple(m.kernel_size) == (1, 1) and m.groups == 1]


def model_layers(config: TrainConfig) -> ModelLayers:
    """The spec's probe layers (labels with the channel counts of the model actually built, e.g. at
    width 0.5), then every other convolution; from a weightless copy (the model being trained is never
    touched here)."""
    spec = config.spec
    try:
        model = meta_model(config)
    except Exception:
        log.exception("could not list the layers of %s", config.arch)
        model = None
    feature, one, gap = [], [], []
    sizes = channel_counts(model, config, [layer.module for layer in spec.probe_layers])
    for layer in spec.probe_layers:
        target = {"feature": feature, "1x1": one, "gap": gap}[layer.kind]
        target.append((layer.module, localise_label(layer.label, *sizes.get(layer.module, (None, None)))))
    if model is not None:
        seen_f = {m for m, _ in feature}
        seen_1 = {m for m, _ in one}
        for name, conv in conv_layers(model):
            k = "×".join(str(s) for s in conv.kernel_size)
            if name not in seen_f:
                feature.append((name, f"{name} ({k} conv, {conv.out_channels} maps)"))
            if tuple(conv.kernel_size) == (1, 1) and conv.groups == 1 and name not in seen_1:
                one.append((name, f"{name} (1×1 conv, {conv.in_channels} → {conv.out_channels})"))
    return ModelLayers(arch=config.arch, display_name=spec.display_name, feature=feature, one_by_one=one,
                       gap=gap, class_names=tuple(config.info.classes))


def channel_counts(model: nn.Module | None, config: TrainConfig,
                   names: list[str]) -> dict[str, tuple[int | None, int]]:
    """(input channels, output channels) of the named modules, from one forward on the 'meta' device."""
    if model is None:
        return {}
    found: dict[str, tuple[int | None, int]] = {}

    def hook(name):
        def record(_module, inputs, output):
            if name not in found and isinstance(output, torch.Tensor) and output.dim() == 4:
                x = inputs[0] if inputs and isinstance(inputs[0], torch.Tensor) else None
                found[name] = (int(x.shape[1]) if x is not None and x.dim() == 4 else None,
                               int(output.shape[1]))
        return record

    c, side, _ = config.input_size
    try:
        with forward_hooks(model, [(name, hook(name)) for name in names]), torch.no_grad():
            model(torch.zeros(1, c, side, side, device="meta"))
    except Exception:  # noqa: BLE001 - the labels then keep the spec's numbers
        pass
    return found


def warm_up() -> None:
    """The first forward on the meta device imports torch's reference operators and torch._dynamo
    (~0.6 s, holding the GIL): the window does it once, in a background thread as soon as it is ready,
    rather than at the first Train click in the GUI thread (see ``app.startup.warm_up_in``)."""
    from convscope.core.setup.config import make_config

    config = make_config("lenet", "mnist-sample")
    channel_counts(meta_model(config), config, [])


def localise_label(label: str, in_c: int | None, out_c: int | None) -> str:
    """Make the channel counts in a spec label (written for width 1) match the model actually built."""
    if out_c is not None:
        label = re.sub(r"\b\d[\d,]* maps\b", f"{out_c} maps", label)
        label = re.sub(r"\b\d[\d,]* channels pooled\b", f"{out_c} channels pooled", label)
    if in_c is not None and out_c is not None:
        label = re.sub(r"\b\d+ → \d+\b", f"{in_c} → {out_c}", label)
    if in_c is not None:
        label = re.sub(r"mixes \d+ channels", f"mixes {in_c} channels", label)
    return label


# ------------------------------------------------------------------------------------------ counts
def count_parameters(config: TrainConfig) -> int:
    """Parameters of the configured model, built on the meta device (no memory, no random numbers)."""
    try:
        model = meta_model(config)
    except Exception:  # noqa: BLE001 - a builder that needs real tensors
        model = build_model(config)
    return int(count_params(model))


# ------------------------------------------------------------------------------------------ speed
def measure_rate(config: TrainConfig, cancel: threading.Event | None = None, budget_s: float = 2.0,
                 threads: int | None = None) -> float:
    """Training examples per second of the configured model on its device, from a few timed steps.

    The model is built on the meta device and given storage without drawing from torch's global random
    generator; the data is random. On a CPU the rate is the one at the run's batch capped at 32
    (throughput per example depends little on the batch beyond that): timed at that batch where the
    budget allows, else at two smaller ones and scaled (:func:`rate_at`: a step costs a fixed part plus
    a part per example), so a batch of 1 and a batch of 128 get their own rates; an estimate takes a
    few seconds for most networks.

    ``threads``: the torch threads the run will train with (the window keeps a core for itself). Timing
    with more threads than the run gets overstates its speed, and on a machine whose other cores are busy
    (the window starting, another program) a team of threads waiting for a busy core times many times
    slower than the run. The calling thread's count is restored afterwards. The rate is the batch over the
    median step time, so a step slowed by something else on the machine does not set it.
    """
    if threads is None:
        return _measure_rate(config, cancel or threading.Event(), budget_s)
    with thread_count(threads):  # this thread's count and the default of later threads as they were after
        return _measure_rate(config, cancel or threading.Event(), budget_s)


def timing_step(cfg: TrainConfig, device: torch.device, gen: torch.Generator | None = None) -> TrainStep:
    """The run's own step (:mod:`core.training.step`: its loss with label smoothing, its autocast and loss
    scaler, its optimizer with the fused kernels) on a model of random weights drawn from ``gen``, never
    from torch's global generator. The learning rate is tiny: the steps only time, they need not learn."""
    gen = gen or torch.Generator(device="cpu").manual_seed(0)
    model = meta_model(cfg).to_empty(device=device)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_((torch.randn(p.shape, generator=gen) * 0.05).to(device))
        for b in model.buffers():
            if b.is_floating_point():
                b.fill_(1.0)
            else:
                b.zero_()
    channels_last = use_channels_last(cfg.channels_last, device, model)  # as the run will train
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    model.train()
    opt = make_optimizer(cfg, model.parameters())
    for group in opt.param_groups:
        group["lr"] = 1e-6
    return make_step(cfg, model, opt, device)


def rate_at(points: list[tuple[int, float]], batch: int) -> float:
    """Examples per second at ``batch`` from step times measured at other batches (``(batch, seconds)``
    pairs): a straight line through the smallest and the largest (a fixed cost per step plus one per
    example); one batch size, or a line that noise tilted the wrong way, keeps that batch's rate."""
    (b0, t0), (b1, t1) = min(points), max(points)
    if b1 == batch or b1 == b0 or t1 <= t0:
        return b1 / max(t1, 1e-9)
    per_example = (t1 - t0) / (b1 - b0)
    fixed = max(0.0, t1 - per_example * b1)
    return batch / max(fixed + per_example * batch, 1e-9)


def _measure_rate(cfg: TrainConfig, cancel: threading.Event, budget_s: float) -> float:
    device = resolve_device(cfg.device)
    gen = torch.Generator(device="cpu").manual_seed(0)
    train_step = timing_step(cfg, device, gen)
    # The layout timing_step gave its model (a step without one to look at: the default layout).
    channels_last = use_channels_last(cfg.channels_last, device, getattr(train_step, "model", None))
    c, side, _ = cfg.input_size
    n_classes = cfg.info.num_classes

    def make_batch(b):
        x = torch.randn(b, c, side, side, generator=gen).to(device)
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return x, torch.randint(0, n_classes, (b,), generator=gen).to(device)

    def step(x, y):
        if cancel.is_set():
            raise Cancelled()
        train_step(x, y)
        synchronize(device)  # a GPU queues the step: time it done

    def timed(x, y) -> float:
        t0 = time.perf_counter()
        step(x, y)
        return time.perf_counter() - t0

    def median_time(x, y, share: float) -> float:
        times: list[float] = []
        while True:
            times.append(timed(x, y))
            if sum(times) >= budget_s * share or len(times) >= 10:
                return statistics.median(times)

    # Dropout draws from the global generator: give it a private state for these few steps.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        if device.type != "cpu":  # a GPU: the run's own batch
            x, y = make_batch(cfg.batch_size)
            timed(x, y)  # warm-up
            return cfg.batch_size / max(median_time(x, y, 0.5), 1e-9)
        # A CPU: gauge with a tiny batch, then time a batch that takes about a quarter of the budget
        # (small batches use a CPU less well: measure with as large a one as the budget allows), and
        # scale to the run's batch (capped at 32) where the budget did not allow that one.
        target = min(cfg.batch_size, 32)
        b0 = min(target, 4)
        x, y = make_batch(b0)
        timed(x, y)  # warm-up: allocations, kernel selection
        points = [(b0, median_time(x, y, 0.1))]
        batch = int(min(target, max(b0, b0 / points[0][1] * budget_s * 0.25)))
        if batch != b0:
            x, y = make_batch(batch)
            timed(x, y)
            points.append((batch, median_time(x, y, 0.5)))
    return rate_at(points, target)
