"""What a training run writes into its run directory as it goes: the start, each finished epoch, the end,
and what the files hold when a write fails (see docs/reliability.md, rows 13 and 21).

The trainer (``core.training.engine``) calls these with itself; they write through its
:class:`~convscope.core.runs.checkpoints.RunWriter` and leave its attributes to it.
"""
from __future__ import annotations

import logging

from convscope.core.runs import confusions
from convscope.core.runs.checkpoints import (
    TRAIN_STATE,
    CheckpointError,
    RunWriter,
    atomic_write_bytes,
    read_metrics,
    remove_resume_dir,
    write_error_reason,
)
from convscope.core.runs.resume import park_epoch_files, save_from_memory, train_state, unpark

log = logging.getLogger("convscope.engine")


def continue_in(trainer) -> None:
    """Resuming: drop the metrics of what came after the epoch resumed from, and say it runs again."""
    writer = trainer.writer
    if read_metrics(writer.dir) != trainer.history:
        writer.write_metrics(trainer.history)
    trainer.confusions = confusions.keep_until(confusions.read(writer.dir) or [], trainer.epochs_done)
    writer.write_status("running", epoch=trainer.epochs_done, batch_size=trainer.batch_size)


def write_confusions(run_dir, records: list[dict]) -> None:
    """The run's ``confusion.jsonl`` (``core.runs.confusions``), replaced atomically; ``OSError`` when it
    cannot be written."""
    from pathlib import Path

    atomic_write_bytes(Path(run_dir) / confusions.FILE, confusions.encode(records), fsync=False)


def save_epoch(trainer, record: dict, written: list[str]) -> None:
    """Save a finished epoch: the weights, the optimizer and the training state as one set (all or
    nothing), then its metrics line and the status. ``written`` names what got written, for
    :func:`write_failed_message` when a write fails (``OSError``)."""
    writer = trainer.writer
    writer.save_weights(trainer.model, trainer.optimizer,
                        {"epoch": record["epoch"], "arch": trainer.config.arch, "step": trainer.global_step},
                        extra=lambda token: [(TRAIN_STATE, train_state(trainer, token))])
    written.append("weights")
    writer.append_metrics(record)
    written.append("metrics")
    if trainer.confusions:
        write_confusions(writer.dir, trainer.confusions)
    if trainer.examples is not None:  # examples.bin, after the epoch's weights (core.runs.examples)
        trainer.examples.save(writer.dir)
    writer.write_status("running", epoch=record["epoch"], batch_size=trainer.batch_size)
    remove_resume_dir(writer.dir)  # an older stop's epoch, now superseded


def write_failed_message(trainer, exc: OSError, epoch: int = 0, before: int = 0,
                         written: list[str] | None = None) -> str:
    """What the files on disk hold after a write failed, file by file when a save was cut short."""
    saved = trainer.saved_epoch
    if saved != epoch or not epoch:
        kept = f"the files there still hold epoch {saved}" if saved else "no epoch was saved there"
    elif "metrics" in (written or []):
        kept = f"the files there hold epoch {epoch}"
    else:
        kept = (f"the weights there (model.safetensors) hold epoch {epoch}, the metrics (metrics.jsonl) "
                f"epoch {before or 'none'}")
    return (f"could not write the run directory {trainer.writer.dir}: {write_error_reason(exc)}. Training "
            f"stopped after epoch {trainer.epochs_done}; {kept}. The trained model is still in memory: "
            f"free some space or save it to another folder.")


def finish(trainer, status: str, message: str, epochs: int, test_acc: float | None) -> str:
    """The end of a run: its status; a stop also keeps the partial epoch's weights (when finite), after
    moving the last finished epoch's files to ``resume/``, where resuming starts from. What went wrong
    when the folder could not be written ("" when nothing did)."""
    try:
        _finish(trainer, status, message, epochs, test_acc)
    except OSError as exc:
        log.error("could not write run directory %s: %s", trainer.writer.dir, exc)
        return f"could not write the run directory {trainer.writer.dir}: {write_error_reason(exc)}"
    return ""


def _finish(trainer, status: str, message: str, epochs: int, test_acc: float | None) -> None:
    writer = trainer.writer
    if status == "stopped" and trainer.model is not None and trainer.weights_finite():
        # A stop keeps the training done so far; a diverged or failed run keeps the last good epoch.
        moved = park_epoch_files(writer.dir)
        try:
            writer.save_weights(trainer.model, trainer.optimizer,
                                {"epoch": trainer.epochs_done, "arch": trainer.config.arch,
                                 "step": trainer.global_step, "partial": True})
        except OSError:
            unpark(moved)
            raise
    writer.write_status(status, message, epoch=epochs, test_acc=test_acc, batch_size=trainer.batch_size)


def save_elsewhere(trainer, run_dir) -> RunWriter:
    """A complete run directory written from the trainer's memory (see ``Trainer.save_to``);
    :class:`CheckpointError` when there is nothing worth saving or the folder cannot be written."""
    if trainer.model is None or not trainer.history:
        raise CheckpointError("nothing to save yet: train at least one epoch first.")
    if not trainer.weights_finite():
        where = f" in {trainer.writer.dir}" if trainer.writer and trainer.saved_epoch else ""
        raise CheckpointError(f"the model in memory has NaN/infinite weights (the run diverged), so it "
                              f"is not worth saving; the last good epoch is kept{where}.")
    writer = save_from_memory(trainer, run_dir)
    try:
        write_confusions(writer.dir, trainer.confusions)
    except OSError as exc:  # the run itself is saved: only the timeline's matrices are missing
        log.warning("could not write the confusion matrices into %s: %s", writer.dir, exc)
    return writer
