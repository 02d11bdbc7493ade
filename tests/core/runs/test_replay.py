"""Replay: the probe snapshots a run records into its folder, read back as the live probe's payloads."""
import gzip
import os

import numpy as np
import pytest

from convscope.core.base.payloads import FeaturePayload, Snapshot
from convscope.core.insight.probe import Probe
from convscope.core.runs import recorder as R
from convscope.core.runs import replay
from convscope.core.setup.config import make_config
from convscope.core.training.engine import Trainer


@pytest.fixture(autouse=True)
def record_every_due_step(monkeypatch):
    """These tests check which steps are recorded: no time budget (it depends on the machine's speed)."""
    monkeypatch.setattr(R, "MAX_OVERHEAD", float("inf"))


def tiny(**overrides):
    values = dict(subset=256, epochs=2, batch_size=16, device="cpu")
    values.update(overrides)
    return make_config("lenet", "mnist-sample", **values)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("run")
    trainer = Trainer(tiny(), run_dir=str(d))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(R, "MAX_OVERHEAD", float("inf"))
        assert trainer.run().status == "completed"
    return d, trainer


def test_a_run_records_snapshots_densely_then_thinning(run_dir):
    d, trainer = run_dir
    snaps = replay.read_snapshots(d)
    steps = [s.step for s in snaps]
    assert steps[:R.DENSE] == list(range(1, R.DENSE + 1))  # every one of the first steps
    assert steps == sorted(set(steps)) and steps[-1] == trainer.global_step == 32
    gaps = np.diff(steps[R.DENSE - 1:])
    assert (gaps >= 1).all() and gaps.max() > 1  # thinning after the dense part
    assert [s.seq for s in snaps] == list(range(1, len(snaps) + 1))
    assert {s.epoch for s in snaps} == {1, 2}
    assert snaps[-1].epoch == 2 and snaps[15].epoch == 1  # 16 steps per epoch


def test_snapshots_are_the_live_probes_payloads(run_dir):
    d, trainer = run_dir
    snaps = replay.read_snapshots(d)
    last = snaps[-1]
    assert isinstance(last, Snapshot)
    wanted = [(layer.module, layer.kind) for layer in trainer.config.spec.probe_layers]
    assert set(last.features) == {m for m, _ in wanted}
    live = Probe(history=1)
    live.set_wanted(wanted)
    now = live.probe(trainer, publish=False)  # the same (final) weights, probed live
    for name, payload in now.features.items():
        stored = last.features[name]
        assert isinstance(stored, FeaturePayload)
        assert stored.mosaic.dtype == np.uint8 and stored.mosaic.shape == payload.mosaic.shape
        np.testing.assert_array_equal(stored.mosaic, payload.mosaic)
        np.testing.assert_array_equal(stored.channels, payload.channels)
        np.testing.assert_allclose(stored.ch_max, payload.ch_max, rtol=1e-6)
        assert (stored.grid, stored.tile, stored.shape) == (payload.grid, payload.tile, payload.shape)
    np.testing.assert_allclose(last.probs, now.probs, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(last.image, now.image)
    assert last.label == now.label and last.class_names == now.class_names
    # the maps change during training: the first and the last snapshot differ
    name = next(iter(last.features))
    assert not np.array_equal(snaps[0].features[name].mosaic, last.features[name].mosaic)


def test_one_by_one_and_gap_payloads_round_trip(tmp_path):
    d = tmp_path / "nin"
    cfg = make_config("nin", "mnist-sample", subset=64, epochs=1, batch_size=32, device="cpu")
    trainer = Trainer(cfg, run_dir=str(d))
    assert trainer.run().status == "completed"
    snap = replay.read_snapshots(d)[-1]
    assert snap.one_by_one and snap.gap
    live = Probe(history=1)
    live.set_wanted([(layer.module, layer.kind) for layer in cfg.spec.probe_layers])
    now = live.probe(trainer, publish=False)
    assert set(snap.one_by_one) == set(now.one_by_one) and set(snap.gap) == set(now.gap)
    for name, one in snap.one_by_one.items():  # float16 on disk, float32 again when read
        ref = now.one_by_one[name]
        assert one.inputs.dtype == np.float32 and one.inputs.shape == ref.inputs.shape
        for a, b in ((one.inputs, ref.inputs), (one.outputs, ref.outputs), (one.weight, ref.weight)):
            np.testing.assert_allclose(a, b, rtol=2e-3, atol=2e-3 * np.abs(b).max())
        assert (one.in_channels, one.out_channels, one.pool, one.stride) == \
            (ref.in_channels, ref.out_channels, ref.pool, ref.stride)
    gap = next(iter(snap.gap.values()))
    assert gap.class_maps.shape[0] == len(gap.scores) == 10


def test_the_set_stays_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(R, "MAX_SNAPSHOTS", 12)
    d = tmp_path / "run"
    trainer = Trainer(tiny(subset=512, epochs=2), run_dir=str(d))  # 64 steps
    trainer.run()
    files = replay.snapshot_files(d)
    assert 6 <= len(files) <= 12
    assert files[0][0] == 1  # the first step is always kept
    assert trainer.recorder.level >= 1
    snaps = replay.read_snapshots(d)
    assert len(snaps) >= 6 and snaps[-1].step == 64


def test_a_run_without_snapshots_replays_nothing(tmp_path):
    assert replay.read_snapshots(tmp_path) == []
    assert not replay.has_snapshots(tmp_path)


def test_damaged_and_foreign_files_are_skipped(run_dir, tmp_path):
    d, _ = run_dir
    good = replay.read_snapshots(d)
    files = replay.snapshot_files(d)
    copy = tmp_path / "copy" / replay.FOLDER
    copy.mkdir(parents=True)
    for _, _, _, path in files[:3]:
        (copy / path.name).write_bytes(path.read_bytes())
    (copy / replay.file_name(900, "g", 1)).write_bytes(b"not gzip at all")
    (copy / replay.file_name(901, "g", 2)).write_bytes(gzip.compress(b"\x10\0\0\0\0\0\0\0{}"))
    (copy / replay.file_name(902, "g", 3)).write_bytes(files[0][3].read_bytes()[:-20])  # cut short
    # a gzip bomb: a tiny header that declares little, followed by a lot of zeros
    (copy / replay.file_name(903, "g", 4)).write_bytes(gzip.compress(b"\x02\0\0\0\0\0\0\0{}" + bytes(50 << 20)))
    if hasattr(os, "mkfifo"):
        os.mkfifo(copy / replay.file_name(904, "g", 5))
    (copy / "notes.txt").write_text("ignored")
    snaps = replay.read_snapshots(copy.parent)
    assert [s.step for s in snaps] == [s.step for s in good[:3]]


def test_recording_stays_within_its_time_budget(tmp_path, monkeypatch):
    monkeypatch.setattr(R, "MAX_OVERHEAD", 1e-9)  # no time to spare: the dense steps and epoch ends only
    trainer = Trainer(tiny(), run_dir=str(tmp_path / "run"))
    trainer.run()
    steps = [s.step for s in replay.read_snapshots(tmp_path / "run")]
    assert steps == list(range(1, R.DENSE + 1)) + [32]  # 16, the end of epoch 1, is among the dense ones
    assert trainer.recorder.seconds > 0


# ------------------------------------------------------------------------------- receptive-field radii
def test_snapshots_carry_the_centre_units_receptive_field_radii(tmp_path, monkeypatch):
    """The first snapshot always measures them; later ones while their cost is within the budget (here
    unlimited: every snapshot). They equal a direct measurement on the same weights and test images."""
    from convscope.core.insight import receptive_field as RF

    monkeypatch.setattr(R, "FIELD_OVERHEAD", float("inf"))
    trainer = Trainer(tiny(epochs=1), run_dir=str(tmp_path / "run"))
    trainer.run()
    snaps = replay.read_snapshots(tmp_path / "run")
    assert all(set(s.fields) == {"act1", "act2"} for s in snaps)
    assert trainer.recorder.field_records >= len(snaps)  # (step 16: the dense one and the epoch's end)
    theory = RF.probe_fields(trainer.config)
    x = trainer.preprocess(trainer.test.images[:R.FIELD_IMAGES])
    now = RF.centre_radii(trainer.model, x, theory)  # the final weights: the last snapshot's
    assert snaps[-1].fields["act2"] == pytest.approx(now["act2"]) and snaps[-1].fields["act1"] == now["act1"]
    r50, r90 = snaps[0].fields["act2"]
    assert 0 < r50 < r90 <= 7 * 2 ** 0.5  # within the 14×14 box around the centre


def test_receptive_field_radii_keep_to_their_budget(tmp_path, monkeypatch):
    """With no time to spare only step 1 measures them; with the epochs' budget alone, the epochs' ends too."""
    monkeypatch.setattr(R, "FIELD_OVERHEAD", 0.0)  # no time to spare: only the first snapshot's
    monkeypatch.setattr(R, "EPOCH_FIELD_OVERHEAD", 0.0)
    trainer = Trainer(tiny(epochs=1), run_dir=str(tmp_path / "run"))
    trainer.run()
    snaps = replay.read_snapshots(tmp_path / "run")
    assert [s.step for s in snaps if s.fields] == [1]
    assert trainer.recorder.field_records == 1 and trainer.recorder.field_seconds > 0
    monkeypatch.setattr(R, "EPOCH_FIELD_OVERHEAD", float("inf"))
    trainer = Trainer(tiny(epochs=2, subset=512), run_dir=str(tmp_path / "run2"))  # 32 steps an epoch
    trainer.run()
    snaps = replay.read_snapshots(tmp_path / "run2")
    assert [s.step for s in snaps if s.fields] == [1, 32, 64]


def test_malformed_radii_make_a_snapshot_unreadable_not_the_run(tmp_path):
    base = Snapshot(seq=1, step=3, epoch=1, wall_time=0.0, image=np.zeros((4, 4), np.uint8), label=None,
                    source="test sample 0", logits=np.zeros(2, np.float32), probs=np.full(2, 0.5, np.float32),
                    fields={"act2": (1.5, 3.0)})
    assert replay.decode(gzip.decompress(replay.encode(base))).fields == {"act2": (1.5, 3.0)}
    for bad in ({"act2": (-1.0, 3.0)}, {"act2": (float("nan"), 3.0)}, {"act2": (1.0,)}):
        base.fields = bad
        with pytest.raises(replay.SnapshotError):
            replay.decode(gzip.decompress(replay.encode(base)))
    for bad in ({"act2": "12"}, {"act2": {"r50": 1}}, ["act2"], {f"l{i}": [1, 2] for i in range(65)}):
        with pytest.raises(replay.SnapshotError):  # as read from a file's description
            replay._fields(bad)
    base.fields = {}  # an older snapshot: no radii at all
    assert replay.decode(gzip.decompress(replay.encode(base))).fields == {}
