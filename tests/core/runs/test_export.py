"""Exports of a real (tiny) run: ONNX equals torch, TensorBoard reads back, the CSV has the metrics keys."""
import csv
import json

import numpy as np
import pytest
import torch

from convscope.core.cli import main
from convscope.core.runs.export import METRIC_KEYS, ExportError, export


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "run"
    assert main(["train", "--arch", "lenet", "--dataset", "fashion-mnist-sample", "--epochs", "3", "--subset", "96",
                 "--device", "cpu", "--out", str(out)]) == 0
    return out


def test_onnx_scores_equal_torchs_on_several_batch_sizes(run_dir, tmp_path, capsys):
    ort = pytest.importorskip("onnxruntime")
    from convscope.core.insight.inference import run_preprocess
    from convscope.core.runs.checkpoints import load_run

    path = tmp_path / "lenet.onnx"
    assert main(["export", "--checkpoint", str(run_dir), "--format", "onnx", "--output", str(path), "--json"]) == 0
    done = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert done["input"] == [None, 1, 28, 28] and path.stat().st_size > 10_000
    run = load_run(run_dir)
    pre = run_preprocess(run.config)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["images"]
    meta = session.get_modelmeta().custom_metadata_map
    assert json.loads(meta["classes"])[0] == "T-shirt/top" and json.loads(meta["input_size"]) == [1, 28, 28]
    gen = torch.Generator().manual_seed(0)
    for n in (1, 3, 17):
        images = torch.randint(0, 256, (n, 1, 28, 28), dtype=torch.uint8, generator=gen)
        with torch.no_grad():
            expected = run.model.eval()(pre(images)).numpy()
        got, = session.run(["scores"], {"images": (images.float() / 255).numpy()})
        assert got.shape == (n, 10)
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_csv_has_one_row_per_epoch_with_the_metrics_keys(run_dir, tmp_path):
    path = tmp_path / "m.csv"
    assert export(run_dir, "csv", path)["rows"] == 3
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == METRIC_KEYS and [int(r["epoch"]) for r in rows] == [1, 2, 3]
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [float(r["test_acc"]) for r in rows] == [rec["test_acc"] for rec in records]


def test_tensorboard_scalars_read_back(run_dir, tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    folder = tmp_path / "tb"
    export(run_dir, "tensorboard", folder)
    acc = EventAccumulator(str(folder))
    acc.Reload()
    assert {"loss/train", "loss/test", "accuracy/train", "accuracy/test", "lr"} <= set(acc.Tags()["scalars"])
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    events = acc.Scalars("accuracy/test")
    assert [e.step for e in events] == [1, 2, 3]
    assert [e.value for e in events] == pytest.approx([r["test_acc"] for r in records])


def test_png_is_an_image_of_the_curves(run_dir, tmp_path):
    pytest.importorskip("matplotlib")
    from PIL import Image

    path = tmp_path / "curves.png"
    export(run_dir, "png", path)
    with Image.open(path) as im:
        assert im.format == "PNG" and im.width > 500 and im.height > 200
        colours = np.unique(np.asarray(im.convert("RGB")).reshape(-1, 3), axis=0)
        assert len(colours) > 20  # curves, not a blank page


def test_bad_exports_say_what_to_do(run_dir, tmp_path, capsys):
    assert main(["export", "--checkpoint", str(tmp_path / "none"), "--format", "csv",
                 "--output", str(tmp_path / "a.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(ExportError, match="is a folder"):
        export(run_dir, "csv", tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "metrics.jsonl").write_text("")
    with pytest.raises(ExportError, match="no finished epoch"):
        export(empty, "csv", tmp_path / "b.csv")
    assert not (tmp_path / "b.csv").exists()


def test_summary_command_lists_layers_that_add_up(capsys):
    assert main(["summary", "--arch", "nin", "--dataset", "fashion-mnist-sample", "--json"]) == 0
    s = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert sum(r["params"] for r in s["rows"]) == s["total_params"]
    assert not any(r["kind"] == "Linear" for r in s["rows"])  # NiN: no fully connected layer
    assert main(["summary", "--arch", "nope"]) == 2
