"""Drawing → MNIST-style input → prediction, and Grad-CAM (no Qt).

MNIST's digits were cropped to their ink, scaled so the longer side is 20 px, and placed in 28×28 with
their centre of mass at the centre (pixel 14, 14 in the training set). A drawing must come out framed
the same way, whatever its size, place, thickness or polarity.
"""
from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from convscope.core.insight import inference as I
from convscope.core.setup.build import build_model
from convscope.core.setup.config import make_config

CENTRE = 14.0  # centre of mass of MNIST's training digits, in pixel-index coordinates


# ------------------------------------------------------------------------------------------ helpers
def canvas(size=280, background=0):
    img = Image.new("L", (size, size), background)
    return img, ImageDraw.Draw(img)


def seven(size=280, box=(40, 30, 150, 200), width=22, ink=255, background=0) -> np.ndarray:
    """A "7" drawn with a round pen inside ``box`` (left, top, right, bottom)."""
    img, d = canvas(size, background)
    left, t, r, b = box
    pts = [(left, t), (r, t), (left + (r - left) * 0.35, b)]
    d.line(pts, fill=ink, width=width, joint="curve")
    for x, y in pts:
        d.ellipse([x - width / 2, y - width / 2, x + width / 2, y + width / 2], fill=ink)
    return np.asarray(img)


def ring(size=280, centre=(140, 140), radii=(60, 90), width=20, ink=255, background=0) -> np.ndarray:
    img, d = canvas(size, background)
    (cx, cy), (rx, ry) = centre, radii
    d.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], outline=ink, width=width)
    return np.asarray(img)


def bbox(img: np.ndarray, level: float = 0.0) -> tuple[int, int]:
    ink = img > level
    rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def assert_mnist_framed(out: np.ndarray) -> None:
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() == pytest.approx(1.0)
    cy, cx = I.center_of_mass(out)
    assert abs(cy - CENTRE) <= 1.0 and abs(cx - CENTRE) <= 1.0, (cy, cx)
    h, w = bbox(out)
    assert max(h, w) == 20, (h, w)


def predictor(arch="lenet", dataset="mnist-sample", **overrides) -> I.Predictor:
    config = make_config(arch, dataset, **overrides)
    torch.manual_seed(0)
    return I.Predictor.from_weights(config, build_model(make_config(arch, dataset, **overrides)).state_dict())


# ------------------------------------------------------------------------------------ preprocessing
def test_off_centre_digit_is_centred_and_scaled():
    img = seven(box=(10, 8, 90, 110), width=12)  # small, in the top-left corner
    out = I.mnist_style(img)
    assert_mnist_framed(out)


def test_oversized_digit_cut_by_the_border_is_framed():
    img = ring(centre=(150, 150), radii=(170, 200), width=30)  # larger than the canvas
    out = I.mnist_style(img)
    assert_mnist_framed(out)


def test_thin_tall_digit_keeps_its_aspect_ratio():
    img, d = canvas()
    d.line([(140, 30), (146, 250)], fill=255, width=20)  # a "1": tall and narrow
    out = I.mnist_style(np.asarray(img))
    assert_mnist_framed(out)
    h, w = bbox(out)
    assert h == 20 and w <= 5


def test_hairline_strokes_are_thickened_like_mnist():
    """A 1-px line at 280 px would be a faint 0.1-px trace at 28 px; it comes out a 2–3 px stroke."""
    img = seven(width=1)
    out = I.mnist_style(img)
    assert_mnist_framed(out)
    solid = out > 0.5
    rows = solid[10:18].sum(1)  # the diagonal of the 7, away from its corners
    assert 1.5 <= rows[rows > 0].mean() <= 4.0, rows


def test_drawing_like_mnist_digits_after_a_round_trip():
    """An MNIST digit enlarged 10× and framed again comes back almost unchanged."""
    from convscope.core.data.loading import load_split

    images, _ = load_split("mnist-sample", "test")
    diffs = []
    for digit in images[:50, 0]:
        big = np.kron(digit, np.ones((10, 10), np.uint8))
        out = I.mnist_style(big)
        diffs.append(np.abs(out - digit / 255.0).mean())
    assert np.median(diffs) < 0.05


def test_inverted_colours_give_the_same_input():
    light_on_dark = seven()
    dark_on_light = 255 - light_on_dark
    a, b = I.mnist_style(light_on_dark), I.mnist_style(dark_on_light)
    np.testing.assert_allclose(a, b, atol=1e-6)
    # Grey paper, grey pencil and a little noise: the paper's level is removed.
    rng = np.random.default_rng(0)
    paper = 0.82 - 0.6 * (light_on_dark / 255.0) + rng.normal(0, 0.02, light_on_dark.shape)
    c = I.mnist_style(np.clip(paper, 0, 1).astype(np.float32))
    assert_mnist_framed(c)
    assert np.abs(c - a).mean() < 0.03


@pytest.mark.parametrize("image", [
    np.zeros((280, 280), np.uint8),
    np.full((280, 280), 255, np.uint8),  # white paper
    np.full((50, 60), 0.5, np.float32),
    np.clip(np.random.default_rng(1).normal(0.9, 0.02, (100, 100)), 0, 1),  # blank paper, photographed
])
def test_empty_input_predicts_nothing(image):
    assert I.mnist_style(image) is None
    p = predictor()
    assert p.prepare(image) is None
    assert p.predict_array(image) == []


def test_colour_and_channel_layouts_are_accepted():
    grey = seven()
    rgb = np.repeat(grey[..., None], 3, axis=2)
    chw = rgb.transpose(2, 0, 1)
    base = I.mnist_style(grey)
    for img in (rgb, chw, grey.astype(np.float32) / 255.0, np.dstack([rgb, np.full_like(grey, 255)])):
        np.testing.assert_allclose(I.mnist_style(img), base, atol=1e-6)
    with pytest.raises(I.InferenceError):
        I.mnist_style(np.zeros((2, 3, 4, 5)))


@st.composite
def rings(draw):
    """Elliptical rings of any size and stroke width, anywhere on the canvas (whole, not clipped)."""
    rx, ry = draw(st.integers(12, 125)), draw(st.integers(12, 125))
    width = draw(st.integers(3, max(3, min(rx, ry, 30))))
    cx = draw(st.integers(rx + 1, 278 - rx))
    cy = draw(st.integers(ry + 1, 278 - ry))
    return (cx, cy), (rx, ry), width


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(rings())
def test_any_ring_is_framed_like_mnist(shape):
    centre, radii, width = shape
    out = I.mnist_style(ring(centre=centre, radii=radii, width=width))
    assert_mnist_framed(out)


# ------------------------------------------------------------------------------------- model adaptation
def test_grey_28px_model_input():
    p = predictor()
    prep = p.prepare(seven())
    assert tuple(prep.tensor.shape) == (1, 1, 28, 28) and prep.image.shape == (28, 28)
    # Normalised like the training data: black paper is (0 - mean) / std.
    assert prep.tensor[0, 0, 0, 0].item() == pytest.approx((0 - 0.1307) / 0.3081, abs=1e-5)
    probs = p.probabilities(prep)
    assert probs.shape == (10,) and probs.sum() == pytest.approx(1, abs=1e-5)


def test_rgb_32px_model_gets_a_padded_colour_digit():
    p = predictor("lenet-cifar", "cifar10")
    prep = p.prepare(seven())
    assert tuple(prep.tensor.shape) == (1, 3, 32, 32)
    assert prep.image.shape == (32, 32, 3)
    assert np.all(prep.image[..., 0] == prep.image[..., 1])  # grey ink on all three channels
    assert prep.image[:2].max() == 0 and prep.image[:, :2].max() == 0  # the 28-px digit, padded by 2
    np.testing.assert_allclose(prep.image[2:30, 2:30, 0], I.mnist_style(seven()), atol=1e-6)
    mean, std = np.array([0.4914, 0.4822, 0.4465]), np.array([0.2470, 0.2435, 0.2616])
    np.testing.assert_allclose(prep.tensor[0, :, 0, 0].numpy(), (0 - mean) / std, atol=1e-4)
    assert len(p.predict_array(seven(), k=3)) == 3


def test_d2l_form_is_resized_to_its_input_size():
    p = predictor("nin", "mnist-sample", form="d2l")
    prep = p.prepare(seven())
    assert tuple(prep.tensor.shape) == (1, 1, 224, 224)
    assert prep.image.shape == (28, 28)  # what the network sees, before the resize
    cam = p.grad_cam(prep)
    assert cam.heatmap.shape == (224, 224)


def test_predict_file_reads_either_polarity_and_refuses_blank(tmp_path):
    p = predictor()
    light, dark = tmp_path / "light.png", tmp_path / "dark.jpg"
    Image.fromarray(seven()).save(light)
    Image.fromarray(255 - seven()).save(dark, quality=90)
    a, b = p.predict_file(light, k=10), p.predict_file(dark, k=10)
    assert [lbl for lbl, _ in a][:1] == [lbl for lbl, _ in b][:1]
    np.testing.assert_allclose(dict(a)[a[0][0]], dict(b)[a[0][0]], atol=0.05)
    transparent = tmp_path / "ink.png"
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[..., 3] = seven()  # black ink on a transparent sheet
    Image.fromarray(rgba, "RGBA").save(transparent)
    assert p.predict_file(transparent, k=1)[0][0] == a[0][0]
    blank = tmp_path / "blank.png"
    Image.new("L", (100, 100), 255).save(blank)
    with pytest.raises(I.InferenceError, match="blank"):
        p.predict_file(blank)
    with pytest.raises(I.InferenceError, match="does not exist"):
        p.predict_file(tmp_path / "missing.png")
    (tmp_path / "notes.txt").write_text("not an image")
    with pytest.raises(I.InferenceError, match="cannot read"):
        p.predict_file(tmp_path / "notes.txt")


def test_broken_weights_are_reported():
    p = predictor()
    with torch.no_grad():
        p.model.fc3.bias.fill_(float("nan"))
    with pytest.raises(I.InferenceError, match="not finite"):
        p.predict_array(seven())


# ---------------------------------------------------------------------------------------- predictor
def test_from_weights_copies_and_leaves_the_global_generator_alone():
    cfg = make_config("lenet", "mnist-sample")
    source = build_model(cfg)
    weights = {k: v.detach().clone() for k, v in source.state_dict().items()}
    state = torch.random.get_rng_state()
    p = I.Predictor.from_weights(cfg, weights, epoch=3)
    assert torch.equal(state, torch.random.get_rng_state())  # no random initialisation drawn
    for k, v in p.model.state_dict().items():
        assert torch.equal(v, weights[k]) and v.data_ptr() != weights[k].data_ptr()
    assert not p.model.training and p.describe() == "live: lenet, epoch 3"
    compiled = {"_orig_mod." + k: v for k, v in weights.items()}  # a torch.compile'd model's keys
    p.update_weights(compiled, 4)
    assert p.epoch == 4 and p.generation == 1
    with pytest.raises(RuntimeError):
        I.Predictor.from_weights(cfg, {"x": torch.zeros(1)})


def test_use_one_thread_here_leaves_other_threads_alone():
    seen = {}

    def worker():
        I.use_one_thread_here()
        seen["worker"] = torch.get_num_threads()

    # What a new thread gets (the main thread may have been set to one thread by an earlier window).
    t = threading.Thread(target=lambda: seen.setdefault("before", torch.get_num_threads()))
    t.start()
    t.join()
    t = threading.Thread(target=worker)
    t.start()
    t.join()
    t = threading.Thread(target=lambda: seen.setdefault("later", torch.get_num_threads()))
    t.start()
    t.join()
    assert seen["worker"] == 1
    assert seen["later"] == seen["before"]


# ------------------------------------------------------------------------------------------ Grad-CAM
@pytest.mark.parametrize("arch,dataset,layer", [
    ("lenet", "mnist-sample", "act2"),
    ("nin", "mnist-sample", "classifier"),
    ("resnet-small", "cifar10", "blk3"),
])
def test_grad_cam_shape_range_and_clean_up(arch, dataset, layer):
    p = predictor(arch, dataset)
    prep = p.prepare(seven())
    p.model.train()  # Grad-CAM explains the eval-mode network and restores the mode
    cam = p.grad_cam(prep)
    assert cam.layer == layer
    assert cam.heatmap.shape == tuple(prep.tensor.shape[-2:])
    assert cam.heatmap.dtype == np.float32
    assert cam.heatmap.min() >= 0 and cam.heatmap.max() <= 1
    assert 0 <= cam.target < 10 and cam.probabilities.shape == (10,)
    assert p.model.training
    for m in p.model.modules():
        assert not m._forward_hooks and not m._backward_hooks and not m._forward_pre_hooks
    assert all(q.grad is None for q in p.model.parameters())
    other = I.grad_cam(p.model, prep.tensor, target=(cam.target + 1) % 10, layer=cam.layer)
    assert other.target == (cam.target + 1) % 10 and other.heatmap.shape == cam.heatmap.shape


def test_grad_cam_maps_back_onto_the_drawing():
    p = predictor()
    img = seven(box=(20, 20, 120, 150), width=14)
    prep = p.prepare(img)
    heat = np.zeros((28, 28), np.float32)
    top, left, nh, nw = prep.framing.placed
    heat[top:top + nh, left:left + nw] = 1.0  # the digit's box in the network's input
    back = prep.heat_on_source(heat)
    assert back.shape == img.shape
    ink_rows, ink_cols = np.flatnonzero((img > 25).any(1)), np.flatnonzero((img > 25).any(0))
    hot_rows, hot_cols = np.flatnonzero((back > 0.5).any(1)), np.flatnonzero((back > 0.5).any(0))
    assert abs(hot_rows[0] - ink_rows[0]) <= 8 and abs(hot_rows[-1] - ink_rows[-1]) <= 8
    assert abs(hot_cols[0] - ink_cols[0]) <= 8 and abs(hot_cols[-1] - ink_cols[-1]) <= 8
    fy, fx, fh, fw = prep.framing.field_rect()
    assert fh == pytest.approx(fw, rel=0.1) and fh > max(ink_rows[-1] - ink_rows[0], 1)


def test_find_cam_layer_skips_pooling_and_removes_its_hooks():
    model = build_model(make_config("lenet", "mnist-sample")).eval()
    name = I.find_cam_layer(model, torch.zeros(1, 1, 28, 28))
    assert name == "act2"  # the 10×10 conv2 maps, not the 5×5 pooled ones
    assert all(not m._forward_hooks for m in model.modules())
