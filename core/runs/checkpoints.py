"""Run directories: what a training run leaves on disk, written atomically and read as untrusted input.

Layout of a run directory::

    config.json          the TrainConfig, as JSON
    metrics.jsonl        one JSON object per finished epoch, appended and flushed as it happens
    model.safetensors    the weights of the last good epoch (never overwritten by a diverged run)
    optimizer.safetensors + optimizer.json   optimizer state: tensors in safetensors, the rest in JSON
    status.json          {"status": "running|completed|stopped|diverged|failed", "message", "epoch", …}
    run.json             {"format_version": 2}: the layout of this folder (absent: version 1, also read)
    train_state.safetensors  what resuming needs besides the weights (see core.runs.resume)
    resume/              the last finished epoch's files, kept there when a stop saved partial weights
    snapshots/           the probe snapshots recorded for replay (see core.runs.replay)
    examples.bin         which examples were right at each epoch, the last losses (see core.runs.examples)
    .lock                the writer's lock (see core.runs.runlock): one training per folder at a time

Every file is written to a temporary name in the same folder, flushed, fsynced and renamed over the old
one, so a crash or a full disk leaves the previous version in place; temporary files a killed process
left behind are removed when a writer opens the folder. ``metrics.jsonl`` is appended to: a line cut short
by a crash is dropped before the next append. The weights and the optimizer files of one save share a
``checkpoint`` token, so optimizer state from another save is never paired with the weights.

Nothing here uses pickle: loading a run directory cannot run code. Every file is read as untrusted
input, and anything malformed raises :class:`CheckpointError` naming the file.
"""
from __future__ import annotations

import errno
import json
import math
import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from convscope.core.base.safe_read import (
    JSON_LIMIT,
    METRICS_LIMIT,
    SAFETENSORS_HEADER_LIMIT,
    FileRefused,
    human_size,
    loads_strict,
    metrics_lines,
    open_regular,
    read_bounded,
    read_exactly,
)
from convscope.core.base.safe_write import UnsafeEntry, check_tree, open_for_write
from convscope.core.runs.replay import FOLDER as SNAPSHOTS_DIR
from convscope.core.runs.replay import remove_snapshots
from convscope.core.runs.runlock import RunLock, RunLocked, is_locked
from convscope.core.setup.build import ModelBudget, empty_model, meta_model, model_budget
from convscope.core.setup.config import ConfigError, TrainConfig

CONFIG = "config.json"
METRICS = "metrics.jsonl"
WEIGHTS = "model.safetensors"
OPT_TENSORS = "optimizer.safetensors"
OPT_META = "optimizer.json"
STATUS = "status.json"
RUN_INFO = "run.json"
TRAIN_STATE = "train_state.safetensors"
RESUME_DIR = "resume"
EXAMPLES = "examples.bin"  # the per-example record (core.runs.examples)
FORMAT_VERSION = 2  # 1: the folders of earlier versions (no run.json); 2: run.json, resumable state
TMP_PREFIX = ".tmp-"
FILE_MODE = 0o600  # every file of a run directory (the atomic writes' temporary files are made so)
FOLDER_MODE = 0o700  # its sub-folders (snapshots/, resume/)


class CheckpointError(RuntimeError):
    """A run directory that cannot be written or read; the message says what to do."""


class RunInUse(CheckpointError):
    """Another training is writing the run directory (it holds its lock)."""


def check_run_folder(run_dir: str | os.PathLike) -> None:
    """:class:`CheckpointError` naming the entry when the run folder holds a link or a special file (at its
    top, in ``resume/`` or in ``snapshots/``): such a folder is never written (see core.base.safe_write)."""
    try:
        check_tree(Path(run_dir).expanduser(), (RESUME_DIR, SNAPSHOTS_DIR))
    except UnsafeEntry as exc:
        raise CheckpointError(f"{exc.strerror}.") from None
    except OSError as exc:
        raise CheckpointError(f"cannot read the run directory {run_dir}: {exc.strerror or exc}.") from None


def write_error_reason(exc: OSError) -> str:
    """"No space left on device (the disk is full)": the system's words and what they mean here."""
    if isinstance(exc, UnsafeEntry):  # a link in the run folder: its own sentence says it all
        return exc.strerror
    hint = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
            errno.EROFS: "the folder is read-only", errno.EACCES: "the folder is not writable",
            errno.EPERM: "the folder is not writable"}.get(exc.errno, "disk full or read-only?")
    return f"{exc.strerror or exc} ({hint})"


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _write_temp(path: Path, data: bytes, fsync: bool = True, mode: int | None = None) -> str:
    """``data`` in a (fsynced) temporary file next to ``path`` (mode FILE_MODE, else ``mode``); its name.
    Removed on failure."""
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX + path.name + ".", dir=path.parent)
    try:
        if mode is not None:
            os.fchmod(fd, mode) if hasattr(os, "fchmod") else os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
    except BaseException:
        _remove(tmp)
        raise
    return tmp


def _remove(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def atomic_write_many(files: list[tuple[Path, bytes | Callable[[], bytes]]], fsync: bool = True) -> None:
    """Write several files so that a failure while writing any of them (a full disk) changes none: every
    temporary file is written first, and only then are they renamed over the old ones. ``fsync=False``
    for files whose loss in a power cut costs little (readers still never see half of one). ``data`` may
    be a function that makes the bytes, called when its file is written (one file's bytes in memory)."""
    temps: list[tuple[str, Path]] = []
    try:
        for path, data in files:
            temps.append((_write_temp(Path(path), data() if callable(data) else data, fsync), Path(path)))
        while temps:
            tmp, path = temps[0]
            os.replace(tmp, path)
            temps.pop(0)
    except BaseException:
        for tmp, _ in temps:
            _remove(tmp)
        raise


def atomic_write_bytes(path: Path, data: bytes, fsync: bool = True, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half of one;
    ``mode``: the file's permissions (default FILE_MODE, a run folder's)."""
    path = Path(path)
    if mode is None:
        atomic_write_many([(path, data)], fsync)
        return
    tmp = _write_temp(path, data, fsync, mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_bytes(path, json.dumps(_json_safe(obj), indent=2).encode())


def _tensor_bytes(tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> bytes:
    from safetensors.torch import save

    cpu = {k: v.detach().to("cpu").contiguous() for k, v in tensors.items()}
    return save(cpu, metadata=metadata)


def _save_tensors(path: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None):
    atomic_write_bytes(path, _tensor_bytes(tensors, metadata))


def _missing_weights(path: Path) -> CheckpointError:
    return CheckpointError(f"{path.name} is missing from {path.parent}; is this a ConvScope run "
                           f"directory that finished at least one epoch?")


def _bad_safetensors(path: Path, why) -> CheckpointError:
    return CheckpointError(f"{path.name} in {path.parent} is not a valid safetensors file ({why}); "
                           f"it may be truncated or replaced. Train the run again or pick another.")


def read_safetensors_header(path: Path, limit: int | None = None) -> tuple[dict, dict[str, str], int]:
    """The tensors a safetensors file declares (name → {"dtype", "shape", "data_offsets"}), its metadata and
    its size; reads the header only. Refused unless it is a regular file (at most ``limit`` bytes) whose
    header fits it and whose tensors fill it exactly."""
    try:
        fd, size = open_regular(path)
        try:
            if limit is not None and size > limit:
                raise FileRefused(f"it is {human_size(size)}, more than the {human_size(limit)} its model "
                                  f"needs")
            prefix = read_exactly(fd, 8)
            if len(prefix) < 8:
                raise FileRefused("it is shorter than a header")
            n = int.from_bytes(prefix, "little")
            if n > min(SAFETENSORS_HEADER_LIMIT, size - 8):
                raise FileRefused(f"its header claims {n:,} bytes")
            header = loads_strict(read_exactly(fd, n).decode("utf-8"))
        finally:
            os.close(fd)
    except FileNotFoundError:
        raise _missing_weights(path) from None
    except (FileRefused, OSError, ValueError, RecursionError) as exc:
        raise _bad_safetensors(path, exc) from None
    if not isinstance(header, dict):
        raise _bad_safetensors(path, "its header is not an object")
    meta = header.pop("__metadata__", None) or {}
    end = 0
    for name, entry in header.items():
        try:
            begin, stop = entry["data_offsets"]
            shape, dtype = [int(d) for d in entry["shape"]], str(entry["dtype"])
            if not (0 <= begin <= stop and all(d >= 0 for d in shape)):
                raise ValueError
        except (KeyError, TypeError, ValueError):
            raise _bad_safetensors(path, f"tensor {name!r} is described wrongly") from None
        entry["shape"], entry["dtype"] = shape, dtype
        end = max(end, stop)
    if 8 + n + end != size:
        raise _bad_safetensors(path, f"its tensors need {8 + n + end:,} bytes, the file has {size:,}")
    if not isinstance(meta, dict):
        raise _bad_safetensors(path, "its metadata is not an object")
    return header, {str(k): str(v) for k, v in meta.items()}, size


def _load_tensors(path: Path, limit: int | None = None) -> dict[str, torch.Tensor]:
    """The tensors of a safetensors file, memory-mapped (never read whole), its header checked first."""
    from safetensors import safe_open

    read_safetensors_header(path, limit)
    return _read_safetensors(path, lambda: _mapped(safe_open, path))


def _mapped(safe_open, path: Path) -> dict[str, torch.Tensor]:
    with safe_open(path, "pt") as fh:
        return {k: fh.get_tensor(k) for k in fh.keys()}


def _read_metadata(path: Path) -> dict[str, str]:
    """The metadata of a safetensors file (its header only, not the tensors)."""
    return read_safetensors_header(path)[1]


def _read_safetensors(path: Path, read):
    from safetensors import SafetensorError

    try:
        return read()
    except FileNotFoundError:
        raise _missing_weights(path) from None
    except (SafetensorError, OSError, ValueError, RuntimeError, TypeError, AttributeError) as exc:
        raise _bad_safetensors(path, exc) from None


def _read_json(path: Path, limit: int = JSON_LIMIT) -> Any:
    try:
        return loads_strict(read_bounded(path, limit).decode("utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"{path.name} is missing from {path.parent}; pick a ConvScope run directory "
                              f"(one made by 'train --out').") from None
    except FileRefused as exc:
        raise CheckpointError(f"{path.name} in {path.parent} cannot be read: it {exc}; it was replaced. "
                              f"Pick a ConvScope run directory.") from None
    except (OSError, ValueError, RecursionError) as exc:  # also bad UTF-8, NaN, a number of 5000 digits
        raise CheckpointError(f"{path.name} in {path.parent} is not valid JSON ({exc}); it may be truncated "
                              f"or replaced.") from None


def _read_json_object(path: Path) -> dict:
    value = _read_json(path)
    if not isinstance(value, dict):
        raise CheckpointError(f"{path.name} in {path.parent} should hold a JSON object, not "
                              f"{type(value).__name__}.")
    return value


# ------------------------------------------------------------------------------------ optimizer state
def optimizer_to_files(state: dict) -> tuple[dict[str, torch.Tensor], dict]:
    """Split ``optimizer.state_dict()`` into tensors (safetensors) and plain values (JSON)."""
    tensors, plain = {}, {}
    for idx, entry in state["state"].items():
        plain[str(idx)] = {}
        for key, value in entry.items():
            if torch.is_tensor(value):
                tensors[f"{idx}.{key}"] = value
            else:
                plain[str(idx)][key] = value
    return tensors, {"param_groups": state["param_groups"], "state": plain}


def optimizer_from_files(tensors: dict[str, torch.Tensor], meta: dict) -> dict:
    """The inverse of :func:`optimizer_to_files`; ``ValueError`` when the files do not have its shape."""
    try:
        state: dict[int, dict] = {}
        for idx, entry in meta.get("state", {}).items():
            if not isinstance(entry, dict):
                raise ValueError(f"state of parameter {idx} is not an object")
            state[int(idx)] = dict(entry)
        for name, tensor in tensors.items():
            idx, _, key = name.partition(".")
            state.setdefault(int(idx), {})[key] = tensor
        groups = meta["param_groups"]
        if not isinstance(groups, list) or not all(isinstance(g, dict) and isinstance(g.get("params"), list)
                                                   for g in groups):
            raise ValueError("param_groups is not a list of objects with 'params'")
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"unexpected layout ({type(exc).__name__}: {exc})") from None
    return {"state": state, "param_groups": groups}


# ------------------------------------------------------------------------------------------ writing
class RunWriter:
    """Writes one run directory as training goes."""

    def __init__(self, run_dir: str | os.PathLike):
        self.dir = Path(run_dir).expanduser()
        self._lock = RunLock(self.dir)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            check_run_folder(self.dir)  # nothing is written through a link, nothing changed before
            if not is_locked(self.dir):  # a live writer's temporary files are its own
                clean_stale_temp_files(self.dir)
            probe = self.dir / (TMP_PREFIX + "write-check")
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise CheckpointError(f"cannot write to run directory {self.dir}: {exc.strerror or exc}. "
                                  f"Choose a folder you can write to.") from None

    def lock(self) -> None:
        """Become the folder's one writer; :class:`RunInUse` when another training holds it."""
        try:
            self._lock.acquire()
        except RunLocked as exc:
            raise RunInUse(str(exc)) from None
        except OSError as exc:
            raise CheckpointError(f"cannot lock run directory {self.dir}: {write_error_reason(exc)}. "
                                  f"Choose a folder you can write to.") from None

    def unlock(self) -> None:
        self._lock.release()

    @property
    def locked(self) -> bool:
        return self._lock.held

    def start(self, config: dict) -> None:
        """Begin a new run here: a run that was in this folder before is replaced, never mixed in."""
        for name in (WEIGHTS, OPT_TENSORS, OPT_META, METRICS, STATUS, TRAIN_STATE, EXAMPLES):
            (self.dir / name).unlink(missing_ok=True)
        remove_resume_dir(self.dir)
        remove_snapshots(self.dir)
        self.write_format()
        self.write_config(config)
        self.write_status("running", epoch=0)

    def write_format(self) -> None:
        atomic_write_json(self.dir / RUN_INFO, {"format_version": FORMAT_VERSION})

    def write_config(self, config: dict) -> None:
        atomic_write_json(self.dir / CONFIG, config)

    def append_metrics(self, record: dict) -> None:
        path = self.dir / METRICS
        fd = open_for_write(path, os.O_APPEND | os.O_CREAT, FILE_MODE)  # never through a link
        if hasattr(os, "fchmod"):  # one mode for every run file, also for one an older version made
            os.fchmod(fd, FILE_MODE)
        with open(fd, "a+b") as fh:
            size = fh.seek(0, os.SEEK_END)
            if size:
                fh.seek(size - 1)
                if fh.read(1) != b"\n":  # a line cut short by a crash or a full disk: drop it
                    fh.seek(0)
                    data = fh.read()
                    fh.truncate(data.rfind(b"\n") + 1)
            fh.write((json.dumps(_json_safe(record)) + "\n").encode())
            fh.flush()
            os.fsync(fh.fileno())

    def write_metrics(self, records: list[dict]) -> None:
        atomic_write_bytes(self.dir / METRICS,
                           "".join(json.dumps(_json_safe(r)) + "\n" for r in records).encode())

    def save_weights(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer | None, info: dict,
                     extra: Callable[[str], list[tuple[str, bytes]]] | None = None) -> str:
        """Write the weights, the optimizer state and ``extra(token)``'s files (name, bytes) as one set;
        the save's checkpoint token. Every file of the set is written to a temporary name before any is
        renamed into place: a save that fails (a full disk) leaves the previous set whole."""
        meta = {k: str(v) for k, v in info.items()}
        token = meta["checkpoint"] = secrets.token_hex(8)
        files: list[tuple[Path, bytes | Callable[[], bytes]]] = [
            (self.dir / WEIGHTS, lambda: _tensor_bytes(model.state_dict(), metadata=meta))]
        if optimizer is not None:
            tensors, plain = optimizer_to_files(optimizer.state_dict())
            plain["checkpoint"] = token
            files += [(self.dir / OPT_TENSORS, lambda: _tensor_bytes(tensors, metadata={"checkpoint": token})),
                      (self.dir / OPT_META, json.dumps(_json_safe(plain), indent=2).encode())]
        files += [(self.dir / name, data) for name, data in (extra(token) if extra else [])]
        atomic_write_many(files)
        return token

    def write_status(self, status: str, message: str = "", **extra) -> None:
        atomic_write_json(self.dir / STATUS, {"status": status, "message": message, **extra})


def remove_resume_dir(run_dir: Path) -> None:
    """Remove ``resume/`` (the files it may hold and the folder)."""
    folder = Path(run_dir) / RESUME_DIR
    if folder.is_symlink() or not folder.is_dir():
        return
    for name in (WEIGHTS, OPT_TENSORS, OPT_META, TRAIN_STATE):
        (folder / name).unlink(missing_ok=True)
    clean_stale_temp_files(folder)
    try:
        folder.rmdir()
    except OSError:
        pass


def clean_stale_temp_files(folder: Path) -> list[Path]:
    """Remove temporary files a killed writer left behind."""
    removed = []
    for p in Path(folder).glob(TMP_PREFIX + "*"):
        try:
            p.unlink()
            removed.append(p)
        except OSError:
            pass
    return removed


# ------------------------------------------------------------------------------------------ reading
class LoadedRun:
    """A run directory read back: its validated config, its model (eval mode), status and metrics, and
    ``confusions``, each evaluated epoch's confusion matrix (``core.runs.confusions``; None: not recorded)."""

    def __init__(self, run_dir: Path, config: TrainConfig, model: torch.nn.Module, status: dict,
                 metrics: list[dict], info: dict[str, str] | None = None, confusions: list[dict] | None = None):
        self.dir, self.config, self.model, self.status, self.metrics = run_dir, config, model, status, metrics
        self.info = info or {}  # the weights' metadata: epoch, arch, checkpoint token
        self.bundle: Path | None = None  # the .convscope file it was opened from (read-only), or None
        self.confusions = confusions

    @property
    def epoch(self) -> int:
        return len(self.metrics)

def run_format(run_dir: str | os.PathLike) -> int:
    """The format version of a run directory: 1 without ``run.json`` (earlier versions' folders, read as
    they are), else the version it records. A newer version than this one reads is refused."""
    path = Path(run_dir) / RUN_INFO
    if not path.exists() and not path.is_symlink():
        return 1
    info = _read_json_object(path)
    version = info.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise CheckpointError(f"{RUN_INFO} in {path.parent} records no valid format_version "
                              f"({version!r}); it was damaged or replaced.")
    if version > FORMAT_VERSION:
        raise CheckpointError(f"{path.parent} was made by a newer ConvScope (run format {version}; this "
                              f"version reads formats up to {FORMAT_VERSION}). Update ConvScope to open it.")
    return version


def read_metrics(run_dir: Path) -> list[dict]:
    """The records of ``metrics.jsonl`` (``[]`` when absent). Only the last line may be broken (cut short
    by a crash, it is skipped); anything else that is not one JSON object per line is refused."""
    path = Path(run_dir) / METRICS
    try:
        text = read_bounded(path, METRICS_LIMIT).decode("utf-8")
    except FileNotFoundError:
        return []
    except FileRefused as exc:
        raise CheckpointError(f"{METRICS} in {path.parent} cannot be read: it {exc}; it was replaced.") \
            from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{METRICS} in {path.parent} is not a text file of JSON lines ({exc}); "
                              f"it may be damaged or replaced.") from None
    try:
        lines, count = metrics_lines(text)
    except FileRefused as exc:
        raise CheckpointError(f"{METRICS} in {path.parent} cannot be read: it {exc}; it was damaged or "
                              f"replaced.") from None
    records = []
    for number, rec in lines:
        if rec is not None:
            records.append(rec)
        elif number < count:  # not the unterminated last line: the file is damaged
            raise CheckpointError(f"{METRICS} in {path.parent}: line {number} is not a JSON object of "
                                  f"metrics; the file is damaged or was replaced.")
    return records


SAFETENSORS_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
                      torch.int64: "I64", torch.int32: "I32", torch.int8: "I8", torch.uint8: "U8",
                      torch.bool: "BOOL"}


def _config_of(run_dir: Path) -> tuple[TrainConfig, torch.nn.Module, ModelBudget]:
    """The run's validated config, its weightless model and what that model needs, refused before any
    memory is spent when it is beyond what this app builds from a file."""
    raw = _read_json_object(run_dir / CONFIG)
    try:
        config = TrainConfig.from_dict(raw, check_device=False)
        model = meta_model(config)
        budget = model_budget(model, config)
        budget.check()
    except ConfigError as exc:
        raise CheckpointError(f"{CONFIG} in {run_dir} describes no valid run: {exc}") from None
    except (RuntimeError, ValueError, TypeError, MemoryError) as exc:  # a network torch cannot lay out
        raise CheckpointError(f"{CONFIG} in {run_dir} describes no network that can be built "
                              f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}).") from None
    return config, model, budget


def _check_fits(run_dir: Path, config: TrainConfig, expected: dict, header: dict) -> None:
    """The weights' header against the model's state: names, shapes and types, before reading a tensor."""
    missing = sorted(set(expected) - set(header))
    unexpected = sorted(set(header) - set(expected))
    wrong = [k for k in expected if k in header and list(header[k]["shape"]) != list(expected[k].shape)]
    if missing or unexpected or wrong:
        detail = (f"missing {missing[:3]}" if missing else f"unexpected {unexpected[:3]}" if unexpected
                  else f"{wrong[0]} has shape {tuple(header[wrong[0]]['shape'])}, expected "
                       f"{tuple(expected[wrong[0]].shape)}")
        raise CheckpointError(f"{WEIGHTS} in {run_dir} does not fit a {config.arch} as configured in "
                              f"{CONFIG} ({detail}); the files come from different runs.")
    for k, tensor in expected.items():
        want = SAFETENSORS_DTYPES.get(tensor.dtype)
        if header[k]["dtype"] != want:
            raise CheckpointError(f"{WEIGHTS} in {run_dir} holds tensors that cannot be loaded into a "
                                  f"{config.arch}: {k} is of type {header[k]['dtype']}, not {want}; the file "
                                  f"was not written by ConvScope.")


def _check_finite(weights: Path, state: dict[str, torch.Tensor]) -> None:
    """:class:`CheckpointError` when a weight is NaN or infinite: such a model predicts nothing and
    trains no further, whatever the learning rate (ConvScope never saves one; it was damaged)."""
    for name, tensor in state.items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise CheckpointError(f"{WEIGHTS} in {weights.parent} holds NaN or infinite weights ({name}): the "
                                  f"weights are broken, so it cannot predict, be evaluated, exported or "
                                  f"trained on. Train the run again, or use an earlier run.")


def load_run(run_dir: str | os.PathLike, device: str = "cpu", weights_dir: str | os.PathLike | None = None):
    """Rebuild the model of a run directory from its config and weights (no pickle anywhere).

    ``weights_dir``: read ``model.safetensors`` from there instead (``resume/``, the last finished epoch).
    Every refusal is a :class:`CheckpointError`: the config's model is measured on the meta device and
    the weights' header checked against it before any memory is spent on either."""
    run_dir = Path(run_dir).expanduser()
    bundle = None
    if weights_dir is None:
        from convscope.core.runs.bundle import BundleError, run_folder

        try:  # a run as one file: unpacked into a private folder, read from there
            folder = run_folder(run_dir)
        except BundleError as exc:
            raise CheckpointError(str(exc)) from None
        bundle, run_dir = (run_dir, folder) if folder != run_dir else (None, run_dir)
    if not run_dir.is_dir():
        raise CheckpointError(f"run directory {run_dir} does not exist; pass the folder given to "
                              f"'train --out' (or a .convscope file made by 'export --format bundle').")
    run_format(run_dir)
    config, meta, budget = _config_of(run_dir)
    expected = meta.state_dict()
    weights = Path(weights_dir or run_dir) / WEIGHTS
    header, info, _ = read_safetensors_header(weights, limit=budget.state_bytes + SAFETENSORS_HEADER_LIMIT + 8)
    _check_fits(run_dir, config, expected, header)
    state = _load_tensors(weights)
    _check_finite(weights, state)
    try:
        model = empty_model(config)
        model.load_state_dict(state)
    except (RuntimeError, MemoryError) as exc:  # e.g. a tensor of a type that cannot become weights
        raise CheckpointError(f"{WEIGHTS} in {run_dir} holds tensors that cannot be loaded into a "
                              f"{config.arch}: {str(exc).splitlines()[-1].strip()}") from None
    del state
    model.to(device).eval()
    status = _read_json_object(run_dir / STATUS) if (run_dir / STATUS).exists() else {"status": "unknown"}
    from convscope.core.runs import confusions

    loaded = LoadedRun(run_dir, config, model, status, read_metrics(run_dir), info, confusions.read(run_dir))
    loaded.bundle = bundle
    return loaded


def load_optimizer_state(run_dir: str | os.PathLike) -> dict | None:
    """The optimizer state saved with the weights (``None`` when the run has none)."""
    run_dir = Path(run_dir)
    if not (run_dir / OPT_TENSORS).exists():
        return None
    # Adam keeps two tensors per weight: at most a few times the weights' own size.
    try:
        weights_size = os.stat(run_dir / WEIGHTS).st_size
    except OSError:
        weights_size = 0
    tensors = _load_tensors(run_dir / OPT_TENSORS, limit=3 * weights_size + SAFETENSORS_HEADER_LIMIT)
    meta = _read_json_object(run_dir / OPT_META)
    tokens = {_read_metadata(run_dir / WEIGHTS).get("checkpoint"),
              _read_metadata(run_dir / OPT_TENSORS).get("checkpoint"), meta.pop("checkpoint", None)}
    if len(tokens) != 1:
        raise CheckpointError(f"the optimizer files in {run_dir} were saved with other weights than "
                              f"{WEIGHTS} (a save was interrupted); start the optimizer afresh.")
    try:
        return optimizer_from_files(tensors, meta)
    except ValueError as exc:
        raise CheckpointError(f"{OPT_META} in {run_dir} is not optimizer state: {exc}.") from None
