"""The dataset catalogue: names, shapes, classes and sizes, with no torch (the window reads it at start-up).

Reading the files and putting them on a device is :mod:`core.data.loading`'s job.
"""
from __future__ import annotations

from dataclasses import dataclass


class DataError(RuntimeError):
    """A dataset that cannot be read: the message names the file and what to do."""


class DatasetMissing(DataError):
    """A dataset that is not on this computer and could not be downloaded. ``sample`` names the offline
    sample that can stand in for it (None when there is none)."""

    def __init__(self, message: str, dataset: str, sample: str | None):
        super().__init__(message)
        self.dataset, self.sample = dataset, sample


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
    sample_file: str = ""  # an offline sample shipped in resources/data/ (empty: files on disk or a download)
    full: str = ""  # a sample's full dataset (its runs evaluate on it; presets fall back from it to the sample)
    note: str = ""  # what reading the files found worth telling (e.g. files of an image folder skipped)

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def offline(self) -> bool:
        """Shipped with the app: trains without any download."""
        return bool(self.sample_file)


DIGITS = tuple(str(i) for i in range(10))
CLOTHES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
           "Ankle boot")
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
FASHION_STATS = ((0.2860,), (0.3530,))
CIFAR10_STATS = ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))
# The offline samples are split with a fixed seed: a tenth of each class is the test split.
SAMPLE_TEST_SHARE = 10
IMAGEFOLDER = "imagefolder"  # your own images, DIR/<class>/<image> (core/imagefolder.py)
DATASETS: dict[str, DatasetInfo] = {
    "mnist-sample": DatasetInfo(
        "mnist-sample", "MNIST sample (offline, 5,000 digits)", 1, 28, DIGITS, (0.1307,), (0.3081,), "",
        "5,000 real MNIST digits shipped with the app: trains in a minute, no download.", 4500, 500,
        sample_file="mnist_sample.npz", full="mnist"),
    "fashion-mnist-sample": DatasetInfo(
        "fashion-mnist-sample", "Fashion-MNIST sample (offline, 5,000 clothes)", 1, 28, CLOTHES,
        *FASHION_STATS, "",
        "5,000 real Fashion-MNIST training images (500 per class) shipped with the app: no download.",
        4500, 500, sample_file="fashion_mnist_sample.npz", full="fashion-mnist"),
    "cifar10-sample": DatasetInfo(
        "cifar10-sample", "CIFAR-10 sample (offline, 4,000 photos)", 3, 32, CIFAR10_CLASSES, *CIFAR10_STATS,
        "", "The first 4,000 real CIFAR-10 training photos shipped with the app: no download.", 3604, 396,
        sample_file="cifar10_sample.npz", full="cifar10"),
    "mnist": DatasetInfo(
        "mnist", "MNIST (70,000 digits)", 1, 28, DIGITS, (0.1307,), (0.3081,), "MNIST",
        "Handwritten digits 0–9, 28×28 grey.", 60000, 10000),
    "fashion-mnist": DatasetInfo(
        "fashion-mnist", "Fashion-MNIST (70,000 clothes)", 1, 28, CLOTHES, *FASHION_STATS, "FashionMNIST",
        "Clothing items, 28×28 grey: harder than digits, same format.", 60000, 10000),
    "cifar10": DatasetInfo(
        "cifar10", "CIFAR-10 (60,000 colour images)", 3, 32, CIFAR10_CLASSES, *CIFAR10_STATS,
        "cifar-10-batches-py",
        "Small colour photos of 10 classes, 32×32 RGB.", 50000, 10000),
    # A template for the choice lists: a folder's own classes, channels and counts come from
    # core.data.imagefolder.folder_info(root), or from a run's config (TrainConfig.info, which records them).
    IMAGEFOLDER: DatasetInfo(
        IMAGEFOLDER, "Folder of images…", 3, 32, (), (0.5,) * 3, (0.5,) * 3, "",
        "Your own images: a folder with one sub-folder per class (DIR/cats/…, DIR/dogs/…), PNG, JPEG, BMP, "
        "GIF, WebP or TIFF of any size, resized to 32×32.", 0, 0),
}


def sample_of(name: str) -> str | None:
    """The offline sample of the full dataset ``name`` (None when it has none)."""
    return next((d.name for d in DATASETS.values() if d.full == name), None)


def get_info(name: str) -> DatasetInfo:
    try:
        return DATASETS[name]
    except KeyError:
        raise DataError(f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}.") from None
