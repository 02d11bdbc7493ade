"""Failure modes of the training engine and the command line (docs/reliability.md, modes 6–8 and 11–13).

Each test runs LeNet on a few offline digits, with the failure injected where it would really happen: the
training step (out of memory, a broken loss), the dataset files, the run directory's writes.
"""
import errno
import json
import math
import pickle
import re
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from convscope.core.base.devices import is_out_of_memory
from convscope.core.cli import main
from convscope.core.models import get_spec, list_models
from convscope.core.runs import checkpoints as C
from convscope.core.setup.build import build_model
from convscope.core.setup.config import MODEL_OPTIONS, ConfigError, TrainConfig, make_config
from convscope.core.training.engine import Trainer
from convscope.core.training.evaluation import evaluate_model
from convscope.core.training.events import EpochEnd, RunFinished, RunWarning, StepMetrics
from tests.conftest import FullDisk, idx_bytes, write_cifar, write_mnist


def tiny(**overrides):
    """LeNet on 128 offline digits: four steps of 32 per epoch."""
    values = dict(subset=128, epochs=1, batch_size=32, device="cpu")
    values.update(overrides)
    return make_config("lenet", "mnist-sample", **values)


def of(events, kind):
    return [e for e in events if isinstance(e, kind)]


def oom_warnings(events):
    return [e for e in of(events, RunWarning) if e.kind == "oom"]


def last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


class Recorder:
    """Collects events and snapshots the run directory's weights file at every epoch end."""

    def __init__(self, run_dir: Path | None = None):
        self.events, self.run_dir, self.saved = [], run_dir, {}

    def __call__(self, event):
        self.events.append(event)
        if isinstance(event, EpochEnd) and self.run_dir and (self.run_dir / C.WEIGHTS).exists():
            self.saved[event.epoch] = (self.run_dir / C.WEIGHTS).read_bytes()


def patch_step(trainer, change):
    """Wrap the trainer's optimizer step: ``change(trainer, idx, real_step)`` runs instead of it."""
    real = trainer._step
    trainer._step = lambda idx: change(trainer, idx, real)


def cuda_oom():
    return torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 4.00 GiB "
                                       "total capacity; 3.10 GiB already allocated)")


# ----------------------------------------------------------------------------- 6: NaN/inf loss
@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_loss_ends_diverged_and_keeps_the_last_good_checkpoint(tmp_path, bad):
    out = tmp_path / "run"
    rec = Recorder(out)
    trainer = Trainer(tiny(epochs=3), on_event=rec, run_dir=str(out), publish_interval=0)

    def step(t, idx, real):
        loss, correct = real(idx)
        if t.global_step == t.steps_per_epoch + 1:  # the second step of epoch 2
            loss = loss * bad
        return loss, correct

    patch_step(trainer, step)
    result = trainer.run()
    assert result.status == "diverged" and result.epochs == 1
    assert "loss became NaN/infinite" in result.message
    assert "lower the learning rate (now 0.003; try 0.0003)" in result.message
    assert isinstance(rec.events[-1], RunFinished) and len(of(rec.events, EpochEnd)) == 1
    # The non-finite loss was published (the plots filter it) and nothing after it.
    published = of(rec.events, StepMetrics)
    assert not np.isfinite(published[-1].losses).all() and published[-1].step == 2
    # On disk: epoch 1, untouched.
    assert (out / C.WEIGHTS).read_bytes() == rec.saved[1]
    assert [m["epoch"] for m in C.read_metrics(out)] == [1]
    status = json.loads((out / C.STATUS).read_text())
    assert status["status"] == "diverged" and "lower the learning rate" in status["message"]
    C.load_run(out)
    C.load_optimizer_state(out)


def test_weights_broken_by_an_epochs_last_step_are_not_saved(tmp_path):
    """A finite loss whose step still wrecks the weights: caught before the epoch is written."""
    out = tmp_path / "run"
    rec = Recorder(out)
    trainer = Trainer(tiny(epochs=2), on_event=rec, run_dir=str(out))

    def step(t, idx, real):
        loss, correct = real(idx)
        if t.global_step == 2 * t.steps_per_epoch - 1:  # the last step of epoch 2
            with torch.no_grad():
                t.model.fc3.weight[0, 0] = float("inf")
        return loss, correct

    patch_step(trainer, step)
    result = trainer.run()
    assert result.status == "diverged" and "weights became NaN/infinite" in result.message
    assert (out / C.WEIGHTS).read_bytes() == rec.saved[1]
    assert math.isfinite(C.load_run(out).model.fc3.weight.sum().item())
    with pytest.raises(C.CheckpointError, match="NaN/infinite weights"):
        trainer.save_to(tmp_path / "elsewhere")


def test_a_stop_after_a_good_epoch_saves_the_partial_epoch_but_never_broken_weights(tmp_path):
    out = tmp_path / "run"
    trainer = Trainer(tiny(epochs=3), run_dir=str(out), publish_interval=1e9)
    trainer.step_hooks.append(lambda t: t.stop() if t.global_step == 6 else None)
    assert trainer.run().status == "stopped"
    assert C.load_run(out).info["partial"] == "True" and C.load_run(out).info["step"] == "6"
    kept = (out / C.WEIGHTS).read_bytes()
    with torch.no_grad():
        trainer.model.conv1.weight.fill_(float("nan"))
    trainer.step_hooks[:] = [lambda t: t.stop()]
    assert trainer.run(epochs=1).status == "stopped"
    assert (out / C.WEIGHTS).read_bytes() == kept


# ------------------------------------------------------------------------------- 7: out of memory
def test_out_of_memory_halves_the_batch_until_it_fits(tmp_path):
    out = tmp_path / "run"
    rec = Recorder(out)
    cfg = tiny(batch_size=64, epochs=2, schedule="onecycle")
    trainer = Trainer(cfg, on_event=rec, run_dir=str(out), publish_interval=0)
    sizes = []

    def step(t, idx, real):
        sizes.append(len(idx))
        if len(idx) > 16:  # this "GPU" holds 16 images
            raise cuda_oom()
        return real(idx)

    patch_step(trainer, step)
    result = trainer.run()
    assert result.status == "completed" and result.epochs == 2, result.message
    assert sizes[:3] == [64, 32, 16] and set(sizes[2:]) == {16}
    warnings = oom_warnings(rec.events)
    assert len(warnings) == 2
    assert "out of GPU memory at batch 64" in warnings[0].message
    assert "starts again with batch 16" in warnings[1].message
    assert trainer.batch_size == 16 and trainer.steps_per_epoch == 8 and cfg.batch_size == 64
    assert {e.steps_per_epoch for e in of(rec.events, StepMetrics)} == {8}
    assert trainer.train_examples == 2 * 128
    # The one-cycle schedule was laid out again over the smaller steps: it ends where a run at batch 16
    # ends.
    at_16 = Trainer(tiny(batch_size=16, epochs=2, schedule="onecycle"))
    at_16.run()
    assert trainer.current_lr() == pytest.approx(at_16.current_lr()) and at_16.global_step == 16
    assert json.loads((out / C.STATUS).read_text())["batch_size"] == 16
    C.load_run(out)


def test_out_of_memory_in_the_middle_of_an_epoch_starts_that_epoch_again():
    events = []
    cfg = tiny(epochs=2, schedule="cosine")
    trainer = Trainer(cfg, on_event=events.append, publish_interval=0)
    failed = []

    def step(t, idx, real):
        if t.global_step == 6 and not failed:  # the third step of epoch 2, once
            failed.append(t.global_step)
            raise RuntimeError("CUDA error: out of memory")
        return real(idx)

    patch_step(trainer, step)
    result = trainer.run()
    assert result.status == "completed" and result.epochs == 2
    assert [w.message for w in oom_warnings(events)] == [
        "out of memory at batch 32: epoch 2 starts again with batch 16 (used for the rest of the run)."]
    steps = np.concatenate([e.global_steps for e in of(events, StepMetrics)])
    assert steps.tolist() == list(range(1, 4 + 2 + 8 + 1))  # the plots' step axis never goes back
    last = of(events, StepMetrics)[-1]
    assert last.epoch == 2 and last.step == last.steps_per_epoch == 8
    assert [h["epoch"] for h in trainer.history] == [1, 2]
    assert all(math.isfinite(h["train_loss"]) for h in trainer.history)
    assert trainer.current_lr() < cfg.lr * 0.01  # the cosine schedule still reached its end


def test_out_of_memory_at_the_smallest_batch_fails_with_advice(tmp_path, capsys, monkeypatch):
    rec = Recorder()
    trainer = Trainer(tiny(), on_event=rec)
    patch_step(trainer, lambda t, idx, real: (_ for _ in ()).throw(cuda_oom()))
    result = trainer.run()
    assert result.status == "failed"
    assert result.message.startswith(
        "out of GPU memory even at batch 8: reduce the batch size or use the CPU")
    assert [w.message.split(":")[0] for w in oom_warnings(rec.events)] == [
        "out of GPU memory at batch 32", "out of GPU memory at batch 16"]

    # The same through the command line: exit code 1, the advice in the JSON, no traceback.
    monkeypatch.setattr(Trainer, "_step", lambda self, idx: (_ for _ in ()).throw(cuda_oom()))
    code = main(["train", "--subset", "64", "--epochs", "1", "--device", "cpu", "--json",
                 "--out", str(tmp_path / "run")])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in err
    assert "reduce the batch size or use the CPU" in last_json(out)["message"]
    assert json.loads((tmp_path / "run" / C.STATUS).read_text())["status"] == "failed"


def test_other_runtime_errors_are_not_taken_for_out_of_memory():
    trainer = Trainer(tiny())
    patch_step(trainer, lambda t, idx, real: (_ for _ in ()).throw(
        RuntimeError("mat1 and mat2 shapes cannot be multiplied (32x400 and 256x120)")))
    result = trainer.run()
    assert result.status == "failed" and "mat1 and mat2 shapes" in result.message
    assert trainer.batch_size == 32
    assert is_out_of_memory(cuda_oom()) and is_out_of_memory(RuntimeError("CUDA error: out of memory"))
    assert not is_out_of_memory(ValueError("out of memory"))


def test_evaluation_out_of_memory_retries_with_smaller_batches():
    trainer = Trainer(tiny())
    trainer.run()
    expected = evaluate_model(trainer.model, trainer.preprocess, trainer.test, batch_size=100)
    seen = []

    def forward_hook(module, inputs):
        seen.append(len(inputs[0]))
        if len(inputs[0]) > 100:
            raise cuda_oom()

    handle = trainer.model.register_forward_pre_hook(forward_hook)
    try:
        got = evaluate_model(trainer.model, trainer.preprocess, trainer.test, batch_size=512)
    finally:
        handle.remove()
    assert seen[:3] == [500, 256, 128] and max(seen[3:]) == 64  # 500 test images
    assert got[1] == expected[1] and got[0] == pytest.approx(expected[0], rel=1e-6)


# ------------------------------------------------------------------------------ 8: reproducibility
def test_same_seed_same_weights_whatever_ran_before_and_with_or_without_a_run_directory(tmp_path):
    a = Trainer(tiny(seed=7, shift=2))
    a.run()
    torch.manual_seed(1234)
    torch.rand(1000)
    np.random.rand(10)
    b = Trainer(tiny(seed=7, shift=2), run_dir=str(tmp_path / "run"))
    b.run()
    wa, wb = a.weights_copy(), b.weights_copy()
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert [h["train_loss"] for h in a.history] == [h["train_loss"] for h in b.history]


def test_plain_sgd_keeps_momentum_zero_under_the_one_cycle_schedule():
    """d2l's plain SGD (momentum 0) stays plain: the one-cycle schedule cycles only Adam's beta1."""
    trainer = Trainer(tiny(optimizer="sgd", momentum=0.0, lr=0.05, schedule="onecycle"))
    trainer.step_hooks.append(lambda t: momenta.append(t.optimizer.param_groups[0]["momentum"]))
    momenta = []
    assert trainer.run().status == "completed"
    assert set(momenta) == {0.0}


# ---------------------------------------------------------------------------------- 11: datasets
def _set_idx(root, name, array):
    path = root / "MNIST" / "raw" / name
    path.write_bytes(idx_bytes(array))


def _gz_root(root):
    write_mnist(root, gz=True, n_train=64, n_test=16)
    return root / "MNIST" / "raw"


def _truncate_gz(root):
    path = _gz_root(root) / "train-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-12])


def _corrupt_gz(root):
    path = _gz_root(root) / "train-images-idx3-ubyte.gz"
    data = bytearray(path.read_bytes())
    data[len(data) // 2: len(data) // 2 + 64] = bytes(64)
    path.write_bytes(bytes(data))


def _cifar_pickle_with_code(root):
    write_cifar(root, n_per_batch=8)

    class Payload:
        def __reduce__(self):
            return (exec, (f"open({str(root / 'code-ran')!r}, 'w').close()",))

    (root / "cifar-10-batches-py" / "data_batch_3").write_bytes(pickle.dumps({"data": Payload()}))


def _cifar_wrong_shape(root):
    write_cifar(root, n_per_batch=8)
    batch = {"data": np.zeros((8, 100), np.uint8), "labels": [0] * 8}
    (root / "cifar-10-batches-py" / "data_batch_1").write_bytes(pickle.dumps(batch))


def _mnist(root, **kw):
    write_mnist(root, n_train=64, n_test=16)
    for name, array in kw.items():
        _set_idx(root, name.replace("_", "-"), array)


@pytest.mark.parametrize("dataset, damage, message", [
    ("mnist", lambda r: (write_mnist(r, n_train=64, n_test=16),
                         (r / "MNIST/raw/train-labels-idx1-ubyte").unlink()),
     r"train split not found — expected train-images-idx3-ubyte, train-labels-idx1-ubyte"),
    ("mnist", lambda r: (write_mnist(r, n_train=64, n_test=16), (r / "MNIST/raw/train-images-idx3-ubyte")
                         .write_bytes((r / "MNIST/raw/train-images-idx3-ubyte").read_bytes()[:-500])),
     r"train-images-idx3-ubyte in .* is truncated or padded"),
    ("mnist", _truncate_gz, r"cannot read train-labels-idx1-ubyte\.gz in "),
    ("mnist", _corrupt_gz, r"cannot read train-images-idx3-ubyte\.gz in "),
    ("mnist", lambda r: _mnist(r, train_labels_idx1_ubyte=np.zeros((64, 28, 28), np.uint8)),
     r"train-images-idx3-ubyte/train-labels-idx1-ubyte in .* swapped or of the wrong kind"),
    ("mnist", lambda r: _mnist(r, train_images_idx3_ubyte=np.zeros((64, 32, 32), np.uint8)),
     r"train-images-idx3-ubyte/train-labels-idx1-ubyte in .* should be 1×28×28, these are 1×32×32"),
    ("mnist", lambda r: _mnist(r, train_labels_idx1_ubyte=np.full(64, 12, np.uint8)),
     r"train-labels-idx1-ubyte in .* labels fall outside 0\.\.9"),
    ("mnist", lambda r: _mnist(r, train_images_idx3_ubyte=np.zeros((0, 28, 28), np.uint8),
                               train_labels_idx1_ubyte=np.zeros(0, np.uint8)),
     r"train-images-idx3-ubyte/train-labels-idx1-ubyte in .* holds no train examples"),
    ("mnist", lambda r: (write_mnist(r, n_train=64, n_test=16),
                         (r / "MNIST/raw/t10k-images-idx3-ubyte").write_text("<html>404</html>")),
     r"t10k-images-idx3-ubyte in .* is not an IDX file"),
    ("cifar10", _cifar_pickle_with_code, r"data_batch_3 in .* is not a CIFAR-10 python batch"),
    ("cifar10", _cifar_wrong_shape, r"data_batch_1 in .* has data of shape \(8, 100\)"),
])
def test_a_broken_dataset_is_named_before_training(tmp_path, capsys, dataset, damage, message):
    root = tmp_path / "data"
    root.mkdir()
    damage(root)
    arch = "lenet-cifar" if dataset == "cifar10" else "lenet"
    events = []
    trainer = Trainer(make_config(arch, dataset, data_root=str(root), epochs=1, device="cpu"),
                        on_event=events.append)
    result = trainer.run()
    assert result.status == "failed" and len(events) == 1  # RunFinished only: nothing trained
    assert re.search(message, result.message), result.message
    code = main(["train", "--arch", arch, "--dataset", dataset, "--data-root", str(root), "--epochs", "1",
                 "--device", "cpu"])
    _, err = capsys.readouterr()
    assert code == 2 and len(err.strip().splitlines()) == 1 and re.search(message, err), err
    assert not (root / "code-ran").exists()


# ------------------------------------------------------------------ 12: any config, any arguments
ARCHS = [spec.name for spec in list_models()]
DATASETS = ["mnist-sample", "mnist", "fashion-mnist", "cifar10"]
numbers = st.one_of(st.integers(-5, 70_000), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0, 1, 2, 0.5, 1e-3, 1e9, -1.0]))
anything = st.one_of(numbers, st.booleans(), st.none(), st.text(max_size=6), st.lists(st.integers(), max_size=2))
SENSIBLE = {  # values a student could pick in the window
    "form": st.sampled_from(["native", "d2l"]),
    "image_size": st.sampled_from([8, 16, 24, 32, 48, 64]),
    "width": st.sampled_from([0.25, 0.5, 1.0, 2.0]),
    "batchnorm": st.booleans(), "shortcut": st.booleans(), "factorize": st.booleans(),
    "dropout": st.floats(0, 0.9), "activation": st.sampled_from(["relu", "sigmoid"]),
    "epochs": st.integers(1, 100), "batch_size": st.integers(1, 1024),
    "lr": st.floats(1e-6, 10), "momentum": st.floats(0, 0.99), "weight_decay": st.floats(0, 0.01),
    "label_smoothing": st.floats(0, 0.5), "shift": st.integers(0, 8), "seed": st.integers(0, 2**40),
    "subset": st.integers(1, 10_000),
    "optimizer": st.sampled_from(["sgd", "adam", "adamw"]),
    "schedule": st.sampled_from(["constant", "step", "cosine", "onecycle"]),
    "device": st.sampled_from(["cpu", "auto"]),
}
WILD = {  # anything at all
    **{key: st.one_of(value, anything) for key, value in SENSIBLE.items()},
    "form": st.sampled_from(["native", "d2l", "D2L", 3]),
    "activation": st.sampled_from(["relu", "sigmoid", "tanh", None, 1]),
    "optimizer": st.sampled_from(["sgd", "adam", "adamw", "rmsprop", 1]),
    "schedule": st.sampled_from(["constant", "step", "cosine", "onecycle", "warmup"]),
    "device": st.sampled_from(["cpu", "auto", "gpu"]),
}


@settings(max_examples=100, deadline=None, database=None)
@given(data=st.data())
def test_any_config_builds_a_model_that_fits_its_input_or_is_refused_with_a_reason(data):
    """Incompatible sizes and options are caught when the config is made, never in the training loop."""
    wild = data.draw(st.booleans(), label="wild")
    arch = data.draw(st.sampled_from(ARCHS + (["lenett", "", "VGG11"] if wild else [])), label="arch")
    dataset = data.draw(st.sampled_from(DATASETS + (["imagenet"] if wild else [])), label="dataset")
    keys = list(WILD) if wild else [k for k in SENSIBLE if k not in MODEL_OPTIONS
                                     or k in get_spec(arch).options]
    if not wild and "d2l" not in get_spec(arch).forms:
        keys.remove("form")
    values = data.draw(st.fixed_dictionaries({}, optional={k: (WILD if wild else SENSIBLE)[k] for k in keys}),
                       label="values")
    try:
        cfg = make_config(arch, dataset, **values)
    except ConfigError as exc:
        event("refused")
        assert len(str(exc)) > 10 and "\n" not in str(exc)
        return
    event("accepted")
    # On the meta device shapes are checked as on a real one (a kernel or pool larger than its input,
    # a flatten that does not fit the linear layer), without computing anything.
    with torch.device("meta"), torch.no_grad():
        out = build_model(cfg).eval()(torch.zeros(2, *cfg.input_size))
    assert out.shape == (2, cfg.info.num_classes)
    assert TrainConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg


@pytest.mark.parametrize("overrides", [dict(batch_size=1), dict(subset=1)])
def test_batchnorm_with_batches_of_one_is_refused_before_training(overrides):
    events = []
    cfg = make_config("resnet-small", "mnist-sample", **{"subset": 64, "epochs": 1, "device": "cpu",
                                                           **overrides})
    result = Trainer(cfg, on_event=events.append).run()
    assert result.status == "failed" and [type(e) for e in events] == [RunFinished]
    assert "BatchNorm, which needs at least 2 examples per batch" in result.message


@pytest.fixture(scope="module")
def tiny_roots(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    write_mnist(root, n_train=64, n_test=16)
    write_cifar(root, n_per_batch=16)
    blocker = root / "a-file"
    blocker.write_text("not a folder")
    return {"good": str(root), "missing": str(root / "nowhere"), "file": str(blocker)}


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_train_arguments_train_or_are_refused_in_one_line(tiny_roots, tmp_path_factory, capsys, caplog, data):
    """Every command line trains (exit 0 or 3) or is refused with one line (exit 2): no traceback, no hang."""
    wild = data.draw(st.booleans(), label="wild")

    def option(name, sensible, wild_values=None):
        wild_values = st.text(max_size=5) if wild_values is None else wild_values
        values = st.one_of(sensible, wild_values) if wild else sensible
        return st.one_of(st.just([]), st.builds(lambda v: [name, str(v)], values))

    datasets = ["mnist-sample", "mnist", "cifar10"] + (["fashion-mnist", "svhn"] if wild else [])
    dataset = data.draw(st.sampled_from(datasets))
    argv = ["train", "--dataset", dataset]
    if dataset != "mnist-sample":  # no download attempts: a root is always given
        roots = ["good", "missing", "file"] if wild else ["good"]
        argv += ["--data-root", tiny_roots[data.draw(st.sampled_from(roots))]]
    parts = [
        option("--arch", st.sampled_from(["lenet", "lenet-cifar"]), st.sampled_from(["lenett", "nin "])),
        option("--epochs", st.integers(1, 3), st.integers(-1, 0)),
        option("--batch-size", st.integers(1, 80), st.sampled_from([-1, 0, 70_000])),
        option("--lr", st.sampled_from(["1e-3", "0.1", "3", "1e9", "1e-300"]),
               st.sampled_from(["0", "-1", "nan", "inf", "1e999"])),
        option("--optimizer", st.sampled_from(["sgd", "adam", "adamw"]), st.just("lbfgs")),
        option("--momentum", st.sampled_from(["0", "0.5", "0.99"]), st.sampled_from(["1", "-0.1"])),
        option("--weight-decay", st.sampled_from(["0", "5e-4", "0.5"]), st.sampled_from(["1", "2"])),
        option("--schedule", st.sampled_from(["constant", "step", "cosine", "onecycle"]), st.just("poly")),
        option("--label-smoothing", st.sampled_from(["0", "0.1", "0.9"]), st.just("1")),
        option("--shift", st.integers(0, 8), st.sampled_from([-1, 9, 100])),
        option("--activation", st.sampled_from(["relu", "sigmoid"]), st.just("tanh")),
        option("--seed", st.integers(0, 2**62), st.sampled_from([-1, 2**64])),
        option("--device", st.sampled_from(["cpu", "auto"]), st.sampled_from(["cuda", "tpu"])),
        option("--image-size", st.sampled_from([28, 32, 36]), st.sampled_from([0, 4, 600, "x"])),
    ]
    if wild:  # options LeNet does not take, stray words
        parts += [option("--form", st.sampled_from(["native", "d2l"])),
                  option("--width", st.sampled_from(["0.5", "1", "5", "0"])),
                  option("--dropout", st.sampled_from(["0", "0.5", "1"])),
                  st.sampled_from([[], ["--batchnorm"], ["--no-shortcut"]]),
                  st.lists(st.sampled_from(["--bogus", "extra", "--subset", "-x"]), max_size=1)]
    parts.append(st.sampled_from([[], ["--json"]]))
    for part in data.draw(st.permutations(parts)):
        argv += data.draw(part)
    out_dir = tmp_path_factory.mktemp("runs")
    outs = [[], ["--out", str(out_dir / "run")]] + ([["--out", tiny_roots["file"]]] if wild else [])
    argv += data.draw(st.sampled_from(outs))
    argv += ["--subset", "64", "--epochs", "1"]  # keep the run tiny (a bad value earlier is still refused)

    caplog.clear()
    t0 = time.monotonic()
    code = main(argv)
    elapsed = time.monotonic() - t0
    out, err = capsys.readouterr()
    event(f"exit code {code}")
    assert "Traceback" not in out + err, argv
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")], argv
    assert elapsed < 120, argv  # a tiny run takes a second or two
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and len(lines[0]) > 20, (argv, err)
    else:
        assert code in (0, 3), (argv, code, err)  # completed, or diverged with its hint
        if "--json" in argv:
            result = last_json(out)
            assert result["status"] == ("completed" if code == 0 else "diverged") and result["epochs"] <= 1
        if code == 3:  # the result line (stdout without --json) and the hint
            assert "lower the learning rate" in out + err


# ---------------------------------------------------------------------- 13: disk full, read-only
def test_a_full_disk_ends_the_run_clearly_and_keeps_the_training_in_memory(tmp_path, monkeypatch):
    out = tmp_path / "run"
    disk = FullDisk(monkeypatch)
    rec = Recorder(out)
    snapshots = {}

    def on_event(event):
        rec(event)
        if isinstance(event, EpochEnd):
            snapshots[event.epoch] = event.weights
            disk.full = event.epoch == 1  # the disk fills up during epoch 2, and is freed later

    trainer = Trainer(tiny(epochs=3), on_event=on_event, run_dir=str(out), publish_weights=True)
    result = trainer.run()
    assert result.status == "failed"
    msg = result.message
    assert f"could not write the run directory {out}: No space left on device (the disk is full)" in msg
    assert "Training stopped after epoch 2; the files there still hold epoch 1" in msg
    assert "still in memory" in msg and msg.count("could not write") == 1
    # In memory: both epochs, and the model of epoch 2.
    assert [h["epoch"] for h in trainer.history] == [1, 2] and trainer.epochs_done == 2
    assert trainer.write_failed and trainer.saved_epoch == 1
    assert result.history == trainer.history and result.test_acc == trainer.history[-1]["test_acc"]
    # Saving elsewhere on the same full disk fails clearly and leaves no half-saved folder.
    with pytest.raises(C.CheckpointError, match="No space left on device"):
        trainer.save_to(tmp_path / "attempt")
    assert not (tmp_path / "attempt").exists()
    # On disk: a valid run at epoch 1, no half-written files.
    disk.full = False
    run = C.load_run(out)
    assert all(torch.equal(run.model.state_dict()[k], v) for k, v in snapshots[1].items())
    assert [m["epoch"] for m in run.metrics] == [1] and run.status["status"] == "running"
    C.load_optimizer_state(out)
    assert not list(out.glob(C.TMP_PREFIX + "*"))

    # Saved elsewhere, the whole run is there; training then goes on, written to the new folder.
    other = tmp_path / "elsewhere"
    assert trainer.save_to(other) == str(other)
    saved = C.load_run(other)
    assert all(torch.equal(saved.model.state_dict()[k], v) for k, v in trainer.weights_copy().items())
    assert [m["epoch"] for m in saved.metrics] == [1, 2] and saved.status["status"] == "stopped"
    assert trainer.run(epochs=1).status == "completed"
    assert [m["epoch"] for m in C.read_metrics(other)] == [1, 2, 3]
    assert C.load_run(other).status["status"] == "completed"


@pytest.mark.parametrize("error, words", [(errno.EROFS, "Read-only file system (the folder is read-only)"),
                                          (errno.EACCES, "Permission denied (the folder is not writable)"),
                                          (errno.EIO, "Input/output error (disk full or read-only?)")])
def test_a_run_directory_that_stops_accepting_writes_is_reported(tmp_path, monkeypatch, error, words):
    out = tmp_path / "run"
    disk = FullDisk(monkeypatch, error)

    def on_event(event):
        if isinstance(event, EpochEnd):
            disk.full = True

    result = Trainer(tiny(epochs=2), on_event=on_event, run_dir=str(out)).run()
    assert result.status == "failed" and words in result.message
    assert "the files there still hold epoch 1" in result.message
    disk.full = False
    assert C.load_run(out).info["epoch"] == "1"
    # Unwritable from the start: refused before training, with the same reason.
    disk.full = True
    events = []
    result = Trainer(tiny(), on_event=events.append, run_dir=str(tmp_path / "other")).run()
    assert result.status == "failed" and [type(e) for e in events] == [RunFinished]
    assert result.message == (f"cannot write to run directory {tmp_path / 'other'}: {words}. Choose a "
                              f"folder you can write to.")


def test_a_run_directory_that_cannot_be_created_fails_before_training(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    events = []
    result = Trainer(tiny(), on_event=events.append, run_dir=str(blocker / "run")).run()
    assert result.status == "failed" and "cannot write to run directory" in result.message
    assert [type(e) for e in events] == [RunFinished]


def test_full_disk_through_the_command_line(tmp_path, monkeypatch, capsys):
    disk = FullDisk(monkeypatch)
    real_status = C.RunWriter.write_status

    def write_status(self, status, message="", **extra):
        real_status(self, status, message, **extra)
        disk.full = extra.get("epoch") == 1  # full once epoch 1 is saved

    monkeypatch.setattr(C.RunWriter, "write_status", write_status)
    code = main(["train", "--subset", "64", "--epochs", "2", "--device", "cpu", "--json",
                 "--out", str(tmp_path / "run")])
    out, err = capsys.readouterr()
    result = last_json(out)
    assert code == 1 and result["status"] == "failed" and result["epochs"] == 2
    assert "No space left on device" in result["message"] and "Traceback" not in err
    assert "free some space (or pick another --out) and train again" in err
    assert C.load_run(tmp_path / "run").info["epoch"] == "1"
