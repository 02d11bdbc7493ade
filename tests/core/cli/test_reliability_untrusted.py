"""Hostile files and the CLI's promises (docs/reliability.md, rows 15–23).

Every refusal: exit code 2, the last stderr line one ``error: …`` sentence, no traceback, within 20 s and
under 1.5 GiB of peak memory (the child's own ``ru_maxrss``, from ``os.wait4``). The hostile files are
small: sparse files, a FIFO, symlinks to /dev/zero, a gzip bomb of a few MB.
"""
import errno
import gzip
import json
import os
import pickle
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch

from convscope.core.cli import main
from convscope.core.runs import checkpoints as C
from tests.conftest import write_cifar, write_mnist

ROOT = Path(__file__).resolve().parents[3]
PEAK_LIMIT_KIB = int(1.5 * 2**20)  # 1.5 GiB
TIME_LIMIT_S = 20.0


class Child:
    def __init__(self, code, out, err, peak_kib, seconds):
        self.code, self.out, self.err, self.peak_kib, self.seconds = code, out, err, peak_kib, seconds

    @property
    def last_line(self) -> str:
        lines = self.err.strip().splitlines()
        return lines[-1] if lines else ""


# The child's own peak memory. ``os.wait4``'s ru_maxrss also counts the memory of the process that
# started it (Linux keeps the larger of the pre-exec and the new high-water mark), which in a long test
# session is this pytest process's: the child reads its own high-water mark (VmHWM) as it exits.
PEAK_REPORTER = """
import atexit, os, runpy, sys
def report():
    try:
        with open('/proc/self/status') as status, open(os.environ['CONVSCOPE_TEST_PEAK'], 'w') as out:
            out.write(next(line.split()[1] for line in status if line.startswith('VmHWM:')))
    except (OSError, StopIteration):
        pass
atexit.register(report)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
"""


def run_cli(*args, env=None, timeout=TIME_LIMIT_S, on_start=None) -> Child:
    """``main.py ARGS`` in a child process: exit code, output, its own peak memory (its VmHWM where
    /proc has it, else ``os.wait4``'s) and its time. A child still running after ``timeout`` seconds is
    killed (and reported with code -9)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(suffix=".peak", delete=False) as peak_file:
        started = time.monotonic()
        child_env = {**os.environ, **(env or {}), "CONVSCOPE_TEST_PEAK": peak_file.name}
        proc = subprocess.Popen([sys.executable, "-c", PEAK_REPORTER, "main.py", *map(str, args)], cwd=ROOT,
                                stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=child_env)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            if on_start:
                on_start(proc)
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
            if proc.returncode is None and "status" not in locals():
                proc.kill()
                proc.wait()
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        out.seek(0), err.seek(0)
        reported = Path(peak_file.name).read_text().strip()
        os.unlink(peak_file.name)
        peak = int(reported) if reported.isdigit() else usage.ru_maxrss
        return Child(proc.returncode, out.read().decode(), err.read().decode(), peak, seconds)


def run_many(commands) -> list[Child]:
    """:func:`run_cli` of each command, one after the other (each timed on its own)."""
    return [run_cli(*args) for args in commands]


def assert_refused(child: Child, *words: str) -> None:
    """Exit 2, one ``error:`` line last, no traceback, in time and in memory."""
    assert child.seconds < TIME_LIMIT_S, f"took {child.seconds:.1f} s: {child.err[-500:]}"
    assert child.code == 2, (child.code, child.err[-2000:])
    assert "Traceback" not in child.err, child.err
    line = child.last_line
    assert line.startswith("error: ") and line.count("\n") == 0, child.err
    for word in words:
        assert word in line, line
    assert child.peak_kib < PEAK_LIMIT_KIB, f"peak {child.peak_kib / 2**20:.2f} GiB"




def edit_config(run_dir: Path, **changes) -> None:
    cfg = json.loads((run_dir / C.CONFIG).read_text())
    cfg.update(changes)
    (run_dir / C.CONFIG).write_text(json.dumps(cfg))


# ------------------------------------------------------------------ 1. small files, gigabytes of memory
def test_a_config_of_a_huge_network_is_refused_before_it_is_built(run_copy):
    """A 1 KB config.json of VGG-11 (d2l, width 4: 7.7 GiB of weights) or AlexNet (512 px, width 4: 257 GiB):
    measured on the meta device and refused, never built."""
    edit_config(run_copy, arch="vgg11", form="d2l", width=4)
    assert_refused(run_cli("evaluate", "--checkpoint", run_copy, "--device", "cpu"),
                   "config.json", "7.7 GiB of weights", "more than the 2.0 GiB")
    edit_config(run_copy, arch="alexnet", form="native", image_size=512, width=4)
    with pytest.raises(C.CheckpointError, match="257.2 GiB of weights"):  # the window gets the same
        C.load_run(run_copy)


def test_a_config_the_weights_cannot_match_is_refused_from_the_header(run_copy):
    """A valid, affordable config of another network: refused from the weights' header, nothing built."""
    edit_config(run_copy, arch="vgg11", form="d2l", width=1)  # 0.5 GiB of weights: affordable, not these
    with pytest.raises(C.CheckpointError, match="does not fit a vgg11"):
        C.load_run(run_copy)


@pytest.mark.parametrize("name", [C.WEIGHTS, C.CONFIG, C.METRICS])
def test_a_run_file_linked_to_dev_zero_is_refused_unread(run_copy, name):
    (run_copy / name).unlink()
    (run_copy / name).symlink_to("/dev/zero")
    assert_refused(run_cli("evaluate", "--checkpoint", run_copy, "--device", "cpu"),
                   name, "is a device, not a regular file")


def test_sparse_weights_of_gigabytes_are_refused_unread(run_copy):
    os.truncate(run_copy / C.WEIGHTS, 5 * 2**30)  # the real header, then 5 GiB of holes
    assert_refused(run_cli("evaluate", "--checkpoint", run_copy, "--device", "cpu"),
                   C.WEIGHTS, "is 5.0 GiB, more than the")


def test_a_gzip_bomb_is_inflated_no_further_than_its_header_declares(tmp_path):
    root = write_mnist(tmp_path, gz=True, n_train=32, n_test=16)
    header = b"\0\0\x08\x03" + struct.pack(">III", 60_000, 28, 28)  # declares 47 MB...
    zeros = bytes(64 * 2**20)
    member = gzip.compress(zeros)  # ...then 64 MiB of zeros, 79 more times (5 GiB in 5 MB)
    bomb = gzip.compress(header + zeros) + member * 79
    assert len(bomb) < 8 * 2**20
    path = root / "MNIST" / "raw" / "train-images-idx3-ubyte.gz"
    path.write_bytes(bomb)
    child = run_cli("train", "--dataset", "mnist", "--data-root", root, "--epochs", "1", "--device", "cpu")
    assert_refused(child, "train-images-idx3-ubyte.gz", "padded")
    # A header that declares more than any IDX file is refused at once.
    from convscope.core.data.loading import DataError, read_idx

    path.write_bytes(gzip.compress(b"\0\0\x08\x03" + struct.pack(">III", 10**6, 1000, 1000) + bytes(2**20)))
    with pytest.raises(DataError, match="declares 931.3 GiB of data"):
        read_idx(path)


class _Unfilled:
    """Pickles as numpy's ``_reconstruct`` of an array of ``shape`` that is never given its data."""

    def __init__(self, shape, dtype):
        self.shape, self.dtype = shape, dtype

    def __reduce__(self):
        from numpy._core.multiarray import _reconstruct

        return _reconstruct, (np.ndarray, self.shape, self.dtype)


def test_a_cifar_batch_that_declares_arrays_it_does_not_fill_is_refused(tmp_path):
    root = write_cifar(tmp_path)
    batch = {"data": _Unfilled((400_000, 3072), b"B"), "labels": _Unfilled((400_000,), b"l")}
    (root / "cifar-10-batches-py" / "data_batch_1").write_bytes(pickle.dumps(batch, protocol=4))
    child = run_cli("train", "--dataset", "cifar10", "--data-root", root, "--epochs", "1", "--device", "cpu")
    assert_refused(child, "data_batch_1", "not a CIFAR-10 python batch")


def test_a_cifar_array_with_less_data_than_its_shape_is_refused(tmp_path):
    from convscope.core.data.loading import DataError, read_cifar_batch

    class Short:
        def __reduce__(self):
            from numpy._core.multiarray import _reconstruct

            return _reconstruct, (np.ndarray, (0,), b"B"), (1, (20, 3072), np.dtype(np.uint8), False, b"x" * 10)

    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({"data": Short(), "labels": [0] * 20}, protocol=4))
    with pytest.raises(DataError, match="10 bytes of data"):
        read_cifar_batch(path)


# --------------------------------------------------------------------------------- 2. FIFOs never block
def test_a_fifo_as_config_or_as_the_image_is_refused_without_blocking(run_copy, lenet_run, tmp_path):
    (run_copy / C.CONFIG).unlink()
    os.mkfifo(run_copy / C.CONFIG)
    fifo = tmp_path / "digit.png"
    os.mkfifo(fifo)
    config, image = run_many([("evaluate", "--checkpoint", run_copy, "--device", "cpu"),
                              ("predict", "--checkpoint", lenet_run, fifo)])
    assert_refused(config, C.CONFIG, "named pipe")
    assert_refused(image, "not a regular file")
    with pytest.raises(C.CheckpointError, match="named pipe"):  # what the window's load_checkpoint sees
        C.load_run(run_copy)
    from convscope.core.insight.inference import InferenceError, load_image

    with pytest.raises(InferenceError, match="named pipe"):  # the Draw tab's "Open image…"
        load_image(fifo)


# --------------------------------------------------------------------------- 3. evaluate --device cuda
def test_evaluate_on_cuda_without_a_gpu_is_bad_input(lenet_run, capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    code = main(["evaluate", "--checkpoint", str(lenet_run), "--device", "cuda"])
    err = capsys.readouterr().err
    assert code == 2 and err.strip().splitlines()[-1].startswith("error: device 'cuda'"), err


# ------------------------------------------------------------------------------- 4. a seed of 5000 digits
def test_a_seed_of_thousands_of_digits_is_refused_in_one_line(run_copy, capsys):
    text = (run_copy / C.CONFIG).read_text()
    (run_copy / C.CONFIG).write_text(text.replace('"seed": 0', '"seed": ' + "9" * 5000))
    code = main(["evaluate", "--checkpoint", str(run_copy), "--device", "cpu"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "config.json" in err and "not valid JSON" in err, err


# ------------------------------------------------------------------------------------ 5. strict JSON
def test_evaluate_json_is_strict_json_even_for_a_nan_loss(run_copy, capsys):
    from safetensors.torch import load_file, save_file

    meta = C._read_metadata(run_copy / C.WEIGHTS)
    state = load_file(run_copy / C.WEIGHTS)
    # Finite weights so large that the scores overflow: NaN weights themselves are refused as broken.
    state = {k: torch.full_like(v, 1e38) if v.is_floating_point() else v for k, v in state.items()}
    save_file(state, run_copy / C.WEIGHTS, metadata=meta)
    code = main(["evaluate", "--checkpoint", str(run_copy), "--device", "cpu", "--json"])
    out = capsys.readouterr().out.strip().splitlines()[-1]
    result = json.loads(out, parse_constant=lambda name: pytest.fail(f"{name} in --json output: {out}"))
    assert code == 0 and result["loss"] is None, out


# ---------------------------------------------------------------------------- 6. SIGTERM stops and saves
def test_sigterm_stops_a_training_like_ctrl_c(tmp_path):
    out = tmp_path / "run"

    def terminate_after_an_epoch(proc):
        deadline = time.monotonic() + 240  # a hang guard: an epoch takes seconds, longer on a busy machine
        while not ((out / C.METRICS).exists() and (out / C.METRICS).read_text().count("\n") >= 1):
            assert time.monotonic() < deadline and proc.poll() is None, "no epoch finished"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)

    child = run_cli("train", "--subset", "64", "--epochs", "10000", "--device", "cpu", "--out", out, "--json",
                    timeout=300, on_start=terminate_after_an_epoch)
    assert child.code == 0, child.err[-2000:]
    assert "stopping: the step under way is dropped" in child.err and "Traceback" not in child.err
    result = json.loads(child.out.strip().splitlines()[-1])
    assert result["status"] == "stopped" and result["epochs"] >= 1
    assert json.loads((out / C.STATUS).read_text())["status"] == "stopped"
    assert C.load_run(out).epoch >= 1


# ------------------------------------------------------------------------ 7. any bit depth, any alpha
def _digit_one(size=64) -> np.ndarray:
    ink = np.zeros((size, size), bool)
    ink[12:52, 28:36] = True  # a vertical bar: a "1"
    return ink


def test_images_of_any_bit_depth_or_alpha_keep_their_ink(lenet_run, tmp_path):
    from PIL import Image

    from convscope.core.insight.inference import Predictor, load_image, to_light_on_dark

    ink = _digit_one()
    grey16 = np.where(ink, 20_000, 65_535).astype(np.uint16)  # dark-grey ink on white, 16 bits
    Image.fromarray(grey16).save(tmp_path / "i16.png")
    assert Image.open(tmp_path / "i16.png").mode.startswith("I;16")
    Image.fromarray(np.where(ink, 0.3, 0.9).astype(np.float32)).save(tmp_path / "float.tif")
    Image.fromarray(np.where(ink, 300.0, 900.0).astype(np.float32)).save(tmp_path / "float-range.tif")
    for name, colour in (("white-on-transparent.png", 255), ("black-on-transparent.png", 0)):
        rgba = np.zeros((64, 64, 4), np.uint8)
        rgba[..., :3] = 255 - colour
        rgba[ink] = (colour, colour, colour, 255)
        Image.fromarray(rgba).save(tmp_path / name)
    predictor = Predictor.from_run(C.load_run(lenet_run))
    for name in ("i16.png", "float.tif", "float-range.tif", "white-on-transparent.png",
                 "black-on-transparent.png"):
        light = to_light_on_dark(load_image(tmp_path / name))
        assert light[ink].mean() > 0.9 and light[~ink].mean() < 0.05, name
        assert predictor.predict_file(tmp_path / name, k=1), name  # not "blank"
    child_code = main(["predict", "--checkpoint", str(lenet_run), str(tmp_path / "i16.png")])
    assert child_code == 0


# ------------------------------------------------------------ 8. the full-disk message tells the truth
def test_a_disk_that_fills_between_the_weights_and_the_optimizer_keeps_the_last_whole_epoch(tmp_path,
                                                                                          monkeypatch):
    from convscope.core.setup.config import make_config
    from convscope.core.training.engine import Trainer

    out = tmp_path / "run"
    real_write_temp = C._write_temp
    epochs = []

    def write_temp(path, data, *args):
        if path.name == C.OPT_TENSORS and len(epochs) == 2:  # epoch 2: the weights fit, the optimizer not
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write_temp(path, data, *args)

    monkeypatch.setattr(C, "_write_temp", write_temp)
    trainer = Trainer(make_config("lenet", "mnist-sample", subset=64, epochs=3, device="cpu"), run_dir=str(out))
    trainer._write_epoch = _counting(trainer._write_epoch, epochs)
    result = trainer.run()
    assert result.status == "failed" and "No space left on device" in result.message
    run = C.load_run(out)
    assert run.info["epoch"] == "1" and "the files there still hold epoch 1" in result.message, result.message
    assert [m["epoch"] for m in run.metrics] == [1] and trainer.saved_epoch == 1
    assert not list(out.glob(C.TMP_PREFIX + "*"))
    assert C.load_optimizer_state(out) is not None  # the weights and their optimizer state, one set


def _counting(write_epoch, epochs):
    def write(record):
        epochs.append(record["epoch"])  # before the save: the save of epoch N sees N entries
        return write_epoch(record)

    return write


# ------------------------------------------------------------------------------------------ 9. minor
def test_batchnorm_with_one_example_is_bad_input(capsys):
    code = main(["train", "--subset", "1", "--arch", "resnet-small", "--epochs", "1", "--device", "cpu"])
    err = capsys.readouterr().err
    assert code == 2 and err.strip().splitlines()[-1].startswith("error: resnet-small uses BatchNorm"), err


@pytest.mark.parametrize("dtype, word", [(torch.int64, "I64"), (torch.bool, "BOOL")])
def test_weights_of_another_type_are_refused_not_cast(run_copy, capsys, dtype, word):
    from safetensors.torch import load_file, save_file

    meta = C._read_metadata(run_copy / C.WEIGHTS)
    state = load_file(run_copy / C.WEIGHTS)
    state = {k: v.to(dtype) for k, v in state.items()}
    save_file(state, run_copy / C.WEIGHTS, metadata=meta)
    code = main(["predict", "--checkpoint", str(run_copy), str(ROOT / "README.md")])
    err = capsys.readouterr().err
    assert code == 2 and f"is of type {word}, not F32" in err and err.count("\n") == 1, err


def test_every_run_file_has_the_same_mode(lenet_run):
    modes = {str(p.relative_to(lenet_run)): stat.S_IMODE(p.stat().st_mode) for p in lenet_run.rglob("*")
             if p.is_file()}
    assert set(modes) >= {C.CONFIG, C.METRICS, C.WEIGHTS, C.STATUS, C.OPT_META, C.OPT_TENSORS, C.RUN_INFO}
    assert any(name.startswith("snapshots") for name in modes)  # the files of sub-folders too
    assert set(modes.values()) == {C.FILE_MODE}, modes
    folders = {p.name: stat.S_IMODE(p.stat().st_mode) for p in lenet_run.rglob("*") if p.is_dir()}
    assert set(folders.values()) <= {C.FOLDER_MODE}, folders


def _png_header_only(width: int, height: int) -> bytes:
    """A valid PNG of ``width``×``height`` grey pixels, all black (its rows compress to almost nothing)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    z = zlib.compressobj(9)
    row = bytes(width + 1)
    idat = b"".join(z.compress(row) for _ in range(height)) + z.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def test_an_image_of_144_megapixels_is_refused_without_a_warning(lenet_run, tmp_path):
    from convscope.core.insight.inference import InferenceError, load_image

    path = tmp_path / "huge.png"
    path.write_bytes(_png_header_only(12_000, 12_000))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(InferenceError, match="pixels"):
            load_image(path)
    assert not [w for w in caught if "DecompressionBomb" in type(w.message).__name__], caught
    assert_refused(run_cli("predict", "--checkpoint", lenet_run, path), "huge.png", "pixels")
