"""The dataset overview of the Dataset tab: counts, examples and mean images per class, never a download."""
from __future__ import annotations

import numpy as np
import pytest

from convscope.core.data import loading as D
from convscope.core.data.datasets import DataError, DatasetMissing, get_info
from convscope.core.insight.overview import DatasetOverview, dataset_overview, pick_examples
from tests.conftest import write_cifar, write_mnist

SAMPLES = ["fashion-mnist-sample", "cifar10-sample"]


@pytest.fixture(scope="module", params=SAMPLES)
def sample(request):
    """(overview, train images, train labels, test labels) of one offline sample."""
    name = request.param
    images, labels = D.load_split(name, "train", download=False)
    _, test_labels = D.load_split(name, "test", download=False)
    return dataset_overview(name), images, labels, test_labels


def _display(images: np.ndarray) -> np.ndarray:
    """(N, C, H, W) → the display layout (N, H, W) or (N, H, W, 3)."""
    return images[:, 0] if images.shape[1] == 1 else images.transpose(0, 2, 3, 1)


def test_the_numbers_match_the_splits(sample):
    ov, images, labels, test_labels = sample
    info = get_info(ov.name)
    assert isinstance(ov, DatasetOverview)
    assert ov.display_name == info.display_name and ov.classes == info.classes
    assert (ov.channels, ov.height, ov.width) == (info.channels, info.size, info.size)
    assert (ov.n_train, ov.n_test) == (len(labels), len(test_labels)) == (info.n_train, info.n_test)
    for counts, split_labels, total in ((ov.train_counts, labels, ov.n_train),
                                        (ov.test_counts, test_labels, ov.n_test)):
        assert counts.dtype.kind == "i" and counts.shape == (info.num_classes,)
        assert counts.sum() == total
        np.testing.assert_array_equal(counts, np.bincount(split_labels, minlength=info.num_classes))


def test_examples_are_images_of_their_class(sample):
    ov, images, labels, _ = sample
    k, p = ov.num_classes, 8
    image_shape = (ov.height, ov.width) + ((3,) if ov.colour else ())
    assert ov.examples.dtype == np.uint8 and ov.examples.shape == (k, p) + image_shape
    assert ov.example_indices.shape == (k, p) and ov.per_class == p
    np.testing.assert_array_equal(ov.example_counts, np.full(k, p))
    shown = _display(images)
    for c in range(k):
        members = shown[labels == c]
        assert len(set(ov.example_indices[c].tolist())) == p  # distinct images
        for j in range(p):
            example = ov.examples[c, j]
            assert labels[ov.example_indices[c, j]] == c
            np.testing.assert_array_equal(example, shown[ov.example_indices[c, j]])
            same = (members == example).reshape(len(members), -1).all(axis=1)
            assert same.any(), f"example {j} of class {c} is no image of that class"


def test_means_are_the_class_means(sample):
    ov, images, labels, _ = sample
    assert ov.means.dtype == np.float32
    assert ov.means.shape == (ov.num_classes,) + ov.examples.shape[2:]
    assert 0 <= ov.means.min() and ov.means.max() <= 1
    shown = _display(images)
    for c in range(ov.num_classes):
        expected = shown[labels == c].astype(np.float64).mean(axis=0) / 255
        np.testing.assert_allclose(ov.means[c], expected, atol=1e-6)


def test_the_examples_follow_the_seed():
    a = dataset_overview("fashion-mnist-sample", seed=3)
    b = dataset_overview("fashion-mnist-sample", seed=3)
    c = dataset_overview("fashion-mnist-sample", seed=4)
    np.testing.assert_array_equal(a.example_indices, b.example_indices)
    np.testing.assert_array_equal(a.examples, b.examples)
    assert not np.array_equal(a.example_indices, c.example_indices)
    np.testing.assert_array_equal(a.means, c.means)  # only the examples depend on the seed


def test_more_examples_wanted_than_a_class_has():
    labels = np.array([0, 0, 0, 1, 2, 2, 0], np.int64)
    picks = pick_examples(labels, num_classes=4, per_class=3, seed=0)
    assert sorted(picks[0].tolist()) in ([0, 1, 2], [0, 1, 6], [0, 2, 6], [1, 2, 6])
    assert picks[1].tolist()[0] == 3 and picks[1, 1:].tolist() == [-1, -1]
    assert sorted(picks[2, :2].tolist()) == [4, 5] and picks[2, 2] == -1
    assert picks[3].tolist() == [-1, -1, -1]  # a class with no images at all
    assert pick_examples(labels, 4, 0, 0).shape == (4, 0)


def test_a_full_dataset_from_a_data_root(tmp_path):
    root = write_mnist(tmp_path, n_train=60, n_test=30)
    ov = dataset_overview("mnist", root, per_class=10)
    images, labels = D.load_split("mnist", "train", root, download=False)
    assert (ov.n_train, ov.n_test) == (60, 30)
    np.testing.assert_array_equal(ov.train_counts, np.bincount(labels, minlength=10))
    short = ov.example_counts < 10  # 60 random labels: some classes have fewer than 10 images
    assert short.any()
    for c in np.flatnonzero(short):
        assert ov.example_counts[c] == ov.train_counts[c]
        assert (ov.example_indices[c, ov.example_counts[c]:] == -1).all()
        assert not ov.examples[c, ov.example_counts[c]:].any()  # black where there is none
    colour = dataset_overview("cifar10", write_cifar(tmp_path / "c"), per_class=2)
    assert colour.examples.shape[2:] == (32, 32, 3) and colour.means.shape == (10, 32, 32, 3)


def test_a_missing_full_dataset_raises_data_error_and_never_downloads(tmp_path, monkeypatch):
    monkeypatch.setattr(D, "default_root", lambda: tmp_path / "empty")
    monkeypatch.setattr(D, "INSTALLED_FOLDERS", {})

    def no_download(*args, **kwargs):
        raise AssertionError("the overview must never download")

    monkeypatch.setattr(D, "_download", no_download)
    for name in ("fashion-mnist", "mnist", "cifar10"):
        with pytest.raises(DataError) as caught:
            dataset_overview(name)
        assert isinstance(caught.value, DatasetMissing)
        assert "not found" in str(caught.value) and "sample" in str(caught.value)
    with pytest.raises(DataError, match="does not exist"):
        dataset_overview("mnist", tmp_path / "nowhere")


def test_unknown_dataset_and_bad_arguments():
    with pytest.raises(DataError, match="unknown dataset"):
        dataset_overview("imagenet")
    with pytest.raises(ValueError):
        dataset_overview("mnist-sample", per_class=-1)
