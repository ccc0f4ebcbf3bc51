"""Shared test configuration.

Markers (slow, e2e, reference) and warning filters live in pyproject.toml and are enforced
with --strict-markers; tests/e2e/conftest.py marks everything under tests/e2e as `e2e`.
Nothing else is needed here: keep this file free of imports so unit tests start fast.
"""
