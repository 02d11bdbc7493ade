"""Run directories: what a training run leaves on disk, written atomically and read as untrusted input.

Layout of a run directory::

    config.json          the TrainConfig, as JSON
    metrics.jsonl        one JSON object per finished epoch, appended and flushed as it happens
    model.safetensors    the weights of the last good epoch (never overwritten by a diverged run)
    optimizer.safetensors + optimizer.json   optimizer state: tensors in safetensors, the rest in JSON
    status.json          {"status": "running|completed|stopped|diverged|failed", "message", "epoch", …}

Every file is written to a temporary name in the same folder, flushed, fsynced and renamed over the old
one, so a crash or a full disk leaves the previous version in place. Nothing here uses pickle: loading a
run directory cannot run code.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import torch

CONFIG = "config.json"
METRICS = "metrics.jsonl"
WEIGHTS = "model.safetensors"
OPT_TENSORS = "optimizer.safetensors"
OPT_META = "optimizer.json"
STATUS = "status.json"
TMP_PREFIX = ".tmp-"


class CheckpointError(RuntimeError):
    """A run directory that cannot be written or read; the message says what to do."""


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
    from safetensors import SafetensorError
    from safetensors.torch import load

    try:
        return load(path.read_bytes())
    except FileNotFoundError:
        raise CheckpointError(f"{path.name} is missing from {path.parent}; is this a ConvScope run "
                              f"directory that finished at least one epoch?") from None
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{path.name} in {path.parent} is not a valid safetensors file ({exc}); "
                              f"it may be truncated or replaced. Train the run again or pick another.") \
            from None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"{path.name} is missing from {path.parent}; pick a ConvScope run directory "
                              f"(one made by 'train --out').") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{path.name} in {path.parent} is not valid JSON ({exc}).") from None


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
    state: dict[int, dict] = {}
    for idx, entry in meta.get("state", {}).items():
        state[int(idx)] = dict(entry)
    for name, tensor in tensors.items():
        idx, _, key = name.partition(".")
        state.setdefault(int(idx), {})[key] = tensor
    return {"state": state, "param_groups": meta["param_groups"]}


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

    def write_config(self, config: dict) -> None:
        atomic_write_json(self.dir / CONFIG, config)

    def append_metrics(self, record: dict) -> None:
        with open(self.dir / METRICS, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(_json_safe(record)) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def reset_metrics(self) -> None:
        (self.dir / METRICS).unlink(missing_ok=True)

    def save_weights(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer | None,
                     info: dict) -> None:
        meta = {k: str(v) for k, v in info.items()}
        _save_tensors(self.dir / WEIGHTS, model.state_dict(), metadata=meta)
        if optimizer is not None:
            tensors, plain = optimizer_to_files(optimizer.state_dict())
            _save_tensors(self.dir / OPT_TENSORS, tensors)
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
    def __init__(self, run_dir: Path, config: dict, model: torch.nn.Module, status: dict,
                 metrics: list[dict]):
        self.dir, self.config, self.model, self.status, self.metrics = run_dir, config, model, status, metrics

    @property
    def epoch(self) -> int:
        return len(self.metrics)


def read_metrics(run_dir: Path) -> list[dict]:
    path = Path(run_dir) / METRICS
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by a crash: the rest is still good
        if isinstance(rec, dict):
            records.append(rec)
    return records


def load_run(run_dir: str | os.PathLike, device: str = "cpu"):
    """Rebuild the model of a run directory from its config and weights (no pickle anywhere)."""
    from .engine import ConfigError, TrainConfig, build_model

    run_dir = Path(run_dir).expanduser()
    if not run_dir.is_dir():
        raise CheckpointError(f"run directory {run_dir} does not exist; pass the folder given to "
                              f"'train --out'.")
    raw = _read_json(run_dir / CONFIG)
    try:
        config = TrainConfig.from_dict(raw, check_device=False)
    except ConfigError as exc:
        raise CheckpointError(f"{CONFIG} in {run_dir} describes no valid run: {exc}") from None
    state = _load_tensors(run_dir / WEIGHTS)
    model = build_model(config)
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
    model.load_state_dict(state)
    model.to(device).eval()
    status = _read_json(run_dir / STATUS) if (run_dir / STATUS).exists() else {"status": "unknown"}
    return LoadedRun(run_dir, raw, model, status, read_metrics(run_dir))


def load_optimizer_state(run_dir: str | os.PathLike) -> dict | None:
    run_dir = Path(run_dir)
    if not (run_dir / OPT_TENSORS).exists():
        return None
    return optimizer_from_files(_load_tensors(run_dir / OPT_TENSORS), _read_json(run_dir / OPT_META))
