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


def count_of(what: str):
    """A whole number >= 1 of `what` (e.g. networks, neurons)."""
    def parse(text: str) -> int:
        return _whole_number(text.replace("_", "").replace(",", ""), f"a whole number of {what}", 1, 10**12)
    parse.__name__ = f"number of {what}"
    return parse


def seconds_or_never(unit_s: float):
    """A time >= 0 in units of `unit_s` seconds (minutes: 60), as seconds; 0 means never."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value) or value < 0:
            raise argparse.ArgumentTypeError(f"must be a finite number >= 0 (0: never), got {text!r}")
        return value * unit_s
    parse.__name__ = "duration"
    return parse


def megabytes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of MB, got {text!r}") from None
    if not math.isfinite(value) or not 0 < value <= 1024:
        raise argparse.ArgumentTypeError(f"must be a number of MB from more than 0 to 1024, got {text!r}")
    return value


__all__ = ["count_of", "megabytes", "port_number", "positive_ms", "seconds_or_never", "seed_number", "thread_count"]
