"""Stop and pause reach inside a long step and the evaluation pass, and keep the last finished state."""
import copy
import json
import threading

import pytest
import torch

from convscope.core.runs import checkpoints as C
from convscope.core.setup.config import make_config
from convscope.core.training import interrupt
from convscope.core.training.engine import Trainer

WAIT = 60  # seconds: generous, for a busy machine; the tests never wait for time, only for events
STEPS = 8  # an epoch of 256 images in batches of 32


@pytest.fixture(autouse=True)
def every_step_is_slow(monkeypatch):
    """The tiny network's steps take milliseconds: hook every step, as for a big network's."""
    monkeypatch.setattr(interrupt, "SLOW_STEP_S", 0.0)


def tiny(**overrides):
    """A small AlexNet with BatchNorm (running statistics a partial forward would change) and dropout."""
    values = dict(subset=256, epochs=3, batch_size=32, device="cpu", seed=5, width=0.125, batchnorm=True,
                  optimizer="sgd", momentum=0.9, lr=0.05, schedule="cosine")
    values.update(overrides)
    return make_config("alexnet", "mnist-sample", **values)


@pytest.fixture
def start():
    """Runs a trainer in a thread; a test that fails midway still leaves no thread behind."""
    started = []

    def run(trainer):
        box = {}
        thread = threading.Thread(target=lambda: box.setdefault("result", trainer.run()))
        thread.start()
        started.append((trainer, thread))
        return thread, box

    yield run
    for trainer, thread in started:
        trainer.stop()
        Blocker.release_all()
        thread.join(WAIT)


def states_equal(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for k in a:
        x, y = a[k], b[k]
        if isinstance(x, dict):
            if not isinstance(y, dict) or not states_equal(x, y):
                return False
        elif isinstance(x, torch.Tensor):
            if not torch.equal(x, y):
                return False
        elif isinstance(x, list) and x and isinstance(x[0], dict):
            if len(x) != len(y) or not all(states_equal(p, q) for p, q in zip(x, y)):
                return False
        elif x != y:
            return False
    return True


class Blocker:
    """Holds the training thread at one point of one step until the test lets it go on."""

    made: list = []

    def __init__(self):
        self.inside, self.go_on = threading.Event(), threading.Event()
        Blocker.made.append(self)

    @classmethod
    def release_all(cls):
        for blocker in cls.made:
            blocker.go_on.set()
        cls.made.clear()

    def block(self, *args):
        self.inside.set()
        assert self.go_on.wait(WAIT)


@pytest.mark.parametrize("where", ["forward", "backward"])
def test_a_stop_inside_a_step_keeps_the_state_from_before_that_step(start, tmp_path, where):
    stop_step = STEPS + 3  # the fourth step of epoch 2
    trainer = Trainer(tiny(), run_dir=str(tmp_path / "run"))
    trainer.setup()
    before = {}

    def snapshot(t, idx, xb):  # called with each batch, before its step
        if t.global_step == stop_step - 1:
            before["model"] = copy.deepcopy(t.model.state_dict())  # weights and BatchNorm buffers
            before["optimizer"] = copy.deepcopy(t.optimizer.state_dict())

    trainer.batch_hooks.append(snapshot)
    blocker = Blocker()

    def after_conv3(module, args, output):  # conv1 and conv2 and their BatchNorms have run
        if not module.training or trainer.global_step != stop_step - 1:
            return
        if where == "forward":
            blocker.block()
        else:
            output.register_hook(lambda grad: blocker.block())

    trainer.model.conv3.register_forward_hook(after_conv3)
    thread, box = start(trainer)
    assert blocker.inside.wait(WAIT)
    trainer.stop()
    blocker.go_on.set()
    thread.join(WAIT)
    assert not thread.is_alive()
    result = box["result"]
    assert (result.status, result.epochs) == ("stopped", 1)
    assert trainer.global_step == stop_step - 1  # the broken-off step did not count
    assert states_equal(trainer.model.state_dict(), before["model"])
    assert states_equal(trainer.optimizer.state_dict(), before["optimizer"])
    status = json.loads((tmp_path / "run" / C.STATUS).read_text())
    assert status["status"] == "stopped" and status["epoch"] == 1
    assert [r["epoch"] for r in C.read_metrics(tmp_path / "run")] == [1]
    saved = C.load_run(tmp_path / "run").model.state_dict()  # the partial weights kept for prediction
    assert states_equal(saved, before["model"])


def test_a_stop_during_the_test_pass_keeps_the_previous_epoch(start, tmp_path):
    trainer = Trainer(tiny(), run_dir=str(tmp_path / "run"))
    trainer.setup()
    blocker = Blocker()
    epoch1 = {}

    def in_evaluation(module, args):
        # The test pass, not a probe snapshot (one image): the epoch's examples in batches of 512.
        if not module.training and args[0].shape[0] > 1 and trainer.epochs_done == 1 and not blocker.inside.is_set():
            epoch1.update(examples=trainer.train_examples, seconds=trainer.train_seconds)
            blocker.block()

    trainer.model.conv2.register_forward_pre_hook(in_evaluation)
    thread, box = start(trainer)
    assert blocker.inside.wait(WAIT)
    assert trainer.global_step == 2 * STEPS  # epoch 2 trained, its test pass under way
    trainer.stop()
    blocker.go_on.set()
    thread.join(WAIT)
    assert not thread.is_alive()
    result = box["result"]
    assert (result.status, result.epochs) == ("stopped", 1)
    assert [h["epoch"] for h in trainer.history] == [1] and result.test_acc == trainer.history[0]["test_acc"]
    assert (trainer.train_examples, trainer.train_seconds) == (epoch1["examples"], epoch1["seconds"])
    assert trainer.model.training  # evaluation's eval mode was undone
    assert [r["epoch"] for r in C.read_metrics(tmp_path / "run")] == [1]  # no half evaluation written
    status = json.loads((tmp_path / "run" / C.STATUS).read_text())
    assert status["status"] == "stopped" and status["epoch"] == 1


def test_a_run_stopped_inside_a_step_resumes_to_where_an_uninterrupted_run_ends(start, tmp_path):
    cfg = tiny(epochs=2)
    whole = Trainer(cfg, run_dir=str(tmp_path / "whole"))
    assert whole.run().status == "completed"

    stopped = Trainer(cfg, run_dir=str(tmp_path / "resumed"))
    stopped.setup()
    blocker = Blocker()
    stopped.model.conv4.register_forward_hook(
        lambda m, a, o: blocker.block() if m.training and stopped.global_step == STEPS + 5 else None)
    thread, box = start(stopped)
    assert blocker.inside.wait(WAIT)
    stopped.stop()
    blocker.go_on.set()
    thread.join(WAIT)
    assert (box["result"].status, box["result"].epochs) == ("stopped", 1)

    resumed = Trainer.from_run(tmp_path / "resumed")
    assert resumed.run().status == "completed"
    a, b = C.read_metrics(tmp_path / "whole"), C.read_metrics(tmp_path / "resumed")
    assert [r["epoch"] for r in b] == [1, 2]
    for x, y in zip(a, b):
        for key in ("train_loss", "train_acc", "test_loss", "test_acc", "lr"):
            assert y[key] == pytest.approx(x[key], rel=1e-6, abs=1e-9), (key, x["epoch"])


def test_a_pause_inside_a_step_holds_it_there_and_resuming_changes_nothing(start):
    cfg = tiny(epochs=1)
    whole = Trainer(cfg)
    whole.run()

    trainer = Trainer(cfg)
    trainer.setup()
    reached = []

    def pause_in_the_middle(module, args, output):
        if module.training and trainer.global_step == 3 and not reached:
            reached.append("conv2")
            trainer.pause()  # the next layer's hook waits

    trainer.model.conv2.register_forward_hook(pause_in_the_middle)
    trainer.model.conv3.register_forward_pre_hook(
        lambda m, a: reached.append("conv3") if m.training and trainer.global_step == 3 else None)
    thread, box = start(trainer)
    deadline = threading.Event()
    while not reached and not deadline.wait(0.01):
        if not thread.is_alive():
            break
    thread.join(0.3)  # paused: it stays inside the step
    assert thread.is_alive() and reached == ["conv2"] and trainer.global_step == 3
    trainer.resume()
    thread.join(WAIT)
    assert not thread.is_alive() and reached == ["conv2", "conv3"]
    assert box["result"].status == "completed"
    assert box["result"].train_loss == whole.last_result.train_loss
    assert states_equal(trainer.model.state_dict(), whole.model.state_dict())


def test_fast_steps_are_not_hooked(monkeypatch):
    """Between batches is soon enough for a network that steps in milliseconds: no hooks on its layers."""
    monkeypatch.setattr(interrupt, "SLOW_STEP_S", 60.0)
    trainer = Trainer(tiny(epochs=1))
    hooked = []  # the hooks on a layer while each batch's step runs
    trainer.batch_hooks.append(lambda t, idx, xb: hooked.append(len(t.model.conv1._forward_pre_hooks)))
    assert trainer.run().status == "completed"
    assert hooked == [1] + [0] * (STEPS - 1)  # the first step is timed hooked, then none is


def test_a_big_network_is_evaluated_on_a_cpu_in_batches_a_stop_need_not_wait_long_for():
    nin = make_config("nin", "fashion-mnist-sample", form="d2l", device="cpu")
    batch = interrupt.evaluation_batch(nin, torch.device("cpu"))
    assert interrupt.MIN_EVAL_BATCH <= batch < 64  # ~1.5 GFLOPs an image: a few dozen at a time
    assert interrupt.evaluation_batch(nin, torch.device("cuda")) == interrupt.EVAL_BATCH
    assert interrupt.evaluation_batch(tiny(), torch.device("cpu")) == interrupt.EVAL_BATCH  # small inputs
