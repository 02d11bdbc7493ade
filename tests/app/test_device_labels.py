"""The window names this machine's devices: the GPU with its memory, Apple's GPU, or none found."""
from __future__ import annotations

from convscope.app.startup import CoreInfo


def info(**kwargs) -> CoreInfo:
    values = dict(cuda=False, gpu_name=None, cpu_threads=8)
    values.update(kwargs)
    return CoreInfo([], {}, **values)


def test_a_cuda_gpu_is_named_with_its_memory(qapp):
    core = info(cuda=True, gpu_name="NVIDIA H200", gpu_memory_gib=139.8)
    assert core.hardware == "GPU: NVIDIA H200 (139 GiB)"
    labels = core.device_labels()
    assert labels["cuda"] == "GPU: NVIDIA H200 (139 GiB)"
    assert labels["auto"] == "auto (GPU: NVIDIA H200 (139 GiB))"
    assert labels["mps"] == "Apple GPU (none found)" and labels["cpu"] == "CPU (8 threads)"


def test_a_mac_gpu_is_the_default_where_there_is_no_cuda(qapp):
    core = info(mps=True)
    assert core.hardware == "Apple GPU (MPS)"
    labels = core.device_labels()
    assert labels["mps"] == "Apple GPU (MPS)" and labels["auto"] == "auto (Apple GPU (MPS))"
    assert labels["cuda"] == "GPU (none found)"


def test_without_a_gpu_the_cpu_trains(qapp):
    core = info()
    assert core.hardware == "CPU, 8 threads"
    assert core.device_labels() == {"auto": "auto (CPU, 8 threads)", "cpu": "CPU (8 threads)",
                                    "cuda": "GPU (none found)", "mps": "Apple GPU (none found)"}
    assert info(cuda=True, gpu_name="Tesla T4").hardware == "GPU: Tesla T4"  # memory unknown
