"""What the probe hands over: small numpy payloads of one probe forward (no tensors, no views).

These cross threads (training thread → GUI), so every array is a copy the model's memory never backs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Kind = Literal["feature", "1x1", "gap"]
KINDS = ("feature", "1x1", "gap")
Selection = Literal["first", "top"]


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
    # The effective receptive field's radii (r50, r90, input pixels) of each spatial probe layer's centre
    # unit at this moment, where the run's recorder measured them (core.insight.receptive_field.centre_radii).
    fields: dict[str, tuple[float, float]] = field(default_factory=dict)

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
