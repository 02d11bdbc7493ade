"""Rebuild ``fashion_mnist_sample.npz``: 5,000 Fashion-MNIST *training* images, 500 per class.

How the file in this folder was made (once; the app reads only the .npz)::

    python resources/data/convert_fashion_sample.py /usr/share/datasets/fashion-mnist

The folder is any that holds ``train-images-idx3-ubyte.gz`` and ``train-labels-idx1-ubyte.gz`` (Debian's
package ``dataset-fashion-mnist`` installs them under ``/usr/share/datasets/fashion-mnist/``; torchvision
downloads them to ``<root>/FashionMNIST/raw/``). 500 images of each class are drawn from the training
split with a fixed seed (numpy ``default_rng(0)``), so no test image is in the sample.
"""
import gzip
import sys
from pathlib import Path

import numpy as np

PER_CLASS = 500


def read_idx(path: Path) -> np.ndarray:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    ndim = data[3]
    dims = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def convert(folder: Path, out: Path) -> None:
    images = read_idx(folder / "train-images-idx3-ubyte.gz")
    labels = read_idx(folder / "train-labels-idx1-ubyte.gz")
    if images.shape != (60000, 28, 28) or labels.shape != (60000,):
        raise SystemExit(f"expected the 60,000 training images, got {images.shape} / {labels.shape}")
    rng = np.random.default_rng(0)
    keep = np.sort(np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:PER_CLASS]
                                   for c in range(10)]))
    np.savez_compressed(out, images=images[keep], labels=labels[keep], source_index=keep.astype(np.int32))
    print(f"wrote {out} ({out.stat().st_size:,} bytes): {len(keep)} images, "
          f"per class {np.bincount(labels[keep]).tolist()}")


if __name__ == "__main__":
    convert(Path(sys.argv[1]), Path(__file__).with_name("fashion_mnist_sample.npz"))
