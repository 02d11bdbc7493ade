"""Two networks' receptive fields side by side: the same relative layer of each, its field, the weights
that lead to it and (with weights) its effective field on the same images.

The comparisons the course makes — VGG's two stacked 3×3 convolutions against one 5×5, LeNet against
NiN whose 1×1 convolutions add depth without widening the field — need, for one layer of each network:

* its **theoretical field** on the image (size, stride and the box of its centre unit; see
  :mod:`convscope.core.insight.receptive_field`);
* its **field within its stage** (``stage_size``): a *stage* is the run of layers since the last layer
  that changed the resolution (a pooling or a strided convolution, which ends its stage); the field is
  counted in positions of the stage's input grid, along the widest path. VGG-11's ``block3.relu2``
  (two 3×3 convolutions after a pool) sees 26×26 pixels of a 28×28 digit but 5×5 positions of its
  block's input, exactly as LeNet's 5×5 ``conv1`` sees 5×5 pixels;
* its **weights per channel pair within the stage** (``stage_weights``): the kernel positions between
  one input and one output channel summed over the convolutions of the stage, along the path with the
  most (pools have none): 3·3 + 3·3 = 18 for the two 3×3 convolutions, 25 for one 5×5, 5·5 + 1 + 1 = 27
  for a NiN block, 1·7 + 7·1 = 14 for a factorised 7×7;
* the **parameters up to the layer** (``parameters``): every parameter tensor (weights, biases,
  batch-norm scales and shifts; not buffers) that the layer's output is computed from, found by walking
  the output's autograd graph back to the parameters, each counted once. Parameters of a branch or
  layer that ran earlier but does not feed the layer (another Inception branch, the classifier) are
  not counted;
* its **effective field** (r50, r90, the share inside the box, the heat) of the centre position (all
  channels) on the same test images, when weights are given.

**Relative depth.** A network's *field layers* are its convolution and pooling modules and its probe
layers that have a spatial field, in the order their outputs are made. A layer's depth is the number
of convolution and pooling modules whose output exists when its own does (itself included); its
relative depth is that depth divided by the network's total of them (so the last one is 1.0). The
matching layer of another network is the field layer whose relative depth is nearest (on a tie the
shallower; of layers of equal depth the one made last, e.g. ``act1`` after ``conv1``). LeNet's ``act1``
(depth 1 of 4: 0.25) meets NiN's ``block1.mlp2`` (3 of 12: the 5×5 convolution and its two 1×1).

Everything structural is measured on the 'meta' device (shapes only, no memory, no random numbers);
only the effective fields run the real weights (eval mode, the model's mode restored). No Qt here.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from convscope.core.insight.receptive_field import (
    _ADAPTIVE,
    _AVG_POOL,
    _CONV,
    _IDENTITY,
    _MAX_POOL,
    EffectiveField,
    LayerField,
    _arg,
    _module_device,
    _tensors,
    _Tracer,
    effective_field,
    probe_layer_names,
)
from convscope.core.setup.config import ConfigError, TrainConfig, make_config

_WINDOWS = _CONV | _MAX_POOL | _AVG_POOL | _ADAPTIVE
_WINDOW_MODULES = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d,
                   nn.LPPool2d)


# ------------------------------------------------------------------------------------------ stages
@dataclass(frozen=True)
class _Stage:
    """A tensor's field within its stage: ``y``, ``x`` positions of the stage's input grid, ``taps``
    weights per channel pair; ``ends``: it was made by a layer that changed the resolution, so the next
    window starts a new stage on its grid."""

    y: int
    x: int
    taps: int
    ends: bool = False


_START = _Stage(1, 1, 0)


class _StageTracer(_Tracer):
    """The receptive-field tracer that also follows each tensor's :class:`_Stage`."""

    def __init__(self):
        super().__init__()
        self.stages: dict[int, tuple[torch.Tensor, _Stage]] = {}

    def stage_of(self, t) -> _Stage | None:
        entry = self.stages.get(id(t)) if isinstance(t, torch.Tensor) else None
        return None if entry is None or entry[0] is not t else entry[1]

    def _follow(self, func, args, kwargs, out) -> None:
        super()._follow(func, args, kwargs, out)
        outs = [t for t in _tensors(out) if t.dim() == 4 and self.field_of(t) is not None]
        sources = [(t, s) for t in _tensors((args, kwargs)) if (s := self.stage_of(t)) is not None]
        if not outs or not sources:
            return
        name = getattr(func, "__name__", "")
        first_t, first = sources[0]
        if name in _WINDOWS and first_t is args[0]:
            (fy, fx), (oy, ox) = self.field_of(first_t), self.field_of(outs[0])
            start = _START if first.ends else first
            taps = 0
            if name in _CONV:
                weight = _arg(args, kwargs, 1, "weight", None)
                taps = int(weight.shape[-2]) * int(weight.shape[-1])
            result = _Stage(start.y + (oy.size - fy.size) // fy.jump, start.x + (ox.size - fx.size) // fx.jump,
                            start.taps + taps, oy.jump != fy.jump or ox.jump != fx.jump)
        else:
            # Shape-keeping (activations, sums, concatenations): the widest path. An input that ended its
            # stage, joined with one already in the next stage (a ResNet shortcut), is that stage's input.
            going = {self.field_of(t)[0].jump for t, s in sources if not s.ends and self.field_of(t)}
            stages = [_START if s.ends and going and self.field_of(t) and self.field_of(t)[0].jump in going
                      else s for t, s in sources]
            result = _Stage(max(s.y for s in stages), max(s.x for s in stages), max(s.taps for s in stages),
                            all(s.ends for s in stages))
        for t in outs:
            self.stages[id(t)] = (t, result)


def _parameters_behind(output: torch.Tensor) -> int:
    """The number of parameter values ``output`` is computed from (its autograd graph's leaves)."""
    seen, stack, params = set(), [output.grad_fn], {}
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        variable = getattr(fn, "variable", None)
        if isinstance(variable, nn.Parameter):
            params[id(variable)] = variable.numel()
        stack.extend(f for f, _ in fn.next_functions)
    return sum(params.values())


# ------------------------------------------------------------------------------------------ layers
@dataclass(frozen=True)
class FieldLayer:
    """One layer of a network with a spatial field (see the module docstring)."""

    name: str
    depth: int  # convolution and pooling modules run by the time its output is made (itself included)
    relative: float  # depth ÷ the network's total of them
    field: LayerField
    stage_size: tuple[int, int]
    stage_weights: int
    parameters: int


def field_layers(model: nn.Module, input_shape, probe: list[str] | tuple[str, ...] = ()) -> list[FieldLayer]:
    """The field layers of ``model`` (best on 'meta') for inputs of ``input_shape`` (C, H, W), in the order
    their outputs are made: every convolution and pooling module and each module named in ``probe``,
    where its output has a spatial field. One forward pass of a zero image, in eval mode; the model's
    mode is restored."""
    c, h, w = (int(v) for v in input_shape)
    named = dict(model.named_modules())
    unknown = [n for n in probe if n not in named]
    if unknown:
        raise KeyError(f"no module {unknown[0]!r} in this network")
    windows = {n for n, m in named.items() if isinstance(m, _WINDOW_MODULES)}
    wanted = [n for n in named if n in windows or n in set(probe)]
    tracer = _StageTracer()
    rows: list[tuple] = []
    depth = 0

    def hook_for(name):
        def hook(module, inputs, output):
            nonlocal depth
            out = output[0] if isinstance(output, (tuple, list)) and output else output
            f = tracer.field_of(out)
            if name in windows and f is not None:
                depth += 1
            stage = tracer.stage_of(out)
            if f is not None and stage is not None and all(r[0] != name for r in rows):
                lf = LayerField(name, tuple(int(v) for v in out.shape[1:]), (h, w), *f)
                rows.append((name, depth, lf, (stage.y, stage.x), stage.taps, _parameters_behind(out)))
        return hook

    handles = [named[n].register_forward_hook(hook_for(n)) for n in wanted]
    x = torch.zeros(1, c, h, w, device=_module_device(model))
    was_training = model.training
    try:
        model.eval()
        with torch.enable_grad(), tracer:
            tracer.mark(x, _IDENTITY, _IDENTITY)
            tracer.stages[id(x)] = (x, _START)
            model(x)
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    total = max(depth, 1)
    return [FieldLayer(n, d, d / total, lf, size, taps, params) for n, d, lf, size, taps, params in rows]


def matching_layer(layers: list[FieldLayer], relative: float) -> FieldLayer:
    """The layer of ``layers`` at the relative depth nearest ``relative`` (see the module docstring)."""
    if not layers:
        raise ValueError("this network has no layer with a spatial field")
    best = min(abs(layer.relative - relative) for layer in layers)
    near = [layer for layer in layers if abs(layer.relative - relative) <= best + 1e-9]
    shallowest = min(layer.depth for layer in near)
    return [layer for layer in near if layer.depth == shallowest][-1]


# ------------------------------------------------------------------------------------------ sides
def side_config(config_a: TrainConfig, arch: str, form: str | None = None, **options) -> TrainConfig:
    """``arch``'s config on ``config_a``'s dataset at ``config_a``'s input shape, with its own defaults and
    ``options`` (width, batchnorm, …; None ignored), on the CPU. ``form``: default the d2l form where ``config_a`` uses
    it and ``arch``'s d2l size is the same, else the native form at that size. A network that cannot take
    that input raises :class:`ConfigError` with one sentence."""
    from convscope.core.models import get_spec
    from convscope.core.models.registry import UnknownModelError

    try:
        spec = get_spec(arch)
    except UnknownModelError as exc:
        raise ConfigError(str(exc)) from None
    c, side, _ = config_a.input_size
    if form is None:
        form = "d2l" if config_a.form == "d2l" and spec.d2l_size == side else "native"
    image_size = None if form == "d2l" or side == config_a.info.size else side
    config = make_config(arch, config_a.dataset, form=form, image_size=image_size, data_root=config_a.data_root,
                         classes=config_a.classes, channels=config_a.channels, device="cpu", **options)
    if tuple(config.input_size) != tuple(config_a.input_size):
        shape = "×".join(map(str, config_a.input_size))
        raise ConfigError(f"{spec.display_name} ({form} form) takes {'×'.join(map(str, config.input_size))} "
                          f"inputs, not {shape}; compare networks on the same input size.")
    return config


def fresh_model(config: TrainConfig, seed: int = 0) -> nn.Module:
    """``config``'s network with freshly initialised weights, drawn from ``seed`` (the global random
    generator's state is restored afterwards)."""
    from convscope.core.setup.build import build_model

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build_model(config)


@dataclass
class Side:
    """One side of a comparison: a network (``config``), the layer (None: for side A its first probe layer
    with a field, for side B the layer at A's relative depth), and weights for the effective field
    (``model``; None: theory only) with a word on what they are (``weights``)."""

    config: TrainConfig
    layer: str | None = None
    model: nn.Module | None = None
    weights: str = ""


def run_side(run, layer: str | None = None) -> Side:
    """A side with a saved run's network and weights: ``run`` as ``core.runs.checkpoints.load_run`` opens
    it (a run folder or a ``.convscope`` bundle; its ``config``, ``model`` and ``dir``)."""
    return Side(run.config, layer, run.model, str(run.dir))


@dataclass
class SideResult:
    """What one side shows: the layer (a :class:`FieldLayer`), its centre unit and box, the effective
    field (None without weights), and every field layer of the network (for choosing another)."""

    arch: str
    name: str  # the architecture's display name
    layer: FieldLayer
    unit: tuple[int, int]
    box: tuple[int, int, int, int]
    effective: EffectiveField | None
    weights: str
    layers: list[FieldLayer] = field(default_factory=list)

    def to_json(self) -> dict:
        lf = self.layer
        row = {"arch": self.arch, "layer": lf.name, "depth": lf.depth, "relative_depth": round(lf.relative, 4),
               "theoretical": lf.field.to_json(self.unit), "stage_size": list(lf.stage_size),
               "stage_weights": lf.stage_weights, "parameters": lf.parameters, "weights": self.weights}
        if self.effective is not None:
            row["effective"] = self.effective.to_json()
        return row


@dataclass
class Comparison:
    a: SideResult
    b: SideResult
    input_shape: tuple[int, int, int]
    image: np.ndarray | None = None  # the first image as the networks see it, uint8 (H, W) or (H, W, 3)

    def to_json(self) -> dict:
        return {"input": list(self.input_shape), "a": self.a.to_json(), "b": self.b.to_json()}


def network_layers(config: TrainConfig) -> list[FieldLayer]:
    """The field layers of ``config``'s network (built on 'meta')."""
    from convscope.core.setup.build import meta_model

    return field_layers(meta_model(config), config.input_size, probe_layer_names(config.spec))


def _pick(layers: list[FieldLayer], name: str, arch: str) -> FieldLayer:
    for layer in layers:
        if layer.name == name:
            return layer
    raise ValueError(f"{name!r} is not a layer with a receptive field in {arch}; choose one of "
                     f"{', '.join(layer.name for layer in layers)}")


def _display(x: torch.Tensor) -> np.ndarray:
    """The first model input, stretched to 0..255 (grey (H, W) or colour (H, W, 3))."""
    img = x[0].detach().float().cpu()
    img = (img - img.min()) / max(float(img.max() - img.min()), 1e-12) * 255
    arr = img.round().to(torch.uint8).numpy()
    return arr[0] if arr.shape[0] == 1 else arr[:3].transpose(1, 2, 0)


def compare(a: Side, b: Side, images: torch.Tensor | np.ndarray | None = None,
            cancel: Callable[[], bool] | None = None) -> Comparison:
    """Compare ``a``'s and ``b``'s layers (see the module docstring). ``images``: uint8 test images
    (N, C, H, W) of the dataset, for the effective fields of the sides that have weights; ``cancel``:
    asked before each effective field; when it answers True the comparison gives up and raises
    ``InterruptedError``."""
    from convscope.core.insight.inference import run_preprocess

    if tuple(a.config.input_size) != tuple(b.config.input_size):
        raise ValueError("the two networks must take the same input shape; build side B with side_config")
    results = []
    x_first = None
    for side, other in ((a, None), (b, results)):
        layers = network_layers(side.config)
        if not layers:
            raise ValueError(f"{side.config.spec.display_name} has no layer with a receptive field")
        if side.layer is not None:
            chosen = _pick(layers, side.layer, side.config.arch)
        elif other:
            chosen = matching_layer(layers, other[0].layer.relative)
        else:
            probes = set(probe_layer_names(side.config.spec))
            chosen = next((layer for layer in layers if layer.name in probes), layers[0])
        unit = chosen.field.centre_unit()
        effective = None
        if side.model is not None and images is not None:
            if cancel is not None and cancel():
                raise InterruptedError("the comparison was cancelled")
            raw = torch.as_tensor(np.asarray(images)) if not isinstance(images, torch.Tensor) else images
            x = run_preprocess(side.config)(raw.to(_module_device(side.model)))
            if x_first is None:
                x_first = x
            effective = effective_field(side.model, x, chosen.name, chosen.field)
        results.append(SideResult(side.config.arch, side.config.spec.display_name, chosen, unit,
                                  chosen.field.box(*unit), effective, side.weights, layers))
    return Comparison(results[0], results[1], tuple(a.config.input_size),
                      _display(x_first) if x_first is not None else None)

