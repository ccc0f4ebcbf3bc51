"""The layering of shared/DESIGN.md: the engine never imports the UI; kernels only numpy and numba."""
import ast
from pathlib import Path

import pytest

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
