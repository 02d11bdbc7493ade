"""Where a network's parameters and computation go: one row per layer, and a table across architectures.

The summary is measured on the 'meta' device (shapes only: no memory, no weights, no draws from the
random generator), with forward hooks for the output shapes and ``torch.utils.flop_counter`` for the
FLOPs, so it costs milliseconds even for VGG at 224 px and is exact by construction:

* the rows are the network's leaf modules, in the order they run; a row's parameters are the ones the
  layer holds itself, so the rows add up to the model's parameter count;
* a row's FLOPs are what the flop counter attributes to that layer; whatever the network computes in a
  container's own ``forward`` (none of the zoo's families does today) is one more row, so the rows add up
  to the counter's total.

That is where the course notes' point about NiN becomes visible: AlexNet's and VGG's parameters sit in
their fully connected layers; NiN has none and ends in global average pooling.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from convscope.core.base.modeltools import eval_mode, first_tensor, forward_hooks
from convscope.core.setup.build import meta_model
from convscope.core.setup.config import TrainConfig, make_config

OWN_FORWARD = "(in the network's own forward)"


@dataclass
class LayerRow:
    name: str  # the module's path in the network, e.g. "features.3"
    kind: str  # its class, e.g. "Conv2d"
    output_shape: tuple[int, ...]  # for one image, without the batch axis
    params: int
    flops: int

    def to_json(self) -> dict:
        return {"name": self.name, "kind": self.kind, "output_shape": list(self.output_shape),
                "params": self.params, "flops": self.flops}


@dataclass
class ModelSummary:
    arch: str
    display_name: str
    input_shape: tuple[int, int, int]
    rows: list[LayerRow] = field(default_factory=list)
    total_params: int = 0
    total_flops: int = 0

    def share(self, kind: str, what: str = "params") -> float:
        """The share of the parameters (or ``"flops"``) held by layers of class ``kind``."""
        total = self.total_params if what == "params" else self.total_flops
        part = sum(getattr(r, what) for r in self.rows if r.kind == kind)
        return part / total if total else 0.0

    def to_json(self) -> dict:
        return {"arch": self.arch, "display_name": self.display_name, "input_shape": list(self.input_shape),
                "total_params": self.total_params, "total_flops": self.total_flops,
                "rows": [r.to_json() for r in self.rows]}


def summarize(config: TrainConfig) -> ModelSummary:
    """Per-layer output shape, parameters and FLOPs of ``config``'s network on one input image."""
    from torch.utils.flop_counter import FlopCounterMode

    model = meta_model(config)
    c, side, _ = config.input_size
    # Leaf modules; an Identity (a BatchNorm or dropout switched off) holds and computes nothing: not a row.
    leaves = [(name, m) for name, m in model.named_modules()
              if name and not any(True for _ in m.children()) and not isinstance(m, nn.Identity)]
    shapes: dict[str, tuple[int, ...]] = {}
    order: list[str] = []

    def hook_for(name):
        def hook(_module, _inputs, output):
            out = first_tensor(output)
            if name not in shapes:
                order.append(name)
            if out is not None:
                shapes[name] = tuple(out.shape[1:])
        return hook

    prefix = type(model).__name__ + "."
    with eval_mode(model), torch.no_grad(), forward_hooks(model, [(n, hook_for(n)) for n, _ in leaves]), \
            FlopCounterMode(display=False, depth=None) as counter:
        model(torch.empty(1, c, side, side, device="meta"))
    counts = counter.get_flop_counts()
    total_flops = int(counter.get_total_flops())
    by_name = dict(leaves)
    ran = order + [n for n, _ in leaves if n not in shapes]  # layers the forward never called, last
    rows = []
    for name in ran:
        module = by_name[name]
        rows.append(LayerRow(name, type(module).__name__, shapes.get(name, ()),
                             sum(p.numel() for p in module.parameters(recurse=False)),
                             int(sum(counts.get(prefix + name, {}).values()))))
    total_params = sum(p.numel() for p in model.parameters())
    rest_params = total_params - sum(r.params for r in rows)
    rest_flops = total_flops - sum(r.flops for r in rows)
    if rest_params or rest_flops:
        rows.append(LayerRow(OWN_FORWARD, type(model).__name__, (), rest_params, rest_flops))
    spec = config.spec
    return ModelSummary(config.arch, spec.display_name, (c, side, side), rows, total_params, total_flops)


@dataclass
class ArchRow:
    arch: str
    display_name: str
    params: int
    flops: int
    fc_share: float  # the share of the parameters in fully connected (Linear) layers
    input_shape: tuple[int, int, int]


def compare(dataset: str = "mnist-sample", form: str = "native", archs: tuple[str, ...] | None = None,
            **options) -> list[ArchRow]:
    """Parameters, FLOPs and the fully connected layers' share for each architecture on one input
    (``form``: "d2l" is the notes' 224 px resize; an architecture without it, like LeNet, keeps its own)."""
    from convscope.core.models import get_spec
    from convscope.core.setup.config import architecture_names

    out = []
    for arch in archs or architecture_names():
        own = form if form in get_spec(arch).forms else None
        summary = summarize(make_config(arch, dataset, form=own, **options))
        out.append(ArchRow(arch, summary.display_name, summary.total_params, summary.total_flops,
                           summary.share(nn.Linear.__name__), summary.input_shape))
    return out
