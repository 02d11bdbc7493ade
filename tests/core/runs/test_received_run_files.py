"""Run files someone sends you: a metrics.jsonl of millions of lines is refused by its line count (bounded
memory and work, however small the bytes), and weights that are NaN are named broken by every command
instead of evaluating to a null loss, exporting a broken model or blaming the learning rate."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from convscope.core.cli import main
from convscope.core.runs import checkpoints as C
from convscope.core.runs.listing import summarize

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("received") / "run"
    assert main(["train", "--arch", "lenet", "--dataset", "fashion-mnist-sample", "--epochs", "2", "--subset",
                 "64", "--device", "cpu", "--out", str(out)]) == 0
    return out


def copy_run(trained: Path, tmp_path: Path) -> Path:
    run = tmp_path / "run"
    shutil.copytree(trained, run)
    return run


def one_error_line(capsys) -> str:
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


def test_a_million_empty_records_are_refused_by_their_count(trained, tmp_path, capsys):
    """A million ``{}`` lines are 3 MB, well under the byte cap: the lines are what is bounded. (Ten
    million, 30 MB, took evaluate and export past a minute and 2 GB.)"""
    run = copy_run(trained, tmp_path)
    (run / C.METRICS).write_text("{}\n" * 1_000_000)
    with pytest.raises(C.CheckpointError, match="1,000,000 lines"):
        C.read_metrics(run)
    row = summarize(run)  # the window's Runs tab: a row with the problem, not a million records
    assert row.metrics == [] and "1,000,000 lines" in row.problem
    assert main(["evaluate", "--checkpoint", str(run)]) == 2
    assert "metrics.jsonl" in one_error_line(capsys)
    assert main(["export", "--checkpoint", str(run), "--format", "csv", "--output", str(tmp_path / "m.csv")]) == 2
    assert "lines" in one_error_line(capsys)


def test_what_a_record_holds_is_bounded(trained, tmp_path):
    """At most METRICS_MAX_LINES records, each a flat object: nested values are left out; a line of more
    than a record's size or an object of a thousand keys is no record."""
    from convscope.core.base.safe_read import METRICS_MAX_LINES

    run = copy_run(trained, tmp_path)
    path = run / C.METRICS
    nested = '{"epoch": 1, "test_acc": 0.5, "x": [' + ",".join(["[]"] * 1000) + "]}\n"
    wide = "{" + ",".join(f'"k{i}": 0' for i in range(1000)) + "}"
    long = '{"epoch": 1, "note": "' + "x" * 5000 + '"}'
    path.write_text(nested * 100 + wide)  # the unterminated last line, not a record, is skipped
    records = C.read_metrics(run)
    assert records == [{"epoch": 1, "test_acc": 0.5}] * 100 and summarize(run).metrics == records
    for bad in (wide, long):
        path.write_text(bad + "\n" + nested)
        with pytest.raises(C.CheckpointError, match="line 1 is not a JSON object"):
            C.read_metrics(run)
        assert summarize(run).metrics == [{"epoch": 1, "test_acc": 0.5}]  # the Runs tab skips it
    path.write_text("{}\n" * METRICS_MAX_LINES)
    assert len(C.read_metrics(run)) == METRICS_MAX_LINES
    path.write_text("{}\n" * (METRICS_MAX_LINES + 1))
    with pytest.raises(C.CheckpointError, match="lines"):
        C.read_metrics(run)


def break_weights(run: Path) -> None:
    """A NaN in the first convolution's weights, the file otherwise as ConvScope wrote it (its token)."""
    from safetensors import safe_open
    from safetensors.torch import save_file

    path = run / C.WEIGHTS
    with safe_open(path, "pt") as fh:
        meta = fh.metadata()
        tensors = {k: fh.get_tensor(k).clone() for k in fh.keys()}
    first = next(k for k in tensors if k.endswith("weight"))
    tensors[first].view(-1)[0] = float("nan")
    save_file(tensors, path, metadata=meta)


def test_nan_weights_are_named_broken_by_every_command(trained, tmp_path, capsys):
    run = copy_run(trained, tmp_path)
    break_weights(run)
    with pytest.raises(C.CheckpointError, match="NaN or infinite weights"):
        C.load_run(run)  # the window's File → Open run shows the same sentence
    assert main(["evaluate", "--checkpoint", str(run), "--json"]) == 2
    line = one_error_line(capsys)
    assert "weights are broken" in line and "Train the run again" in line, line
    onnx = tmp_path / "m.onnx"
    assert main(["export", "--checkpoint", str(run), "--format", "onnx", "--output", str(onnx)]) == 2
    assert "weights are broken" in one_error_line(capsys) and not onnx.exists()
    assert main(["train", "--resume", str(run), "--epochs", "3"]) == 2
    line = one_error_line(capsys)
    assert "weights are broken" in line and "learning rate" not in line


def test_predict_with_nan_weights_is_one_line(trained, tmp_path):
    from PIL import Image

    run = copy_run(trained, tmp_path)
    break_weights(run)
    image = tmp_path / "digit.png"
    Image.new("L", (28, 28), 0).save(image)
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "predict", "--checkpoint", str(run),
                           str(image), "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and "weights are broken" in lines[0], proc.stderr
