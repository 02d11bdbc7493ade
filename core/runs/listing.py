"""The runs folder at a glance: one summary row per run directory, and renaming or deleting one.

Cheap and torch-free, so the window lists its runs before torch has loaded: a row is read from a run's
``config.json``, ``metrics.jsonl`` and ``status.json`` (and the header of ``model.safetensors`` for the
parameter count), each read within the bounds of :mod:`core.base.safe_read`. Runs made by the window and by
``main.py train --out`` look the same here. A folder whose files are damaged still gets a row, with the
problem in ``problem``, so the user sees it and can delete it.
"""
from __future__ import annotations

import math
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from convscope.core.base.safe_read import (
    JSON_LIMIT,
    METRICS_LIMIT,
    SAFETENSORS_HEADER_LIMIT,
    FileRefused,
    loads_strict,
    metrics_lines,
    open_regular,
    read_bounded,
    read_exactly,
)
from convscope.core.base.safe_write import UnsafeEntry
from convscope.core.runs.runlock import RunLock, RunLocked, is_locked

CONFIG = "config.json"
METRICS = "metrics.jsonl"
STATUS = "status.json"
WEIGHTS = "model.safetensors"
# Buffers a state dict holds beside the learned parameters (BatchNorm statistics).
_BUFFER_SUFFIXES = ("running_mean", "running_var", "num_batches_tracked")
_BAD_NAME = re.compile(r"[\\/\x00-\x1f]")


class RunsError(ValueError):
    """A run folder that cannot be renamed or deleted; the message says why and what to do."""


@dataclass
class RunSummary:
    """One row of the runs browser."""

    path: Path
    name: str
    arch: str = ""
    dataset: str = ""
    epochs_done: int = 0
    epochs_planned: int | None = None
    best_test_acc: float | None = None  # 0..1
    params: int | None = None
    date: float = 0.0  # when the run started (config.json written), seconds since the epoch
    status: str = "unknown"
    problem: str = ""  # why a file of it could not be read ("" when all is well)
    metrics: list[dict] = field(default_factory=list, repr=False)

    @property
    def date_text(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(self.date)) if self.date else ""

    @property
    def epochs_text(self) -> str:
        if self.epochs_planned and self.epochs_planned != self.epochs_done:
            return f"{self.epochs_done} / {self.epochs_planned}"
        return str(self.epochs_done)


def is_run_dir(path: str | os.PathLike) -> bool:
    """A folder that holds a run's ``config.json``."""
    p = Path(path)
    return p.is_dir() and (p / CONFIG).is_file()


def _json_object(path: Path) -> dict:
    value = loads_strict(read_bounded(path, JSON_LIMIT).decode("utf-8"))
    if not isinstance(value, dict):
        raise ValueError(f"{path.name} holds no JSON object")
    return value


def read_metrics_lines(run_dir: str | os.PathLike) -> list[dict]:
    """The records of ``metrics.jsonl`` (``[]`` when absent); lines that are not JSON objects are skipped
    (a line cut short by a crash). Raises ``ValueError``/``OSError`` on a file that cannot be read (also
    :class:`FileRefused` for one of more lines than a run writes)."""
    try:
        text = read_bounded(Path(run_dir) / METRICS, METRICS_LIMIT).decode("utf-8")
    except FileNotFoundError:
        return []
    return [rec for _number, rec in metrics_lines(text)[0] if rec is not None]


def curve(records: list[dict], key: str) -> tuple[list[float], list[float]]:
    """(epochs, values) of ``key`` over metrics records, finite numbers only, one point per epoch (the
    last record of an epoch wins, so a resumed run that repeated one is drawn once)."""
    by_epoch: dict[float, float] = {}
    for i, rec in enumerate(records, 1):
        epoch, value = rec.get("epoch", i), rec.get(key)
        if isinstance(epoch, (int, float)) and isinstance(value, (int, float)) and not isinstance(value, bool) \
                and math.isfinite(epoch) and math.isfinite(value):
            by_epoch[float(epoch)] = float(value)
    xs = sorted(by_epoch)
    return xs, [by_epoch[x] for x in xs]


def count_parameters(weights: str | os.PathLike) -> int:
    """Learned values in a safetensors file, from its header (BatchNorm statistics not counted)."""
    fd, size = open_regular(weights)
    try:
        prefix = read_exactly(fd, 8)
        n = int.from_bytes(prefix, "little") if len(prefix) == 8 else -1
        if n < 0 or n > min(SAFETENSORS_HEADER_LIMIT, size - 8):
            raise ValueError("not a safetensors file")
        header = loads_strict(read_exactly(fd, n).decode("utf-8"))
    finally:
        os.close(fd)
    if not isinstance(header, dict):
        raise ValueError("not a safetensors file")
    total = 0
    for name, entry in header.items():
        if name == "__metadata__" or name.endswith(_BUFFER_SUFFIXES):
            continue
        shape = entry.get("shape") if isinstance(entry, dict) else None
        if not isinstance(shape, list):
            raise ValueError("not a safetensors file")
        total += math.prod(int(d) for d in shape)
    return total


def summarize(run_dir: str | os.PathLike) -> RunSummary:
    """The summary row of one run folder (never raises on damaged files: see ``problem``)."""
    path = Path(run_dir)
    row = RunSummary(path=path, name=path.name)
    problems = []
    try:
        config = _json_object(path / CONFIG)
        row.arch = str(config.get("arch", ""))
        row.dataset = str(config.get("dataset", ""))
        planned = config.get("epochs")
        row.epochs_planned = planned if isinstance(planned, int) and not isinstance(planned, bool) else None
        row.date = os.stat(path / CONFIG).st_mtime
    except (OSError, ValueError, RecursionError, FileRefused) as exc:
        problems.append(f"{CONFIG}: {exc}")
    try:
        row.metrics = read_metrics_lines(path)
    except (OSError, ValueError, FileRefused) as exc:
        problems.append(f"{METRICS}: {exc}")
    epochs, accs = curve(row.metrics, "test_acc")
    row.epochs_done = int(max(epochs)) if epochs else 0
    row.best_test_acc = max(accs) if accs else None
    try:
        status = _json_object(path / STATUS)
        row.status = str(status.get("status", "unknown"))
        if row.status == "running" and not is_locked(path):  # its writer is gone: killed or crashed
            row.status = "interrupted"
    except FileNotFoundError:
        pass
    except (OSError, ValueError, RecursionError, FileRefused) as exc:
        problems.append(f"{STATUS}: {exc}")
    try:
        row.params = count_parameters(path / WEIGHTS)
    except FileNotFoundError:
        pass
    except (OSError, ValueError, RecursionError, FileRefused, AttributeError, TypeError) as exc:
        problems.append(f"{WEIGHTS}: {exc}")
    row.problem = "; ".join(problems)
    return row


def list_runs(root: str | os.PathLike) -> list[RunSummary]:
    """One row per run folder directly inside ``root`` (a folder with a ``config.json``), newest first;
    ``[]`` when ``root`` does not exist, ``RunsError`` when it cannot be read."""
    root = Path(root)
    try:
        entries = list(os.scandir(root))
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        raise RunsError(f"the runs folder {root} cannot be read: {exc.strerror or exc}.") from None
    rows = [summarize(e.path) for e in entries
            if not e.name.startswith(".") and e.is_dir(follow_symlinks=False) and is_run_dir(e.path)]
    rows.sort(key=lambda r: (r.date, r.name), reverse=True)
    return rows


def check_name(name: str) -> str:
    """A new folder name, stripped; ``RunsError`` when it cannot name a folder."""
    name = name.strip()
    if not name or name in (".", "..") or name.startswith(".") or _BAD_NAME.search(name):
        raise RunsError(f"'{name}' cannot name a run folder: use letters, digits, '-' or '_', without "
                        f"'/' and not starting with '.'.")
    return name


def rename_run(run_dir: str | os.PathLike, new_name: str) -> Path:
    """Rename a run folder within its parent; returns the new path."""
    old = Path(run_dir)
    if not is_run_dir(old):
        raise RunsError(f"{old} is not a run folder (it has no {CONFIG}).")
    new = old.with_name(check_name(new_name))
    if new == old:
        return old
    if new.exists():
        raise RunsError(f"a folder named '{new.name}' already exists in {old.parent}; choose another name.")
    try:
        _not_being_trained(old)
        os.rename(old, new)
    except OSError as exc:
        raise RunsError(f"could not rename {old.name}: {exc.strerror or exc}.") from None
    return new


def _not_being_trained(run_dir: Path) -> None:
    """``RunsError`` while a training holds the folder's writer lock. (The lock is taken and released
    at once: Windows renames or deletes no folder with an open file in it.)"""
    try:
        RunLock(run_dir).acquire().release()
    except UnsafeEntry:  # its .lock is a link or special file: no training writes such a folder
        pass
    except RunLocked:
        raise RunsError(f"{run_dir.name} is being trained right now (another training holds its lock); "
                        f"stop that training first.") from None


def delete_run(run_dir: str | os.PathLike, root: str | os.PathLike | None = None) -> None:
    """Delete a run folder and everything in it. Only a run folder (one with a ``config.json``), and
    with ``root`` only one directly inside it, so a wrong path never deletes anything else."""
    path = Path(run_dir)
    if path.is_symlink() or not is_run_dir(path):
        raise RunsError(f"{path} is not a run folder (it has no {CONFIG}); nothing was deleted.")
    if root is not None and path.resolve().parent != Path(root).resolve():
        raise RunsError(f"{path} is not in the runs folder {root}; nothing was deleted.")
    try:
        _not_being_trained(path)
        shutil.rmtree(path)
    except OSError as exc:
        raise RunsError(f"could not delete all of {path.name}: {exc.strerror or exc}.") from None


# Settings that do not make another experiment: where and how fast it ran, and how far it was trained.
NOT_THE_EXPERIMENT = ("epochs", "device", "data_root", "amp", "channels_last", "compile")
# Settings whose None means the network's own value, written out by the window's settings.
NONE_MEANS = {"width": 1.0}


def same_experiment(config: dict, wanted: dict, ignore=NOT_THE_EXPERIMENT) -> bool:
    """Whether a run's ``config.json`` holds the settings of ``wanted`` (a ``TrainConfig.to_dict()``),
    those in ``ignore`` aside; numbers compare within rounding."""
    for key, value in wanted.items():
        if key in ignore:
            continue
        have = config.get(key)
        if key in NONE_MEANS:
            have, value = NONE_MEANS[key] if have is None else have, NONE_MEANS[key] if value is None else value
        if isinstance(value, float) and isinstance(have, (int, float)) and not isinstance(have, bool):
            if not math.isclose(value, have, rel_tol=1e-9, abs_tol=1e-12):
                return False
        elif have != value:
            return False
    return True


def latest_like(root: str | os.PathLike, wanted: dict, exclude=()) -> RunSummary | None:
    """The newest run folder in ``root`` with at least one finished epoch whose settings are those of
    ``wanted`` (see :func:`same_experiment`), folders in ``exclude`` aside; None when there is none. Reads
    each run's ``config.json`` only, then the summary of the one found."""
    skip = {Path(p).resolve() for p in exclude if p}
    try:
        entries = [e for e in os.scandir(root) if not e.name.startswith(".") and e.is_dir(follow_symlinks=False)]
    except OSError:
        return None
    found = []
    for entry in entries:
        path = Path(entry.path)
        try:
            if path.resolve() in skip or not same_experiment(_json_object(path / CONFIG), wanted):
                continue
            found.append((os.stat(path / CONFIG).st_mtime, path.name, path))
        except (OSError, ValueError, RecursionError, FileRefused):
            continue
    for _date, _name, path in sorted(found, reverse=True):
        row = summarize(path)
        if row.epochs_done >= 1:
            return row
    return None
