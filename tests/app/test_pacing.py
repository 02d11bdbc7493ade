"""The pacing helpers: the paint budget's arithmetic (fake clock), timed paints, debounce timers."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWidget

from convscope.app.pacing import PaintBudget, PaintMeter, debounce_timer, timed_paint


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_a_redraw_that_cost_c_waits_c_over_share():
    clock = Clock()
    budget = PaintBudget(0.02, clock=clock)
    assert budget.ready()
    budget.charge(0.010)  # 10 ms at 2 %: the next redraw in 0.5 s
    assert not budget.ready()
    assert budget.wait_s() == pytest.approx(0.5)
    clock.t += 0.49
    assert not budget.ready()
    clock.t += 0.02
    assert budget.ready() and budget.wait_s() == 0


def test_burst_credit_is_capped_and_min_interval_holds():
    clock = Clock()
    budget = PaintBudget(0.5, burst=0.1, min_interval=0.05, clock=clock)
    clock.t += 1000  # a long quiet spell earns no more than the burst
    assert budget.credit == pytest.approx(0.1)
    budget.charge(0.0)
    assert not budget.ready()  # free, but within min_interval of the last redraw
    clock.t += 0.051
    assert budget.ready()
    budget.charge(0.25, drew=False)  # paints outside a redraw are charged too
    assert budget.credit == pytest.approx(-0.15, abs=1e-3)
    assert budget.wait_s() == pytest.approx(0.3, abs=1e-2)


def test_share_must_be_a_fraction():
    with pytest.raises(ValueError):
        PaintBudget(0)
    with pytest.raises(ValueError):
        PaintBudget(1.5)


def test_timed_paint_reports_each_paint_to_its_meter(qtbot):
    meter = PaintMeter()
    widget = timed_paint(QWidget, meter)()
    qtbot.addWidget(widget)
    own = timed_paint(QWidget)()
    qtbot.addWidget(own)
    widget.resize(50, 50)
    with qtbot.waitExposed(widget):
        widget.show()
    widget.repaint()
    assert meter.paints >= 1 and widget.paint_total >= 0 and own.meter is not meter
    assert type(widget).__name__ == "TimedQWidget" and isinstance(widget, QWidget)


def test_debounce_timer_fires_once_after_the_last_start(qtbot):
    calls = []
    parent = QWidget()
    qtbot.addWidget(parent)
    timer = debounce_timer(parent, 30, lambda: calls.append(1))
    for _ in range(5):
        timer.start()
    qtbot.waitUntil(lambda: calls == [1], timeout=180_000)
    qtbot.wait(80)
    assert calls == [1] and timer.isSingleShot()
