"""The layering of shared/DESIGN.md: the engine never imports the UI; kernels only numpy and numba;
the designer uses the engine's public names only; no module imports another package's private names."""
import ast
import importlib
from pathlib import Path

import pytest

import engine
import engine.cli
import engine.io
import engine.io.data
import engine.io.export

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


ENGINE_FILES = sorted((ROOT / "engine").rglob("*.py"))
KERNEL_FILES = sorted((ROOT / "engine" / "kernels").rglob("*.py"))


@pytest.mark.parametrize("path", ENGINE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_never_imports_the_ui(path):
    assert not imported_modules(path) & {"panel", "bokeh", "holoviews", "designer", "param"}


@pytest.mark.parametrize("path", KERNEL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_kernels_import_only_numpy_numba_and_each_other(path):
    allowed = {"numpy", "numba", "math", "enum", "engine", "__future__"}  # enum: IntEnum constants schemas
    assert imported_modules(path) <= allowed
    engine_imports = [n.module for n in ast.walk(ast.parse(path.read_text()))
                      if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("engine")]
    assert all(m.startswith("engine.kernels") for m in engine_imports), engine_imports


def test_designer_uses_the_engine_public_api_only_at_its_top_level():
    """The designer may use engine's public modules (engine, engine.io, engine.model...), never the kernels."""
    for path in sorted((ROOT / "designer").rglob("*.py")):
        source = path.read_text()
        assert "engine.kernels" not in source and "engine.compile" not in source, path


# What the designer may import from the engine: these modules, each by its public names (its
# __all__, or else its names without a leading underscore).
DESIGNER_MAY_USE = ("engine", "engine.io", "engine.io.data", "engine.io.export", "engine.learning", "engine.neuromorphic")
DESIGNER_MAY_USE_NAMES = {"engine.cli": {"main"}}  # the command line the designer's __main__ starts
# Known cases, each pending another engineer's change; an entry that no longer occurs must go.
PENDING: set[tuple[str, str, str]] = set()  # known exceptions, each with a comment naming its fix


def public_names(module_name: str) -> set[str]:
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    return set(names) if names is not None else {n for n in vars(module) if not n.startswith("_")}


def imported_names(path: Path):
    """(module, name) for every absolute `from module import name`, and (module, None) for `import module`."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield node.module, alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_designer_imports_only_the_engines_public_names():
    allowed = {module: public_names(module) for module in DESIGNER_MAY_USE} | DESIGNER_MAY_USE_NAMES
    wrong = []
    for path in sorted((ROOT / "designer").rglob("*.py")):
        for module, name in imported_names(path):
            if module.split(".")[0] != "engine" or (relative(path), module, name) in PENDING:
                continue
            if name is None:
                ok = module in allowed
            else:
                ok = name in allowed.get(module, ()) or f"{module}.{name}" in allowed  # a public submodule
            if not ok:
                wrong.append(f"{relative(path)}: {module}.{name or ''}")
    assert not wrong, "past engine's public API (export it from engine/__init__.py):\n" + "\n".join(wrong)


def package_of(module: str) -> str:
    """The package a module belongs to (a package belongs to itself)."""
    parts = module.split(".")
    return module if (ROOT.joinpath(*parts) / "__init__.py").exists() else ".".join(parts[:-1])


PYTHON_FILES = sorted(p for top in ("engine", "designer", "benchmarks", "tests", "scripts") if (ROOT / top).is_dir()
                      for p in (ROOT / top).rglob("*.py"))


def test_no_module_imports_a_private_name_from_another_package():
    found, wrong = set(), []
    for path in PYTHON_FILES:
        own = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
        for module, name in imported_names(path):
            private = [part for part in ([*module.split("."), name] if name else module.split("."))
                       if part.startswith("_") and not part.startswith("__")]
            if not private or package_of(module) == own:
                continue
            key = (relative(path), module, name)
            if key in PENDING:
                found.add(key)
            else:
                wrong.append(f"{key[0]}: from {module} import {name}" if name else f"{key[0]}: import {module}")
    assert not wrong, "private names used across packages (give them a public name):\n" + "\n".join(wrong)
    assert found == PENDING, f"no longer pending, remove from PENDING: {sorted(PENDING - found)}"
