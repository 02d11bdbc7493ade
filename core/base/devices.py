"""Where a run trains (CPU, CUDA GPU or Apple's MPS GPU), and what to do when that device runs out of memory."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch


def mps_available() -> bool:
    """Whether Apple's Metal GPU (MPS) can train here (False on builds without the backend)."""
    backend = getattr(torch.backends, "mps", None)
    try:
        return bool(backend is not None and backend.is_available())
    except Exception:  # noqa: BLE001 - a broken backend is an absent one
        return False


def resolve_device(name: str) -> torch.device:
    """The device of a ``TrainConfig.device`` choice: "auto" prefers CUDA, then MPS, then the CPU."""
    if name == "cuda" or (name == "auto" and torch.cuda.is_available()):
        return torch.device("cuda")
    if name == "mps" or (name == "auto" and mps_available()):
        return torch.device("mps")
    return torch.device("cpu")


def gpu_memory_gib(index: int = 0) -> float:
    """The CUDA GPU's total memory in GiB."""
    return torch.cuda.get_device_properties(index).total_memory / 2**30


def gpu_text(name: str, memory_gib: float | None) -> str:
    """"NVIDIA H200 (139 GiB)": the name, and the whole GiB of memory (rounded down) when known."""
    return f"{name} ({int(memory_gib)} GiB)" if memory_gib else name


MPS_LABEL = "Apple GPU (MPS)"


def device_label(device: torch.device) -> str:
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"GPU: {gpu_text(torch.cuda.get_device_name(index), gpu_memory_gib(index))}"
    if device.type == "mps":
        return MPS_LABEL
    return f"CPU ({torch.get_num_threads()} threads)"


def strided_pointwise_convs(model: torch.nn.Module) -> list[str]:
    """The 1×1 convolutions of ``model`` with a stride above 1 (a ResNet shortcut where the size halves)."""
    return [name for name, m in model.named_modules()
            if isinstance(m, torch.nn.Conv2d) and tuple(m.kernel_size) == (1, 1) and max(m.stride) > 1]


def use_channels_last(wanted: bool, device: torch.device, model: torch.nn.Module | None = None) -> bool:
    """Whether a run's model and batches go channels-last (where the config asks for it, ``wanted``).

    On a GPU: always. On the CPU only for a ``model`` without a strided 1×1 convolution: torch's oneDNN
    kernels (AVX2) corrupt the heap in the weight gradient of such a convolution in channels-last with one
    thread (docs/torch_cpu_channels_last_bug.md: ResNet's shortcut), so a network that has one (or an
    unknown network: ``model`` None) keeps the default layout there, and so does a network whose class says
    the layout does not pay on the CPU (``contiguous_on_cpu = True``: VGG); the others gain 8 to 60 % there
    (benchmarks/bench_cpu_layout.py)."""
    if not wanted:
        return False
    if device.type != "cpu":
        return True
    return (model is not None and not getattr(model, "contiguous_on_cpu", False)
            and not strided_pointwise_convs(model))


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work (nothing to wait for on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def is_out_of_memory(exc: BaseException) -> bool:
    """True for a device (or host) allocation failure: worth retrying with a smaller batch."""
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    text = str(exc)
    return isinstance(exc, RuntimeError) and ("out of memory" in text or "can't allocate memory" in text)


def free_device_memory(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()
    elif device.type == "mps":
        empty_cache = getattr(getattr(torch, "mps", None), "empty_cache", None)
        if empty_cache is not None:
            empty_cache()


def out_of_memory_message(batch_size: int, on_gpu: bool) -> str:
    if on_gpu:
        return (f"out of GPU memory even at batch {batch_size}: reduce the batch size or use the CPU "
                f"(--device cpu), or pick a smaller network or the native form.")
    return (f"out of memory even at batch {batch_size}: reduce the batch size, or pick a smaller network "
            f"or the native form.")


@dataclass(frozen=True)
class HostInfo:
    """What this machine offers for training (shown in the window before any run)."""

    cuda: bool
    gpu_name: str | None
    cpu_threads: int
    gpu_memory_gib: float | None = None  # the CUDA GPU's memory
    mps: bool = False  # Apple's Metal GPU

    @property
    def gpu_text(self) -> str | None:
        """"NVIDIA H200 (139 GiB)", or None without a CUDA GPU."""
        return gpu_text(self.gpu_name, self.gpu_memory_gib) if self.cuda and self.gpu_name else None


def host_info() -> HostInfo:
    """This machine's devices. Without CUDA it asks the driver nothing more; a GPU whose name or memory
    cannot be read is still named "CUDA GPU"."""
    threads = torch.get_num_threads()
    if not torch.cuda.is_available():
        return HostInfo(False, None, threads, None, mps_available())
    try:
        name = torch.cuda.get_device_name(0)
    except Exception:  # noqa: BLE001 - a driver that answers is_available but not this
        name = "CUDA GPU"
    try:
        memory = gpu_memory_gib(0)
    except Exception:  # noqa: BLE001
        memory = None
    return HostInfo(True, name, threads, memory, False)


def set_thread_count(n: int) -> None:
    """Torch threads of the calling thread; the default that threads started later get stays the process's
    (``torch.set_num_threads`` sets both: the default is put back at once, from a short-lived thread)."""
    global _process_default
    n = max(1, int(n))
    with _default_lock:  # one change at a time: none reads another's passing default as the process's
        if _process_default is None:
            _process_default = default_thread_count()
        torch.set_num_threads(n)
        if n != _process_default:
            helper = threading.Thread(target=torch.set_num_threads, args=(_process_default,), name="torch-threads")
            helper.start()
            helper.join()


_default_lock = threading.Lock()
_process_default: int | None = None  # the count threads get, read before the first change


def default_thread_count() -> int:
    """The torch thread count that a thread started now gets (each thread keeps its own)."""
    seen: list[int] = []
    probe = threading.Thread(target=lambda: seen.append(torch.get_num_threads()), name="torch-threads")
    probe.start()
    probe.join()
    return seen[0]


@contextmanager
def thread_count(n: int) -> Iterator[None]:
    """The calling thread runs torch on ``n`` threads inside, and on as many as before afterwards; threads
    started meanwhile, here or elsewhere, get the process's default. Scopes in several threads may overlap
    in any order: each puts back only its own thread's count."""
    mine = torch.get_num_threads()
    set_thread_count(n)
    try:
        yield
    finally:
        set_thread_count(mine)
