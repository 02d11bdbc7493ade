"""The per-example record: filled by the trainer on the device, kept in the run folder, read back."""
import shutil

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convscope.core.insight.examples import RIGHT, UNSEEN, WRONG, ExampleRecord, dynamics
from convscope.core.runs import checkpoints as C
from convscope.core.runs import examples as X
from convscope.core.setup.config import make_config
from convscope.core.training.engine import Trainer
from convscope.core.training.events import EpochEnd
from convscope.core.training.example_record import ExampleRecorder


def tiny(**overrides):
    """LeNet on a few dozen offline digits: a run of a second or two."""
    values = dict(subset=97, epochs=3, batch_size=32, device="cpu", seed=5, lr=3e-3)
    values.update(overrides)
    return make_config("lenet", "mnist-sample", **values)


def train(cfg, run_dir=None, **kwargs):
    events = []
    trainer = Trainer(cfg, on_event=events.append, run_dir=str(run_dir) if run_dir else None, publish_interval=0,
                      record_snapshots=False, **kwargs)
    result = trainer.run()
    assert result.status == "completed", result.message
    return trainer, [e for e in events if isinstance(e, EpochEnd)]


def same_figures(a: ExampleRecord, b: ExampleRecord) -> None:
    for split in ("train", "test"):
        da, db = dynamics(a, split), dynamics(b, split)
        np.testing.assert_array_equal(da.history, db.history)
        np.testing.assert_array_equal(da.first_learned, db.first_learned)
        np.testing.assert_array_equal(da.forgotten, db.forgotten)
        assert da.summary() == db.summary()
        for sort in (None, "forgotten", "never", "late"):
            np.testing.assert_array_equal(da.order(sort), db.order(sort))
    np.testing.assert_array_equal(a.train_loss, b.train_loss)
    np.testing.assert_array_equal(a.test_conf, b.test_conf)


# ------------------------------------------------------------------------------ agreement with the run
@pytest.mark.parametrize("overrides", [{}, {"label_smoothing": 0.1, "shift": 2}], ids=["plain", "smoothing-shift"])
def test_share_right_each_epoch_is_the_runs_own_accuracy(tmp_path, overrides):
    # 97 examples in batches of 32: the one left over is dropped each epoch (a batch of one), so one
    # example is unseen per epoch and the share counts the seen ones, as the training accuracy does.
    trainer, ends = train(tiny(**overrides), tmp_path / "run")
    record = ends[-1].examples
    assert record.epochs == 3 and record.n_train == 97 and record.n_test == len(trainer.test)
    for h in trainer.history:
        e = h["epoch"]
        assert record.accuracy("train", e) == h["train_acc"]  # exactly: the same comparisons counted
        assert record.accuracy("test", e) == h["test_acc"]
        assert np.count_nonzero(record.train_hits[e - 1] == UNSEEN) == 1
        assert np.count_nonzero(record.test_hits[e - 1] == UNSEEN) == 0
    assert np.all(np.isfinite(record.train_loss))  # every example visited at least once in 3 epochs
    conf = record.test_conf
    assert conf.dtype == np.float16 and np.all((conf > 0) & (conf <= 1))
    # each epoch's snapshot is the record so far, unchanged by the epochs after it
    assert [e.examples.epochs for e in ends] == [1, 2, 3]
    np.testing.assert_array_equal(ends[0].examples.train_hits[0], record.train_hits[0])


def test_the_last_loss_is_each_examples_loss_at_its_last_visit(tmp_path):
    trainer, ends = train(tiny(epochs=1, subset=64))
    record = ends[-1].examples
    # the last batch of the epoch: its examples' losses are those of the model before its last step
    assert np.all(np.isfinite(record.train_loss)) and np.all(record.train_loss > 0)
    assert trainer.step_fn.example_losses.shape == (32,)
    assert record.train_loss.mean() == pytest.approx(trainer.history[-1]["train_loss"], rel=1e-5)


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_the_step_trains_on_the_mean_of_the_per_example_losses(smoothing):
    """What the step returns is the reduced cross-entropy (to float rounding, one unit in the last place:
    torch's reduced kernel sums in another order), and its per-example losses are kept."""
    from convscope.core.training.step import make_step

    torch.manual_seed(0)
    cfg = make_config("lenet", "mnist-sample", device="cpu", label_smoothing=smoothing)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
    step = make_step(cfg, model, torch.optim.SGD(model.parameters(), lr=0.0), torch.device("cpu"))
    x, y = torch.randn(128, 1, 28, 28), torch.randint(0, 10, (128,))
    loss, out = step(x, y)
    reduced = F.cross_entropy(out, y, label_smoothing=smoothing)
    assert loss.item() == pytest.approx(reduced.item(), rel=1e-6, abs=0)
    torch.testing.assert_close(step.example_losses,
                               F.cross_entropy(out, y, label_smoothing=smoothing, reduction="none"))


def test_without_recording_nothing_is_written(tmp_path):
    trainer, ends = train(tiny(epochs=1), tmp_path / "run", record_examples=False)
    assert trainer.examples is None and ends[-1].examples is None
    assert not (tmp_path / "run" / C.EXAMPLES).exists()


# ------------------------------------------------------------------------------ the run folder
def test_an_opened_run_and_a_resumed_run_give_the_live_figures(tmp_path):
    cfg = tiny(epochs=3)
    _live, ends = train(cfg, tmp_path / "whole")
    live = ends[-1].examples
    same_figures(live, X.read_record(C.load_run(tmp_path / "whole").dir))  # as an opened run reads it

    first = Trainer(tiny(epochs=3), run_dir=str(tmp_path / "resumed"), publish_interval=0, record_snapshots=False)
    first.step_hooks.append(lambda t: t.stop() if t.global_step == 4 else None)  # during epoch 2
    assert first.run().status == "stopped"
    assert X.read_record(tmp_path / "resumed").epochs == 1
    events = []
    resumed = Trainer.from_run(tmp_path / "resumed", on_event=events.append, publish_interval=0,
                               record_snapshots=False)
    assert resumed.run().status == "completed"
    same_figures(live, [e for e in events if isinstance(e, EpochEnd)][-1].examples)
    same_figures(live, X.read_record(tmp_path / "resumed"))


def test_another_run_call_continues_the_record(tmp_path):
    trainer, _ = train(tiny(epochs=1), tmp_path / "run")
    trainer.run(1)
    record = X.read_record(tmp_path / "run")
    assert record.epochs == 2
    assert record.accuracy("train", 2) == trainer.history[1]["train_acc"]


def test_a_new_run_in_the_folder_replaces_the_record(tmp_path):
    train(tiny(epochs=2), tmp_path / "run")
    train(tiny(epochs=1, subset=64), tmp_path / "run")
    assert X.read_record(tmp_path / "run").n_train == 64


def test_a_60000_example_100_epoch_record_stays_under_10_mb(tmp_path):
    rng = np.random.default_rng(0)
    n, m, epochs = 60_000, 10_000, 100
    hits = rng.integers(0, 2, (epochs, n), dtype=np.uint8)
    hits[rng.random((epochs, n)) < 0.001] = UNSEEN
    record = ExampleRecord(rng.integers(0, 10, n), rng.integers(0, 10, m), hits,
                           rng.integers(0, 2, (epochs, m), dtype=np.uint8),
                           rng.random((epochs, m)).astype(np.float16), rng.random(n).astype(np.float32))
    X.write_record(tmp_path, record)
    size = (tmp_path / C.EXAMPLES).stat().st_size
    assert size < 10 * 1024 * 1024
    assert abs(size - X.record_size(n, m, epochs)) < 300  # the formula the docs quote
    back = X.read_record(tmp_path)
    np.testing.assert_array_equal(back.train_hits, hits)
    np.testing.assert_array_equal(back.test_conf, record.test_conf.astype(np.float32))


@pytest.fixture(scope="module")
def two_epochs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two") / "run"
    train(tiny(epochs=2), folder)
    return folder


@pytest.mark.parametrize("damage", ["truncate", "garbage", "header", "empty"])
def test_a_damaged_record_is_reported_in_one_sentence(tmp_path, two_epochs, damage):
    shutil.copytree(two_epochs, tmp_path / "run")
    path = tmp_path / "run" / C.EXAMPLES
    data = path.read_bytes()
    path.write_bytes({"truncate": data[: len(data) - 40], "garbage": b"\x00" * 100,
                      "header": data[:len(X.MAGIC) + 8] + b"[" + data[len(X.MAGIC) + 9:], "empty": b""}[damage])
    with pytest.raises(X.ExamplesDamaged, match=r"example record examples\.bin in .* is damaged") as info:
        X.read_record(tmp_path / "run")
    assert "\n" not in str(info.value)
    assert C.load_run(tmp_path / "run").epoch == 2  # the run opens


def test_a_damaged_record_leaves_the_run_open_and_resumable(tmp_path, two_epochs):
    shutil.copytree(two_epochs, tmp_path / "run")
    path = tmp_path / "run" / C.EXAMPLES
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(X.ExamplesDamaged):
        X.read_record(C.load_run(tmp_path / "run").dir)
    # resuming starts a new record: the earlier epochs unseen, the new one recorded
    resumed = Trainer.from_run(tmp_path / "run", epochs=3, publish_interval=0, record_snapshots=False)
    assert resumed.run().status == "completed"
    record = X.read_record(tmp_path / "run")
    assert record.epochs == 3 and np.all(record.train_hits[:2] == UNSEEN)
    assert record.accuracy("train", 3) == resumed.history[-1]["train_acc"]


def test_a_run_without_a_record_reads_as_none(tmp_path):
    assert X.read_record(tmp_path) is None


# ------------------------------------------------------------------------------ several processes
def test_a_shard_is_recorded_at_its_place_in_the_whole_split():
    labels = np.arange(10) % 3
    rec = ExampleRecorder(labels, labels[:5], torch.device("cpu"), train_pos=np.arange(0, 10, 2),
                          test_pos=np.arange(0, 5, 2))
    rec.start_epoch()
    rec.record(torch.tensor([4, 0]), torch.tensor([True, False]), torch.tensor([0.5, 2.0]))
    rec.sink.put(0, torch.tensor([[3.0, 0.0], [0.0, 3.0], [1.0, 1.0]]), torch.tensor([True, False, True]))
    rec.end_epoch()
    snap = rec.snapshot()
    assert snap.train_hits[0].tolist() == [WRONG, UNSEEN, UNSEEN, UNSEEN, UNSEEN, UNSEEN, UNSEEN, UNSEEN,
                                           RIGHT, UNSEEN]
    assert snap.test_hits[0].tolist() == [RIGHT, UNSEEN, WRONG, UNSEEN, RIGHT]
    assert snap.train_loss[0] == 2.0 and snap.train_loss[8] == 0.5 and np.isnan(snap.train_loss[2])
    assert snap.test_conf[0, 4] == np.float16(0.5)
