"""The shape of the code, enforced: layering, no import cycles, no huge files. No Qt needed.

- The repository's top folder is the package `convscope`: `core/` is `convscope.core`, the Qt-free
  engine, `app/` is `convscope.app`, the GUI on top of it. app may import core, core never
  imports app, PySide6 or pyqtgraph, and app never imports torch/torchvision itself (it goes
  through core). Inside core, the wings (cli, training, runs, insight, setup, data | models, base)
  import only the wings below them. Nothing imports the bare names `core` or `app`. The contracts live in
  pyproject.toml (`[tool.importlinter]`) and are checked by
  import-linter (`lint-imports`, also run by `make test`); the tests here run it and prove that
  the contracts really catch a violation.
- No module of core/ or app/ takes part in an import cycle, counting lazy (function-level)
  imports: a lazy cycle is a cycle that merely has not gone off yet.
- No .py file in core/ or app/ is longer than MAX_LINES lines.
"""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "app")
MAX_LINES = 700
LINT_TIMEOUT_S = 60

# The same command `make test` runs, without depending on where the console script is installed.
# lint-imports puts its working directory first on sys.path, so it analyses the tree it runs in.
_LINT_IMPORTS = [sys.executable, "-c",
                 "from importlinter.cli import lint_imports_command; lint_imports_command()"]


def _lint_imports(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(cwd), *filter(None, [env.get("PYTHONPATH")])])
    env["COLUMNS"] = "250"  # rich wraps at 80 columns otherwise, splitting names and chains
    env.pop("FORCE_COLOR", None)
    env["NO_COLOR"] = "1"
    return subprocess.run(
        [*_LINT_IMPORTS, "--no-logo", "--no-cache", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=LINT_TIMEOUT_S,
    )


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


# ------------------------------------------------------------------------------ import-linter


def test_import_contracts_hold() -> None:
    contracts = _contracts()
    assert {"layers", "core-wings", "core-no-qt", "app-no-torch", "no-bare-names"} <= contracts.keys()
    result = _lint_imports(ROOT)
    output, exit_code = result.stdout + result.stderr, result.returncode
    assert exit_code == 0, f"lint-imports failed (exit {exit_code}):\n{output}"
    assert f"Contracts: {len(contracts)} kept, 0 broken." in output, output


def _copy_project(dest: Path) -> Path:
    """Copy the package (its __init__.py and the .py files of core/ and app/) to dest/convscope and
    pyproject.toml (so: the real contracts) to dest; returns dest/convscope."""
    package_root = dest / "convscope"
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            target = package_root / path.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    shutil.copyfile(ROOT / "__init__.py", package_root / "__init__.py")
    shutil.copyfile(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return package_root


P = "convscope."
LEAKS = {
    "app-imports-torch": ("app-no-torch", {"app/_leak.py": "import torch\n"}, [P + "app._leak -> torch"]),
    "app-imports-torchvision-lazily": (
        "app-no-torch",
        {"app/_leak.py": "def load():\n    from torchvision import transforms\n    return transforms\n"},
        [P + "app._leak -> torchvision"],
    ),
    "core-imports-qt": ("core-no-qt", {"core/_leak.py": "import PySide6\n"}, [P + "core._leak -> PySide6"]),
    "core-imports-qt-indirectly": (
        "core-no-qt",
        {
            "core/_leak.py": "def show():\n    from convscope.app import _leak_qt\n",
            "app/_leak_qt.py": "import pyqtgraph\n",
        },
        [P + "core._leak", P + "app._leak_qt", "pyqtgraph"],
    ),
    "core-imports-app-lazily": (
        "layers",
        {"core/_leak.py": "def notify():\n    from convscope.app import _leak_target\n"},
        [P + "core._leak -> " + P + "app._leak_target"],
    ),
    "a-wing-imports-upward": (  # the data wing reaching up into training, lazily
        "core-wings",
        {"core/data/_leak.py": "def train():\n    from convscope.core.training import engine\n"},
        [P + "core.data._leak -> " + P + "core.training.engine"],
    ),
    "a-lower-wing-imports-setup": (
        "core-wings",
        {"core/models/_leak.py": "from convscope.core.setup.config import TrainConfig\n"},
        [P + "core.models._leak -> " + P + "core.setup.config"],
    ),
    "data-and-models-stay-apart": (
        "core-wings",
        {"core/data/_leak.py": "from convscope.core.models import registry\n"},
        [P + "core.data._leak -> " + P + "core.models.registry"],
    ),
    "a-bare-core-import": ("no-bare-names", {"app/_leak.py": "from core.setup import config\n"},
                           [P + "app._leak -> core"]),
}


@pytest.mark.parametrize("case", sorted(LEAKS))
def test_a_broken_contract_is_caught(case: str, tmp_path: Path) -> None:
    contract_id, files, expected = LEAKS[case]
    package_root = _copy_project(tmp_path)
    for relative, source in files.items():
        (package_root / relative).write_text(source, encoding="utf-8")
    (package_root / "app" / "_leak_target.py").write_text("X = 1\n", encoding="utf-8")

    result = _lint_imports(tmp_path, "--contract", contract_id)
    output = result.stdout + result.stderr
    assert result.returncode != 0, f"lint-imports missed the {case} leak:\n{output}"
    name = _contracts()[contract_id]["name"]
    assert f"{name} BROKEN" in output, output
    assert "Contracts: 0 kept, 1 broken." in output, output
    for text in expected:  # names the leak: proves the copy, not the installed package, was analysed
        assert text in output, f"{text!r} not in the lint-imports output:\n{output}"


# ------------------------------------------------------------------------------ file size


def _py_files(root: Path) -> list[Path]:
    return sorted(path for package in PACKAGES for path in (root / package).rglob("*.py"))


def test_no_file_over_700_lines() -> None:
    counts = {path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
              for path in _py_files(ROOT)}
    assert counts, "no .py files found under core/ and app/"
    offenders = {name: n for name, n in counts.items() if n > MAX_LINES}
    assert not offenders, f"files over {MAX_LINES} lines: " + ", ".join(
        f"{name} ({n} lines)" for name, n in sorted(offenders.items(), key=lambda item: -item[1]))


def test_no_two_test_files_share_a_name() -> None:
    """The test folders are not packages: pytest imports each file by its name, so two files of one name in
    different folders stop the whole suite at collection."""
    names: dict[str, list[str]] = {}
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        names.setdefault(path.name, []).append(path.relative_to(ROOT).as_posix())
    assert {name: paths for name, paths in names.items() if len(paths) > 1} == {}


# ------------------------------------------------------------------------------ import graph


def _module_names(root: Path, packages: tuple[str, ...], prefix: str = "") -> dict[str, Path]:
    """Dotted module name -> file, for every .py under the given packages (folders of root), each name
    starting with prefix (``"convscope."`` for this repository, whose top folder is that package)."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[prefix + ".".join(parts)] = path
    return modules


def _ancestors(name: str) -> list[str]:
    """'a.b.c' -> ['a', 'a.b']: the packages Python imports (runs the __init__ of) first."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _resolve_from(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module name a `from X import ...` statement in `importer` takes names from."""
    if not node.level:
        return node.module or ""
    package = importer if is_package else importer.rpartition(".")[0]
    parts = package.split(".")
    if node.level - 1 >= len(parts):
        raise ValueError(f"{importer}: relative import beyond the top-level package (line {node.lineno})")
    base = ".".join(parts[: len(parts) - (node.level - 1)])
    return f"{base}.{node.module}" if node.module else base


Edges = dict[str, dict[str, str]]  # importer -> {imported: "file:line" of the first such import}


def import_graph(root: Path, packages: tuple[str, ...], prefix: str = "") -> Edges:
    """The import graph between the modules of `packages` (directories under `root`).

    Every import statement counts, wherever it is: module level, inside functions and methods
    (lazy imports), under `if`/`try`, and under `if TYPE_CHECKING:`. Dynamic imports
    (`importlib.import_module(...)`) are not seen. Imports of modules outside `packages` are
    ignored. The rules:

    - `import a.b.c` is an edge to `a.b.c`; `from a.b import n` is an edge to the module `a.b.n`
      if that is a module, else to `a.b` (its `__init__`, which defines `n`). Relative imports
      (`from . import x`, `from .m import y`, `from .. import z`) are resolved first.
    - Importing `a.b.c` first runs the `__init__` of the packages `a` and `a.b`: those are edges
      too (to the `__init__` modules only), EXCEPT where the package contains the importer itself.
      Python has already started running every package above a module before the module's own
      code runs, so for `core/models/vgg.py` doing `from .registry import x` the implicit
      `core.models.vgg -> core.models` edge changes nothing and is left out; otherwise every
      package `__init__` that re-exports from its submodules would be "in a cycle" with them.
      An EXPLICIT import of the parent package (`from . import name_defined_in_init`,
      `import core.models`) is an edge: it reads a possibly half-initialised `__init__`.
    """
    modules = _module_names(root, packages, prefix)
    edges: Edges = {name: {} for name in modules}

    for importer, path in modules.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        own_packages = set(_ancestors(importer)) | ({importer} if is_package else set())

        for node in ast.walk(tree):
            explicit: list[str] = []
            if isinstance(node, ast.Import):
                explicit = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve_from(importer, is_package, node)
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    explicit.append(submodule if alias.name != "*" and submodule in modules else base)
            else:
                continue
            where = f"{path.relative_to(root).as_posix()}:{node.lineno}"
            targets = set(explicit)
            for name in explicit:
                targets.update(p for p in _ancestors(name) if p not in own_packages)
            for target in targets:
                if target in modules and target != importer:
                    edges[importer].setdefault(target, where)
    return edges


def find_cycle(edges: Edges) -> list[str] | None:
    """One cycle of the graph as a path [m0, m1, ..., m0], or None if it is acyclic."""
    WHITE, GREY, BLACK = 0, 1, 2
    color = dict.fromkeys(edges, WHITE)
    for start in sorted(edges):
        if color[start] != WHITE:
            continue
        stack = [(start, iter(sorted(edges[start])))]
        path = [start]
        color[start] = GREY
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                color[node] = BLACK
            elif color.get(child, BLACK) == GREY:
                return path[path.index(child):] + [child]
            elif color.get(child) == WHITE:
                color[child] = GREY
                path.append(child)
                stack.append((child, iter(sorted(edges[child]))))
    return None


def _describe(cycle: list[str], edges: Edges) -> str:
    return " -> ".join(cycle) + "\n" + "\n".join(
        f"  {a} -> {b}  ({edges[a][b]})" for a, b in zip(cycle, cycle[1:]))


def test_no_import_cycle_between_project_modules() -> None:
    """See `import_graph` for what counts as an import (lazy imports do)."""
    edges = import_graph(ROOT, PACKAGES, prefix="convscope.")
    assert len(edges) > 10, f"too few modules found: {sorted(edges)}"
    # The graph is the real one: the imports of the engine and the window are in it.
    assert sum(map(len, edges.values())) > 300, "too few imports found: are the names the code's own?"
    assert "convscope.core.setup.config" in edges["convscope.core.training.engine"]
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle between project modules:\n" + _describe(cycle, edges)


def _write_tree(root: Path, files: dict[str, str]) -> None:
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")


def test_cycle_detector_finds_a_lazy_cycle(tmp_path: Path) -> None:
    _write_tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "def run():\n    from . import b\n    return b\n",
        "pkg/b.py": "class B:\n    def method(self):\n        import pkg.a\n",
        "pkg/c.py": "from pkg import a\n",
    })
    edges = import_graph(tmp_path, ("pkg",))
    assert edges["pkg.a"] == {"pkg.b": "pkg/a.py:2"}
    assert edges["pkg.b"] == {"pkg.a": "pkg/b.py:3"}
    assert find_cycle(edges) in (["pkg.a", "pkg.b", "pkg.a"], ["pkg.b", "pkg.a", "pkg.b"])


def test_cycle_detector_resolves_relative_and_parent_imports(tmp_path: Path) -> None:
    _write_tree(tmp_path, {
        "top/__init__.py": "from .sub.reg import X\n",
        "top/z.py": "Z = 1\n",
        "top/sub/__init__.py": "",
        "top/sub/reg.py": "from .. import z\nfrom ..z import Z\nX = 1\n",
        "top/sub/fam.py": "from .reg import X\nimport top.z\n",
        "top/user.py": "from top.sub import fam\n",
    })
    edges = import_graph(tmp_path, ("top",))
    assert set(edges["top"]) == {"top.sub", "top.sub.reg"}  # the implicit edge to the package too
    assert set(edges["top.sub.reg"]) == {"top.z"}  # no implicit edges to its own packages
    assert set(edges["top.sub.fam"]) == {"top.sub.reg", "top.z"}
    assert set(edges["top.user"]) == {"top.sub.fam", "top.sub"}
    assert find_cycle(edges) is None


def test_cycle_detector_parent_package_rule(tmp_path: Path) -> None:
    # A package re-exporting from its submodule is fine: the submodule's implicit import of its
    # parent package is no edge...
    _write_tree(tmp_path, {
        "ok/__init__.py": "from .fam import F\n",
        "ok/fam.py": "from .reg import R\nF = R\n",
        "ok/reg.py": "R = 1\n",
    })
    assert find_cycle(import_graph(tmp_path, ("ok",))) is None
    # ...but reading a name from the half-initialised parent package explicitly is a cycle.
    _write_tree(tmp_path, {
        "bad/__init__.py": "from .fam import F\nX = 1\n",
        "bad/fam.py": "from . import X\nF = X\n",
    })
    cycle = find_cycle(import_graph(tmp_path, ("bad",)))
    assert cycle in (["bad", "bad.fam", "bad"], ["bad.fam", "bad", "bad.fam"])


def test_find_cycle_on_synthetic_graphs() -> None:
    assert find_cycle({"a": {"b": ""}, "b": {"c": ""}, "c": {}}) is None
    diamond = {"a": {"b": "", "c": ""}, "b": {"d": ""}, "c": {"d": ""}, "d": {}}
    assert find_cycle(diamond) is None
    assert find_cycle({"a": {"b": ""}, "b": {"c": ""}, "c": {"a": ""}}) == ["a", "b", "c", "a"]
    behind_a_tail = {"x": {"y": ""}, "y": {}, "p": {"q": ""}, "q": {"q2": ""}, "q2": {"q": ""}}
    assert find_cycle(behind_a_tail) == ["q", "q2", "q"]


# ------------------------------------------------------------------------------ app and torch


def test_app_never_imports_torch() -> None:
    """app/ reaches torch only through core: no `import torch...`/`from torchvision...` anywhere."""
    offenders = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                if name.split(".")[0] in ("torch", "torchvision"):
                    offenders.append((path.relative_to(ROOT).as_posix(), node.lineno, name))
    assert not offenders, "app/ imports torch directly:\n" + "\n".join(
        f"{file}:{line}: import {name}" for file, line, name in sorted(offenders))


# ------------------------------------------------------------------------------ tabs and the window
# The window hands its tabs a session (app/session.py) and itself as their host: no module of app/ but
# the window's own and the launcher imports the main window, and nothing probes a window's attributes
# (getattr/hasattr/setattr on a window, or on anything with a private name) — import-linter cannot see
# that coupling.
WINDOW_MODULES = {"main_window.py", "launcher.py"}
PROBES = {"getattr", "hasattr", "setattr"}


def _names_a_window(node: ast.AST, aliases: set[str] = frozenset()) -> bool:
    if isinstance(node, ast.Name):
        return "window" in node.id.lower() or node.id in aliases
    if isinstance(node, ast.Attribute):
        return "window" in node.attr.lower() or _names_a_window(node.value, aliases)
    return False


def window_coupling(source: str) -> list[str]:
    """What in ``source`` (a module of app/) reaches into the main window: ``line: what``."""
    tree = ast.parse(source)
    aliases = {t.id for node in ast.walk(tree) if isinstance(node, ast.Assign) and _names_a_window(node.value)
               for t in node.targets if isinstance(t, ast.Name)}  # w = self.window
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = [node.module or "", *(a.name for a in node.names)]
            if any(n == "main_window" or n.endswith(".main_window") for n in names):
                found.append(f"{node.lineno}: imports main_window")
        elif isinstance(node, ast.Import):
            if any(a.name.endswith(".main_window") for a in node.names):
                found.append(f"{node.lineno}: imports main_window")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in PROBES \
                and len(node.args) >= 2:
            target, name = node.args[0], node.args[1]
            private = isinstance(name, ast.Constant) and isinstance(name.value, str) and name.value.startswith("_")
            if private or _names_a_window(target, aliases):
                found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_tab_reaches_into_the_main_window() -> None:
    problems = []
    for path in _py_files(ROOT):
        if path.relative_to(ROOT).parts[0] != "app" or (path.parent == ROOT / "app" and path.name in WINDOW_MODULES):
            continue
        problems += [f"{path.relative_to(ROOT)}:{what}" for what in window_coupling(path.read_text(encoding="utf-8"))]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("source", [
    "from ..main_window import MainWindow\n",
    "from convscope.app import main_window\n",
    "import convscope.app.main_window\n",
    "def f(w):\n    return getattr(w, '_core', None)\n",
    "def f(self):\n    return getattr(self.window, 'jobs', None)\n",
    "def f(main_window):\n    return hasattr(main_window, 'is_running')\n",
    "def f(self):\n    w = self.window\n    return getattr(w, 'shown', None)\n",
])
def test_window_coupling_is_caught(source: str) -> None:
    assert window_coupling(source)


def test_window_coupling_leaves_other_probes_alone() -> None:
    assert window_coupling("def f(trainer, ev):\n    return getattr(trainer, 'run_dir', None), ev\n") == []
