"""The augmentations: what each does to known images, shapes and devices, the training batches only."""
import json

import pytest
import torch

from convscope.core.cli import main
from convscope.core.data import augment as A
from convscope.core.data import augment_spec as S
from convscope.core.data import loading as D
from convscope.core.data.datasets import get_info
from convscope.core.runs.checkpoints import load_run
from convscope.core.setup.config import ConfigError, TrainConfig, make_config
from convscope.core.training import events as E
from convscope.core.training.engine import Trainer
from convscope.core.training.evaluation import evaluate_model

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
EVERY = "hflip=1,vflip=1,rotate=15,rot90=1,crop=4,translate=2"


def gen(device="cpu", seed=0):
    return torch.Generator(device=device).manual_seed(seed)


def asymmetric(n=1, c=1, side=6, device="cpu"):
    """Images with no symmetry: pixel (y, x) of image i holds 1 + i + 7y + 3x² (mod 251)."""
    y, x = torch.meshgrid(torch.arange(side), torch.arange(side), indexing="ij")
    base = torch.stack([(1 + i + 7 * y + 3 * x * x) % 251 for i in range(n)])[:, None]
    return base.expand(-1, c, -1, -1).to(torch.uint8).contiguous().to(device)


def blocks(n=16, side=28, device="cpu"):
    """Image i: a centred 12×12 block of the value 10·(i+1) on black, to tell images apart."""
    x = torch.zeros(n, 1, side, side, dtype=torch.uint8)
    lo = (side - 12) // 2
    for i in range(n):
        x[i, :, lo:lo + 12, lo:lo + 12] = 10 * (i + 1)
    return x.to(device)


# ------------------------------------------------------------------------------------ each operation
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", S.NAMES)
def test_each_augmentation_keeps_shape_dtype_device_and_which_image_is_which(name, device):
    x = blocks(device=device)
    value = {"hflip": 1, "vflip": 1, "rot90": 1}.get(name, S.BY_NAME[name].default)
    out = A.OPERATIONS[name](x, value, gen(device))
    assert out.shape == x.shape and out.dtype == torch.uint8 and out.device == x.device
    # Image i is still image i: its own value survives inside, no other image's appears.
    for i in range(len(x)):
        assert int(out[i].max()) == 10 * (i + 1)
        assert set(out[i].unique().tolist()) <= set(range(0, 10 * (i + 1) + 1))
    colour = A.OPERATIONS[name](asymmetric(4, c=3, side=32, device=device), value, gen(device))
    assert colour.shape == (4, 3, 32, 32) and colour.dtype == torch.uint8


def test_hflip_mirrors_a_known_image_and_vflip_turns_it_upside_down():
    x = asymmetric(side=5)
    flipped = A.hflip(x, 1.0, gen())
    for yy in range(5):
        for xx in range(5):
            assert flipped[0, 0, yy, xx] == x[0, 0, yy, 4 - xx]
            assert A.vflip(x, 1.0, gen())[0, 0, yy, xx] == x[0, 0, 4 - yy, xx]
    assert not torch.equal(flipped, x)
    assert torch.equal(A.hflip(flipped, 1.0, gen()), x)  # twice is the identity


def test_flips_with_a_probability_flip_about_that_share_and_leave_the_rest():
    x = asymmetric(2000, side=4)
    out = A.hflip(x, 0.3, gen())
    mirrored = (out == x.flip(-1)).flatten(1).all(1)
    same = (out == x).flatten(1).all(1)
    assert bool((mirrored | same).all())
    assert 0.25 < float(mirrored.float().mean()) < 0.35


def test_quarter_turns_four_times_are_the_identity_and_rot90_turns_every_chosen_image():
    x = asymmetric(8, side=6)
    k = torch.tensor([0, 1, 2, 3, 1, 2, 3, 5])
    y = x
    for _ in range(4):
        y = A.turn_quarters(y, k)
    assert torch.equal(y, x)
    one = A.turn_quarters(x, torch.ones(8))
    # A quarter turn counter-clockwise: the top row becomes the left column, read bottom to top.
    assert torch.equal(one[0, 0, :, 0], x[0, 0, 0, :].flip(0))
    out = A.rot90(x, 1.0, gen())
    turns = [torch.equal(out[i], x[i].rot90(1, (-2, -1))) or torch.equal(out[i], x[i].rot90(2, (-2, -1)))
             or torch.equal(out[i], x[i].rot90(3, (-2, -1))) for i in range(8)]
    assert all(turns)
    assert not any(torch.equal(out[i], x[i]) for i in range(8))


def test_rotate_by_zero_is_the_identity_and_by_90_degrees_a_quarter_turn():
    x = asymmetric(3, c=3, side=8)
    assert torch.equal(A.rotate_by(x, torch.zeros(3)), x)
    assert torch.equal(A.rotate(x, 0, gen()), x)
    assert torch.equal(A.rotate_by(x, torch.full((3,), 90.0)), A.turn_quarters(x, torch.ones(3)))
    assert torch.equal(A.rotate_by(x, torch.full((3,), -90.0)), A.turn_quarters(x, torch.full((3,), 3)))


def test_rotate_turns_each_image_by_a_different_angle_within_its_range():
    x = torch.zeros(64, 1, 33, 33, dtype=torch.uint8)
    x[:, :, 16, 16:] = 255  # a ray from the centre to the right edge
    out = A.rotate(x, 30.0, gen()).float()
    ys, xs = torch.meshgrid(torch.arange(33.0) - 16, torch.arange(33.0) - 16, indexing="ij")
    far = (ys ** 2 + xs ** 2) > 36
    angles = []
    for img in out[:, 0]:
        w = img * far
        angle = torch.rad2deg(torch.atan2(-(w * ys).sum(), (w * xs).sum()))  # counter-clockwise on screen
        angles.append(float(angle))
    assert max(abs(a) for a in angles) <= 31
    assert len({round(a) for a in angles}) > 20  # each image its own angle


def test_crop_keeps_the_size_and_is_a_window_of_the_padded_image():
    x = asymmetric(32, c=3, side=10)
    out = A.crop(x, 3, gen())
    assert out.shape == x.shape
    padded = torch.nn.functional.pad(x, (3, 3, 3, 3))
    offsets = set()
    for i in range(len(x)):
        found = [(dy, dx) for dy in range(7) for dx in range(7)
                 if torch.equal(out[i], padded[i, :, dy:dy + 10, dx:dx + 10])]
        assert found, f"image {i} is not a 10×10 window of its padded self"
        offsets.add(found[0])
    assert len(offsets) > 5
    assert torch.equal(D.random_shift(x, 2, gen()), A.translate(x, 2, gen()))  # --shift is translate


def reference_moves(x, moves):
    """What the moves mean, one image and one operation at a time: flips, quarter turns, then each
    window (a shifted view of the image padded with black)."""
    out = []
    for i, img in enumerate(x):
        y = img
        if moves.turn is not None:
            code = int(moves.turn[i])
            if code & 1:
                y = y.flip(-1)
            if code & 2:
                y = y.flip(-2)
            y = y.rot90(code // 4, (-2, -1))
        for dy, dx in moves.shifts:
            h, w = y.shape[-2:]
            p = 8
            padded = torch.nn.functional.pad(y, (p, p, p, p))
            r, c = p + int(dy[i]), p + int(dx[i])
            y = padded[:, r:r + h, c:c + w]
        out.append(y)
    return torch.stack(out)


@pytest.mark.parametrize("side", [(32, 32), (32, 20)])
@pytest.mark.parametrize("spec", [EVERY, "hflip,crop", "hflip,vflip,rot90,crop,translate", "rot90",
                                  "translate=3,crop=2"])
@pytest.mark.parametrize("tables", [True, False])
def test_the_one_gather_of_the_augmenter_does_what_each_operation_says(spec, side, tables, monkeypatch):
    if not tables:  # the path for moves too many to tabulate (large images)
        monkeypatch.setattr(A, "TABLE_LIMIT", 0)
    x = asymmetric(64, c=3, side=32)[:, :, :side[0], :side[1]].contiguous()
    values = S.parse(spec)
    for seed in range(3):
        moves = A.draw_moves(values, 64, *side, "cpu", gen(seed=seed))
        assert torch.equal(A.move_pixels(x, moves), reference_moves(x, moves))
        cl = x.contiguous(memory_format=torch.channels_last)
        assert torch.equal(A.move_pixels(cl, moves), reference_moves(x, moves))
    if "rot90" in values and side[0] == side[1]:  # every quarter turn drawn, each image its own
        assert {1, 2, 3} <= set((moves.turn // 4).tolist())
    if "crop" in values:
        pad = int(values["crop"])
        assert set(moves.shifts[0][0].tolist()) == set(range(-pad, pad + 1))


@pytest.mark.parametrize("spec", ["hflip,crop", EVERY])
def test_augmenting_the_normalised_batch_gives_the_normalised_augmented_batch(spec):
    info = get_info("cifar10-sample")
    pre = D.Preprocess(info, 32, 3, channels_last=True)
    x = D.load_split("cifar10-sample", "train")[0][:64]
    x = torch.from_numpy(x)
    black = A.normalised_black(info.mean, info.std, "cpu")
    expected = pre(A.Augmenter(spec, gen(seed=5))(x))
    got = A.Augmenter(spec, gen(seed=5))(pre(x), fill=black)  # the engine's way: the split normalised once
    tolerance = 0.6 / 255 / min(info.std) if "rotate" in spec else 1e-5  # uint8 rounds after rotating
    assert got.dtype == torch.float32 and got.shape == expected.shape
    assert torch.allclose(got, expected, atol=tolerance)
    assert torch.equal(A.Augmenter(spec, gen(seed=5))(x.contiguous(memory_format=torch.channels_last)),
                       A.Augmenter(spec, gen(seed=5))(x))  # either memory layout


def test_the_same_generator_seed_gives_the_same_augmentation():
    x = blocks()
    a, b = A.Augmenter(EVERY, gen(seed=3)), A.Augmenter(EVERY, gen(seed=3))
    assert torch.equal(a(x), b(x))
    assert not torch.equal(a(x), A.Augmenter(EVERY, gen(seed=4))(x))


# ------------------------------------------------------------------------------------------ the list
def test_the_list_is_read_in_one_canonical_form():
    assert S.normalise("HFlip, crop=4 ,rotate=15") == "hflip=0.5,rotate=15,crop=4"
    assert S.normalise("crop,hflip") == "hflip=0.5,crop=4"
    assert S.normalise(["vflip=1", "translate=3"]) == "vflip=1,translate=3"
    assert S.normalise("") == S.normalise("none") == S.normalise(None) == ""
    assert A.build("", gen()) is None


@pytest.mark.parametrize("text, message", [
    ("hflp", "unknown augmentation 'hflp'.*Did you mean 'hflip'"),
    ("crop=0", "crop: the padding must be a whole number from 1 to 8 px, got 0"),
    ("crop=2.5", "whole number"),
    ("rotate=x", "rotate: 'x' is not a number"),
    ("hflip=2", "hflip: the probability must be a number from 0.01 to 1"),
    ("hflip,hflip", "given twice"),
    ("hflip,,crop", "empty entry"),
])
def test_a_bad_list_is_refused_with_what_to_write(text, message):
    with pytest.raises(ConfigError, match=message):
        make_config("lenet", "mnist-sample", augment=text)


def test_shift_is_the_translate_augmentation_and_old_configs_still_load():
    cfg = make_config("lenet", "mnist-sample", shift=3)
    assert cfg.augment == "translate=3" and cfg.shift == 0
    old = {k: v for k, v in make_config("lenet", "mnist-sample").to_dict().items() if k != "augment"}
    old["shift"] = 2  # a config.json written before augmentations existed
    assert TrainConfig.from_dict(old).augment == "translate=2"
    assert TrainConfig.from_dict(old, check_device=False).augment == "translate=2"
    assert make_config("lenet", "mnist-sample", shift=2, augment="translate=2").augment == "translate=2"
    with pytest.raises(ConfigError, match="given twice: shift=2 and translate=3"):
        make_config("lenet", "mnist-sample", shift=2, augment="translate=3")


def test_label_warnings_name_the_augmentations_that_break_digits_only():
    mnist, cifar, fashion = (get_info(n) for n in ("mnist-sample", "cifar10-sample", "fashion-mnist-sample"))
    (text,) = S.label_warnings("vflip,rot90,crop", mnist)
    assert "6 is a 9" in text and "vflip" in text and "rot90" in text and "crop" not in text.split("leave")[1]
    assert S.label_warnings("hflip,crop,rotate=15", cifar) == []
    assert S.label_warnings("vflip,rot90,hflip", fashion) == []
    assert S.label_warnings("rotate=15", mnist) == [] and S.label_warnings("rotate=120", mnist)
    tip = S.describe("vflip")
    assert "6" in tip and "9" in tip and "Fashion-MNIST" in tip and "CIFAR-10" in tip


# ------------------------------------------------------------------------------------------ training
def tiny(**overrides):
    values = dict(subset=256, epochs=1, batch_size=64, device="cpu")
    values.update(overrides)
    return make_config("lenet", "mnist-sample", **values)


def test_the_network_receives_the_augmented_batch_and_evaluation_never_does():
    trainer = Trainer(tiny(augment="hflip=1"), publish_interval=0)
    seen = []
    trainer.batch_hooks.append(lambda t, idx, xb: seen.append((idx.clone(), xb.clone())))
    result = trainer.run()
    assert result.status == "completed"
    assert len(seen) == trainer.steps_per_epoch
    for idx, xb in seen:  # exactly the flipped images, normalised, in the order of their labels
        expected = trainer.preprocess(trainer.train.images[idx].flip(-1))
        assert torch.allclose(xb, expected)
    aug = trainer.augmenter
    calls, images = aug.calls, aug.images
    assert calls == trainer.steps_per_epoch and images == len(trainer.train)  # training images only
    loss, acc = trainer.evaluate()
    assert (aug.calls, aug.images) == (calls, images)  # evaluation never augments
    plain = evaluate_model(trainer.model, trainer.preprocess, trainer.test, 512)
    assert (loss, acc) == pytest.approx(plain)


def test_a_label_breaking_augmentation_warns_at_the_start_once():
    events = []
    trainer = Trainer(tiny(augment="vflip"), on_event=events.append, publish_interval=0)
    trainer.run()
    warnings = [e for e in events if isinstance(e, E.RunWarning)]
    assert [w.kind for w in warnings] == [E.AUGMENT_LABELS]
    assert "6" in warnings[0].message and "9" in warnings[0].message
    events.clear()
    trainer.run(1)  # one more epoch: no second warning
    assert not [e for e in events if isinstance(e, E.RunWarning)]


def test_the_augmentations_round_trip_through_the_run_folder(tmp_path):
    cfg = tiny(augment="crop,hflip,rotate=10")
    trainer = Trainer(cfg, run_dir=str(tmp_path / "run"), publish_interval=0)
    assert trainer.run().status == "completed"
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["augment"] == "hflip=0.5,rotate=10,crop=4"
    run = load_run(tmp_path / "run", device="cpu")
    assert run.config.augment == cfg.augment and run.config == cfg


def test_cli_train_with_augment_and_bad_lists(tmp_path, capsys):
    code = main(["train", "--augment", "hflip,crop=2", "--subset", "64", "--epochs", "1", "--batch-size", "32",
                 "--device", "cpu", "--out", str(tmp_path / "run"), "--json"])
    assert code == 0
    assert json.loads((tmp_path / "run" / "config.json").read_text())["augment"] == "hflip=0.5,crop=2"
    capsys.readouterr()
    for argv in (["--augment", "flip"], ["--augment", "rotate=500"], ["--shift", "2", "--augment", "translate=4"]):
        assert main(["train", *argv, "--subset", "64", "--epochs", "1"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: ") and "Traceback" not in err[0]
