"""Where the files that ship with ConvScope are: the offline samples, the presets, the style sheet.

They live in the top-level ``resources/`` folder of the source tree, which is installed as the data
package ``convscope.resources`` (``pyproject.toml``: ``[tool.setuptools] package-dir``). Found through
:mod:`importlib.resources`, they are the same files in an editable install (the checkout's folder) and
in an installed wheel (``site-packages/convscope/resources``). No Qt, no torch.
"""
from __future__ import annotations

import importlib.resources
from functools import lru_cache
from pathlib import Path

PACKAGE = "convscope.resources"
# A checkout whose project is not installed at all (only its dependencies): the folder beside core/.
_CHECKOUT_FOLDER = Path(__file__).resolve().parents[2] / "resources"


class ResourcesMissing(RuntimeError):
    """ConvScope's resource files are not where an installation puts them."""


@lru_cache(maxsize=1)
def resource_root() -> Path:
    """The folder of ConvScope's resources, a real folder on disk."""
    try:
        root = importlib.resources.files(PACKAGE)
    except ModuleNotFoundError:
        if (_CHECKOUT_FOLDER / "__init__.py").is_file():
            return _CHECKOUT_FOLDER
        raise ResourcesMissing(f"the package {PACKAGE!r} is not installed: reinstall ConvScope "
                               "(pip install convscope, or pip install -e . in a checkout)") from None
    if not isinstance(root, Path):  # a zip import: the resources must be real files (numpy, Qt read them)
        raise ResourcesMissing(f"{PACKAGE} is not installed as plain files ({root!r}); install the wheel "
                               "with pip instead of importing it from a zip")
    return root


def resource_path(*parts: str) -> Path:
    """The path of a resource file or folder, e.g. ``resource_path("data", "mnist_sample.npz")``.
    Whether it exists is the caller's business (a missing sample is reported where it is read)."""
    return resource_root().joinpath(*parts)
