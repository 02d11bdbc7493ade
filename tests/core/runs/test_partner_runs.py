"""Finding a paired lesson's partner run: the lessons name each other, and the newest run of an experiment."""
import json
import os

from convscope.core.runs.listing import latest_like, same_experiment
from convscope.core.setup.presets import load_presets


def test_paired_lessons_name_each_other():
    presets, _ = load_presets()
    by_id = {p.id: p for p in presets}
    paired = [p for p in presets if p.pair]
    assert {p.id for p in paired} >= {"lesson-batchnorm-on", "lesson-batchnorm-off", "lesson-augment-off",
                                      "lesson-augment-on", "lesson-sigmoid-lenet", "lesson-relu-lenet",
                                      "lesson-shortcuts-off", "lesson-shortcuts-on"}
    for p in paired:
        assert by_id[p.pair].pair == p.id, p.id


def test_same_experiment_ignores_where_and_how_long_it_ran():
    wanted = {"arch": "lenet", "lr": 0.003, "epochs": 4, "device": "auto", "width": None, "seed": 0}
    assert same_experiment({"arch": "lenet", "lr": 0.0030000000001, "epochs": 9, "device": "cpu", "width": 1.0,
                            "seed": 0}, wanted)
    assert not same_experiment({**wanted, "lr": 0.01}, wanted)
    assert not same_experiment({**wanted, "width": 0.5}, wanted)
    assert not same_experiment({k: v for k, v in wanted.items() if k != "seed"} | {"seed": 1}, wanted)


def write_run(folder, config, epochs, mtime):
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "metrics.jsonl").write_text("".join(json.dumps({"epoch": e, "test_acc": 0.5}) + "\n"
                                                  for e in range(1, epochs + 1)))
    os.utime(folder / "config.json", (mtime, mtime))


def test_latest_like_takes_the_newest_matching_run_with_a_finished_epoch(tmp_path):
    wanted = {"arch": "lenet", "dataset": "mnist-sample", "seed": 0}
    write_run(tmp_path / "old", wanted, 2, 1000)
    write_run(tmp_path / "new", wanted, 1, 2000)
    write_run(tmp_path / "newest-but-empty", wanted, 0, 3000)  # no finished epoch
    write_run(tmp_path / "other", {**wanted, "seed": 1}, 3, 4000)
    assert latest_like(tmp_path, wanted).name == "new"
    assert latest_like(tmp_path, wanted, exclude=[tmp_path / "new"]).name == "old"
    assert latest_like(tmp_path / "missing", wanted) is None
