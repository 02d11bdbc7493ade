"""Small tools for looking inside a built network: eval mode, temporary forward hooks, the first tensor of
an output, parameter counts. (Building a network from a config is :mod:`core.setup.build`'s job.)

Everything that looks inside a model (the probe, Grad-CAM, FLOP counts, the layer lists the window shows)
goes through these, so the mode of a model being trained is always restored, and no hook outlives the
forward pass it was added for.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from torch import nn

Hook = Callable[[nn.Module, tuple, Any], None]


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def first_tensor(output: Any) -> Any:
    """A module's output as one tensor: the first element of a tuple or list output (auxiliary heads,
    (output, state) pairs), else the output itself (None for an empty tuple)."""
    if isinstance(output, (tuple, list)):
        return output[0] if output else None
    return output


@contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Eval mode for the block (dropout off, BatchNorm on its running statistics); the previous mode is
    restored afterwards, also when the block raises."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


@contextmanager
def forward_hooks(model: nn.Module, hooks: Iterable[tuple[str, Hook]]) -> Iterator[None]:
    """Forward hooks on the named modules (``(name, hook)`` pairs; unknown names are skipped) for the
    duration of the block; all are removed afterwards."""
    modules = dict(model.named_modules())
    handles = []
    try:
        for name, hook in hooks:
            module = modules.get(name)
            if module is not None:
                handles.append(module.register_forward_hook(hook))
        yield
    finally:
        for handle in handles:
            handle.remove()


def has_batchnorm(model: nn.Module) -> bool:
    """Whether ``model`` normalises with batch statistics anywhere (BatchNorm of any dimension)."""
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())


def unhook(trainer, hooks: str, fn: Callable) -> None:
    """Take ``fn`` off the trainer's hook list ``hooks`` (``"step_hooks"`` or ``"batch_hooks"``), if it is
    on it (the probe, the layer-health monitor and the augmentation preview each follow one trainer)."""
    try:
        getattr(trainer, hooks).remove(fn)
    except ValueError:
        pass
