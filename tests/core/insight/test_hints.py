"""Hints read from the curves: BatchNorm's lagging statistics and overfitting, and silence otherwise."""
from convscope.core.insight.hints import BATCHNORM_LAG, OVERFITTING, curve_hints
from convscope.core.training.events import EpochEnd


def rec(epoch, train_loss, train_acc, test_loss, test_acc):
    return {"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc, "test_loss": test_loss,
            "test_acc": test_acc}


def codes(*args, **kwargs):
    return [h.code for h in curve_hints(*args, **kwargs)]


def test_batchnorm_lag_after_few_steps():
    # ResNet-18 on 1,000 MNIST-sample images: 84 % training accuracy, the test at exactly 10 %.
    records = [rec(1, 1.2, 0.62, 4.9, 0.10), rec(2, 0.6, 0.84, 4.6, 0.10)]
    assert codes(records, 10, batchnorm=True, steps=64) == [BATCHNORM_LAG]
    hint = curve_hints(records, 10, batchnorm=True, steps=64)[0]
    assert "84 %" in hint.text and "64 steps" in hint.text
    assert codes(records, 10, batchnorm=False, steps=64) == []  # no BatchNorm: not this cause
    assert codes(records, 10, batchnorm=True, steps=5000) == []  # plenty of steps: not this cause


def test_overfitting_once_the_gap_opens_and_the_test_loss_rises():
    records = [rec(1, 1.0, 0.65, 1.0, 0.62), rec(2, 0.6, 0.80, 0.9, 0.66), rec(3, 0.3, 0.92, 1.0, 0.66),
               rec(4, 0.1, 0.98, 1.3, 0.65)]
    assert codes(records, 10, batchnorm=False, steps=4000) == [OVERFITTING]
    assert codes(records[:2], 10, batchnorm=False, steps=2000) == []  # too early to say


def test_a_healthy_run_gets_no_hint():
    records = [rec(1, 1.0, 0.7, 0.8, 0.75), rec(2, 0.6, 0.82, 0.55, 0.83), rec(3, 0.45, 0.87, 0.45, 0.86)]
    assert codes(records, 10, batchnorm=True, steps=3000) == []
    assert codes([], 10, batchnorm=True, steps=0) == []


def test_epoch_events_work_as_well_as_records():
    events = [EpochEnd(1, 1.2, 0.62, 4.9, 0.10, 1e-3, 1.0, 100.0), EpochEnd(2, 0.6, 0.84, 4.6, 0.10, 1e-3, 1.0, 100.0)]
    assert codes(events, 10, batchnorm=True, steps=64) == [BATCHNORM_LAG]
