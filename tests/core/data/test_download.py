"""core.data.download against a local http.server on 127.0.0.1 (no internet): torchvision's layout, progress,
cancel, failures in words, checksums, bounded sizes, safe unpacking of CIFAR-10's archive."""
from __future__ import annotations

import functools
import hashlib
import io
import pickle
import socket
import tarfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from convscope.core.data import download as DL
from convscope.core.data import loading as D
from convscope.core.data.download import DownloadCancelled, DownloadFailed, RemoteFile, download_dataset
from tests.conftest import write_mnist

SERVER_LIFETIME_S = 60  # a server stops by itself after this long, whatever happens to the test
MNIST_NAMES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
               "t10k-labels-idx1-ubyte.gz")
CIFAR_NAMES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)


# ------------------------------------------------------------------------------------- local server
class _Handler(SimpleHTTPRequestHandler):
    """Serves the folder; names in ``server.slow`` are sent in small paced pieces, ``server.huge`` claim
    a gigabyte, ``server.endless`` stream without a Content-Length."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        name = self.path.rsplit("/", 1)[-1]
        server = self.server
        try:
            if name in server.huge:
                self.send_response(200)
                self.send_header("Content-Length", str(10 ** 9))
                self.end_headers()
                self.wfile.write(b"\0" * 1024)
            elif name in server.endless:
                self.send_response(200)
                self.end_headers()
                for _ in range(server.endless[name] // 65536):
                    self.wfile.write(b"\1" * 65536)
            elif name in server.slow:
                body = (Path(self.directory) / name).read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                for start in range(0, len(body), 16384):
                    self.wfile.write(body[start:start + 16384])
                    self.wfile.flush()
                    time.sleep(server.delay)
            else:
                super().do_GET()
        except (BrokenPipeError, ConnectionResetError):  # the client went away (cancelled)
            pass


class LocalServer:
    """A ThreadingHTTPServer on 127.0.0.1 serving ``folder``; stops on ``close()`` or after
    SERVER_LIFETIME_S. ``base`` is its address."""

    def __init__(self, folder: Path, slow=(), huge=(), endless=None, delay=0.02):
        handler = functools.partial(_Handler, directory=str(folder))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.server.slow, self.server.huge, self.server.delay = set(slow), set(huge), delay
        self.server.endless = dict(endless or {})
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True, name="test-http-server")
        self._timer = threading.Timer(SERVER_LIFETIME_S, self.server.shutdown)
        self._timer.daemon = True
        self._thread.start()
        self._timer.start()

    def close(self) -> None:
        self._timer.cancel()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)


def closed_port_url() -> str:
    """An address on 127.0.0.1 where nothing listens (connections are refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def remote_files_of(folder: Path, names) -> tuple[RemoteFile, ...]:
    """The RemoteFile list of files in ``folder``: their md5 and size."""
    out = []
    for name in names:
        data = (folder / name).read_bytes()
        out.append(RemoteFile(name, hashlib.md5(data).hexdigest(), len(data)))
    return tuple(out)


def fake_mnist_files(folder: Path) -> tuple[RemoteFile, ...]:
    """Tiny real MNIST files (gzipped IDX, 200 + 100 images) in ``folder`` under torchvision's names."""
    raw = write_mnist(folder / "src", gz=True) / "MNIST" / "raw"
    folder.mkdir(parents=True, exist_ok=True)
    for name in MNIST_NAMES:
        (raw / name).rename(folder / name)
    return remote_files_of(folder, MNIST_NAMES)


def cifar_archive(path: Path, extra=None, n: int = 12) -> RemoteFile:
    """A small CIFAR-10 tar.gz with torchvision's members; ``extra(tar)`` adds members after the first."""
    rng = np.random.default_rng(0)
    with tarfile.open(path, "w:gz") as tar:
        top = tarfile.TarInfo("cifar-10-batches-py")
        top.type, top.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(top)
        for i, name in enumerate(CIFAR_NAMES):
            batch = {"data": rng.integers(0, 256, (n, 3072)).astype(np.uint8),
                     "labels": rng.integers(0, 10, n).tolist()}
            body = pickle.dumps(batch)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
            if i == 0 and extra is not None:
                extra(tar)
    return remote_files_of(path.parent, [path.name])[0]


@pytest.fixture(autouse=True)
def _no_proxy_no_mirror(monkeypatch):
    """urllib must talk to 127.0.0.1 directly, and only the mirrors a test names are used."""
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv(DL.MIRROR_ENV, raising=False)


@pytest.fixture
def serve():
    """``serve(folder, **options)`` → a started LocalServer, closed after the test."""
    servers = []

    def start(folder, **options):
        servers.append(LocalServer(folder, **options))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith(".") or p.suffix == ".part")


# ------------------------------------------------------------------------------------------- tests
def test_the_files_and_mirrors_are_torchvisions():
    import torchvision.datasets as tvd

    for name, cls in (("mnist", tvd.MNIST), ("fashion-mnist", tvd.FashionMNIST)):
        assert [(f.name, f.md5) for f in DL.remote_files(name)] == [tuple(r) for r in cls.resources]
        assert DL.mirrors(name) == tuple(cls.mirrors)
        assert all(f.size > 1000 for f in DL.remote_files(name))
    (cifar,) = DL.remote_files("cifar10")
    assert (cifar.name, cifar.md5) == (tvd.CIFAR10.filename, tvd.CIFAR10.tgz_md5)
    assert DL.mirrors("cifar10")[0] + cifar.name == tvd.CIFAR10.url


def test_mnist_lands_in_torchvisions_layout_and_loads(tmp_path, serve):
    files = fake_mnist_files(tmp_path / "www")
    server = serve(tmp_path / "www")
    root = tmp_path / "data"
    calls = []
    download_dataset("mnist", root, progress=lambda *a: calls.append(a), base_urls=[server.base], files=files)
    raw = root / "MNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(MNIST_NAMES) and not leftovers(root)
    images, labels = D.load_split("mnist", "train", root)
    assert images.shape == (200, 1, 28, 28) and len(labels) == 200
    assert D.load_split("mnist", "test", root)[0].shape == (100, 1, 28, 28)
    total = sum(f.size for f in files)
    done = [c[0] for c in calls]
    assert done == sorted(done) and calls[-1][:2] == (total, total) and all(c[1] == total for c in calls)
    assert {c[2] for c in calls} == set(MNIST_NAMES)
    # Files that are already there with the right checksum are kept: no server needed any more.
    download_dataset("mnist", root, base_urls=[closed_port_url()], files=files)


def test_the_mirror_can_come_from_the_environment_through_load_split(tmp_path, serve, monkeypatch):
    files = fake_mnist_files(tmp_path / "www")
    server = serve(tmp_path / "www")
    monkeypatch.setenv(DL.MIRROR_ENV, f"{closed_port_url()} {server.base}")  # the first one is down
    monkeypatch.setattr(DL, "remote_files", lambda name: files)
    monkeypatch.setattr(D, "default_root", lambda: tmp_path / "downloads")
    monkeypatch.setattr(D, "INSTALLED_FOLDERS", {})
    images, labels = D.load_split("mnist", "train")
    assert images.shape == (200, 1, 28, 28)
    assert (tmp_path / "downloads" / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz").is_file()


def test_cancel_midway_raises_and_leaves_no_partial_file(tmp_path, serve):
    www = tmp_path / "www"
    www.mkdir()
    body = np.random.default_rng(0).bytes(1 << 20)
    (www / "train-images-idx3-ubyte.gz").write_bytes(body)
    files = remote_files_of(www, ["train-images-idx3-ubyte.gz"])
    server = serve(www, slow={"train-images-idx3-ubyte.gz"})
    cancel = threading.Event()

    def progress(done, total, name):
        if done > 0:
            cancel.set()

    started = time.monotonic()
    with pytest.raises(DownloadCancelled) as err:
        download_dataset("mnist", tmp_path / "data", progress, cancel, [server.base], files=files)
    assert time.monotonic() - started < 1.0  # the whole file would take ~1.3 s
    assert "cancelled" in str(err.value)
    raw = tmp_path / "data" / "MNIST" / "raw"
    assert list(raw.iterdir()) == []


def test_a_404_names_the_file_the_address_and_the_folder(tmp_path, serve):
    files = fake_mnist_files(tmp_path / "www")
    (tmp_path / "www" / "t10k-labels-idx1-ubyte.gz").unlink()
    server = serve(tmp_path / "www")
    with pytest.raises(DownloadFailed) as err:
        download_dataset("mnist", tmp_path / "data", base_urls=server.base, files=files)
    text, folder = str(err.value), tmp_path / "data" / "MNIST" / "raw"
    assert "could not download t10k-labels-idx1-ubyte.gz from " + server.base in text
    assert f"into {folder}: the server answered 404 Not Found" in text and "'mnist-sample'" in text
    assert err.value.sample == "mnist-sample" and err.value.dataset == "mnist"
    assert isinstance(err.value, D.DatasetMissing)
    assert "HTTP Error" not in text and "Errno" not in text and "urlopen" not in text
    assert not leftovers(tmp_path / "data")


def test_a_closed_port_means_the_internet_cannot_be_reached(tmp_path):
    files = (RemoteFile("train-images-idx3-ubyte.gz", "0" * 32, 100),)
    url = closed_port_url()
    with pytest.raises(DownloadFailed) as err:
        download_dataset("fashion-mnist", tmp_path, base_urls=[url, url + "again/"], files=files)
    text = str(err.value)
    assert "train-images-idx3-ubyte.gz" in text and str(tmp_path / "FashionMNIST" / "raw") in text
    assert "the internet cannot be reached" in text and "also tried" in text  # both mirrors were tried
    assert "Without a network, use the offline sample 'fashion-mnist-sample'" in text
    assert "Errno" not in text and "refused" not in text.lower()


def test_a_checksum_mismatch_is_refused(tmp_path, serve):
    files = fake_mnist_files(tmp_path / "www")
    files = (files[0]._replace(md5="0" * 32),) + files[1:]
    server = serve(tmp_path / "www")
    with pytest.raises(DownloadFailed) as err:
        download_dataset("mnist", tmp_path / "data", base_urls=[server.base], files=files)
    text = str(err.value)
    assert "the download was damaged (checksum)" in text
    assert server.base + "train-images-idx3-ubyte.gz" in text
    raw = tmp_path / "data" / "MNIST" / "raw"
    assert list(raw.iterdir()) == []


@pytest.mark.parametrize("mode", ["huge", "endless"])
def test_a_response_larger_than_expected_is_refused(tmp_path, serve, mode):
    www = tmp_path / "www"
    www.mkdir()
    name = "t10k-labels-idx1-ubyte.gz"
    files = (RemoteFile(name, "0" * 32, 5000),)  # at most 2 × 5 kB + 1 MiB are accepted
    options = {"huge": {name}} if mode == "huge" else {"endless": {name: 3 << 20}}
    server = serve(www, **options)
    with pytest.raises(DownloadFailed) as err:
        download_dataset("mnist", tmp_path / "data", base_urls=[server.base], files=files)
    assert "(refused)" in str(err.value) and "5.0 kB" in str(err.value)
    assert list((tmp_path / "data" / "MNIST" / "raw").iterdir()) == []


def test_cifar10_is_unpacked_where_torchvision_puts_it(tmp_path, serve):
    www = tmp_path / "www"
    www.mkdir()
    files = (cifar_archive(www / "cifar-10-python.tar.gz"),)
    server = serve(www)
    root = tmp_path / "data"
    download_dataset("cifar10", root, base_urls=[server.base], files=files)
    assert sorted(p.name for p in (root / "cifar-10-batches-py").iterdir()) == sorted(CIFAR_NAMES)
    assert (root / "cifar-10-python.tar.gz").is_file() and not leftovers(root)
    images, labels = D.load_split("cifar10", "train", root)
    assert images.shape == (60, 3, 32, 32) and len(labels) == 60


def _member(name, kind=tarfile.REGTYPE, linkname="", body=b"evil"):
    def add(tar):
        info = tarfile.TarInfo(name)
        info.type, info.linkname = kind, linkname
        info.size = len(body) if kind == tarfile.REGTYPE else 0
        tar.addfile(info, io.BytesIO(body) if kind == tarfile.REGTYPE else None)
    return add


@pytest.mark.parametrize("name, kind, linkname, why", [
    ("../evil", tarfile.REGTYPE, "", "points outside"),
    ("cifar-10-batches-py/../../evil", tarfile.REGTYPE, "", "points outside"),
    ("/tmp/evil", tarfile.REGTYPE, "", "absolute"),
    ("cifar-10-batches-py/evil", tarfile.SYMTYPE, "/etc/passwd", "a link"),
    ("cifar-10-batches-py/evil", tarfile.LNKTYPE, "cifar-10-batches-py/data_batch_1", "a link"),
    ("cifar-10-batches-py/evil", tarfile.CHRTYPE, "", "a device"),
    ("elsewhere/evil", tarfile.REGTYPE, "", "not a file of cifar-10-batches-py"),
], ids=["dotdot", "nested-dotdot", "absolute", "symlink", "hardlink", "device", "outside"])
def test_a_cifar_archive_with_a_dangerous_member_is_refused(tmp_path, serve, name, kind, linkname, why):
    www = tmp_path / "www"
    www.mkdir()
    files = (cifar_archive(www / "cifar-10-python.tar.gz", extra=_member(name, kind, linkname)),)
    server = serve(www)
    root = tmp_path / "deep" / "data"
    with pytest.raises(DownloadFailed) as err:
        download_dataset("cifar10", root, base_urls=[server.base], files=files)
    text = str(err.value)
    assert f"could not unpack cifar-10-python.tar.gz into {root}: it holds {name}" in text
    assert why in text and "(refused)" in text
    assert not (tmp_path / "deep" / "evil").exists() and not (tmp_path / "evil").exists()
    assert not (root / "cifar-10-batches-py").exists() and not leftovers(root)


def test_a_mirror_must_be_an_http_address(tmp_path):
    with pytest.raises(D.DataError, match="http"):
        download_dataset("mnist", tmp_path, base_urls="file:///etc/", files=())
    with pytest.raises(D.DataError, match="unknown dataset"):
        download_dataset("cifar100", tmp_path)


def test_an_offline_sample_needs_no_download(tmp_path):
    download_dataset("mnist-sample", tmp_path / "nowhere")
    assert not (tmp_path / "nowhere").exists()
