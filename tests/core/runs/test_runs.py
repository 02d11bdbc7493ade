"""The runs folder listing: rows read from real run folders made by the command line."""
from __future__ import annotations

import json

import pytest

from convscope.core.cli import main
from convscope.core.runs import listing as runs


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    out = root / "cli-lenet"
    code = main(["train", "--arch", "lenet", "--dataset", "mnist-sample", "--epochs", "2", "--subset", "64",
                 "--batch-size", "32", "--device", "cpu", "--out", str(out)])
    assert code == 0
    return root, out


def test_lists_a_run_made_by_the_cli(cli_run):
    root, out = cli_run
    (root / "not-a-run").mkdir(exist_ok=True)  # a folder without config.json is not listed
    rows = runs.list_runs(root)
    assert [r.name for r in rows] == ["cli-lenet"]
    row = rows[0]
    assert (row.arch, row.dataset, row.epochs_done, row.status) == ("lenet", "mnist-sample", 2, "completed")
    assert row.problem == ""
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert row.best_test_acc == max(r["test_acc"] for r in records)
    assert row.params == 61706  # LeNet-5 as the course builds it
    assert row.date > 0 and row.date_text.startswith("20")
    assert runs.curve(row.metrics, "test_acc")[0] == [1.0, 2.0]


def test_missing_root_and_damaged_files(tmp_path):
    assert runs.list_runs(tmp_path / "nowhere") == []
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "config.json").write_text("{not json")
    (bad / "metrics.jsonl").write_text('{"epoch": 1, "test_acc": 0.5}\n{"epoch": 2, "test_')
    row = runs.list_runs(tmp_path)[0]
    assert row.name == "bad" and "config.json" in row.problem
    assert row.epochs_done == 1 and row.best_test_acc == 0.5  # the cut last line is skipped


def test_curve_keeps_one_point_per_epoch():
    records = [{"epoch": 1, "test_acc": 0.1}, {"epoch": 2, "test_acc": 0.2}, {"epoch": 2, "test_acc": 0.3},
               {"epoch": 3, "test_acc": float("nan")}, {"epoch": 4, "test_acc": True}]
    assert runs.curve(records, "test_acc") == ([1.0, 2.0], [0.1, 0.3])


def test_rename_and_delete(tmp_path):
    run = tmp_path / "a"
    run.mkdir()
    (run / "config.json").write_text("{}")
    (tmp_path / "taken").mkdir()
    with pytest.raises(runs.RunsError, match="already exists"):
        runs.rename_run(run, "taken")
    with pytest.raises(runs.RunsError, match="cannot name"):
        runs.rename_run(run, "x/y")
    new = runs.rename_run(run, "  better name ")
    assert new == tmp_path / "better name" and (new / "config.json").is_file() and not run.exists()
    with pytest.raises(runs.RunsError, match="not a run folder"):
        runs.delete_run(tmp_path / "taken")
    other = tmp_path / "elsewhere"
    other.mkdir()
    with pytest.raises(runs.RunsError, match="not in the runs folder"):
        runs.delete_run(new, root=other)
    assert new.exists()
    runs.delete_run(new, root=tmp_path)
    assert not new.exists() and (tmp_path / "taken").exists()


def test_listing_runs_loads_no_torch(cli_run):
    import subprocess
    import sys

    root, _ = cli_run
    code = ("import sys; from convscope.core.runs.listing import list_runs; rows = list_runs(sys.argv[1]); "
            "assert rows and rows[0].arch == 'lenet'; print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_folder_being_trained_is_neither_renamed_nor_deleted(tmp_path):
    from convscope.core.runs.runlock import RunLock

    run = tmp_path / "busy"
    run.mkdir()
    (run / "config.json").write_text('{"arch": "lenet"}')
    (run / "status.json").write_text('{"status": "running"}')
    assert runs.summarize(run).status == "interrupted"  # nobody holds its lock: the writer is gone
    with RunLock(run):  # a training writes there now
        assert runs.summarize(run).status == "running"
        with pytest.raises(runs.RunsError, match="being trained"):
            runs.delete_run(run)
        with pytest.raises(runs.RunsError, match="being trained"):
            runs.rename_run(run, "other")
    assert run.exists() and not (tmp_path / "other").exists()
    runs.delete_run(run)
    assert not run.exists()
