"""The CPU trains in torch's default memory layout: channels-last there crashes torch's oneDNN kernels.

torch 2.14's CPU weight gradient of a strided 1×1 convolution in channels-last corrupts the heap with one
thread (oneDNN's AVX2 kernels; docs/torch_cpu_channels_last_bug.md) — ResNet's shortcut when the channels
double. The crash kills the process, so each case runs in a subprocess of its own with one torch thread and
oneDNN held to its AVX2 kernels (the ones with the bug; a CPU with AVX-512 picks others and would pass
either way): a crash fails the test instead of the test run.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import torch

from convscope.core.base.devices import use_channels_last

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


PROLOGUE = """
import torch
from convscope.core.setup.config import make_config
from convscope.core.setup.presets import get_preset
torch.set_num_threads(1)

def resnet(**overrides):
    # preset resnet-small-bn on the offline CIFAR-10 sample, at width 0.25: its first shortcut is 4 -> 8
    values = dict(get_preset("resnet-small-bn").config)
    assert values.pop("arch") == "resnet-small"
    values.update(dataset="cifar10-sample", width=0.25, device="cpu", **overrides)
    return make_config("resnet-small", values.pop("dataset"), **values)
"""


def run_one_thread(code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", ONEDNN_MAX_CPU_ISA="AVX2")
    script = PROLOGUE + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)


def test_channels_last_on_a_gpu_only():
    assert use_channels_last(True, torch.device("cuda")) is True
    assert use_channels_last(True, torch.device("mps")) is True
    assert use_channels_last(True, torch.device("cpu")) is False
    assert use_channels_last(False, torch.device("cuda")) is False


def test_resnet_with_its_shortcut_trains_on_one_cpu_thread():
    """The ResBlk ResNet at width 0.25 (shortcut 4 → 8 channels, stride 2): the run completes."""
    proc = run_one_thread("""
        from convscope.core.training.engine import Trainer
        trainer = Trainer(resnet(epochs=1, subset=64, batch_size=4))
        result = trainer.run()
        assert all(p.is_contiguous() for p in trainer.model.parameters())  # the default layout
        print("threads", torch.get_num_threads(), "epochs", len(result.history), "status", result.status)
    """)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr[-3000:]}"
    assert "threads 1 epochs 1 status completed" in proc.stdout, proc.stdout + proc.stderr[-3000:]


def test_time_estimate_of_that_resnet_on_one_cpu_thread():
    """The window measures the estimate with the run's thread count (one on two cores) before Train."""
    proc = run_one_thread("""
        from convscope.core.training.introspect import measure_rate
        rate = measure_rate(resnet(batch_size=128), budget_s=0.5, threads=1)
        print("rate positive", rate > 0, "threads", torch.get_num_threads())
    """)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr[-3000:]}"
    assert "rate positive True threads 1" in proc.stdout, proc.stdout + proc.stderr[-3000:]
