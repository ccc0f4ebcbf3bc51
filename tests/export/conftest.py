"""The Brian2 interpreter for the exporter tests (Brian2 cannot share the project's venv)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BRIAN2_VENV = ROOT / ".venv-brian2"
# Brian2 2.9 (the newest) breaks with numpy 2.4 (ndarray.ptp is gone), so it lives in its own venv.
BRIAN2_REQUIREMENTS = ("brian2==2.9.0", "numpy<2.4")


@pytest.fixture(scope="session")
def brian2_python() -> str:
    """A Python with Brian2: $SNN_BRIAN2_PYTHON, or .venv-brian2 (made on first use from PyPI)."""
    given = os.environ.get("SNN_BRIAN2_PYTHON")
    if given:
        return given
    python = BRIAN2_VENV / "bin" / "python"
    check = [str(python), "-c", "import brian2, numpy"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return str(python)
    made = subprocess.run([sys.executable, "-m", "venv", "--clear", str(BRIAN2_VENV)], capture_output=True, text=True)
    if made.returncode == 0:
        made = subprocess.run([str(python), "-m", "pip", "install", "-q", *BRIAN2_REQUIREMENTS],
                              capture_output=True, text=True, timeout=900)
    if made.returncode != 0 or subprocess.run(check, capture_output=True).returncode != 0:
        # scripts/test sets up everything the suite needs, so a Brian2 that cannot be installed is a failure
        pytest.fail(f"could not set up {BRIAN2_VENV.name} with {' '.join(BRIAN2_REQUIREMENTS)}: "
                    f"{(made.stderr or made.stdout).strip().splitlines()[-1:]}")
    return str(python)
