"""Where a run trains (CPU or CUDA GPU), and what to do when that device runs out of memory."""
from __future__ import annotations

from dataclasses import dataclass

import torch


def resolve_device(name: str) -> torch.device:
    if name == "cuda" or (name == "auto" and torch.cuda.is_available()):
        return torch.device("cuda")
    return torch.device("cpu")


def device_label(device: torch.device) -> str:
    if device.type == "cuda":
        return f"GPU: {torch.cuda.get_device_name(device)}"
    return f"CPU ({torch.get_num_threads()} threads)"


def is_out_of_memory(exc: BaseException) -> bool:
    """True for a device (or host) allocation failure: worth retrying with a smaller batch."""
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    text = str(exc)
    return isinstance(exc, RuntimeError) and ("out of memory" in text or "can't allocate memory" in text)


def free_device_memory(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()


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


def host_info() -> HostInfo:
    cuda = bool(torch.cuda.is_available())
    return HostInfo(cuda, torch.cuda.get_device_name(0) if cuda else None, torch.get_num_threads())


def set_thread_count(n: int) -> None:
    """Torch threads of the calling thread (and the default of threads started later)."""
    torch.set_num_threads(max(1, int(n)))
