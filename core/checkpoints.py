"""Run directories: what a training run leaves on disk, written atomically and read as untrusted input.

Layout of a run directory::

    config.json          the TrainConfig, as JSON
    metrics.jsonl        one JSON object per finished epoch, appended and flushed as it happens
    model.safetensors    the weights of the last good epoch (never overwritten by a diverged run)
    optimizer.safetensors + optimizer.json   optimizer state: tensors in safetensors, the rest in JSON
    status.json          {"status": "running|completed|stopped|diverged|failed", "message", "epoch", …}

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
from pathlib import Path
from typing import Any

import torch

from .build import build_model
from .config import ConfigError, TrainConfig

CONFIG = "config.json"
METRICS = "metrics.jsonl"
WEIGHTS = "model.safetensors"
OPT_TENSORS = "optimizer.safetensors"
OPT_META = "optimizer.json"
STATUS = "status.json"
TMP_PREFIX = ".tmp-"


class CheckpointError(RuntimeError):
    """A run directory that cannot be written or read; the message says what to do."""


def write_error_reason(exc: OSError) -> str:
    """"No space left on device (the disk is full)": the system's words and what they mean here."""
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


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half of one."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX + path.name + ".", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_bytes(path, json.dumps(_json_safe(obj), indent=2).encode())


def _save_tensors(path: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None):
    from safetensors.torch import save

    cpu = {k: v.detach().to("cpu").contiguous() for k, v in tensors.items()}
    atomic_write_bytes(path, save(cpu, metadata=metadata))


def _load_tensors(path: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load

    return _read_safetensors(path, lambda: load(path.read_bytes()))


def _read_metadata(path: Path) -> dict[str, str]:
    """The metadata of a safetensors file (its header only, not the tensors)."""
    from safetensors import safe_open

    def read():
        with safe_open(path, "pt") as fh:
            return {str(k): str(v) for k, v in (fh.metadata() or {}).items()}

    return _read_safetensors(path, read)


def _read_safetensors(path: Path, read):
    from safetensors import SafetensorError

    try:
        return read()
    except FileNotFoundError:
        raise CheckpointError(f"{path.name} is missing from {path.parent}; is this a ConvScope run "
                              f"directory that finished at least one epoch?") from None
    except (SafetensorError, OSError, ValueError, RuntimeError, TypeError, AttributeError) as exc:
        raise CheckpointError(f"{path.name} in {path.parent} is not a valid safetensors file ({exc}); "
                              f"it may be truncated or replaced. Train the run again or pick another.") \
            from None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"{path.name} is missing from {path.parent}; pick a ConvScope run directory "
                              f"(one made by 'train --out').") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
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
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            clean_stale_temp_files(self.dir)
            probe = self.dir / (TMP_PREFIX + "write-check")
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise CheckpointError(f"cannot write to run directory {self.dir}: {exc.strerror or exc}. "
                                  f"Choose a folder you can write to.") from None

    def start(self, config: dict) -> None:
        """Begin a new run here: a run that was in this folder before is replaced, never mixed in."""
        for name in (WEIGHTS, OPT_TENSORS, OPT_META, METRICS, STATUS):
            (self.dir / name).unlink(missing_ok=True)
        self.write_config(config)
        self.write_status("running", epoch=0)

    def write_config(self, config: dict) -> None:
        atomic_write_json(self.dir / CONFIG, config)

    def append_metrics(self, record: dict) -> None:
        with open(self.dir / METRICS, "a+b") as fh:
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

    def reset_metrics(self) -> None:
        (self.dir / METRICS).unlink(missing_ok=True)

    def save_weights(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer | None,
                     info: dict) -> None:
        meta = {k: str(v) for k, v in info.items()}
        meta["checkpoint"] = secrets.token_hex(8)
        _save_tensors(self.dir / WEIGHTS, model.state_dict(), metadata=meta)
        if optimizer is not None:
            tensors, plain = optimizer_to_files(optimizer.state_dict())
            plain["checkpoint"] = meta["checkpoint"]
            _save_tensors(self.dir / OPT_TENSORS, tensors, metadata={"checkpoint": meta["checkpoint"]})
            atomic_write_json(self.dir / OPT_META, plain)

    def write_status(self, status: str, message: str = "", **extra) -> None:
        atomic_write_json(self.dir / STATUS, {"status": status, "message": message, **extra})


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
    """A run directory read back: its validated config, its model (eval mode), status and metrics."""

    def __init__(self, run_dir: Path, config: TrainConfig, model: torch.nn.Module, status: dict,
                 metrics: list[dict], info: dict[str, str] | None = None):
        self.dir, self.config, self.model, self.status, self.metrics = run_dir, config, model, status, metrics
        self.info = info or {}  # the weights' metadata: epoch, arch, checkpoint token

    @property
    def epoch(self) -> int:
        return len(self.metrics)


def read_metrics(run_dir: Path) -> list[dict]:
    """The records of ``metrics.jsonl`` (``[]`` when absent). Only the last line may be broken (cut short
    by a crash, it is skipped); anything else that is not one JSON object per line is refused."""
    path = Path(run_dir) / METRICS
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{METRICS} in {path.parent} is not a text file of JSON lines ({exc}); "
                              f"it may be damaged or replaced.") from None
    lines = text.split("\n")
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            rec = None
        if isinstance(rec, dict):
            records.append(rec)
        elif number < len(lines):  # not the unterminated last line: the file is damaged
            raise CheckpointError(f"{METRICS} in {path.parent}: line {number} is not a JSON object; "
                                  f"the file is damaged or was replaced.")
    return records


def load_run(run_dir: str | os.PathLike, device: str = "cpu"):
    """Rebuild the model of a run directory from its config and weights (no pickle anywhere)."""
    run_dir = Path(run_dir).expanduser()
    if not run_dir.is_dir():
        raise CheckpointError(f"run directory {run_dir} does not exist; pass the folder given to "
                              f"'train --out'.")
    raw = _read_json_object(run_dir / CONFIG)
    try:
        config = TrainConfig.from_dict(raw, check_device=False)
        model = build_model(config)
    except ConfigError as exc:
        raise CheckpointError(f"{CONFIG} in {run_dir} describes no valid run: {exc}") from None
    state, info = _load_tensors(run_dir / WEIGHTS), _read_metadata(run_dir / WEIGHTS)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = [k for k in expected if k in state and state[k].shape != expected[k].shape]
    if missing or unexpected or wrong:
        detail = (f"missing {missing[:3]}" if missing else f"unexpected {unexpected[:3]}" if unexpected
                  else f"{wrong[0]} has shape {tuple(state[wrong[0]].shape)}, expected "
                       f"{tuple(expected[wrong[0]].shape)}")
        raise CheckpointError(f"{WEIGHTS} in {run_dir} does not fit a {config.arch} as configured in "
                              f"{CONFIG} ({detail}); the files come from different runs.")
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:  # e.g. a tensor of a type that cannot become weights
        raise CheckpointError(f"{WEIGHTS} in {run_dir} holds tensors that cannot be loaded into a "
                              f"{config.arch}: {str(exc).splitlines()[-1].strip()}") from None
    model.to(device).eval()
    status = _read_json_object(run_dir / STATUS) if (run_dir / STATUS).exists() else {"status": "unknown"}
    return LoadedRun(run_dir, config, model, status, read_metrics(run_dir), info)


def load_optimizer_state(run_dir: str | os.PathLike) -> dict | None:
    """The optimizer state saved with the weights (``None`` when the run has none)."""
    run_dir = Path(run_dir)
    if not (run_dir / OPT_TENSORS).exists():
        return None
    tensors = _load_tensors(run_dir / OPT_TENSORS)
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
