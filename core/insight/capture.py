"""One probe forward: forward hooks on the wanted layers reduce their activations on the device (uint8
mosaics of channels, small float maps and vectors) and hand them to the host as numpy copies with a single
synchronisation. The model's mode, parameters, gradients and buffers are left exactly as they were.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from convscope.core.base.devices import synchronize
from convscope.core.base.modeltools import eval_mode, first_tensor, forward_hooks
from convscope.core.base.payloads import FeaturePayload, GapPayload, OneByOnePayload, Selection


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
    for dev in {t.device for t in cuda}:  # the copies are asynchronous: wait for them
        if dev.type == "cuda":
            torch.cuda.current_stream(dev).synchronize()
        else:
            synchronize(dev)
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
    fc = _final_linear(model) if any("gap" in kinds for kinds in requests.values()) else None
    raw: dict[str, dict] = {"feature": {}, "1x1": {}, "gap": {}}

    def make_hook(name: str, kinds: set[str]):
        def hook(module, inputs, output):
            output = first_tensor(output)
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

    hooks = [(name, make_hook(name, set(kinds))) for name, kinds in requests.items() if kinds]
    with forward_hooks(model, hooks), eval_mode(model), torch.no_grad():
        logits = first_tensor(model(x))[0].float()
        probs = torch.softmax(logits, 0)
        host = _to_host({"logits": logits, "probs": probs, "raw": raw})

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
