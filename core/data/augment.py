"""Augmentation as batched tensor operations on the training device.

Each function takes a uint8 batch ``(B, C, H, W)`` on any device and returns a new uint8 batch of the same
shape on the same device, every image transformed with its own random draw from ``generator`` (a
``torch.Generator`` on that device; None: torch's global one). There is no per-sample Python and no PIL:
a flip of some images is one ``torch.where`` over the batch, a rotation one ``grid_sample``, a crop one
gather. The labels are untouched: image ``i`` of the result is image ``i`` of the input, transformed.

The trainer applies :class:`Augmenter` to its training batches only, before normalisation
(:class:`core.data.loading.Preprocess`); evaluation never sees it. The names, parameters and which datasets each
augmentation is safe for are in :mod:`core.data.augment_spec` (no torch).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from convscope.core.data import augment_spec


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


def rotate_by(x: torch.Tensor, degrees: torch.Tensor, fill: torch.Tensor | None = None) -> torch.Tensor:
    """Turn image ``i`` by ``degrees[i]`` counter-clockwise about its centre (bilinear, black corners).

    Exact for 0° and for quarter turns of a square image (the sampling points fall on pixel centres).
    A float batch (already normalised) keeps its dtype, its corners filled with ``fill`` (the
    normalised black, (1, C, 1, 1)); a uint8 batch is rounded back to uint8, its corners 0."""
    a = degrees.to(device=x.device, dtype=torch.float32) * (math.pi / 180)
    cos, sin = torch.cos(a), torch.sin(a)
    zero = torch.zeros_like(a)
    # Output pixel (u, v) samples the input at R(-a)·(u, v): the picture turns by +a on screen.
    theta = torch.stack([torch.stack([cos, -sin, zero], 1), torch.stack([sin, cos, zero], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    if x.is_floating_point():
        shift = 0 if fill is None else fill
        return F.grid_sample(x - shift, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + shift
    out = F.grid_sample(x.float(), grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return out.round_().clamp_(0, 255).to(x.dtype)


def rotate(x: torch.Tensor, degrees: float = 15.0, generator: torch.Generator | None = None,
           fill: torch.Tensor | None = None) -> torch.Tensor:
    """Turn each image by a random angle drawn uniformly from [-degrees, +degrees]."""
    if degrees <= 0:
        return x
    angles = (torch.rand(x.shape[0], device=x.device, generator=generator) * 2 - 1) * degrees
    return rotate_by(x, angles, fill)


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
# only move pixels, which :func:`move_pixels` does together in one gather: the flips and the quarter turn,
# then the crop and the shift.
APPLY_ORDER = ("rotate", "hflip", "vflip", "rot90", "crop", "translate")
MOVES = APPLY_ORDER[1:]


@dataclass
class Moves:
    """The random choices of the pixel-moving augmentations for one batch, per image: ``turn`` is the
    code hflip + 2·vflip + 4·(quarter turns) of the flips and the turn, applied first; ``shifts`` the
    (rows, columns) offsets of each window (crop, then translate), applied after, in that order."""

    turn: torch.Tensor | None  # (B,) int64, or None when no flip or turn is on
    shifts: list[tuple[torch.Tensor, torch.Tensor]]
    pads: list[int]  # each window's largest offset


def draw_moves(values: dict, b: int, h: int, w: int, device, generator=None) -> Moves:
    """The choices of ``values``' hflip, vflip, rot90, crop and translate for ``b`` images of h×w, from
    one draw of uniform numbers (the same for every setting, so adding one never reshuffles another)."""
    u = torch.rand(b, 8, device=device, generator=generator)
    turn = None
    if any(name in values for name in ("hflip", "vflip", "rot90")):
        turn = torch.zeros(b, dtype=torch.long, device=device)
        if "hflip" in values:
            turn += u[:, 0] < values["hflip"]
        if "vflip" in values:
            turn += 2 * (u[:, 1] < values["vflip"])
        if "rot90" in values:
            quarters = (u[:, 3] * 3).long().clamp_(max=2) + 1 if h == w else torch.full_like(turn, 2)
            turn += 4 * quarters * (u[:, 2] < values["rot90"])
    shifts, pads = [], []
    for name, col in (("crop", 4), ("translate", 6)):
        if name in values:
            pad = int(values[name])
            rows, cols = ((u[:, c] * (2 * pad + 1)).long().clamp_(max=2 * pad) - pad for c in (col, col + 1))
            shifts.append((rows, cols))
            pads.append(pad)
    return Moves(turn, shifts, pads)


_TURN_TABLES: dict = {}


def _turn_table(h: int, w: int, device) -> torch.Tensor:
    """(16, H·W): for each turn code, the source pixel (flat index) of every output pixel."""
    key = (h, w, str(device))
    if key not in _TURN_TABLES:
        codes = torch.arange(16, device=device)
        src = torch.arange(h * w, device=device).view(1, 1, h, w).expand(16, 1, h, w)
        y = torch.where((codes % 2 == 1).view(-1, 1, 1, 1), src.flip(-1), src)
        y = torch.where((codes // 2 % 2 == 1).view(-1, 1, 1, 1), y.flip(-2), y)
        quarters = codes // 4
        if h == w:
            y = turn_quarters(y, quarters)
        else:  # only half turns are drawn for a non-square batch
            y = torch.where((quarters == 2).view(-1, 1, 1, 1), y.rot90(2, (-2, -1)), y)
        _TURN_TABLES[key] = y.reshape(16, h * w).contiguous()
    return _TURN_TABLES[key]


TABLE_LIMIT = 1 << 22  # entries of a table of every move of one window (32 MB); larger: worked out per batch
_MOVE_TABLES: dict = {}


def _move_table(h: int, w: int, pad: int, device) -> torch.Tensor | None:
    """(16·n·n, H·W) with n = 2·pad + 1: for each flip/turn code and window offset, the source pixel
    (flat index) of every output pixel, H·W for a black one; None when the table would be too big.

    Turning a padded image is padding the turned one, so the turn table of the padded size serves."""
    n = 2 * pad + 1
    if 16 * n * n * h * w > TABLE_LIMIT:
        return None
    key = (h, w, pad, str(device))
    if key not in _MOVE_TABLES:
        hp, wp = h + 2 * pad, w + 2 * pad
        turn = _turn_table(hp, wp, device)
        off = torch.arange(n, device=device)
        pos = ((torch.arange(h, device=device).view(1, 1, h, 1) + off.view(n, 1, 1, 1)) * wp
               + torch.arange(w, device=device).view(1, 1, 1, w) + off.view(1, n, 1, 1))  # (n, n, h, w)
        padded = turn[:, pos.reshape(-1)].reshape(16 * n * n, h * w)  # into the padded image
        rows, cols = padded // wp - pad, padded % wp - pad
        inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
        _MOVE_TABLES[key] = torch.where(inside, rows * w + cols, h * w).contiguous()
    return _MOVE_TABLES[key]


def _take(x: torch.Tensor, src: torch.Tensor, fill: torch.Tensor | None) -> torch.Tensor:
    """Output pixel k of image b is pixel ``src[b, k]`` of ``x[b]``, black (0 or ``fill``) where it is
    H·W; in x's memory layout (channels-last stays channels-last)."""
    b, c, h, w = x.shape
    hw = h * w
    black = (torch.zeros(1, dtype=x.dtype, device=x.device) if fill is None else fill.to(x.dtype)).reshape(-1)
    if c == 1 or x.is_contiguous(memory_format=torch.channels_last):  # whole pixels: rows of c values
        pixels = torch.cat([x.permute(0, 2, 3, 1).reshape(b, hw, c), black.view(1, 1, -1).expand(b, 1, c)], 1)
        offsets = torch.arange(0, b * (hw + 1), hw + 1, device=x.device).view(b, 1)
        out = pixels.view(b * (hw + 1), c).index_select(0, (src + offsets).view(-1))
        return out.view(b, h, w, c).permute(0, 3, 1, 2)
    planes = torch.cat([x.reshape(b, c, hw), black.view(1, -1, 1).expand(b, c, 1)], 2)
    return planes.gather(2, src.view(b, 1, hw).expand(b, c, hw)).view(b, c, h, w)


def move_pixels(x: torch.Tensor, moves: Moves, fill: torch.Tensor | None = None) -> torch.Tensor:
    """The batch with ``moves`` applied, in one gather of its pixels (in its own memory layout:
    channels-last stays channels-last). A pixel that falls outside the image at a crop or a shift is
    black: 0, or ``fill`` (see :func:`rotate_by`).

    Which source pixel each output pixel takes: with at most one window (the usual case), one look-up in
    a table of every flip, turn and offset; otherwise worked out on small (B, H) and (B, W) tensors and
    the table of the 16 flips and turns."""
    b, c, h, w = x.shape
    if moves.turn is None and not moves.shifts:
        return x
    dev = x.device
    if len(moves.shifts) <= 1:
        pad = moves.pads[0] if moves.shifts else 0
        table = _move_table(h, w, pad, dev)
        if table is not None:
            n = 2 * pad + 1
            code = (moves.turn if moves.turn is not None else torch.zeros(b, dtype=torch.long, device=dev)) * n * n
            if moves.shifts:
                dy, dx = moves.shifts[0]
                code = code + (dy + pad) * n + (dx + pad)
            return _take(x, table[code], fill)
    rows = torch.arange(h, device=dev).view(1, h).expand(b, h)
    cols = torch.arange(w, device=dev).view(1, w).expand(b, w)
    row_ok = col_ok = None
    for dy, dx in reversed(moves.shifts):  # from the output back: the last window first
        rows, cols = rows + dy.view(b, 1), cols + dx.view(b, 1)
        r_ok, c_ok = (rows >= 0) & (rows < h), (cols >= 0) & (cols < w)
        row_ok = r_ok if row_ok is None else row_ok & r_ok
        col_ok = c_ok if col_ok is None else col_ok & c_ok
    if moves.shifts:
        rows, cols = rows.clamp(0, h - 1), cols.clamp(0, w - 1)
    flat = (rows.view(b, h, 1) * w + cols.view(b, 1, w)).view(b, h * w)
    if moves.turn is not None:
        flat = _turn_table(h, w, dev)[moves.turn].gather(1, flat)
    if moves.shifts:  # outside a window: the black pixel
        flat = torch.where((row_ok.view(b, h, 1) & col_ok.view(b, 1, w)).view(b, h * w), flat, h * w)
    return _take(x, flat, fill)


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

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None,
                 fill: torch.Tensor | None = None) -> torch.Tensor:
        """``x`` augmented; ``generator`` (default: the augmenter's own) draws the random choices.

        ``x`` is a uint8 batch, or one already normalised (float) with ``fill`` its normalised black
        (:func:`normalised_black`): moving pixels and normalising commute, so both give the same input."""
        g = self.generator if generator is None else generator
        if "rotate" in self.values:
            x = rotate(x, self.values["rotate"], g, fill)
        b, _, h, w = x.shape
        x = move_pixels(x, draw_moves(self.values, b, h, w, x.device, g), fill)
        self.calls += 1
        self.images += int(x.shape[0])
        return x


def normalised_black(mean, std, device) -> torch.Tensor:
    """(1, C, 1, 1): what a black pixel is after normalisation with ``mean`` and ``std``."""
    mean = torch.tensor(mean, dtype=torch.float32, device=device)
    std = torch.tensor(std, dtype=torch.float32, device=device)
    return (-mean / std).view(1, -1, 1, 1)


def build(spec: str, generator: torch.Generator | None = None) -> Augmenter | None:
    """The augmenter of ``spec``, or None when it names no augmentation."""
    augmenter = Augmenter(spec, generator)
    return augmenter if augmenter else None
