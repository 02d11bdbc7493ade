"""Every lesson of the built-in lesson pack is complete, listed by `presets`, and trains offline."""
import json

import pytest

from convscope.core.cli import main
from convscope.core.setup.presets import load_presets

PRESETS, _DEFAULT = load_presets()
LESSONS = [p for p in PRESETS if p.lesson]
VIEWS = {"oneByOneView", "gapView", "featureMapView", "modelSummaryView", "lossPlot", "accuracyPlot",
         "layerHealthView", "confusionView", "examplesView"}


def test_the_lessons_of_the_notes_are_there():
    ids = {p.id for p in LESSONS}
    assert {"lesson-1x1-conv", "lesson-gap-params", "lesson-lr-too-large", "lesson-sigmoid-lenet",
            "lesson-relu-lenet", "lesson-batchnorm-on", "lesson-batchnorm-off", "lesson-inception-branches",
            "lesson-shortcuts-off", "lesson-shortcuts-on", "lesson-augment-off", "lesson-augment-on",
            "lenet-lr-too-large"} <= ids
    assert len({p.id for p in PRESETS}) == len(PRESETS)  # no id twice


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.id)
def test_each_lesson_is_complete(lesson):
    part = lesson.lesson
    assert part["view"] in VIEWS
    for key in ("text", "question", "text_zh", "question_zh", "name_zh", "description_zh"):
        assert isinstance(part.get(key), str) and len(part[key]) > 10, key
    assert part["question"].rstrip().endswith("?") and part["question_zh"].rstrip().endswith("？")
    if "pair" in part:
        other = {p.id: p for p in LESSONS}[part["pair"]]
        assert other.lesson.get("pair") == lesson.id  # pairs point at each other


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.id)
def test_each_lesson_trains_one_step_offline(lesson, tmp_path, capsys):
    code = main(["train", "--preset", lesson.id, "--epochs", "1", "--subset", "8", "--batch-size", "8",
                 "--device", "cpu", "--json", "--out", str(tmp_path / "run")])
    out, err = capsys.readouterr()
    assert code in (0, 3), err  # 3: diverged is a lesson's possible (and explained) outcome
    result = json.loads(out.strip().splitlines()[-1])
    assert result["epochs"] == 1 and result["status"] in ("completed", "diverged")


def test_presets_json_lists_the_lessons_with_their_parts(capsys):
    assert main(["presets", "--json"]) == 0
    listed = {p["id"]: p for p in json.loads(capsys.readouterr().out)["presets"]}
    assert listed["lesson-1x1-conv"]["lesson"]["view"] == "oneByOneView"
    assert "lesson" not in listed["lenet-sample"]


def test_two_lessons_run_shortened_pass_their_own_checks(tmp_path, capsys):
    """The ReLU and the sigmoid LeNet, one epoch each (their checks are about the first epoch and the
    first convolution's gradient), checked as benchmarks/check_lessons.py checks every lesson."""
    runs = {}
    for lid in ("lesson-relu-lenet", "lesson-sigmoid-lenet"):
        runs[lid] = tmp_path / lid
        assert main(["train", "--lesson", f"builtin:{lid}", "--epochs", "1", "--device", "cpu",
                     "--out", str(runs[lid])]) == 0
    capsys.readouterr()
    assert main(["lesson", "check", "builtin:lesson-relu-lenet", "--checkpoint", str(runs["lesson-relu-lenet"]),
                 "--json"]) == 0
    assert main(["lesson", "check", "builtin:lesson-sigmoid-lenet", "--checkpoint",
                 str(runs["lesson-sigmoid-lenet"]), "--pair", str(runs["lesson-relu-lenet"]), "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [c["passed"] for c in result["checks"]] == [True, True]  # both comparisons measured, both hold
