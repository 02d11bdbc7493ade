"""The one timeline above the views: an opened run moved to an early step, Live, the arrow keys; and a
paired lesson's partner overlaid on the curves (the real window, offscreen)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from convscope.core.cli import main as cli_main
from convscope.core.runs import confusions as K
from convscope.core.runs.replay import read_snapshots
from convscope.core.setup.presets import Preset

WAIT = 180_000


def cli_train(out, epochs=2, seed=0):
    """A LeNet run of the command line: 64 sample digits, batch 32 (2 steps an epoch)."""
    assert cli_main(["train", "--arch", "lenet", "--dataset", "mnist-sample", "--epochs", str(epochs), "--subset",
                     "64", "--batch-size", "32", "--device", "cpu", "--seed", str(seed), "--out", str(out)]) == 0


def points(curve):
    x, y = curve.getOriginalDataset()
    return np.asarray(x), np.asarray(y)


def test_an_opened_run_at_an_early_step_in_every_view_then_live_again(qtbot, tmp_path, window):
    w = window
    run_dir = tmp_path / "runs" / "three-epochs"
    cli_train(run_dir, epochs=3)  # 64 images, batch 32: 2 steps an epoch
    assert w.load_checkpoint(run_dir) is not None
    t, bar, ctl = w.session.timeline, w.timeline_bar, w.activations
    entries = K.read(run_dir)
    replay = read_snapshots(run_dir)
    assert [e["epoch"] for e in entries] == [1, 2, 3] and len(replay) > 2
    # The stops: every recorded snapshot and every evaluated epoch; it opens live, the knob at the end.
    assert t.stops == sorted({s.step for s in replay} | {e["step"] for e in entries})
    assert t.live and t.steps_per_epoch == entries[0]["step"]
    assert bar.slider.value() == bar.slider.maximum() == len(t.stops) - 1 and bar.live_button.isChecked()
    assert all(v.timeline.isHidden() for v in ctl.views)  # one timeline, not one per view

    # Drag to the end of the first epoch (an early step, with a snapshot recorded there).
    k = entries[0]["step"]
    assert k in {s.step for s in replay}
    bar.slider.setValue(t.stops.index(k))
    assert t.step == k and not bar.live_button.isChecked() and f"step {k}" in bar.text.text()
    # Curves: a cursor at epoch 1 and the numbers of that step.
    cursor = w.analysis.cursor
    assert all(line.isVisible() and line.value() == 1.0 for line in cursor.lines)
    first = w.loaded_run.metrics[0]
    assert cursor.values["test_epoch"] == 1 and np.isclose(cursor.values["test_acc"], 100 * first["test_acc"])
    assert np.isclose(cursor.values["train_loss"], first["train_loss"])
    assert f"Step {k}" in cursor.label.text() and cursor.label.isVisibleTo(w.curves)
    # Feature maps: the snapshot recorded at that step.
    view = ctl.feature_view
    w.tabs.setCurrentWidget(view)
    snap = next(s for s in replay if s.step == k)
    assert ctl.current.step == k and not ctl.live
    qtbot.waitUntil(lambda: view.shown_seq == ctl.current.seq, timeout=WAIT)
    assert view.snapshot.step == k and view.stack.currentWidget() is view.graphics
    np.testing.assert_array_equal(view.snapshot.features[view.layer].mosaic, snap.features[view.layer].mosaic)
    early = np.asarray(view.mosaic_item.image).copy()
    # The confusion matrix of epoch 1, and layer health says it has no record of an opened run.
    steps = w.analysis.confusion_steps
    assert steps.shown["epoch"] == 1
    np.testing.assert_array_equal(w.analysis.confusion.analysis.matrix, entries[0]["counts"])
    assert f"Epoch 1, evaluated at step {k}:" in w.analysis.confusion.status.text()
    assert "not recorded for this run" in w.analysis.health_view.status.text()

    # The arrow keys step from stop to stop while the timeline has the focus.
    bar.slider.setFocus()
    i = t.stops.index(k)
    qtbot.keyClick(bar.slider, Qt.Key.Key_Right)
    assert t.step == t.stops[i + 1]
    qtbot.keyClick(bar.slider, Qt.Key.Key_Left)
    assert t.step == k

    # A step where nothing was recorded: the views say so instead of showing another moment.
    missing = max(t.stops) + 5
    t.set_step(missing)
    assert ctl.current is None and f"No snapshot was recorded at step {missing}" in view.placeholder.text()
    assert view.stack.currentWidget() is view.placeholder
    assert steps.shown["epoch"] == 3  # the evaluation nearest to it, and it says so
    assert f"(the evaluation nearest to step {missing})" in w.analysis.confusion.status.text()

    # Live returns to now: the opened weights, no cursor, the tab as it was.
    qtbot.mouseClick(bar.live_button, Qt.MouseButton.LeftButton)
    assert t.live and ctl.live and ctl.current.epoch == 3
    qtbot.waitUntil(lambda: view.shown_seq == ctl.current.seq, timeout=WAIT)
    assert not np.array_equal(np.asarray(view.mosaic_item.image), early, equal_nan=True)
    assert not any(line.isVisible() for line in cursor.lines) and cursor.values == {}
    assert steps.shown is None and w.analysis.confusion.analysis is None

    # A run of an older version recorded no matrices: the Evaluation tab says so at any step.
    (run_dir / K.FILE).unlink()
    assert w.load_checkpoint(run_dir) is not None
    assert w.loaded_run.confusions is None
    t.set_step(t.stops[0])
    assert "not recorded for this run" in w.analysis.confusion.status.text()
    assert w.analysis.confusion.analysis is None


def test_play_moves_forward_to_the_last_stop(qtbot, tmp_path, window):
    w = window
    run_dir = tmp_path / "runs" / "two-epochs"
    cli_train(run_dir, epochs=2)
    assert w.load_checkpoint(run_dir) is not None
    t = w.session.timeline
    t._play.setInterval(1)
    qtbot.mouseClick(w.timeline_bar.play_button, Qt.MouseButton.LeftButton)
    assert t.playing and t.step == t.stops[0] and w.timeline_bar.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: not t.playing, timeout=WAIT)
    assert t.step == t.stops[-1] and w.timeline_bar.play_button.text() == "Play"


def test_a_paired_lesson_overlays_its_partners_latest_run(qtbot, tmp_path, window):
    w = window
    root = tmp_path / "runs"
    cli_train(root / "partner-old", epochs=2, seed=0)
    cli_train(root / "partner-new", epochs=3, seed=0)  # the partner's latest run
    cli_train(root / "this-one", epochs=2, seed=4)
    overlay = w.analysis.partner
    base = {"arch": "lenet", "dataset": "mnist", "epochs": 2, "subset": 64, "batch_size": 32}
    lesson = {"view": "accuracyPlot", "text": "", "question": ""}
    overlay.lessons = {
        "seed-4": Preset("seed-4", "Lesson: seed four — this run", "", {**base, "seed": 4},
                         {**lesson, "pair": "seed-0"}),
        "seed-0": Preset("seed-0", "Lesson: seed zero — its partner", "", {**base, "seed": 0},
                         {**lesson, "pair": "seed-4"})}
    assert w.load_checkpoint(root / "this-one") is not None
    assert overlay.lesson.id == "seed-4" and overlay.partner.name == "partner-new"
    assert overlay.legend_text == "seed zero, dashed: run partner-new"
    labels = [label.text for _sample, label in w.curves.acc_legend.items]
    assert overlay.legend_text in labels and overlay.legend_text in [lb.text for _s, lb in w.curves.loss_legend.items]
    dashed = [item for plot, item in overlay.items if plot is w.curves.accuracy_plot.getPlotItem()]
    partner_metrics = overlay.partner.metrics
    test_acc = next(i for i in dashed if i.opts["pen"].color().getRgb()[:3] == (255, 127, 14))
    x, y = points(test_acc)
    assert list(x) == [1.0, 2.0, 3.0] and np.allclose(y, [100 * r["test_acc"] for r in partner_metrics])
    assert test_acc.opts["pen"].style() == Qt.PenStyle.DashLine
    # The partner's own run shows this lesson's latest run; a run of no lesson shows none.
    assert w.load_checkpoint(root / "partner-old") is not None
    assert overlay.partner.name == "this-one"
    shown = overlay.legend_text
    overlay.lessons = {}
    assert w.load_checkpoint(root / "this-one") is not None
    assert overlay.partner is None and overlay.items == []
    assert shown not in [label.text for _sample, label in w.curves.acc_legend.items]


def test_the_run_trained_in_the_window_at_an_early_step_and_live_again(qtbot, window):
    from PySide6.QtWidgets import QComboBox, QSpinBox

    w = window
    for name, cls, value in (("archCombo", QComboBox, "lenet"), ("datasetCombo", QComboBox, "mnist-sample")):
        combo = w.findChild(cls, name)
        combo.setCurrentIndex(combo.findData(value))
    for name, value in (("epochsSpin", 2), ("batchSizeSpin", 32), ("subsetSpin", 64)):
        w.findChild(QSpinBox, name).setValue(value)
    w.config_panel.set_field("seed", 2)
    w._validate()
    w.tabs.setCurrentWidget(w.activations.feature_view)  # the probe looks while it trains
    assert w.start_training()
    qtbot.waitUntil(lambda: not w.is_running(), timeout=WAIT)
    t, trainer = w.session.timeline, w.session.trainer
    assert [c["step"] for c in trainer.confusions] == [2, 4] and {2, 4} <= set(t.stops)
    assert t.live and t.steps_per_epoch == 2

    # Alt+Left anywhere in the window steps back from now; then to the end of the first epoch.
    qtbot.keyClick(w, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert t.step == t.stops[-2]
    t.set_step(2)
    cursor = w.analysis.cursor
    i = w.curves.train_loss.nearest(1.0)
    assert w.curves.train_loss.x[i] == 1.0  # step 2 sits at epoch 1.0
    assert cursor.values["train_loss"] == w.curves.train_loss.y[i] and "(that step)" in cursor.label.text()
    assert cursor.values["test_epoch"] == 1
    steps = w.analysis.confusion_steps
    assert steps.shown["epoch"] == 1 and steps.shown["step"] == 2
    np.testing.assert_array_equal(w.analysis.confusion.analysis.matrix, trainer.confusions[0]["counts"])
    health = w.analysis.health_view
    assert all(s.step <= 2 for s in health.shown())
    assert health.status.text().startswith("At step 2:" if health.shown() else "Step 2: no layer")
    ctl, view = w.activations, w.activations.feature_view
    if ctl.current is not None:  # the probe kept a snapshot of that step
        assert ctl.current.step == 2 and view.snapshot.step == 2
    else:
        assert "No snapshot was recorded at step 2" in view.placeholder.text()

    # Live: the run now.
    qtbot.mouseClick(w.timeline_bar.live_button, Qt.MouseButton.LeftButton)
    assert t.live and ctl.live and cursor.values == {} and steps.shown is None
    assert health.upto is None and health.shown() == health.snapshots


def test_the_draw_tab_says_it_predicts_with_the_network_now(qtbot, tmp_path, window):
    w = window
    run_dir = tmp_path / "runs" / "one-epoch"
    cli_train(run_dir, epochs=1)
    assert w.load_checkpoint(run_dir) is not None
    w.tabs.setCurrentWidget(w.draw_panel)
    t = w.session.timeline
    t.set_step(t.stops[0])
    assert f"The timeline shows step {t.stops[0]}" in w.draw_panel.message()
    t.go_live()
    assert w.draw_panel.message() == ""


def test_every_paired_lesson_chosen_in_the_settings_is_known_by_its_runs_settings(window):
    """What Train runs for a paired lesson (the settings panel fills in the rest) is recognised as that lesson."""
    w = window
    overlay = w.analysis.partner
    paired = [p for p in overlay.lessons.values() if p.pair]
    assert len(paired) >= 8
    for lesson in paired:
        assert w.config_panel.apply_preset(lesson.id)
        w._validate()
        assert overlay.lesson_of(w.session.config.to_dict()) is lesson, lesson.id
