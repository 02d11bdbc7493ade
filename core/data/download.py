"""Downloading the full datasets (MNIST, Fashion-MNIST, CIFAR-10) into torchvision's layout, with progress
and cancel, and failures told in words.

The mirrors, file names and checksums are torchvision's own (``MNIST.mirrors``/``.resources``,
``FashionMNIST.…``, ``CIFAR10.url``/``.filename``/``.tgz_md5``); the files land where torchvision puts
them (``root/MNIST/raw/*.gz``, ``root/FashionMNIST/raw/*.gz``, ``root/cifar-10-python.tar.gz`` unpacked
to ``root/cifar-10-batches-py/``), which is where :mod:`core.data.loading` reads them.

Each file is read in chunks into a temporary file in its folder and renamed once complete and its md5
matches, so a folder never holds half a file under the real name. No Qt here: the window runs
:func:`download_dataset` in a thread of its own (``app/widgets/download_dialog.py``).

``base_urls`` (or the environment variable ``CONVSCOPE_DATA_MIRROR``: addresses separated by spaces or
commas) replaces the mirrors: a file is fetched from ``<base>/<file name>``.
"""
from __future__ import annotations

import errno
import hashlib
import http
import http.client
import os
import shutil
import socket
import ssl
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from convscope.core.data.datasets import DataError, DatasetMissing, get_info, sample_of

MIRROR_ENV = "CONVSCOPE_DATA_MIRROR"
CHUNK_BYTES = 64 * 1024
PROGRESS_INTERVAL_S = 0.1  # progress is reported at most ~10 times a second
TIMEOUT_S = 20.0  # per socket operation: connecting, or waiting for the next bytes
USER_AGENT = "ConvScope dataset download (urllib)"
DOWNLOADABLE = ("mnist", "fashion-mnist", "cifar10")

Progress = Callable[[int, int, str], None]  # (bytes done, bytes in all, file name)


class RemoteFile(NamedTuple):
    """One file to fetch: its name (on the server and on disk), md5 and published size in bytes (the
    progress total until the server says, and the bound on what is read)."""

    name: str
    md5: str
    size: int


# Published sizes of torchvision's files (torchvision itself has no sizes).
KNOWN_SIZES: dict[str, dict[str, int]] = {
    "mnist": {"train-images-idx3-ubyte.gz": 9_912_422, "train-labels-idx1-ubyte.gz": 28_881,
              "t10k-images-idx3-ubyte.gz": 1_648_877, "t10k-labels-idx1-ubyte.gz": 4_542},
    "fashion-mnist": {"train-images-idx3-ubyte.gz": 26_421_880, "train-labels-idx1-ubyte.gz": 29_515,
                      "t10k-images-idx3-ubyte.gz": 4_422_102, "t10k-labels-idx1-ubyte.gz": 5_148},
    "cifar10": {"cifar-10-python.tar.gz": 170_498_071},
}
UNKNOWN_SIZE = 200_000_000  # a file missing from KNOWN_SIZES (a newer torchvision) is bounded by this


def size_cap(size: int) -> int:
    """The most bytes accepted for a file published as ``size`` bytes: twice that, plus 1 MiB."""
    return 2 * size + (1 << 20)


class DownloadCancelled(DataError):
    """The download was cancelled (its ``cancel`` event was set); no partial file was kept."""


class DownloadFailed(DatasetMissing):
    """A file that could not be downloaded (or unpacked): ``file_name``, ``url`` (None when unpacking),
    ``folder`` and ``reason`` (in words, e.g. "the internet cannot be reached")."""

    def __init__(self, message: str, dataset: str, sample: str | None, *, file_name: str,
                 url: str | None, folder: Path, reason: str):
        super().__init__(message, dataset, sample)
        self.file_name, self.url, self.folder, self.reason = file_name, url, folder, reason

    @property
    def clause(self) -> str:
        """"t10k-images-idx3-ubyte.gz could not be downloaded from URL into FOLDER (reason)"."""
        if self.url is None:
            return f"{self.file_name} could not be unpacked into {self.folder} ({self.reason})"
        return f"{self.file_name} could not be downloaded from {self.url} into {self.folder} ({self.reason})"


class _Failure(Exception):
    """One failed attempt, in words; ``retry``: another mirror may do better."""

    def __init__(self, reason: str, retry: bool, network: bool = True):
        super().__init__(reason)
        self.reason, self.retry, self.network = reason, retry, network


# ------------------------------------------------------------------------------------ what to fetch
def _torchvision_class(name: str):
    import torchvision.datasets as tvd

    return {"mnist": tvd.MNIST, "fashion-mnist": tvd.FashionMNIST, "cifar10": tvd.CIFAR10}[name]


def _check_downloadable(name: str) -> None:
    if name not in DOWNLOADABLE:
        raise DataError(f"there is nothing to download for {name!r}; downloadable datasets: "
                        f"{', '.join(DOWNLOADABLE)}.")


def remote_files(name: str) -> tuple[RemoteFile, ...]:
    """The files torchvision downloads for ``name``, with their md5 and published size."""
    _check_downloadable(name)
    cls = _torchvision_class(name)
    pairs = [(cls.filename, cls.tgz_md5)] if name == "cifar10" else list(cls.resources)
    sizes = KNOWN_SIZES.get(name, {})
    return tuple(RemoteFile(file, md5, sizes.get(file, UNKNOWN_SIZE)) for file, md5 in pairs)


def mirrors(name: str) -> tuple[str, ...]:
    """torchvision's base addresses for ``name``, in the order it tries them."""
    _check_downloadable(name)
    cls = _torchvision_class(name)
    if name == "cifar10":
        return (cls.url[: cls.url.rfind("/") + 1],)
    return tuple(cls.mirrors)


def _bases(name: str, base_urls: Sequence[str] | str | None) -> tuple[str, ...]:
    if base_urls is None:
        base_urls = os.environ.get(MIRROR_ENV, "").strip() or None
    if base_urls is None:
        return mirrors(name)
    if isinstance(base_urls, str):
        base_urls = base_urls.replace(",", " ").split()
    bases = tuple(str(b).strip() for b in base_urls if str(b).strip())
    for base in bases:
        if urllib.parse.urlsplit(base).scheme not in ("http", "https"):
            raise DataError(f"{base} is not an http(s) address; a dataset mirror ({MIRROR_ENV} or "
                            f"base_urls) must start with http:// or https://.")
    if not bases:
        raise DataError(f"no dataset mirror given ({MIRROR_ENV} or base_urls is empty).")
    return bases


def _url(base: str, file_name: str) -> str:
    return base.rstrip("/") + "/" + urllib.parse.quote(file_name)


def _target_folder(name: str, root: Path) -> Path:
    """Where the downloaded files go: ``root/MNIST/raw`` (…), or ``root`` for CIFAR-10's archive."""
    return root if name == "cifar10" else root / get_info(name).folder / "raw"


# ------------------------------------------------------------------------------------------ words
def _size_words(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB" if n >= 1000 else f"{n} bytes"


def _network_reason(exc: BaseException) -> _Failure:
    """A network exception of urllib/http.client/socket, in words."""
    if isinstance(exc, urllib.error.HTTPError):
        try:
            phrase = http.HTTPStatus(exc.code).phrase
        except ValueError:
            phrase = "error"
        return _Failure(f"the server answered {exc.code} {phrase}", retry=True)
    if isinstance(exc, ValueError):  # http.client.InvalidURL and the like
        return _Failure("the address cannot be used", retry=True)
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return _Failure("the server did not answer in time", retry=True)
    if isinstance(reason, ssl.SSLCertVerificationError):
        return _Failure("the server's certificate was refused", retry=True)
    if isinstance(reason, ssl.SSLError):
        return _Failure("the secure connection failed", retry=True)
    if isinstance(exc, urllib.error.URLError) and not isinstance(reason, OSError):
        return _Failure("the address cannot be used", retry=True)  # e.g. an unknown scheme
    if not isinstance(exc, urllib.error.URLError) and isinstance(
            exc, (http.client.HTTPException, ConnectionError, EOFError)):
        return _Failure("the connection broke off", retry=True)
    return _Failure("the internet cannot be reached", retry=True)


def _disk_reason(exc: OSError) -> _Failure:
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return _Failure("the disk is full", retry=False, network=False)
    words = os.strerror(exc.errno).lower() if exc.errno else "it cannot be written"
    return _Failure(f"the folder cannot be written ({words})", retry=False, network=False)


def _instead(name: str, folder: Path) -> str:
    sample = sample_of(name)
    use = f"use the offline sample '{sample}' (it ships with ConvScope), or " if sample else ""
    if name == "cifar10":  # the archive goes into the data root, its files into a folder of their own
        folder = folder / get_info(name).folder
    return f"{use}copy the files into {folder} yourself"


def _failed(name: str, file_name: str, url: str | None, folder: Path, failure: _Failure,
            also: str = "") -> DownloadFailed:
    what = (f"could not unpack {file_name} into {folder}" if url is None
            else f"could not download {file_name} from {url} into {folder}")
    hint = "Without a network, " if failure.network else "Instead, "
    message = f"{what}: {failure.reason}{also}. {hint}{_instead(name, folder)}."
    return DownloadFailed(message, name, sample_of(name), file_name=file_name, url=url, folder=folder,
                          reason=failure.reason)


# --------------------------------------------------------------------------------------- progress
class _Progress:
    """Bytes done over bytes in all, reported at most every PROGRESS_INTERVAL_S (and at each file's
    start and end)."""

    def __init__(self, callback: Progress | None, sizes: dict[str, int]):
        self.callback, self.sizes = callback, dict(sizes)
        self.done, self._last = 0, 0.0

    def total(self) -> int:
        return max(self.done, sum(self.sizes.values()))

    def report(self, file_name: str, force: bool = False) -> None:
        if self.callback is None:
            return
        now = time.monotonic()
        if force or now - self._last >= PROGRESS_INTERVAL_S:
            self._last = now
            self.callback(self.done, self.total(), file_name)


def _check_cancel(cancel: threading.Event | None, name: str) -> None:
    if cancel is not None and cancel.is_set():
        raise DownloadCancelled(f"the download of {get_info(name).display_name} was cancelled; "
                                f"no partial file was kept.")


# ---------------------------------------------------------------------------------------- fetching
def _md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _already_here(path: Path, remote: RemoteFile) -> bool:
    try:
        return path.is_file() and _md5_of(path) == remote.md5
    except OSError:
        return False


def _fetch(name: str, url: str, folder: Path, remote: RemoteFile, progress: _Progress,
           cancel: threading.Event | None) -> None:
    """One attempt at one file from one address; raises _Failure, DownloadCancelled."""
    cap = size_cap(remote.size)
    start = progress.done
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    tmp: str | None = None
    try:
        try:
            response = urllib.request.urlopen(request, timeout=TIMEOUT_S)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            if isinstance(exc, urllib.error.HTTPError):
                exc.close()
            raise _network_reason(exc) from None
        with response:
            if response.status != 200:
                raise _Failure(f"the server answered {response.status} {response.reason}", retry=True)
            try:
                length = int(response.headers.get("Content-Length", ""))
            except ValueError:
                length = None
            if length is not None and length > cap:
                raise _Failure(f"the server offered {_size_words(length)}, far more than the expected "
                               f"{_size_words(remote.size)} (refused)", retry=False)
            if length is not None:
                progress.sizes[remote.name] = length
            progress.report(remote.name, force=True)
            try:
                fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{remote.name}.", suffix=".part")
                out = os.fdopen(fd, "wb")
            except OSError as exc:
                raise _disk_reason(exc) from None
            digest, read = hashlib.md5(usedforsecurity=False), 0
            with out:
                while True:
                    _check_cancel(cancel, name)
                    try:
                        chunk = response.read1(CHUNK_BYTES)
                    except (OSError, http.client.HTTPException, EOFError) as exc:
                        raise _network_reason(exc) from None
                    if not chunk:
                        break
                    read += len(chunk)
                    if read > cap:
                        raise _Failure(f"the server sent more than the expected {_size_words(remote.size)} "
                                       f"(refused)", retry=False)
                    digest.update(chunk)
                    try:
                        out.write(chunk)
                    except OSError as exc:
                        raise _disk_reason(exc) from None
                    progress.done = start + read
                    progress.report(remote.name)
                try:
                    out.flush()
                    os.fsync(out.fileno())
                except OSError as exc:
                    raise _disk_reason(exc) from None
        if length is not None and read < length:
            raise _Failure("the connection broke off", retry=True)
        if digest.hexdigest() != remote.md5:
            raise _Failure("the download was damaged (checksum)", retry=False)
        try:
            os.replace(tmp, folder / remote.name)
        except OSError as exc:
            raise _disk_reason(exc) from None
        tmp = None
        progress.sizes[remote.name] = read
        progress.report(remote.name, force=True)
    except BaseException:
        progress.done = start
        raise
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _download_file(name: str, bases: Sequence[str], folder: Path, remote: RemoteFile, progress: _Progress,
                   cancel: threading.Event | None) -> None:
    """Try each mirror in turn until one delivers the file; otherwise raise DownloadFailed."""
    tried: list[tuple[str, _Failure]] = []
    for base in bases:
        _check_cancel(cancel, name)
        url = _url(base, remote.name)
        try:
            _fetch(name, url, folder, remote, progress, cancel)
            return
        except _Failure as failure:
            tried.append((url, failure))
            if not failure.retry:
                break
    url, failure = tried[-1]
    also = "".join(f" (also tried {u}" + ("" if f.reason == failure.reason else f": {f.reason}") + ")"
                   for u, f in tried[:-1])
    raise _failed(name, remote.name, url, folder, failure, also)


# ------------------------------------------------------------------------------------------ unpacking
def _check_member(member: tarfile.TarInfo, top: str) -> str | None:
    """Why a member of CIFAR-10's archive is refused (None: it is a folder or file under ``top``)."""
    raw = member.name
    path = PurePosixPath(raw)
    if raw.startswith(("/", "\\")) or path.is_absolute() or (path.parts and ":" in path.parts[0]):
        return f"it holds {raw}, an absolute path"
    if ".." in path.parts or "\\" in raw:
        return f"it holds {raw}, which points outside {top}"
    if not (member.isreg() or member.isdir()):
        kind = "a link" if member.issym() or member.islnk() else "a device or pipe"
        return f"it holds {raw}, {kind}"
    if not path.parts or path.parts[0] != top or len(path.parts) > 2 or (member.isdir() and len(path.parts) > 1):
        return f"it holds {raw}, which is not a file of {top}"
    return None


def _extract(name: str, archive: Path, root: Path, top: str, cancel: threading.Event | None) -> None:
    """Unpack ``archive`` (CIFAR-10's tar.gz) into ``root/top`` safely: only plain files directly under
    ``top``; absolute paths, ``..``, links and devices are refused."""
    def refuse(reason: str, network: bool = False) -> DownloadFailed:
        return _failed(name, archive.name, None, root, _Failure(reason, retry=False, network=network))

    cap = 4 * size_cap(archive.stat().st_size)
    try:
        tmp = Path(tempfile.mkdtemp(dir=root, prefix=".unpack-"))
    except OSError as exc:
        raise refuse(_disk_reason(exc).reason) from None
    try:
        unpacked = 0
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                _check_cancel(cancel, name)
                why = _check_member(member, top)
                if why is not None:
                    raise refuse(f"{why} (refused)")
                unpacked += member.size
                if unpacked > cap:
                    raise refuse(f"it unpacks to more than {_size_words(cap)} (refused)")
                if hasattr(tarfile, "data_filter"):
                    tar.extract(member, tmp, filter="data")
                else:  # Python < 3.11.4: the checks above are all there is
                    tar.extract(member, tmp, set_attrs=False)
        dest = root / top
        dest.mkdir(exist_ok=True)
        source = tmp / top
        for path in sorted(source.iterdir()) if source.is_dir() else ():
            if path.is_file():
                os.replace(path, dest / path.name)
    except DownloadFailed:
        raise
    except (tarfile.TarError, EOFError, ValueError) as exc:
        raise refuse(f"the archive is damaged ({type(exc).__name__})") from None
    except OSError as exc:  # a corrupt gzip stream has no errno; the rest is the disk
        raise refuse("the archive is damaged" if exc.errno is None else _disk_reason(exc).reason) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ------------------------------------------------------------------------------------------ the call
def download_dataset(name: str, root: str | os.PathLike, progress: Progress | None = None,
                     cancel: threading.Event | None = None, base_urls: Sequence[str] | str | None = None,
                     *, files: Sequence[RemoteFile] | None = None) -> None:
    """Fetch the files of ``name`` ("mnist", "fashion-mnist" or "cifar10") into ``root`` in torchvision's
    layout. Files already there with the right md5 are kept.

    ``progress(done_bytes, total_bytes, file_name)`` is called at most ~10 times a second (in the calling
    thread); ``cancel`` (a ``threading.Event``) is checked between chunks and raises
    :class:`DownloadCancelled`. ``base_urls`` (default: ``$CONVSCOPE_DATA_MIRROR``, else torchvision's
    mirrors) are tried in turn on network errors and HTTP errors. ``files`` replaces torchvision's list of
    files (names, md5s, sizes), for tests and private mirrors.

    Raises :class:`DownloadFailed` (a ``DatasetMissing``) naming the file, the address and the folder.
    """
    info = get_info(name)
    if info.offline:
        return
    _check_downloadable(name)
    root = Path(root).expanduser()
    remotes = tuple(files) if files is not None else remote_files(name)
    bases = _bases(name, base_urls)
    folder = _target_folder(name, root)
    _check_cancel(cancel, name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        first = remotes[0].name if remotes else info.folder
        raise _failed(name, first, _url(bases[0], first), folder, _disk_reason(exc)) from None
    todo = [r for r in remotes if not _already_here(folder / r.name, r)]
    state = _Progress(progress, {r.name: r.size for r in todo})
    for remote in todo:
        _download_file(name, bases, folder, remote, state, cancel)
    if name == "cifar10":
        for remote in remotes:
            _check_cancel(cancel, name)
            _extract(name, folder / remote.name, root, info.folder, cancel)
