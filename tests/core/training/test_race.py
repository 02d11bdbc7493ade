"""The architecture race: the same data and seed for each entrant, and the comparison table."""
import math

import pytest

from convscope.core.training.race import race_row, race_table, run_race, time_to_target


def recs(*accs, seconds=2.0, rate=100.0):
    return [{"epoch": i + 1, "test_acc": a, "seconds": seconds, "examples_per_s": rate} for i, a in enumerate(accs)]


def test_time_to_target_sums_the_epochs_until_the_first_hit():
    assert time_to_target(recs(0.5, 0.85, 0.92, 0.95), 0.9) == (6.0, 3)
    assert time_to_target(recs(0.5, 0.6), 0.9) == (None, None)


def test_table_orders_by_time_to_target_then_best_accuracy():
    fast = race_row("a", "A", 10, 20, recs(0.95, 0.96, seconds=1.0), 0.9)
    slow = race_row("b", "B", 10, 20, recs(0.5, 0.91, seconds=1.0), 0.9)
    never_good = race_row("c", "C", 10, 20, recs(0.7, 0.8), 0.9)
    never_bad = race_row("d", "D", 10, 20, recs(0.2, 0.3), 0.9)
    assert [r.arch for r in race_table([never_bad, slow, never_good, fast])] == ["a", "b", "c", "d"]
    assert fast.best_test_acc == 0.96 and fast.best_epoch == 2 and fast.images_per_s == pytest.approx(100.0)
    assert never_bad.to_json()["seconds_to_target"] is None


def test_a_tiny_race_trains_each_entrant_with_the_same_seed(tmp_path):
    started = []
    rows = run_race(["lenet", "lenet-cifar"], "mnist-sample", {"epochs": 2, "subset": 128, "device": "cpu", "seed": 3},
                    target=0.2, out_dir=tmp_path, on_start=lambda arch, tr: started.append((arch, tr.config.seed)))
    assert started == [("lenet", 3), ("lenet-cifar", 3)]
    assert {r.arch for r in rows} == {"lenet", "lenet-cifar"}
    for r in rows:
        assert (tmp_path / r.arch / "metrics.jsonl").is_file() and r.status == "completed"
        assert r.params > 0 and r.flops > 0 and r.images_per_s > 0 and 0 <= r.best_test_acc <= 1
        assert r.best_epoch in (1, 2) and (r.seconds_to_target is None or r.seconds_to_target > 0)
    lenet = next(r for r in rows if r.arch == "lenet")
    assert lenet.params == 61_706 and not math.isnan(lenet.best_test_acc)


def test_race_command_prints_the_table_as_json(tmp_path, capsys):
    import json

    from convscope.core.cli import main

    assert main(["race", "--archs", "lenet,lenet-cifar", "--epochs", "1", "--subset", "64", "--device", "cpu",
                 "--target", "0.05", "--out", str(tmp_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["target"] == 0.05 and {r["arch"] for r in out["rows"]} == {"lenet", "lenet-cifar"}
    assert all(r["epoch_to_target"] == 1 for r in out["rows"])  # 5 % is reached at once
    assert main(["race", "--archs", "lenet,nope"]) == 2
