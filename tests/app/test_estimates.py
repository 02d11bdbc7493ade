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


# ------------------------------------------------------------ the estimate line with fake measurements
class FakePanel:
    def __init__(self):
        self.spec = None
        self.fields = {}

    def current_spec(self):
        return self.spec

    def set_field(self, key, value):
        self.fields[key] = value


class FakeJobs:
    """Keeps the submitted measurements; the test answers them."""

    def __init__(self):
        self.submitted = []

    def submit(self, kind, fn, callback):
        self.submitted.append((kind, fn, callback))

    def answer(self, kind, result, error=None):
        for _, _, callback in [s for s in self.submitted if s[0] == kind]:
            callback(result, error)
        self.submitted = [s for s in self.submitted if s[0] != kind]


@pytest.fixture
def line(qtbot):
    """An ``Estimates`` on two labels of its own, with fake jobs (no window, no measuring)."""
    from PySide6.QtWidgets import QLabel

    from convscope.app.estimates import Estimates

    info, label = QLabel(), QLabel()
    qtbot.addWidget(info)
    qtbot.addWidget(label)
    panel, jobs = FakePanel(), FakeJobs()
    est = Estimates(panel, info, label)
    est.start(jobs, None, lambda: False)
    yield est, jobs, label
    est.stop()


def set_config(est, cfg):
    est.panel.spec = cfg.spec
    est.set_config(cfg)


def test_a_slow_rate_is_shown_as_it_is_never_as_0_images_per_second(line):
    from convscope.app.estimates import rate_key
    from convscope.core.setup.config import make_config

    est, jobs, label = line
    cfg = make_config("vgg11", "mnist-sample", form="d2l", epochs=1, subset=1000, device="cpu")
    est.rates[rate_key(cfg)] = (0.37, "measured")
    est.measured[rate_key(cfg)] = 0.37
    set_config(est, cfg)
    assert "(0.37 images/s" in label.text() and "(0 images/s" not in label.text()
    est.record_rate(cfg, 0.0)  # a run that measured nothing does not replace a real rate
    est.record_rate(cfg, float("nan"))
    assert est.rates[rate_key(cfg)] == (0.37, "measured")


def test_a_measurement_without_a_real_rate_shows_no_figure(line):
    from convscope.app.estimates import rate_key
    from convscope.core.setup.config import make_config

    est, jobs, label = line
    cfg = make_config("lenet", "mnist-sample", epochs=1, subset=256, device="cpu")
    set_config(est, cfg)
    est.request()
    jobs.answer("estimate", {rate_key(cfg): 0.0})
    assert "images/s" not in label.text() and "No time estimate" in label.text()


def test_the_offers_go_at_the_pace_of_the_headline(line):
    """The headline comes from a real run (slower than the timing run): an offer is the headline's rate
    times the measured ratio of the two networks, never the timing run's own figure."""
    from convscope.app.estimates import format_duration, rate_key, run_seconds, variants
    from convscope.core.setup.config import make_config

    est, jobs, label = line
    cfg = make_config("nin", "fashion-mnist-sample", form="d2l", epochs=3, device="cpu")
    half, native = variants(cfg)["width:0.5"], variants(cfg)["form:native"]
    est.rates[rate_key(cfg)] = (3.0, "run")  # what the last run reached
    est.measured.update({rate_key(cfg): 30.0, rate_key(half): 120.0, rate_key(native): 600.0})
    set_config(est, cfg)
    headline = est.estimate_seconds(cfg)
    assert headline == run_seconds(cfg, 3.0) and "3.0 images/s" in label.text()
    assert est.offer_seconds(cfg, half) == run_seconds(half, 12.0)  # 4× the headline's rate
    assert est.offer_seconds(cfg, native) == run_seconds(native, 60.0)
    text = label.text()
    assert f"use width 0.5</a> (≈ {format_duration(run_seconds(half, 12.0))})" in text
    assert f"use the native size</a> (≈ {format_duration(run_seconds(native, 60.0))})" in text


def test_a_run_rate_without_the_timing_runs_rate_measures_it_for_the_offers(line, monkeypatch):
    from convscope.app import estimates
    from convscope.core.setup.config import make_config

    est, jobs, label = line
    cfg = make_config("nin", "fashion-mnist-sample", form="d2l", epochs=3, device="cpu")
    measured = []
    monkeypatch.setattr(estimates, "_measure", lambda c, cancel: measured.append(c) or 30.0)
    # Long at the run's rate: the network itself and its variants are measured, for the ratio.
    estimates._measure_all(cfg, {}, threading.Event(), shown=3.0)
    assert measured[0] == cfg and len(measured) == 1 + len(estimates.variants(cfg))
    # Short at the run's rate: no offers, nothing to measure.
    measured.clear()
    short = make_config("nin", "fashion-mnist-sample", form="d2l", epochs=1, subset=10, device="cpu")
    assert estimates._measure_all(short, {}, threading.Event(), shown=300.0) == {} and measured == []


def test_a_long_measurement_says_it_is_still_measuring(line, monkeypatch):
    from convscope.app.estimates import rate_key
    from convscope.core.setup.config import make_config

    est, jobs, label = line
    cfg = make_config("vgg11", "mnist-sample", form="d2l", epochs=1, subset=1000, device="cpu")
    set_config(est, cfg)
    est.request()
    assert "Estimating" in label.text() and est._ticker.isActive()
    monkeypatch.setattr(est, "measuring_for_s", lambda: 1.0)
    est._tick()
    assert "Still measuring" not in label.text()  # the first seconds: the plain line
    monkeypatch.setattr(est, "measuring_for_s", lambda: 42.4)
    est._tick()
    assert "Still measuring" in label.text() and "(42 s)" in label.text() and "images/s" not in label.text()
    jobs.answer("estimate", {rate_key(cfg): 0.8})
    assert "0.8 images/s" in label.text() and not est._ticker.isActive()
