"""Which classes a trained network confuses, and on which images.

:func:`eval_split` reads the split a run is evaluated on (its own dataset by default, or another with as
many classes); :func:`analyse` runs the network over it once and keeps, per image, the true label, the
top-3 predictions and their probabilities. From those, all as numpy:

* :func:`confusion_matrix` — counts, rows = true class, columns = predicted class;
* :attr:`Analysis.per_class_accuracy` — the diagonal over the row sums;
* :meth:`Analysis.cell` — the images of one (true, predicted) pair, most confident first.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from convscope.core.base.modeltools import eval_mode
from convscope.core.data import loading as D
from convscope.core.data.datasets import DataError, DatasetInfo
from convscope.core.insight.inference import run_preprocess


@dataclass
class EvalSplit:
    dataset: str
    split: str
    info: DatasetInfo
    images: np.ndarray  # (N, C, H, W) uint8
    labels: np.ndarray  # (N,) int64


def eval_split(config, dataset: str | None = None, split: str = "test", root: str | None = None) -> EvalSplit:
    """The images a run of ``config`` is evaluated on (``DataError`` with what to do when they are not
    here, or when the dataset has another number of classes than the run predicts)."""
    dataset = dataset or config.dataset
    if dataset == D.IMAGEFOLDER:  # a folder the user names, read at the run's size in its class order
        same = config.dataset == dataset
        if not root:  # the folder a run's config names is never read unless the user names it
            trained = f" (the run was trained on {config.data_root})" if same and config.data_root else ""
            raise DataError(f"give the image folder to evaluate on with --data-root DIR{trained}.")
        info = config.info if same else D.imagefolder.folder_info(root)
    else:
        info = D.get_info(dataset)
    images, labels = D.load_split(dataset, split, root, info=info)
    if info.num_classes != config.info.num_classes:
        raise DataError(f"the run predicts {config.info.num_classes} classes but {dataset} has "
                        f"{info.num_classes}.")
    return EvalSplit(dataset, split, info, images, labels)


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts (n_classes × n_classes, int64): ``m[t, p]`` images of class ``t`` predicted as ``p``."""
    true, predicted = np.asarray(true, dtype=np.int64), np.asarray(predicted, dtype=np.int64)
    return np.bincount(true * n_classes + predicted, minlength=n_classes * n_classes).reshape(n_classes,
                                                                                                n_classes)


@dataclass
class Analysis:
    classes: tuple[str, ...]
    split: EvalSplit
    true: np.ndarray  # (N,) int64
    top: np.ndarray  # (N, k) int64: the k most probable classes, most probable first
    top_p: np.ndarray  # (N, k) float32: their probabilities

    @property
    def predicted(self) -> np.ndarray:
        return self.top[:, 0]

    @property
    def matrix(self) -> np.ndarray:
        return confusion_matrix(self.true, self.predicted, len(self.classes))

    @property
    def accuracy(self) -> float:
        return float((self.true == self.predicted).mean()) if len(self.true) else float("nan")

    @property
    def per_class_accuracy(self) -> np.ndarray:
        """Per true class: the share of its images predicted right (NaN for a class with no image)."""
        m = self.matrix
        rows = m.sum(1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(rows > 0, np.diag(m) / rows, np.nan)

    def cell(self, true: int, predicted: int) -> np.ndarray:
        """Indices (into the split) of the images of class ``true`` predicted as ``predicted``, the most
        confident prediction first."""
        idx = np.flatnonzero((self.true == true) & (self.predicted == predicted))
        return idx[np.argsort(-self.top_p[idx, 0], kind="stable")]


@torch.no_grad()
def analyse(model: torch.nn.Module, config, split: EvalSplit, device: str | torch.device = "cpu",
            batch_size: int = 512, k: int = 3) -> Analysis:
    """Run ``model`` (a run's network, trained with ``config``) over ``split`` once."""
    device = torch.device(device)
    preprocess = run_preprocess(config, split.info)
    k = min(k, split.info.num_classes)
    tops, probs = [], []
    images = torch.from_numpy(np.ascontiguousarray(split.images))
    with eval_mode(model):
        for start in range(0, len(images), batch_size):
            xb = preprocess(images[start:start + batch_size].to(device))
            p = torch.softmax(model(xb).float(), dim=1)
            top_p, top = p.topk(k, dim=1)
            tops.append(top.cpu())
            probs.append(top_p.cpu())
    empty = torch.zeros(0, k)
    top = torch.cat(tops).numpy().astype(np.int64) if tops else empty.long().numpy()
    top_p = torch.cat(probs).numpy().astype(np.float32) if probs else empty.numpy()
    return Analysis(tuple(config.info.classes), split, np.asarray(split.labels, dtype=np.int64), top, top_p)


def analyse_network(model: torch.nn.Module, config, dataset: str | None = None, split: str = "test",
                    root: str | None = None) -> Analysis:
    """:func:`analyse` of a run's network on its evaluation split, on the device its weights are on."""
    try:
        device = next(model.parameters()).device
    except StopIteration:
        device = torch.device("cpu")
    return analyse(model, config, eval_split(config, dataset, split, root), device=device)
