"""Replay: the probe snapshots a run recorded while it trained, written into and read back from its folder.

API (what the window's timeline uses)::

    read_snapshots(run_dir) -> list[core.base.payloads.Snapshot]

returns the recorded snapshots in training order (oldest first, one per optimizer step), each the same
:class:`~core.base.payloads.Snapshot` the live probe delivers: ``features`` (:class:`FeaturePayload`),
``one_by_one`` (:class:`OneByOnePayload`) and ``gap`` (:class:`GapPayload`) payloads keyed by module
name, the probe ``image``, ``logits`` and ``probs``. Its labels: ``step`` (the global optimizer step
after which it was taken), ``epoch`` (the epoch in progress, 1-based) and ``seq`` (1, 2, … in the
returned order). A run without snapshots (older runs, runs trained without a run folder) gives ``[]``;
damaged or foreign files in the folder are skipped (logged), never raised: opening a run does not fail
because its replay is damaged. ``has_snapshots(run_dir)`` tells cheaply whether there is anything.

On disk: ``RUN_DIR/snapshots/<step:09d>-<tag>.st.gz``, one gzip-compressed safetensors file per
snapshot (uint8 mosaics, float16 maps, float32 scores; plain values in its JSON metadata), written
atomically. Read back as untrusted input: a regular file of at most ``FILE_LIMIT`` bytes, inflated no
further than its own safetensors header declares (at most ``INFLATED_LIMIT``), at most ``MAX_FILES``
files; no pickle. Which steps are recorded, and how the set stays within ~200 snapshots and a few MiB,
is :mod:`core.runs.recorder`'s job.
"""
from __future__ import annotations

import gzip
import json
import logging
import os
import re
import stat
from pathlib import Path

import numpy as np

from convscope.core.base.payloads import FeaturePayload, GapPayload, OneByOnePayload, Snapshot
from convscope.core.base.safe_read import MIB, FileRefused, inflate_bounded, loads_strict, read_bounded
from convscope.core.base.safe_write import entry_mode

log = logging.getLogger("convscope.replay")

FOLDER = "snapshots"
SUFFIX = ".st.gz"
FILE_LIMIT = 4 * MIB  # one compressed snapshot file
INFLATED_LIMIT = 16 * MIB  # the same, decompressed
HEADER_LIMIT = 1 * MIB  # its safetensors header
MAX_FILES = 1000  # snapshot files read from one run folder
NAME = re.compile(r"^(\d{9})-([a-z])(\d{1,9})" + re.escape(SUFFIX) + r"$")
FORMAT = "convscope-snapshot-1"
STATE = "state.json"  # the recorder's thinning level
MAX_FIELDS = 64  # receptive-field radii (layers) in one snapshot


def snapshot_dir(run_dir: str | os.PathLike) -> Path:
    return Path(run_dir).expanduser() / FOLDER


def file_name(step: int, tag: str, rank: int) -> str:
    """``000000123-g7.st.gz``: the step, a one-letter tag and a rank (see :mod:`core.runs.recorder`)."""
    return f"{int(step):09d}-{tag}{int(rank)}{SUFFIX}"


def parse_name(name: str) -> tuple[int, str, int] | None:
    """(step, tag, rank) of a snapshot file name, or None for any other file."""
    m = NAME.match(name)
    return (int(m.group(1)), m.group(2), int(m.group(3))) if m else None


# ------------------------------------------------------------------------------------------- writing
def _f16(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float16)


def _f32(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)


def encode(snap: Snapshot) -> bytes:
    """A snapshot as gzip-compressed safetensors bytes (the payloads' arrays as tensors, the rest as JSON)."""
    from safetensors.numpy import save

    tensors = {"image": np.ascontiguousarray(snap.image, dtype=np.uint8),
               "logits": _f32(snap.logits), "probs": _f32(snap.probs)}
    features, ones, gaps = [], [], []
    for i, p in enumerate(snap.features.values()):
        tensors.update({f"f{i}.mosaic": np.ascontiguousarray(p.mosaic, dtype=np.uint8),
                        f"f{i}.channels": np.ascontiguousarray(p.channels, dtype=np.int64),
                        f"f{i}.ch_min": _f32(p.ch_min), f"f{i}.ch_max": _f32(p.ch_max),
                        f"f{i}.ch_mean": _f32(p.ch_mean)})
        features.append({"module": p.module, "grid": list(p.grid), "tile": list(p.tile),
                         "shape": list(p.shape), "selection": p.selection})
    for i, p in enumerate(snap.one_by_one.values()):
        tensors.update({f"o{i}.inputs": _f16(p.inputs), f"o{i}.outputs": _f16(p.outputs),
                        f"o{i}.weight": _f16(p.weight), f"o{i}.bias": _f32(p.bias)})
        ones.append({"module": p.module, "in_channels": p.in_channels, "out_channels": p.out_channels,
                     "size": list(p.size), "pool": p.pool, "stride": p.stride})
    for i, p in enumerate(snap.gap.values()):
        tensors.update({f"g{i}.class_maps": _f16(p.class_maps), f"g{i}.scores": _f32(p.scores),
                        f"g{i}.pooled": _f32(p.pooled)})
        gaps.append({"module": p.module, "from_fc": p.from_fc, "channels": p.channels, "size": list(p.size)})
    meta = {"format": FORMAT, "step": snap.step, "epoch": snap.epoch, "wall_time": snap.wall_time,
            "label": snap.label, "source": snap.source, "class_names": list(snap.class_names),
            "seconds": snap.seconds, "features": features, "one_by_one": ones, "gap": gaps,
            "fields": {name: [float(v) for v in radii] for name, radii in snap.fields.items()}}
    raw = save(tensors, metadata={"snapshot": json.dumps(meta)})
    return gzip.compress(raw, compresslevel=6, mtime=0)


# ------------------------------------------------------------------------------------------- reading
class SnapshotError(ValueError):
    """A snapshot file that is not one ConvScope wrote (the text says why)."""


def _safetensors_header(head: bytes):
    """For :func:`inflate_bounded`: the bytes a safetensors header still needs, then the file's total."""
    if len(head) < 8:
        return 8 - len(head)
    n = int.from_bytes(head[:8], "little")
    if n > HEADER_LIMIT:
        return None
    if len(head) < 8 + n:
        return 8 + n - len(head)
    try:
        header = loads_strict(head[8:8 + n].decode("utf-8"))
        end = max((int(v["data_offsets"][1]) for k, v in header.items() if k != "__metadata__"), default=0)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
        return None
    total = 8 + n + end
    return ("total", total) if total <= INFLATED_LIMIT else None


def _inflate(raw: bytes) -> bytes:
    import zlib

    try:
        data = inflate_bounded(raw, _safetensors_header, drain_limit=INFLATED_LIMIT)
    except (zlib.error, EOFError) as exc:
        raise SnapshotError(f"it is not a complete gzip stream ({exc})") from None
    if len(data) < 8 or _safetensors_header(data[:8 + int.from_bytes(data[:8], "little")]) != (
            "total", len(data)):
        raise SnapshotError("its size does not match its header (or the header is too large)")
    return data


def _array(tensors: dict, name: str, dtype, ndim: int) -> np.ndarray:
    a = tensors.get(name)
    if a is None or a.ndim != ndim:
        raise SnapshotError(f"tensor {name!r} is missing or has the wrong number of dimensions")
    return np.ascontiguousarray(a, dtype=dtype)


def _pair(value) -> tuple[int, int]:
    a, b = (int(v) for v in value)
    return a, b


def decode(data: bytes) -> Snapshot:
    """The inverse of :func:`encode` for the decompressed bytes; :class:`SnapshotError` when malformed."""
    from safetensors import SafetensorError
    from safetensors.numpy import load

    try:
        tensors = load(data)
        n = int.from_bytes(data[:8], "little")
        meta = loads_strict(data[8:8 + n].decode("utf-8")).get("__metadata__") or {}
        info = loads_strict(meta["snapshot"])
    except (SafetensorError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise SnapshotError(f"it is not a snapshot ({type(exc).__name__}: {exc})") from None
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        raise SnapshotError("it is not a snapshot of this format")
    try:
        features = {}
        for i, m in enumerate(info["features"]):
            features[str(m["module"])] = FeaturePayload(
                module=str(m["module"]), mosaic=_array(tensors, f"f{i}.mosaic", np.uint8, 2),
                channels=_array(tensors, f"f{i}.channels", np.int64, 1),
                ch_min=_array(tensors, f"f{i}.ch_min", np.float32, 1),
                ch_max=_array(tensors, f"f{i}.ch_max", np.float32, 1),
                ch_mean=_array(tensors, f"f{i}.ch_mean", np.float32, 1), grid=_pair(m["grid"]),
                tile=_pair(m["tile"]), shape=tuple(int(v) for v in m["shape"]), selection=str(m["selection"]))
        ones = {}
        for i, m in enumerate(info["one_by_one"]):
            ones[str(m["module"])] = OneByOnePayload(
                module=str(m["module"]), inputs=_array(tensors, f"o{i}.inputs", np.float32, 3),
                outputs=_array(tensors, f"o{i}.outputs", np.float32, 3),
                weight=_array(tensors, f"o{i}.weight", np.float32, 2),
                bias=_array(tensors, f"o{i}.bias", np.float32, 1), in_channels=int(m["in_channels"]),
                out_channels=int(m["out_channels"]), size=_pair(m["size"]), pool=int(m["pool"]),
                stride=int(m["stride"]))
        gaps = {}
        for i, m in enumerate(info["gap"]):
            gaps[str(m["module"])] = GapPayload(
                module=str(m["module"]), class_maps=_array(tensors, f"g{i}.class_maps", np.float32, 3),
                scores=_array(tensors, f"g{i}.scores", np.float32, 1),
                pooled=_array(tensors, f"g{i}.pooled", np.float32, 1), from_fc=bool(m["from_fc"]),
                channels=int(m["channels"]), size=_pair(m["size"]))
        image = tensors.get("image")
        if image is None or image.dtype != np.uint8 or image.ndim not in (2, 3):
            raise SnapshotError("its probe image is missing or not a uint8 picture")
        label = info.get("label")
        return Snapshot(seq=0, step=int(info["step"]), epoch=int(info["epoch"]),
                        wall_time=float(info["wall_time"]), image=np.ascontiguousarray(image),
                        label=None if label is None else int(label), source=str(info["source"]),
                        logits=_array(tensors, "logits", np.float32, 1),
                        probs=_array(tensors, "probs", np.float32, 1),
                        class_names=tuple(str(c) for c in info.get("class_names", ())), features=features,
                        one_by_one=ones, gap=gaps, seconds=float(info.get("seconds", 0.0)),
                        fields=_fields(info.get("fields", {})))
    except SnapshotError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SnapshotError(f"its description is malformed ({type(exc).__name__}: {exc})") from None


def _fields(value) -> dict[str, tuple[float, float]]:
    """The recorded receptive-field radii (older snapshots have none): layer → (r50, r90), finite and ≥ 0."""
    if not isinstance(value, dict) or len(value) > MAX_FIELDS:
        raise SnapshotError("its receptive-field radii are malformed")
    out = {}
    for name, pair in value.items():
        if not isinstance(pair, list):
            raise SnapshotError(f"its receptive-field radii of {name} are not a pair of numbers")
        r50, r90 = (float(v) for v in pair)  # a wrong length or type: ValueError/TypeError, malformed
        if not (0 <= r50 < 1e6 and 0 <= r90 < 1e6):
            raise SnapshotError(f"its receptive-field radii of {name} are not distances")
        out[str(name)] = (r50, r90)
    return out


def read_snapshot(path: str | os.PathLike) -> Snapshot:
    """One snapshot file; :class:`SnapshotError` (or ``OSError``) when it cannot be read."""
    try:
        raw = read_bounded(path, FILE_LIMIT)
    except FileRefused as exc:
        raise SnapshotError(f"it {exc}") from None
    return decode(_inflate(raw))


def snapshot_files(run_dir: str | os.PathLike) -> list[tuple[int, str, int, Path]]:
    """The snapshot files of a run folder as (step, tag, rank, path), by step (at most MAX_FILES)."""
    folder = snapshot_dir(run_dir)
    try:
        names = [e.name for e in os.scandir(folder) if e.is_file(follow_symlinks=False)]
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        log.warning("cannot list %s: %s", folder, exc)
        return []
    found = []
    for name in names:
        parsed = parse_name(name)
        if parsed:
            found.append((*parsed, folder / name))
    found.sort(key=lambda f: (f[0], f[1] != "e", f[1], f[2]))
    if len(found) > MAX_FILES:
        log.warning("%s holds %d snapshots; reading the first %d", folder, len(found), MAX_FILES)
        found = found[:MAX_FILES]
    return found


def remove_snapshots(run_dir: str | os.PathLike) -> None:
    """Delete a run folder's snapshots and the recorder's state (a new run starts in the folder); nothing
    when ``snapshots`` is not a folder of its own (a link to another folder is never deleted through)."""
    if not stat.S_ISDIR(entry_mode(snapshot_dir(run_dir)) or 0):
        return
    for _step, _tag, _rank, path in snapshot_files(run_dir):
        path.unlink(missing_ok=True)
    (snapshot_dir(run_dir) / STATE).unlink(missing_ok=True)


def has_snapshots(run_dir: str | os.PathLike) -> bool:
    return bool(snapshot_files(run_dir))


def read_snapshots(run_dir: str | os.PathLike) -> list[Snapshot]:
    """The run's recorded snapshots, oldest first, one per step, numbered ``seq`` = 1, 2, … (see the
    module's docstring). ``[]`` when it has none; damaged files are skipped."""
    snaps: list[Snapshot] = []
    seen: set[int] = set()
    for step, _tag, _rank, path in snapshot_files(run_dir):
        if step in seen:  # an epoch's end and a scheduled step at the same step: the same weights
            continue
        try:
            snap = read_snapshot(path)
        except (SnapshotError, OSError) as exc:
            log.warning("skipping snapshot %s: %s", path, exc)
            continue
        seen.add(step)
        snap.seq = len(snaps) + 1
        snaps.append(snap)
    return snaps
