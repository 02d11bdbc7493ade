"""Resuming a run: from its last finished epoch, with its optimizer, schedule and random generators."""
import json
from pathlib import Path

import numpy as np
import pytest

from convscope.core.cli import main
from convscope.core.runs import checkpoints as C
from convscope.core.runs import recorder as R
from convscope.core.runs.replay import read_snapshots
from convscope.core.runs.runlock import LOCK_FILE
from convscope.core.setup.config import make_config
from convscope.core.training.engine import Trainer

KEYS = {"epoch", "train_loss", "train_acc", "test_loss", "test_acc", "lr", "seconds", "examples_per_s"}


@pytest.fixture(autouse=True)
def record_every_due_step(monkeypatch):
    """These tests check which steps are recorded: no time budget (it depends on the machine's speed)."""
    monkeypatch.setattr(R, "MAX_OVERHEAD", float("inf"))


def tiny(arch="lenet", **overrides):
    """LeNet on 256 offline digits, 8 steps an epoch: a real run of a second or two."""
    values = dict(subset=256, epochs=4, batch_size=32, device="cpu", seed=3)
    values.update(overrides)
    return make_config(arch, "mnist-sample", **values)


def stop_at(step):
    return lambda trainer: trainer.stop() if trainer.global_step == step else None


@pytest.mark.parametrize("overrides", [
    {},  # LeNet's defaults: Adam with a one-cycle schedule
    # dropout (the CPU generator), BatchNorm's buffers, random shifts (the augmentation generator)
    {"arch": "alexnet", "width": 0.125, "dropout": 0.3, "batchnorm": True, "shift": 2, "optimizer": "sgd",
     "momentum": 0.9, "lr": 0.05, "schedule": "cosine"},
], ids=["lenet-adam-onecycle", "alexnet-sgd-cosine-dropout-shift"])
def test_stop_at_epoch_2_of_4_and_resume_ends_where_an_uninterrupted_run_ends(tmp_path, overrides):
    cfg = tiny(**overrides)
    whole = Trainer(cfg, run_dir=str(tmp_path / "whole"))
    assert whole.run().status == "completed"

    stopped = Trainer(cfg, run_dir=str(tmp_path / "resumed"))
    stopped.step_hooks.append(stop_at(2 * 8 + 3))  # three steps into epoch 3
    result = stopped.run()
    assert (result.status, result.epochs) == ("stopped", 2)
    partial = C.load_run(tmp_path / "resumed")  # the partial weights stay for prediction
    assert partial.info.get("partial") == "True"

    resumed = Trainer.from_run(tmp_path / "resumed")
    assert (resumed.resume_point.epoch, resumed.target_epochs) == (2, 4)
    assert resumed.run().status == "completed"

    a, b = C.read_metrics(tmp_path / "whole"), C.read_metrics(tmp_path / "resumed")
    assert [r["epoch"] for r in b] == [1, 2, 3, 4]  # once each
    assert all(set(r) >= KEYS for r in b)
    for x, y in zip(a, b):
        for key in ("train_loss", "train_acc", "test_loss", "test_acc", "lr"):
            assert y[key] == pytest.approx(x[key], rel=1e-6, abs=1e-9), (key, x["epoch"])
    wa, wb = C.load_run(tmp_path / "whole").model, C.load_run(tmp_path / "resumed").model
    for (name, p), q in zip(wa.state_dict().items(), wb.state_dict().values()):
        np.testing.assert_allclose(q.numpy(), p.numpy(), rtol=1e-5, atol=1e-7, err_msg=name)
    assert not (tmp_path / "resumed" / C.RESUME_DIR).exists()  # superseded by the epochs trained since
    assert json.loads((tmp_path / "resumed" / C.STATUS).read_text())["status"] == "completed"


def test_the_replay_of_a_resumed_run_has_each_step_once(tmp_path):
    run = tmp_path / "run"
    first = Trainer(tiny(epochs=2), run_dir=str(run))
    first.step_hooks.append(stop_at(8 + 5))
    first.run()
    Trainer.from_run(run).run()
    steps = [s.step for s in read_snapshots(run)]
    assert steps == sorted(set(steps)) and steps[-1] == 16
    assert set(range(1, 14)) <= set(steps)


def test_the_cli_resumes_to_more_epochs_and_holds_the_final_rate_past_the_plan(tmp_path, capsys):
    run = tmp_path / "run"
    base = ["train", "--subset", "256", "--batch-size", "32", "--seed", "3", "--device", "cpu"]
    assert main(base + ["--epochs", "2", "--out", str(run)]) == 0
    assert main(["train", "--resume", str(run)]) == 2  # already at its configured 2 epochs
    assert "--epochs 3" in capsys.readouterr().err
    assert main(["train", "--resume", str(run), "--epochs", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (out["status"], out["epochs"]) == ("completed", 3)
    records = C.read_metrics(run)
    assert [r["epoch"] for r in records] == [1, 2, 3]
    # a one-cycle schedule cannot step past its total: the rate holds at its final value
    assert records[2]["lr"] == pytest.approx(records[1]["lr"])
    assert records[2]["lr"] < 0.1 * tiny().lr


def test_resume_refuses_other_settings_and_runs_that_cannot_continue(tmp_path, capsys):
    assert main(["train", "--resume", str(tmp_path / "nowhere")]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert main(["train", "--resume", str(tmp_path), "--lr", "0.1"]) == 2
    assert "--lr cannot change them" in capsys.readouterr().err
    assert main(["train", "--resume", str(tmp_path)]) == 2
    assert "holds no ConvScope run" in capsys.readouterr().err
    # stopped before its first epoch ended: nothing to continue from
    run = tmp_path / "early"
    t = Trainer(tiny(), run_dir=str(run))
    t.step_hooks.append(stop_at(3))
    t.run()
    with pytest.raises(C.CheckpointError, match="it finished no epoch"):
        Trainer.from_run(run)


def test_an_old_format_run_opens_and_a_newer_one_is_refused(tmp_path, capsys):
    run = tmp_path / "old"
    Trainer(tiny(epochs=1), run_dir=str(run)).run()
    # what earlier versions wrote: no run.json, no training state, no snapshots
    for name in (C.RUN_INFO, C.TRAIN_STATE, LOCK_FILE):
        (run / name).unlink()
    for f in (run / "snapshots").iterdir():
        f.unlink()
    (run / "snapshots").rmdir()
    assert C.run_format(run) == 1
    loaded = C.load_run(run)
    assert loaded.epoch == 1 and loaded.config.arch == "lenet"
    assert read_snapshots(run) == []
    with pytest.raises(C.CheckpointError, match="earlier ConvScope.*still opens for prediction"):
        Trainer.from_run(run)
    assert main(["evaluate", "--checkpoint", str(run), "--json"]) == 0
    capsys.readouterr()

    (run / C.RUN_INFO).write_text(json.dumps({"format_version": C.FORMAT_VERSION + 1}))
    with pytest.raises(C.CheckpointError, match="made by a newer ConvScope"):
        C.load_run(run)
    assert main(["predict", "--checkpoint", str(run), str(run / "config.json")]) == 2
    assert "made by a newer ConvScope" in capsys.readouterr().err
    (run / C.RUN_INFO).write_text(json.dumps({"format_version": "two"}))
    with pytest.raises(C.CheckpointError, match="no valid format_version"):
        C.load_run(run)


def test_a_new_run_records_its_format_version(tmp_path):
    Trainer(tiny(epochs=1), run_dir=str(tmp_path / "r")).run()
    assert json.loads((tmp_path / "r" / C.RUN_INFO).read_text()) == {"format_version": C.FORMAT_VERSION}


def test_stopping_again_before_or_after_an_epoch_resumes_from_the_right_one(tmp_path):
    cfg = tiny(epochs=3)
    whole = Trainer(cfg, run_dir=str(tmp_path / "whole"))
    whole.run()
    run = tmp_path / "run"
    first = Trainer(cfg, run_dir=str(run))
    first.step_hooks.append(stop_at(8 + 3))  # during epoch 2
    first.run()
    for stop in (8 + 5, 16 + 2):  # again during epoch 2; then (epoch 2 done) during epoch 3
        again = Trainer.from_run(run)
        assert again.resume_point.epoch == 1
        again.step_hooks.append(stop_at(stop))
        assert again.run().status == "stopped"
        assert (run / C.RESUME_DIR / C.TRAIN_STATE).is_file() and not (run / C.TRAIN_STATE).exists()
    last = Trainer.from_run(run)
    assert last.resume_point.epoch == 2
    last.run()
    a, b = C.read_metrics(tmp_path / "whole"), C.read_metrics(run)
    assert [r["epoch"] for r in b] == [1, 2, 3]
    assert [r["test_loss"] for r in b] == pytest.approx([r["test_loss"] for r in a], rel=1e-6)


def test_a_run_saved_elsewhere_can_be_resumed_there_with_its_snapshots(tmp_path):
    trainer = Trainer(tiny(epochs=2), run_dir=str(tmp_path / "first"))
    trainer.run()
    before = [s.step for s in read_snapshots(tmp_path / "first")]
    trainer.save_to(tmp_path / "second")  # what the window offers when the first folder cannot be written
    assert [s.step for s in read_snapshots(tmp_path / "second")] == before
    assert C.run_format(tmp_path / "second") == C.FORMAT_VERSION
    resumed = Trainer.from_run(tmp_path / "second", epochs=3)
    assert resumed.run().status == "completed"
    assert [r["epoch"] for r in C.read_metrics(tmp_path / "second")] == [1, 2, 3]


def test_resume_status_tells_cheaply_whether_a_run_can_continue(tmp_path):
    from convscope.core.runs.resume import resume_status

    assert resume_status(tmp_path)[0] is None
    run = tmp_path / "run"
    t = Trainer(tiny(epochs=2), run_dir=str(run))
    t.step_hooks.append(stop_at(8 + 2))
    t.run()
    assert resume_status(run) == (1, "")  # the last finished epoch, parked by the stop
    (run / C.RESUME_DIR / C.TRAIN_STATE).unlink()
    epoch, why = resume_status(run)
    assert epoch is None and "finished no epoch" in why


def test_a_disk_that_fills_during_the_save_of_a_resumed_epoch_keeps_the_resume_point(tmp_path, monkeypatch):
    """The disk fills up after the new weights fit and before the optimizer state does: the previous
    resume point must stay whole, so that once space is freed the run resumes from it and ends where an
    uninterrupted run ends."""
    from tests.conftest import FullDisk

    cfg = tiny(epochs=3, schedule="constant")  # one epoch, then two more: the rates of three in a row
    whole = Trainer(cfg, run_dir=str(tmp_path / "whole"))
    assert whole.run().status == "completed"
    assert Trainer(cfg, run_dir=str(tmp_path / "run")).run(epochs=1).status == "completed"

    disk = FullDisk(monkeypatch)
    real_write_temp = C._write_temp

    def write_temp(path, data, *args):
        written = real_write_temp(path, data, *args)
        disk.full = Path(path).name == C.WEIGHTS  # room for the weights, not for the next file
        return written

    monkeypatch.setattr(C, "_write_temp", write_temp)
    resumed = Trainer.from_run(tmp_path / "run")
    result = resumed.run()
    assert result.status == "failed" and "No space left on device" in result.message
    assert "the files there still hold epoch 1" in result.message
    monkeypatch.setattr(C, "_write_temp", real_write_temp)
    disk.full = False

    again = Trainer.from_run(tmp_path / "run")
    assert again.resume_point.epoch == 1
    assert again.run().status == "completed"
    a, b = C.read_metrics(tmp_path / "whole"), C.read_metrics(tmp_path / "run")
    assert [r["epoch"] for r in b] == [1, 2, 3]
    for x, y in zip(a, b):
        for key in ("train_loss", "test_loss", "test_acc", "lr"):
            assert y[key] == pytest.approx(x[key], rel=1e-6, abs=1e-9), (key, x["epoch"])
    wa, wb = C.load_run(tmp_path / "whole").model, C.load_run(tmp_path / "run").model
    for (name, p), q in zip(wa.state_dict().items(), wb.state_dict().values()):
        np.testing.assert_allclose(q.numpy(), p.numpy(), rtol=1e-5, atol=1e-7, err_msg=name)
