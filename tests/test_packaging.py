"""The wheel alone is the app: built from a copy of the sources, installed into a fresh virtual environment and
run from a folder outside the checkout, `convscope` lists the architectures, trains on a shipped offline
sample and opens the window with its style sheet, presets and help.

The fresh environment gets torch, PySide6 and the other dependencies from the test's own environment (a
`.pth` file that appends its site-packages), not from a second install: a real `pip install torch` of the
pinned release takes about two minutes and 6 GB here. What is tested is everything the wheel brings: its
modules, its data files and its console script. The checkout is never on `sys.path` (checked).
"""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("__init__.py", "__main__.py", "main.py", "core", "app", "resources", "pyproject.toml", "README.md")
NOT_SHIPPED = ("convert_",)  # resources/data/convert_*.py: how the samples were made, not needed to run
TIMEOUT_S = 180



def _run(args, **kwargs) -> subprocess.CompletedProcess[str]:
    kwargs.setdefault("timeout", TIMEOUT_S)
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    assert proc.returncode == 0, f"{args} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _resource_files() -> list[str]:
    """resources/ files the app needs, as the wheel names them (convscope/resources/...)."""
    names = []
    for path in sorted((ROOT / "resources").rglob("*")):
        relative = path.relative_to(ROOT / "resources")
        if (path.is_file() and "__pycache__" not in relative.parts and path.suffix != ".pyc"
                and not path.name.startswith(NOT_SHIPPED)):
            names.append("convscope/resources/" + relative.as_posix())
    return names


def test_resource_path_finds_the_resources_of_this_checkout():
    from convscope.core.base.resources import resource_path, resource_root

    assert resource_root() == ROOT / "resources"  # the editable install maps convscope.resources here
    assert resource_path("presets.json").is_file() and resource_path("data", "mnist_sample.npz").is_file()


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the wheel, the fresh environment's bin folder, a folder outside the checkout, its environment)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"  # a copy: no build/ or egg-info of earlier builds in the checkout ends up in the wheel
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, src / name)
    _run([sys.executable, "-m", "pip", "wheel", src, "--no-deps", "--no-build-isolation", "--no-index",
          "--quiet", "-w", tmp / "dist"])
    (wheel,) = (tmp / "dist").glob("convscope-*.whl")

    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", venv])
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    _run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", wheel])
    # Written after the install, so pip never sees (or touches) the test environment's editable convscope.
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    borrowed = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (site / "zz_convscope_test_dependencies.pth").write_text("\n".join(borrowed) + "\n", encoding="utf-8")

    outside = tmp / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(QT_QPA_PLATFORM="offscreen", CONVSCOPE_SETTINGS_DIR=str(tmp / "settings"),
               CONVSCOPE_RUNS_DIR=str(tmp / "runs"), PYTHONDONTWRITEBYTECODE="1")
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    return wheel, bin_dir, outside, env


@pytest.mark.slow
def test_the_wheel_holds_every_module_and_resource(installed):
    wheel = installed[0]
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        entry_points = next(z.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt"))
    modules = sorted("convscope/" + p.relative_to(ROOT).as_posix() for package in ("core", "app")
                     for p in (ROOT / package).rglob("*.py"))
    assert [m for m in modules if m not in names] == [], "modules missing from the wheel"
    assert {"convscope/__init__.py", "convscope/__main__.py"} <= names
    # One import package and its metadata, nothing else: no top-level core/ or app/ to clash with others.
    (dist_info,) = {n.split("/")[0] for n in names if ".dist-info/" in n}
    assert {n.split("/")[0] for n in names} == {"convscope", dist_info}, sorted(names)[:20]
    with zipfile.ZipFile(wheel) as z:
        record = z.read(f"{dist_info}/RECORD").decode()
    assert not [line for line in record.splitlines() if line.startswith(("core/", "app/", "resources/"))]
    resources = _resource_files()
    assert [r for r in resources if r not in names] == [], \
        "resources missing from the wheel: add their pattern to [tool.setuptools.package-data]"
    samples = sorted(n for n in names if n.startswith("convscope/resources/data/") and n.endswith(".npz"))
    assert len(samples) >= 3, samples
    assert "convscope = convscope.app.launcher:main" in entry_points
    assert not any(n.startswith(("tests/", "benchmarks/", "resources/")) for n in names)


@pytest.mark.slow
def test_the_installed_code_and_resources_come_from_the_wheel(installed):
    _, bin_dir, outside, env = installed
    code = ("import sys, convscope.core, convscope.app, convscope.resources\n"
            "from convscope.core.base.resources import resource_path\n"
            "from convscope.core.setup.presets import PRESETS_FILE\n"
            "from convscope.app.startup import RESOURCES\n"
            "print(repr(sys.path))\n"
            "for path in (convscope.core.__file__, convscope.app.__file__, convscope.resources.__file__, "
            "PRESETS_FILE, RESOURCES):\n"
            "    print(path)\n"
            "assert PRESETS_FILE.is_file() and (RESOURCES / 'style.qss').is_file()\n"
            "assert RESOURCES == resource_path()\n"
            "assert sorted(p.name for p in resource_path('data').glob('*.npz'))\n")
    lines = _run([bin_dir / "python", "-c", code], cwd=outside, env=env).stdout.splitlines()
    venv = bin_dir.parent.resolve()
    entries = [Path(entry or outside).resolve() for entry in ast.literal_eval(lines[0])]
    assert ROOT.resolve() not in entries  # the checkout is not on sys.path
    for path in lines[1:]:
        assert Path(path).resolve().is_relative_to(venv), path


@pytest.mark.slow
def test_convscope_lists_the_architectures(installed):
    _, bin_dir, outside, env = installed
    proc = _run([bin_dir / "convscope", "archs", "--json"], cwd=outside, env=env)
    archs = json.loads(proc.stdout.strip().splitlines()[-1])["architectures"]
    assert len(archs) == 9 and archs[0]["name"] == "lenet"
    help_text = _run([bin_dir / "convscope", "--help"], cwd=outside, env=env).stdout
    assert "usage: convscope" in help_text


@pytest.mark.slow
def test_convscope_trains_on_a_shipped_sample(installed):
    _, bin_dir, outside, env = installed
    proc = subprocess.run([str(bin_dir / "convscope"), "train", "--arch", "lenet", "--dataset", "mnist-sample",
                           "--epochs", "1", "--subset", "256", "--json", "--out", str(outside / "run")],
                          cwd=outside, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["status"] == "completed", result
    assert (outside / "run" / "model.safetensors").is_file()


@pytest.mark.slow
def test_convscope_opens_the_window(installed):
    _, bin_dir, outside, env = installed
    proc = _run([bin_dir / "convscope"], cwd=outside, env=dict(env, CONVSCOPE_STARTUP_REPORT="1"))
    assert any(line.startswith("ready ") for line in proc.stderr.splitlines()), proc.stderr


@pytest.mark.slow
def test_the_version_and_python_m_convscope_work_and_the_bare_names_are_not_installed(installed):
    _, bin_dir, outside, env = installed
    python = bin_dir / "python"
    version = _run([bin_dir / "convscope", "--version"], cwd=outside, env=env).stdout.strip()
    assert version == "convscope 0.1.0"
    assert _run([python, "-m", "convscope", "--version"], cwd=outside, env=env).stdout.strip() == version
    for bare in ("core", "app", "convscope_resources"):
        proc = subprocess.run([str(python), "-c", f"import {bare}"], cwd=outside, env=env, capture_output=True,
                              text=True, timeout=TIMEOUT_S)
        assert proc.returncode != 0 and "ModuleNotFoundError" in proc.stderr, (bare, proc.stderr)
    proc = _run([python, "-m", "convscope", "train", "--arch", "lenet", "--dataset", "mnist-sample", "--epochs", "1",
                 "--subset", "128", "--json"], cwd=outside, env=env)
    assert json.loads(proc.stdout.strip().splitlines()[-1])["status"] == "completed"
