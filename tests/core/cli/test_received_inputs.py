"""Files someone sends you (docs/reliability.md, "received inputs"): an image that is really PostScript, a
FIFO among the images, a run whose config names a folder to scan, a huge metrics.jsonl, and names from
files that would steer the terminal. Each is refused or skipped in one line, promptly, running nothing."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import EpsImagePlugin, Image

from convscope.core.cli import main
from convscope.core.data import imagefolder as IF

ROOT = Path(__file__).resolve().parents[3]
EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 8 8\n{1 pop} loop\nshowpage\n"
HANG_GUARD_S = 120  # a child still running then is killed (the bug was a hang forever)




@pytest.fixture
def no_postscript(monkeypatch):
    """Records every time Pillow's EPS plugin is reached (parsing a header, or running Ghostscript)."""
    reached = []

    def refuse_open(self, *args, **kwargs):
        reached.append("open")
        raise SyntaxError("the EPS plugin was reached")

    monkeypatch.setattr(EpsImagePlugin.EpsImageFile, "_open", refuse_open)
    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", lambda *a, **k: reached.append("gs"))
    return reached


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert lines and "Traceback" not in err, err
    assert lines[-1].startswith("error: "), err
    return lines[-1]


# ----------------------------------------------------------------------- 1. PostScript named digit.png
def test_postscript_named_png_is_refused_by_predict_without_reaching_the_eps_plugin(
        lenet_run, tmp_path, capsys, no_postscript):
    image = tmp_path / "digit.png"
    image.write_bytes(EPS)
    assert main(["predict", "--checkpoint", str(lenet_run), str(image)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "not a PNG, JPEG" in line and "digit.png" in line
    assert no_postscript == []


def test_every_image_reader_refuses_postscript(tmp_path, no_postscript):
    from convscope.core.base.safe_image import ImageRefused, open_image
    from convscope.core.insight.inference import InferenceError, load_image

    image = tmp_path / "photo.jpg"
    image.write_bytes(EPS)
    with pytest.raises(ImageRefused, match="is not a PNG"):
        with open_image(image):
            pass
    with pytest.raises(InferenceError, match="is not a PNG"):
        load_image(image, "RGB")  # the window's photo drop reads files through this
    assert IF.read_image(image, 32, 3) is None
    assert no_postscript == []


# ------------------------------------------------------------------------- 2. a FIFO among the images
def _folder(root: Path, classes=("cat", "dog"), per_class: int = 4) -> Path:
    rng = np.random.default_rng(0)
    for c, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            a = rng.integers(0, 90, (12, 12, 3)).astype(np.uint8)
            a[..., c % 3] += 150
            Image.fromarray(a).save(root / name / f"{i}.png")
    return root


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_named_png_in_an_image_folder_is_skipped_by_train(tmp_path):
    folder = _folder(tmp_path / "images")
    os.mkfifo(folder / "cat" / "x.png")
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "train", "--dataset", "imagefolder",
                             "--data-root", str(folder), "--arch", "lenet-cifar", "--epochs", "1",
                             "--batch-size", "4", "--device", "cpu", "--out", str(tmp_path / "run")],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=HANG_GUARD_S)
    except subprocess.TimeoutExpired:
        with open(os.open(folder / "cat" / "x.png", os.O_WRONLY | os.O_NONBLOCK), "wb"):
            pass  # a writer that closes at once: the blocked reader gets its end of file
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"train waited on the FIFO for {HANG_GUARD_S} s: {err[-500:]}")
    assert proc.returncode == 0, err[-2000:]
    assert "skipped 1 file that is not a readable image" in err and "x.png" in err
    assert IF.read_image(folder / "cat" / "x.png", 32, 3) is None  # refused at once, not waited on
    IF.forget()


# --------------------------------------------------------------- 3. a received run names a folder to scan
@pytest.fixture
def scans(monkeypatch):
    """Every folder listed under the root folder: recorded, and refused so nothing walks the disk."""
    seen = []
    real_scandir, real_walk = os.scandir, os.walk

    def at_root(path) -> bool:
        try:
            p = Path(os.fspath(path)).resolve()
        except (OSError, TypeError, RuntimeError):
            return False
        return p == Path(p.anchor) or p.parent == Path(p.anchor)

    def scandir(path="."):
        if at_root(path):
            seen.append(("scandir", os.fspath(path)))
            raise PermissionError(13, "listing the root folder in a test")
        return real_scandir(path)

    def walk(top, *args, **kwargs):
        if at_root(top):
            seen.append(("walk", os.fspath(top)))
            return iter(())
        return real_walk(top, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "walk", walk)
    return seen


def _imagefolder_config(run: Path, **changes) -> None:
    cfg = json.loads((run / "config.json").read_text())
    cfg.update(dataset="imagefolder", data_root="/", image_size=28, **changes)
    (run / "config.json").write_text(json.dumps(cfg))


@pytest.mark.parametrize("command", ["predict", "summary", "evaluate"])
def test_a_run_without_classes_is_refused_without_scanning_the_folder_it_names(
        run_copy, tmp_path, capsys, scans, command):
    _imagefolder_config(run_copy, classes=None, channels=None)
    image = tmp_path / "seven.png"
    Image.new("L", (28, 28)).save(image)
    args = {"predict": ["predict", "--checkpoint", str(run_copy), str(image)],
            "summary": ["summary", "--checkpoint", str(run_copy)],
            "evaluate": ["evaluate", "--checkpoint", str(run_copy)]}[command]
    assert main(args) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "records no classes" in line
    assert scans == []


def test_a_run_with_classes_predicts_and_summarises_and_evaluates_only_a_folder_named(
        run_copy, tmp_path, capsys, scans):
    _imagefolder_config(run_copy, classes=[f"c{i}" for i in range(10)], channels=1)
    image = tmp_path / "seven.png"
    Image.new("L", (28, 28)).save(image)
    assert main(["predict", "--checkpoint", str(run_copy), str(image), "--json"]) == 0
    assert main(["summary", "--checkpoint", str(run_copy), "--json"]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", str(run_copy)]) == 2  # never the folder the config names
    line = one_error_line(capsys.readouterr().err)
    assert "--data-root DIR" in line and "trained on /" in line
    assert scans == []


def test_an_opened_image_folder_run_never_loads_the_folder_it_names(run_copy, scans):
    """The window's inside views open a run as a RunTarget: its test images are never read from the folder
    the run's config names."""
    from convscope.core.data.datasets import DataError
    from convscope.core.runs.checkpoints import load_run
    from convscope.core.runs.opened_run import RunTarget

    _imagefolder_config(run_copy, classes=[f"c{i}" for i in range(10)], channels=1)
    run = load_run(run_copy, device="cpu")
    with pytest.raises(DataError, match="test images are not read.*choose your image folder in the settings"):
        RunTarget.from_run(run)
    assert scans == []


# ---------------------------------------------------------------------- 4. a metrics.jsonl of many lines
def test_the_runs_listing_bounds_the_lines_of_metrics_it_parses(run_copy, monkeypatch):
    from convscope.core.base import safe_read
    from convscope.core.runs import listing

    parsed = []
    real = safe_read.loads_strict
    monkeypatch.setattr(safe_read, "loads_strict", lambda text: parsed.append(1) or real(text))
    monkeypatch.setattr(safe_read, "METRICS_MAX_LINES", 1000)
    (run_copy / "metrics.jsonl").write_bytes(b"{}\n" * 5000)
    row = listing.summarize(run_copy)
    assert "metrics.jsonl" in row.problem and "5,000 lines" in row.problem
    assert row.metrics == [] and row.arch == "lenet"
    assert len(parsed) < 10  # the JSON files, not the 5,000 lines


# ------------------------------------------------------------------ 6. names that would steer a terminal
def test_class_names_with_escape_sequences_are_printed_escaped(tmp_path, capsys):
    evil = "\x1b]0;pwned\x07cat"
    folder = _folder(tmp_path / "images", classes=(evil, "dog"))
    run = tmp_path / "run"
    assert main(["train", "--dataset", "imagefolder", "--data-root", str(folder), "--arch", "lenet-cifar",
                 "--epochs", "1", "--batch-size", "4", "--device", "cpu", "--out", str(run)]) == 0
    capsys.readouterr()
    assert main(["predict", "--checkpoint", str(run), str(folder / "dog" / "0.png")]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b]0;pwned\\x07cat" in out and "dog" in out
    # An error that quotes the class names: evaluated on a folder without that class.
    other = _folder(tmp_path / "other", classes=("bird", "dog"))
    assert main(["evaluate", "--checkpoint", str(run), "--data-root", str(other)]) == 2
    err = capsys.readouterr().err
    line = one_error_line(err)
    assert "\x1b" not in err and "\x07" not in err and "\\x1b]0;pwned\\x07cat" in line
    IF.forget()
