"""Receptive fields: which pixels of the input a unit of a layer can see (theoretical), and which it uses
(effective).

**Theoretical field.** Along one axis, output index ``i`` of a layer sees the input pixels
``start + i·jump … start + i·jump + size − 1``: ``size`` is the field's extent (unclipped: it may reach
past the image into the padding), ``jump`` the layer's cumulative stride (input pixels between
neighbouring outputs) and ``start`` where output 0's field begins (negative where padding comes first).
:func:`theoretical_fields` computes ``(start, jump, size)`` per axis from the network itself: it runs one
forward pass (on the 'meta' device where the model is there: shapes only) under a
:class:`~torch.overrides.TorchFunctionMode` that follows every tensor the network makes, in execution
order, and gives each the field of the tensors it was made from:

* a convolution or pooling of kernel ``k``, stride ``s``, padding ``p`` and dilation ``d`` maps
  ``(start, jump, size)`` to ``(start − p·jump, s·jump, size + d·(k − 1)·jump)``;
* an adaptive pool from ``n`` to ``m`` positions is a pool of kernel ``ceil(n/m)`` and stride
  ``n // m`` (exact when ``m`` divides ``n``; to 1 position: the whole input);
* anything that keeps the height and width (activations, batch norm, dropout, the sum of a ResNet
  shortcut, the concatenation of Inception branches) gets the *union* of its inputs' fields: the smallest
  field that holds all of them, so an Inception output is as wide as its widest branch and a residual
  block's output covers both of its paths;
* anything else (flattening, fully connected layers, resizing) ends the spatial field.

**Effective field** (Luo et al., NeurIPS 2016). :func:`effective_field` back-propagates from one unit to
the input: the map ``|∂ unit / ∂ input|``, summed over the input's channels, averaged over a batch of real
images, and normalised to sum 1 (the *heat*). The unit is ``(channel, y, x)`` of the layer's output, or
``(None, y, x)``: the sum of all channels at that position (Luo et al.'s choice). It runs in eval mode on
the current weights; only the input's gradient is computed (no parameter's ``.grad`` is touched) and the
model's mode is restored afterwards. Measures of the heat:

* ``r50``, ``r90``: the radius, in input pixels, of the smallest disc around the unit's centre (the
  centre of its unclipped theoretical box, ``start + i·jump + (size − 1)/2`` per axis) that holds at
  least 50 % (90 %) of the heat; a pixel is in the disc when the Euclidean distance from its centre to
  the unit's centre is at most the radius. Formally ``r_q = min { d(p) : Σ_{p': d(p') ≤ d(p)} heat(p') ≥ q }``.
* ``inside_share``: the share of the heat inside the theoretical box (all of it, where the network
  is what the theoretical field says).

This module does not import Qt.
"""
from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from convscope.core.base.mailbox import Mailbox
from convscope.core.base.modeltools import eval_mode, unhook


# ------------------------------------------------------------------------------------------ theory
@dataclass(frozen=True)
class Axis:
    """The field along one axis: output index ``i`` sees input pixels ``start + i·jump`` to
    ``start + i·jump + size − 1`` (unclipped)."""

    start: int
    jump: int
    size: int

    def span(self, i: int) -> tuple[int, int]:
        """First and last input pixel (inclusive, unclipped) of output index ``i``."""
        lo = self.start + i * self.jump
        return lo, lo + self.size - 1

    def centre(self, i: int) -> float:
        return self.start + i * self.jump + (self.size - 1) / 2

    def through(self, kernel: int, stride: int, padding: int, dilation: int = 1) -> Axis:
        """This field after a window of ``kernel`` (``dilation``) with ``stride`` and ``padding``."""
        return Axis(self.start - padding * self.jump, self.jump * stride,
                    self.size + dilation * (kernel - 1) * self.jump)

    def union(self, other: Axis) -> Axis:
        """The smallest field holding both (same jump; otherwise the larger jump, conservatively)."""
        lo = min(self.start, other.start)
        hi = max(self.start + self.size, other.start + other.size)
        return Axis(lo, max(self.jump, other.jump), hi - lo)


@dataclass(frozen=True)
class LayerField:
    """The theoretical field of one layer's output (``shape``: (C, H, W)) on an input of ``input_hw``."""

    layer: str
    shape: tuple[int, int, int]
    input_hw: tuple[int, int]
    y: Axis
    x: Axis

    @property
    def size(self) -> tuple[int, int]:
        return self.y.size, self.x.size

    @property
    def stride(self) -> tuple[int, int]:
        return self.y.jump, self.x.jump

    def centre_unit(self) -> tuple[int, int]:
        """The output position in the middle (index ``H // 2``, ``W // 2``)."""
        return self.shape[1] // 2, self.shape[2] // 2

    def check_unit(self, y: int, x: int, channel: int | None = None) -> None:
        c, h, w = self.shape
        if not (0 <= y < h and 0 <= x < w) or (channel is not None and not 0 <= channel < c):
            where = f"channel {channel}, " if channel is not None else ""
            raise ValueError(f"unit ({where}y {y}, x {x}) is outside {self.layer}'s output of {c} channels × "
                             f"{h}×{w}; use channel 0..{c - 1}, y 0..{h - 1}, x 0..{w - 1}")

    def box(self, y: int, x: int, clip: bool = True) -> tuple[int, int, int, int]:
        """``(y0, x0, y1, x1)``, inclusive input pixels seen by output position ``(y, x)``; ``clip``: cut to
        the image (a unit always sees at least one pixel of it)."""
        (y0, y1), (x0, x1) = self.y.span(y), self.x.span(x)
        if clip:
            h, w = self.input_hw
            y0, x0, y1, x1 = max(y0, 0), max(x0, 0), min(y1, h - 1), min(x1, w - 1)
        return y0, x0, y1, x1

    def centre(self, y: int, x: int) -> tuple[float, float]:
        return self.y.centre(y), self.x.centre(x)

    def to_json(self, unit: tuple[int, int] | None = None) -> dict:
        y, x = unit if unit is not None else self.centre_unit()
        return {"size": list(self.size), "stride": list(self.stride), "box": list(self.box(y, x)),
                "unclipped_box": list(self.box(y, x, clip=False))}


_IDENTITY = Axis(0, 1, 1)
_CONV = {"conv2d", "convolution", "_convolution", "conv1d"}
_MAX_POOL = {"max_pool2d", "max_pool2d_with_indices", "_max_pool2d", "boolean_dispatch"}
_AVG_POOL = {"avg_pool2d", "lp_pool2d"}
_ADAPTIVE = {"adaptive_avg_pool2d", "adaptive_max_pool2d", "adaptive_max_pool2d_with_indices", "_adaptive_max_pool2d"}


def _pair(v) -> tuple[int, int]:
    if isinstance(v, (tuple, list)):
        return (int(v[0]), int(v[-1]))
    return int(v), int(v)


def _arg(args, kwargs, i: int, name: str, default):
    if name in kwargs:
        return kwargs[name]
    return args[i] if len(args) > i else default


def _tensors(value) -> Iterable[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from _tensors(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _tensors(v)


def _hw(t: torch.Tensor) -> tuple[int, int] | None:
    return tuple(t.shape[-2:]) if t.dim() == 4 else None


class _Tracer(TorchFunctionMode):
    """Follows every tensor made during one forward pass and records its field (see the module docstring)."""

    def __init__(self):
        super().__init__()
        self.fields: dict[int, tuple[torch.Tensor, Axis, Axis]] = {}  # id → (tensor kept alive, y, x)

    def mark(self, t: torch.Tensor, y: Axis, x: Axis) -> None:
        self.fields[id(t)] = (t, y, x)

    def field_of(self, t) -> tuple[Axis, Axis] | None:
        entry = self.fields.get(id(t)) if isinstance(t, torch.Tensor) else None
        return None if entry is None or entry[0] is not t else entry[1:]

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        try:
            self._follow(func, args, kwargs, out)
        except Exception:  # noqa: BLE001 - an op called in a way not understood: no field, never a failure
            pass
        return out

    def _follow(self, func, args, kwargs, out) -> None:
        sources = [(t, f) for t in _tensors((args, kwargs)) if (f := self.field_of(t)) is not None]
        if not sources:
            return
        outs = [t for t in _tensors(out) if t.dim() == 4]
        if not outs:
            return
        name = getattr(func, "__name__", "")
        first_t, (fy, fx) = sources[0]
        result = None
        if name in _CONV and first_t is args[0]:
            weight = _arg(args, kwargs, 1, "weight", None)
            k = tuple(weight.shape[-2:])
            s = _pair(_arg(args, kwargs, 3, "stride", 1))
            d = _pair(_arg(args, kwargs, 5, "dilation", 1))
            p = _arg(args, kwargs, 4, "padding", 0)
            if p == "valid":
                p = (0, 0)
            elif p == "same":
                p = tuple(di * (ki - 1) // 2 for ki, di in zip(k, d))
            p = _pair(p)
            result = (fy.through(k[0], s[0], p[0], d[0]), fx.through(k[1], s[1], p[1], d[1]))
        elif (name in _MAX_POOL or name in _AVG_POOL) and first_t is args[0]:
            k = _pair(_arg(args, kwargs, 1, "kernel_size", 1))
            stride = _arg(args, kwargs, 2, "stride", None)
            s = _pair(stride) if stride not in (None, (), []) else k
            p = _pair(_arg(args, kwargs, 3, "padding", 0))
            d = _pair(_arg(args, kwargs, 4, "dilation", 1)) if name in _MAX_POOL else (1, 1)
            result = (fy.through(k[0], s[0], p[0], d[0]), fx.through(k[1], s[1], p[1], d[1]))
        elif name in _ADAPTIVE and first_t is args[0]:
            (n_y, n_x), (m_y, m_x) = _hw(first_t), _hw(outs[0])
            result = tuple(f.through(math.ceil(n / m), max(1, n // m), 0)
                           for f, n, m in ((fy, n_y, m_y), (fx, n_x, m_x)))
        else:
            # Shape-keeping: the union of the inputs' fields (activations, norms, sums, concatenations).
            hw = _hw(outs[0])
            spatial = [(t, f) for t, f in sources if _hw(t) == hw]
            if hw is None or len(spatial) != len(sources):
                return
            y, x = spatial[0][1]
            for _, (fy2, fx2) in spatial[1:]:
                y, x = y.union(fy2), x.union(fx2)
            result = (y, x)
        for t in outs:
            self.mark(t, *result)


def _module_device(model: nn.Module) -> torch.device:
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


class _Stop(Exception):
    """Raised by a forward hook once every wanted layer has produced its output."""


def theoretical_fields(model: nn.Module, input_shape: Sequence[int], layers: Iterable[str] | None = None,
                       ) -> dict[str, LayerField]:
    """The theoretical field of each module named in ``layers`` (default: every module that outputs a 4-D
    tensor), for inputs of ``input_shape`` (C, H, W). One forward pass of a batch of one zero image on the
    model's device (shapes only on 'meta'), in eval mode, without gradients; the model is unchanged."""
    c, h, w = (int(v) for v in input_shape)
    named = dict(model.named_modules())
    wanted = list(dict.fromkeys(layers)) if layers is not None else [n for n in named if n]
    unknown = [n for n in wanted if n not in named]
    if unknown:
        raise KeyError(f"no module {unknown[0]!r} in this network")
    tracer = _Tracer()
    found: dict[str, LayerField] = {}
    remaining = set(wanted)

    def hook_for(name):
        def hook(module, inputs, output):
            out = output[0] if isinstance(output, (tuple, list)) and output else output
            f = tracer.field_of(out)
            if f is not None and name not in found:
                found[name] = LayerField(name, tuple(int(v) for v in out.shape[1:]), (h, w), *f)
            remaining.discard(name)
            if not remaining:
                raise _Stop
        return hook

    handles = [named[n].register_forward_hook(hook_for(n)) for n in wanted]
    x = torch.zeros(1, c, h, w, device=_module_device(model))
    try:
        with eval_mode(model), torch.no_grad(), tracer:
            tracer.mark(x, _IDENTITY, _IDENTITY)
            try:
                model(x)
            except _Stop:
                pass
    finally:
        for handle in handles:
            handle.remove()
    return {n: found[n] for n in wanted if n in found}


def probe_layer_names(spec) -> list[str]:
    """The distinct modules of an architecture's probe layers (``ModelSpec.probe_layers``), in order."""
    return spec.probe_modules


# ------------------------------------------------------------------------------------------ effect
@dataclass
class EffectiveField:
    """The effective field of one unit (see the module docstring); ``heat`` (H, W) float32 sums to 1."""

    layer: str
    unit: tuple[int | None, int, int]  # channel (None: all channels), y, x of the layer's output
    heat: np.ndarray
    centre: tuple[float, float]  # the unit's centre in input pixels (y, x)
    box: tuple[int, int, int, int]  # its clipped theoretical box, inclusive
    r50: float
    r90: float
    inside_share: float
    images: int  # how many images were averaged

    def to_json(self) -> dict:
        return {"r50": self.r50, "r90": self.r90, "inside_share": self.inside_share}


def radius(heat: np.ndarray, centre: tuple[float, float], share: float) -> float:
    """The smallest radius around ``centre`` whose disc holds at least ``share`` of ``heat`` (NaN when the
    heat is all zero); see the module docstring."""
    total = float(heat.sum())
    if not total > 0:
        return float("nan")
    h, w = heat.shape
    yy, xx = np.mgrid[0:h, 0:w]
    d = np.hypot(yy - centre[0], xx - centre[1]).ravel()
    order = np.argsort(d, kind="stable")
    cum = np.cumsum(heat.ravel()[order].astype(np.float64)) / total
    i = int(np.searchsorted(cum, share - 1e-9))
    return float(d[order][min(i, len(order) - 1)])


def heat_measures(heat: np.ndarray, centre: tuple[float, float], box: tuple[int, int, int, int]
                  ) -> tuple[float, float, float]:
    """``(r50, r90, inside_share)`` of a heat map."""
    total = float(heat.sum())
    y0, x0, y1, x1 = box
    inside = float(heat[y0:y1 + 1, x0:x1 + 1].sum()) / total if total > 0 else float("nan")
    return radius(heat, centre, 0.5), radius(heat, centre, 0.9), inside


def effective_field(model: nn.Module, x: torch.Tensor, layer: str, theory: LayerField,
                    unit: tuple[int | None, int, int] | None = None) -> EffectiveField:
    """The effective field of ``unit`` (channel or None, y, x; default: all channels at the centre
    position) of ``layer``'s output, averaged over the images of ``x`` (B, C, H, W: model inputs, already
    normalised). ``theory``: the layer's :class:`LayerField` for inputs of ``x``'s size."""
    channel, uy, ux = unit if unit is not None else (None, *theory.centre_unit())
    theory.check_unit(uy, ux, channel)
    module = model.get_submodule(layer)
    captured = []

    def hook(_module, _inputs, output):
        captured.append(output[0] if isinstance(output, (tuple, list)) else output)
        raise _Stop

    xg = x.detach().clone().requires_grad_(True)
    handle = module.register_forward_hook(hook)
    try:
        with eval_mode(model), torch.enable_grad():
            try:
                model(xg)
            except _Stop:
                pass
            if not captured:
                raise ValueError(f"{layer} did not run in the forward pass")
            out = captured[0]
            picked = out[:, channel, uy, ux] if channel is not None else out[:, :, uy, ux].sum(1)
            (grad,) = torch.autograd.grad(picked.sum(), xg)
    finally:
        handle.remove()
    heat = grad.detach().abs().sum(1).mean(0).float().cpu().numpy()
    total = float(heat.sum())
    heat = (heat / total if total > 0 else heat).astype(np.float32)
    centre, box = theory.centre(uy, ux), theory.box(uy, ux)
    r50, r90, inside = heat_measures(heat, centre, box)
    return EffectiveField(layer, (channel, uy, ux), heat, centre, box, r50, r90, inside, int(x.shape[0]))


def network_key(config) -> tuple:
    """What decides a network's layers and fields: architecture, form, input size and model options."""
    return (config.arch, config.form, tuple(config.input_size), tuple(sorted(config.model_options().items())))


def probe_fields(config, extra: Iterable[str] = ()) -> dict[str, LayerField]:
    """The theoretical fields of ``config``'s probe layers (and of the ``extra`` layers) that have a spatial
    output, from a shape-only copy of its network."""
    from convscope.core.setup.build import meta_model

    return theoretical_fields(meta_model(config), config.input_size, [*probe_layer_names(config.spec), *extra])


def test_inputs(target, n: int) -> torch.Tensor:
    """The first ``n`` test images of a training (or opened) run, as its model takes them (its preprocessing)."""
    images = target.test.images[:n]
    return target.preprocess(images) if target.preprocess is not None else images.float().div(255)


def centre_radii(model: nn.Module, x: torch.Tensor, theory: dict[str, LayerField]) -> dict[str, tuple[float, float]]:
    """``(r50, r90)`` of the centre unit (all channels) of every layer in ``theory``, over the images of
    ``x``; a layer whose unit has no gradient at all (NaN radii) is left out."""
    out = {}
    for name, lf in theory.items():
        ef = effective_field(model, x, name, lf)
        if math.isfinite(ef.r50) and math.isfinite(ef.r90):
            out[name] = (ef.r50, ef.r90)
    return out


# ------------------------------------------------------------------------------------------ watcher
@dataclass
class FieldReport:
    """What :class:`FieldWatcher` hands over: the effective field of the chosen unit (``chosen``), the
    theoretical fields of the probe layers and of the chosen layer (``theory``), and r50/r90 of the centre
    unit of every probe layer (``table``: layer → (r50, r90)), at optimizer step ``step``."""

    step: int
    chosen: EffectiveField | None
    theory: dict[str, LayerField] = field(default_factory=dict)
    table: dict[str, tuple[float, float]] = field(default_factory=dict)
    seconds: float = 0.0


class FieldWatcher:
    """Computes effective fields of a training (or opened) run's model, in the thread that calls it.

    :meth:`attach` adds :meth:`on_step` to the target's ``step_hooks``: between two optimizer steps, while
    a unit is chosen (:meth:`choose`) and the watcher is ``enabled`` (the window's view is shown), it
    computes the chosen unit's field on ``images`` test images and the centre units' radii of the probe
    layers (on two images), at most every ``interval`` seconds and never more than ``max_overhead`` of the
    thread's time (after a computation of ``t`` seconds the next waits ``t / max_overhead``). Results go
    to a latest-only ``mailbox``; :meth:`history` keeps ``(step, layer, unit, r50, r90)`` of every chosen
    unit computed, the radius curve (a new run, whose steps start again, starts a new one). :meth:`compute`
    runs one now: outside training (a background job), with ``frozen=True`` it works on a copy of the model
    made once per step, so a probe running on the model in another thread at the same time cannot change
    its mode under it."""

    def __init__(self, images: int = 8, interval: float = 1.0, max_overhead: float = 0.02, history: int = 500):
        self.images = int(images)
        self.interval = float(interval)
        self.max_overhead = float(max_overhead)
        self.mailbox = Mailbox()
        self.enabled = False
        self.target = None
        self._lock = threading.Lock()
        self._busy = threading.Lock()
        self._layer: str | None = None
        self._unit: tuple[int | None, int, int] | None = None
        self._history: deque = deque(maxlen=history)
        self._theory: dict[str, LayerField] = {}
        self._theory_key = None
        self._frozen: tuple | None = None  # (target id, step, copy of its model)
        self._next = 0.0
        self.computations = 0
        self.seconds = 0.0
        self.last_error: str | None = None

    def attach(self, target) -> FieldWatcher:
        self.detach()
        self.target = target
        self._frozen = None
        target.step_hooks.append(self.on_step)
        return self

    def detach(self) -> None:
        if self.target is not None:
            unhook(self.target, "step_hooks", self.on_step)
        self.target, self._frozen = None, None

    def choose(self, layer: str | None, unit: tuple[int | None, int, int] | None = None) -> None:
        """Watch ``unit`` (channel or None, y, x; None: the centre) of ``layer`` (None: nothing)."""
        with self._lock:
            self._layer, self._unit = layer, unit
            self._next = 0.0

    @property
    def chosen(self) -> tuple[str | None, tuple[int | None, int, int] | None]:
        with self._lock:
            return self._layer, self._unit

    def history(self, layer: str | None = None, unit=None) -> list[tuple[int, str, tuple, float, float]]:
        """The radius curve: ``(step, layer, unit, r50, r90)``, oldest first; only those of ``layer`` and
        ``unit`` where ``layer`` is given."""
        with self._lock:
            rows = list(self._history)
        return [r for r in rows if layer is None or (r[1] == layer and r[2] == unit)]

    def theory(self, target=None, layer: str | None = None) -> dict[str, LayerField]:
        """The probe layers' (and ``layer``'s) theoretical fields for the target's config (cached)."""
        target = target or self.target
        config = target.config
        key = (network_key(config), layer)
        if key != self._theory_key:
            self._theory = probe_fields(config, [layer] if layer else [])
            self._theory_key = key
        return self._theory

    def on_step(self, target) -> None:
        if not self.enabled or self._layer is None or time.perf_counter() < self._next:
            return
        if self.mailbox.full:
            return
        self.compute(target)

    def _model(self, target, frozen: bool) -> nn.Module:
        if not frozen:
            return target.model
        import copy

        key = (id(target), int(target.global_step))
        if self._frozen is None or self._frozen[:2] != key:
            model = copy.deepcopy(target.model).eval()
            for p in model.parameters():
                p.requires_grad_(False)
            self._frozen = (*key, model)
        return self._frozen[2]

    def compute(self, target=None, frozen: bool = False) -> FieldReport | None:
        """One computation now, in this thread (never concurrently with an optimizer step)."""
        target = target or self.target
        with self._lock:
            layer, unit = self._layer, self._unit
        if target is None or target.model is None or target.test is None or layer is None:
            return None
        if not self._busy.acquire(blocking=False):
            return None
        t0 = time.perf_counter()
        try:
            theory = self.theory(target, layer)
            if layer not in theory:
                raise ValueError(f"{layer} has no spatial output, so it has no receptive field")
            model = self._model(target, frozen)
            x = test_inputs(target, self.images)
            chosen = effective_field(model, x, layer, theory[layer], unit)
            probes = set(probe_layer_names(target.config.spec))
            table = centre_radii(model, x[:2], {n: f for n, f in theory.items() if n in probes})
        except Exception as exc:  # noqa: BLE001 - never break the training loop
            self.last_error = f"{type(exc).__name__}: {exc}"
            self._next = time.perf_counter() + max(self.interval, 5.0)
            return None
        finally:
            self._busy.release()
        seconds = time.perf_counter() - t0
        self.computations += 1
        self.seconds += seconds
        self.last_error = None
        self._next = t0 + max(self.interval, seconds / self.max_overhead if self.max_overhead > 0 else 0.0)
        step = int(target.global_step)
        report = FieldReport(step, chosen, dict(theory), table, seconds)
        with self._lock:
            if self._history and step < self._history[-1][0]:
                self._history.clear()  # a new run starts again from step 0: a new curve
            row = (step, layer, unit, chosen.r50, chosen.r90)
            if not self._history or self._history[-1][:3] != row[:3]:
                self._history.append(row)
        self.mailbox.put(report)
        return report


# ------------------------------------------------------------------------------------------ picture
def overlay(image: np.ndarray, box: tuple[int, int, int, int] | None, heat: np.ndarray | None = None,
            scale: int = 8) -> np.ndarray:
    """The input image (uint8 (H, W) or (H, W, 3)) enlarged ``scale`` times, grey, with the effective
    field's ``heat`` blended in red→yellow and the theoretical ``box`` (inclusive pixels) outlined in
    cyan: uint8 (H·scale, W·scale, 3)."""
    img = np.asarray(image)
    rgb = np.repeat(img[..., None], 3, axis=2) if img.ndim == 2 else img[..., :3]
    rgb = rgb.astype(np.float32) * 0.6  # dimmed, so the colours read
    if heat is not None and float(heat.max()) > 0:
        h = (heat / float(heat.max())).astype(np.float32)[..., None]
        colour = np.concatenate([np.ones_like(h), h, np.zeros_like(h)], axis=2) * 255  # red → yellow
        alpha = np.clip(h * 1.2, 0, 0.85)
        rgb = rgb * (1 - alpha) + colour * alpha
    big = np.repeat(np.repeat(np.clip(rgb, 0, 255).astype(np.uint8), scale, axis=0), scale, axis=1)
    if box is not None:
        y0, x0, y1, x1 = (v * scale for v in box)
        y1, x1 = y1 + scale - 1, x1 + scale - 1
        t = max(1, scale // 4)
        cyan = np.array([0, 230, 255], np.uint8)
        big[y0:y0 + t, x0:x1 + 1] = cyan
        big[y1 - t + 1:y1 + 1, x0:x1 + 1] = cyan
        big[y0:y1 + 1, x0:x0 + t] = cyan
        big[y0:y1 + 1, x1 - t + 1:x1 + 1] = cyan
    return big
