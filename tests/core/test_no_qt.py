"""core/ never loads Qt: a fresh interpreter imports every core module and checks sys.modules."""
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
