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
