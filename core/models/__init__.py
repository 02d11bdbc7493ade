"""The architectures of the classic-CNN curriculum, one family per file, and their registry."""
from convscope.core.models.registry import (
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

# Importing a family registers its architectures; this order is the order of list_models() (d2l ch. 7-8).
from convscope.core.models import lenet, alexnet, vgg, nin, googlenet, resnet  # noqa: F401  isort: skip

__all__ = [
    "ModelOptionError", "ModelSpec", "ProbeLayer", "UnknownModelError", "count_flops", "count_params",
    "create_model", "get_spec", "list_models",
]
