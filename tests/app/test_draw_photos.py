"""The Draw tab for networks of photos and clothes: CIFAR-10's test samples and loaded photos go in whole
and in colour, with CIFAR's class names; Fashion-MNIST still predicts a drawing in its own framing.

The networks are built untrained (their answers do not matter here, only what they are given and how it
is shown), so these tests need no training.
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

LEFT, NOMOD = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier


def weights_of(arch: str, dataset: str):
    from convscope.core.setup.build import build_model
    from convscope.core.setup.config import make_config

    config = make_config(arch, dataset, seed=0)
    return config, {k: v.clone() for k, v in build_model(config).state_dict().items()}


@pytest.fixture
def cifar_panel(panel):
    config, weights = weights_of("lenet-cifar", "cifar10-sample")
    assert panel.set_live_weights(config, weights, 0), panel.message()
    return panel


def draw_line(qtbot, canvas, points):
    side = canvas.width()
    pts = [QPoint(round(x * side), round(y * side)) for x, y in points]
    qtbot.mousePress(canvas, LEFT, NOMOD, pts[0])
    for a, b in zip(pts, pts[1:]):
        for i in range(1, 11):
            qtbot.mouseMove(canvas, a + (b - a) * (i / 10))
    qtbot.mouseRelease(canvas, LEFT, NOMOD, pts[-1])


def is_colour_pixmap(label) -> bool:
    img = label.pixmap().toImage()
    return any(len({c.red(), c.green(), c.blue()}) > 1
               for c in (img.pixelColor(x, y) for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)))


# ---------------------------------------------------------------------------------------- core: inputs
def test_prepare_takes_a_colour_photo_whole_for_cifar_and_frames_clothes():
    from convscope.core.insight.inference import Predictor, fit_style, input_kind, prepare_for
    from convscope.core.setup.config import make_config

    config, weights = weights_of("lenet-cifar", "cifar10-sample")
    p = Predictor.from_weights(config, weights)
    photo = np.zeros((3, 40, 20), np.uint8)  # (C, H, W) as the datasets store them, not square
    photo[0, :20] = 255  # top half red
    prep = p.prepare(photo)
    assert prep.image.shape == (32, 32, 3) and tuple(prep.tensor.shape) == (1, 3, 32, 32)
    assert prep.image[:14, :, 0].min() > 0.99 and prep.image[18:, :, 0].max() < 0.01  # squashed, not framed
    assert prep.framing.field_rect() == (0.0, 0.0, 40.0, 20.0)
    hwc = p.prepare(photo.transpose(1, 2, 0))
    np.testing.assert_allclose(hwc.image, prep.image)
    kinds = {name: input_kind(make_config("lenet", name).info)
             for name in ("mnist-sample", "mnist", "fashion-mnist-sample", "fashion-mnist")}
    assert kinds == {"mnist-sample": "digits", "mnist": "digits", "fashion-mnist-sample": "clothes",
                     "fashion-mnist": "clothes"}
    assert input_kind(config.info) == "photos"
    # Clothes are framed like Fashion-MNIST (the sample too): the longer side fills the 28-px field.
    bag = np.zeros((200, 280), np.float32)
    bag[60:160, 40:240] = 1.0
    image, _ = prepare_for(make_config("lenet", "fashion-mnist-sample").info, bag)
    np.testing.assert_allclose(image, fit_style(bag, 28), atol=1e-6)
    assert image[:, 0].max() > 0.5 and image[:, -1].max() > 0.5


# ------------------------------------------------------------------------------------------ the panel
def test_cifar_test_sample_in_colour_with_class_names(qtbot, cifar_panel):
    from convscope.core.data.datasets import CIFAR10_CLASSES

    panel, view, canvas = cifar_panel, cifar_panel.view, cifar_panel.canvas
    assert panel.photos() and panel.photoHint.isVisible()
    assert "photos" in panel.photoHint.text()
    assert panel.sampleButton.isEnabled()
    assert panel.use_test_sample(), panel.message()
    label = canvas.base_label()
    assert label is not None and f"its label: {CIFAR10_CLASSES[label]}" in panel.message()
    photo = canvas.photo()
    assert photo.shape == (32, 32, 3)
    rgb = canvas.rgb_array()
    assert rgb.shape == (280, 280, 3) and np.ptp(rgb.astype(int), axis=2).max() > 20  # shown in colour
    top = canvas.prediction()
    assert len(top) == 10 and all(isinstance(i, int) and 0 <= i < 10 for i, _ in top)
    qtbot.waitUntil(lambda: view.probabilities() is not None, timeout=180_000)
    names = [name for name, _ in view.bars.entries()]
    assert len(names) == 5 and set(names) <= set(CIFAR10_CLASSES)
    assert names[0] == CIFAR10_CLASSES[top[0][0]]
    view.show_prediction(np.eye(10)[0] * 0.9 + 0.01, view.prepared(), panel.predictor())
    assert view.bars.entries()[0] == ("airplane", pytest.approx(0.91)) and view.answerLabel.text() == "airplane"
    panel.update_prediction()
    # What the network sees: the sample itself, RGB at 32×32, shown 4× in colour.
    prepared = view.prepared()
    assert prepared.image.shape == (32, 32, 3) and tuple(prepared.tensor.shape) == (1, 3, 32, 32)
    np.testing.assert_allclose(prepared.image, photo, atol=1 / 255 + 1e-6)
    assert view.seesImage.pixmap().width() == 128 and is_colour_pixmap(view.seesImage)
    assert "32×32" in view.seesDetail.text()
    # Grad-CAM over the photo, on the canvas where the photo is.
    qtbot.waitUntil(lambda: view.camImage.pixmap() is not None and not view.camImage.pixmap().isNull(),
                    timeout=180_000)
    panel.overlayCheck.setChecked(True)
    assert canvas.has_overlay()
    assert prepared.framing.field_rect() == pytest.approx((0.0, 0.0, 280.0, 280.0))
    # Drawing over the photo is still possible: the network then sees the canvas over the photo.
    draw_line(qtbot, canvas, [(0.1, 0.5), (0.9, 0.5)])
    assert canvas.model_input().shape == (280, 280, 3)
    again = canvas.result().prepared
    assert again.image.shape == (32, 32, 3) and not np.allclose(again.image, prepared.image)
    canvas.undo()
    assert np.allclose(canvas.result().prepared.image, prepared.image)


def test_rgb_png_file_is_predicted_in_colour(qtbot, cifar_panel, tmp_path):
    from PIL import Image

    from convscope.core.data.datasets import CIFAR10_CLASSES

    a = np.zeros((60, 90, 3), np.uint8)  # wider than high, red on the left, blue on the right
    a[:, :45, 0] = 220
    a[:, 45:, 2] = 200
    path = tmp_path / "photo.png"
    Image.fromarray(a).save(path)
    assert cifar_panel.load_image_file(str(path)), cifar_panel.message()
    canvas, view = cifar_panel.canvas, cifar_panel.view
    assert canvas.photo().shape == (60, 90, 3)
    rgb = canvas.rgb_array()
    assert rgb[140, 40, 0] > 200 and rgb[140, 240, 2] > 180 and rgb[10, 140].max() == 0  # letterboxed
    assert canvas.prediction()
    qtbot.waitUntil(lambda: view.probabilities() is not None, timeout=180_000)
    assert {name for name, _ in view.bars.entries()} <= set(CIFAR10_CLASSES)
    image = view.prepared().image
    assert image.shape == (32, 32, 3)
    assert image[:, :14, 0].min() > 0.8 and image[:, 18:, 2].min() > 0.7 and image[:, 18:, 0].max() < 0.05
    # The photo's framing maps onto its place on the canvas (280×187, centred).
    top, left, h, w = view.prepared().framing.field_rect()
    assert left == pytest.approx(0) and w == pytest.approx(280) and h == pytest.approx(186, abs=1.5)
    assert top == pytest.approx((280 - h) / 2, abs=1)
    canvas.undo()
    assert canvas.is_empty() and canvas.prediction() == []


def test_fashion_model_still_predicts_a_drawing(qtbot, panel):
    from convscope.core.data.datasets import CLOTHES
    from convscope.core.insight.inference import fit_style

    config, weights = weights_of("lenet", "fashion-mnist-sample")
    assert panel.set_live_weights(config, weights, 0)
    assert not panel.photos() and panel.photoHint.isHidden()
    draw_line(qtbot, panel.canvas, [(0.3, 0.2), (0.7, 0.2), (0.7, 0.8), (0.3, 0.8), (0.3, 0.2)])
    top = panel.canvas.prediction()
    assert len(top) == 10
    qtbot.waitUntil(lambda: panel.view.probabilities() is not None, timeout=180_000)
    assert {name for name, _ in panel.view.bars.entries()} <= set(CLOTHES)
    prepared = panel.view.prepared()
    panel.view.show_prediction(np.eye(10)[0] * 0.9 + 0.01, prepared, panel.predictor())
    assert panel.view.bars.entries()[0][0] == "T-shirt/top" and panel.view.answerLabel.text() == "T-shirt/top"
    assert prepared.image.shape == (28, 28)
    np.testing.assert_allclose(prepared.image, fit_style(panel.canvas.array(), 28), atol=1e-6)
    # Its test samples are drawn like before: light on dark, under the strokes.
    assert panel.use_test_sample(), panel.message()
    assert panel.canvas.photo() is None and panel.canvas.base_label() is not None
    assert panel.canvas.prediction()


def test_photo_hint_only_for_photo_models(qtbot, panel):
    assert panel.photoHint.isHidden()  # no model
    for arch, dataset, photos in (("lenet", "mnist-sample", False), ("lenet-cifar", "cifar10-sample", True),
                                  ("lenet", "fashion-mnist-sample", False), ("lenet-cifar", "cifar10", True),
                                  ("lenet", "mnist", False)):
        config, weights = weights_of(arch, dataset)
        assert panel.set_live_weights(config, weights, 1)
        assert panel.photoHint.isVisible() == photos == panel.photos(), dataset
        # For photos the image buttons come before the drawing tools.
        left = panel._left
        at = left.indexOf(panel.canvas) + 1
        first = left.itemAt(at).layout()
        assert (first is panel._rows[1]) == photos
