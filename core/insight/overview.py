"""What a dataset looks like, for the window's Dataset tab: classes, counts, mean images and examples.

:func:`dataset_overview` reads both splits through :func:`core.data.loading.load_split` (never downloading) and
returns a :class:`DatasetOverview` of numpy arrays and numbers only, ready to draw: images are in the
display layout (H, W) for grey and (H, W, 3) for colour. Everything is vectorised, so a 60,000-image
dataset takes well under a second once its files are read.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from convscope.core.data import loading as data
from convscope.core.data.datasets import get_info


@dataclass(frozen=True, eq=False)
class DatasetOverview:
    """One dataset at a glance. ``K`` classes, ``P`` examples per class.

    ``examples`` and ``example_indices`` come from the training split. A class with fewer than ``P``
    training images has its missing examples black with index -1 (``example_counts`` says how many are
    real); a class with no training images has a black mean.
    """

    name: str  # the CLI name, e.g. "fashion-mnist-sample"
    display_name: str
    classes: tuple[str, ...]
    channels: int  # 1 (grey) or 3 (RGB)
    height: int
    width: int
    n_train: int
    n_test: int
    train_counts: np.ndarray  # int64 (K,): training images per class
    test_counts: np.ndarray  # int64 (K,): test images per class
    examples: np.ndarray  # uint8 (K, P, H, W) or (K, P, H, W, 3)
    example_indices: np.ndarray  # int64 (K, P): each example's index in the training split, -1 = none
    example_counts: np.ndarray  # int64 (K,): real examples per class (≤ P)
    means: np.ndarray  # float32 (K, H, W) or (K, H, W, 3) in 0..1: the mean training image per class
    seed: int

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def per_class(self) -> int:
        return int(self.examples.shape[1])

    @property
    def colour(self) -> bool:
        return self.channels == 3


def _display_layout(images: np.ndarray) -> np.ndarray:
    """(N, C, H, W) → (N, H, W) for one channel, (N, H, W, C) otherwise (a view when possible)."""
    return images[:, 0] if images.shape[1] == 1 else np.moveaxis(images, 1, -1)


def class_means(images: np.ndarray, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """The mean image of each class, float32 in 0..1, same per-image layout as ``images`` (N, ...).

    Sums in int64 one class at a time (numpy casts in buffered chunks: no float copy of the split).
    """
    means = np.zeros((num_classes,) + images.shape[1:], np.float32)
    for c in range(num_classes):
        members = images[labels == c]
        if len(members):
            total = members.sum(axis=0, dtype=np.int64)
            means[c] = total / (255.0 * len(members))
    return means


def pick_examples(labels: np.ndarray, num_classes: int, per_class: int, seed: int) -> np.ndarray:
    """Indices (K, per_class) of distinct random images of each class, -1 where a class runs out.

    Seeded: the same labels and seed give the same picks."""
    rng = np.random.default_rng(seed)
    picks = np.full((num_classes, per_class), -1, np.int64)
    if per_class == 0:
        return picks
    order = np.argsort(labels, kind="stable")  # indices grouped by class, ascending within each
    bounds = np.searchsorted(labels[order], np.arange(num_classes + 1))
    for c in range(num_classes):
        members = order[bounds[c]:bounds[c + 1]]
        take = min(per_class, len(members))
        if take:
            picks[c, :take] = members[rng.choice(len(members), size=take, replace=False)]
    return picks


def dataset_overview(name: str, root: str | os.PathLike | None = None, per_class: int = 8,
                     seed: int = 0) -> DatasetOverview:
    """The overview of dataset ``name`` (``root`` as for :func:`core.data.loading.load_split`).

    Never downloads: a dataset whose files are not here raises :class:`core.data.datasets.DataError` (its
    message says where they were looked for and what to do), as does an unknown name.
    """
    if per_class < 0:
        raise ValueError(f"per_class must be ≥ 0, not {per_class}")
    info = get_info(name)
    train_images, train_labels = data.load_split(name, "train", root, download=False)
    _, test_labels = data.load_split(name, "test", root, download=False)
    k = info.num_classes
    _, channels, height, width = train_images.shape

    picks = pick_examples(train_labels, k, per_class, seed)
    shown = _display_layout(train_images[np.where(picks >= 0, picks, 0).ravel()])
    examples = shown.reshape((k, per_class) + shown.shape[1:]).copy()
    examples[picks < 0] = 0
    means = _display_layout(class_means(train_images, train_labels, k))

    return DatasetOverview(
        name=info.name, display_name=info.display_name, classes=tuple(info.classes), channels=int(channels),
        height=int(height), width=int(width), n_train=int(len(train_labels)), n_test=int(len(test_labels)),
        train_counts=np.bincount(train_labels, minlength=k).astype(np.int64),
        test_counts=np.bincount(test_labels, minlength=k).astype(np.int64),
        examples=np.ascontiguousarray(examples), example_indices=picks,
        example_counts=(picks >= 0).sum(axis=1).astype(np.int64),
        means=np.ascontiguousarray(means, dtype=np.float32), seed=int(seed))
