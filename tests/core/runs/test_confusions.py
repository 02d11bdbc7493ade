"""The run folder keeps each evaluated epoch's confusion matrix (core.runs.confusions) for the timeline."""
import json

import numpy as np

from convscope.core.runs import checkpoints as C
from convscope.core.runs import confusions as K
from convscope.core.runs.run_files import write_confusions
from convscope.core.setup.config import make_config
from convscope.core.training.engine import Trainer


def tiny(**overrides):
    values = dict(subset=64, epochs=3, batch_size=32, device="cpu", seed=5)
    values.update(overrides)
    return make_config("lenet", "mnist-sample", **values)


def test_every_evaluated_epoch_leaves_its_matrix_and_an_opened_run_reads_them(tmp_path):
    run_dir = tmp_path / "run"
    trainer = Trainer(tiny(), run_dir=str(run_dir))
    assert trainer.run().status == "completed"
    metrics = C.read_metrics(run_dir)
    entries = K.read(run_dir)
    assert [e["epoch"] for e in entries] == [1, 2, 3]
    n_test = len(trainer.test)
    for entry, record in zip(entries, metrics):
        counts = np.array(entry["counts"])
        assert counts.shape == (10, 10) and entry["classes"] == 10
        assert counts.sum() == n_test  # every test image once
        assert np.trace(counts) / n_test == record["test_acc"]  # the same pass as the test accuracy
    steps = [e["step"] for e in entries]
    assert steps == sorted(steps) and steps[-1] == trainer.global_step and steps[0] == trainer.global_step // 3
    assert (run_dir / K.FILE).stat().st_size < 4000  # 10 classes, 3 epochs: a few hundred bytes each
    opened = C.load_run(run_dir)
    assert opened.confusions == entries

    # An older run (no file) says so with None; damaged lines are skipped, never raised.
    (run_dir / K.FILE).unlink()
    assert C.load_run(run_dir).confusions is None
    good = json.dumps(entries[0])
    bad = [json.dumps({**entries[1], "counts": [[1, 2]]}), "not json", json.dumps({**entries[2], "step": -1})]
    (run_dir / K.FILE).write_text("\n".join([good, *bad]) + "\n")
    assert K.read(run_dir) == [entries[0]]


def test_a_continued_run_keeps_the_matrices_of_the_epochs_it_continues_from(tmp_path):
    run_dir = tmp_path / "run"
    first = Trainer(tiny(epochs=2), run_dir=str(run_dir))
    assert first.run().status == "completed"
    before = K.read(run_dir)
    # A stale entry of a later epoch (a run continued once before, then reset) is dropped on continuing.
    write_confusions(run_dir, before + [K.record(7, 99, np.eye(10, dtype=int))])
    resumed = Trainer.from_run(run_dir, epochs=3)
    assert resumed.run().status == "completed"
    after = K.read(run_dir)
    assert [e["epoch"] for e in after] == [1, 2, 3] and after[:2] == before


def test_the_file_is_thinned_to_its_budget_keeping_the_first_and_last_epoch():
    big = [K.record(e, 10 * e, np.full((10, 10), 1000 + e)) for e in range(1, 201)]
    kept = K.thin(big, budget=20_000)
    assert kept[0]["epoch"] == 1 and kept[-1]["epoch"] == 200
    assert sum(len(json.dumps(r)) + 1 for r in kept) <= 20_000 < sum(len(json.dumps(r)) + 1 for r in big)
    assert K.nearest(kept, 15)["epoch"] == 1 and K.nearest([], 3) is None
    assert K.nearest(big, 25)["epoch"] == 2  # a tie goes to the earlier evaluation
