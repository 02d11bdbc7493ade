"""The architectures of the classic-CNN curriculum, one family per file, and their registry."""
from .registry import (
    ModelOptionError,
    ModelSpec,
    ProbeLayer,
    UnknownModelError,
    count_flops,
    count_params,
    create_model,
    get_spec,
    list_models,
)

__all__ = [
    "ModelOptionError", "ModelSpec", "ProbeLayer", "UnknownModelError", "count_flops", "count_params",
    "create_model", "get_spec", "list_models",
]
