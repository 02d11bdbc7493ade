"""The cost ledger: its rows are the summary's, its memory counts are what autograd keeps, the measured
network is left as it was, and it refuses to measure while a training runs. (No time is asserted: the
times are checked against the whole step in benchmarks/bench_cost_ledger.py.)"""
import threading

import pytest
import torch

from convscope.core.base import training_flag
from convscope.core.insight.cost import OUTSIDE, Cancelled, matmul_peak, measure
from convscope.core.insight.summary import summarize
from convscope.core.setup.build import build_model
from convscope.core.setup.config import make_config

FAST = dict(budget_s=0.0)  # the fewest timed steps (three of each kind), however fast the machine


def lenet(**overrides):
    return make_config("lenet", "mnist-sample", device="cpu", **{"optimizer": "sgd", "momentum": 0.9, **overrides})


def test_rows_are_the_summary_rows_with_their_measured_columns():
    cfg = lenet()
    ledger = measure(cfg, batch_size=4, **FAST)
    summary = summarize(cfg)
    assert [(r.name, r.kind, r.params, r.flops) for r in ledger.rows] == \
        [(r.name, r.kind, r.params, r.flops) for r in summary.rows]
    assert ledger.batch_size == 4 and ledger.steps == 3 and ledger.device.startswith("CPU")
    convs = [r for r in ledger.rows if r.kind in ("Conv2d", "Linear")]
    assert all(r.forward_ms > 0 and r.backward_ms > 0 and r.gflops_per_s > 0 for r in convs)
    assert all(r.forward_ms >= 0 and r.backward_ms >= 0 for r in ledger.rows)
    # Memory: 4 bytes per parameter, as many for its gradient, one momentum buffer per parameter (SGD).
    for r in ledger.rows:
        assert r.param_bytes == r.grad_bytes == r.optimizer_bytes == 4 * r.params
    assert ledger.param_bytes == ledger.grad_bytes == ledger.optimizer_bytes == 4 * summary.total_params
    assert ledger.saved_bytes == sum(r.saved_bytes for r in ledger.rows) + ledger.saved_outside_bytes > 0
    assert ledger.peak_bytes == ledger.param_bytes * 3 + ledger.saved_bytes and not ledger.peak_measured
    assert ledger.peak_gflops == matmul_peak("cpu") > 0
    assert all(r.peak_share == pytest.approx(r.gflops_per_s / ledger.peak_gflops) for r in ledger.rows)
    assert ledger.step_ms_spread[0] <= ledger.step_ms <= ledger.step_ms_spread[1]
    out = ledger.to_json()
    assert len(out["rows"]) == len(summary.rows)
    assert {"forward_ms", "backward_ms", "saved_bytes", "gflops_per_s"} <= set(out["rows"][0])
    assert {"step_ms", "saved_bytes", "peak_gflops", "param_bytes", "optimizer_bytes", "batch_size",
            "device"} <= set(out)
    shares = [ledger.share(r, "time") for r in ledger.rows]
    assert sum(shares) == pytest.approx(1.0)


def test_the_first_layer_keeps_the_input_and_the_fully_connected_ones_keep_their_inputs():
    ledger = measure(lenet(), batch_size=4, **FAST)
    rows = {r.name: r for r in ledger.rows}
    assert rows["conv1"].saved_bytes == 4 * 1 * 28 * 28 * 4  # the batch of images, float32
    assert rows["flatten"].saved_bytes == 0  # a view keeps nothing
    assert rows["act1"].saved_bytes == 4 * 6 * 28 * 28 * 4  # ReLU keeps its output


def independent_saved_bytes(cfg, batch):
    """What one training step saves for backward, counted with autograd's hooks on a plain model."""
    model = build_model(cfg).train()
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    seen = {}

    def pack(t):
        s = t.untyped_storage()
        if s.data_ptr() not in params:
            seen[s.data_ptr()] = s.nbytes()
        return t

    c, side, _ = cfg.input_size
    x = torch.randn(batch, c, side, side)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = torch.nn.functional.cross_entropy(model(x), torch.zeros(batch, dtype=torch.long))
    loss.backward()
    return sum(seen.values())


@pytest.mark.parametrize("arch", ["lenet", "inception-net", "resnet-small"])
def test_saved_bytes_agree_with_an_independent_count(arch):
    cfg = make_config(arch, "mnist-sample", device="cpu")
    ledger = measure(cfg, batch_size=4, **FAST)
    expected = independent_saved_bytes(cfg, 4)
    assert abs(ledger.saved_bytes - expected) <= 0.1 * expected
    if arch == "inception-net":  # the concatenation keeps nothing, the layers keep the rest
        assert sum(r.saved_bytes for r in ledger.rows) >= 0.9 * ledger.saved_bytes
    assert OUTSIDE not in {r.name for r in ledger.rows}


def test_the_measured_model_and_the_random_generator_are_left_as_they_were():
    cfg = lenet(dropout=0.5) if "dropout" in lenet().model_options() else lenet()
    model = build_model(cfg)
    model.eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rng = torch.get_rng_state()
    ledger = measure(cfg, model=model, batch_size=4, **FAST)
    assert ledger.steps == 3
    after = model.state_dict()
    assert before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before)
    assert all(p.grad is None for p in model.parameters())
    assert not model.training  # its mode too
    assert torch.equal(torch.get_rng_state(), rng)


def test_measuring_is_refused_while_a_training_runs():
    from convscope.core.training.engine import Trainer

    cfg = make_config("lenet", "mnist-sample", device="cpu", epochs=1, subset=32, batch_size=16)
    refused = []

    def try_measure(trainer):
        try:
            measure(cfg, batch_size=2, **FAST)
        except training_flag.TrainingRunning as exc:
            refused.append(str(exc))
        trainer.stop()

    trainer = Trainer(cfg)
    trainer.step_hooks.append(try_measure)
    assert not training_flag.training_now()
    trainer.run()
    assert refused and "training" in refused[0]
    assert not training_flag.training_now()  # the flag drops when the run ends
    assert measure(cfg, batch_size=2, **FAST).steps == 3


def test_a_cancelled_measurement_ends_with_cancelled():
    cancel = threading.Event()
    seen = []

    def progress(fraction, text):
        seen.append(fraction)
        if fraction > 0.1:
            cancel.set()

    with pytest.raises(Cancelled):
        measure(lenet(), batch_size=2, budget_s=0.01, progress=progress, cancel=cancel)
    assert seen == sorted(seen)


def test_a_peak_timed_at_a_busy_moment_is_raised_to_the_fastest_layer(monkeypatch):
    import convscope.core.insight.cost as cost

    monkeypatch.setattr(cost, "_PEAKS", {})
    monkeypatch.setattr(cost, "_time_matmul", lambda device: 1e-9)  # far below anything a layer reaches
    ledger = measure(lenet(), batch_size=2, **FAST)
    best = max(r.gflops_per_s for r in ledger.rows)
    assert ledger.peak_gflops == best == cost.matmul_peak("cpu") > 1e-9
    assert max(r.peak_share for r in ledger.rows) == 1.0
