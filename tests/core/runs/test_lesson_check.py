"""Checking a run against a lesson: each quantity at each point of the run, comparisons with the paired
lesson's run, layer health on the saved weights, and run folders that cannot be read."""
from __future__ import annotations

import json

import pytest

from convscope.core.cli import main
from convscope.core.runs.lesson_check import CheckError, check_run, read_run
from convscope.core.setup.lesson_packs import parse_pack

CONFIG = {"arch": "lenet", "dataset": "mnist-sample", "lr": 1.0, "epochs": 3}


def make_run(folder, accs, losses, status="completed", config=CONFIG):
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(config))
    lines = [json.dumps({"epoch": i, "test_acc": a, "train_acc": a + 0.3, "test_loss": loss, "train_loss": loss})
             for i, (a, loss) in enumerate(zip(accs, losses), 1)]
    (folder / "metrics.jsonl").write_text("".join(line + "\n" for line in lines))
    (folder / "status.json").write_text(json.dumps({"status": status}))
    return folder


def lesson(checks: str, pair: bool = False):
    other = '''
[[lesson]]
id = "b"
title = "B"
text = "B."
question = "B?"
view = "lossPlot"
pair = "a"
[lesson.config]
arch = "lenet"
dataset = "mnist-sample"
''' if pair else ""
    text = f'''format = 1
[[lesson]]
id = "a"
title = "A"
text = "A."
question = "A?"
view = "lossPlot"
{'pair = "b"' if pair else ''}
[lesson.config]
arch = "lenet"
dataset = "mnist"
lr = 1.0
epochs = 3
{checks}
{other}'''
    return parse_pack(text, "t.toml").lesson("a")


def check(what, bounds, at="final", extra=""):
    return f'[[lesson.check]]\nwhat = "{what}"\nat = {json.dumps(at)}\n{bounds}\n{extra}\nsay = "x"\n'


def test_each_quantity_at_each_point(tmp_path):
    run = make_run(tmp_path / "run", [0.2, 0.6, 0.5], [2.0, 1.0, 1.2])
    checks = [check("test_accuracy", "is = 0.5"), check("test_accuracy", "is = 0.6", "best"),
              check("test_accuracy", "is = 0.2", 1), check("best_test_accuracy", "is = 0.6"),
              check("best_test_accuracy", "is = 0.2", 1), check("train_loss", "min = 1.1\nmax = 1.3"),
              check("accuracy_gap", "min = 0.29\nmax = 0.31"), check("epochs_to", "is = 2", extra="target = 0.55"),
              check("epochs_to", "is = 2", 1, extra="target = 0.55"), check("status", 'is = "completed"'),
              check("test_loss", "max = 1.0")]
    result = check_run(lesson("".join(checks)), run)
    got = [(r.value, r.passed) for r in result.results]
    assert got[:7] == [(0.5, True), (0.6, True), (0.2, True), (0.6, True), (0.2, True), (1.2, True),
                       (pytest.approx(0.3), True)]
    assert got[7] == (2, True)
    assert got[8][0] is None and got[8][1] is False and "never reached 55%" in result.results[8].note
    assert got[9] == ("completed", True) and got[10] == (1.2, False)
    assert result.passed is False  # one check failed
    out = result.to_json()
    assert out["lesson"] == "a" and out["checks"][10] == {
        "what": "test_loss", "at": "final", "expected": {"max": 1.0}, "value": 1.2, "passed": False, "say": "x",
        "say_zh": "", "note": ""}
    # The lesson names the full MNIST; the run trained on its offline sample: not a difference.
    assert out["differences"] == []


def test_a_run_cut_short_has_no_value_at_a_later_epoch(tmp_path):
    run = make_run(tmp_path / "run", [0.2], [2.0], status="stopped")
    result = check_run(lesson(check("test_accuracy", "min = 0.1", 3) + check("status", 'is = "completed"')), run)
    assert [(r.value, r.passed, r.note) for r in result.results] == [
        (None, False, "the run has no epoch 3"), ("stopped", False, "")]


def test_a_comparison_with_the_paired_run(tmp_path):
    this = make_run(tmp_path / "this", [0.2, 0.3, 0.4], [2.0, 1.9, 1.8])
    other = make_run(tmp_path / "other", [0.5, 0.7, 0.9], [1.0, 0.5, 0.2], config={**CONFIG, "lr": 0.01})
    the_lesson = lesson(check("train_loss", "min = 0.0", extra='compare = "pair"'), pair=True)
    alone = check_run(the_lesson, this)
    assert alone.results[0].passed is None and "needs the run of lesson b" in alone.results[0].note
    assert alone.passed  # not measured is not failed
    both = check_run(the_lesson, this, other)
    assert both.results[0].value == pytest.approx(1.6) and both.results[0].passed
    assert check_run(the_lesson, other, this).results[0].passed is False
    assert check_run(the_lesson, other).differences == ["lr: 1.0 in the lesson, 0.01 in the run"]


def test_layer_health_on_the_saved_weights(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--subset", "32", "--batch-size", "16", "--epochs", "1", "--device", "cpu",
                 "--out", str(out)]) == 0
    checks = (check("layer.dead", "min = 0.0\nmax = 1.0", extra='layer = "act1"')
              + check("layer.grad_norm", "min = 1e-9", extra='layer = "conv1"')
              + check("layer.act_std", "min = 1e-9", extra='layer = "fc3"'))
    result = check_run(lesson(checks), out)
    assert [r.passed for r in result.results] == [True, True, True], [r.note for r in result.results]
    assert all(isinstance(r.value, float) for r in result.results)


def test_run_folders_that_cannot_be_checked(tmp_path):
    with pytest.raises(CheckError, match="not a run folder"):
        read_run(tmp_path)
    run = make_run(tmp_path / "run", [0.2], [2.0])
    (run / "metrics.jsonl").write_text("nonsense\n{}\n")
    with pytest.raises(CheckError, match="cannot read the run"):
        read_run(run)


def test_the_parameter_count_and_the_receptive_field_come_from_the_runs_network(tmp_path):
    """``params`` and ``layer.field`` are measured on the network the run's settings build: a factorised
    Inception net against the plain one (no weights needed, nor a saved run)."""
    from convscope.core.runs.lesson_check import RunRecord, check_records

    base = {"arch": "inception-net", "dataset": "mnist-sample", "epochs": 3}
    plain = make_run(tmp_path / "plain", [0.5], [1.0], config={**base, "factorize": False})
    factorised = make_run(tmp_path / "factorised", [0.5], [1.0], config={**base, "factorize": True})
    checks = (check("params", "is = 83234") + check("params", "is = -14064", extra='compare = "pair"')
              + check("layer.field", "is = 196", extra='layer = "incep1.branch5x5_2"')
              + check("layer.field", "is = 0", extra='layer = "incep2"\ncompare = "pair"')
              + check("layer.field", "is = 84", extra='layer = "incep1.branch5x5_2.conv1xn"')
              + check("layer.field", "is = 1", extra='layer = "fc"'))
    the_lesson = parse_pack(_inception_pack(checks), "t.toml").lesson("a")
    result = check_run(the_lesson, factorised, plain)
    assert [(r.value, r.passed) for r in result.results[:5]] == [
        (83234, True), (-14064, True), (196, True), (0, True), (6 * 14, True)]  # the 1×5 half: 6 rows, 14 columns
    assert result.results[5].value is None and "no layer 'fc' with a receptive field" in result.results[5].note
    assert [r.value for r in check_run(the_lesson, plain, factorised).results[:2]] == [97298, 14064]
    # A run kept in memory (not saved) is measured too; without its pair the comparisons wait for it.
    memory = check_records(the_lesson, RunRecord(None, {**base, "factorize": True}, [], "completed"))
    assert [r.passed for r in memory.results[:4]] == [True, None, True, None]
    with pytest.raises(CheckError, match="records no settings"):
        check_records(the_lesson, RunRecord(None, {}, [], "completed"))


def _inception_pack(checks: str) -> str:
    return f'''format = 1
[[lesson]]
id = "a"
title = "A"
text = "A."
question = "A?"
view = "featureMapView"
pair = "b"
[lesson.config]
arch = "inception-net"
dataset = "mnist-sample"
factorize = true
{checks}
[[lesson]]
id = "b"
title = "B"
text = "B."
question = "B?"
view = "featureMapView"
pair = "a"
[lesson.config]
arch = "inception-net"
dataset = "mnist-sample"
'''


def test_the_recorded_effective_field_of_a_probe_layer(tmp_path, monkeypatch):
    """``layer.r90``, ``layer.r90_change`` and ``layer.r90_of_half_field`` read the radii the run's snapshots
    recorded while it trained: the last, the last minus the first, the last ÷ half the field's side (act2: 14)."""
    from convscope.core.runs import recorder
    from convscope.core.runs.replay import read_snapshots
    from convscope.core.setup.lesson_packs import PackError

    monkeypatch.setattr(recorder, "FIELD_OVERHEAD", float("inf"))
    out = tmp_path / "run"
    assert main(["train", "--subset", "64", "--batch-size", "16", "--epochs", "2", "--device", "cpu",
                 "--out", str(out)]) == 0
    radii = [s.fields["act2"][1] for s in read_snapshots(out) if "act2" in s.fields]
    assert len(radii) > 2
    checks = (check("layer.r90", "min = 0.0", extra='layer = "act2"')
              + check("layer.r90_change", "max = 100.0", extra='layer = "act2"')
              + check("layer.r90_of_half_field", "max = 100.0", extra='layer = "act2"'))
    result = check_run(lesson(checks), out)
    assert [r.value for r in result.results] == pytest.approx([radii[-1], radii[-1] - radii[0], radii[-1] / 7])
    assert all(r.passed for r in result.results)
    # A run that recorded no field (an older one) has no value, and says why.
    old = make_run(tmp_path / "old", [0.5], [1.0])
    missing = check_run(lesson(checks), old).results[0]
    assert missing.value is None and missing.passed is False and "recorded no receptive field" in missing.note
    # Only the probe layers' fields are recorded: another layer is refused when the pack is read.
    with pytest.raises(PackError, match="probe layers only"):
        lesson(check("layer.r90", "min = 0.0", extra='layer = "conv1"'))
