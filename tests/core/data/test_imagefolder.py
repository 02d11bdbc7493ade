"""Your own images (``--dataset imagefolder --data-root DIR``): a tiny folder of real image files of mixed
sizes and modes, read through the real reader; its errors; a run trained on it through the CLI, then
predicted with and reopened after the folder is gone."""
from __future__ import annotations

import json
import logging
import os
import shutil

import numpy as np
import pytest
from PIL import Image

from convscope.core.data import imagefolder as IF
from convscope.core.data import loading as D
from convscope.core.setup.config import ConfigError, TrainConfig, make_config

CLASSES = ("cat", "dog", "owl")
PER_CLASS = 12


def _photo(rng, h: int, w: int, cls: int) -> np.ndarray:
    """A colour picture whose class shows in its colour balance (so a network can learn it)."""
    a = rng.integers(0, 90, (h, w, 3)).astype(np.uint8)
    a[..., cls] += 150
    return a


@pytest.fixture
def folder(tmp_path):
    """3 classes × 12 images (PNG, JPEG, BMP; sizes 9–80 px; grey, RGB, RGBA, palette), plus a broken
    .png, a hidden file, a .txt and a loose file in the root: 36 images, 1 skipped."""
    rng = np.random.default_rng(0)
    root = tmp_path / "images"
    for c, name in enumerate(CLASSES):
        (root / name / "more").mkdir(parents=True)
        for i in range(PER_CLASS):
            h, w = (int(v) for v in rng.integers(9, 81, 2))
            im = Image.fromarray(_photo(rng, h, w, c))
            if c == 0 and i == 0:
                im = im.convert("L")  # one grey image among colour ones
            elif i == 1:
                im = im.convert("RGBA")
            elif i == 2:
                im = im.convert("P")
            ext = ".jpg" if i == 3 else ".bmp" if i == 4 else ".png"
            where = root / name / "more" if i == 5 else root / name  # images may sit deeper
            im.save(where / f"{i:02d}{ext}")
    (root / "dog" / "broken.png").write_bytes(rng.integers(0, 256, 300, dtype=np.uint8).tobytes())
    (root / "dog" / ".hidden.png").write_bytes(b"not an image")
    (root / "owl" / "notes.txt").write_text("not an image")
    (root / "readme.png").write_bytes(b"loose file: not a class")
    yield root
    IF.forget()


def test_load_split_shapes_a_fixed_split_and_the_skipped_files(folder, caplog):
    caplog.set_level(logging.WARNING, "convscope.engine")
    info = IF.folder_info(folder)
    assert info.classes == CLASSES and info.channels == 3 and info.size == IF.DEFAULT_SIDE
    assert (info.n_train, info.n_test) == (33, 3)  # a tenth of each class of 12: one test image
    assert info.note == "skipped 1 file that is not a readable image"
    assert "skipped 1 file" in caplog.text and "broken.png" in caplog.text
    x_tr, y_tr = D.load_split("imagefolder", "train", folder)
    x_te, y_te = D.load_split("imagefolder", "test", folder)
    assert x_tr.shape == (33, 3, 32, 32) and x_te.shape == (3, 3, 32, 32)
    assert x_tr.dtype == np.uint8 and y_tr.dtype == np.int64
    assert np.bincount(y_tr).tolist() == [11, 11, 11] and sorted(y_te.tolist()) == [0, 1, 2]
    assert 0 < x_tr.mean() < 255  # real pixels, not the zeros the array starts as
    IF.forget()  # read the files again: the same split, the same pixels
    x2, y2 = D.load_split("imagefolder", "test", str(folder))
    assert np.array_equal(x2, x_te) and np.array_equal(y2, y_te)
    assert D.files_present("imagefolder", folder) and not D.files_present("imagefolder")


def test_a_folder_of_grey_images_gives_one_channel(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        for i in range(3):
            Image.new("L" if i else "I;16", (20 + i, 30), 100 * i).save(tmp_path / name / f"{i}.png")
    x, y = D.load_split("imagefolder", "train", tmp_path)
    assert x.shape == (4, 1, 32, 32) and IF.folder_info(tmp_path).channels == 1
    IF.forget()


def test_the_split_keeps_training_images():
    assert [IF.held_out(n) for n in (1, 2, 9, 10, 19, 20, 25)] == [0, 1, 1, 1, 1, 2, 2]


def _make(root, layout: dict):
    for name, files in layout.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        for f in files:
            if f.endswith(".png"):
                Image.new("RGB", (8, 8)).save(root / name / f)
            else:
                (root / name / f).write_text("x")


@pytest.mark.parametrize("case, expected", [
    ("missing", "does not exist; give the folder with --data-root DIR: one sub-folder per class"),
    ("empty", "has no class sub-folders"),
    ("loose", "holds 2 images but no sub-folders"),
    ("one class", "need at least two classes"),
    ("empty class", "the class folder 'b' in"),
    ("one image each", "none left for a test split"),
])
def test_clear_errors(tmp_path, case, expected):
    root = tmp_path / "images"
    if case != "missing":
        root.mkdir()
    if case == "loose":
        _make(tmp_path, {"images": ["1.png", "2.png"]})
    elif case == "one class":
        _make(root, {"a": ["1.png", "2.png"]})
    elif case == "empty class":
        _make(root, {"a": ["1.png", "2.png"], "b": ["notes.txt"]})
        (root / "b" / "fake.png").write_bytes(b"\x89PNG broken")
    elif case == "one image each":
        _make(root, {"a": ["1.png"], "b": ["1.png"]})
    with pytest.raises(D.DataError, match="^.*" + expected.replace("(", r"\(")) as err:
        D.load_split("imagefolder", "train", root)
    assert isinstance(err.value, IF.FolderError)
    with pytest.raises(ConfigError, match=expected.split(";")[0][:20]):
        make_config("lenet-cifar", "imagefolder", data_root=str(root))


def test_unsafe_and_broken_files_are_skipped(tmp_path, monkeypatch):
    _make(tmp_path, {"a": [f"{i}.png" for i in range(4)], "b": [f"{i}.png" for i in range(4)]})
    (tmp_path / "a" / "eps.png").write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 8 8\n")
    Image.new("RGB", (64, 64)).save(tmp_path / "b" / "bomb.png")
    whole = tmp_path / "b" / "whole.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (30, 30, 3), np.uint8)).save(whole)
    (tmp_path / "b" / "cut.png").write_bytes(whole.read_bytes()[:200])  # header fine, pixels cut short
    whole.unlink()
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # the bomb guard stays on: 64×64 is a bomb now
    info = IF.folder_info(tmp_path)
    assert info.note == "skipped 2 files that are not readable images"  # PostScript, bomb: headers
    x_tr, _ = D.load_split("imagefolder", "train", tmp_path)
    x_te, _ = D.load_split("imagefolder", "test", tmp_path)
    assert len(x_tr) + len(x_te) == 8  # the truncated file is skipped when it is decoded
    monkeypatch.setattr(IF, "MAX_IMAGES", 5)
    IF.forget()
    with pytest.raises(IF.FolderError, match="more than 5 images"):
        IF.scan(tmp_path)
    IF.forget()


def test_the_config_records_the_folder(folder):
    with pytest.raises(ConfigError, match="give the folder with --data-root DIR: one sub-folder per class"):
        make_config("lenet-cifar", "imagefolder")
    with pytest.raises(ConfigError, match="imagefolder dataset only"):
        make_config("lenet", "mnist-sample", classes=("a", "b"))
    cfg = make_config("lenet-cifar", "imagefolder", data_root=str(folder), image_size=40)
    assert cfg.classes == CLASSES and cfg.channels == 3
    assert cfg.input_size == (3, 40, 40) and cfg.info.num_classes == 3 and cfg.info.n_train == 33
    x, _ = D.load_split("imagefolder", "train", folder, info=cfg.info)
    assert x.shape == (33, 3, 40, 40)  # stored at the run's size: no resize on the device
    raw = json.loads(json.dumps(cfg.to_dict()))
    assert raw["classes"] == list(CLASSES)
    assert TrainConfig.from_dict(raw) == cfg == TrainConfig.from_dict(raw, check_device=False)
    # A run's label order is kept even where the folder would sort its classes differently.
    reordered = IF.dataset_info(("owl", "cat", "dog"), 3)
    _, y = D.load_split("imagefolder", "train", folder, info=reordered)
    assert np.bincount(y).tolist() == [11, 11, 11]
    shutil.rmtree(folder / "owl")
    with pytest.raises(IF.FolderError, match="missing owl"):
        D.load_split("imagefolder", "train", folder, info=cfg.info)


def test_prepare_resizes_a_photo_whole():
    from convscope.core.insight.inference import prepare_for

    rgb = np.zeros((30, 60, 3), np.float32)
    rgb[:, :30, 0] = 1.0  # left half red
    image, framing = prepare_for(IF.dataset_info(CLASSES, 3), rgb)
    assert image.shape == (32, 32, 3) and image[:, :14, 0].min() > 0.99 and image[:, 18:, 0].max() < 0.01
    assert framing.field_rect() == (0.0, 0.0, 30.0, 60.0)  # the whole source was seen
    grey, _ = prepare_for(IF.dataset_info(CLASSES, 1, 16), rgb)
    assert grey.shape == (16, 16)


def test_train_predict_and_reopen_without_the_folder(folder, tmp_path, capsys):
    from convscope.core.cli import main
    from convscope.core.runs.checkpoints import load_run

    run = str(tmp_path / "run")
    code = main(["train", "--dataset", "imagefolder", "--data-root", str(folder), "--arch", "lenet-cifar",
                 "--epochs", "1", "--batch-size", "8", "--out", run, "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert json.loads(out.out.strip().splitlines()[-1])["status"] == "completed"
    assert main(["evaluate", "--checkpoint", run, "--json"]) == 2  # the folder is read only when named
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", run, "--data-root", str(folder), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["n"] == 3
    photo = folder / "owl" / "07.png"
    assert main(["predict", "--checkpoint", run, str(photo), "--json"]) == 0
    top = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["top"]
    assert len(top) == 3 and all(0 <= label < 3 for label, _ in top)
    assert main(["predict", "--checkpoint", run, str(photo)]) == 0
    assert capsys.readouterr().out.split(":")[0] in CLASSES  # class names, not numbers
    shutil.rmtree(folder)
    IF.forget()
    loaded = load_run(run)  # the classes and channels are recorded: no folder needed
    assert loaded.config.classes == CLASSES and loaded.config.info.num_classes == 3
    assert os.path.isabs(loaded.config.data_root)
    from convscope.core.insight.inference import Predictor

    probs = Predictor.from_run(loaded).predict_array(np.random.default_rng(0).random((50, 70, 3)))
    assert len(probs) == 3
