"""Device choice without a GPU in the machine: "auto" picks CUDA, then Apple's MPS, then the CPU; asking
for a GPU that is not here is refused with what to use instead; labels name the GPU with its memory."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from convscope.core.base import devices
from convscope.core.data import loading as D
from convscope.core.setup.config import DEVICES, ConfigError, make_config

H200_BYTES = 150_110_011_392  # what torch reports for an H200: 139.8 GiB


def machine(monkeypatch, cuda: bool = False, mps: bool = False):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    if cuda:
        monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=None: "NVIDIA H200")
        monkeypatch.setattr(torch.cuda, "get_device_properties",
                            lambda index=None: SimpleNamespace(total_memory=H200_BYTES))
        monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)


def test_mps_is_a_device_choice():
    assert DEVICES == ("auto", "cpu", "cuda", "mps")


@pytest.mark.parametrize("cuda, mps, auto", [(True, False, "cuda"), (False, True, "mps"), (True, True, "cuda"),
                                             (False, False, "cpu")])
def test_auto_prefers_cuda_then_mps_then_the_cpu(monkeypatch, cuda, mps, auto):
    machine(monkeypatch, cuda, mps)
    assert devices.resolve_device("auto") == torch.device(auto)
    assert devices.resolve_device("cpu") == torch.device("cpu")
    assert devices.resolve_device("mps") == torch.device("mps")
    assert devices.resolve_device("cuda") == torch.device("cuda")


def test_a_gpu_that_is_not_here_is_refused_with_what_to_use_instead(monkeypatch):
    machine(monkeypatch)
    with pytest.raises(ConfigError, match=r"no CUDA GPU is available; use --device auto or cpu\.$"):
        make_config("lenet", device="cuda")
    with pytest.raises(ConfigError, match=r"device 'mps' was asked for but this computer has no Apple GPU "
                                          r".*; use --device auto or cpu\.$"):
        make_config("lenet", device="mps")
    assert make_config("lenet", device="auto").device == "auto"
    assert make_config("lenet", device="cpu").device == "cpu"


def test_the_refusal_names_the_gpu_that_is_here(monkeypatch):
    machine(monkeypatch, mps=True)
    assert make_config("lenet", device="mps").device == "mps"
    with pytest.raises(ConfigError, match=r"use --device mps \(this Mac's GPU\), auto or cpu\."):
        make_config("lenet", device="cuda")
    machine(monkeypatch, cuda=True)
    assert make_config("lenet", device="cuda").device == "cuda"
    with pytest.raises(ConfigError, match=r"use --device cuda, auto or cpu\."):
        make_config("lenet", device="mps")


def test_a_run_made_on_a_gpu_still_opens_without_one(monkeypatch):
    from convscope.core.setup.config import TrainConfig

    machine(monkeypatch)
    raw = make_config("lenet", device="cpu").to_dict()
    for device in ("cuda", "mps"):
        cfg = TrainConfig.from_dict({**raw, "device": device}, check_device=False)
        assert cfg.device == device
        with pytest.raises(ConfigError):
            TrainConfig.from_dict({**raw, "device": device})


def test_labels_name_the_gpu_with_its_memory(monkeypatch):
    machine(monkeypatch, cuda=True)
    assert devices.device_label(torch.device("cuda")) == "GPU: NVIDIA H200 (139 GiB)"
    assert devices.device_label(torch.device("cuda", 0)) == "GPU: NVIDIA H200 (139 GiB)"
    assert devices.device_label(torch.device("mps")) == "Apple GPU (MPS)"
    assert devices.device_label(torch.device("cpu")) == f"CPU ({torch.get_num_threads()} threads)"
    host = devices.host_info()
    assert (host.cuda, host.gpu_name, host.mps) == (True, "NVIDIA H200", False)
    assert host.gpu_memory_gib == pytest.approx(139.8, abs=0.05)
    assert host.gpu_text == "NVIDIA H200 (139 GiB)"


def driver_raises(monkeypatch, exc: Exception) -> None:
    """The CUDA driver's name and memory queries raise ``exc``."""
    def raise_it(*args, **kwargs):
        raise exc

    monkeypatch.setattr(torch.cuda, "get_device_name", raise_it)
    monkeypatch.setattr(torch.cuda, "get_device_properties", raise_it)


def test_host_info_without_cuda_asks_the_driver_nothing(monkeypatch):
    machine(monkeypatch, mps=True)
    driver_raises(monkeypatch, AssertionError("asked the CUDA driver without a GPU"))
    host = devices.host_info()
    assert host == devices.HostInfo(False, None, torch.get_num_threads(), None, True)
    assert host.gpu_text is None


def test_host_info_names_a_gpu_whose_driver_does_not_answer(monkeypatch):
    machine(monkeypatch, cuda=True)
    driver_raises(monkeypatch, RuntimeError("CUDA driver error"))
    host = devices.host_info()
    assert (host.cuda, host.gpu_name, host.gpu_memory_gib, host.gpu_text) == (True, "CUDA GPU", None, "CUDA GPU")


def test_mps_memory_is_given_back_when_torch_can(monkeypatch):
    calls = []
    monkeypatch.setattr(torch.mps, "empty_cache", lambda: calls.append("mps"))
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: calls.append("cuda"))
    devices.free_device_memory(torch.device("mps"))
    devices.free_device_memory(torch.device("cpu"))
    assert calls == ["mps"]
    monkeypatch.delattr(torch.mps, "empty_cache")
    devices.free_device_memory(torch.device("mps"))  # an older torch without it: nothing to do
    devices.synchronize(torch.device("cpu"))


def test_a_device_split_on_the_cpu_is_the_arrays_it_was_made_of():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (10, 1, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 10).astype(np.int64)
    split = D.DeviceSplit(images[::2], labels[::2], "cpu")  # not contiguous: copied first
    assert split.images.device.type == "cpu" and split.images.dtype == torch.uint8
    assert np.array_equal(split.images.numpy(), images[::2]) and np.array_equal(split.labels.numpy(), labels[::2])
    assert len(split) == 5


def test_thread_count_scopes_that_overlap_across_threads_leave_the_default_as_it_was():
    """Two threads each time a job with their own count, in scopes that overlap out of order (A enters,
    B enters, A leaves, B leaves); meanwhile and afterwards, a new thread gets the process's default."""
    import threading

    import torch

    from convscope.core.base.devices import default_thread_count, thread_count

    default = default_thread_count()
    other = default + 1
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def a():
        with thread_count(other):
            seen["a"] = torch.get_num_threads()
            a_in.set()
            b_in.wait(30)
            seen["meanwhile"] = default_thread_count()
        a_out.set()

    def b():
        a_in.wait(30)
        with thread_count(other):
            seen["b"] = torch.get_num_threads()
            b_in.set()
            a_out.wait(30)

    threads = [threading.Thread(target=f) for f in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert seen["a"] == seen["b"] == other
    assert seen["meanwhile"] == default == default_thread_count()
