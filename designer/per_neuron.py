"""Parameters that vary per neuron, as the designer shows and edits them: a description,
a histogram of the neurons' values, scaling the whole and parsing a replacement.

A varying parameter is edited as a whole (scaled, or replaced by a number, a list or a
distribution), one undoable edit, taken live by a running simulation like any live value.
"""
from __future__ import annotations

import html
import math
import re
from dataclasses import replace

import numpy as np

from engine import Distribution, Population, ValidationError, neuron_values

HISTOGRAM_BINS = 20
_DISTRIBUTION_TEXT = re.compile(r"^\s*(normal|uniform|lognormal)\s*\(([^)]*)\)\s*$")


def describe(value, unit: str) -> str:
    """'uniform(low=-56, high=-54) mV, drawn per neuron' or 'listed: 4 values, -58 … -55 mV, mean -56.5'."""
    if isinstance(value, Distribution):
        args = ", ".join(f"{k}={v:g}" for k, v in value.params.items())
        bounds = [f"{name}={bound:g}" for name, bound in (("clip_low", value.clip_low), ("clip_high", value.clip_high))
                  if bound is not None]
        clip = f", {value.clip} into {', '.join(bounds)}" if bounds else ""
        scale = "" if value.scale == 1.0 else f"{value.scale:g} × "
        return f"{scale}{value.kind}({args}){clip} {unit}, drawn per neuron".replace("  ", " ")
    values = np.asarray(value, float)
    return f"listed: {values.size} values, {values.min():g} … {values.max():g} {unit}, mean {values.mean():.4g}"


def neuron_values_of(pop: Population, field: str, seed: int) -> np.ndarray:
    """The values the neurons get (a Distribution drawn as the compiler draws it, with the network seed)."""
    return np.broadcast_to(np.asarray(neuron_values(pop, seed)[field], float), (pop.size,))


def histogram_svg(values: np.ndarray, unit: str, width: int = 280, height: int = 70) -> str:
    """An inline SVG histogram of the neurons' values (HISTOGRAM_BINS bars), with its range under it."""
    counts, edges = np.histogram(values, bins=HISTOGRAM_BINS)
    peak = max(int(counts.max()), 1)
    bar = width / HISTOGRAM_BINS
    bars = "".join(
        f'<rect x="{i * bar:.1f}" y="{height - count / peak * height:.1f}" width="{bar - 1:.1f}" '
        f'height="{count / peak * height:.1f}" class="bar" fill="#4c78a8"><title>{edges[i]:.4g} … {edges[i + 1]:.4g}: '
        f'{count}</title></rect>' for i, count in enumerate(counts))
    label = html.escape(f"{edges[0]:.4g} … {edges[-1]:.4g} {unit} · {values.size} neurons")
    return (f'<div class="per-neuron-histogram"><svg width="{width}" height="{height}" role="img" '
            f'aria-label="histogram of the neurons\' values">{bars}</svg><div class="range">{label}</div></div>')


def scaled(value, factor: float, where: str):
    """A varying value times factor (> 0) as a whole: every listed value, or the distribution
    (its scale and its clip bounds)."""
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not math.isfinite(factor) or factor <= 0:
        raise ValidationError(f"{where}: the scale factor must be a number > 0, got {factor!r}")
    if not isinstance(value, Distribution):
        return tuple(float(v) * factor for v in value)
    low, high = (None if bound is None else bound * factor for bound in (value.clip_low, value.clip_high))
    return replace(value, scale=value.scale * factor, clip_low=low, clip_high=high)


def parse_replacement(text: str, where: str):
    """What the user typed for a whole parameter: 'normal(10, 2)', 'uniform(-56, -54)',
    'lognormal(0, 0.5)', a list '1, 2, 3' (one value per neuron) or one number. Text that
    is none of these is passed on as text, for the model to refuse naming the field; a
    distribution with bad arguments raises ValidationError naming `where`."""
    text = (text or "").strip()
    match = _DISTRIBUTION_TEXT.match(text)
    parts = match.group(2).split(",") if match else text.replace(";", ",").split(",")
    try:
        numbers = [float(part) for part in parts if part.strip()]
    except ValueError:
        return text
    if not numbers:
        return text
    if not match:
        return numbers if len(numbers) != 1 else numbers[0]
    kind = match.group(1)
    names = {"normal": ("mean", "std"), "uniform": ("low", "high"), "lognormal": ("mean", "sigma")}[kind]
    if len(numbers) != 2:
        raise ValidationError(f"{where}: {kind}(...) takes two numbers: {', '.join(names)}")
    return Distribution(kind, dict(zip(names, numbers)))
