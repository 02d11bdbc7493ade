"""A run opened from disk, ready to be looked inside without training it.

:class:`RunTarget` is a :class:`~convscope.core.insight.target.ProbeTarget`, what
:class:`core.insight.probe.Probe` reads from a trainer, built from a ``core.runs.checkpoints.LoadedRun``:
the probe then computes the feature maps, 1×1 and GAP views on the opened weights for any test sample, in
the calling thread. The model is the run's own CPU model in eval mode; nothing here trains it.
"""
from __future__ import annotations

import numpy as np
import torch

from convscope.core.data import loading as data_mod
from convscope.core.data.datasets import IMAGEFOLDER, DataError

NO_TEST_SPLIT = "no test images of {dataset} on this computer: {why}"
FOLDER_NOT_READ = ("its test images are not read: a run opened from disk never makes ConvScope read the image "
                   "folder its settings name (the run may come from another computer). Its curves, its "
                   "saved snapshots and its predictions in the Draw tab are shown; to look inside on test "
                   "images, choose your image folder in the settings and train a run on it.")


def weights_step(run) -> int:
    """The optimizer step after which an opened run's weights were saved: as its status, its weights' own
    record or its last recorded evaluation says (0 when none does)."""
    candidates = (run.status.get("step") if isinstance(run.status, dict) else None,
                  (getattr(run, "info", None) or {}).get("step"),
                  (getattr(run, "confusions", None) or [{}])[-1].get("step"))
    for value in candidates:
        try:
            step = int(value)
        except (TypeError, ValueError):
            continue
        if step > 0 and not isinstance(value, bool):
            return step
    return 0


class RunTarget:
    """The probe's view of an opened run (see the module docstring)."""

    def __init__(self, run, test_images: np.ndarray, test_labels: np.ndarray):
        self.run = run
        self.config = run.config
        self.info = run.config.info
        self.model = run.model.to("cpu").eval()
        self.device = torch.device("cpu")
        self.test = data_mod.DeviceSplit(test_images, test_labels, self.device)
        c, side, _ = run.config.input_size
        self.preprocess = data_mod.Preprocess(self.info, side, c)
        self.epochs_done = run.epoch
        self.global_step = weights_step(run)
        self.step_hooks: list = []  # never called: nothing trains an opened run

    @classmethod
    def from_run(cls, run) -> RunTarget:
        """Load the test split of the run's dataset (never downloading); ``DataError`` says why not. An
        image-folder run's folder is never read (:data:`FOLDER_NOT_READ`): its path comes from the run."""
        cfg = run.config
        if cfg.dataset == IMAGEFOLDER:
            raise DataError(FOLDER_NOT_READ)
        try:
            images, labels = data_mod.load_split(cfg.dataset, "test", cfg.data_root, download=False,
                                                 info=cfg.info)
        except DataError as exc:
            raise DataError(NO_TEST_SPLIT.format(dataset=cfg.dataset, why=exc)) from None
        return cls(run, images, labels)
