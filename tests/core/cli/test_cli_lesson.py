"""``lesson list``, ``lesson check`` and ``train --lesson``: a pack a teacher writes trains and is checked from
the command line; bad packs and fuzzed packs end with exit code 2 and one line, never a traceback."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convscope.core.cli import main

PACK = '''format = 1
title = "Week 3"

[[lesson]]
id = "tiny"
title = "A tiny LeNet"
text = "Two steps on 32 digits."
question = "Does it leave chance?"
view = "accuracyPlot"

[lesson.config]
arch = "lenet"
dataset = "mnist-sample"
epochs = 1
subset = 32
batch_size = 16

[[lesson.check]]
what = "status"
is = "completed"
say = "The run completes."

[[lesson.check]]
what = "epochs_to"
target = 0.99
max = 1
say = "It does not reach 99 % in one epoch on 32 digits."

[[lesson]]
id = "other"
title = "Another"
text = "Another."
question = "Another?"
view = "lossPlot"

[lesson.config]
arch = "lenet"
dataset = "mnist-sample"
'''


@pytest.fixture
def pack(tmp_path):
    path = tmp_path / "week3.toml"
    path.write_text(PACK, encoding="utf-8")
    return path


def last_json(capsys):
    out, err = capsys.readouterr()
    return json.loads(out.strip().splitlines()[-1]), err


def test_list(pack, capsys):
    assert main(["lesson", "list", str(pack), "--json"]) == 0
    listed, _ = last_json(capsys)
    assert listed["title"] == "Week 3" and [r["id"] for r in listed["lessons"]] == ["tiny", "other"]
    assert listed["lessons"][0]["checks"] == 2 and listed["lessons"][0]["arch"] == "lenet"
    assert main(["lesson", "list", "builtin"]) == 0
    assert "lesson-lr-too-large" in capsys.readouterr().out


def test_train_a_lesson_then_check_it(pack, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--lesson", f"{pack}:tiny", "--device", "cpu", "--json", "--out", str(run)]) == 0
    trained, _ = last_json(capsys)
    assert trained["epochs"] == 1 and json.loads((run / "config.json").read_text())["subset"] == 32
    code = main(["lesson", "check", f"{pack}:tiny", "--checkpoint", str(run), "--json"])
    result, _ = last_json(capsys)
    assert result["lesson"] == "tiny" and [c["what"] for c in result["checks"]] == ["status", "epochs_to"]
    assert result["checks"][0] == {"what": "status", "at": "final", "expected": {"is": "completed"},
                                   "value": "completed", "passed": True, "say": "The run completes.", "say_zh": "",
                                   "note": ""}
    # 32 digits, one epoch: the test accuracy stays far below 99 %, so epochs_to has no value and fails.
    assert result["checks"][1]["value"] is None and result["checks"][1]["passed"] is False
    assert result["passed"] is False and code == 1
    assert main(["lesson", "check", f"{pack}:tiny", "--checkpoint", str(run)]) == 1
    out = capsys.readouterr().out
    assert "✓ status = completed" in out and "✗ epochs_to 99%" in out and "1 of 2 checks pass" in out
    # Without the failing check the same run passes: exit code 0.
    pack.write_text(PACK.replace("target = 0.99\nmax = 1", "target = 0.99\nmax = 1\nat = 1").replace(
        'what = "epochs_to"', 'what = "best_test_accuracy"').replace("target = 0.99\n", ""), encoding="utf-8")
    assert main(["lesson", "check", f"{pack}:tiny", "--checkpoint", str(run), "--json"]) == 0


@pytest.mark.parametrize("argv, words", [
    (["lesson", "list", "missing.toml"], "missing.toml: no such file"),
    (["lesson", "check", "PACK", "--checkpoint", "RUN"], "holds 2 lessons: name one as PACK:ID"),
    (["lesson", "check", "PACK:nope", "--checkpoint", "RUN"], "no lesson 'nope'"),
    (["lesson", "check", "PACK:tiny", "--checkpoint", "/"], "is not a run folder"),
    (["lesson", "check", "PACK:other", "--checkpoint", "RUN"], "has no checks"),
    (["train", "--lesson", "PACK:tiny", "--preset", "lenet-sample"], "--preset or --lesson"),
    (["train", "--lesson", "PACK:nope"], "no lesson 'nope'"),
])
def test_bad_input_is_one_line_and_exit_2(pack, tmp_path, capsys, argv, words):
    argv = [a.replace("PACK", str(pack)).replace("RUN", str(tmp_path)) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_bad_pack_names_file_lesson_and_key(pack, capsys):
    pack.write_text(PACK.replace("subset = 32", "subset = -3"), encoding="utf-8")
    assert main(["lesson", "list", str(pack)]) == 2
    err = capsys.readouterr().err
    assert f"{pack}, lesson 'tiny', key 'config.subset': subset must be a positive number" in err


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(PACK.splitlines()), max_size=40), st.text(max_size=20))
def test_fuzzed_packs_give_exit_2_or_a_listing(tmp_path, capsys, lines, noise):
    """Lines of a real pack in any order, any number of times, with noise: 0 or 2, never a traceback."""
    path = tmp_path / "fuzz.toml"
    path.write_text("\n".join(lines) + "\n" + noise, encoding="utf-8", errors="surrogatepass")
    code = main(["lesson", "list", str(path)])
    out, err = capsys.readouterr()
    assert code in (0, 2) and "Traceback" not in err
    if code == 2:
        assert err.startswith(f"error: {path}") and err.count("\n") == 1


def readme_pack() -> str:
    """The complete example pack of the README's "Lesson packs" section."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    return text.split("## Lesson packs", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]


def test_the_readme_pack_loads_trains_and_is_checked(tmp_path, capsys):
    path = tmp_path / "week3.toml"
    path.write_text(readme_pack(), encoding="utf-8")
    assert main(["lesson", "list", str(path), "--json"]) == 0
    assert [r["id"] for r in last_json(capsys)[0]["lessons"]] == ["lr-large", "lr-small"]
    runs = {}
    for lid in ("lr-large", "lr-small"):
        runs[lid] = tmp_path / lid
        assert main(["train", "--lesson", f"{path}:{lid}", "--epochs", "1", "--subset", "64", "--device", "cpu",
                     "--out", str(runs[lid])]) in (0, 3)
        capsys.readouterr()
    code = main(["lesson", "check", f"{path}:lr-small", "--checkpoint", str(runs["lr-small"]), "--json"])
    small, _ = last_json(capsys)
    assert code == (0 if small["passed"] else 1)
    assert [c["what"] for c in small["checks"]] == ["epochs_to", "layer.dead"]
    assert isinstance(small["checks"][1]["value"], float)  # measured on the saved weights
    assert small["differences"] == ["epochs: 2 in the lesson, 1 in the run"]  # shortened on purpose
    code = main(["lesson", "check", f"{path}:lr-large", "--checkpoint", str(runs["lr-large"]),
                 "--pair", str(runs["lr-small"]), "--json"])
    large, _ = last_json(capsys)
    assert code == (0 if large["passed"] else 1) and large["checks"][1]["compare"] == "pair"
    assert large["checks"][1]["passed"] is not None  # the paired run was given: measured
