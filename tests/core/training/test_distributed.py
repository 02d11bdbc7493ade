"""Training with several processes: ``torchrun --standalone --nproc-per-node 2`` on the CPU (gloo), through
the real command line (tests/core/training/ddp_worker.py wraps ``core.cli.main`` to dump each rank's weights)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors.torch import load_file

from convscope.core.setup.config import ConfigError
from convscope.core.training import distributed

ROOT = Path(__file__).resolve().parents[3]
WORKER = Path(__file__).with_name("ddp_worker.py")
TORCHRUN_ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "LOCAL_WORLD_SIZE")


def torchrun(tmp_path: Path, *train_args: str, stop_at: int = 0) -> subprocess.CompletedProcess:
    dump = tmp_path / "dump"
    dump.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in TORCHRUN_ENV}
    env.update(DDP_DUMP=str(dump), DDP_STOP_AT=str(stop_at), OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                           str(WORKER), "train", "--json", "--device", "cpu", *train_args],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)


def json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def ranks(tmp_path: Path) -> list[tuple[dict, dict]]:
    dump = tmp_path / "dump"
    return [(json.loads((dump / f"rank{r}.json").read_text()), load_file(str(dump / f"rank{r}.safetensors")))
            for r in (0, 1)]


def assert_same_weights(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert np.array_equal(a[name].numpy(), b[name].numpy()), name


def test_two_processes_train_one_run(tmp_path):
    out = tmp_path / "run"
    proc = torchrun(tmp_path, "--arch", "nin", "--width", "0.125", "--batchnorm", "--dataset", "mnist-sample",
                    "--subset", "512",
                    "--epochs", "2", "--batch-size", "64", "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = json_lines(proc.stdout)
    assert len(lines) == 1  # rank 0 alone prints the result
    result = lines[0]
    assert result["status"] == "completed" and result["world_size"] == 2 and result["global_batch_size"] == 64
    assert result["run_dir"] == str(out)
    assert proc.stderr.count("nin on mnist-sample: 512 training") == 1  # the global count, said once

    (info0, weights0), (info1, weights1) = ranks(tmp_path)
    for info in (info0, info1):  # each rank holds half the examples and takes half of each batch
        assert info["status"] == "completed" and info["world_size"] == 2
        assert info["local_examples"] == 256 and info["rank_batch"] == 32
        assert info["steps_per_epoch"] == 8 and info["global_step"] == 16  # 512 / 64, as one process would
    assert_same_weights(weights0, weights1)  # DDP kept the ranks in step (BatchNorm's buffers synced too)
    assert info0["run_dir"] == str(out) and info1["run_dir"] is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dump", "run"]  # nothing else written anywhere

    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [m["epoch"] for m in metrics] == [1, 2]
    # The example record: rank 0's shard (every second example), at its place in the whole split.
    from convscope.core.insight.examples import UNSEEN
    from convscope.core.runs.examples import read_record

    record = read_record(out)
    assert record.epochs == 2 and record.n_train == 512
    for hits in (record.train_hits, record.test_hits):
        assert (hits[:, 0::2] != UNSEEN).all() and (hits[:, 1::2] == UNSEEN).all()
    # The test metrics were gathered from both shards: one process evaluating the saved weights on the
    # whole test split finds the same.
    check = subprocess.run([sys.executable, "main.py", "evaluate", "--checkpoint", str(out), "--device", "cpu",
                            "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr
    evaluated = json_lines(check.stdout)[0]
    assert evaluated["accuracy"] == pytest.approx(metrics[-1]["test_acc"], abs=1e-9)
    assert evaluated["loss"] == pytest.approx(metrics[-1]["test_loss"], rel=1e-4)


def test_a_stop_on_one_process_stops_both_at_the_same_step(tmp_path):
    out = tmp_path / "run"
    proc = torchrun(tmp_path, "--dataset", "mnist-sample", "--subset", "2048", "--epochs", "3",
                    "--batch-size", "32", "--out", str(out), stop_at=5)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (info0, weights0), (info1, weights1) = ranks(tmp_path)
    assert info0["status"] == info1["status"] == "stopped"
    assert info0["global_step"] == info1["global_step"] >= 5
    assert info0["global_step"] < 3 * info0["steps_per_epoch"]
    assert_same_weights(weights0, weights1)
    assert json.loads((out / "status.json").read_text())["status"] == "stopped"
    assert json_lines(proc.stdout)[0]["status"] == "stopped"


def test_a_batch_that_does_not_split_is_refused_on_every_process(tmp_path):
    proc = torchrun(tmp_path, "--dataset", "mnist-sample", "--subset", "256", "--epochs", "1",
                    "--batch-size", "63")
    assert proc.returncode != 0
    assert proc.stderr.count("error: the batch of 63 does not split evenly over 2 processes") == 1
    assert not (tmp_path / "dump" / "rank0.json").exists()  # refused before any training


# ------------------------------------------------------------------------- without processes
def test_no_torchrun_means_one_process(monkeypatch):
    for name in TORCHRUN_ENV:
        monkeypatch.delenv(name, raising=False)
    assert distributed.from_env() is None
    monkeypatch.setenv("WORLD_SIZE", "1")
    assert distributed.from_env() is None
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("RANK", "2")
    monkeypatch.setenv("LOCAL_RANK", "0")
    group = distributed.from_env()
    assert (group.rank, group.world_size, group.local_rank, group.primary) == (2, 4, 0, False)
    monkeypatch.delenv("RANK")
    with pytest.raises(ConfigError, match="torchrun"):
        distributed.from_env()


def test_shards_and_batch_shares():
    group = distributed.Group(rank=1, world_size=3, local_rank=1)
    x, y = np.arange(10)[:, None], np.arange(10)
    xs, ys = group.shard(x, y, equal=True)  # 9 of 10 shared equally: 1, 4, 7
    assert ys.tolist() == [1, 4, 7] and xs[:, 0].tolist() == [1, 4, 7]
    assert group.shard(x, y, equal=False)[1].tolist() == [1, 4, 7]
    assert distributed.Group(0, 3, 0).shard(x, y, equal=False)[1].tolist() == [0, 3, 6, 9]
    assert group.check_batch(96) == 32
    with pytest.raises(ConfigError, match="multiple of 3"):
        group.check_batch(100)
    with pytest.raises(ConfigError, match="cannot be shared"):
        group.shard(x[:2], y[:2], equal=True)
    assert distributed.next_sync(0.01, 0.25) == 25 and distributed.next_sync(5.0, 0.25) == 1


# ------------------------------------------------------------------------- a rank alone
def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_process_without_the_others_says_what_it_waits_for_and_gives_up(tmp_path):
    """WORLD_SIZE=2 with no second process: one note on stderr (what, where, how long), then exit 2 with
    one line saying why — not minutes of silence."""
    env = {k: v for k, v in os.environ.items() if k not in TORCHRUN_ENV}
    env.update(WORLD_SIZE="2", RANK="0", LOCAL_RANK="0", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()),
               CONVSCOPE_CONNECT_TIMEOUT_S="2", OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "train", "--device", "cpu", "--epochs", "1",
                           "--subset", "64"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert "waiting for the other 1 process of this run at 127.0.0.1:" in lines[0]
    assert "for up to 2 s (until " in lines[0] and "unset WORLD_SIZE" in lines[0]
    assert lines[-1].startswith("error: the other 1 process of this run did not join within 2 s"), lines
    assert "Traceback" not in proc.stderr


def test_the_wait_for_the_others_is_repeated_until_it_ends(monkeypatch, capfd):
    for name in TORCHRUN_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", str(free_port()))
    monkeypatch.setenv("WORLD_SIZE", "3")
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setattr(distributed, "REMIND_EVERY_S", 0.2)
    group = distributed.Group(rank=0, world_size=3, local_rank=0)
    from datetime import timedelta

    with pytest.raises(ConfigError, match="the other 2 processes of this run did not join within 2 s"):
        group.start("cpu", timeout=timedelta(seconds=2))
    err = capfd.readouterr().err
    assert "waiting for the other 2 processes" in err and "still waiting" in err and " left (until " in err
    assert not distributed.dist.is_initialized()


def test_a_bad_connect_timeout_is_refused(monkeypatch):
    monkeypatch.setenv(distributed.CONNECT_TIMEOUT_ENV, "soon")
    with pytest.raises(ConfigError, match="CONVSCOPE_CONNECT_TIMEOUT_S='soon' is not a number"):
        distributed.connect_timeout()
    monkeypatch.setenv(distributed.CONNECT_TIMEOUT_ENV, "30")
    assert distributed.connect_timeout().total_seconds() == 30
    monkeypatch.delenv(distributed.CONNECT_TIMEOUT_ENV)
    assert distributed.connect_timeout() == distributed.CONNECT_TIMEOUT
