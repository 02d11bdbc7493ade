"""Rebuild ``cifar10_sample.npz``: the first 4,000 CIFAR-10 *training* images, from the ConvNetJS demo files.

How the file in this folder was made (once; the app reads only the .npz)::

    python resources/data/convert_cifar10_sample.py DIR

``DIR`` holds ``cifar10_batch_0.png`` … ``cifar10_batch_3.png`` and ``cifar10_labels.js`` as the ConvNetJS
demos ship them: each PNG is 1024×1000 RGB, row ``k`` one 32×32×3 image, labelled ``labels[B * 1000 + k]``
in the JavaScript array (the 50,000 training labels in order, then test labels). Those rows are the first
4,000 images of CIFAR-10's ``data_batch_1``, in order.
"""
import json
import re
import sys
from pathlib import Path

import numpy as np
from PIL import Image


def convert(folder: Path, out: Path) -> None:
    text = (folder / "cifar10_labels.js").read_text()
    labels = np.array(json.loads(re.search(r"\[.*\]", text, re.S).group(0)), dtype=np.uint8)
    batches = []
    for b in range(4):
        rgb = np.asarray(Image.open(folder / f"cifar10_batch_{b}.png").convert("RGB"))
        if rgb.shape != (1000, 1024, 3):
            raise SystemExit(f"cifar10_batch_{b}.png is {rgb.shape}, expected 1000×1024 RGB")
        batches.append(rgb.reshape(1000, 32, 32, 3))
    images = np.concatenate(batches).transpose(0, 3, 1, 2)  # N×3×32×32, as CIFAR-10's own batches
    np.savez_compressed(out, images=np.ascontiguousarray(images), labels=labels[:4000])
    print(f"wrote {out} ({out.stat().st_size:,} bytes): {len(images)} images, "
          f"per class {np.bincount(labels[:4000]).tolist()}")


if __name__ == "__main__":
    convert(Path(sys.argv[1]), Path(__file__).with_name("cifar10_sample.npz"))
