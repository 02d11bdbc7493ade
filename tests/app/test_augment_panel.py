"""The augmentation checkboxes, their warnings, and the live preview of what the network receives."""
from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QWidget

from convscope.app.widgets.augment_box import AugmentBox
from convscope.core.data.datasets import get_info

WAIT = 180_000


def test_the_boxes_give_the_augment_text_and_show_one(qtbot):
    box = AugmentBox()
    qtbot.addWidget(box)
    assert box.spec() == ""
    with qtbot.waitSignal(box.changed):
        box.checks["hflip"].setChecked(True)
    assert not box.params["crop"].isEnabled()
    box.checks["crop"].setChecked(True)
    assert box.params["crop"].isEnabled()
    box.params["crop"].setValue(3)
    assert box.spec() == "hflip=0.5,crop=3"
    box.set_spec("rotate=20,vflip=1")
    assert box.spec() == "vflip=1,rotate=20"
    assert box.checks["vflip"].isChecked() and not box.checks["hflip"].isChecked()
    box.set_shift(2)  # the old random-shift setting
    assert box.spec() == "vflip=1,rotate=20,translate=2"
    box.set_spec("no such thing")
    assert box.spec() == ""
    assert box.findChild(QCheckBox, "augmentRot90Check") is box.checks["rot90"]


def test_tooltips_say_what_each_does_and_where_it_breaks_labels(qtbot):
    box = AugmentBox()
    qtbot.addWidget(box)
    vflip = box.checks["vflip"].toolTip()
    assert "upside down" in vflip and "6 is a 9" in vflip and "Fashion-MNIST" in vflip and "CIFAR-10" in vflip
    assert "training batches only" in box.params["crop"].toolTip()
    for name, check in box.checks.items():
        assert len(check.toolTip()) > 80, name


def test_the_warning_line_names_what_breaks_the_labels_of_the_dataset_chosen(qtbot):
    box = AugmentBox()
    qtbot.addWidget(box)
    box.show()
    box.set_dataset(get_info("mnist-sample"))
    box.checks["hflip"].setChecked(True)
    assert "hflip" in box.warning_text()
    box.set_spec("vflip,crop")
    assert "6 is a 9" in box.warning_text() and box.warning.isVisible()
    box.set_dataset(get_info("cifar10-sample"))
    assert box.warning_text() == ""
    box.set_dataset(get_info("fashion-mnist-sample"))
    assert box.warning_text() == ""


def test_presets_and_settings_reach_the_config_and_the_preview_shows_the_run(qtbot, window):
    w = window
    assert w.config_panel.apply_preset("lenet-cifar-aug")
    w._validate()
    cfg = w.current_config()
    assert cfg.augment == "hflip=0.5,crop=4" and cfg.dataset == "cifar10-sample"
    assert w.config_panel.augment_box.checks["crop"].isChecked()
    assert w.config_panel.apply_preset("lenet-cifar-noaug")
    w._validate()
    assert w.current_config().augment == ""
    w.config_panel.set_field("shift", 2)  # settings saved before augmentations
    w._validate()
    assert w.current_config().augment == "translate=2"

    preview = w.findChild(QWidget, "augmentPreview")
    assert preview is not None and preview is w.augment_preview.view
    w.view_groups.show_widget(preview)
    w.config_panel.set_values({"arch": "lenet", "dataset": "mnist-sample", "epochs": 1, "subset": 256,
                               "batch_size": 32, "augment": "hflip=1", "save_run": False})
    w._validate()
    results = []
    w.run_finished.connect(results.append)
    assert w.start_training()
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT)
    qtbot.waitUntil(lambda: not w.is_running(), timeout=WAIT)
    assert results[0].status == "completed"
    view = w.augment_preview.view
    assert view.shown >= 1
    p = view.last
    assert p.augment == "hflip=1" and (p.batch_seen == p.batch_original[:, :, ::-1]).all()
    image = view.batch_view.image()
    assert image is not None and image.height() == 2 * 28 + 6  # two rows of pairs, 8 images of 28 px
    assert "hflip=1" in view.status.text()


def test_a_hidden_preview_captures_nothing(qtbot):
    from convscope.app.widgets.augment_preview import AugmentPreviewController
    from convscope.core.setup.config import make_config
    from convscope.core.training.engine import Trainer

    controller = AugmentPreviewController(interval=0)
    qtbot.addWidget(controller.view)
    trainer = Trainer(make_config("lenet", "mnist-sample", subset=128, epochs=1, batch_size=32, device="cpu",
                                  augment="crop"), publish_interval=0)
    controller.attach(trainer)  # the view is not shown
    trainer.run()
    controller.poll()
    assert controller.capture.captures == 0 and controller.view.shown == 0
    controller.view.show()
    controller.poll()  # visible now: the capture is switched on
    trainer.run(1)
    controller.poll()
    assert controller.capture.captures == 1 and controller.view.shown == 1
    controller.detach()
    assert trainer.batch_hooks == []
