"""The model zoo: one :class:`ModelSpec` per architecture, and the functions to list and build them.

Each family file (``lenet.py``, ``nin.py``, …) builds its networks and calls :func:`register` once per
architecture name; the package imports the families (in curriculum order) right after this module, so
the registry is complete whenever ``core.models`` has been imported. The names are a contract with the CLI and the
GUI (``lenet``, ``nin``, …).
"""
from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import torch
from torch import nn

from convscope.core.base.modeltools import count_params, eval_mode  # noqa: F401 - count_params is part of the zoo's API

ProbeKind = Literal["feature", "1x1", "gap"]


class UnknownModelError(ValueError):
    """An architecture name that is not registered."""


class ModelOptionError(ValueError):
    """An option the architecture cannot take (e.g. an input too small for its pooling stages)."""


@dataclass(frozen=True)
class ProbeLayer:
    """A layer worth looking at while the network trains.

    ``module`` is the dotted module path inside the model (``model.get_submodule(module)``); its output
    is what the live views show. ``kind`` says which view fits: ``feature`` (a feature map), ``1x1``
    (a 1×1 convolution, shown with its input, output and weight matrix) or ``gap`` (the per-class maps
    that a global average pool turns into the scores).
    """

    module: str
    kind: ProbeKind
    label: str


@dataclass(frozen=True)
class ModelSpec:
    """Everything the app knows about one architecture before it builds it."""

    name: str
    family: str
    display_name: str
    description: str  # one line, for a student choosing a network
    paper: str  # one-line reference
    builder: Callable[..., nn.Module]
    probe_layers: tuple[ProbeLayer, ...]
    # Default input (C, H, W) of the native form; the dataset decides C and H, W at run time.
    input_size: tuple[int, int, int] = (1, 28, 28)
    # Side length the d2l book resizes to (None: the architecture has a single form).
    d2l_size: int | None = None
    # Hyperparameters a student can trust on this architecture (keys of core.training.engine.TrainConfig).
    defaults: dict = field(default_factory=dict)
    # Which options of create_model the builder understands.
    options: frozenset[str] = frozenset()
    # The smallest input side the native form accepts.
    min_size: int = 28

    @property
    def probe_modules(self) -> list[str]:
        """The distinct modules of :attr:`probe_layers` (one module may be shown by several views), in order."""
        return list(dict.fromkeys(layer.module for layer in self.probe_layers))

    @property
    def forms(self) -> tuple[str, ...]:
        return ("native", "d2l") if self.d2l_size else ("native",)

    def input_side(self, form: str, native_side: int) -> int:
        """The side length images are resized to for this form."""
        if form == "d2l" and self.d2l_size:
            return self.d2l_size
        return native_side


_REGISTRY: dict[str, ModelSpec] = {}

# Options every builder receives; the others only where listed in ModelSpec.options.
COMMON_OPTIONS = frozenset({"in_channels", "num_classes", "input_size", "form"})
KNOWN_OPTIONS = frozenset({"batchnorm", "dropout", "width", "activation", "shortcut", "factorize"})


def register(spec: ModelSpec) -> ModelSpec:
    if spec.name in _REGISTRY:
        raise ValueError(f"architecture {spec.name!r} registered twice")
    unknown = spec.options - KNOWN_OPTIONS
    if unknown:
        raise ValueError(f"{spec.name}: unknown options {sorted(unknown)}")
    _REGISTRY[spec.name] = spec
    return spec


def list_models() -> list[ModelSpec]:
    """All registered architectures, in curriculum order (LeNet → ResNet)."""
    return list(_REGISTRY.values())


def get_spec(name: str) -> ModelSpec:
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, _REGISTRY, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UnknownModelError(
            f"unknown architecture {name!r}.{hint} Choose one of: {', '.join(_REGISTRY)}."
        ) from None


def create_model(
    name: str,
    *,
    in_channels: int | None = None,
    input_size: int | None = None,
    num_classes: int = 10,
    form: str = "native",
    **options,
) -> nn.Module:
    """Build architecture ``name``.

    ``in_channels``/``input_size`` default to the spec's native input; with ``form="d2l"`` the input side
    becomes the book's resize (224 or 96 px) unless given. Options the spec does not list are refused.
    """
    spec = get_spec(name)
    if form not in spec.forms:
        raise ModelOptionError(
            f"{name} has no {form!r} form; it has {', '.join(spec.forms)}."
        )
    extra = set(options) - spec.options
    if extra:
        raise ModelOptionError(
            f"{name} does not take option(s) {', '.join(sorted(extra))}; "
            f"it takes {', '.join(sorted(spec.options)) or 'none'}."
        )
    options = {k: v for k, v in options.items() if v is not None}
    c = spec.input_size[0] if in_channels is None else int(in_channels)
    side = input_size if input_size is not None else spec.input_side(form, spec.input_size[1])
    if "width" in options and not 0 < float(options["width"]) <= 4:
        raise ModelOptionError(f"width multiplier must be in (0, 4], got {options['width']}")
    if "dropout" in options and not 0 <= float(options["dropout"]) < 1:
        raise ModelOptionError(f"dropout must be in [0, 1), got {options['dropout']}")
    model = spec.builder(in_channels=c, num_classes=num_classes, input_size=side, form=form, **options)
    model.spec_name = name
    return model


def count_flops(model: nn.Module, input_size: tuple[int, int, int]) -> int:
    """FLOPs of one forward pass on one image, as ``torch.utils.flop_counter`` counts them."""
    from torch.utils.flop_counter import FlopCounterMode

    with eval_mode(model), torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, *input_size))
    return int(counter.get_total_flops())


def scaled(channels: int, width: float) -> int:
    """Channel count under a width multiplier (at least 4, so every layer still has a few maps)."""
    return max(4, int(round(channels * width)))


def check_input(name: str, side: int, minimum: int) -> None:
    """Refuse inputs the architecture's pooling stages would shrink to nothing."""
    if side < minimum:
        raise ModelOptionError(
            f"{name} needs inputs of at least {minimum}×{minimum} px, got {side}×{side}; "
            f"use a larger input size (e.g. the d2l resize) or another architecture."
        )


def check_form_input(name: str, form: str, side: int, native_min: int, d2l_min: int | None = None) -> None:
    """Refuse an unknown form, or an input too small for the form's pooling stages."""
    if form not in ("native", "d2l") or (form == "d2l" and d2l_min is None):
        raise ModelOptionError(f"{name} has no {form!r} form")
    if form == "d2l":
        check_input(f"{name} (d2l form)", side, d2l_min)
    else:
        check_input(name, side, native_min)
