"""Run directories on disk: atomic saves, interrupted and killed writers, and untrusted contents.

Failure modes 9 (interrupted saves) and 10 (untrusted run directories) of docs/reliability.md.
"""
import errno
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convscope.core.cli import main
from convscope.core.runs import checkpoints as C
from convscope.core.setup.config import TrainConfig, make_config
from convscope.core.training.engine import Trainer
from tests.conftest import HalfWriter

ROOT = Path(__file__).resolve().parents[3]
RUN_FILES = (C.CONFIG, C.METRICS, C.WEIGHTS, C.OPT_TENSORS, C.OPT_META, C.STATUS)


def tiny(**overrides):
    values = dict(subset=128, epochs=1, batch_size=32, device="cpu")
    values.update(overrides)
    return make_config("lenet", "mnist-sample", **values)


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("trained") / "run"
    assert Trainer(tiny(), run_dir=str(out)).run().status == "completed"
    return out


@pytest.fixture
def run_dir(trained_run, tmp_path):
    """A fresh copy of a finished one-epoch LeNet run."""
    dst = tmp_path / "run"
    shutil.copytree(trained_run, dst)
    return dst


def load_everything(run_dir):
    """What the app reads from a run directory: the model, its metrics and status, the optimizer state."""
    run = C.load_run(run_dir)
    return run, C.load_optimizer_state(run_dir)


def weights_of(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def same_weights(a, b):
    return set(a) == set(b) and all(torch.equal(a[k], b[k]) for k in a)


# --------------------------------------------------------------------------------------- round trip
def test_a_run_directory_round_trips(run_dir):
    run, opt_state = load_everything(run_dir)
    assert run.config == tiny()
    assert run.status["status"] == "completed" and run.status["batch_size"] == 32
    assert [m["epoch"] for m in run.metrics] == [1] and run.epoch == 1
    assert run.info["epoch"] == "1" and len(run.info["checkpoint"]) == 16
    # The optimizer state loads into a fresh optimizer of the rebuilt model.
    optimizer = torch.optim.Adam(run.model.parameters(), lr=1e-3)
    optimizer.load_state_dict(opt_state)
    assert len(optimizer.state) == len(list(run.model.parameters()))
    assert not list(run_dir.glob(C.TMP_PREFIX + "*"))


# ------------------------------------------------------------------------------ 9: interrupted saves
def test_a_save_failing_half_way_through_a_file_keeps_the_previous_checkpoint(run_dir, monkeypatch):
    before = {name: (run_dir / name).read_bytes() for name in RUN_FILES}
    run, _ = load_everything(run_dir)
    model = run.model
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    real_fdopen = os.fdopen
    monkeypatch.setattr(C.os, "fdopen", lambda fd, *a, **k: HalfWriter(real_fdopen(fd, *a, **k)))
    writer = C.RunWriter(run_dir)
    with pytest.raises(OSError, match="No space left"):
        writer.save_weights(model, torch.optim.Adam(model.parameters()), {"epoch": 2})
    with pytest.raises(OSError):
        writer.write_status("completed")
    monkeypatch.undo()
    assert {name: (run_dir / name).read_bytes() for name in RUN_FILES} == before
    assert not list(run_dir.glob(C.TMP_PREFIX + "*"))  # the half-written temporary files are gone
    load_everything(run_dir)


def test_a_save_interrupted_between_files_is_detected(run_dir, monkeypatch):
    """New weights with the previous optimizer state: the weights load, the mismatch is reported."""
    run, _ = load_everything(run_dir)
    model = run.model
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.zeros(2, 1, 28, 28)).sum().backward()
    optimizer.step()
    with torch.no_grad():
        model.fc3.weight.fill_(0.5)
    real_replace = os.replace

    def replace(tmp, path):  # a crash between the renames that switch to the new set
        if Path(path).name == C.OPT_TENSORS:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_replace(tmp, path)

    monkeypatch.setattr(C.os, "replace", replace)
    with pytest.raises(OSError):
        C.RunWriter(run_dir).save_weights(model, optimizer, {"epoch": 2})
    monkeypatch.undo()
    reloaded = C.load_run(run_dir)
    assert torch.all(reloaded.model.fc3.weight == 0.5)
    with pytest.raises(C.CheckpointError, match="saved with other weights"):
        C.load_optimizer_state(run_dir)


SAVER = r"""
import sys
sys.path.insert(0, sys.argv[2])
import torch
from convscope.core.runs.checkpoints import RunWriter
from convscope.core.setup.build import build_model
from convscope.core.setup.config import make_config

cfg = make_config("googlenet", "mnist-sample", device="cpu")
model = build_model(cfg)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
model(torch.zeros(2, 1, 28, 28)).sum().backward()
optimizer.step()
writer = RunWriter(sys.argv[1])
writer.write_config(cfg.to_dict())
i = 0
while True:
    i += 1
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(i)
    writer.save_weights(model, optimizer, {"epoch": i})
    writer.append_metrics({"epoch": i, "train_loss": 1.0 / i, "note": "x" * 2000})
    writer.write_status("running", epoch=i)
    if i == 2:
        print("saving", flush=True)
"""


def _wait_for_temp_file(folder, timeout=180.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if any(name.startswith(C.TMP_PREFIX) for name in os.listdir(folder)):
                return True
        except FileNotFoundError:
            pass
    return False


@pytest.mark.parametrize("when", ["in the middle of writing a file", "at a moment between saves"])
def test_a_killed_writer_leaves_a_loadable_checkpoint(tmp_path, when):
    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-c", SAVER, str(out), str(ROOT)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "saving", proc.stderr.read()
        if when == "at a moment between saves":
            time.sleep(0.37)
        else:
            assert _wait_for_temp_file(out)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    run = C.load_run(out)
    values = {float(v) for p in run.model.parameters() for v in p.detach().flatten()[:10]}
    assert len(values) == 1 and values.pop() >= 2  # one whole save, never a mix of two
    epochs = [m["epoch"] for m in run.metrics]
    assert epochs == list(range(1, len(epochs) + 1)) and len(epochs) >= 2
    try:  # the optimizer files belong to these weights, or the mismatch is said
        C.load_optimizer_state(out)
    except C.CheckpointError as exc:
        assert "saved with other weights" in str(exc)
    # The next writer removes what the killed one left behind (a half-written temporary file, when the
    # kill landed in a write; one is added to be sure there is something to remove).
    stale = out / (C.TMP_PREFIX + "model.safetensors.abc123")
    stale.write_bytes(b"half a file")
    C.RunWriter(out)
    assert not list(out.glob(C.TMP_PREFIX + "*"))
    C.load_run(out)


def test_training_cleans_stale_temp_files_and_replaces_an_older_run(run_dir):
    stale = run_dir / (C.TMP_PREFIX + "optimizer.json.x1y2")
    stale.write_text("{")
    trainer = Trainer(make_config("lenet-cifar", "mnist-sample", subset=64, epochs=1, device="cpu"),
                        run_dir=str(run_dir))
    trainer.setup()
    assert not stale.exists()
    # The LeNet weights of the run that was here are gone: never paired with the new config.
    assert not (run_dir / C.WEIGHTS).exists() and not (run_dir / C.METRICS).exists()
    with pytest.raises(C.CheckpointError, match="model.safetensors is missing"):
        C.load_run(run_dir)
    assert trainer.run().status == "completed"
    assert C.load_run(run_dir).config.arch == "lenet-cifar"


def test_metrics_line_cut_short_is_skipped_then_dropped_before_the_next_append(run_dir):
    path = run_dir / C.METRICS
    with open(path, "ab") as fh:
        fh.write(b'{"epoch": 2, "train_lo')  # what a crash in the middle of an append leaves
    assert [m["epoch"] for m in C.read_metrics(run_dir)] == [1]
    C.RunWriter(run_dir).append_metrics({"epoch": 2, "train_loss": 0.5})
    assert [m["epoch"] for m in C.read_metrics(run_dir)] == [1, 2]
    assert all(json.loads(line) for line in path.read_text().splitlines())


# ------------------------------------------------------------------------ 10: untrusted directories
class _Payload:
    """Pickles to a call of exec(): loading it with pickle would create ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').close()",))


@pytest.mark.parametrize("protocol", [0, pickle.HIGHEST_PROTOCOL])
@pytest.mark.parametrize("name", RUN_FILES)
def test_any_file_swapped_for_a_code_running_pickle_is_refused(run_dir, tmp_path, capsys, name, protocol):
    marker = tmp_path / "code-ran"
    payload = pickle.dumps({"weights": _Payload(marker)}, protocol=protocol)
    # The payload is live: pickle itself would run it.
    pickle.loads(payload)
    assert marker.exists()
    marker.unlink()

    (run_dir / name).write_bytes(payload)
    with pytest.raises(C.CheckpointError, match=name.replace(".", r"\.")):
        load_everything(run_dir)
    assert not marker.exists()
    if name in (C.CONFIG, C.METRICS, C.WEIGHTS, C.STATUS):  # what evaluate and predict read
        from PIL import Image

        digit = np.zeros((28, 28), np.uint8)
        digit[6:22, 12:16] = 255
        Image.fromarray(digit).save(tmp_path / "digit.png")
        for args in (["evaluate", "--checkpoint", str(run_dir)],
                     ["predict", "--checkpoint", str(run_dir), str(tmp_path / "digit.png")]):
            assert main(args) == 2
            err = capsys.readouterr().err
            assert name in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not marker.exists()


def _truncate(path):
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def _other_arch(run_dir):
    config = json.loads((run_dir / C.CONFIG).read_text())
    config["arch"] = "lenet-cifar"
    (run_dir / C.CONFIG).write_text(json.dumps(config))


def _lenet_with_sigmoid_is_fine_but_unknown_keys_are_not(run_dir):
    config = json.loads((run_dir / C.CONFIG).read_text())
    config["layers"] = 12
    (run_dir / C.CONFIG).write_text(json.dumps(config))


def _tensor_of_another_shape(run_dir):
    from safetensors.torch import load_file, save_file

    state = load_file(run_dir / C.WEIGHTS)
    state["fc3.weight"] = torch.zeros(3, 3)
    save_file(state, run_dir / C.WEIGHTS)


@pytest.mark.parametrize("damage, message", [
    (lambda d: _truncate(d / C.WEIGHTS), r"model\.safetensors .* is not a valid safetensors file"),
    (lambda d: (d / C.WEIGHTS).write_bytes(b""), r"model\.safetensors .* is not a valid safetensors"),
    (lambda d: (d / C.WEIGHTS).unlink(), r"model\.safetensors is missing"),
    (lambda d: _truncate(d / C.CONFIG), r"config\.json .* is not valid JSON"),
    (lambda d: (d / C.CONFIG).write_text("[1, 2]"), r"config\.json .* should hold a JSON object"),
    (lambda d: (d / C.CONFIG).unlink(), r"config\.json is missing"),
    (_other_arch, r"does not fit a lenet-cifar .* different runs"),
    (_lenet_with_sigmoid_is_fine_but_unknown_keys_are_not, r"config\.json .* unknown configuration key"),
    (_tensor_of_another_shape, r"fc3\.weight has shape \(3, 3\), expected \(10, 84\)"),
    (lambda d: _truncate(d / C.STATUS), r"status\.json .* is not valid JSON"),
    (lambda d: (d / C.STATUS).write_text('"done"'), r"status\.json .* should hold a JSON object"),
    (lambda d: (d / C.METRICS).write_text("garbage\n" + (d / C.METRICS).read_text()),
     r"metrics\.jsonl .* line 1 is not a JSON object"),
    (lambda d: (d / C.METRICS).write_bytes(b"\xff\xfe\x00"), r"metrics\.jsonl .* not a text file"),
    (lambda d: _truncate(d / C.OPT_TENSORS), r"optimizer\.safetensors .* not a valid safetensors"),
    (lambda d: _truncate(d / C.OPT_META), r"optimizer\.json .* is not valid JSON"),
    (lambda d: (d / C.OPT_META).write_text(json.dumps(
        {"param_groups": 5, "checkpoint": C.load_run(d).info["checkpoint"]})),
     r"optimizer\.json .* is not optimizer state"),
])
def test_damaged_files_give_clear_messages(run_dir, damage, message):
    damage(run_dir)
    with pytest.raises(C.CheckpointError, match=message):
        load_everything(run_dir)


def test_a_config_with_keys_left_out_loads_with_the_defaults(run_dir, capsys):
    (run_dir / C.CONFIG).write_text(json.dumps({"arch": "lenet"}))
    run = C.load_run(run_dir)
    assert run.config.dataset == "mnist-sample"
    assert main(["evaluate", "--checkpoint", str(run_dir), "--device", "cpu", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["n"] == 500


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6)
config_keys = st.sampled_from(sorted(TrainConfig().to_dict()) + ["extra"])


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(config_keys, json_values | st.sampled_from(
    ["lenet", "lenet-cifar", "nin", "cifar10", "d2l", "sigmoid", "relu", "sgd", 0.5, 2, True]), max_size=3),
    drop=st.lists(config_keys, max_size=2))
def test_any_config_json_loads_or_is_refused_with_a_message(trained_run, changes, drop):
    config = json.loads((trained_run / C.CONFIG).read_text())
    config.update(changes)
    for key in drop:
        config.pop(key, None)
    path = trained_run.parent / "fuzzed"
    shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(trained_run, path)
    (path / C.CONFIG).write_text(json.dumps(config))
    try:
        run = C.load_run(path)
    except C.CheckpointError as exc:
        assert "config.json" in str(exc) or "model.safetensors" in str(exc)
    else:
        out = run.model(torch.zeros(1, *run.config.input_size))
        assert out.shape == (1, 10) and np.isfinite(out.detach().numpy()).all()
