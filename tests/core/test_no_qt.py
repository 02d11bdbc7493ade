"""core/ never loads Qt, and what the settings panel reads before torch loads never loads torch: a fresh
interpreter imports the modules and checks sys.modules."""
import pkgutil
import subprocess
import sys
from pathlib import Path

import convscope.core

ROOT = Path(__file__).resolve().parents[2]


def test_importing_all_of_core_loads_no_qt():
    modules = sorted(m.name for m in pkgutil.walk_packages(convscope.core.__path__, "convscope.core."))
    assert "convscope.core.training.engine" in modules and "convscope.core.models.nin" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "from convscope.core.models import list_models; list_models()\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6') "
        "or m.startswith('convscope.app'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# What the window's settings panel imports while it is built, before torch has loaded (app/launcher.py).
TORCH_FREE = ("convscope.core.setup.config", "convscope.core.data.datasets", "convscope.core.data.augment_spec",
              "convscope.core.setup.presets", "convscope.core.base.resources")


def test_the_settings_modules_and_their_wings_leave_torch_out():
    code = (
        "import importlib, sys\n"
        f"for name in {TORCH_FREE!r}: importlib.import_module(name)\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'torchvision'))\n"
        "print(heavy[:5]); sys.exit(1 if heavy else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_torch_free_check_sees_torch():
    """The check above is real: a module that imports torch fails it."""
    code = "import importlib, sys; importlib.import_module('convscope.core.base.modeltools'); " \
           "sys.exit(1 if 'torch' in sys.modules else 0)"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
