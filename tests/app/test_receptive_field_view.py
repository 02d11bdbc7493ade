"""A click on a pixel of a feature map draws that unit's theoretical box and effective field on the probe
image, fills the per-layer table and the radius curve — during a run (the training thread computes) and
after it (a background job computes, on a copy of the model)."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from convscope.core.setup.config import make_config
from convscope.core.training.engine import Trainer

WAIT = 120_000


@pytest.fixture
def link(qtbot):
    from convscope.app.runtime.jobs import BackgroundJobs
    from convscope.app.widgets.activations import ActivationsController
    from convscope.app.widgets.activations.receptive import ReceptiveFieldLink

    ctl = ActivationsController(interval=0.0, max_overhead=1.0, draw_budget=1.0)
    qtbot.addWidget(ctl.feature_view)
    ctl.feature_view.resize(900, 640)
    jobs = BackgroundJobs(name="test-receptive")
    link = ReceptiveFieldLink(ctl, jobs=jobs, poll_ms=30, images=4)
    yield link
    link.close()
    jobs.close(timeout=30)
    ctl.detach()


def _click_mosaic(qtbot, view, payload, tile: int, y: float, x: float) -> None:
    th, tw = payload.tile
    r, c = divmod(tile, payload.grid[1])
    scene = view.mosaic_item.mapToScene(QPointF(c * (tw + 1) + x, r * (th + 1) + y))
    qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, pos=view.graphics.mapFromScene(scene))


def test_a_click_on_a_feature_map_draws_the_box_and_the_heat(qtbot, link):
    ctl, view = link.controller, link.view
    view.show()
    trainer = Trainer(make_config("lenet", "mnist-sample", subset=48, epochs=1, batch_size=16, device="cpu"))
    ctl.attach(trainer)
    link.attach(trainer)  # the session's trainer set-up hook in the window
    assert link.watcher.on_step in trainer.step_hooks
    thread = threading.Thread(target=trainer.run, daemon=True)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=WAIT)
    ctl.on_run_finished(None)
    qtbot.waitUntil(lambda: view.snapshot is not None and "act1" in view.snapshot.features, timeout=WAIT)
    assert view.layer == "act1" and not link.box_item.isVisible() and not link.heat_item.isVisible()

    # Choose the second layer, then click channel 3 (tile 3), output row 2, column 7 (10×10 maps).
    view.layer_combo.setCurrentIndex(view.layer_combo.findData("act2"))
    qtbot.waitUntil(lambda: view.snapshot is not None and "act2" in view.snapshot.features, timeout=WAIT)
    payload = view.snapshot.features["act2"]
    assert payload.shape == (16, 10, 10) and payload.tile == (10, 10)
    _click_mosaic(qtbot, view, payload, tile=3, y=2.5, x=7.5)
    assert link.watcher.chosen == ("act2", (int(payload.channels[3]), 2, 7))
    qtbot.waitUntil(lambda: link.box_item.isVisible(), timeout=WAIT)

    # The box is the unit's theoretical field on the 28×28 image: rows 2..15, columns 12..25.
    rect = link.box_item.rect()
    assert (rect.x(), rect.y(), rect.width(), rect.height()) == (12, 2, 14, 14)
    assert link.box_item.parentItem() is view.input_box.childGroup
    heat = link.heat_item.image
    assert link.heat_item.isVisible() and heat.shape == (28, 28, 4)
    alpha = heat[..., 3]
    assert alpha.max() > 0 and alpha[:2].max() == 0 and alpha[:, :12].max() == 0  # heat only in the box
    assert alpha[16:].max() == 0 and alpha[:, 26:].max() == 0
    ef = link.report.chosen
    assert ef.unit == (int(payload.channels[3]), 2, 7) and ef.inside_share >= 0.99
    # The per-layer table and the radius curve.
    table = link.panel.table
    assert table.rowCount() == 2
    assert [table.item(i, 0).text() for i in range(2)] == ["act1", "act2"]
    assert [table.item(i, 1).text() for i in range(2)] == ["5×5", "14×14"]
    assert [table.item(i, 2).text() for i in range(2)] == ["1", "2"]
    xs, ys = link.panel.r90_curve.getData()
    assert list(xs) == [trainer.global_step] and ys[0] == pytest.approx(ef.r90)
    assert "14×14" in link.panel.status.text()
    assert trainer.model.training  # the window's computation left the model as it was

    # A click on the enlarged tile chooses a unit of that channel; another layer clears the box.
    qtbot.waitUntil(lambda: view.selected is not None, timeout=5000)
    scene = view.tile_item.mapToScene(QPointF(0.5, 0.5))
    qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, pos=view.graphics.mapFromScene(scene))
    assert link.watcher.chosen == ("act2", (view.selected, 0, 0))
    qtbot.waitUntil(lambda: link.report.chosen.unit == (view.selected, 0, 0), timeout=WAIT)
    rect = link.box_item.rect()
    assert (rect.x(), rect.y(), rect.width(), rect.height()) == (0, 0, 12, 12)  # clipped: (-2..11)
    view.layer_combo.setCurrentIndex(view.layer_combo.findData("act1"))
    assert not link.box_item.isVisible() and link.watcher.chosen == (None, None)


def test_training_thread_computes_only_while_the_view_is_shown(qtbot, link):
    ctl, view = link.controller, link.view
    view.hide()
    trainer = Trainer(make_config("lenet", "mnist-sample", subset=64, epochs=1, batch_size=16, device="cpu"))
    ctl.attach(trainer)
    link.attach(trainer)
    link.watcher.choose("act2", (0, 5, 5))  # a unit chosen, but the view is hidden
    link.watcher.interval = 0.0
    link.watcher.max_overhead = 1.0
    thread = threading.Thread(target=trainer.run, daemon=True)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=WAIT)
    assert link.watcher.computations == 0
    # A new run of the same network keeps the chosen unit; another network clears it.
    link.attach(Trainer(make_config("lenet", "mnist-sample", subset=64, epochs=1, device="cpu")))
    assert link.watcher.chosen == ("act2", (0, 5, 5))
    link.attach(Trainer(make_config("nin", "mnist-sample", subset=64, epochs=1, width=0.25, device="cpu")))
    assert link.watcher.chosen == (None, None)
    np.testing.assert_array_equal(link.panel.r90_curve.getData()[0] if link.panel.r90_curve.getData()[0]
                                  is not None else [], [])


def test_an_opened_run_draws_the_radius_curve_it_recorded(qtbot, link, tmp_path, monkeypatch):
    """An opened run has no live history: the dashed curve is the centre unit's radii recorded with its
    snapshots while it trained, one point per snapshot that measured them."""
    from convscope.core.runs import recorder
    from convscope.core.runs.checkpoints import load_run

    monkeypatch.setattr(recorder, "FIELD_OVERHEAD", float("inf"))  # every snapshot measures them
    ctl, view = link.controller, link.view
    view.show()
    trainer = Trainer(make_config("lenet", "mnist-sample", subset=96, epochs=2, batch_size=16, device="cpu"),
                      run_dir=str(tmp_path / "run"))
    assert trainer.run().status == "completed"
    run = load_run(tmp_path / "run")
    ctl.on_run_opened(run)
    recorded = [(s.step, *s.fields["act2"]) for s in ctl.replay]
    assert len(recorded) >= 10 and recorded[0][0] == 1
    view.layer_combo.setCurrentIndex(view.layer_combo.findData("act2"))
    qtbot.waitUntil(lambda: view.snapshot is not None and "act2" in view.snapshot.features, timeout=WAIT)
    payload = view.snapshot.features["act2"]
    _click_mosaic(qtbot, view, payload, tile=0, y=5.5, x=5.5)
    qtbot.waitUntil(lambda: link.report is not None, timeout=WAIT)
    xs, ys = link.panel.r90_recorded.getData()
    assert list(xs) == [r[0] for r in recorded] and list(ys) == pytest.approx([r[2] for r in recorded])
    xs, ys = link.panel.r50_recorded.getData()
    assert list(ys) == pytest.approx([r[1] for r in recorded])
    # The clicked unit: the opened weights, measured now, at their step — once a unit that is alive is clicked
    # (a unit switched off on every test image has no effective field, and says so).
    for tile in range(1, payload.grid[0] * payload.grid[1]):
        if np.isfinite(link.report.chosen.r50):
            break
        assert "no effective field" in link.panel.status.text()
        assert not len(link.panel.r90_curve.getData()[0] if link.panel.r90_curve.getData()[0] is not None else [])
        drawn = link.drawn
        _click_mosaic(qtbot, view, payload, tile=tile, y=5.5, x=5.5)
        qtbot.waitUntil(lambda before=drawn: link.drawn > before, timeout=WAIT)
    xs, _ = link.panel.r90_curve.getData()
    assert list(xs) == [trainer.global_step] == [recorded[-1][0]]
    assert "no effective field" not in link.panel.status.text()
    # Another layer clears both curves.
    view.layer_combo.setCurrentIndex(view.layer_combo.findData("act1"))
    assert link.panel.r90_recorded.getData()[0] is None or len(link.panel.r90_recorded.getData()[0]) == 0
