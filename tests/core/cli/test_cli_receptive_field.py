"""``receptive-field``: the JSON every layer gets, the overlay picture, and one-line refusals (exit 2)."""
import json

import numpy as np
import pytest

from convscope.core.cli import COMMAND_MODULES, main
from convscope.core.cli import receptive_field as command


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_listed_as_a_command():
    assert command in COMMAND_MODULES and command.NAME == "receptive-field"


def test_every_probe_layer_of_an_architecture(capsys):
    code, out, err = run_cli(capsys, "receptive-field", "--arch", "lenet", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["arch"] == "lenet" and result["input"] == [1, 28, 28] and result["unit"] is None
    assert [row["layer"] for row in result["layers"]] == ["act1", "act2"]
    act2 = result["layers"][1]
    assert act2["theoretical"] == {"size": [14, 14], "stride": [2, 2], "box": [8, 8, 21, 21],
                                   "unclipped_box": [8, 8, 21, 21]}
    assert "effective" not in act2  # only with a checkpoint
    code, out, _ = run_cli(capsys, "receptive-field", "--arch", "lenet")
    assert code == 0 and "act2" in out and "14×14" in out


def test_d2l_form_and_a_clipped_box(capsys):
    code, out, err = run_cli(capsys, "receptive-field", "--arch", "resnet18", "--form", "d2l", "--layer", "b5",
                             "--json")
    assert code == 0, err
    (row,) = json.loads(out)["layers"]
    assert row["theoretical"]["size"] == [435, 435] and row["theoretical"]["stride"] == [32, 32]
    assert row["theoretical"]["box"] == [0, 0, 95, 95]  # clipped to the 96×96 image
    assert row["theoretical"]["unclipped_box"][0] < 0


def test_a_checkpoint_gives_the_effective_field_and_a_picture(capsys, lenet_run, tmp_path):
    png = tmp_path / "field.png"
    code, out, err = run_cli(capsys, "receptive-field", "--checkpoint", str(lenet_run), "--layer", "act2",
                             "--unit", "3,2,7", "--images", "4", "--png", str(png), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["unit"] == [3, 2, 7]
    (row,) = result["layers"]
    assert row["theoretical"]["box"] == [2, 12, 15, 25]
    eff = row["effective"]
    assert set(eff) == {"r50", "r90", "inside_share"}
    assert eff["inside_share"] >= 0.99 and 0 <= eff["r50"] <= eff["r90"] <= 14
    from PIL import Image

    with Image.open(png) as im:
        picture = np.asarray(im.convert("RGB"))
    assert picture.shape == (28 * 8, 28 * 8, 3)
    cyan = (picture[..., 0] == 0) & (picture[..., 1] == 230) & (picture[..., 2] == 255)
    rows, cols = np.nonzero(cyan)
    assert (rows.min(), cols.min(), rows.max(), cols.max()) == (2 * 8, 12 * 8, 15 * 8 + 7, 25 * 8 + 7)
    heat = (picture[..., 0].astype(int) - picture[..., 2].astype(int)) > 60  # red-yellow inside the box only
    hy, hx = np.nonzero(heat & ~cyan)
    assert len(hy) and hy.min() >= 16 and hx.min() >= 96 and hy.max() <= 127 and hx.max() <= 207
    code, out, _ = run_cli(capsys, "receptive-field", "--checkpoint", str(lenet_run))
    assert code == 0 and "r90" in out and "%" in out


@pytest.mark.parametrize("args,words", [
    (["--arch", "lenet", "--unit", "1,2,3"], "needs --layer"),
    (["--arch", "lenet", "--layer", "fc1"], "not a probe layer"),
    (["--arch", "lenet", "--layer", "act2", "--unit", "16,0,0"], "outside act2's output"),
    (["--arch", "lenet", "--layer", "act2", "--unit", "0,10,0"], "outside act2's output"),
    (["--arch", "lenet", "--layer", "act2", "--unit", "1,2"], "is not a unit C,Y,X"),
    (["--arch", "nosuch"], "unknown architecture"),
    ([], "name a network"),
    (["--checkpoint", "/nonexistent/run"], "does not exist"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, args, words):
    code, out, err = run_cli(capsys, "receptive-field", *args)
    assert code == 2 and out == ""
    assert words in err and len(err.strip().splitlines()) == 1


def test_checkpoint_with_arch_is_refused(capsys, lenet_run):
    code, _, err = run_cli(capsys, "receptive-field", "--checkpoint", str(lenet_run), "--arch", "vgg11")
    assert code == 2 and "leave out --arch" in err
