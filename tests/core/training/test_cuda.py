"""Training, evaluation, prediction and the probe on a CUDA GPU (skipped without one).

Every test here takes no fixture, so ``benchmarks/cuda_tests.py`` can run them on a GPU machine that has
torch but no pytest.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from convscope.core.base.modeltools import eval_mode
from convscope.core.data import loading as D
from convscope.core.insight import inference as I
from convscope.core.insight.probe import Probe
from convscope.core.setup.config import make_config
from convscope.core.training.engine import Trainer

try:
    import pytest
except ImportError:  # run by benchmarks/cuda_tests.py
    pytest = None
else:
    pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

_trained: dict = {}


def trained() -> tuple[Trainer, object]:
    """A LeNet trained one epoch on 512 offline MNIST digits on the GPU (once per module)."""
    if not _trained:
        cfg = make_config("lenet", "mnist-sample", subset=512, epochs=1, device="cuda")
        trainer = Trainer(cfg)
        _trained["run"] = (trainer, trainer.run())
    return _trained["run"]


def test_lenet_trains_on_the_gpu_with_autocast():
    trainer, result = trained()
    assert result.status == "completed", result.message
    assert result.test_acc > 0.15  # chance is 0.10
    assert math.isfinite(result.train_loss) and result.history[0]["examples_per_s"] > 0
    assert all(p.device.type == "cuda" for p in trainer.model.parameters())
    assert trainer.train.images.device.type == "cuda" and trainer.test.labels.device.type == "cuda"
    assert trainer.use_amp and trainer.amp_dtype in (torch.bfloat16, torch.float16)
    assert trainer.scaler.is_enabled() == (trainer.amp_dtype == torch.float16)
    assert all(p.dtype == torch.float32 for p in trainer.model.parameters())  # autocast, not half weights


def test_evaluate_on_the_gpu_gives_the_epochs_figures():
    trainer, result = trained()
    loss, acc = trainer.evaluate()
    assert math.isfinite(loss) and 0.0 <= acc <= 1.0
    assert abs(acc - result.test_acc) <= 0.01 and abs(loss - result.test_loss) <= 0.02
    loss_small, acc_small = trainer.evaluate(batch_size=7)  # batches of another size: the same figures
    assert abs(acc_small - acc) <= 0.01


def test_a_predictor_from_the_gpu_weights_predicts_like_the_gpu_model():
    trainer, _ = trained()
    predictor = I.Predictor.from_weights(trainer.config, trainer.model.state_dict())
    assert all(p.device.type == "cpu" for p in predictor.model.parameters())
    assert all(p.device.type == "cuda" for p in trainer.model.parameters())  # the trained model stays
    images, labels = D.load_split("mnist-sample", "test")
    digit = images[0, 0]
    prepared = predictor.prepare(digit)
    assert prepared is not None and tuple(prepared.tensor.shape) == (1, 1, 28, 28)
    cpu_probs = predictor.probabilities(prepared)
    with eval_mode(trainer.model), torch.no_grad():
        gpu_probs = torch.softmax(trainer.model(prepared.tensor.cuda()).float(), 1)[0].cpu().numpy()
    assert trainer.model.training
    assert cpu_probs.shape == (10,) and abs(float(cpu_probs.sum()) - 1) < 1e-4
    assert np.abs(cpu_probs - gpu_probs).max() < 2e-2  # TF32 convolutions on the GPU
    top = predictor.predict_array(digit, k=3)
    assert len(top) == 3 and top[0][0] == int(np.argmax(cpu_probs))
    cam = predictor.grad_cam(prepared)
    assert cam.heatmap.shape == (28, 28) and 0.0 <= cam.heatmap.min() and cam.heatmap.max() <= 1.0


def test_the_probe_looks_into_the_gpu_model_between_steps():
    cfg = make_config("lenet", "mnist-sample", subset=128, epochs=1, batch_size=32, device="cuda")
    trainer = Trainer(cfg)
    probe = Probe(interval=0, max_overhead=1.0).attach(trainer)
    probe.set_wanted({layer.module for layer in cfg.spec.probe_layers}, output=True)
    taken = []
    trainer.step_hooks.append(lambda t: taken.append(probe.mailbox.take()))
    result = trainer.run()
    assert result.status == "completed", result.message
    snaps = [s for s in taken if s is not None]
    assert [s.step for s in snaps] == list(range(1, trainer.steps_per_epoch + 1))
    last = snaps[-1]
    assert set(last.features) | set(last.one_by_one) | set(last.gap) == {layer.module
                                                                         for layer in cfg.spec.probe_layers}
    assert all(np.isfinite(p.ch_min).all() and np.isfinite(p.ch_max).all() for p in last.features.values())
    assert last.probs.shape == (10,) and abs(float(np.sum(last.probs)) - 1) < 1e-3
    assert all(m.training for m in trainer.model.modules()) and all(not m._forward_hooks
                                                                  for m in trainer.model.modules())
    probe.detach()


def test_a_device_split_on_the_gpu_is_the_arrays_it_was_made_of():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (300, 1, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 300).astype(np.int64)
    for imgs, lbls in ((images, labels), (images[::3], labels[::3])):  # contiguous, then not
        split = D.DeviceSplit(imgs, lbls, torch.device("cuda"))
        assert split.images.device.type == "cuda" and split.images.dtype == torch.uint8
        assert split.labels.dtype == torch.int64 and len(split) == len(lbls)
        assert np.array_equal(split.images.cpu().numpy(), imgs)
        assert np.array_equal(split.labels.cpu().numpy(), lbls)
