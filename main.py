"""ConvScope: `python main.py` opens the window; `python main.py train|evaluate|predict|archs|presets` runs
headless. The same as the installed `convscope` command and `python -m convscope`: all three are
`convscope.app.launcher.main`.

The repository's top folder is the package `convscope`. Run from a checkout whose project is not installed
(only its dependencies, as on a machine that only has torch), :func:`use_this_checkout` makes the checkout
importable under that name first; the benchmarks call it too."""
import sys
from pathlib import Path


def use_this_checkout() -> None:
    """Make ``import convscope`` work: the installed package if there is one, else this checkout."""
    try:
        import convscope  # noqa: F401  # installed, or an editable install of this checkout
    except ModuleNotFoundError:
        import importlib.util

        here = Path(__file__).resolve().parent
        spec = importlib.util.spec_from_file_location("convscope", here / "__init__.py",
                                                      submodule_search_locations=[str(here)])
        package = importlib.util.module_from_spec(spec)
        sys.modules["convscope"] = package
        spec.loader.exec_module(package)


if __name__ == "__main__":
    use_this_checkout()
    from convscope.app.launcher import main

    sys.exit(main())
