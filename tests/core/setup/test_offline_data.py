"""Training offline: the Fashion-MNIST and CIFAR-10 samples, installed datasets, presets that fall back."""
from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

from convscope.core.cli import main
from convscope.core.data import loading as D
from convscope.core.models import get_spec
from convscope.core.setup.config import make_config
from convscope.core.setup.presets import NOT_HERE, Swap, get_preset, load_presets, resolve
from convscope.core.training.engine import Trainer
from tests.conftest import SHARED_DATA, idx_bytes, synthetic_digits


@pytest.fixture
def nothing_downloaded(tmp_path, monkeypatch):
    """No download folder with files and no system-wide installation (as on a fresh offline laptop)."""
    monkeypatch.setattr(D, "default_root", lambda: tmp_path / "downloads")
    monkeypatch.setattr(D, "INSTALLED_FOLDERS", {"fashion-mnist": (tmp_path / "usr-share",)})
    return tmp_path


# ------------------------------------------------------------------------------------------- samples
@pytest.mark.parametrize("name, shape, n_train, n_test", [
    ("fashion-mnist-sample", (1, 28, 28), 4500, 500),
    ("cifar10-sample", (3, 32, 32), 3604, 396),
])
def test_samples_hold_what_they_say(name, shape, n_train, n_test):
    info = D.get_info(name)
    x_tr, y_tr = D.load_split(name, "train")
    x_te, y_te = D.load_split(name, "test")
    assert x_tr.dtype == np.uint8 and x_tr.shape == (n_train, *shape) and x_te.shape == (n_test, *shape)
    assert (info.n_train, info.n_test) == (n_train, n_test) and info.offline
    per_class = np.bincount(np.concatenate([y_tr, y_te]), minlength=10)
    test_per_class = np.bincount(y_te, minlength=10)
    assert (test_per_class == per_class // 10).all()  # a tenth of each class is the test split
    if name == "fashion-mnist-sample":
        assert per_class.tolist() == [500] * 10
    else:  # the first 4,000 images of CIFAR-10's data_batch_1, in order
        assert per_class.sum() == 4000 and y_tr[0] == 6  # its first image is a frog
    train = {img.tobytes() for img in x_tr}
    assert not any(img.tobytes() in train for img in x_te)
    assert np.array_equal(D.load_split(name, "test")[1], y_te)  # the same split every time


def test_the_fashion_sample_comes_from_the_training_split_only():
    raw = SHARED_DATA / "FashionMNIST" / "raw"
    if not (raw / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("the real Fashion-MNIST (../shared/data) is not here")
    sample = np.concatenate([D.load_split("fashion-mnist-sample", s)[0] for s in ("train", "test")])
    test_images, _ = D.load_split("fashion-mnist", "test", SHARED_DATA)
    train_images, train_labels = D.load_split("fashion-mnist", "train", SHARED_DATA)
    test_set = {img.tobytes() for img in test_images}
    assert not any(img.tobytes() in test_set for img in sample)
    train_set = {img.tobytes() for img in train_images}
    assert all(img.tobytes() in train_set for img in sample)


# ------------------------------------------------------------------------------------ installed data
def test_an_installed_fashion_mnist_is_found_without_a_data_root(nothing_downloaded):
    folder = nothing_downloaded / "usr-share"
    folder.mkdir()
    for (img, lbl), n in ((D.IDX_FILES["train"], 30), (D.IDX_FILES["test"], 20)):
        images, labels = synthetic_digits(n, seed=3)
        (folder / f"{img}.gz").write_bytes(gzip.compress(idx_bytes(images)))
        (folder / f"{lbl}.gz").write_bytes(gzip.compress(idx_bytes(labels)))
    assert D.files_present("fashion-mnist")
    x, y = D.load_split("fashion-mnist", "train", download=False)
    assert x.shape == (30, 1, 28, 28) and len(y) == 30
    assert resolve(get_preset("lenet-fashion")).config["dataset"] == "fashion-mnist"


def test_a_missing_dataset_says_where_it_looked_and_what_to_do(nothing_downloaded):
    assert not D.files_present("fashion-mnist")
    with pytest.raises(D.DatasetMissing) as err:
        D.load_split("fashion-mnist", "train", download=False)
    text = str(err.value)
    assert err.value.sample == "fashion-mnist-sample" and err.value.dataset == "fashion-mnist"
    assert str(nothing_downloaded / "usr-share") in text and "fashion-mnist-sample" in text
    assert "dataset-fashion-mnist" in text and "Traceback" not in text


def test_a_failed_download_is_explained_in_words(nothing_downloaded, monkeypatch):
    import socket

    from convscope.core.data.download import MIRROR_ENV

    with socket.socket() as s:  # a port on 127.0.0.1 where nothing listens: connections are refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv(MIRROR_ENV, f"http://127.0.0.1:{port}/")
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(D.DatasetMissing) as err:
        D.load_split("cifar10", "train")
    text = str(err.value)
    assert "the internet cannot be reached" in text and "cifar10-sample" in text
    assert "cifar-10-python.tar.gz" in text and str(nothing_downloaded / "downloads") in text
    assert "urlopen" not in text and "Errno" not in text


def test_a_missing_dataset_fails_the_run_with_its_own_reason(nothing_downloaded):
    from convscope.core.training.events import DATA_MISSING

    trainer = Trainer(make_config("lenet", "fashion-mnist"))
    D_download = D._download
    try:
        D._download = lambda info, root: (_ for _ in ()).throw(
            D.DatasetMissing("not here", info.name, D.sample_of(info.name)))
        result = trainer.run()
    finally:
        D._download = D_download
    assert result.status == "failed" and result.reason == DATA_MISSING


# ------------------------------------------------------------------------------------------- presets
PRESETS, DEFAULT = load_presets()


def test_every_experiment_of_the_notes_has_a_preset():
    ids = {p.id for p in PRESETS}
    assert DEFAULT in ids
    datasets = {p.config["dataset"] for p in PRESETS}
    assert {"fashion-mnist", "cifar10", "mnist"} <= datasets
    archs = {p.config["arch"] for p in PRESETS}
    assert {"lenet", "nin", "inception-net", "lenet-cifar", "resnet-small"} <= archs


def test_presets_keep_lenets_defaults():
    by_id = {p.id: p for p in PRESETS}
    assert by_id["lenet-sample"].config == {"arch": "lenet", "dataset": "mnist-sample"}
    assert by_id["lenet-cifar"].config == {"arch": "lenet-cifar", "dataset": "cifar10", "optimizer": "adam",
                                           "lr": 0.001, "batch_size": 128, "epochs": 10,
                                           "schedule": "constant"}


@pytest.mark.parametrize("preset", PRESETS, ids=[p.id for p in PRESETS])
def test_every_preset_trains_a_step_offline(preset, nothing_downloaded):
    resolved = resolve(preset)
    dataset = preset.config["dataset"]
    if D.get_info(dataset).offline:
        assert resolved.config == preset.config and resolved.swap is None
    else:
        assert resolved.config["dataset"] == D.sample_of(dataset)
        assert resolved.swap == Swap(dataset, D.sample_of(dataset), NOT_HERE)  # the facts; each side words them
    values = dict(resolved.config)
    arch = values.pop("arch")
    small = {"width": 0.25} if "width" in get_spec(arch).options else {}  # one quick step on a CPU
    cfg = make_config(arch, values.pop("dataset"), **{**values, "batch_size": 4, "subset": 8, **small})
    trainer = Trainer(cfg)
    trainer.step_hooks.append(lambda t: t.stop())
    result = trainer.run()
    assert result.status == "stopped" and trainer.global_step == 1, result.message


def test_presets_from_the_command_line(nothing_downloaded, capsys):
    assert main(["presets", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [p["id"] for p in listed["presets"]] == [p.id for p in PRESETS]
    assert all({"id", "name", "config"} <= set(p) for p in listed["presets"])
    code = main(["train", "--preset", "lenet-cifar", "--epochs", "1", "--subset", "64", "--device", "cpu",
                 "--json"])
    captured = capsys.readouterr()
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert code == 0 and result["status"] == "completed"
    assert "CIFAR-10 is not on this computer" in captured.err and "offline CIFAR-10 sample" in captured.err
    assert main(["train", "--preset", "no-such-preset"]) == 2
    assert "unknown preset 'no-such-preset'" in capsys.readouterr().err


def test_a_sample_run_evaluates_on_a_folder_with_only_the_cifar_test_batch(tmp_path, capsys):
    import pickle

    run = tmp_path / "run"
    assert main(["train", "--arch", "lenet-cifar", "--dataset", "cifar10-sample", "--epochs", "1",
                 "--subset", "64", "--device", "cpu", "--out", str(run)]) == 0
    folder = tmp_path / "data" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    (folder / "test_batch").write_bytes(pickle.dumps({"data": rng.integers(0, 256, (37, 3072)).astype(np.uint8),
                                                      "labels": rng.integers(0, 10, 37).tolist()}))
    (folder / "batches.meta").write_bytes(pickle.dumps({"label_names": list(D.get_info("cifar10").classes)}))
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", str(run), "--dataset", "cifar10", "--data-root",
                 str(tmp_path / "data"), "--device", "cpu", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["n"] == 37 and 0 <= result["accuracy"] <= 1


def test_the_command_line_says_which_dataset_a_preset_swapped(nothing_downloaded, capsys):
    from convscope.core.cli import main, swap_note

    assert swap_note(Swap("fashion-mnist", "fashion-mnist-sample")) == (
        "Fashion-MNIST is not on this computer: this preset trains on the offline Fashion-MNIST sample (5,000 "
        "real images) instead; download the full set (pick it in the dataset list) for the notes' figures.")
    preset = next(p for p in load_presets()[0] if p.config.get("dataset") == "fashion-mnist")
    assert main(["train", "--preset", preset.id, "--epochs", "1", "--subset", "16", "--device", "cpu",
                 "--batch-size", "8"]) == 0
    assert "note: Fashion-MNIST is not on this computer" in capsys.readouterr().err
