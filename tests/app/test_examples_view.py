"""The Examples tab: galleries of never learned, most forgotten, learned last and flipping images, live and
for an opened run; a click probes the image; the Race tab's "right by one, never by the other"."""
from __future__ import annotations

import numpy as np
from test_main_window import WAIT, child, configure

from convscope.app.widgets.examples_view import GALLERY_SIZE, THUMB, ExamplesView
from convscope.app.widgets.race_examples import RaceDifference
from convscope.core.insight.examples import RIGHT as R
from convscope.core.insight.examples import UNSEEN as U
from convscope.core.insight.examples import WRONG as W
from convscope.core.insight.examples import ExampleRecord, dynamics, right_in_one_never_in_other


def synthetic(seed=0, n=40, m=30, epochs=5):
    rng = np.random.default_rng(seed)
    hits = rng.choice([W, R, R], size=(epochs, n)).astype(np.uint8)
    hits[:, :3] = W  # three never learned
    hits[0, 5] = U
    test = rng.choice([W, R], size=(epochs, m)).astype(np.uint8)
    return ExampleRecord(rng.integers(0, 3, n), rng.integers(0, 3, m), hits, test,
                         rng.random((epochs, m)).astype(np.float16), rng.random(n).astype(np.float32))


def fake_images(split, indices):
    return np.stack([np.full((1, 8, 8), i % 256, np.uint8) for i in indices])


def captions(gallery):
    assert gallery.count() == len(gallery.captions())
    return gallery.captions()


def test_the_galleries_and_plots_show_the_records_figures(qtbot):
    view = ExamplesView()
    qtbot.addWidget(view)
    record = synthetic()
    view.set_record(record, fake_images, ["a", "b", "c"])
    d, t = dynamics(record, "train"), dynamics(record, "test")
    never = view.galleries["never"]
    assert never.count() == 3 and [c.split("#")[1] for c in captions(never)] == ["0", "1", "2"] or \
        sorted(int(c.split("#")[1]) for c in captions(never)) == [0, 1, 2]
    forgotten = view.galleries["forgotten"]
    shown = [int(c.split("#")[1]) for c in captions(forgotten)]
    assert shown == [int(i) for i in d.order("forgotten")[:GALLERY_SIZE] if d.forgotten[i] > 0]
    late = [int(c.split("#")[1]) for c in captions(view.galleries["late"])]
    assert [d.first_learned[i] for i in late] == sorted((d.first_learned[i] for i in late), reverse=True)
    flips = [int(c.split("#")[1]) for c in captions(view.galleries["flips"])]
    assert all(t.flips[i] > 0 for i in flips) and len(flips) == min(GALLERY_SIZE, int((t.flips > 0).sum()))
    np.testing.assert_array_equal(view.first_counts, d.first_learned_counts())
    np.testing.assert_array_equal(view.class_shares, d.forgotten_share_by_class(3))
    assert "5 epoch(s), 40 training images: never learned 3" in view.status.text()
    icon = forgotten.item(0).icon().pixmap(forgotten.iconSize())
    assert icon.width() > THUMB and icon.height() > THUMB + 20  # the image, its strip of cells, its caption
    tile = icon.toImage()
    left = (icon.width() - THUMB) // 2
    assert tile.pixelColor(left + 1, THUMB + 4).name() in ("#2e9e45", "#d63026", "#cdcdcd")  # a cell
    # a click hands the image on, with its label and where it comes from
    with qtbot.waitSignal(view.image_chosen, timeout=1000) as blocker:
        forgotten.itemClicked.emit(forgotten.item(0))
    image, label, source = blocker.args
    assert np.array_equal(image, fake_images("train", [shown[0]])[0]) and label == int(record.train_labels[shown[0]])
    assert source == f"training image #{shown[0]}"
    view.clear("gone")
    assert all(g.count() == 0 for g in view.galleries.values()) and view.status.text() == "gone"


def test_the_race_difference_lists_images_right_by_one_never_by_the_other(qtbot):
    strip = RaceDifference()
    qtbot.addWidget(strip)
    a, b = synthetic(1), synthetic(2)
    images = np.stack([np.full((1, 8, 8), i, np.uint8) for i in range(30)])
    strip.add("lenet", "LeNet", a, images, ["a", "b", "c"])
    strip.add("resnet", "ResNet", b, images, ["a", "b", "c"])
    # the later entrant right, the earlier never
    expected = right_in_one_never_in_other(dynamics(b, "test"), dynamics(a, "test"))
    assert strip.right_by.currentData() == "resnet" and strip.never_by.currentData() == "lenet"
    assert [int(c.split("#")[1]) for c in captions(strip.gallery)] == [int(i) for i in expected[:GALLERY_SIZE]]
    assert f"{len(expected)} test image(s) ResNet gets right and LeNet never did" in strip.status.text()
    strip.never_by.setCurrentIndex(1)  # the same network twice
    assert strip.gallery.count() == 0 and "two different" in strip.status.text()


def test_live_then_opened_shows_the_same_galleries_and_a_click_probes(qtbot, window):
    w = window
    configure(w, "lenet", "mnist-sample", epochs=3, subset=64, batch=16, save=True)
    view = child(w, "examplesView")
    controller = w.examples
    with qtbot.waitSignal(w.run_finished, timeout=WAIT):
        w.start_button.click()
    qtbot.waitUntil(lambda: not w.is_running(), timeout=WAIT)
    qtbot.waitUntil(lambda: controller.record is not None and controller.record.epochs == 3, timeout=WAIT)
    trainer = w.session.trainer
    record = controller.record
    for e, h in enumerate(trainer.history, 1):
        assert record.accuracy("train", e) == h["train_acc"]
    live = {k: captions(g) for k, g in view.galleries.items()}
    live_counts = view.first_counts.copy()
    assert sum(len(c) for c in live.values()) > 0

    # one click: the inside views and the Draw tab take the image
    key = next(k for k, c in live.items() if c)
    gallery = view.galleries[key]
    image, label, source, _caption = gallery.items[0]
    gallery.itemClicked.emit(gallery.item(0))
    probe = w.activations.probe
    assert probe is not None and probe._source[0] == "image" and np.array_equal(probe._source[2], image)
    assert w.tabs.currentWidget() is w.activations.views[0]
    assert source in w.draw_panel.messageLabel.text()  # the Draw tab shows it (with its Grad-CAM)

    # the same run opened from its folder: the same galleries and histogram
    run_dir = trainer.run_dir
    assert w.open_run(run_dir)
    qtbot.waitUntil(lambda: controller.record is not None and w.session.opened is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: "the opened run" in view.status.text(), timeout=WAIT)
    assert {k: captions(g) for k, g in view.galleries.items()} == live
    np.testing.assert_array_equal(view.first_counts, live_counts)
    opened_image = next(g for g in view.galleries.values() if g.count()).items[0][0]
    assert opened_image is not None and opened_image.dtype == np.uint8  # the images read from the dataset
