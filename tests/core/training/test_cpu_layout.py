"""The CPU trains channels-last only where no strided 1×1 convolution can crash torch's oneDNN kernels.

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

from convscope.core.base.devices import strided_pointwise_convs, use_channels_last
from convscope.core.setup.config import make_config

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


def test_channels_last_on_the_cpu_only_without_a_strided_1x1_convolution():
    from convscope.core.setup.build import build_model

    def model(arch, **kw):
        return build_model(make_config(arch, "mnist-sample", device="cpu", **kw))

    assert use_channels_last(True, torch.device("cuda")) is True
    assert use_channels_last(True, torch.device("mps")) is True
    assert use_channels_last(False, torch.device("cuda")) is False
    assert use_channels_last(True, torch.device("cpu")) is False  # an unknown network
    resnet = model("resnet-small", width=0.25)
    assert strided_pointwise_convs(resnet) == ["blk1.shortcut.conv", "blk2.shortcut.conv", "blk3.shortcut.conv"]
    assert use_channels_last(True, torch.device("cpu"), resnet) is False
    assert use_channels_last(True, torch.device("cpu"), model("resnet18", width=0.25)) is False
    assert use_channels_last(True, torch.device("cpu"), model("vgg11", width=0.25)) is False  # slower there
    assert use_channels_last(True, torch.device("cuda"), model("vgg11", width=0.25)) is True
    for arch in ("lenet", "nin", "inception-net", "alexnet", "googlenet", "lenet-cifar"):
        assert use_channels_last(True, torch.device("cpu"), model(arch)) is True, arch
        assert use_channels_last(False, torch.device("cpu"), model(arch)) is False, arch
    assert use_channels_last(True, torch.device("cpu"), model("resnet-small", width=0.25, shortcut=False)) is True


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


def test_every_network_the_cpu_trains_channels_last_survives_the_avx2_kernels(tmp_path):
    """Each architecture that trains channels-last on the CPU runs a short epoch on one thread with oneDNN's
    AVX2 kernels, saves its run folder (weights written from the channels-last model) and evaluates it back:
    a crash of the kernels fails this test (the subprocess dies) instead of a student's window."""
    proc = run_one_thread(f"""
        from convscope.core.models import list_models
        from convscope.core.runs.checkpoints import load_run
        from convscope.core.training.engine import Trainer
        done = []
        for spec in list_models():
            cfg = make_config(spec.name, "mnist-sample", device="cpu", epochs=1, subset=24, batch_size=8,
                              **({{"width": 0.25}} if "width" in spec.options else {{}}))
            trainer = Trainer(cfg, run_dir={str(tmp_path)!r} + "/" + spec.name)
            result = trainer.run()
            assert result.status == "completed", (spec.name, result.message)
            if trainer.channels_last:
                convs = [m.weight for m in trainer.model.modules() if isinstance(m, torch.nn.Conv2d)]
                assert all(w.is_contiguous(memory_format=torch.channels_last) for w in convs), spec.name
                run = load_run({str(tmp_path)!r} + "/" + spec.name)
                for name, p in run.model.state_dict().items():
                    q = trainer.model.state_dict()[name]
                    assert torch.equal(p, q.cpu()), (spec.name, name)
                done.append(spec.name)
        print("channels-last:", " ".join(done))
    """)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr[-3000:]}"
    line = next(x for x in proc.stdout.splitlines() if x.startswith("channels-last:"))
    assert {"lenet", "nin", "inception-net", "alexnet", "googlenet"} <= set(line.split()[1:]), line
    assert "resnet-small" not in line.split() and "resnet18" not in line.split()


def test_grey_images_stored_pixel_by_pixel_reach_the_model_in_standard_strides():
    """(N, H, W, 1) pixels viewed as (N, 1, H, W) have channels-last strides that pass for contiguous; the
    CPU's convolutions would still run channels-last on them (the ResNet crash on grey datasets)."""
    from convscope.core.data.datasets import get_info
    from convscope.core.data.loading import Preprocess

    hwc = torch.randint(0, 256, (6, 28, 28, 1), dtype=torch.uint8).permute(0, 3, 1, 2)
    assert hwc.stride() == (784, 1, 28, 1) and hwc.is_contiguous()  # the trap: "contiguous" already
    out = Preprocess(get_info("mnist-sample"), 28, 1)(hwc)
    assert out.stride() == (784, 784, 28, 1) and out.shape == (6, 1, 28, 28)
    torch.testing.assert_close(out, Preprocess(get_info("mnist-sample"), 28, 1)(hwc.contiguous()))
    last = Preprocess(get_info("mnist-sample"), 28, 1, channels_last=True)(hwc)
    assert last.is_contiguous(memory_format=torch.channels_last)
