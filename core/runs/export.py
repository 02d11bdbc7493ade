"""Taking a run elsewhere: the network as ONNX, the metrics as CSV, TensorBoard scalars or a PNG of the curves.

``main.py export --checkpoint RUN --format onnx|csv|tensorboard|png --output PATH`` calls :func:`export`.

* **onnx** — the network with its normalisation inside the graph: it takes images scaled to [0, 1],
  ``images`` of shape N×C×H×W float32 at the run's input size (a dynamic batch axis), and returns the
  class scores ``scores`` (N×classes; a softmax gives probabilities). The class names, input size and
  the normalisation are in the model's metadata. Needs ``onnx`` and ``onnxscript`` (torch's exporter).
* **csv** — one row per epoch, the columns of ``metrics.jsonl`` in its order.
* **tensorboard** — scalar event files (``loss/train``, ``accuracy/test``, ``lr``…, one step per epoch)
  in the folder ``PATH``: ``tensorboard --logdir PATH``. Needs ``tensorboard``.
* **png** — the loss and accuracy curves. Needs ``matplotlib``.
* **bundle** — the whole run folder as one ``.convscope`` file (:mod:`core.runs.bundle`): ``--checkpoint
  NAME.convscope`` and the window open it directly, read-only.
* **html** — one self-contained web page that replays the run in any browser, offline
  (:mod:`core.runs.web_page`).

The output is written atomically (a temporary file renamed over it), with the permissions any program's new
file gets (``0o666`` less the umask: 0644 usually), not the private ones of a run folder. An existing file
is replaced only with ``overwrite`` (``--overwrite``); a symbolic link, a device or a named pipe is never written to or
replaced (export writes files, not to standard output). Values of ``metrics.jsonl`` that are not numbers
in range (a received run's file may hold anything) are left out, and the result's ``notes`` say so.

The optional packages come with ``pip install convscope[export]``; without one, the export says which.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import stat
from pathlib import Path

import torch
from torch import nn

from convscope.core.base.safe_write import entry_mode, normal_file_mode
from convscope.core.runs.checkpoints import CheckpointError, atomic_write_bytes, read_metrics, write_error_reason

FORMATS = ("onnx", "csv", "tensorboard", "png", "bundle", "html")
# metrics.jsonl's keys, in the order the CSV gives them (other tools read them by these names).
METRIC_KEYS = ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "lr", "seconds", "examples_per_s")
MAX_EPOCH = 1_000_000  # an epoch number past this is not one a run wrote
MAX_SECONDS = 1e7  # an epoch's seconds (115 days)
EVENT_FILES = "events.out.tfevents."  # what TensorBoard's writer names its files
TENSORBOARD_TAGS = {"train_loss": "loss/train", "test_loss": "loss/test", "train_acc": "accuracy/train",
                    "test_acc": "accuracy/test", "lr": "lr", "examples_per_s": "speed/examples_per_s"}


class ExportError(RuntimeError):
    """An export that cannot be made; the message says why and what to do."""


def _needs(module: str, what: str):
    try:
        return __import__(module)
    except ImportError:
        raise ExportError(f"{what} needs the package '{module}': pip install 'convscope[export]' "
                          f"(or pip install {module}).") from None


class ScaledInput(nn.Module):
    """Images in [0, 1] → the run's normalisation → its network → class scores."""

    def __init__(self, model: nn.Module, mean, std):
        super().__init__()
        self.model = model
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.model((images - self.mean) / self.std)


def _write(output: Path, data: bytes) -> None:
    """``data`` into ``output`` atomically, with the permissions of any file a program creates (the umask's,
    not a run folder's private ones); an error names ``output`` and says why, not the temporary file."""
    try:
        atomic_write_bytes(output, data, mode=normal_file_mode())
    except OSError as exc:
        raise ExportError(f"cannot write {output}: {write_error_reason(exc)}; choose another --output.") from None


def export_onnx(run, output: Path) -> dict:
    """The network of a loaded run (``core.runs.checkpoints.load_run``) as an ONNX file."""
    _needs("onnxscript", "ONNX export")
    onnx = _needs("onnx", "ONNX export")
    cfg = run.config
    c, side, _ = cfg.input_size
    info = cfg.info
    if len(info.mean) != c:  # a grey dataset read into a colour network (or the reverse)
        raise ExportError(f"the run's network takes {c} channel(s) but {info.display_name} has "
                          f"{len(info.mean)}; ONNX export needs the network's own dataset.")
    model = ScaledInput(run.model.float().cpu().eval(), info.mean, info.std).eval()
    example = torch.rand(2, c, side, side)
    batch = torch.export.Dim("batch", min=1, max=65536)
    try:
        program = torch.onnx.export(model, (example,), dynamo=True, input_names=["images"],
                                    output_names=["scores"], dynamic_shapes={"images": {0: batch}},
                                    verbose=False)
    except Exception as exc:  # noqa: BLE001 - the exporter's errors are many and long
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ExportError(f"torch could not export {cfg.spec.display_name} to ONNX: {first}") from None
    proto = program.model_proto
    meta = {"classes": json.dumps(list(info.classes)), "input_size": json.dumps([c, side, side]),
            "input_range": "[0, 1]", "normalisation": json.dumps({"mean": list(info.mean), "std": list(info.std)}),
            "arch": cfg.arch, "dataset": cfg.dataset}
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    _write(output, proto.SerializeToString())
    return {"format": "onnx", "output": str(output), "input": [None, c, side, side],
            "classes": len(info.classes)}


def _number(value, low: float = -math.inf, high: float = math.inf) -> float | int | None:
    """``value`` when it is a finite number within [low, high] (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return value if math.isfinite(value) and low <= value <= high else None
    except OverflowError:  # an integer too large for a float
        return None


def _records(run_dir: Path) -> tuple[list[dict], list[str]]:
    """The epochs of ``metrics.jsonl`` with their values as numbers (what is not a number in range is left
    out: None), and notes saying what was left out."""
    records, bad_epochs, bad_values = [], 0, 0
    for raw in read_metrics(run_dir):
        epoch = raw.get("epoch")
        if isinstance(epoch, bool) or not isinstance(epoch, int) or not 1 <= epoch <= MAX_EPOCH:
            bad_epochs += 1
            continue
        rec = {"epoch": epoch}
        for key in METRIC_KEYS[1:]:
            rec[key] = _number(raw.get(key), 0.0, MAX_SECONDS) if key == "seconds" else _number(raw.get(key))
            bad_values += rec[key] is None and raw.get(key) is not None
        records.append(rec)
    if not records:
        raise ExportError(f"{run_dir} has no finished epoch in metrics.jsonl: there are no curves to export.")
    notes = []
    if bad_epochs:
        notes.append(f"left out {bad_epochs} line(s) of metrics.jsonl without an epoch number from 1 to "
                     f"{MAX_EPOCH:,}")
    if bad_values:
        notes.append(f"left out {bad_values} value(s) of metrics.jsonl that are not numbers in range")
    return records, notes


def export_csv(run_dir: Path, output: Path) -> dict:
    records, notes = _records(run_dir)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=METRIC_KEYS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for rec in records:
        writer.writerow({k: ("" if rec.get(k) is None else rec.get(k)) for k in METRIC_KEYS})
    _write(output, buffer.getvalue().encode("utf-8"))
    return {"format": "csv", "output": str(output), "rows": len(records), "notes": notes}


def export_tensorboard(run_dir: Path, output: Path, overwrite: bool = False) -> dict:
    _needs("tensorboard", "TensorBoard export")
    from torch.utils.tensorboard import SummaryWriter

    records, notes = _records(run_dir)
    start = (run_dir / "metrics.jsonl").stat().st_mtime - sum(r["seconds"] or 0.0 for r in records)
    elapsed, written = 0.0, 0
    try:
        output.mkdir(parents=True, exist_ok=True)
        if overwrite:  # the event files of an earlier export: TensorBoard would draw both
            for name in _event_files(output):
                os.unlink(output / name)
        with SummaryWriter(log_dir=str(output)) as writer:
            for rec in records:
                elapsed += rec["seconds"] or 0.0
                for key, tag in TENSORBOARD_TAGS.items():
                    if rec[key] is not None:
                        writer.add_scalar(tag, float(rec[key]), global_step=rec["epoch"], walltime=start + elapsed)
                        written += 1
    except OSError as exc:
        raise ExportError(f"cannot write {output}: {write_error_reason(exc)}; choose another --output.") from None
    return {"format": "tensorboard", "output": str(output), "scalars": written, "epochs": len(records),
            "notes": notes}


def _event_files(folder: Path) -> list[str]:
    """The regular files of TensorBoard events in ``folder`` (never a link)."""
    return sorted(e.name for e in os.scandir(folder)
                  if e.name.startswith(EVENT_FILES) and e.is_file(follow_symlinks=False))


def export_png(run_dir: Path, output: Path, title: str = "") -> dict:
    _needs("matplotlib", "PNG export")
    import matplotlib

    matplotlib.use("Agg", force=True)  # files only, no window
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    records, notes = _records(run_dir)
    epochs = [r["epoch"] for r in records]

    def series(key):
        return [float("nan") if r[key] is None else float(r[key]) for r in records]

    fig = Figure(figsize=(10, 4), dpi=100, layout="constrained")
    loss, acc = fig.subplots(1, 2)
    loss.plot(epochs, series("train_loss"), "o-", label="train loss")
    loss.plot(epochs, series("test_loss"), "s-", label="test loss")
    acc.plot(epochs, [100 * v for v in series("train_acc")], "o-", label="train accuracy")
    acc.plot(epochs, [100 * v for v in series("test_acc")], "s-", label="test accuracy")
    loss.set(xlabel="epoch", ylabel="loss", title="Loss")
    acc.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy", ylim=(0, 102))
    for ax in (loss, acc):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(loc="best", framealpha=0.7)
    if title:
        fig.suptitle(title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    _write(output, buffer.getvalue())
    return {"format": "png", "output": str(output), "epochs": len(records), "notes": notes}


def _check_output(output: Path, fmt: str, overwrite: bool) -> None:
    """``ExportError`` unless ``output`` may be written: never a link, a device, a named pipe or a
    socket (replacing one would destroy it; export writes files, not to standard output); an existing
    file (for TensorBoard: a folder holding event files) only with ``overwrite``."""
    mode = entry_mode(output)
    if mode is None:
        parent = output if fmt == "tensorboard" else output.parent
        if not parent.exists() and not (fmt == "tensorboard" and parent.parent.is_dir()):
            raise ExportError(f"folder {parent} does not exist; create it or choose another --output.")
        return
    if stat.S_ISLNK(mode):
        raise ExportError(f"{output} is a symbolic link; export never writes through a link or replaces one "
                          f"(nor writes to standard output): name a file of its own with --output.")
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        kind = "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
        raise ExportError(f"{output} is {kind}, not a file; export writes files (not to a device or standard "
                          f"output): name a file with --output.")
    if fmt == "tensorboard":
        if not stat.S_ISDIR(mode):
            raise ExportError(f"{output} is a file; TensorBoard writes a folder of event files: name a folder.")
        if _event_files(output) and not overwrite:
            raise ExportError(f"{output} already holds TensorBoard event files; nothing was changed. Choose "
                              f"an empty folder, or add --overwrite to replace them.")
        return
    if stat.S_ISDIR(mode):
        raise ExportError(f"{output} is a folder; name the file to write (e.g. {output / ('run.' + fmt)}).")
    if not overwrite:
        raise ExportError(f"{output} already exists; nothing was changed. Use --overwrite to replace it, or "
                          f"choose another --output.")


def export(run_dir: str | Path, fmt: str, output: str | Path, overwrite: bool = False, lang: str = "en") -> dict:
    """Export a run folder; a dict describing what was written (``notes``: what was left out).
    ``ExportError`` / ``CheckpointError`` with a message for the user when it cannot be done; an existing
    output is replaced only with ``overwrite``."""
    from convscope.core.runs.checkpoints import load_run

    run_dir, output = Path(run_dir).expanduser(), Path(output).expanduser()
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")
    from convscope.core.runs.bundle import BundleError, run_folder

    try:
        run_dir = run_folder(run_dir)  # a bundle exports as the folder it holds
    except BundleError as exc:
        raise ExportError(str(exc)) from None
    if not run_dir.is_dir():
        raise ExportError(f"run folder {run_dir} does not exist; pass a folder written by 'train --out'.")
    _check_output(output, fmt, overwrite)
    if fmt == "onnx":
        return export_onnx(load_run(run_dir, device="cpu"), output)
    if fmt == "csv":
        return export_csv(run_dir, output)
    if fmt == "tensorboard":
        return export_tensorboard(run_dir, output, overwrite)
    if fmt == "bundle":
        return export_bundle(run_dir, output)
    if fmt == "html":
        return export_html(run_dir, output, lang)
    return export_png(run_dir, output, run_dir.name)


def export_bundle(run_dir: Path, output: Path) -> dict:
    from convscope.core.runs.bundle import BundleError, bundle_bytes

    try:
        data = bundle_bytes(run_dir)
    except BundleError as exc:
        raise ExportError(str(exc)) from None
    _write(output, data)
    return {"format": "bundle", "output": str(output), "bytes": len(data), "notes": []}


def export_html(run_dir: Path, output: Path, lang: str = "en") -> dict:
    from convscope.core.runs.web_page import page_html

    page, notes = page_html(run_dir, lang)
    data = page.encode("utf-8")
    _write(output, data)
    return {"format": "html", "output": str(output), "bytes": len(data), "notes": notes}


__all__ = ["FORMATS", "METRIC_KEYS", "ExportError", "CheckpointError", "export", "export_onnx", "export_csv",
           "export_tensorboard", "export_png", "export_bundle", "export_html", "ScaledInput"]
