"""Your own images: a folder of class sub-folders (torchvision's ImageFolder layout) read as a dataset.

``DIR/<class>/<image>``: the classes are the sorted names of DIR's sub-folders (hidden ones ignored), one
output per class; a class folder may hold its images in folders of its own. How the folder becomes a
dataset, the same on every computer:

- **channels**: colour (3) if any image of the folder is in a colour mode, grey (1) when every image's
  Pillow mode is grey (1, L, LA, I, I;16…, F). Palette images (GIF, some PNGs) count as colour. The
  modes come from the file headers: ``Image.open`` does not decode the pixels.
- **size**: every image is resized whole (its aspect ratio is not kept) to a square of
  :data:`DEFAULT_SIDE` px, or the run's image size (``TrainConfig.image_size``); a transparent background
  becomes white, as in :func:`core.insight.inference.load_image`, and EXIF orientation is applied.
- **statistics**: the mean and std are fixed at 0.5 per channel. Measuring them would mean decoding
  every image once more, and a fixed value normalises a run opened on another computer, without the
  folder, exactly as it trained.
- **split**: with a fixed seed a tenth of each class (at least one image) is the test split, but a class
  never gives away its last training image: a class of a single image trains on it.
- **safety**: every file is opened by :func:`core.base.safe_image.open_image`: only its formats are
  decoded, whatever the file is called (Pillow may not pick a plugin by content: a ``.png`` that is
  really PostScript is refused), and only regular files are opened (a FIFO named ``x.png`` is skipped
  at once, never waited on); hidden files and other
  extensions are ignored; unreadable or corrupt files are skipped, counted and reported in one line
  (the logger ``convscope.engine`` and :attr:`DatasetInfo.note`); Pillow's decompression-bomb guard
  (``Image.MAX_IMAGE_PIXELS``) stays on; at most :data:`MAX_IMAGES` files are read and at most
  :data:`MAX_BYTES` of decoded images kept.

A run records the folder's classes and channels in its config (``TrainConfig.classes``/``channels``),
so it is rebuilt, evaluated and predicts without the folder. The scan of a folder (names, modes) and
the decoded images of the last folder read are kept while the folder's directories are unchanged
(their modification times): the command line's check before training and the training itself read
the files once. No torch here (the window's settings panel builds configs before torch has loaded).
"""
from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from convscope.core.base.safe_image import open_image
from convscope.core.data.datasets import DATASETS, IMAGEFOLDER, SAMPLE_TEST_SHARE, DataError, DatasetInfo

log = logging.getLogger("convscope.engine")

DEFAULT_SIDE = 32  # the side of the stored images when the run sets no image size
MAX_IMAGES = 200_000  # image files read from one folder, at most
MAX_BYTES = 2 << 30  # decoded uint8 images kept, at most (N × C × side²)
SPLIT_SEED = 0
STATS = 0.5  # mean and std of every channel
EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".bmp", ".dib", ".gif", ".webp", ".tif",
                        ".tiff", ".ppm", ".pgm", ".pbm", ".pnm"})
GREY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16L", "I;16B", "I;16N", "F"})
WORKERS = max(1, min(4, os.cpu_count() or 1))  # Pillow decodes without the GIL
USE = "give the folder with --data-root DIR: one sub-folder per class"


class FolderError(DataError):
    """An image folder that cannot be a dataset: the message says what is wrong and what to do."""


@dataclass(frozen=True)
class FolderScan:
    """What a folder holds, from its names and file headers (no pixels decoded)."""

    root: Path
    classes: tuple[str, ...]
    files: tuple[tuple[str, ...], ...]  # each class's readable images (paths), sorted
    channels: int  # 3 if any image is colour, else 1
    skipped: tuple[str, ...]  # files with an image name that are not readable images
    stamp: tuple[tuple[str, int], ...]  # (folder, modification time) of every folder read

    @property
    def counts(self) -> tuple[int, ...]:
        return tuple(len(f) for f in self.files)

    def test_masks(self) -> list[np.ndarray]:
        """Per class, which of its files are in the test split (fixed seed)."""
        rng = np.random.default_rng(SPLIT_SEED)
        masks = []
        for n in self.counts:
            mask = np.zeros(n, bool)
            mask[rng.permutation(n)[:held_out(n)]] = True
            masks.append(mask)
        return masks

    @property
    def n_test(self) -> int:
        return sum(held_out(n) for n in self.counts)

    @property
    def n_train(self) -> int:
        return sum(self.counts) - self.n_test


def held_out(n: int) -> int:
    """Test images of a class of ``n``: a tenth, at least one, never its last training image."""
    return min(max(1, n // SAMPLE_TEST_SHARE), n - 1)


def skipped_note(n: int) -> str:
    return "" if n == 0 else (f"skipped {n:,} file{'s' if n != 1 else ''} that "
                              f"{'are not readable images' if n != 1 else 'is not a readable image'}")


# ------------------------------------------------------------------------------------------ dataset info
def dataset_info(classes, channels: int, size: int | None = None, n_train: int = 0, n_test: int = 0,
                 note: str = "") -> DatasetInfo:
    """The ``DatasetInfo`` of a folder with these classes and channels, stored at ``size`` px a side."""
    side = size or DEFAULT_SIDE
    colour = "colour" if channels == 3 else "grey"
    return replace(DATASETS[IMAGEFOLDER], channels=channels, size=side, classes=tuple(classes),
                   mean=(STATS,) * channels, std=(STATS,) * channels, n_train=n_train, n_test=n_test,
                   note=note, description=f"Your own images: {len(classes)} classes, {colour}, resized to "
                                          f"{side}×{side}.")


def folder_info(root, size: int | None = None) -> DatasetInfo:
    """The info of the image folder ``root`` (scanned, or from the cache): its classes, channels, counts."""
    s = scan(root)
    return dataset_info(s.classes, s.channels, size, s.n_train, s.n_test, skipped_note(len(s.skipped)))


def recorded_info(classes, channels: int, size: int | None = None, root=None) -> DatasetInfo:
    """A run's info from its recorded classes and channels: no folder needed. The split sizes (for time
    estimates) are filled in only when this process has already scanned the folder; 0 otherwise."""
    cached = _cached_scan(root) if root else None
    if cached is not None and cached.classes == tuple(classes):
        return dataset_info(classes, channels, size, cached.n_train, cached.n_test,
                            skipped_note(len(cached.skipped)))
    return dataset_info(classes, channels, size)


# ----------------------------------------------------------------------------------------------- scan
_lock = threading.Lock()
_scans: dict[Path, FolderScan] = {}
_decoded: dict = {}  # the last folder decoded: {"key": ..., "arrays": (images, labels, n_train)}


def _folder(root) -> Path:
    if root is None or root == "":
        raise FolderError(f"the imagefolder dataset reads your own images: {USE}.")
    path = Path(root).expanduser()
    if not path.exists():
        raise FolderError(f"the image folder {path} does not exist; {USE}.")
    if not path.is_dir():
        raise FolderError(f"{path} is a file, not a folder; {USE}.")
    return path.resolve()


def _stamp_ok(stamp) -> bool:
    try:
        return all(os.stat(folder).st_mtime_ns == mtime for folder, mtime in stamp)
    except OSError:
        return False


def _cached_scan(root) -> FolderScan | None:
    try:
        path = Path(root).expanduser().resolve()
    except (OSError, RuntimeError):
        return None
    with _lock:
        cached = _scans.get(path)
    return cached if cached is not None and _stamp_ok(cached.stamp) else None


def scan(root) -> FolderScan:
    """List ``root``'s class folders and read the headers of their images (cached while unchanged)."""
    path = _folder(root)
    cached = _cached_scan(path)
    if cached is not None:
        return cached
    result = _scan(path)
    with _lock:
        if len(_scans) >= 16:
            _scans.clear()
        _scans[path] = result
    if result.skipped:
        log.warning("image folder %s: %s (e.g. %s)", path, skipped_note(len(result.skipped)),
                    os.path.relpath(result.skipped[0], path))
    return result


def _is_image_name(name: str) -> bool:
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in EXTENSIONS


def _list(root: Path) -> tuple[list[str], list[list[str]], list[tuple[str, int]]]:
    """Class names, each class's image files (by name) and the stamp of the folders listed."""
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
        stamp = [(str(root), os.stat(root).st_mtime_ns)]
    except OSError as exc:
        raise FolderError(f"cannot read the image folder {root}: {exc.strerror or exc}.") from None
    class_dirs = [e for e in entries if not e.name.startswith(".") and e.is_dir()]
    if not class_dirs:
        loose = sum(1 for e in entries if e.is_file() and _is_image_name(e.name))
        what = f"holds {loose:,} images but no sub-folders" if loose else "has no class sub-folders"
        raise FolderError(f"the image folder {root} {what}: put the images in one sub-folder per class "
                          f"(DIR/cats/…, DIR/dogs/…) and {USE}.")
    if len(class_dirs) == 1:
        raise FolderError(f"the image folder {root} has one class folder only ('{class_dirs[0].name}'): "
                          f"need at least two classes, one sub-folder each.")
    files, total = [], 0
    for d in class_dirs:
        found = []
        for folder, subfolders, names in os.walk(d.path):
            subfolders[:] = sorted(n for n in subfolders if not n.startswith("."))
            try:
                stamp.append((folder, os.stat(folder).st_mtime_ns))
            except OSError:
                continue
            images = [os.path.join(folder, n) for n in names if _is_image_name(n)]
            found += images
            total += len(images)
            if total > MAX_IMAGES:
                raise FolderError(f"the image folder {root} holds more than {MAX_IMAGES:,} images, more "
                                  f"than ConvScope reads: copy a selection into a folder of its own.")
        files.append(sorted(found))
    return [d.name for d in class_dirs], files, stamp


def _peek(path: str) -> str | None:
    """The Pillow mode of an image file from its header; None when it is not a readable image (or not a
    regular file: a FIFO named ``x.png`` is skipped, never waited on)."""
    try:
        with open_image(path) as im:
            return im.mode
    except Exception:  # noqa: BLE001 - not an image, a format not allowed, not a regular file, corrupt, a bomb
        return None


def _plugins() -> None:
    """Register Pillow's plugins now: registered lazily by the first open, they race in a thread pool."""
    from PIL import Image

    Image.init()


def _scan(root: Path) -> FolderScan:
    classes, candidates, stamp = _list(root)
    _plugins()
    flat = [p for files in candidates for p in files]
    with ThreadPoolExecutor(WORKERS) as pool:
        modes = dict(zip(flat, pool.map(_peek, flat, chunksize=64)))
    readable = [tuple(p for p in files if modes[p] is not None) for files in candidates]
    skipped = tuple(p for p in flat if modes[p] is None)
    empty = [c for c, files in zip(classes, readable) if not files]
    if empty:
        more = f" (and {len(empty) - 1} more)" if len(empty) > 1 else ""
        raise FolderError(f"the class folder '{empty[0]}'{more} in {root} holds no readable image "
                          f"(PNG, JPEG, BMP, GIF, WebP or TIFF): add images to it or remove it.")
    if all(len(files) == 1 for files in readable):
        raise FolderError(f"the image folder {root} has one image per class, none left for a test split: "
                          f"put at least two images in a class folder.")
    channels = 1 if all(modes[p] in GREY_MODES for files in readable for p in files) else 3
    return FolderScan(root, tuple(classes), tuple(readable), channels, skipped, tuple(stamp))


# --------------------------------------------------------------------------------------------- decoding
def fit(im, side: int, channels: int) -> np.ndarray:
    """An open Pillow image → uint8 (channels, side, side): oriented, transparency on white, resized whole."""
    from PIL import Image, ImageOps

    mode = "RGB" if channels == 3 else "L"
    im.draft(mode, (side, side))  # JPEG: decode at a reduced scale (still ≥ side): fast for photos
    try:
        im = ImageOps.exif_transpose(im)
    except Exception:  # noqa: BLE001 - a broken EXIF block: keep the pixels as stored
        pass
    if im.mode in ("I", "F") or im.mode.startswith("I;16"):  # 16-bit or float grey → 8-bit
        a = np.nan_to_num(np.asarray(im, dtype=np.float32))
        if im.mode.startswith("I;16") or (a.size and a.max() > 255):
            a = a / 257.0
        elif im.mode == "F" and a.size and a.max() <= 1.0:
            a = a * 255.0
        im = Image.fromarray(np.clip(a + 0.5, 0, 255).astype(np.uint8))
    if im.mode in ("RGBA", "LA", "La", "RGBa", "PA", "P") or "transparency" in im.info:
        rgba = im.convert("RGBA")
        im = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    im = im.convert(mode).resize((side, side), Image.BILINEAR)  # Pillow's resize is anti-aliased
    a = np.asarray(im, dtype=np.uint8)
    return a[None] if a.ndim == 2 else a.transpose(2, 0, 1)


def read_image(path, side: int, channels: int) -> np.ndarray | None:
    """An image file → uint8 (channels, side, side) as the training data was made; None if unreadable."""
    try:
        with open_image(path) as im:
            return fit(im, side, channels)
    except Exception:  # noqa: BLE001 - corrupt or truncated pixel data, a decompression bomb, an unreadable file
        return None


def fit_array(image: np.ndarray, side: int, channels: int) -> np.ndarray:
    """An image array ((H, W) or (H, W, 1|3|4), floats in [0, 1] or uint8) → float32 in [0, 1] of shape
    (side, side) or (side, side, 3), resized whole like the training images (for a drawing or a photo)."""
    from PIL import Image

    a = np.nan_to_num(np.asarray(image).astype(np.float32))
    if np.asarray(image).dtype.kind == "f" and (a.size == 0 or a.max() <= 1.0):
        a = a * 255.0  # floats in [0, 1]; uint8 and floats over 1 are 0..255 already
    a = np.clip(a, 0, 255)
    if a.ndim == 3:
        a = a[..., 0] if a.shape[-1] == 1 else a[..., :3]
    u8 = (a + 0.5).astype(np.uint8)
    out = fit(Image.fromarray(u8), side, channels).astype(np.float32) / 255.0
    return out[0] if channels == 1 else out.transpose(1, 2, 0)


def _decode_all(s: FolderScan, side: int, channels: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Every readable image of the folder, the training split first: (images, labels, n_train)."""
    order, labels, masks = [], [], s.test_masks()
    for want_test in (False, True):
        for label, (files, mask) in enumerate(zip(s.files, masks)):
            picked = [p for p, t in zip(files, mask) if t == want_test]
            order += picked
            labels += [label] * len(picked)
    n, n_train = len(order), s.n_train
    need = n * channels * side * side
    if need > MAX_BYTES:
        raise FolderError(f"the {n:,} images of {s.root} at {side}×{side} px would take "
                          f"{need / 2**30:.1f} GiB of memory (at most {MAX_BYTES / 2**30:.0f}): use a "
                          f"smaller image size or copy fewer images into a folder of their own.")
    images = np.zeros((n, channels, side, side), np.uint8)
    ok = np.zeros(n, bool)
    _plugins()

    def one(i: int) -> None:
        a = read_image(order[i], side, channels)
        if a is not None:
            images[i], ok[i] = a, True

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(one, range(n), chunksize=32))
    labels = np.asarray(labels, np.int64)
    if not ok.all():
        bad = [order[i] for i in np.flatnonzero(~ok)]
        log.warning("image folder %s: %s (e.g. %s)", s.root, skipped_note(len(bad) + len(s.skipped)),
                    os.path.relpath(bad[0], s.root))
        n_train -= int((~ok[:n_train]).sum())
        images, labels = images[ok], labels[ok]
        missing = sorted(set(range(len(s.classes))) - set(labels[:n_train].tolist()))
        if missing:
            raise FolderError(f"the class folder '{s.classes[missing[0]]}' in {s.root} holds no readable "
                              f"image for training: add images to it or remove it.")
        if n_train == len(labels):
            raise FolderError(f"no image of the test split of {s.root} is readable: add images or "
                              f"replace the broken ones.")
    return images, labels, n_train


def load_split(root, split: str, info: DatasetInfo | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One split of the image folder ``root``: uint8 (N, C, S, S) and int64 labels (N,).

    ``info`` is what to read into: a run's own (``TrainConfig.info``: its recorded classes, channels
    and size), whose label order is kept (the folder must hold the same classes); default the folder's
    own info at :data:`DEFAULT_SIDE` px.
    """
    s = scan(root)
    info = info if info is not None else folder_info(root)
    if info.classes != s.classes:
        if set(info.classes) != set(s.classes):
            gone = sorted(set(info.classes) - set(s.classes))
            new = sorted(set(s.classes) - set(info.classes))
            detail = "; ".join(filter(None, [gone and f"missing {', '.join(gone)}",
                                             new and f"new {', '.join(new)}"]))
            raise FolderError(f"the class folders of {s.root} are not the ones the run trained on "
                              f"({detail}): train a new run on this folder.")
    key = (s.root, s.stamp, info.size, info.channels)
    with _lock:
        arrays = _decoded.get("arrays") if _decoded.get("key") == key else None
    if arrays is None:
        arrays = _decode_all(s, info.size, info.channels)
        with _lock:
            _decoded.update(key=key, arrays=arrays)
    images, labels, n_train = arrays
    part = slice(0, n_train) if split == "train" else slice(n_train, None)
    labels = labels[part]
    if info.classes != s.classes:  # the run's label order, by class name
        labels = np.asarray([info.classes.index(c) for c in s.classes], np.int64)[labels]
    return images[part].copy(), labels.copy()


def forget() -> None:
    """Drop the cached scans and decoded images (e.g. to free memory)."""
    with _lock:
        _scans.clear()
        _decoded.clear()
