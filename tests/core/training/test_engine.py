"""The training loop: config validation, events, control flags, divergence, reproducibility, run files."""
import json
import math
import threading

import numpy as np
import pytest

from convscope.core.models import get_spec
from convscope.core.runs.checkpoints import load_run
from convscope.core.setup.config import ConfigError, TrainConfig, make_config
from convscope.core.training.engine import Trainer
from convscope.core.training.events import EpochEnd, RunFinished, RunWarning, StepMetrics
from convscope.core.training.optim import warming_up


def tiny(**overrides):
    """LeNet on 256 offline digits: a real run of a second or two."""
    values = dict(subset=256, epochs=1, batch_size=32, device="cpu")
    values.update(overrides)
    return make_config("lenet", "mnist-sample", **values)


def run_collect(config, **kwargs):
    events = []
    trainer = Trainer(config, on_event=events.append, publish_interval=0, **kwargs)
    return trainer, trainer.run(), events


# ----------------------------------------------------------------------------------------- config
@pytest.mark.parametrize("overrides, message", [
    (dict(lr=0), "learning rate must be a positive number"),
    (dict(lr=-1e-3), "learning rate must be a positive number"),
    (dict(lr=float("nan")), "learning rate"),
    (dict(batch_size=0), "batch size"),
    (dict(epochs=0), "epochs"),
    (dict(optimizer="rmsprop"), "optimizer must be one of sgd, adam, adamw"),
    (dict(schedule="warmup"), "schedule"),
    (dict(momentum=1.5), "momentum"),
    (dict(width=0.5), "lenet has no 'width' option"),
    (dict(form="d2l"), "has no 'd2l' form"),
    (dict(lr="fast"), "invalid configuration value|learning rate"),
])
def test_bad_config_is_refused_with_a_clear_message(overrides, message):
    with pytest.raises(ConfigError, match=message):
        make_config("lenet", "mnist-sample", **overrides)


def test_unknown_names_suggest_the_right_ones():
    with pytest.raises(ConfigError, match="Did you mean 'lenet'"):
        make_config("lenett")
    with pytest.raises(ConfigError, match="unknown dataset 'mnits'"):
        make_config("lenet", "mnits")


def test_make_config_takes_the_architecture_defaults():
    spec = get_spec("lenet")
    cfg = make_config("lenet")
    for key, value in spec.defaults.items():
        assert getattr(cfg, key) == value
    assert make_config("lenet", lr=0.5).lr == 0.5
    cfg = TrainConfig.from_dict(cfg.to_dict())
    assert cfg == make_config("lenet")


def test_d2l_form_resizes_the_input():
    cfg = make_config("nin", "mnist-sample", form="d2l")
    assert cfg.input_size == (1, 224, 224)
    assert make_config("nin", "cifar10").input_size == (3, 32, 32)


# ------------------------------------------------------------------------------------------- runs
def test_events_arrive_in_order_and_cover_every_step():
    trainer, result, events = run_collect(tiny(epochs=2))
    assert result.status == "completed" and result.epochs == 2
    kinds = [type(e).__name__ for e in events]
    assert kinds[0] == "RunStarted" and kinds[-1] == "RunFinished"
    assert kinds.count("EpochEnd") == 2
    steps = np.concatenate([e.global_steps for e in events if isinstance(e, StepMetrics)])
    assert steps.tolist() == list(range(1, 2 * trainer.steps_per_epoch + 1))
    losses = np.concatenate([e.losses for e in events if isinstance(e, StepMetrics)])
    assert np.isfinite(losses).all() and losses.dtype == np.float32
    ends = [e for e in events if isinstance(e, EpochEnd)]
    assert [e.epoch for e in ends] == [1, 2]
    assert 0 <= ends[-1].test_acc <= 1 and ends[-1].test_loss > 0
    assert result.test_acc == ends[-1].test_acc and result.examples_per_s > 0


def test_training_learns_real_digits():
    _, result, _ = run_collect(tiny(subset=1024, epochs=2))
    assert result.test_acc > 0.8, result


def test_stop_takes_effect_within_one_batch():
    trainer = Trainer(tiny(epochs=3))
    stopped_at = []

    def hook(t):
        if t.global_step == 3:
            t.stop()
            stopped_at.append(t.global_step)

    trainer.step_hooks.append(hook)
    result = trainer.run()
    assert result.status == "stopped" and trainer.global_step == 3 and stopped_at == [3]


def test_pause_holds_progress_and_stop_while_paused_finishes():
    trainer = Trainer(tiny(epochs=3))
    paused = threading.Event()

    def hook(t):
        if t.global_step == 2:
            t.pause()
            paused.set()

    trainer.step_hooks.append(hook)
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("r", trainer.run()))
    thread.start()
    assert paused.wait(60)
    step = trainer.global_step
    thread.join(0.5)
    assert thread.is_alive() and trainer.global_step == step == 2
    trainer.resume()
    trainer.pause()  # pause again, then stop while paused: must finish
    trainer.stop()
    thread.join(30)
    assert not thread.is_alive()
    assert box["r"].status == "stopped"


def test_huge_learning_rate_diverges_with_a_hint():
    _, result, events = run_collect(tiny(lr=1000.0, optimizer="sgd", momentum=0.0, schedule="constant"))
    assert result.status == "diverged"
    assert "1000" in result.message and "lower the learning rate" in result.message
    assert isinstance(events[-1], RunFinished)


def stuck_warnings(events):
    return [e for e in events if isinstance(e, RunWarning) and e.kind == "stuck"]


def test_stuck_at_chance_warns_once_and_goes_on():
    # 32 steps an epoch: the warning waits for STUCK_MIN_STEPS (50), so it comes after epoch 2.
    cfg = tiny(lr=1e-12, optimizer="sgd", momentum=0.0, schedule="constant", epochs=3, batch_size=8)
    _, result, events = run_collect(cfg)
    warnings = stuck_warnings(events)
    assert result.status == "completed" and result.epochs == 3
    assert len(warnings) == 1
    assert warnings[0].message.startswith("epoch 2:")
    assert "ln 10" in warnings[0].message and "1e-12" in warnings[0].message


def test_stuck_warning_waits_for_enough_steps_and_the_end_of_a_warm_up():
    # 8 steps in all: too few to call the network stuck.
    _, _, events = run_collect(tiny(lr=1e-12, optimizer="sgd", momentum=0.0, schedule="constant"))
    assert stuck_warnings(events) == []
    # One-cycle over 10 epochs of 8 steps: the rate rises for the first 24 steps and the warning may
    # only come once the 50 steps are done, at the end of epoch 7.
    cfg = tiny(lr=1e-12, optimizer="sgd", momentum=0.0, schedule="onecycle", epochs=10)
    _, _, events = run_collect(cfg)
    warnings = stuck_warnings(events)
    assert len(warnings) == 1 and warnings[0].message.startswith("epoch 7:")
    # Past the steps but still warming up (a one-cycle schedule of 200 steps warms up for 60).
    trainer = Trainer(tiny(lr=1e-12, optimizer="sgd", momentum=0.0, schedule="onecycle", epochs=25,
                             batch_size=32), publish_interval=0)
    seen = []
    trainer.on_event = seen.append
    trainer.step_hooks.append(lambda t: t.global_step == 56 and t.stop())
    trainer.run()
    assert trainer.global_step == 56 and warming_up(trainer.scheduler)
    assert stuck_warnings(seen) == []


def test_same_seed_same_losses_different_seed_different():
    def losses(seed):
        _, _, events = run_collect(tiny(seed=seed, shift=2))
        return np.concatenate([e.losses for e in events if isinstance(e, StepMetrics)])

    a, b, c = losses(1), losses(1), losses(2)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_more_epochs_continue_from_where_the_run_stopped():
    trainer = Trainer(tiny(epochs=1))
    assert trainer.run().epochs == 1
    step = trainer.global_step
    result = trainer.run(epochs=1)
    assert result.status == "completed" and result.epochs == 2
    assert trainer.global_step == 2 * step and [h["epoch"] for h in trainer.history] == [1, 2]


def test_run_directory_is_written_and_loads_back(tmp_path):
    out = tmp_path / "run"
    trainer, result, _ = run_collect(tiny(epochs=2), run_dir=str(out))
    assert result.run_dir == str(out)
    lines = (out / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in lines] == [1, 2]
    assert json.loads((out / "status.json").read_text())["status"] == "completed"
    assert json.loads((out / "config.json").read_text())["arch"] == "lenet"
    assert not list(out.glob(".tmp-*"))
    run = load_run(out)
    trainer.model.eval()
    for key, value in trainer.model.state_dict().items():
        assert np.array_equal(run.model.state_dict()[key].numpy(), value.numpy()), key
    assert run.epoch == 2


def test_divergence_keeps_the_last_good_weights(tmp_path):
    out = tmp_path / "run"
    trainer = Trainer(tiny(epochs=1), run_dir=str(out))
    assert trainer.run().status == "completed"
    good = (out / "model.safetensors").read_bytes()
    for group in trainer.optimizer.param_groups:
        group["lr"] = 1e9
    result = trainer.run(epochs=1)
    assert result.status == "diverged"
    assert (out / "model.safetensors").read_bytes() == good
    assert json.loads((out / "status.json").read_text())["status"] == "diverged"
    assert math.isfinite(load_run(out).model.fc3.weight.sum().item())


def test_published_weights_are_a_copy():
    events = []
    trainer = Trainer(tiny(), on_event=events.append, publish_weights=True)
    trainer.run()
    weights = next(e for e in events if isinstance(e, EpochEnd)).weights
    assert set(weights) == set(trainer.model.state_dict())
    live = trainer.model.state_dict()["conv1.weight"]
    assert weights["conv1.weight"].data_ptr() != live.data_ptr()
    assert weights["conv1.weight"].device.type == "cpu"


def test_image_size_resizes_the_input_and_is_checked_when_the_config_is_made():
    cfg = tiny(image_size=32)
    assert cfg.input_size == (1, 32, 32)
    trainer, result, _ = run_collect(cfg)
    assert result.status == "completed"
    # The model was built for 32 px: its first linear layer sees LeNet's 5×5 maps of a 32-px input.
    assert trainer.preprocess(trainer.test.images[:2]).shape == (2, 1, 32, 32)
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ConfigError, match="d2l form resizes the images to 224 px itself"):
        make_config("nin", "mnist-sample", form="d2l", image_size=32)
    with pytest.raises(ConfigError, match="from 8 to 512"):
        tiny(image_size=4)
    with pytest.raises(ConfigError, match="from 8 to 512"):
        tiny(image_size=True)
    # Too small for the network: the message names the size given and the way out.
    with pytest.raises(ConfigError, match=r"resized to 16×16: set the image size to at least 28\.$"):
        tiny(image_size=16)


def test_compile_wraps_the_training_steps_and_says_so(monkeypatch):
    """--compile: the steps call what torch.compile returns; the live views and the files keep the
    eager model, and a warning says the first steps are slow."""
    import torch

    from convscope.core.training.events import COMPILING

    class Counting(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner, self.calls = inner, 0

        def forward(self, x):
            self.calls += 1
            return self.inner(x)

    wrappers = []
    monkeypatch.setattr(torch, "compile", lambda module: wrappers.append(Counting(module)) or wrappers[-1])
    events = []
    trainer = Trainer(tiny(subset=128, batch_size=32, compile=True), on_event=events.append)
    result = trainer.run()
    assert result.status == "completed", result.message
    assert len(wrappers) == 1 and wrappers[0].inner is trainer.model
    assert wrappers[0].calls == trainer.global_step == 4 * trainer.config.epochs
    assert [e.kind for e in events if isinstance(e, RunWarning)] == [COMPILING]
    with pytest.raises(ConfigError, match="compile must be true or false"):
        tiny(compile="yes")
