"""Where ``export --output`` writes: never onto a link, a device or a pipe; an existing file only with
``--overwrite``; errors name the output, not a temporary file; values of ``metrics.jsonl`` that are not
numbers are left out with a note instead of a traceback."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from convscope.core.cli import main
from convscope.core.runs.export import FORMATS, ExportError, export

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("outputs") / "run"
    assert main(["train", "--arch", "lenet", "--dataset", "fashion-mnist-sample", "--epochs", "2", "--subset",
                 "64", "--device", "cpu", "--out", str(out)]) == 0
    return out


def export_cli(run_dir, fmt, output, *extra) -> int:
    return main(["export", "--checkpoint", str(run_dir), "--format", fmt, "--output", str(output), *extra])


def one_error_line(capsys) -> str:
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_link_or_a_pipe_at_the_output_is_never_replaced(run_dir, tmp_path, capsys, fmt):
    target = tmp_path / "target"
    (target.mkdir() if fmt == "tensorboard" else target.write_bytes(b"keep me"))
    link = tmp_path / f"link.{fmt}"
    link.symlink_to(target)
    for extra in ((), ("--overwrite",)):
        assert export_cli(run_dir, fmt, link, *extra) == 2
        assert "symbolic link" in one_error_line(capsys)
    assert link.is_symlink() and (list(target.iterdir()) == [] if fmt == "tensorboard"
                                  else target.read_bytes() == b"keep me")
    if hasattr(os, "mkfifo"):  # a device or a pipe (as root, /dev/null itself would have been replaced)
        fifo = tmp_path / f"pipe.{fmt}"
        os.mkfifo(fifo)
        for extra in ((), ("--overwrite",)):
            assert export_cli(run_dir, fmt, fifo, *extra) == 2
            assert "named pipe" in one_error_line(capsys)
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_existing_output_is_replaced_only_with_overwrite(run_dir, tmp_path, capsys, fmt):
    output = tmp_path / f"out.{fmt}"
    if fmt == "tensorboard":
        assert export_cli(run_dir, fmt, output) == 0
        before = sorted(p.name for p in output.iterdir())
    else:
        output.write_bytes(b"an earlier file")
        before = output.read_bytes()
    capsys.readouterr()
    assert export_cli(run_dir, fmt, output) == 2
    line = one_error_line(capsys)
    assert "already" in line and "--overwrite" in line and "nothing was changed" in line
    assert (sorted(p.name for p in output.iterdir()) if fmt == "tensorboard" else output.read_bytes()) == before
    if fmt == "onnx":  # the exporter's run is the slow part; the refusal above is what is new for it
        return
    assert export_cli(run_dir, fmt, output, "--overwrite") == 0
    if fmt == "tensorboard":  # the earlier event files are replaced, so TensorBoard draws the run once
        assert len(list(output.iterdir())) == 1
    else:
        assert output.read_bytes() != before


@pytest.mark.parametrize("fmt", ["csv", "png"])  # ONNX is written by the same code, after a slower export
def test_a_write_error_names_the_output_and_why(run_dir, tmp_path, monkeypatch, fmt):
    pytest.importorskip("matplotlib" if fmt == "png" else "csv")
    import tempfile

    output = tmp_path / f"out.{fmt}"

    def refused(prefix="", dir=None, **_kw):  # what a read-only folder does (root is never refused)
        raise PermissionError(13, "Permission denied", os.path.join(dir, prefix + "abc123"))

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    with pytest.raises(ExportError) as info:
        export(run_dir, fmt, output)
    text = str(info.value)
    assert str(output) in text and "not writable" in text and ".tmp-" not in text, text
    assert not output.exists()


def test_stdout_that_cannot_be_written_is_one_line(run_dir, tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    output = tmp_path / "m.csv"
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "export", "--checkpoint", str(run_dir),
                               "--format", "csv", "--output", str(output)], cwd=ROOT, stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert "standard output cannot be written" in lines[0] and str(output) in lines[0]
    assert output.is_file()  # the export itself was written


BAD_METRICS = [{"epoch": 1, "train_loss": "abc", "test_loss": 1.5, "train_acc": 0.5, "test_acc": 0.25,
                "seconds": "soon", "lr": 0.1},
               {"epoch": 10 ** 30, "train_loss": 1.0, "seconds": 1.0},
               {"epoch": 2, "train_loss": 0.9, "test_loss": 1.25, "train_acc": True, "test_acc": 0.5,
                "seconds": 1e300, "lr": [0.1]},
               {"epoch": True, "train_loss": 1.0}]


@pytest.fixture
def bad_run(run_dir, tmp_path):
    run = tmp_path / "bad"
    shutil.copytree(run_dir, run)
    (run / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in BAD_METRICS))
    return run


@pytest.mark.parametrize("fmt", ["csv", "png", "tensorboard"])
def test_values_that_are_not_numbers_are_left_out_with_a_note(bad_run, tmp_path, capsys, fmt):
    pytest.importorskip({"png": "matplotlib", "tensorboard": "tensorboard"}.get(fmt, "csv"))
    output = tmp_path / f"out.{fmt}"
    assert export_cli(bad_run, fmt, output, "--json") == 0
    err = capsys.readouterr().err
    assert "note: left out 2 line(s)" in err and "note: left out 4 value(s)" in err, err
    assert "Traceback" not in err
    if fmt == "csv":
        import csv

        with output.open() as fh:
            rows = list(csv.DictReader(fh))
        assert [(r["epoch"], r["train_loss"], r["seconds"], r["train_acc"], r["lr"]) for r in rows] == \
            [("1", "", "", "0.5", "0.1"), ("2", "0.9", "", "", "")]
    elif fmt == "tensorboard":
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

        acc = EventAccumulator(str(output))
        acc.Reload()
        assert [e.step for e in acc.Scalars("loss/test")] == [1, 2]
        assert [e.step for e in acc.Scalars("loss/train")] == [2]
    else:
        assert output.stat().st_size > 10_000


@pytest.mark.parametrize("umask", [0o022, 0o027])
@pytest.mark.parametrize("fmt", FORMATS)
def test_exported_files_get_the_permissions_any_new_file_gets(run_dir, tmp_path, fmt, umask):
    """0666 less the umask, like any file a program creates — not the 0600 of a run folder's files (the
    atomic write's temporary file)."""
    output = tmp_path / f"out-{umask:o}.{fmt}"
    old = os.umask(umask)
    try:
        if fmt == "onnx":
            pytest.importorskip("onnx")
            pytest.importorskip("onnxscript")
        export(run_dir, fmt, output)
    finally:
        os.umask(old)
    files = sorted(output.iterdir()) if fmt == "tensorboard" else [output]
    assert files
    for path in files:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~umask, path
