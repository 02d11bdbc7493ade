"""core.training.introspect: what the window learns about a network without touching the one being trained."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from convscope.core.setup.config import make_config
from convscope.core.training.introspect import model_layers

ROOT = Path(__file__).resolve().parents[3]


def test_warm_up_imports_what_the_first_meta_forward_needs():
    """The window's start-up thread calls warm_up(): afterwards the meta forward of model_layers (run in
    the GUI thread at Train) has nothing left to import. In a fresh interpreter, so that no other test
    has imported torch._dynamo already."""
    code = ("import sys; import convscope.core.training.introspect as i; "
            "before = 'torch._dynamo' in sys.modules; i.warm_up(); print(before, 'torch._dynamo' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "True"]


def test_model_layers_label_the_built_channel_counts():
    """The spec's labels are written for width 1; the meta forward gives the counts of the model built."""
    half = model_layers(make_config("nin", "mnist-sample", width=0.5))
    full = model_layers(make_config("nin", "mnist-sample"))
    assert dict(half.feature)["block1.conv"] == "block 1: first conv (48 maps)"
    assert dict(full.feature)["block1.conv"] == "block 1: first conv (96 maps)"
    assert dict(half.one_by_one)["block1.mlp1"] == "block 1: first 1×1 conv (mixes 48 channels per pixel)"
    assert [name for name, _ in half.gap] == ["classifier.relu2"] and len(half.class_names) == 10


def test_the_estimate_times_the_step_the_run_takes():
    """The same batch through the estimate's step and the trainer's step, from the same weights: the same
    loss (label smoothing included) and the same parameter update."""
    import torch

    from convscope.core.training.engine import Trainer
    from convscope.core.training.introspect import timing_step

    cfg = make_config("lenet", "mnist-sample", device="cpu", subset=64, label_smoothing=0.3, optimizer="sgd",
                      momentum=0.9, lr=0.05, channels_last=False)
    trainer = Trainer(cfg)
    trainer.setup()
    step = timing_step(cfg, torch.device("cpu"))
    assert step.criterion.label_smoothing == 0.3 and step.amp_dtype is None  # the run's settings
    assert type(step.optimizer) is type(trainer.optimizer)
    assert step.optimizer.param_groups[0]["momentum"] == 0.9
    step.model.load_state_dict(trainer.model.state_dict())
    for group in step.optimizer.param_groups:  # the estimate's tiny rate: the run's, to compare the updates
        group["lr"] = trainer.current_lr()
    x = torch.randn(16, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    y = torch.arange(16) % 10
    ours, theirs = step(x, y), trainer.step_fn(x, y)
    assert torch.equal(ours[0], theirs[0])
    assert abs(float(ours[0]) - float(torch.nn.functional.cross_entropy(theirs[1], y))) > 1e-3  # smoothed
    for (name, p), q in zip(step.model.named_parameters(), trainer.model.parameters()):
        assert torch.equal(p, q), name


class FakeSteps:
    """Steps that "take" ``fixed + per_example × batch`` seconds on a clock of their own."""

    def __init__(self, fixed: float, per_example: float):
        self.fixed, self.per_example, self.now = fixed, per_example, 0.0
        self.batches: list[int] = []

    def perf_counter(self) -> float:
        return self.now

    def step(self, x, y):
        self.batches.append(len(x))
        self.now += self.fixed + self.per_example * len(x)


def fake_rate(monkeypatch, batch_size: int, fixed: float, per_example: float) -> tuple[float, FakeSteps]:
    import types

    from convscope.core.training import introspect

    steps = FakeSteps(fixed, per_example)
    monkeypatch.setattr(introspect, "timing_step", lambda cfg, device, gen=None: steps.step)
    monkeypatch.setattr(introspect, "time", types.SimpleNamespace(perf_counter=steps.perf_counter))
    cfg = make_config("lenet", "mnist-sample", batch_size=batch_size, device="cpu")
    return introspect.measure_rate(cfg, budget_s=2.0), steps


def test_the_measured_rate_is_the_one_at_the_runs_batch(monkeypatch):
    """A step costs a fixed part plus a part per example: batch 1 and batch 128 get their own rates."""
    import pytest

    # Fast steps: timed at the run's batch itself (capped at 32).
    one, _ = fake_rate(monkeypatch, 1, fixed=0.01, per_example=0.001)
    assert one == pytest.approx(1 / 0.011)
    big, steps = fake_rate(monkeypatch, 128, fixed=0.01, per_example=0.001)
    assert big == pytest.approx(32 / (0.01 + 0.032)) and max(steps.batches) == 32
    # Slow steps: the budget allows only smaller batches; the two sizes timed give the rate at 32.
    slow, steps = fake_rate(monkeypatch, 128, fixed=0.05, per_example=0.01)
    assert max(steps.batches) < 32
    assert slow == pytest.approx(32 / (0.05 + 0.32))
    slow_one, _ = fake_rate(monkeypatch, 1, fixed=0.05, per_example=0.01)
    assert slow_one == pytest.approx(1 / 0.06) and slow > 4 * slow_one


def test_rate_at_keeps_a_single_batchs_rate_and_ignores_a_line_tilted_by_noise():
    import pytest

    from convscope.core.training.introspect import rate_at

    assert rate_at([(4, 2.0)], 32) == 2.0  # one batch size (a very slow network): its rate
    assert rate_at([(4, 0.5), (12, 0.4)], 32) == 12 / 0.4  # the larger batch timed faster: noise
    assert rate_at([(4, 0.5), (12, 1.3)], 32) == pytest.approx(32 / (0.1 + 32 * 0.1))
