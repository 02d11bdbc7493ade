"""The dataset catalogue: names, shapes, classes and sizes, with no torch (the window reads it at start-up).

Reading the files and putting them on a device is :mod:`core.data`'s job.
"""
from __future__ import annotations

from dataclasses import dataclass


class DataError(RuntimeError):
    """A dataset that cannot be read: the message names the file and what to do."""


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    display_name: str
    channels: int
    size: int
    classes: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    folder: str  # torchvision's folder under the data root
    description: str
    n_train: int  # images in the training split (for time estimates before any data is loaded)
    n_test: int  # images in the test split

    @property
    def num_classes(self) -> int:
        return len(self.classes)


DIGITS = tuple(str(i) for i in range(10))
DATASETS: dict[str, DatasetInfo] = {
    "mnist-sample": DatasetInfo(
        "mnist-sample", "MNIST sample (offline, 5,000 digits)", 1, 28, DIGITS, (0.1307,), (0.3081,), "",
        "5,000 real MNIST digits shipped with the app: trains in a minute, no download.", 4500, 500),
    "mnist": DatasetInfo(
        "mnist", "MNIST (70,000 digits)", 1, 28, DIGITS, (0.1307,), (0.3081,), "MNIST",
        "Handwritten digits 0–9, 28×28 grey.", 60000, 10000),
    "fashion-mnist": DatasetInfo(
        "fashion-mnist", "Fashion-MNIST (70,000 clothes)", 1, 28,
        ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
         "Ankle boot"),
        (0.2860,), (0.3530,), "FashionMNIST",
        "Clothing items, 28×28 grey: harder than digits, same format.", 60000, 10000),
    "cifar10": DatasetInfo(
        "cifar10", "CIFAR-10 (60,000 colour images)", 3, 32,
        ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
        (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616), "cifar-10-batches-py",
        "Small colour photos of 10 classes, 32×32 RGB.", 50000, 10000),
}


def get_info(name: str) -> DatasetInfo:
    try:
        return DATASETS[name]
    except KeyError:
        raise DataError(f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}.") from None
