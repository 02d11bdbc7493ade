"""Runs are never destroyed by accident: --out onto a run refuses, and one writer per run folder."""
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from convscope.core.cli import main
from convscope.core.runs import checkpoints as C
from convscope.core.runs.runlock import RunLock, RunLocked, is_locked
from convscope.core.setup.config import make_config
from convscope.core.training.engine import Trainer
from convscope.core.training.events import BUSY

ROOT = Path(__file__).resolve().parents[3]
TRAIN = ["train", "--subset", "64", "--batch-size", "32", "--epochs", "1", "--device", "cpu"]


def tiny(**overrides):
    values = dict(subset=64, epochs=1, batch_size=32, device="cpu")
    values.update(overrides)
    return make_config("lenet", "mnist-sample", **values)


def fingerprint(folder: Path) -> dict:
    """Every file under ``folder``: its bytes' hash and its modification time."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            out[str(p.relative_to(folder))] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
    return out


def test_out_onto_a_run_refuses_and_changes_no_byte(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(TRAIN + ["--out", str(run)]) == 0
    before = fingerprint(run)
    assert "metrics.jsonl" in before and any(k.startswith("snapshots") for k in before)
    capsys.readouterr()
    assert main(TRAIN + ["--out", str(run)]) == 2
    err = capsys.readouterr().err
    assert "--resume" in err and "--overwrite" in err and "already holds a run" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert fingerprint(run) == before


def test_out_onto_a_folder_of_other_files_refuses_too(tmp_path, capsys):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "cat.jpg").write_bytes(b"\xff\xd8 not really")
    before = fingerprint(folder)
    assert main(TRAIN + ["--out", str(folder)]) == 2
    assert "holds 1 file(s)" in capsys.readouterr().err
    assert fingerprint(folder) == before
    (tmp_path / "empty").mkdir()
    assert main(TRAIN + ["--out", str(tmp_path / "empty")]) == 0  # an empty folder is fine


def test_overwrite_replaces_the_run(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(TRAIN + ["--epochs", "2", "--out", str(run)]) == 0
    assert len(C.read_metrics(run)) == 2
    assert main(TRAIN + ["--out", str(run), "--overwrite"]) == 0
    assert [r["epoch"] for r in C.read_metrics(run)] == [1]
    assert C.load_run(run).config.epochs == 1
    assert main(["train", "--overwrite"]) == 2
    assert "give --out DIR" in capsys.readouterr().err


def test_a_second_writer_is_refused_while_the_first_trains(tmp_path):
    run = tmp_path / "run"
    first = Trainer(tiny(epochs=2), run_dir=str(run))
    seen = {}

    def second_writer(trainer):
        if trainer.global_step == 1 and not seen:
            assert is_locked(run)
            other = Trainer(tiny(), run_dir=str(run))
            seen["result"] = other.run()
            seen["metrics"] = C.read_metrics(run)

    first.step_hooks.append(second_writer)
    assert first.run().status == "completed"
    second = seen["result"]
    assert (second.status, second.reason) == ("failed", BUSY)
    assert "another training is writing to" in second.message
    # the first run went on undisturbed: its config and both epochs are there
    assert [r["epoch"] for r in C.read_metrics(run)] == [1, 2]
    assert C.load_run(run).config.epochs == 2
    assert not is_locked(run)  # released when the run ended
    assert Trainer(tiny(), run_dir=str(run)).run().status == "completed"  # now a new writer may start


def test_another_process_holding_the_lock_refuses_the_cli(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from convscope.core.runs.runlock import RunLock; "
         "l = RunLock(sys.argv[1]).acquire(); print('held', flush=True); sys.stdin.read()", str(run)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert is_locked(run)
        with pytest.raises(RunLocked):
            RunLock(run).acquire()
        assert main(TRAIN + ["--out", str(run), "--overwrite"]) == 2
        assert "another training is writing to" in capsys.readouterr().err
        with pytest.raises(C.RunInUse):
            w = C.RunWriter(run)
            w.lock()
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert not is_locked(run)  # the system drops the lock when its holder ends


def test_the_lock_is_reentrant_for_its_holder_and_released(tmp_path):
    lock = RunLock(tmp_path).acquire()
    assert lock.acquire() is lock and lock.held
    with pytest.raises(RunLocked):
        RunLock(tmp_path).acquire()  # another lock in the same process is another writer
    lock.release()
    assert not lock.held and not is_locked(tmp_path)
    with RunLock(tmp_path):
        assert is_locked(tmp_path)
    assert not is_locked(tmp_path)
    assert os.path.exists(tmp_path / ".lock")
