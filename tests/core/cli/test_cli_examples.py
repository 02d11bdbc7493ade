"""``convscope examples``: a run's per-example record on the command line."""
import json
import shutil

import pytest

from convscope.core.cli import main
from convscope.core.runs import checkpoints as C
from convscope.core.runs.examples import read_record


@pytest.fixture(scope="module")
def run3(tmp_path_factory):
    """LeNet, three epochs on 64 sample digits."""
    out = tmp_path_factory.mktemp("ex") / "run"
    assert main(["train", "--subset", "64", "--epochs", "3", "--batch-size", "16", "--device", "cpu",
                 "--out", str(out)]) == 0
    return out


def run_json(capsys, *args):
    capsys.readouterr()
    code = main(["examples", *args, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_every_training_example_with_its_history(capsys, run3):
    data = run_json(capsys, "--checkpoint", str(run3))
    assert data["split"] == "train" and data["epochs"] == 3
    assert [e["index"] for e in data["examples"]] == list(range(64))
    metrics = C.read_metrics(run3)
    for epoch in range(3):  # the record agrees with the run's own accuracy
        right = sum(e["history"][epoch] for e in data["examples"])
        assert right / 64 == metrics[epoch]["train_acc"]
    for e in data["examples"]:
        assert set(e) == {"index", "label", "first_learned", "forgotten", "history", "last_loss"}
        h = e["history"]
        assert e["first_learned"] == (h.index(1) + 1 if 1 in h else None)
        assert e["forgotten"] == sum(1 for a, b in zip(h, h[1:]) if a == 1 and b == 0)
        assert isinstance(e["last_loss"], float) and e["last_loss"] > 0
    s = data["summary"]
    assert s["never_learned"] == sum(e["first_learned"] is None for e in data["examples"])
    assert s["forgotten_once"] == sum(e["forgotten"] > 0 for e in data["examples"])
    assert s["unforgettable"] == sum(e["first_learned"] is not None and not e["forgotten"] for e in data["examples"])


def test_the_test_split_sorted_and_cut(capsys, run3):
    whole = run_json(capsys, "--checkpoint", str(run3), "--split", "test")
    n = len(read_record(run3).test_labels)
    assert len(whole["examples"]) == n
    assert [sum(e["history"][k] for e in whole["examples"]) / n for k in range(3)] == \
        [m["test_acc"] for m in C.read_metrics(run3)]
    assert all(e["last_loss"] is None and 0 < e["confidence"] <= 1 for e in whole["examples"])
    top = run_json(capsys, "--checkpoint", str(run3), "--split", "test", "--sort", "forgotten", "--top", "5")
    assert len(top["examples"]) == 5
    counts = [e["forgotten"] for e in whole["examples"]]
    assert [e["forgotten"] for e in top["examples"]] == sorted(counts, reverse=True)[:5]
    assert top["summary"] == whole["summary"]  # of the whole split, whatever is listed
    late = run_json(capsys, "--checkpoint", str(run3), "--sort", "late")["examples"]
    firsts = [e["first_learned"] for e in late if e["first_learned"] is not None]
    assert firsts == sorted(firsts, reverse=True)
    assert all(e["first_learned"] is None for e in late[len(firsts):])
    never = run_json(capsys, "--checkpoint", str(run3), "--sort", "never")["examples"]
    k = sum(e["first_learned"] is None for e in never)
    assert all(e["first_learned"] is None for e in never[:k])


def test_human_output_and_a_gallery(capsys, run3, tmp_path):
    capsys.readouterr()
    png = tmp_path / "gallery.png"
    assert main(["examples", "--checkpoint", str(run3), "--sort", "forgotten", "--top", "6", "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert "train split, 64 examples, 3 epoch(s): never learned" in out
    assert len([line for line in out.splitlines() if line.strip()[:1].isdigit()]) == 6
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    with Image.open(png) as img:
        assert img.size[0] > 400 and img.size[1] > 150


@pytest.mark.parametrize("case, message", [
    ("missing", "has no example record"),
    ("damaged", "example record examples.bin in .* is damaged"),
    ("not-a-run", "holds no ConvScope run|does not exist|no such"),
    ("png-folder", "is a folder"),
])
def test_problems_are_one_line_and_exit_2(capsys, run3, tmp_path, case, message):
    import re

    run = tmp_path / "run"
    shutil.copytree(run3, run)
    args = ["examples", "--checkpoint", str(run)]
    if case == "missing":
        (run / C.EXAMPLES).unlink()
    elif case == "damaged":
        data = (run / C.EXAMPLES).read_bytes()
        (run / C.EXAMPLES).write_bytes(data[: len(data) // 2])
    elif case == "not-a-run":
        args = ["examples", "--checkpoint", str(tmp_path / "nothing")]
    else:
        args += ["--png", str(tmp_path)]
    capsys.readouterr()
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert re.search(message, err), err

