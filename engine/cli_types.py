"""Argument types of the command line, shared by engine/cli.py and engine/io/export/cli.py
(its own module, so neither CLI module imports the other at import time)."""
from __future__ import annotations

import argparse
import math


def positive_ms(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of ms, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number of ms > 0, got {text!r}")
    return value


def _whole_number(text: str, what: str, low: int, high: int, high_text: str = "") -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"must be between {low} and {high_text or high}, got {text}")
    return value


def seed_number(text: str) -> int:
    return _whole_number(text, "a whole number", 0, 2**32 - 1, "2^32-1")


def port_number(text: str) -> int:
    return _whole_number(text, "a port number", 1, 65535)


def thread_count(text: str) -> int:
    return _whole_number(text, "a whole number of threads", 1, 1024)


__all__ = ["port_number", "positive_ms", "seed_number", "thread_count"]
