"""Looking inside a network while it trains: activations of a probe image, reduced to small numpy payloads.

Every ``interval`` seconds (0.2 by default) the probe runs one forward pass of a single *probe image* (a
test sample, or an image the user gives, e.g. their drawing) through the model being trained:

* in eval mode and under ``torch.no_grad()``, so dropout is off, BatchNorm uses (and does not update) its
  running statistics, and no gradient is touched; the previous mode is restored afterwards;
* with forward hooks on only the layers some visible view asked for (:meth:`Probe.set_wanted`), registered
  for that pass and removed right after; nothing wanted means no forward at all;
* between two optimizer steps, in the training thread (``trainer.step_hooks``), so it never sees a
  half-updated model.

The hooks reduce each activation on the device (a uint8 mosaic of channels, a few small float maps and
vectors) and the results cross to the host as numpy *copies* with one synchronisation, so the GUI never
holds a tensor or a view of the model's memory.

Hand-over: a latest-only :class:`Mailbox`. ``put`` overwrites, ``take`` empties it; the probe skips its work
while the previous snapshot has not been taken, so a busy or hidden GUI costs the training loop nothing.
The probe also keeps the last ``history`` snapshots for a timeline.

The probe costs at most about ``max_overhead`` (2 %) of the training thread's time: after a probe that
took ``t`` seconds the next one waits at least ``t / max_overhead`` (and at least ``interval``).

This module does not import Qt.
"""
from __future__ import annotations

import itertools
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

Kind = Literal["feature", "1x1", "gap"]
KINDS = ("feature", "1x1", "gap")
Selection = Literal["first", "top"]


# ------------------------------------------------------------------------------------------ mailbox
class Mailbox:
    """A latest-only slot between two threads.

    ``put`` replaces whatever is there; ``take`` returns the latest item (or None) and empties the slot.
    ``on_full`` (optional) is called by the putting thread only when the slot goes from empty to full, so
    a consumer can be woken once per batch of puts rather than once per put.
    """

    def __init__(self, on_full: Callable[[], None] | None = None):
        self._lock = threading.Lock()
        self._item: Any = None
        self.on_full = on_full
        self.puts = 0  # items put, taken or not
        self.overwritten = 0  # items replaced before anybody took them

    def put(self, item: Any) -> bool:
        """Store ``item``; True when the slot was empty (and ``on_full`` was called)."""
        if item is None:
            raise ValueError("cannot put None into a mailbox")
        with self._lock:
            was_empty = self._item is None
            if not was_empty:
                self.overwritten += 1
            self._item = item
            self.puts += 1
        if was_empty and self.on_full is not None:
            self.on_full()
        return was_empty

    def take(self) -> Any:
        with self._lock:
            item, self._item = self._item, None
        return item

    def peek(self) -> Any:
        with self._lock:
            return self._item

    @property
    def full(self) -> bool:
        return self._item is not None

    def clear(self) -> None:
        with self._lock:
            self._item = None


# ------------------------------------------------------------------------------------------ payloads
@dataclass
class FeaturePayload:
    """Some channels of a feature map, each min–max scaled and tiled into one uint8 image.

    ``mosaic`` is row-major (rows, cols) of tiles of ``tile`` = (h, w) pixels with 1-px gaps between them.
    Gap and empty-slot pixels are 0; a channel's pixels run from 1 (its lowest value) to 255 (its
    highest), so a viewer can tell the gaps apart. Tile ``i`` (row ``i // cols``, column ``i % cols``)
    shows channel ``channels[i]``, whose real values range from ``ch_min[i]`` to ``ch_max[i]``.
    """

    module: str
    mosaic: np.ndarray  # uint8 (rows·(h+1)−1, cols·(w+1)−1)
    channels: np.ndarray  # int64 (k,): the channel index of each tile
    ch_min: np.ndarray  # float32 (k,)
    ch_max: np.ndarray  # float32 (k,)
    ch_mean: np.ndarray  # float32 (k,)
    grid: tuple[int, int]  # (rows, cols)
    tile: tuple[int, int]  # (h, w) of one tile (the map, downsampled when it was larger than max_tile)
    shape: tuple[int, int, int]  # (C, H, W) of the full activation
    selection: str = "first"

    def tile_at(self, row: float, col: float) -> int | None:
        """Index into ``channels`` of the tile under mosaic pixel (row, col), or None for a gap."""
        th, tw = self.tile
        r, c = int(row) // (th + 1), int(col) // (tw + 1)
        if row < 0 or col < 0 or r >= self.grid[0] or c >= self.grid[1]:
            return None
        if int(row) % (th + 1) == th or int(col) % (tw + 1) == tw:
            return None
        i = r * self.grid[1] + c
        return i if i < len(self.channels) else None

    def tile_image(self, i: int) -> np.ndarray:
        """The uint8 (h, w) tile of ``channels[i]`` (a copy)."""
        th, tw = self.tile
        r, c = divmod(i, self.grid[1])
        return self.mosaic[r * (th + 1):r * (th + 1) + th, c * (tw + 1):c * (tw + 1) + tw].copy()

    @property
    def nbytes(self) -> int:
        return _nbytes(self.mosaic, self.channels, self.ch_min, self.ch_max, self.ch_mean)


@dataclass
class OneByOnePayload:
    """A 1×1 convolution at the probe image: its input and output at the same pixels, and its weights.

    At every pixel, ``outputs[:, r, c] == weight @ inputs[:, r, c] + bias`` (up to float rounding) when
    all input channels are kept (``in_kept == in_channels``). Both maps are averaged over blocks of
    ``pool`` × ``pool`` pixels when the layer is larger than ``max_side``; averaging commutes with the
    linear map, so the equation still holds. For a strided 1×1 conv, ``inputs`` holds the pixels it reads.
    """

    module: str
    inputs: np.ndarray  # float32 (in_kept, h, w)
    outputs: np.ndarray  # float32 (out_kept, h, w), before any BatchNorm or ReLU
    weight: np.ndarray  # float32 (out_kept, in_kept)
    bias: np.ndarray  # float32 (out_kept,)
    in_channels: int
    out_channels: int
    size: tuple[int, int]  # (H, W) of the layer's output before pooling
    pool: int  # each stored pixel averages pool × pool output pixels
    stride: int

    @property
    def in_kept(self) -> int:
        return self.inputs.shape[0]

    @property
    def out_kept(self) -> int:
        return self.outputs.shape[0]

    @property
    def nbytes(self) -> int:
        return _nbytes(self.inputs, self.outputs, self.weight, self.bias)


@dataclass
class GapPayload:
    """The maps a global average pool turns into class scores.

    ``class_maps[k]`` is the evidence map of class ``k``: for NiN the last block's own output (one channel
    per class); for a network that pools C channels and then applies a fully connected layer (ResNet,
    GoogLeNet), the class activation map ``Σ_c W[k, c]·map_c + b[k]`` (``from_fc``). Either way
    ``scores[k]`` is the average of ``class_maps[k]`` over the full-resolution map, i.e. the logit.
    ``pooled`` is the pooled vector itself (C values; equal to the scores for NiN).
    """

    module: str
    class_maps: np.ndarray  # float32 (K, h, w)
    scores: np.ndarray  # float32 (K,)
    pooled: np.ndarray  # float32 (C,)
    from_fc: bool
    channels: int  # C
    size: tuple[int, int]  # (H, W) before downsampling

    @property
    def nbytes(self) -> int:
        return _nbytes(self.class_maps, self.scores, self.pooled)


@dataclass
class Snapshot:
    """One probe: what the network computed for the probe image at one moment of training."""

    seq: int  # increasing number of this snapshot within its probe
    step: int  # global optimizer step
    epoch: int  # epoch in progress (1-based), or the last finished one after training
    wall_time: float  # time.time()
    image: np.ndarray  # the probe image for display: uint8 (H, W) or (H, W, 3)
    label: int | None  # its true class, when known
    source: str  # "test sample 12", "your image", …
    logits: np.ndarray  # float32 (K,)
    probs: np.ndarray  # float32 (K,)
    class_names: tuple[str, ...] = ()
    features: dict[str, FeaturePayload] = field(default_factory=dict)
    one_by_one: dict[str, OneByOnePayload] = field(default_factory=dict)
    gap: dict[str, GapPayload] = field(default_factory=dict)
    seconds: float = 0.0  # how long the probe took

    @property
    def predicted(self) -> int:
        return int(np.argmax(self.probs)) if len(self.probs) else -1

    @property
    def nbytes(self) -> int:
        n = _nbytes(self.image, self.logits, self.probs)
        for group in (self.features, self.one_by_one, self.gap):
            n += sum(p.nbytes for p in group.values())
        return n


def _nbytes(*arrays: np.ndarray) -> int:
    return int(sum(a.nbytes for a in arrays))


# ------------------------------------------------------------------------------------------ options
@dataclass(frozen=True)
class ProbeOptions:
    max_channels: int = 32  # channels per feature mosaic
    selection: Selection = "first"  # "first" k channels, or the "top" k by mean activation
    max_tile: int = 48  # feature tiles larger than this are averaged down
    max_1x1_channels: int = 64  # input / output channels kept for the 1×1 view
    max_1x1_side: int = 16  # 1×1 maps larger than this are averaged down
    max_gap_side: int = 16  # class maps larger than this are averaged down


def grid_shape(k: int) -> tuple[int, int]:
    """Rows and columns for ``k`` tiles: few empty slots, a little wider than tall."""
    if k <= 0:
        return (0, 0)
    best = None
    for cols in range(math.ceil(math.sqrt(k)), math.ceil(math.sqrt(3 * k)) + 1):
        rows = math.ceil(k / cols)
        empty = rows * cols - k
        score = (empty, abs(cols / rows - 2.0))
        if best is None or score < best[0]:
            best = (score, (rows, cols))
    return best[1]


def _pool_to(x: torch.Tensor, max_side: int) -> tuple[torch.Tensor, int]:
    """Average (…, H, W) over p × p blocks so that both sides are ≤ max_side; returns (maps, p)."""
    h, w = x.shape[-2:]
    p = max(1, math.ceil(max(h, w) / max_side))
    if p == 1:
        return x, 1
    lead = x.shape[:-2]
    # All maps as the channels of one image: one pooling call, not one per map.
    y = F.avg_pool2d(x.reshape(1, -1, h, w), p, p, ceil_mode=True, count_include_pad=False)
    return y.reshape(*lead, *y.shape[-2:]), p


def _feature_tensors(act: torch.Tensor, opts: ProbeOptions) -> dict[str, Any]:
    a = act[0].float()  # (C, H, W)
    c = a.shape[0]
    k = min(c, opts.max_channels)
    means = a.mean((1, 2))
    if opts.selection == "top" and k < c:
        idx = torch.topk(means, k).indices  # strongest first
        t = a.index_select(0, idx)
    else:
        idx = torch.arange(k, device=a.device)
        t = a[:k]
    t, _ = _pool_to(t, opts.max_tile)
    th, tw = t.shape[-2:]
    lo = t.amin((1, 2), keepdim=True)
    hi = t.amax((1, 2), keepdim=True)
    scaled = ((t - lo) / (hi - lo).clamp_min(1e-12) * 254 + 1).round_().to(torch.uint8)
    rows, cols = grid_shape(k)
    canvas = torch.zeros((rows * cols, th + 1, tw + 1), dtype=torch.uint8, device=a.device)
    canvas[:k, :th, :tw] = scaled
    mosaic = canvas.view(rows, cols, th + 1, tw + 1).permute(0, 2, 1, 3)
    mosaic = mosaic.reshape(rows * (th + 1), cols * (tw + 1))[:-1, :-1]
    return dict(mosaic=mosaic, channels=idx, ch_min=lo.flatten(), ch_max=hi.flatten(),
                ch_mean=means.index_select(0, idx),
                _meta=dict(grid=(rows, cols), tile=(int(th), int(tw)), shape=tuple(a.shape),
                           selection=opts.selection if k < c else "first"))


def _one_by_one_tensors(module: nn.Module, inp: torch.Tensor, out: torch.Tensor,
                        opts: ProbeOptions) -> dict[str, Any] | None:
    if not isinstance(module, nn.Conv2d) or tuple(module.kernel_size) != (1, 1) or module.groups != 1:
        return None
    x = inp[0].float()  # (Ci, H_in, W_in)
    y = out[0].float()  # (Co, H, W)
    h, w = y.shape[-2:]
    sy, sx = module.stride
    py, px = module.padding
    if py or px:
        x = F.pad(x, (px, px, py, py))
    x = x[:, ::sy, ::sx][:, :h, :w]  # the input pixel each output pixel reads
    ci, co = min(x.shape[0], opts.max_1x1_channels), min(y.shape[0], opts.max_1x1_channels)
    x, pool = _pool_to(x[:ci], opts.max_1x1_side)
    y, _ = _pool_to(y[:co], opts.max_1x1_side)
    weight = module.weight[:co, :ci, 0, 0].float()
    bias = module.bias[:co].float() if module.bias is not None else torch.zeros(co, device=y.device)
    return dict(inputs=x, outputs=y, weight=weight, bias=bias,
                _meta=dict(in_channels=int(inp.shape[1]), out_channels=int(out.shape[1]),
                           size=(int(h), int(w)), pool=int(pool), stride=int(sy)))


def _gap_tensors(act: torch.Tensor, fc: nn.Linear | None, opts: ProbeOptions) -> dict[str, Any]:
    a = act[0].float()  # (C, H, W)
    c, h, w = a.shape
    pooled = a.mean((1, 2))
    if fc is not None and fc.in_features == c:
        maps = torch.einsum("kc,chw->khw", fc.weight.float(), a)
        if fc.bias is not None:
            maps = maps + fc.bias.float()[:, None, None]
        from_fc = True
    else:
        maps, from_fc = a, False
    scores = maps.mean((1, 2))
    maps, _ = _pool_to(maps, opts.max_gap_side)
    return dict(class_maps=maps, scores=scores, pooled=pooled,
                _meta=dict(from_fc=from_fc, channels=int(c), size=(int(h), int(w))))


def _final_linear(model: nn.Module) -> nn.Linear | None:
    last = None
    for m in model.modules():
        if isinstance(m, nn.Linear):
            last = m
    return last


def _to_host(tree: dict) -> dict:
    """Every tensor in a nested dict → a contiguous numpy copy, with one device synchronisation."""
    flat: list[tuple[dict, str, torch.Tensor]] = []

    def walk(d: dict):
        for key, value in d.items():
            if isinstance(value, torch.Tensor):
                flat.append((d, key, value))
            elif isinstance(value, dict):
                walk(value)

    walk(tree)
    cuda = [t for _, _, t in flat if t.device.type != "cpu"]
    copies = []
    for _, _, t in flat:
        t = t.detach()
        if t.device.type == "cpu":
            copies.append(t.clone(memory_format=torch.contiguous_format))
        else:
            copies.append(t.to("cpu", non_blocking=True, memory_format=torch.contiguous_format))
    if cuda:
        devices = {t.device for t in cuda}
        for dev in devices:
            torch.cuda.current_stream(dev).synchronize()
    for (d, key, _), c in zip(flat, copies):
        d[key] = c.numpy()
    return tree


@dataclass
class Capture:
    """What one probe forward returns (all numpy copies)."""

    logits: np.ndarray  # float32 (K,)
    probs: np.ndarray  # float32 (K,)
    features: dict[str, FeaturePayload]
    one_by_one: dict[str, OneByOnePayload]
    gap: dict[str, GapPayload]


def capture(model: nn.Module, x: torch.Tensor, requests: dict[str, set[str]] | Iterable,
            options: ProbeOptions | None = None) -> Capture:
    """One probe forward of ``x`` (1, C, H, W) through ``model``.

    ``requests`` maps module names to the kinds wanted for them ({"block1.conv": {"feature"}}), or is an
    iterable of (module, kind) pairs. The model's mode, parameters, gradients and buffers are left exactly
    as they were; the hooks exist only during this call.
    """
    opts = options or ProbeOptions()
    if not isinstance(requests, dict):
        merged: dict[str, set[str]] = {}
        for name, kind in requests:
            merged.setdefault(name, set()).add(kind)
        requests = merged
    modules = dict(model.named_modules())
    fc = _final_linear(model) if any("gap" in kinds for kinds in requests.values()) else None
    raw: dict[str, dict] = {"feature": {}, "1x1": {}, "gap": {}}

    def make_hook(name: str, kinds: set[str]):
        def hook(module, inputs, output):
            if isinstance(output, (tuple, list)):
                output = output[0]
            if not isinstance(output, torch.Tensor) or output.dim() != 4:
                return
            for kind in kinds:
                if name in raw[kind]:
                    continue  # a module called twice: keep its first call
                if kind == "feature":
                    raw[kind][name] = _feature_tensors(output, opts)
                elif kind == "1x1":
                    t = _one_by_one_tensors(module, inputs[0], output, opts)
                    if t is None:  # not a 1×1 conv: fall back to its feature map
                        raw["feature"].setdefault(name, _feature_tensors(output, opts))
                    else:
                        raw[kind][name] = t
                elif kind == "gap":
                    raw[kind][name] = _gap_tensors(output, fc, opts)
        return hook

    handles = []
    was_training = model.training
    try:
        for name, kinds in requests.items():
            module = modules.get(name)
            if module is None or not kinds:
                continue
            handles.append(module.register_forward_hook(make_hook(name, set(kinds))))
        model.eval()
        with torch.no_grad():
            logits = model(x)
            if isinstance(logits, (tuple, list)):
                logits = logits[0]
            logits = logits[0].float()
            probs = torch.softmax(logits, 0)
            host = _to_host({"logits": logits, "probs": probs, "raw": raw})
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)

    features = {n: FeaturePayload(module=n, **_split(d)) for n, d in host["raw"]["feature"].items()}
    one = {n: OneByOnePayload(module=n, **_split(d)) for n, d in host["raw"]["1x1"].items()}
    gap = {n: GapPayload(module=n, **_split(d)) for n, d in host["raw"]["gap"].items()}
    return Capture(host["logits"], host["probs"], features, one, gap)


def _split(d: dict) -> dict:
    meta = d.pop("_meta", {})
    out = {k: v for k, v in d.items()}
    out.update(meta)
    if "channels" in out and isinstance(out["channels"], np.ndarray):
        out["channels"] = out["channels"].astype(np.int64, copy=False)
    return out


# ------------------------------------------------------------------------------------------ the probe
def _display_image(chw: np.ndarray) -> np.ndarray:
    """uint8 (C, H, W) → (H, W) or (H, W, 3)."""
    if chw.shape[0] == 1:
        return np.ascontiguousarray(chw[0])
    return np.ascontiguousarray(chw[:3].transpose(1, 2, 0))


def _as_uint8_chw(image: np.ndarray) -> np.ndarray:
    a = np.asarray(image)
    if a.dtype != np.uint8:
        a = a.astype(np.float32)
        if a.max(initial=0) <= 1.0:
            a = a * 255
        a = np.clip(np.round(a), 0, 255).astype(np.uint8)
    if a.ndim == 2:
        return a[None]
    if a.ndim == 3 and a.shape[-1] in (1, 3) and a.shape[0] not in (1, 3):
        return a.transpose(2, 0, 1)
    if a.ndim == 3:
        return a
    if a.ndim == 4 and a.shape[0] == 1:
        return _as_uint8_chw(a[0])
    raise ValueError(f"a probe image must be (H, W), (C, H, W) or (H, W, C); got shape {a.shape}")


class Probe:
    """Captures activations of the layers that visible views want, during training.

    Use::

        probe = Probe(interval=0.2, history=200)
        probe.attach(trainer)               # appends its hook to trainer.step_hooks
        probe.set_wanted({"block1.conv"})   # or {("block1.mlp1", "1x1"), ("classifier.relu2", "gap")}
        ...                                 # the GUI thread: snap = probe.mailbox.take()

    ``set_wanted``, ``set_sample``, ``set_image`` and ``set_selection`` may be called from any thread; they
    take effect at the next probe. The probe itself runs in the training thread, from the step hook.
    """

    def __init__(self, interval: float = 0.2, history: int = 200, mailbox: Mailbox | None = None,
                 options: ProbeOptions | None = None, max_overhead: float = 0.02, sample: int = 0):
        if interval < 0:
            raise ValueError("interval must be ≥ 0 seconds")
        self.interval = float(interval)
        self.max_overhead = float(max_overhead)
        self.mailbox = mailbox or Mailbox()
        self.options = options or ProbeOptions()
        self.trainer = None
        self._lock = threading.Lock()  # guards the settings and the history (held only briefly)
        self._probing = threading.Lock()  # held during a probe
        self._history: deque[Snapshot] = deque(maxlen=max(1, int(history)))
        self._wanted: dict[str, frozenset[str]] = {}
        self._want_output = False
        self._source: tuple = ("test", int(sample))
        self._source_version = 0
        self._cache_version = -1
        self._cache: tuple | None = None  # (x, display image, label, source text)
        self._next_time = 0.0
        self._seq = itertools.count(1)
        self.forwards = 0  # probe forwards run so far
        self.errors = 0
        self.last_error: str | None = None
        self.last_seconds = 0.0
        self.cpu_seconds = 0.0  # CPU time of the probing thread spent probing, in total
        self.enabled = True

    # -- wiring ------------------------------------------------------------------------------------
    def attach(self, trainer) -> "Probe":
        """Probe ``trainer`` after its optimizer steps (``trainer.step_hooks``)."""
        self.detach()
        self.trainer = trainer
        self._cache = None  # the probe input belongs to the previous trainer's device and data
        trainer.step_hooks.append(self.on_step)
        return self

    def detach(self) -> None:
        if self.trainer is not None:
            try:
                self.trainer.step_hooks.remove(self.on_step)
            except ValueError:
                pass
        self.trainer = None

    # -- settings (any thread) ---------------------------------------------------------------------
    def set_wanted(self, wanted: Iterable = (), output: bool = False) -> None:
        """The layers to capture: module names (kind from the model's spec, else "feature") or
        (module, kind) pairs. ``output=True`` asks for the logits even when no layer is wanted.
        An empty set with ``output=False`` stops probing altogether."""
        merged: dict[str, set[str]] = {}
        for item in wanted:
            if isinstance(item, str):
                name, kind = item, self._default_kind(item)
            else:
                name, kind = item
            if kind not in KINDS:
                raise ValueError(f"unknown probe kind {kind!r}; use one of {', '.join(KINDS)}")
            merged.setdefault(name, set()).add(kind)
        with self._lock:
            self._wanted = {k: frozenset(v) for k, v in merged.items()}
            self._want_output = bool(output)

    @property
    def wanted(self) -> dict[str, frozenset[str]]:
        with self._lock:
            return dict(self._wanted)

    @property
    def active(self) -> bool:
        """Whether anything is wanted (otherwise no forward runs)."""
        with self._lock:
            return bool(self._wanted) or self._want_output

    def set_sample(self, index: int) -> None:
        """Probe test sample ``index`` (wraps around the test split)."""
        with self._lock:
            self._source = ("test", int(index))
            self._source_version += 1

    def set_image(self, image, label: int | None = None, source: str = "your image") -> None:
        """Probe a user image: a uint8/float array ((H, W), (C, H, W) or (H, W, C)), a prepared model
        input tensor (1, C, S, S) (float, already normalised), a uint8 tensor, or an object with
        ``.image`` and ``.tensor`` (``core.inference.Prepared``)."""
        if hasattr(image, "tensor") and hasattr(image, "image"):
            display = _display_image(_as_uint8_chw(image.image))
            entry = ("input", image.tensor.detach().to("cpu", copy=True), display)
        elif isinstance(image, torch.Tensor) and image.is_floating_point():
            t = image.detach().to("cpu", copy=True)
            if t.dim() == 3:
                t = t[None]
            first = t[0, 0]
            span = float(first.max() - first.min()) or 1.0
            display = ((first - first.min()) / span * 255).round().to(torch.uint8).numpy()
            entry = ("input", t, display)
        else:
            if isinstance(image, torch.Tensor):
                image = image.detach().cpu().numpy()
            chw = _as_uint8_chw(image)
            entry = ("raw", chw, _display_image(chw))
        with self._lock:
            self._source = ("image",) + entry + (label, source)
            self._source_version += 1

    def set_selection(self, selection: Selection) -> None:
        if selection not in ("first", "top"):
            raise ValueError("selection must be 'first' or 'top'")
        with self._lock:
            self.options = replace(self.options, selection=selection)

    @property
    def sample_index(self) -> int | None:
        with self._lock:
            return self._source[1] if self._source[0] == "test" else None

    # -- history (any thread) ----------------------------------------------------------------------
    def history(self) -> list[Snapshot]:
        with self._lock:
            return list(self._history)

    def latest(self) -> Snapshot | None:
        with self._lock:
            return self._history[-1] if self._history else None

    def find(self, seq: int) -> Snapshot | None:
        with self._lock:
            if not self._history:
                return None
            i = seq - self._history[0].seq
            if 0 <= i < len(self._history) and self._history[i].seq == seq:
                return self._history[i]
            return next((s for s in self._history if s.seq == seq), None)

    def history_bytes(self) -> int:
        with self._lock:
            return sum(s.nbytes for s in self._history)

    @property
    def history_size(self) -> int:
        return self._history.maxlen

    def clear_history(self) -> None:
        with self._lock:
            self._history.clear()

    # -- probing -----------------------------------------------------------------------------------
    def on_step(self, trainer) -> None:
        """The step hook (training thread): probe when due, wanted, and the last snapshot was taken."""
        if not self.enabled or time.perf_counter() < self._next_time:
            return
        if self.mailbox.full or not self.active:
            return
        self.probe(trainer, during_training=True)

    def probe(self, trainer=None, publish: bool = True, during_training: bool = False) -> Snapshot | None:
        """Run one probe now in the calling thread, store it in the history and (``publish``) the
        mailbox, and return it (None when nothing is wanted or it failed).

        Outside the step hook, call it only while the trainer is not training (before or after a run):
        the probe must never run concurrently with an optimizer step."""
        trainer = trainer or self.trainer
        if trainer is None or getattr(trainer, "model", None) is None:
            return None
        # One probe at a time; the training thread does not wait for one running elsewhere.
        if not self._probing.acquire(blocking=not during_training):
            return None
        try:
            return self._probe(trainer, publish, during_training)
        finally:
            self._probing.release()

    def _probe(self, trainer, publish: bool, during_training: bool) -> Snapshot | None:
        with self._lock:
            wanted = {k: set(v) for k, v in self._wanted.items()}
            want_any = bool(wanted) or self._want_output
            options = self.options
        if not want_any:
            return None
        t0 = time.perf_counter()
        c0 = time.thread_time()
        try:
            x, display, label, source = self._input(trainer)
            result = capture(trainer.model, x, wanted, options)
        except Exception as exc:  # never break the training loop
            self.errors += 1
            self.last_error = f"{type(exc).__name__}: {exc}"
            self._next_time = time.perf_counter() + max(self.interval, 1.0)
            return None
        seconds = time.perf_counter() - t0
        self.cpu_seconds += time.thread_time() - c0
        self.forwards += 1
        self.last_seconds = seconds
        # Never spend more than max_overhead of the training thread's time on probing.
        wait = max(self.interval, seconds / self.max_overhead if self.max_overhead > 0 else 0.0)
        self._next_time = t0 + wait
        info = getattr(trainer, "info", None) or getattr(getattr(trainer, "config", None), "info", None)
        epochs_done = int(getattr(trainer, "epochs_done", 0) or 0)
        snap = Snapshot(
            seq=next(self._seq), step=int(getattr(trainer, "global_step", 0) or 0),
            epoch=epochs_done + 1 if during_training else epochs_done, wall_time=time.time(),
            image=display, label=label, source=source, logits=result.logits, probs=result.probs,
            class_names=tuple(info.classes) if info is not None else (),
            features=result.features, one_by_one=result.one_by_one, gap=result.gap, seconds=seconds)
        with self._lock:
            self._history.append(snap)
        if publish:
            self.mailbox.put(snap)
        return snap

    def _default_kind(self, name: str) -> str:
        trainer = self.trainer
        spec = getattr(getattr(trainer, "config", None), "spec", None)
        for layer in getattr(spec, "probe_layers", ()):
            if layer.module == name:
                return layer.kind
        return "feature"

    def _input(self, trainer) -> tuple[torch.Tensor, np.ndarray, int | None, str]:
        """The probe input on the model's device (cached until the source changes)."""
        with self._lock:
            source, version = self._source, self._source_version
        if self._cache is not None and self._cache_version == version:
            return self._cache
        device = getattr(trainer, "device", None) or next(trainer.model.parameters()).device
        preprocess = getattr(trainer, "preprocess", None)
        if source[0] == "test":
            test = trainer.test
            n = len(test.labels)
            if n == 0:
                raise ValueError("the test split is empty: there is no sample to probe")
            i = source[1] % n
            u8 = test.images[i:i + 1]
            x = preprocess(u8) if preprocess is not None else u8.float().div(255)
            display = _display_image(u8[0].detach().to("cpu", copy=True).numpy())
            label = int(test.labels[i])  # one sync, when the sample changes
            text = f"test sample {i}"
        else:
            _, how, data, display, label, text = source
            if how == "raw":
                u8 = torch.from_numpy(np.ascontiguousarray(data))[None].to(device)
                x = preprocess(u8) if preprocess is not None else u8.float().div(255)
            else:
                x = data.to(device)
                if getattr(preprocess, "channels_last", False):
                    x = x.contiguous(memory_format=torch.channels_last)
        result = (x, display, label, text)
        self._cache, self._cache_version = result, version
        return result


# ------------------------------------------------------------------------------------------ helpers
def conv_layers(model: nn.Module) -> list[tuple[str, nn.Conv2d]]:
    """Every 2-D convolution of ``model`` with its dotted name, in definition order."""
    return [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Conv2d)]


def one_by_one_layers(model: nn.Module) -> list[str]:
    return [n for n, m in conv_layers(model) if tuple(m.kernel_size) == (1, 1) and m.groups == 1]
