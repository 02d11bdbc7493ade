"""``python main.py predict --checkpoint RUN IMAGE --json``: the canvas's preprocessing, the contract JSON,
and one clear line (exit code 2) for images it cannot read."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[3]


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def draw_seven(path: Path, dark_on_light: bool = False, size: int = 300) -> Path:
    """A "7" as someone would draw it in a paint program, off-centre, saved as PNG or JPG."""
    ink, paper = (20, 245) if dark_on_light else (255, 0)
    img = Image.new("L", (size, size), paper)
    d = ImageDraw.Draw(img)
    pts = [(60, 50), (190, 50), (105, 250)]
    d.line(pts, fill=ink, width=24, joint="curve")
    for x, y in pts:
        d.ellipse([x - 12, y - 12, x + 12, y + 12], fill=ink)
    img.save(path, **({"quality": 92} if path.suffix == ".jpg" else {}))
    return path


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A LeNet trained for two epochs on the offline sample (on one core, in a thread of its own)."""
    from convscope.core.insight.inference import use_one_thread_here
    from convscope.core.setup.config import make_config
    from convscope.core.training.engine import Trainer

    out = tmp_path_factory.mktemp("predict") / "lenet"
    config = make_config("lenet", "mnist-sample", epochs=2, seed=1)
    results = []

    def train():
        use_one_thread_here()
        results.append(Trainer(config, run_dir=str(out)).run())

    t = threading.Thread(target=train)
    t.start()
    t.join()
    assert results and results[0].status == "completed", results
    return out


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_predict_json_matches_the_canvas_preprocessing(run_dir, tmp_path):
    from convscope.core.insight.inference import Predictor
    from convscope.core.runs.checkpoints import load_run

    png = draw_seven(tmp_path / "digit.png")
    proc = run_cli("predict", "--checkpoint", str(run_dir), str(png), "--json")
    assert proc.returncode == 0, proc.stderr
    payload = last_json(proc.stdout)
    assert list(payload) == ["top"]
    top = payload["top"]
    assert len(top) == 3
    assert all(isinstance(lbl, int) and isinstance(p, float) for lbl, p in top)
    assert [p for _, p in top] == sorted((p for _, p in top), reverse=True)
    assert top[0][0] == 7
    # The same preprocessing as the canvas: the in-process predictor on the same pixels agrees.
    predictor = Predictor.from_run(load_run(run_dir))
    here = predictor.predict_array(np.asarray(Image.open(png)), k=3)
    assert [lbl for lbl, _ in here] == [lbl for lbl, _ in top]
    np.testing.assert_allclose([p for _, p in here], [p for _, p in top], atol=1e-5)


def test_predict_reads_dark_on_light_jpg(run_dir, tmp_path):
    jpg = draw_seven(tmp_path / "paper.jpg", dark_on_light=True)
    proc = run_cli("predict", "--checkpoint", str(run_dir), str(jpg), "--json", "--top", "10")
    assert proc.returncode == 0, proc.stderr
    top = last_json(proc.stdout)["top"]
    assert len(top) == 10 and top[0][0] == 7
    assert sum(p for _, p in top) == pytest.approx(1.0, abs=1e-4)


def _one_clean_line(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def test_missing_image_is_one_line_exit_2(run_dir, tmp_path):
    line = _one_clean_line(run_cli("predict", "--checkpoint", str(run_dir), str(tmp_path / "nope.png"),
                                   "--json"))
    assert "nope.png" in line and "does not exist" in line


def test_blank_image_is_one_line_exit_2(run_dir, tmp_path):
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    line = _one_clean_line(run_cli("predict", "--checkpoint", str(run_dir), str(blank), "--json"))
    assert "blank" in line and "blank.png" in line


def test_unreadable_image_and_bad_checkpoint_are_one_line_exit_2(run_dir, tmp_path):
    text = tmp_path / "digit.png"
    text.write_text("this is not a picture")
    line = _one_clean_line(run_cli("predict", "--checkpoint", str(run_dir), str(text)))
    assert "cannot read image" in line
    png = draw_seven(tmp_path / "seven.png")
    line = _one_clean_line(run_cli("predict", "--checkpoint", str(tmp_path / "no-run"), str(png)))
    assert "does not exist" in line
