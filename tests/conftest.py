"""Shared test configuration.

Markers (slow, e2e, reference) and warning filters live in pyproject.toml and are enforced
with --strict-markers; tests/e2e/conftest.py marks everything under tests/e2e as `e2e`.
Keep this file free of heavy imports so unit tests start fast.
"""
import os

# The reference tests run NEST in this process. NEST's wheel brings its own OpenMP runtime;
# Numba's default "omp" threading layer (threads=2 kernels) starts the system's libgomp, and
# with both thread pools in one process a later nest.ResetKernel segfaults (seen: a
# threads=2 Simulator test, then tests/reference). Numba's own "workqueue" pool shares nothing
# with NEST. The app never imports NEST in-process (`run --backend nest` is a child process).
os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")
