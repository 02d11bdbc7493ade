"""Loss and accuracy of a model on a split held on its device, with one host sync at the end."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from convscope.core.base.devices import free_device_memory, is_out_of_memory
from convscope.core.base.modeltools import eval_mode
from convscope.core.data import loading as data_mod


def evaluate_model(model: torch.nn.Module, preprocess: data_mod.Preprocess, split: data_mod.DeviceSplit,
                   batch_size: int = 512, amp_dtype: torch.dtype | None = None,
                   confusion: torch.Tensor | None = None, sink=None) -> tuple[float, float]:
    """Mean loss and accuracy of ``model`` on a device split, with a single host sync at the end.
    ``confusion``, a (classes, classes) int64 tensor on the split's device, receives the counts of
    (true class, predicted class) of the same pass.

    ``sink`` (``core.training.example_record.TestSink``, optional) receives each example's right/wrong and
    confidence on the device, from the same comparisons the accuracy counts.

    Out of memory, it starts again with half the batch (evaluation holds no gradients, so down to 1).
    """
    device = split.labels.device
    while True:
        try:
            return _evaluate(model, preprocess, split, batch_size, amp_dtype, confusion, sink)
        except RuntimeError as exc:
            if not is_out_of_memory(exc) or batch_size <= 1:
                raise
        # Outside the except clause: the failed attempt's tensors are released before retrying.
        free_device_memory(device)
        batch_size //= 2


@torch.no_grad()
def _evaluate(model, preprocess, split, batch_size, amp_dtype, confusion=None, sink=None) -> tuple[float, float]:
    device = split.labels.device
    loss_sum = torch.zeros((), device=device, dtype=torch.float64)
    correct = torch.zeros((), device=device, dtype=torch.int64)
    n = len(split)
    if confusion is not None:
        confusion.zero_()  # (a retry with a smaller batch starts again)
    with eval_mode(model):
        for start in range(0, n, batch_size):
            xb = preprocess(split.images[start:start + batch_size])
            yb = split.labels[start:start + batch_size]
            with torch.autocast(device.type, dtype=amp_dtype or torch.bfloat16, enabled=amp_dtype is not None):
                out = model(xb).float()
            loss_sum += F.cross_entropy(out, yb, reduction="sum").double()
            hit = out.argmax(1) == yb
            correct += hit.sum()
            if confusion is not None:
                k = confusion.shape[0]
                confusion.view(-1).add_(torch.bincount(yb * k + out.argmax(1), minlength=k * k)[:k * k])
            if sink is not None:
                sink.put(start, out, hit)
    if n == 0:
        return float("nan"), float("nan")
    return float(loss_sum.item() / n), float(correct.item() / n)
