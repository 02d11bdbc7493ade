"""``examples.bin``: the per-example record of a run (:class:`~convscope.core.insight.examples.ExampleRecord`)
in its run folder.

Layout: the line ``CONVSCOPE-EXAMPLES`` and a newline, the length of a JSON header (8 bytes, little-endian),
the header (``{"version", "epochs", "n_train", "n_test", "arrays": {name: {"dtype", "shape", "offset"}}}``),
then each array's raw little-endian bytes at its offset after the header. No pickle. Right/wrong is kept as
bits (``numpy.packbits`` along the examples, one row per epoch): a training example takes two bits an epoch
(right; seen), a test example two bits and a float16 confidence. A 60,000-example, 100-epoch run with a
10,000-image test split takes about 4 MB (:func:`record_size`).

The trainer rewrites the file atomically after each saved epoch (``core.runs.run_files``), after the
weights, so the file may be one epoch ahead of or behind the weights after a crash; a resumed run keeps
the epochs its weights have (:func:`fit_epochs`). A damaged file raises :class:`ExamplesDamaged` with one
sentence; the run itself still opens.
"""
from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import numpy as np

from convscope.core.base.safe_read import FileRefused, loads_strict, read_bounded
from convscope.core.insight.examples import RIGHT, UNSEEN, ExampleRecord
from convscope.core.runs.checkpoints import EXAMPLES, CheckpointError, atomic_write_bytes

MAGIC = b"CONVSCOPE-EXAMPLES\n"
VERSION = 1
LIMIT = 1024 * 1024 * 1024  # a million examples for 1,000 epochs stays below this
HEADER_LIMIT = 64 * 1024
_DTYPES = {"uint8": np.uint8, "uint16": np.uint16, "int64": np.int64, "float16": np.float16,
           "float32": np.float32}


class ExamplesDamaged(CheckpointError):
    """``examples.bin`` cannot be read; the message says so in one sentence."""


# ------------------------------------------------------------------------------------------ writing
def _label_array(labels: np.ndarray) -> np.ndarray:
    labels = np.asarray(labels)
    small = labels.size == 0 or (labels.min() >= 0 and labels.max() < 2**16)
    return labels.astype("<u2" if small else "<i8")


def _planes(hits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.packbits(hits == RIGHT, axis=1), np.packbits(hits != UNSEEN, axis=1)


def encode(record: ExampleRecord) -> bytes:
    """The bytes of ``examples.bin`` for ``record``."""
    train_right, train_seen = _planes(record.train_hits)
    test_right, test_seen = _planes(record.test_hits)
    arrays = {"train_labels": _label_array(record.train_labels), "test_labels": _label_array(record.test_labels),
              "train_right": train_right, "train_seen": train_seen, "test_right": test_right,
              "test_seen": test_seen, "test_conf": record.test_conf.astype("<f2"),
              "train_loss": record.train_loss.astype("<f4")}
    meta, parts, offset = {}, [], 0
    for name, a in arrays.items():
        a = np.ascontiguousarray(a)
        meta[name] = {"dtype": a.dtype.name, "shape": list(a.shape), "offset": offset}
        parts.append(a.tobytes())
        offset += a.nbytes
    header = json.dumps({"version": VERSION, "epochs": record.epochs, "n_train": record.n_train,
                         "n_test": record.n_test, "arrays": meta}).encode()
    return MAGIC + struct.pack("<Q", len(header)) + header + b"".join(parts)


def write_record(run_dir: str | os.PathLike, record: ExampleRecord) -> None:
    """Replace the run folder's ``examples.bin`` atomically (``OSError`` when the folder cannot be written)."""
    atomic_write_bytes(Path(run_dir) / EXAMPLES, encode(record))


def record_size(n_train: int, n_test: int, epochs: int) -> int:
    """The bytes of ``examples.bin`` for a run of this size (labels below 65,536), without making one."""
    empty = ExampleRecord(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((epochs, 0), np.uint8),
                          np.zeros((epochs, 0), np.uint8), np.zeros((epochs, 0), np.float16),
                          np.zeros(0, np.float32))
    header = len(encode(empty)) + 200  # the header's figures grow a little with the sizes
    bits = 2 * epochs * ((n_train + 7) // 8) + 2 * epochs * ((n_test + 7) // 8)
    return header + bits + 2 * epochs * n_test + 4 * n_train + 2 * (n_train + n_test)


# ------------------------------------------------------------------------------------------ reading
def _damaged(path: Path, why: str) -> ExamplesDamaged:
    return ExamplesDamaged(f"the example record {path.name} in {path.parent} is damaged ({why}); the run's "
                           f"other files are not affected. Resuming the run starts a new record.")


def decode(data: bytes, path: Path) -> ExampleRecord:
    """The record in ``data`` (the bytes of ``path``); :class:`ExamplesDamaged` when they are not one."""
    if not data.startswith(MAGIC):
        raise _damaged(path, "it does not start as an example record")
    start = len(MAGIC) + 8
    if len(data) < start:
        raise _damaged(path, "it is cut short")
    (size,) = struct.unpack("<Q", data[len(MAGIC):start])
    if size > HEADER_LIMIT or start + size > len(data):
        raise _damaged(path, "its header is cut short or too large")
    try:
        head = loads_strict(data[start:start + size])
        if not isinstance(head, dict) or head.get("version") != VERSION:
            raise ValueError("an unknown version")
        epochs, n_train, n_test = (int(head[k]) for k in ("epochs", "n_train", "n_test"))
        if min(epochs, n_train, n_test) < 0:
            raise ValueError("negative sizes")
        body = memoryview(data)[start + size:]
        arrays = {name: _array(body, head["arrays"][name]) for name in
                  ("train_labels", "test_labels", "train_right", "train_seen", "test_right", "test_seen",
                   "test_conf", "train_loss")}
        train_hits = _hits(arrays["train_right"], arrays["train_seen"], epochs, n_train)
        test_hits = _hits(arrays["test_right"], arrays["test_seen"], epochs, n_test)
        _check_shape(arrays["train_labels"], (n_train,), "train_labels")
        _check_shape(arrays["test_labels"], (n_test,), "test_labels")
        _check_shape(arrays["test_conf"], (epochs, n_test), "test_conf")
        _check_shape(arrays["train_loss"], (n_train,), "train_loss")
    except (KeyError, ValueError, TypeError, RecursionError) as exc:
        raise _damaged(path, str(exc) or type(exc).__name__) from None
    return ExampleRecord(arrays["train_labels"].astype(np.int64), arrays["test_labels"].astype(np.int64),
                         train_hits, test_hits, arrays["test_conf"].astype(np.float32),
                         arrays["train_loss"].astype(np.float32))


def _array(body: memoryview, meta) -> np.ndarray:
    dtype = np.dtype(_DTYPES[meta["dtype"]]).newbyteorder("<")
    shape = tuple(int(s) for s in meta["shape"])
    offset = int(meta["offset"])
    if any(s < 0 for s in shape) or offset < 0:
        raise ValueError("negative sizes")
    count = int(np.prod(shape, dtype=np.int64))
    end = offset + count * dtype.itemsize
    if end > len(body):
        raise ValueError("it is cut short")
    return np.frombuffer(body[offset:end], dtype=dtype).reshape(shape)


def _check_shape(a: np.ndarray, shape: tuple, name: str) -> None:
    if a.shape != shape:
        raise ValueError(f"{name} has shape {a.shape}, not {shape}")


def _hits(right: np.ndarray, seen: np.ndarray, epochs: int, n: int) -> np.ndarray:
    width = (n + 7) // 8
    for name, a in (("right", right), ("seen", seen)):
        _check_shape(a, (epochs, width), name)
    r = np.unpackbits(right, axis=1, count=n).astype(bool)
    s = np.unpackbits(seen, axis=1, count=n).astype(bool)
    hits = np.where(s, r.astype(np.uint8), np.uint8(UNSEEN)).astype(np.uint8)
    return hits.reshape(epochs, n)


def read_record(run_dir: str | os.PathLike) -> ExampleRecord | None:
    """The run folder's record; None when it has none (trained before records were kept, or with none);
    :class:`ExamplesDamaged` (one sentence) when the file cannot be read as one."""
    path = Path(run_dir).expanduser() / EXAMPLES
    try:
        data = read_bounded(path, LIMIT)
    except FileNotFoundError:
        return None
    except FileRefused as exc:
        raise _damaged(path, str(exc)) from None
    except OSError as exc:
        raise ExamplesDamaged(f"cannot read the example record {path}: {exc.strerror or exc}.") from None
    return decode(data, path)


def fit_epochs(record: ExampleRecord, epochs: int) -> ExampleRecord:
    """``record`` cut or padded (with unseen epochs) to ``epochs`` epochs: what a resumed run keeps."""
    have = record.epochs
    if have == epochs:
        return record

    def fit(a: np.ndarray, fill) -> np.ndarray:
        if have > epochs:
            return a[:epochs]
        pad = np.full((epochs - have, *a.shape[1:]), fill, dtype=a.dtype)
        return np.concatenate([a, pad])

    return ExampleRecord(record.train_labels, record.test_labels, fit(record.train_hits, UNSEEN),
                         fit(record.test_hits, UNSEEN), fit(record.test_conf, np.nan), record.train_loss)
