"""Augmentation as batched tensor operations on the training device.

Each function takes a uint8 batch ``(B, C, H, W)`` on any device and returns a new uint8 batch of the same
shape on the same device, every image transformed with its own random draw from ``generator`` (a
``torch.Generator`` on that device; None: torch's global one). There is no per-sample Python and no PIL:
a flip of some images is one ``torch.where`` over the batch, a rotation one ``grid_sample``, a crop one
gather. The labels are untouched: image ``i`` of the result is image ``i`` of the input, transformed.

The trainer applies :class:`Augmenter` to its training batches only, before normalisation
(:class:`core.data.Preprocess`); evaluation never sees it. The names, parameters and which datasets each
augmentation is safe for are in :mod:`core.augment_spec` (no torch).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from . import augment_spec


def _chosen(x: torch.Tensor, p: float, generator) -> torch.Tensor:
    """A (B, 1, 1, 1) bool mask: which images of the batch are transformed (each with probability p)."""
    return (torch.rand(x.shape[0], device=x.device, generator=generator) < p).view(-1, 1, 1, 1)


def hflip(x: torch.Tensor, p: float = 0.5, generator: torch.Generator | None = None) -> torch.Tensor:
    """Mirror each image left to right with probability ``p``."""
    return torch.where(_chosen(x, p, generator), x.flip(-1), x)


def vflip(x: torch.Tensor, p: float = 0.5, generator: torch.Generator | None = None) -> torch.Tensor:
    """Turn each image upside down with probability ``p``."""
    return torch.where(_chosen(x, p, generator), x.flip(-2), x)


def turn_quarters(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Turn image ``i`` of a square batch by ``k[i]`` quarter turns counter-clockwise (k of any integer)."""
    k = (k.to(x.device).long() % 4).view(-1, 1, 1, 1)
    out = x
    for turns in (1, 2, 3):
        out = torch.where(k == turns, x.rot90(turns, (-2, -1)), out)
    return out


def rot90(x: torch.Tensor, p: float = 0.5, generator: torch.Generator | None = None) -> torch.Tensor:
    """With probability ``p`` turn each image by 90°, 180° or 270° counter-clockwise (one at random).

    Square images only turn by quarter turns; for a non-square batch the quarter turns would change the
    shape, so only the 180° turn is used."""
    chosen = _chosen(x, p, generator)
    if x.shape[-1] != x.shape[-2]:
        return torch.where(chosen, x.rot90(2, (-2, -1)), x)
    k = torch.randint(1, 4, (x.shape[0],), device=x.device, generator=generator)
    return turn_quarters(x, k * chosen.view(-1))


def rotate_by(x: torch.Tensor, degrees: torch.Tensor) -> torch.Tensor:
    """Turn image ``i`` by ``degrees[i]`` counter-clockwise about its centre (bilinear, black corners).

    Exact for 0° and for quarter turns of a square image (the sampling points fall on pixel centres)."""
    a = degrees.to(device=x.device, dtype=torch.float32) * (math.pi / 180)
    cos, sin = torch.cos(a), torch.sin(a)
    zero = torch.zeros_like(a)
    # Output pixel (u, v) samples the input at R(-a)·(u, v): the picture turns by +a on screen.
    theta = torch.stack([torch.stack([cos, -sin, zero], 1), torch.stack([sin, cos, zero], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    out = F.grid_sample(x.float(), grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return out.round_().clamp_(0, 255).to(x.dtype)


def rotate(x: torch.Tensor, degrees: float = 15.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """Turn each image by a random angle drawn uniformly from [-degrees, +degrees]."""
    if degrees <= 0:
        return x
    angles = (torch.rand(x.shape[0], device=x.device, generator=generator) * 2 - 1) * degrees
    return rotate_by(x, angles)


def _window(x: torch.Tensor, pad: int, generator) -> torch.Tensor:
    """Pad by ``pad`` black pixels, then gather each image's own random H×W window (one gather)."""
    b, _, h, w = x.shape
    dev = x.device
    padded = F.pad(x, (pad,) * 4)
    dy = torch.randint(0, 2 * pad + 1, (b, 1), device=dev, generator=generator)
    dx = torch.randint(0, 2 * pad + 1, (b, 1), device=dev, generator=generator)
    rows = (torch.arange(h, device=dev).view(1, h) + dy)[:, :, None]  # (B, H, 1)
    cols = (torch.arange(w, device=dev).view(1, w) + dx)[:, None, :]  # (B, 1, W)
    batch = torch.arange(b, device=dev).view(b, 1, 1)
    out = padded.permute(0, 2, 3, 1)[batch, rows, cols]  # (B, H, W, C)
    return out.permute(0, 3, 1, 2).contiguous()


def crop(x: torch.Tensor, pad: int = 4, generator: torch.Generator | None = None) -> torch.Tensor:
    """Pad each image with ``pad`` black pixels per side, then crop a random window of its own size.

    torchvision's ``RandomCrop(size, padding=pad)``, batched: the image moves by up to ``pad`` pixels."""
    return _window(x, int(pad), generator) if pad > 0 else x


def translate(x: torch.Tensor, pixels: int = 2, generator: torch.Generator | None = None) -> torch.Tensor:
    """Shift each image by up to ``pixels`` px in x and y, filling the edge with black (``--shift N``)."""
    return _window(x, int(pixels), generator) if pixels > 0 else x


OPERATIONS = {"hflip": hflip, "vflip": vflip, "rotate": rotate, "rot90": rot90, "crop": crop,
              "translate": translate}
assert tuple(OPERATIONS) == augment_spec.NAMES
# The order they are applied in: the rotation by any angle first (it interpolates), then the ones that
# only move pixels, which :func:`move_pixels` does together in one gather.
APPLY_ORDER = ("rotate", "hflip", "vflip", "rot90", "crop", "translate")
MOVES = APPLY_ORDER[1:]


def _quarter_table(h: int, w: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    """For k = 0..3 quarter turns: the matrix a and offset τ with source = a·(i, j) + τ."""
    a = torch.tensor([[[1, 0], [0, 1]], [[0, 1], [-1, 0]], [[-1, 0], [0, -1]], [[0, -1], [1, 0]]], device=device)
    tau = torch.tensor([[0, 0], [0, w - 1], [h - 1, w - 1], [h - 1, 0]], device=device)
    return a, tau


def move_pixels(x: torch.Tensor, values: dict, generator: torch.Generator | None = None) -> torch.Tensor:
    """The pixel-moving augmentations of ``values`` (hflip, vflip, rot90, crop, translate) in one gather.

    Each is a map from a pixel of its output to a pixel of its input, ``a·(i, j) + τ`` with ``a`` a signed
    permutation: their composition is one such map per image, found on (B, 2, 2) tensors, and the batch
    is gathered once. A pixel that falls outside the image at a crop or a shift is black. The random
    draws are those of the single operations applied one after the other in ``MOVES`` order, so the
    result is identical to theirs."""
    b, c, h, w = x.shape
    dev = x.device
    eye = torch.eye(2, dtype=torch.long, device=dev).expand(b, 2, 2)
    stages = []  # (a, τ) of each operation, in the order applied
    for name in MOVES:
        if name not in values:
            continue
        value = values[name]
        if name in ("hflip", "vflip"):
            m = _chosen(x, value, generator).view(b).long()
            sign = 1 - 2 * m
            if name == "hflip":
                a = torch.stack([torch.stack([torch.ones_like(m), 0 * m], 1), torch.stack([0 * m, sign], 1)], 1)
                tau = torch.stack([0 * m, m * (w - 1)], 1)
            else:
                a = torch.stack([torch.stack([sign, 0 * m], 1), torch.stack([0 * m, torch.ones_like(m)], 1)], 1)
                tau = torch.stack([m * (h - 1), 0 * m], 1)
        elif name == "rot90":
            chosen = _chosen(x, value, generator).view(b)
            if h == w:
                k = torch.randint(1, 4, (b,), device=dev, generator=generator) * chosen
            else:
                k = 2 * chosen.long()
            table_a, table_tau = _quarter_table(h, w, dev)
            a, tau = table_a[k], table_tau[k]
        else:  # crop, translate: a window of the image padded by `pad`
            pad = int(value)
            dy = torch.randint(0, 2 * pad + 1, (b, 1), device=dev, generator=generator)
            dx = torch.randint(0, 2 * pad + 1, (b, 1), device=dev, generator=generator)
            a, tau = eye, torch.cat([dy, dx], 1) - pad
        stages.append((name, a, tau))
    if not stages:
        return x
    i = torch.arange(h, device=dev).view(1, h, 1)
    j = torch.arange(w, device=dev).view(1, 1, w)

    def at(a, t):
        """The source row and column of a·(i, j) + t, each split into its part that varies with i, a
        (B, H, 1) tensor, and with j, a (B, 1, W) tensor: ``a`` is a signed permutation, so each depends on
        one of them only (and holds the offset), the other is 0. Small tensors; one broadcast at the end."""
        parts = []
        for r in (0, 1):
            on_i, on_j = a[:, r, 0].view(b, 1, 1), a[:, r, 1].view(b, 1, 1)
            offset = t[:, r].view(b, 1, 1)
            parts.append((on_i * i + offset * (on_i != 0), on_j * j + offset * (on_j != 0)))
        return parts  # [(rows_i, rows_j), (cols_i, cols_j)]

    def inside(parts):
        (ri, rj), (ci, cj) = parts
        along_i = (ri >= 0) & (ri < h) & (ci >= 0) & (ci < w)
        along_j = (rj >= 0) & (rj < h) & (cj >= 0) & (cj < w)
        return along_i, along_j

    big_a, big_t = eye, torch.zeros(b, 2, dtype=torch.long, device=dev)
    masks = []  # (B, H, 1) and (B, 1, W) masks of the pixels inside each window's input
    for name, a, tau in reversed(stages):  # from the output back to the source
        big_a, big_t = a @ big_a, (a @ big_t.unsqueeze(-1)).squeeze(-1) + tau
        if name in ("crop", "translate"):
            masks.append(inside(at(big_a, big_t)))
    (ri, rj), (ci, cj) = at(big_a, big_t)
    flat = ((ri * w + ci) + (rj * w + cj)).view(b, 1, h * w)  # the one (B, H, W) broadcast
    if masks:
        along_i, along_j = masks[0]
        for mi, mj in masks[1:]:
            along_i, along_j = along_i & mi, along_j & mj
        flat = flat.clamp(0, h * w - 1)
    out = x.reshape(b, c, h * w).gather(2, flat.expand(b, c, h * w)).view(b, c, h, w)
    if masks:
        out = out * (along_i & along_j).unsqueeze(1).to(out.dtype)
    return out


class Augmenter:
    """A run's augmentations (``TrainConfig.augment``), applied to a uint8 batch in ``APPLY_ORDER``:
    a rotation first, then every pixel-moving one in a single gather (:func:`move_pixels`)."""

    def __init__(self, spec: str, generator: torch.Generator | None = None):
        self.values = augment_spec.parse(spec)
        self.spec = augment_spec.format_spec(self.values)
        self.generator = generator
        self.calls = 0  # batches augmented
        self.images = 0  # images augmented

    def __bool__(self) -> bool:
        return bool(self.values)

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """``x`` augmented; ``generator`` (default: the augmenter's own) draws the random choices."""
        g = self.generator if generator is None else generator
        if "rotate" in self.values:
            x = rotate(x, self.values["rotate"], g)
        x = move_pixels(x, self.values, g)
        self.calls += 1
        self.images += int(x.shape[0])
        return x


def build(spec: str, generator: torch.Generator | None = None) -> Augmenter | None:
    """The augmenter of ``spec``, or None when it names no augmentation."""
    augmenter = Augmenter(spec, generator)
    return augmenter if augmenter else None
