"""Fixtures shared by the core and app tests: small real dataset files in torchvision's layout."""
from __future__ import annotations

import errno
import gzip
import os
import pickle
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array in MNIST's IDX format."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def synthetic_digits(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Learnable fake 28×28 images: each class lights a different horizontal band."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    images = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
    for i, c in enumerate(labels):
        images[i, 2 + 2 * c: 4 + 2 * c, 4:24] = 255
    return images, labels


def write_mnist(root: Path, folder: str = "MNIST", n_train: int = 200, n_test: int = 100,
                gz: bool = False, splits=("train", "test")) -> Path:
    raw = root / folder / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    names = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", n_train),
             "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", n_test)}
    for split in splits:
        img_name, lbl_name, n = names[split]
        images, labels = synthetic_digits(n, seed=1 if split == "train" else 2)
        for name, arr in ((img_name, images), (lbl_name, labels)):
            data = idx_bytes(arr)
            if gz:
                (raw / (name + ".gz")).write_bytes(gzip.compress(data))
            else:
                (raw / name).write_bytes(data)
    return root


def write_cifar(root: Path, n_per_batch: int = 20) -> Path:
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {"data": rng.integers(0, 256, (n_per_batch, 3072)).astype(np.uint8),
                 "labels": rng.integers(0, 10, n_per_batch).tolist()}
        (folder / name).write_bytes(pickle.dumps(batch))
    return root


class HalfWriter:
    """A file whose writes store half of their bytes and then fail the way a full disk does.

    ``failing()`` returns the errno to fail with, or None to write normally (a disk that fills later).
    """

    def __init__(self, fh, failing=lambda: errno.ENOSPC):
        self.fh, self.failing = fh, failing

    def write(self, data):
        error = self.failing()
        if error is None:
            return self.fh.write(data)
        self.fh.write(data[: len(data) // 2])
        self.fh.flush()
        raise OSError(error, os.strerror(error))

    def __getattr__(self, name):
        return getattr(self.fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.fh.close()


@pytest.fixture
def mnist_root(tmp_path):
    return write_mnist(tmp_path)


@pytest.fixture
def shared_mnist():
    if not (SHARED_DATA / "MNIST" / "raw" / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("the real MNIST test set (../shared/data) is not here")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _automatic_gc_outside_window_tests(request):
    """The window moves garbage collection to the GUI thread (app/gui_gc.py) and switches automatic
    collection off; tests without a window get it back."""
    import gc

    if "tests/app" not in Path(str(request.node.fspath)).as_posix():
        gc.enable()
    yield
