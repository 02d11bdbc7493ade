"""Recording, on the device, which training and test examples the network gets right at each epoch.

The trainer's step already computes each batch's predictions and their per-example losses on the
device. :meth:`ExampleRecorder.record` writes them into preallocated device tensors by the batch's
example indices (``index_put_``, two a step: no host sync, no extra forward pass); the evaluation
fills the test split's right/wrong and confidence the same way (:meth:`test_sink`). Once per epoch,
:meth:`end_epoch` copies the epoch's rows to the host, where the
:class:`~convscope.core.insight.examples.ExampleRecord` snapshots are views of growing arrays (rows
once written never change, so a snapshot handed to another thread stays valid). The run folder keeps
it as ``examples.bin`` (``core.runs.examples``); a resumed run reads it back and goes on.

Several processes (torchrun): rank 0 records the examples it trains and evaluates itself (its shard:
every ``world_size``-th example), at their index in the whole split; the others' examples are UNSEEN in
every epoch. A single process sees every example, and then the share right of an epoch equals its
training accuracy exactly: both count the same comparisons.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch

from convscope.core.insight.examples import UNSEEN, ExampleRecord

log = logging.getLogger("convscope.engine")


class TestSink:
    """Where the evaluation writes each test example's right/wrong and confidence, by position."""

    def __init__(self, n: int, device: torch.device):
        self.hits = torch.full((n,), UNSEEN, dtype=torch.uint8, device=device)
        self.conf = torch.full((n,), float("nan"), dtype=torch.float16, device=device)

    def put(self, start: int, out: torch.Tensor, hit: torch.Tensor) -> None:
        """Rows ``start``.. of the split: the batch's logits ``out`` and whether each was right."""
        end = start + len(hit)
        self.hits[start:end] = hit.to(torch.uint8)
        self.conf[start:end] = torch.softmax(out.float(), dim=1).amax(dim=1).to(torch.float16)


class ExampleRecorder:
    """The record of one trainer (see the module docstring). ``train_labels``/``test_labels``: the whole
    splits' labels; ``train_pos``/``test_pos``: where this process's examples sit in them (None: all)."""

    def __init__(self, train_labels: np.ndarray, test_labels: np.ndarray, device: torch.device,
                 train_pos: np.ndarray | None = None, test_pos: np.ndarray | None = None):
        self.train_labels = np.asarray(train_labels, dtype=np.int64)
        self.test_labels = np.asarray(test_labels, dtype=np.int64)
        self.train_pos, self.test_pos = train_pos, test_pos
        n_local = len(self.train_labels) if train_pos is None else len(train_pos)
        m_local = len(self.test_labels) if test_pos is None else len(test_pos)
        # Two writes a step, no cast: right/wrong as bools, and this epoch's losses, NaN where not visited
        # (so the losses also say which examples the epoch saw).
        self.hits = torch.zeros((n_local,), dtype=torch.bool, device=device)
        self.loss = torch.full((n_local,), float("nan"), dtype=torch.float32, device=device)
        self.sink = TestSink(m_local, device)
        self.epochs = 0
        n, m = len(self.train_labels), len(self.test_labels)
        self._train = np.empty((0, n), dtype=np.uint8)  # host rows; capacity grows by doubling
        self._test = np.empty((0, m), dtype=np.uint8)
        self._conf = np.empty((0, m), dtype=np.float16)
        self._last_loss = np.full(n, np.nan, dtype=np.float32)

    # -- the hot path (device only) ----------------------------------------------------------------
    def start_epoch(self) -> None:
        """A new epoch (or the same one again after running out of memory): nothing seen yet."""
        self.loss.fill_(float("nan"))
        self.sink.hits.fill_(UNSEEN)
        self.sink.conf.fill_(float("nan"))

    def record(self, idx: torch.Tensor, hit: torch.Tensor, losses: torch.Tensor) -> None:
        """A training step's examples ``idx``: right or wrong (``hit``, bool) and their losses."""
        self.hits.index_put_((idx,), hit)
        self.loss.index_put_((idx,), losses.float())

    def test_sink(self) -> TestSink:
        return self.sink

    # -- once per epoch ----------------------------------------------------------------------------
    def end_epoch(self) -> None:
        """Copy the epoch's rows to the host (one transfer each)."""
        losses = self.loss.cpu().numpy()
        hits = np.where(np.isnan(losses), np.uint8(UNSEEN), self.hits.cpu().numpy().astype(np.uint8))
        train = self._spread(hits, self.train_pos, len(self.train_labels), UNSEEN)
        test = self._spread(self.sink.hits.cpu().numpy(), self.test_pos, len(self.test_labels), UNSEEN)
        conf = self._spread(self.sink.conf.cpu().numpy(), self.test_pos, len(self.test_labels), np.nan)
        last = self._last_loss.copy()
        if self.train_pos is None:
            last = np.where(np.isnan(losses), last, losses).astype(np.float32)
        else:
            last[self.train_pos] = np.where(np.isnan(losses), last[self.train_pos], losses)
        self._append(train, test, conf, last)

    @staticmethod
    def _spread(local: np.ndarray, pos: np.ndarray | None, n: int, fill) -> np.ndarray:
        if pos is None:
            return local
        row = np.full(n, fill, dtype=local.dtype)
        row[pos] = local
        return row

    def _append(self, train: np.ndarray, test: np.ndarray, conf: np.ndarray, last: np.ndarray) -> None:
        e = self.epochs
        if e == len(self._train):  # grow: a new buffer, so the snapshots handed out keep the old one
            cap = max(4, 2 * e)
            self._train, self._test, self._conf = (np.concatenate([a[:e], np.empty((cap - e, a.shape[1]), a.dtype)])
                                                   for a in (self._train, self._test, self._conf))
        self._train[e], self._test[e], self._conf[e] = train, test, conf
        self._last_loss = last  # a new array each epoch: the old one stays with its snapshots
        self.epochs = e + 1

    def snapshot(self) -> ExampleRecord:
        """The record so far (views: cheap, and unchanged by the epochs that follow)."""
        e = self.epochs
        return ExampleRecord(self.train_labels, self.test_labels, self._train[:e], self._test[:e],
                             self._conf[:e], self._last_loss)

    # -- the run folder ----------------------------------------------------------------------------
    def save(self, run_dir: str | Path) -> None:
        from convscope.core.runs.examples import write_record

        write_record(run_dir, self.snapshot())

    def continue_from(self, run_dir: str | Path, epochs: int) -> None:
        """A resumed run: the record of its first ``epochs`` epochs from ``run_dir`` (epochs it lacks, or
        all of them when it is missing, damaged or of other data, are UNSEEN)."""
        from convscope.core.runs.examples import ExamplesDamaged, fit_epochs, read_record

        try:
            record = read_record(run_dir)
        except ExamplesDamaged as exc:
            log.warning("%s", exc)
            record = None
        if record is not None and not (np.array_equal(record.train_labels, self.train_labels)
                                       and np.array_equal(record.test_labels, self.test_labels)):
            log.warning("the example record in %s is of other data; a new one starts", run_dir)
            record = None
        n, m = len(self.train_labels), len(self.test_labels)
        if record is None:
            record = ExampleRecord(self.train_labels, self.test_labels, np.full((0, n), UNSEEN, np.uint8),
                                   np.full((0, m), UNSEEN, np.uint8), np.zeros((0, m), np.float16),
                                   np.full(n, np.nan, np.float32))
        record = fit_epochs(record, epochs)
        self.epochs = 0
        self._train, self._test = np.empty((0, n), np.uint8), np.empty((0, m), np.uint8)
        self._conf = np.empty((0, m), np.float16)
        for e in range(epochs):
            self._append(record.train_hits[e], record.test_hits[e], record.test_conf[e].astype(np.float16),
                         record.train_loss)
        self._last_loss = record.train_loss.astype(np.float32).copy()


def for_trainer(trainer, train_labels: np.ndarray, test_labels: np.ndarray) -> ExampleRecorder | None:
    """The recorder of a set-up trainer (rank 0 only), continued from its run folder when resuming."""
    group = trainer.group
    if group is not None and not group.primary:
        return None
    train_pos = test_pos = None
    if group is not None:
        w = group.world_size
        train_pos = np.arange(0, len(train_labels) // w * w, w)
        test_pos = np.arange(0, len(test_labels), w)
    recorder = ExampleRecorder(train_labels, test_labels, trainer.device, train_pos, test_pos)
    if trainer.epochs_done and trainer.run_dir:
        recorder.continue_from(trainer.run_dir, trainer.epochs_done)
    return recorder
