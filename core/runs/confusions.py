"""The confusion matrix of every evaluated epoch, kept in the run folder for the window's timeline.

API::

    record(epoch, step, counts) -> dict          # one epoch's entry (``counts``: classes × classes ints)
    encode(records) -> bytes                     # the whole file, thinned to BUDGET_BYTES (written
                                                 # atomically by core.runs.run_files.write_confusions)
    read(run_dir) -> list[dict] | None           # the entries, oldest first; None: the run recorded none
    keep_until(records, epoch) -> list[dict]     # the entries of epochs 1..epoch (a run continued)

On disk: ``RUN_DIR/confusion.jsonl``, one JSON object per evaluated epoch::

    {"epoch": 3, "step": 1407, "classes": 10, "counts": [[int × classes] × classes]}

``counts[t][p]``: test images of true class ``t`` the network called ``p`` after epoch ``epoch`` (the
optimizer step ``step``), the same test pass that gives the epoch's test accuracy. Size budget: a matrix
is recorded for datasets of at most ``MAX_CLASSES`` classes (10 classes: about 300 bytes an epoch, 100
epochs 30 KB); the file is kept under ``BUDGET_BYTES`` by dropping every second entry between the first
and the last when it would grow past it. Read back as untrusted input: a regular file of at most
``FILE_LIMIT`` bytes, entries that are not well-formed are skipped (logged), never raised — opening a run
never fails because of this file. Older runs have no such file (``read`` gives None).
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from convscope.core.base.safe_read import MIB, FileRefused, loads_strict, read_bounded

log = logging.getLogger("convscope.runs")

FILE = "confusion.jsonl"
MAX_CLASSES = 100  # larger label sets record no matrix (100 classes: ~40 KB an epoch)
BUDGET_BYTES = 1 * MIB  # the file is thinned to stay under this
FILE_LIMIT = 4 * MIB  # what a reader accepts


def record(epoch: int, step: int, counts) -> dict:
    """One epoch's entry; ``counts`` is a (classes, classes) array or nested list of counts."""
    rows = [[int(v) for v in row] for row in counts]
    return {"epoch": int(epoch), "step": int(step), "classes": len(rows), "counts": rows}


def _lines(records: list[dict]) -> list[bytes]:
    return [(json.dumps(r, separators=(",", ":")) + "\n").encode() for r in records]


def thin(records: list[dict], budget: int = BUDGET_BYTES) -> list[dict]:
    """``records`` with every second entry between the first and the last dropped until their lines fit
    ``budget`` bytes (the first and the last epoch always stay)."""
    records = list(records)
    while len(records) > 2 and sum(map(len, _lines(records))) > budget:
        records = [records[0], *records[1:-1][1::2], records[-1]]
    return records


def encode(records: list[dict]) -> bytes:
    """The file's bytes for ``records``, thinned to the budget (``core.runs.run_files`` writes them)."""
    return b"".join(_lines(thin(records)))


def keep_until(records: list[dict], epoch: int) -> list[dict]:
    """The entries of the epochs up to ``epoch`` (what a run continued from that epoch keeps)."""
    return [r for r in records if r["epoch"] <= epoch]


def _valid(entry) -> dict | None:
    if not isinstance(entry, dict):
        return None
    epoch, step, n, counts = (entry.get(k) for k in ("epoch", "step", "classes", "counts"))
    ints = (epoch, step, n)
    if any(isinstance(v, bool) or not isinstance(v, int) for v in ints) or epoch < 1 or step < 0:
        return None
    if not 1 <= n <= MAX_CLASSES or not isinstance(counts, list) or len(counts) != n:
        return None
    for row in counts:
        if not isinstance(row, list) or len(row) != n or any(
                isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in row):
            return None
    return {"epoch": epoch, "step": step, "classes": n, "counts": counts}


def read(run_dir: str | os.PathLike) -> list[dict] | None:
    """The recorded entries, by epoch (one per epoch, the last written wins); None when the run folder
    has no ``confusion.jsonl`` (a run of an older version, or one that evaluated no epoch)."""
    path = Path(run_dir) / FILE
    try:
        text = read_bounded(path, FILE_LIMIT).decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except (FileRefused, OSError) as exc:
        log.warning("not reading %s: %s", path, exc)
        return None
    by_epoch: dict[int, dict] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = _valid(loads_strict(line))
        except (ValueError, RecursionError):
            entry = None
        if entry is None:
            log.warning("%s line %d is not a confusion matrix entry; skipped", path, number)
            continue
        by_epoch[entry["epoch"]] = entry
    return [by_epoch[e] for e in sorted(by_epoch)]


def nearest(records: list[dict], step: int) -> dict | None:
    """The entry evaluated nearest to optimizer step ``step`` (the earlier one on a tie), or None."""
    if not records:
        return None
    return min(records, key=lambda r: (abs(r["step"] - step), r["step"]))
