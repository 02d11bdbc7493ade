"""Dataset readers and device batching: real files, real parsers, clear errors."""
import pickle

import numpy as np
import pytest
import torch

from convscope.core.data import loading as D
from tests.conftest import idx_bytes, write_cifar, write_mnist


def test_mnist_sample_split_is_fixed_stratified_and_disjoint():
    x_tr, y_tr = D.load_split("mnist-sample", "train")
    x_te, y_te = D.load_split("mnist-sample", "test")
    assert x_tr.shape == (4500, 1, 28, 28) and x_tr.dtype == np.uint8
    assert x_te.shape == (500, 1, 28, 28)
    assert np.bincount(y_te, minlength=10).tolist() == [50] * 10
    assert np.bincount(y_tr, minlength=10).tolist() == [450] * 10
    # no test digit is also a training digit
    train_set = {img.tobytes() for img in x_tr}
    assert not any(img.tobytes() in train_set for img in x_te)
    # the same split every time
    assert np.array_equal(D.load_split("mnist-sample", "test")[1], y_te)


@pytest.mark.parametrize("gz", [False, True])
def test_idx_reader_reads_plain_and_gz(tmp_path, gz):
    write_mnist(tmp_path, gz=gz, n_train=30, n_test=20)
    x, y = D.load_split("mnist", "train", tmp_path)
    assert x.shape == (30, 1, 28, 28) and y.shape == (30,) and y.dtype == np.int64
    x, y = D.load_split("mnist", "test", tmp_path)
    assert x.shape == (20, 1, 28, 28)


def test_test_split_alone_is_enough_for_evaluation(tmp_path):
    write_mnist(tmp_path, splits=("test",), n_test=12)
    x, _ = D.load_split("mnist", "test", tmp_path)
    assert len(x) == 12
    with pytest.raises(D.DataError, match=r"train split not found.*train-images-idx3-ubyte"):
        D.load_split("mnist", "train", tmp_path)


def test_fashion_mnist_uses_its_own_folder(tmp_path):
    write_mnist(tmp_path, folder="FashionMNIST", n_train=10, n_test=10)
    x, _ = D.load_split("fashion-mnist", "train", tmp_path)
    assert x.shape == (10, 1, 28, 28)


def test_truncated_idx_names_file_and_folder(tmp_path):
    write_mnist(tmp_path, n_train=10, n_test=10)
    path = tmp_path / "MNIST" / "raw" / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(D.DataError) as err:
        D.load_split("mnist", "test", tmp_path)
    assert "t10k-images-idx3-ubyte" in str(err.value) and "truncated" in str(err.value)
    assert str(path.parent) in str(err.value)


def test_wrong_format_and_mismatched_counts(tmp_path):
    write_mnist(tmp_path, n_train=10, n_test=10)
    raw = tmp_path / "MNIST" / "raw"
    (raw / "t10k-images-idx3-ubyte").write_bytes(b"not an idx file at all")
    with pytest.raises(D.DataError, match="not an IDX file"):
        D.load_split("mnist", "test", tmp_path)
    (raw / "t10k-images-idx3-ubyte").write_bytes(idx_bytes(np.zeros((7, 28, 28), np.uint8)))
    with pytest.raises(D.DataError, match="7 images but .* 10 labels"):
        D.load_split("mnist", "test", tmp_path)
    (raw / "t10k-labels-idx1-ubyte.gz").write_bytes(b"garbage")
    (raw / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(D.DataError, match="t10k-labels-idx1-ubyte.gz"):
        D.load_split("mnist", "test", tmp_path)


def test_missing_root_and_unknown_dataset(tmp_path):
    with pytest.raises(D.DataError, match="does not exist"):
        D.load_split("mnist", "test", tmp_path / "nowhere")
    with pytest.raises(D.DataError, match="unknown dataset 'svhn'"):
        D.load_split("svhn", "test")


def test_cifar_batches_load_and_pickled_code_is_refused(tmp_path):
    write_cifar(tmp_path, n_per_batch=8)
    x, y = D.load_split("cifar10", "train", tmp_path)
    assert x.shape == (40, 3, 32, 32) and len(y) == 40
    x, y = D.load_split("cifar10", "test", tmp_path)
    assert x.shape == (8, 3, 32, 32)

    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(pickle.dumps({"data": Evil()}))
    with pytest.raises(D.DataError, match="test_batch"):
        D.load_split("cifar10", "test", tmp_path)
    assert not marker.exists()


def test_real_mnist_test_set(shared_mnist):
    x, y = D.load_split("mnist", "test", shared_mnist)
    assert x.shape == (10000, 1, 28, 28)
    assert np.bincount(y).sum() == 10000 and y.max() == 9


def test_preprocess_normalises_resizes_and_converts_channels():
    info = D.get_info("mnist")
    x = torch.full((4, 1, 28, 28), 255, dtype=torch.uint8)
    out = D.Preprocess(info, 28, 1)(x)
    assert out.dtype == torch.float32 and out.shape == (4, 1, 28, 28)
    assert torch.allclose(out, torch.full_like(out, (1 - 0.1307) / 0.3081))
    out = D.Preprocess(info, 224, 3)(x)
    assert out.shape == (4, 3, 224, 224)


def test_random_shift_moves_each_image_within_bounds():
    x = torch.zeros(64, 1, 28, 28, dtype=torch.uint8)
    x[:, :, 14, 14] = 255
    g = torch.Generator().manual_seed(0)
    out = D.random_shift(x, 2, g)
    assert out.shape == x.shape and out.dtype == torch.uint8
    ys, xs = [], []
    for img in out[:, 0]:
        (r, c), = torch.nonzero(img).tolist()
        ys.append(r), xs.append(c)
    assert set(ys) <= set(range(12, 17)) and set(xs) <= set(range(12, 17))
    assert len(set(zip(ys, xs))) > 5  # shifts differ between images
    assert torch.equal(D.random_shift(x, 0), x)


def test_batch_indices_cover_every_example_once():
    g = torch.Generator().manual_seed(0)
    batches = list(D.batch_indices(103, 10, g, "cpu"))
    assert [len(b) for b in batches] == [10] * 10 + [3]
    assert sorted(torch.cat(batches).tolist()) == list(range(103))
