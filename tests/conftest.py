"""Fixtures shared by the core and app tests: small real dataset files in torchvision's layout."""
from __future__ import annotations

import errno
import faulthandler
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
__import__("main").use_this_checkout()  # `convscope` is this checkout where it is not installed (a GPU machine)

# ------------------------------------------------------------------------------- hang watchdog
# A test that hangs (a deadlock between threads, a modal dialog nobody answers) must fail the run
# with a stack dump, not stall it until the CI limit. faulthandler's watchdog is a C thread: it fires
# even when the GIL is held forever. pytest's own faulthandler_timeout and pytest-timeout both
# stop watching once a test has failed, and a failed test's teardown is where windows close.
TEST_TIME_LIMIT_S = int(os.environ.get("CONVSCOPE_TEST_TIME_LIMIT_S", "300"))  # the slowest test takes ~15 s on 2 cores
_watchdog_file = None


def pytest_configure(config):
    global _watchdog_file
    # Before output capture replaces stderr: the dump must reach the terminal or the CI log.
    _watchdog_file = os.fdopen(os.dup(sys.__stderr__.fileno()), "w")


def _arm_watchdog():
    faulthandler.dump_traceback_later(TEST_TIME_LIMIT_S, exit=True, file=_watchdog_file)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _arm_watchdog()
    try:
        return (yield)
    finally:
        faulthandler.cancel_dump_traceback_later()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    # Also the way out: threads or Qt objects that block the interpreter's exit.
    _arm_watchdog()


@pytest.hookimpl(trylast=True)
def pytest_exception_interact(node, call, report):
    # pytest's faulthandler plugin cancels any watchdog here; keep watching the rest of this test.
    if isinstance(node, pytest.Item):
        _arm_watchdog()


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


class FullDisk:
    """Turns every file write of core.runs.checkpoints into a full disk once ``full`` is set: each write
    stores half of its bytes, then fails with ENOSPC (or ``error``)."""

    def __init__(self, monkeypatch, error=errno.ENOSPC):
        self.full, self.error = False, error
        from convscope.core.runs import checkpoints as C

        real_fdopen, real_open = os.fdopen, open
        disk = self

        def failing():
            return disk.error if disk.full else None

        monkeypatch.setattr(C.os, "fdopen", lambda fd, *a, **k: HalfWriter(real_fdopen(fd, *a, **k), failing))
        monkeypatch.setattr(C, "open", lambda *a, **k: HalfWriter(real_open(*a, **k), failing), raising=False)


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


# ------------------------------------------------------------------ nothing left behind for the next test
THREAD_JOIN_GRACE_S = 5.0  # a thread that is finishing (its last event sent) gets this long to end


@pytest.fixture(autouse=True)
def _no_thread_left(_torch_threads_as_they_were):
    """Fail any test that leaves a non-daemon Python thread running (the QThread fixture of tests/app does
    the same for QThreads): no test may depend on what an earlier one left behind. (Torch's thread counts
    are checked after these threads have ended: a job that ends late puts its count back as it ends.)"""
    import threading
    import time

    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + THREAD_JOIN_GRACE_S
    left = [t for t in threading.enumerate() if t not in before and not t.daemon and t.is_alive()]
    for t in left:
        t.join(max(0.0, deadline - time.monotonic()))
    left = [t for t in left if t.is_alive()]
    assert not left, (f"{len(left)} non-daemon thread(s) still running: {[t.name for t in left]}; a test must "
                      "stop and join the threads it starts")


def _torch_thread_counts(torch) -> tuple[int, int]:
    """(this thread's torch thread count, the count a thread started now gets)."""
    from convscope.core.base.devices import default_thread_count

    return torch.get_num_threads(), default_thread_count()


@pytest.fixture(autouse=True)
def _torch_threads_as_they_were():
    """Fail any test that leaves torch's thread count changed: the calling (main, in the window tests the
    GUI) thread's own, or the default that threads started later get. Checked only where torch was imported
    before the test (importing it is not this fixture's business); the counts are put back for the next test."""
    torch = sys.modules.get("torch")
    before = _torch_thread_counts(torch) if torch is not None else None
    yield
    if before is None:
        return
    after = _torch_thread_counts(torch)
    if after != before:  # put back: this thread's count (which also sets the default), then the default
        import threading

        torch.set_num_threads(before[0])
        helper = threading.Thread(target=torch.set_num_threads, args=(before[1],), name="torch-threads")
        helper.start()
        helper.join()
    assert after == before, (f"torch's thread counts (this thread, new threads) were {before} before the test "
                             f"and {after} after it; a test must put back what it changes")
