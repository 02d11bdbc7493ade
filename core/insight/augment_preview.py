"""What the network receives: a few images of the current training batch, captured while it trains.

:class:`AugmentCapture` is a batch hook of the trainer (``trainer.batch_hooks``): it sees each training
batch exactly as the model gets it (after augmentation and normalisation) and, every ``interval`` seconds
at most, copies a few of its images to the host, de-normalised for display, with the original (stored)
image of each beside it. For a few *fixed* training images (the first of each of the first classes) it
also shows one fresh draw of the run's augmentations, so the same picture can be watched changing.

Cheap by construction: a handful of images, one host copy per capture, no capture while the previous
one has not been taken (a latest-only :class:`~core.base.mailbox.Mailbox`), none while ``enabled`` is off
(the window turns it off while the preview is hidden), and at most ``max_overhead`` of the training
thread's time. The fixed images are augmented with the capture's own random generator, so a preview
never changes the random draws of training. No Qt here; the payload holds numpy copies only.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from convscope.core.base.mailbox import Mailbox
from convscope.core.base.modeltools import unhook
from convscope.core.insight.target import TrainingTarget

MAX_SIDE = 64  # larger inputs (the d2l resize) are shown scaled down to this side


@dataclass
class AugmentPreview:
    """Images as (N, S, S, 3) uint8, each row of ``*_seen`` the network's view of the same row of
    ``*_original``; labels as int64 (N,)."""

    epoch: int
    step: int  # the trainer's global step of the batch
    augment: str  # the run's augmentations ("" none)
    classes: tuple[str, ...]
    batch_original: np.ndarray
    batch_seen: np.ndarray
    batch_labels: np.ndarray
    fixed_original: np.ndarray
    fixed_seen: np.ndarray
    fixed_labels: np.ndarray


class AugmentCapture:
    """Captures :class:`AugmentPreview` payloads from a trainer's training batches into ``mailbox``."""

    def __init__(self, interval: float = 0.5, count: int = 8, fixed: int = 4, max_overhead: float = 0.01,
                 mailbox: Mailbox | None = None, seed: int = 12345):
        self.interval = float(interval)
        self.count, self.fixed = int(count), int(fixed)
        self.max_overhead = float(max_overhead)
        self.mailbox = mailbox or Mailbox()
        self.seed = seed
        self.enabled = True  # set from any thread
        self.trainer = None
        self.captures = 0
        self.seconds = 0.0  # time spent capturing, in total
        self._next_time = 0.0
        self._lock = threading.Lock()
        self._state: tuple | None = None  # (mean, std, fixed indices, generator) for the trainer's device

    def attach(self, trainer: TrainingTarget) -> AugmentCapture:
        self.detach()
        self.trainer = trainer
        self._state = None
        self._next_time = 0.0
        trainer.batch_hooks.append(self.on_batch)
        return self

    def detach(self) -> None:
        if self.trainer is not None:
            unhook(self.trainer, "batch_hooks", self.on_batch)
        self.trainer = None

    # -- the hook (training thread) ----------------------------------------------------------------
    def on_batch(self, trainer: TrainingTarget, idx: torch.Tensor, xb: torch.Tensor) -> None:
        if not self.enabled or self.mailbox.full:
            return
        now = time.perf_counter()
        if now < self._next_time:
            return
        with self._lock:
            preview = self.capture(trainer, idx, xb)
        spent = time.perf_counter() - now
        self.seconds += spent
        self.captures += 1
        self._next_time = now + max(self.interval, spent / max(self.max_overhead, 1e-6))
        self.mailbox.put(preview)

    @torch.no_grad()
    def capture(self, trainer: TrainingTarget, idx: torch.Tensor, xb: torch.Tensor) -> AugmentPreview:
        """The preview of batch ``xb`` (indices ``idx`` into the training split), now."""
        mean, std, fixed_idx, gen = self._prepare(trainer, xb.device)
        k = min(self.count, len(idx))
        side = min(xb.shape[-1], MAX_SIDE)
        images = trainer.train.images
        batch_original = _display(images[idx[:k]].float().div_(255), side)
        batch_seen = _display(_denormalise(xb[:k].float(), mean, std), side)
        originals = images[fixed_idx]
        augmenter = trainer.augmenter
        augmented = augmenter(originals, generator=gen) if augmenter is not None else originals
        fixed_seen = _display(_denormalise(trainer.preprocess(augmented).float(), mean, std), side)
        fixed_original = _display(originals.float().div_(255), side)
        labels = trainer.train.labels
        # One trip to the host for everything.
        parts = [t.cpu() for t in (batch_original, batch_seen, fixed_original, fixed_seen,
                                   labels[idx[:k]], labels[fixed_idx])]
        arrays = [p.numpy().copy() for p in parts]
        return AugmentPreview(epoch=trainer.epochs_done + 1, step=trainer.global_step + 1,
                              augment=trainer.config.augment, classes=tuple(trainer.info.classes),
                              batch_original=arrays[0], batch_seen=arrays[1], batch_labels=arrays[4],
                              fixed_original=arrays[2], fixed_seen=arrays[3], fixed_labels=arrays[5])

    def _prepare(self, trainer: TrainingTarget, device):
        if self._state is None:
            info = trainer.info
            mean = torch.tensor(info.mean, device=device, dtype=torch.float32).view(1, -1, 1, 1)
            std = torch.tensor(info.std, device=device, dtype=torch.float32).view(1, -1, 1, 1)
            labels = trainer.train.labels.cpu().numpy()
            firsts = [int(np.flatnonzero(labels == c)[0]) for c in range(info.num_classes) if (labels == c).any()]
            fixed_idx = torch.tensor(firsts[: self.fixed], device=device, dtype=torch.long)
            gen = torch.Generator(device=device).manual_seed(self.seed)
            self._state = (mean, std, fixed_idx, gen)
        return self._state


def _denormalise(x: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """The network's input back in [0, 1] (grey data fed to a colour model, or the reverse, with the
    statistics averaged over the channels)."""
    if x.shape[1] != mean.shape[1]:
        mean, std = mean.mean(1, keepdim=True), std.mean(1, keepdim=True)
    return x * std + mean


def _display(x: torch.Tensor, side: int) -> torch.Tensor:
    """(N, C, H, W) floats in [0, 1] → (N, side, side, 3) uint8."""
    if x.shape[-1] != side or x.shape[-2] != side:
        mode = "area" if x.shape[-1] > side else "nearest"
        x = F.interpolate(x, size=(side, side), mode=mode)
    if x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    x = x[:, :3]
    return x.clamp(0, 1).mul(255).round().to(torch.uint8).permute(0, 2, 3, 1).contiguous()


def pairs_mosaic(originals: np.ndarray, seen: np.ndarray, columns: int = 4, gap: int = 2,
                 pair_gap: int = 1, background: int = 255) -> np.ndarray:
    """One (H, W, 3) uint8 picture: each original with the network's view of it to its right, the
    pairs in rows of ``columns``."""
    n = len(originals)
    if n == 0:
        return np.full((1, 1, 3), background, np.uint8)
    s = originals.shape[1]
    cols = max(1, min(columns, n))
    rows = (n + cols - 1) // cols
    pair_w = 2 * s + pair_gap
    out = np.full((rows * s + (rows - 1) * gap, cols * pair_w + (cols - 1) * gap, 3), background, np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        y, x = r * (s + gap), c * (pair_w + gap)
        out[y:y + s, x:x + s] = originals[i]
        out[y:y + s, x + s + pair_gap:x + pair_w] = seen[i]
    return out
