"""Datasets as uint8 tensors on the training device.

A whole split lives on the device as one ``uint8`` tensor (60,000 MNIST digits are 47 MB); batches are
drawn by indexing with a ``randperm``, and normalisation and resizing run as batched tensor ops on the
device, as do the augmentations of :mod:`core.data.augment`. There is no DataLoader and no per-sample
Python in the training loop.

Files are read by the parsers below (IDX for MNIST/Fashion-MNIST, CIFAR-10's python batches through an
unpickler that only accepts numpy arrays), so a dataset folder can never run code. A split is looked for
in the data root given, else in the per-user download folder and the system-wide installations (Debian's
``dataset-fashion-mnist``); when it is in none of them it is downloaded (:mod:`core.data.download`). The offline
samples ship in ``resources/data/``; ``imagefolder`` reads a folder of your own images
(:mod:`core.data.imagefolder`).
"""
from __future__ import annotations

import io
import os
import pickle
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from convscope.core.base.resources import resource_path
from convscope.core.base.safe_read import MIB, FileRefused, human_size, inflate_bounded, read_bounded
from convscope.core.data import imagefolder
from convscope.core.data.datasets import (  # noqa: F401
    DATASETS,
    IMAGEFOLDER,
    SAMPLE_TEST_SHARE,
    DataError,
    DatasetInfo,
    DatasetMissing,
    get_info,
    sample_of,
)

SAMPLE_FOLDER = resource_path("data")  # the offline samples, shipped in the wheel
# Datasets installed system-wide, read when no data root is given: Debian's package
# dataset-fashion-mnist puts the four Fashion-MNIST files (gzipped IDX) here.
INSTALLED_FOLDERS: dict[str, tuple[Path, ...]] = {
    "fashion-mnist": (Path("/usr/share/datasets/fashion-mnist"),),
}


IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
CIFAR_FILES = {
    "train": tuple(f"data_batch_{i}" for i in range(1, 6)),
    "test": ("test_batch",),
}


def default_root() -> Path:
    """Per-user folder where downloaded datasets are kept."""
    import platformdirs

    return Path(platformdirs.user_data_dir("convscope", appauthor=False)) / "datasets"


# --------------------------------------------------------------------------------------------- readers
IDX_LIMIT = 256 * MIB  # the largest IDX file read (MNIST's training images are 47 MB), before or after gzip
CIFAR_BATCH_LIMIT = 64 * MIB  # a CIFAR-10 batch file is 31 MB
CIFAR_MAX_ROWS = 10_000  # rows of one batch


def _idx_header(head: bytes):
    """For :func:`inflate_bounded`: the bytes an IDX header still needs, then its declared total size."""
    if len(head) < 4:
        return 4 - len(head)
    if head[:3] != b"\0\0\x08" or head[3] not in (1, 3):
        return None  # not an IDX file of bytes: read_idx says so
    offset = 4 + 4 * head[3]
    if len(head) < offset:
        return offset - len(head)
    dims = [int.from_bytes(head[4 + 4 * i: 8 + 4 * i], "big") for i in range(head[3])]
    return ("total", offset + _declared(dims))


def _declared(dims) -> int:
    n = 1
    for d in dims:
        n *= d
    return n


def _read_bytes(path: Path) -> bytes:
    """The file's bytes (decompressed for ``.gz``): never more than IDX_LIMIT, and a ``.gz`` inflated no
    further than the size its IDX header declares (one byte past it shows padding)."""
    try:
        raw = read_bounded(path, IDX_LIMIT)
        if path.suffix != ".gz":
            return raw
        return inflate_bounded(raw, lambda head: _capped(_idx_header(head), path))
    except FileRefused as exc:
        raise DataError(f"cannot read {path.name} in {path.parent}: it {exc}. "
                        f"Replace it with the original file.") from None
    except (OSError, EOFError, zlib.error) as exc:  # unreadable, truncated or corrupt .gz
        raise DataError(f"cannot read {path.name} in {path.parent}: {exc}. "
                        f"Delete it and download it again.") from None


def _capped(want, path: Path):
    if isinstance(want, tuple) and want[1] > IDX_LIMIT:
        raise DataError(f"{path.name} in {path.parent} declares {human_size(want[1])} of data, more than the "
                        f"{human_size(IDX_LIMIT)} an IDX file can be here; it is not an original MNIST file.")
    return want


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (MNIST's format: magic, dims, then raw uint8), ``.gz`` or not."""
    data = _read_bytes(path)
    where = f"{path.name} in {path.parent}"
    if len(data) < 8 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise DataError(f"{where} is not an IDX file of bytes (wrong header). "
                        f"Replace it with the original MNIST file.")
    ndim = data[3]
    if ndim not in (1, 3) or len(data) < 4 + 4 * ndim:
        raise DataError(f"{where} has {ndim} dimensions; expected images (3) or labels (1).")
    dims = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    offset = 4 + 4 * ndim
    expected = _declared(dims)
    if len(data) - offset != expected:
        raise DataError(f"{where} is truncated or padded: {len(data) - offset:,} bytes of data for "
                        f"shape {dims} ({expected:,} expected). Download it again.")
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(dims).copy()


class _ArrayStub:
    """What the unpickler makes of numpy's ``_reconstruct``: nothing until ``__setstate__`` gives it its
    data, whose size must be exactly the declared shape's (an array never filled, or declared larger than
    its bytes, is refused instead of handing out uninitialised memory)."""

    array = None

    def __setstate__(self, state):
        if not (isinstance(state, tuple) and len(state) == 5):
            raise pickle.UnpicklingError("an array whose state is not numpy's")
        _, shape, dtype, fortran, raw = state
        if not (isinstance(shape, tuple) and all(isinstance(n, int) and n >= 0 for n in shape)):
            raise pickle.UnpicklingError(f"an array of shape {shape!r}")
        if not isinstance(dtype, np.dtype) or dtype.hasobject:
            raise pickle.UnpicklingError("an array that is not of numbers")
        if isinstance(raw, str):  # a Python 2 pickle read with encoding="latin1"
            raw = raw.encode("latin1")
        if not isinstance(raw, (bytes, bytearray)):
            raise pickle.UnpicklingError("an array whose data is not bytes")
        count = _declared(shape)
        if count > CIFAR_MAX_ROWS * 3 * 32 * 32:
            raise pickle.UnpicklingError(f"an array of shape {shape}, more than {CIFAR_MAX_ROWS:,} images")
        if count * dtype.itemsize != len(raw):
            raise pickle.UnpicklingError(f"an array of shape {shape} with {len(raw):,} bytes of data "
                                         f"({count * dtype.itemsize:,} needed)")
        self.array = np.frombuffer(bytes(raw), dtype=dtype).reshape(shape, order="F" if fortran else "C").copy()


def _reconstruct(subtype, shape, dtype):
    if subtype is not np.ndarray:
        raise pickle.UnpicklingError("an array of another type than numpy's ndarray")
    return _ArrayStub()


def _resolve(value, what: str):
    if isinstance(value, _ArrayStub):
        if value.array is None:
            raise pickle.UnpicklingError(f"its {what} is an array declared without its data")
        return value.array
    return value


class _ArrayOnlyUnpickler(pickle.Unpickler):
    """Unpickles CIFAR-10 batches: dicts, lists, bytes and numpy arrays, nothing that can run code."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"), ("numpy", "dtype"),
    }

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return _reconstruct if name == "_reconstruct" else super().find_class(module, name)
        raise pickle.UnpicklingError(f"refused to load {module}.{name}")


def read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    where = f"{path.name} in {path.parent}"
    try:
        raw = read_bounded(path, CIFAR_BATCH_LIMIT)
    except FileRefused as exc:
        raise DataError(f"cannot read {where}: it {exc}. Replace it with the original file.") from None
    except OSError as exc:
        raise DataError(f"cannot read {where}: {exc}.") from None
    try:
        batch = _ArrayOnlyUnpickler(io.BytesIO(raw), encoding="latin1").load()
        labels = _resolve(batch.get("labels", batch.get("fine_labels")), "labels")
        data = _resolve(batch["data"], "data")
        if len(data) > CIFAR_MAX_ROWS or len(labels) > CIFAR_MAX_ROWS:
            raise ValueError(f"more than {CIFAR_MAX_ROWS:,} rows")
        data = np.asarray(data, dtype=np.uint8)
        labels = np.asarray(labels, dtype=np.int64)
    except Exception as exc:  # noqa: BLE001 - anything malformed: truncated pickle, wrong keys, refused classes
        raise DataError(f"{where} is not a CIFAR-10 python batch ({exc}). Download it again.") from None
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(labels) != len(data):
        raise DataError(f"{where} has data of shape {data.shape} and {len(labels)} labels; "
                        f"expected N×3072 and N labels.")
    return data.reshape(-1, 3, 32, 32), labels


def _find(folder: Path, base: str) -> Path | None:
    for candidate in (folder / base, folder / (base + ".gz")):
        if candidate.is_file():
            return candidate
    return None


def _instead(info: DatasetInfo) -> str:
    """What to do without the files: "use the offline sample …, pass --data-root …, or install …"."""
    sample = sample_of(info.name)
    options = [f"use the offline sample '{sample}' (it ships with ConvScope)"] if sample else []
    options.append(f"pass --data-root DIR with the files in torchvision's layout (DIR/{info.folder}/…)")
    if info.name in INSTALLED_FOLDERS:
        options.append("install the Debian package dataset-fashion-mnist")
    return ", ".join(options[:-1]) + (", or " if len(options) > 1 else "") + options[-1]


def _missing(info: DatasetInfo, split: str, folder: Path, names) -> DataError:
    looked = [str(folder)] + [str(f) for f in INSTALLED_FOLDERS.get(info.name, ())]
    return DatasetMissing(
        f"{info.display_name}: {split} split not found — expected {', '.join(names)} (or .gz) in "
        f"{' or '.join(looked)}. Connect to the internet to download it, or {_instead(info)}.",
        info.name, sample_of(info.name))


def _download_failure(exc: BaseException) -> str:
    """Why a download failed, in words (never the raw exception text of urllib)."""
    import urllib.error

    text = str(exc).lower()
    if isinstance(exc, OSError) and getattr(exc, "errno", None) in (28, 122):
        return "the disk is full"
    if isinstance(exc, urllib.error.HTTPError):
        return f"the server answered {exc.code} {exc.reason}"
    if isinstance(exc, (urllib.error.URLError, ConnectionError, TimeoutError)) or any(
            w in text for w in ("urlopen", "name or service", "network is unreachable", "timed out",
                                "connection", "temporary failure in name resolution")):
        return "the internet cannot be reached"
    if "md5" in text or "checksum" in text or "integrity" in text:
        return "the downloaded files were damaged"
    return "the download failed"


# Called with (done bytes, total bytes, file name) while a dataset downloads (see download_dataset); the
# command line sets a progress line on stderr here, the window shows its own dialog before any download.
download_progress = None


def set_download_progress(callback) -> None:
    """Report the progress of the downloads :func:`load_split` starts to ``callback`` (None: silent)."""
    global download_progress
    download_progress = callback


def _download(info: DatasetInfo, root: Path) -> None:
    from convscope.core.data.download import DownloadFailed, download_dataset

    try:
        download_dataset(info.name, root, progress=download_progress)
    except DownloadFailed as exc:  # names the file, the address and the folder
        raise DatasetMissing(f"{info.display_name} is not on this computer and {exc.clause}. "
                             f"Without a network, {_instead(info)}.", info.name, sample_of(info.name)) from None
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - anything download_dataset did not put in words
        raise DatasetMissing(f"{info.display_name} is not on this computer and could not be downloaded into "
                             f"{root} ({_download_failure(exc)}). Without a network, {_instead(info)}.",
                             info.name, sample_of(info.name)) from None


def _load_files(info: DatasetInfo, split: str, root: Path) -> tuple[np.ndarray, np.ndarray, str] | None:
    """Images, labels and the files they came from (for messages); None when the files are absent."""
    if info.name == "cifar10":
        folder = root / info.folder
        paths = [folder / n for n in CIFAR_FILES[split]]
        if not all(p.is_file() for p in paths):
            return None
        parts = [read_cifar_batch(p) for p in paths]
        where = f"{', '.join(p.name for p in paths)} in {folder}"
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), where
    return _read_idx_pair(root / info.folder / "raw", split)


def _read_idx_pair(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray, str] | None:
    """A split's IDX images and labels in ``folder`` (``.gz`` or not); None when they are absent."""
    img_base, lbl_base = IDX_FILES[split]
    img_path, lbl_path = _find(folder, img_base), _find(folder, lbl_base)
    if img_path is None or lbl_path is None:
        return None
    images, labels = read_idx(img_path), read_idx(lbl_path)
    if images.ndim != 3 or labels.ndim != 1:
        raise DataError(f"{img_path.name}/{lbl_path.name} in {folder}: images and labels are swapped or "
                        f"of the wrong kind.")
    if len(images) != len(labels):
        raise DataError(f"{img_path.name} holds {len(images):,} images but {lbl_path.name} "
                        f"{len(labels):,} labels (in {folder}); one of them is from another set.")
    return images[:, None], labels.astype(np.int64), f"{img_path.name}/{lbl_path.name} in {folder}"


def _sample_split(info: DatasetInfo, split: str) -> tuple[np.ndarray, np.ndarray]:
    """An offline sample, split with a fixed seed: a tenth of each class is the test split."""
    path = SAMPLE_FOLDER / info.sample_file
    try:
        with np.load(path, allow_pickle=False) as npz:
            images, labels = npz["images"], npz["labels"].astype(np.int64)
    except (OSError, KeyError, ValueError) as exc:
        raise DataError(f"the offline sample {path} is missing or damaged ({exc}); "
                        f"reinstall ConvScope.") from None
    rng = np.random.default_rng(0)
    test_idx = np.concatenate([rng.permutation(idx)[:len(idx) // SAMPLE_TEST_SHARE]
                               for idx in (np.flatnonzero(labels == c) for c in range(info.num_classes))])
    mask = np.zeros(len(labels), bool)
    mask[test_idx] = True
    keep = mask if split == "test" else ~mask
    images = images[keep]
    return (images[:, None] if images.ndim == 3 else images), labels[keep]


def _installed(info: DatasetInfo, split: str) -> tuple[np.ndarray, np.ndarray, str] | None:
    """The split from a system-wide installation (e.g. Debian's dataset-fashion-mnist), if any."""
    for folder in INSTALLED_FOLDERS.get(info.name, ()):
        arrays = _read_idx_pair(folder, split)
        if arrays is not None:
            return arrays
    return None


def files_present(name: str, root: str | os.PathLike | None = None) -> bool:
    """Whether the files of both splits of ``name`` are here (in ``root``, or the download folder and the
    system-wide installations); checks names only, reads nothing. Offline samples are always here."""
    info = get_info(name)
    if info.offline:
        return True
    if name == IMAGEFOLDER:  # your own folder: there when it is
        return root is not None and Path(root).expanduser().is_dir()
    roots = [Path(root).expanduser()] if root is not None else [default_root()]
    for split in ("train", "test"):
        if info.name == "cifar10":
            found = any(all((r / info.folder / n).is_file() for n in CIFAR_FILES[split]) for r in roots)
        else:
            folders = [r / info.folder / "raw" for r in roots]
            if root is None:
                folders += list(INSTALLED_FOLDERS.get(info.name, ()))
            found = any(all(_find(f, base) for base in IDX_FILES[split]) for f in folders)
        if not found:
            return False
    return True


def load_split(name: str, split: str = "train", root: str | os.PathLike | None = None,
               download: bool = True, info: DatasetInfo | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(N, C, H, W)`` uint8 and labels ``(N,)`` int64 of one split, as numpy arrays.

    ``info`` matters for imagefolder only (``root`` is the folder): a run's own (``TrainConfig.info``)
    makes the images at its size and channels with its label order; the other datasets are fixed.
    """
    if split not in ("train", "test"):
        raise DataError(f"unknown split {split!r}; use 'train' or 'test'.")
    if name == IMAGEFOLDER:
        return imagefolder.load_split(root, split, info)
    info = get_info(name)
    if info.offline:
        return _sample_split(info, split)
    explicit = root is not None
    root = Path(root).expanduser() if explicit else default_root()
    if explicit and not root.is_dir():
        raise DataError(f"data root {root} does not exist; pass a folder in torchvision's layout "
                        f"(e.g. DIR/{info.folder}/...).")
    arrays = _load_files(info, split, root)
    if arrays is None and not explicit:
        arrays = _installed(info, split)
    if arrays is None and download and not explicit:
        _download(info, root)
        arrays = _load_files(info, split, root)
    if arrays is None:
        folder = root / info.folder if name == "cifar10" else root / info.folder / "raw"
        names = CIFAR_FILES[split] if name == "cifar10" else IDX_FILES[split]
        raise _missing(info, split, folder, names)
    images, labels, where = arrays
    if images.shape[1:] != (info.channels, info.size, info.size):
        raise DataError(f"{where}: {info.display_name} images should be "
                        f"{info.channels}×{info.size}×{info.size}, these are "
                        f"{'×'.join(map(str, images.shape[1:]))}; is this the right dataset?")
    if len(labels) == 0:
        raise DataError(f"{where} holds no {split} examples; download the dataset again.")
    if labels.min() < 0 or labels.max() >= info.num_classes:
        raise DataError(f"{where}: labels fall outside 0..{info.num_classes - 1}; is this the right "
                        f"dataset?")
    return images, labels


# ---------------------------------------------------------------------------------------- device data
def run_splits(config, info: DatasetInfo) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A run's training and test images and labels (``config``: a ``TrainConfig``), the training split cut
    to its ``subset`` (the same examples for the same seed)."""
    x_train, y_train = load_split(config.dataset, "train", config.data_root, info=info)
    x_test, y_test = load_split(config.dataset, "test", config.data_root, info=info)
    if config.subset is not None and config.subset < len(y_train):
        keep = np.random.default_rng(config.seed).permutation(len(y_train))[: config.subset]
        x_train, y_train = x_train[keep], y_train[keep]
    return x_train, y_train, x_test, y_test


class DeviceSplit:
    """One split on the device: ``images`` uint8 (N, C, H, W), ``labels`` int64 (N,)."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, device: torch.device):
        device = torch.device(device)
        host = [torch.from_numpy(np.ascontiguousarray(a)) for a in (images, labels)]
        if device.type != "cuda":
            self.images, self.labels = (t.to(device) for t in host)
            return
        # CUDA: page-locked copies go to the GPU asynchronously (both at once, no staging copy by the
        # driver). The pinned buffers must outlive their copies: wait once, here, before they are freed.
        pinned = [_pinned(t) for t in host]
        self.images, self.labels = (t.to(device, non_blocking=True) for t in pinned)
        torch.cuda.current_stream(device).synchronize()
        del pinned

    def __len__(self) -> int:
        return len(self.labels)


def _pinned(t: torch.Tensor) -> torch.Tensor:
    """``t`` in page-locked memory; ``t`` itself where the system refuses to pin (a copy is then blocking)."""
    try:
        return t.pin_memory()
    except RuntimeError:
        return t


def _standard_strides(shape) -> tuple[int, ...]:
    """The strides of a row-major (NCHW) tensor of ``shape``."""
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(int(size), 1)
    return tuple(reversed(strides))


class Preprocess:
    """uint8 batch → normalised float batch of the model's input size, all on the device."""

    def __init__(self, info: DatasetInfo, side: int, channels: int, channels_last: bool = False):
        self.info, self.side, self.channels = info, side, channels
        self.channels_last = channels_last
        self._stats: dict[torch.device, tuple[torch.Tensor, torch.Tensor]] = {}

    def _mean_std(self, device):
        if device not in self._stats:
            mean = torch.tensor(self.info.mean, device=device).view(1, -1, 1, 1)
            std = torch.tensor(self.info.std, device=device).view(1, -1, 1, 1)
            self._stats[device] = (mean, std)
        return self._stats[device]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        mean, std = self._mean_std(x.device)
        x = (x.float().div_(255) - mean).div_(std)
        if x.shape[1] != self.channels:  # grey data into a colour model, or the reverse
            x = x.expand(-1, self.channels, -1, -1) if x.shape[1] == 1 else x.mean(1, keepdim=True)
        if x.shape[-1] != self.side or x.shape[-2] != self.side:
            x = F.interpolate(x, size=(self.side, self.side), mode="bilinear", align_corners=False)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        elif x.stride() != _standard_strides(x.shape):
            # Images stored pixel by pixel (H, W, C) arrive with channels-last strides; with one channel such
            # a tensor passes for contiguous too, yet torch's CPU convolutions read its strides and run
            # channels-last (and crash in oneDNN's strided 1×1 weight gradient: see use_channels_last).
            x = x.clone(memory_format=torch.contiguous_format)
        return x

    def whole_split(self, split: DeviceSplit) -> torch.Tensor | None:
        """``split`` normalised once, when every epoch would compute the same pixels (no resizing, no
        change of channels) and a float copy fits in 1 GiB: it saves three tensor ops per step. None
        otherwise (the steps then normalise their uint8 batches)."""
        n, c, side = len(split), self.channels, self.side
        if side != self.info.size or c != self.info.channels or n * c * side * side * 4 > 1 << 30:
            return None
        return torch.cat([self(split.images[i:i + 4096]) for i in range(0, n, 4096)])


def random_shift(x: torch.Tensor, max_shift: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Shift each image of a uint8 batch by up to ``max_shift`` px in x and y, filling with zeros: the
    ``translate`` augmentation (:func:`core.data.augment.translate`; ``--shift N`` is ``--augment translate=N``)."""
    from convscope.core.data.augment import translate

    return translate(x, max_shift, generator)


def batch_indices(n: int, batch_size: int, generator: torch.Generator, device,
                  drop_last: bool = False) -> Iterator[torch.Tensor]:
    """Shuffled index batches of one epoch (a single randperm, sliced)."""
    perm = torch.randperm(n, generator=generator, device="cpu").to(device)
    stop = n - n % batch_size if drop_last and n >= batch_size else n
    for start in range(0, stop, batch_size):
        yield perm[start:start + batch_size]
