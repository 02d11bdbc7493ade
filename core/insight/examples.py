"""Which examples a network learns, when, and which it forgets: the per-example record and its figures.

A training run records, for every example of its training split, whether the network's prediction was
right at each visit of each epoch (one visit per epoch: the data order is a permutation), and, for every
test example, whether it was right and how confident the network was at each epoch's evaluation
(:class:`ExampleRecord`; the trainer fills it on the device, see ``core.training.example_record``; the
run folder keeps it, see ``core.runs.examples``). From it, per example (Toneva et al., ICLR 2019,
"An empirical study of example forgetting"):

* **first learned** — the first epoch (1-based) in which it was right, None if never;
* **forgetting events** — how often it went from right to wrong between two epochs it was seen in;
* **never learned** — never right; **unforgettable** — learned and never forgotten.

Numpy only, so the window reads it without torch.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WRONG, RIGHT, UNSEEN = 0, 1, 2  # the codes of ``hits``: UNSEEN where the example was not visited that epoch
TRAIN, TEST = "train", "test"
SPLITS = (TRAIN, TEST)
SORTS = ("forgotten", "never", "late")


@dataclass(frozen=True)
class ExampleRecord:
    """The record of a run's examples after ``epochs`` epochs (arrays are never changed once made).

    ``train_hits``/``test_hits``: uint8 (epochs, n) of WRONG/RIGHT/UNSEEN; ``test_conf``: float (epochs,
    n_test), the softmax probability of the predicted class (NaN where unseen); ``train_loss``: float32
    (n_train,), each training example's loss at its last visit (NaN before its first)."""

    train_labels: np.ndarray
    test_labels: np.ndarray
    train_hits: np.ndarray
    test_hits: np.ndarray
    test_conf: np.ndarray
    train_loss: np.ndarray

    @property
    def epochs(self) -> int:
        return int(self.train_hits.shape[0])

    @property
    def n_train(self) -> int:
        return int(self.train_labels.shape[0])

    @property
    def n_test(self) -> int:
        return int(self.test_labels.shape[0])

    def hits(self, split: str) -> np.ndarray:
        return self.train_hits if split == TRAIN else self.test_hits

    def labels(self, split: str) -> np.ndarray:
        return self.train_labels if split == TRAIN else self.test_labels

    def accuracy(self, split: str, epoch: int) -> float:
        """The share right among the examples seen in ``epoch`` (1-based); NaN when none was seen."""
        row = self.hits(split)[epoch - 1]
        seen = int(np.count_nonzero(row != UNSEEN))
        return float(np.count_nonzero(row == RIGHT) / seen) if seen else float("nan")


@dataclass(frozen=True)
class Dynamics:
    """The derived figures of one split, one entry per example."""

    split: str
    labels: np.ndarray  # int (n,)
    history: np.ndarray  # uint8 (epochs, n): WRONG/RIGHT/UNSEEN
    first_learned: np.ndarray  # int (n,): 1-based epoch, 0 when never learned
    forgotten: np.ndarray  # int (n,): right → wrong events
    last_loss: np.ndarray | None  # float32 (n,) for the training split, None for the test split
    last_conf: np.ndarray | None  # float (n,) at the last evaluation, for the test split

    @property
    def epochs(self) -> int:
        return int(self.history.shape[0])

    @property
    def never_learned(self) -> np.ndarray:
        return self.first_learned == 0

    @property
    def unforgettable(self) -> np.ndarray:
        return (self.first_learned > 0) & (self.forgotten == 0)

    @property
    def flips(self) -> np.ndarray:
        """Changes between right and wrong, both ways (a test image that flips)."""
        h = self.history
        changes = np.zeros(h.shape[1], dtype=np.int64)
        prev = np.full(h.shape[1], UNSEEN, dtype=np.uint8)
        for row in h:
            seen = row != UNSEEN
            changes += (seen & (prev != UNSEEN) & (row != prev)).astype(np.int64)
            prev = np.where(seen, row, prev)
        return changes

    def summary(self) -> dict:
        return {"never_learned": int(self.never_learned.sum()),
                "forgotten_once": int((self.forgotten > 0).sum()),
                "unforgettable": int(self.unforgettable.sum())}

    def order(self, sort: str | None) -> np.ndarray:
        """Example indices: in index order (``None``); most forgotten first ("forgotten"); never learned
        first, the highest last loss (lowest confidence) first among them ("never"); learned last first,
        the never learned after them ("late")."""
        n = len(self.labels)
        idx = np.arange(n)
        if sort is None:
            return idx
        if sort == "forgotten":
            return np.lexsort((idx, -self.forgotten))
        hardness = self._hardness()
        if sort == "never":
            return np.lexsort((idx, -hardness, ~self.never_learned))
        if sort == "late":
            late = np.where(self.first_learned > 0, self.first_learned, -1)
            return np.lexsort((idx, -late))
        raise ValueError(f"unknown order {sort!r}: one of {', '.join(SORTS)}")

    def _hardness(self) -> np.ndarray:
        if self.last_loss is not None:
            return np.nan_to_num(self.last_loss.astype(np.float64), nan=np.inf)
        if self.last_conf is not None:
            return -np.nan_to_num(self.last_conf.astype(np.float64), nan=0.0)
        return np.zeros(len(self.labels))

    def first_learned_counts(self) -> np.ndarray:
        """How many examples were first learned at epoch k, k = 1..epochs (index k-1)."""
        return np.bincount(self.first_learned[self.first_learned > 0] - 1, minlength=self.epochs)[:self.epochs]

    def forgotten_share_by_class(self, num_classes: int) -> np.ndarray:
        """Per class, the share of its examples forgotten at least once (NaN for a class with none)."""
        labels = self.labels.astype(np.int64)
        total = np.bincount(labels, minlength=num_classes)[:num_classes].astype(np.float64)
        forgot = np.bincount(labels[self.forgotten > 0], minlength=num_classes)[:num_classes]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, forgot / total, np.nan)

    def entry(self, i: int) -> dict:
        """One example as the command line's JSON gives it."""
        first = int(self.first_learned[i])
        out = {"index": int(i), "label": int(self.labels[i]), "first_learned": first or None,
               "forgotten": int(self.forgotten[i]),
               "history": [None if v == UNSEEN else int(v) for v in self.history[:, i]],
               "last_loss": None}
        if self.last_loss is not None and np.isfinite(self.last_loss[i]):
            out["last_loss"] = float(self.last_loss[i])
        if self.last_conf is not None:
            c = self.last_conf[i]
            out["confidence"] = float(c) if np.isfinite(c) else None
        return out


def first_learned(history: np.ndarray) -> np.ndarray:
    """The first epoch (1-based) each example was right in; 0 when never."""
    right = history == RIGHT
    if right.shape[0] == 0:
        return np.zeros(right.shape[1], dtype=np.int64)
    first = right.argmax(axis=0) + 1
    return np.where(right.any(axis=0), first, 0).astype(np.int64)


def forgetting_events(history: np.ndarray) -> np.ndarray:
    """Right → wrong transitions of each example between the epochs it was seen in (unseen ones skipped)."""
    n = history.shape[1]
    events = np.zeros(n, dtype=np.int64)
    prev = np.full(n, UNSEEN, dtype=np.uint8)
    for row in history:
        events += ((prev == RIGHT) & (row == WRONG)).astype(np.int64)
        prev = np.where(row != UNSEEN, row, prev)
    return events


def dynamics(record: ExampleRecord, split: str = TRAIN) -> Dynamics:
    """The derived figures of ``split`` ("train" or "test")."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: train or test")
    history = record.hits(split)
    last_conf = None
    if split == TEST:
        last_conf = (record.test_conf[-1].astype(np.float64) if record.epochs
                     else np.full(record.n_test, np.nan))
    return Dynamics(split, record.labels(split), history, first_learned(history), forgetting_events(history),
                    record.train_loss if split == TRAIN else None, last_conf)


def right_in_one_never_in_other(a: Dynamics, b: Dynamics) -> np.ndarray:
    """Indices of the examples ``a`` got right at its last epoch and ``b`` never got right (two runs on the
    same split of the same data), the ones ``a`` learned first first."""
    n = min(len(a.labels), len(b.labels))
    if n == 0 or a.epochs == 0:
        return np.zeros(0, dtype=np.int64)
    last = a.history[-1, :n] == RIGHT
    hit = np.flatnonzero(last & (b.first_learned[:n] == 0) & np.array_equal(a.labels[:n], b.labels[:n]))
    return hit[np.lexsort((hit, a.first_learned[hit]))]


def split_images(config, split: str, record: ExampleRecord | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The images (uint8 N, C, H, W) and labels of a run's ``split`` in the record's order: the training split
    cut to the run's subset as the trainer cut it (``core.data.loading.run_splits``). Never downloads;
    ``DataError`` when the dataset is not on this computer or is not the one the record was made on."""
    from convscope.core.data import loading as D
    from convscope.core.data.datasets import DataError

    x, y = D.load_split(config.dataset, split, config.data_root, download=False, info=config.info)
    if split == TRAIN and config.subset is not None and config.subset < len(y):
        keep = np.random.default_rng(config.seed).permutation(len(y))[: config.subset]
        x, y = x[keep], y[keep]
    if record is not None and not np.array_equal(np.asarray(y), record.labels(split)):
        raise DataError(f"the {split} images of {config.dataset} on this computer are not the ones the run "
                        f"was trained on (their labels differ), so its example record cannot be shown with them.")
    return x, y


def take_images(images, indices) -> np.ndarray:
    """uint8 (k, C, H, W) of ``indices`` from a split's images: a numpy array, or a device tensor (e.g. a
    trainer's ``train.images``: one gather and one copy to the host)."""
    rows = [int(i) for i in indices]
    if not rows:
        return np.zeros((0, 1, 1, 1), dtype=np.uint8)
    if hasattr(images, "detach"):
        return images[rows].detach().cpu().numpy()
    return np.asarray(images)[rows]
