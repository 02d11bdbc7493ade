"""The training-time estimate before a run: what it measures, when, and what it shows meanwhile."""
from __future__ import annotations

import math
import threading

import pytest
from test_main_window import WAIT, child, configure


def test_a_new_setting_shows_no_old_figure_while_it_is_measured(qtbot, window):
    w = window
    configure(w, epochs=2, subset=256)
    label = child(w, "estimateLabel")
    qtbot.waitUntil(lambda: "images/s" in label.text(), timeout=WAIT)
    # Another network: its rate is not known, so the old figure must not stay on screen meanwhile.
    submitted = []
    real_submit = w.session.jobs.submit
    w.session.jobs.submit = lambda kind, fn, cb: (submitted.append(kind), real_submit(kind, fn, cb))
    configure(w, "nin", epochs=2, subset=256, width=0.25)
    assert "images/s" not in label.text() and "Estimating" in label.text()
    qtbot.waitUntil(lambda: "images/s" in label.text(), timeout=WAIT)
    assert submitted.count("estimate") == 1  # one measurement (and the new network's parameter count)


def test_a_known_rate_updates_at_once_and_measures_nothing(qtbot, window):
    w = window
    configure(w, epochs=2, subset=256)
    label = child(w, "estimateLabel")
    qtbot.waitUntil(lambda: "images/s" in label.text(), timeout=WAIT)
    first = w.estimate_seconds(w.current_config())
    qtbot.waitUntil(lambda: not w.session.jobs.active(), timeout=WAIT)  # earlier jobs done
    submitted = []
    w.session.jobs.submit = lambda kind, fn, cb: submitted.append(kind)
    configure(w, epochs=20, subset=256)  # the same network: no new measurement, the figure follows
    assert "images/s" in label.text()
    from convscope.app.estimates import RUN_OVERHEAD_S

    extra = RUN_OVERHEAD_S
    assert w.estimate_seconds(w.current_config()) - extra == pytest.approx(10 * (first - extra))  # 10× the epochs
    # Past the debounce (however long the event loop takes to get there): still nothing measured.
    qtbot.waitUntil(lambda: not w.estimates._timer.isActive(), timeout=WAIT)
    qtbot.wait(0)
    assert "estimate" not in submitted and not w.session.jobs.busy


def test_the_estimate_times_with_the_runs_thread_count(monkeypatch, window):
    """The window trains with every core but one: the estimate must time with as many threads."""
    from convscope.app import estimates
    from convscope.app.worker import training_threads
    from convscope.core.training import introspect

    seen = {}
    real = introspect.measure_rate

    def spy(config, cancel=None, budget_s=2.0, threads=None):
        seen["threads"] = threads
        return real(config, cancel, budget_s=0.2, threads=threads)

    monkeypatch.setattr(introspect, "measure_rate", spy)
    rate = estimates._measure(window.current_config(), threading.Event())
    assert seen["threads"] == training_threads() and rate > 0 and math.isfinite(rate)


def test_measure_rate_restores_the_callers_thread_count():
    import torch

    from convscope.core.setup.config import make_config
    from convscope.core.training.introspect import measure_rate

    before = torch.get_num_threads()
    other = 1 if before != 1 else 2
    rate = measure_rate(make_config("lenet", "mnist-sample", device="cpu"), budget_s=0.2, threads=other)
    assert rate > 0 and math.isfinite(rate)
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("long_run", [False, True])
def test_variants_are_measured_only_for_long_runs(monkeypatch, long_run):
    """A long run's offers are measured in the same job as its own rate; a short run measures one."""
    from convscope.app import estimates
    from convscope.core.setup.config import make_config

    cfg = make_config("nin", "fashion-mnist", epochs=12 if long_run else 1, subset=None if long_run else 100,
                      device="cpu")
    measured = []
    monkeypatch.setattr(estimates, "_measure", lambda c, cancel: measured.append(c) or 150.0)
    rates = estimates._measure_all(cfg, {}, threading.Event())
    assert measured[0] == cfg and rates[estimates.rate_key(cfg)] == 150.0
    if long_run:
        assert [c.width for c in measured[1:]] == [0.5]
    else:
        assert len(measured) == 1
