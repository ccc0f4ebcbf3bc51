"""Parameter metadata: unit, bounds, default and a one-line doc per model parameter.

Forms in the designer and the exporters are generated from this metadata, so a
model declares each parameter exactly once, as a `Quantity` class attribute.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.errors import ValidationError
from engine.units import MAX_TIME_MS, MS


@dataclass(frozen=True)
class Quantity:
    """A scalar model parameter with unit, bounds (inclusive; None = open) and doc.

    `live=True` means the running simulation can take a new value without a rebuild.
    `optional=True` allows None (e.g. a device's `stop`: None = never stops).
    `exclusive_low=True` makes the lower bound strict (time constants must be > 0).
    A time (unit ms) without an upper bound gets MAX_TIME_MS: each becomes whole steps somewhere.
    """

    default: float | None
    unit: str = ""
    bounds: tuple[float | None, float | None] = (None, None)
    doc: str = ""
    live: bool = True
    optional: bool = False
    exclusive_low: bool = False
    integer: bool = False
    name: str = ""  # filled in by the model class

    def __post_init__(self):
        low, high = self.bounds
        if self.unit == MS and high is None:
            object.__setattr__(self, "bounds", (low, MAX_TIME_MS))

    def check(self, value: Any, owner: str) -> float | None:
        """Return the value as float (or None), or raise naming `owner` and the field."""
        where = f"{owner}: parameter '{self.name}'"
        if value is None:
            if self.optional:
                return None
            raise ValidationError(f"{where} must be a number, got nothing")
        value = finite_number(value, where)
        if self.integer and value != int(value):
            raise ValidationError(f"{where} must be a whole number, got {value}")
        low, high = self.bounds
        if low is not None:
            if self.exclusive_low and value <= low:
                raise ValidationError(f"{where} must be > {low:g} {self.unit}".rstrip() + f", got {value:g}")
            if value < low:
                raise ValidationError(f"{where} must be >= {low:g} {self.unit}".rstrip() + f", got {value:g}")
        if high is not None and value > high:
            raise ValidationError(f"{where} must be <= {high:g} {self.unit}".rstrip() + f", got {value:g}")
        return value

    def check_per_neuron(self, values: Any, owner: str, drawn: bool = False) -> np.ndarray:
        """One value per neuron (a list, or the values drawn from a Distribution), checked at once;
        the error names the first neuron whose value breaks a bound."""
        where = f"{owner}: parameter '{self.name}'"
        if not isinstance(values, np.ndarray) and any(isinstance(v, bool) for v in values):  # drawn: floats
            raise ValidationError(f"{where} must be a number or a list of numbers (one per neuron)")
        try:
            array = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            raise ValidationError(f"{where} must be a number or a list of numbers (one per neuron)") from None
        if array.ndim != 1:
            raise ValidationError(f"{where} must be a number or a list of numbers (one per neuron)")
        low, high = self.bounds
        checks = [(np.isfinite(array), "a finite number")]
        if self.integer:
            checks.append((array == np.round(array), "a whole number"))
        if low is not None:
            checks.append((array > low if self.exclusive_low else array >= low,
                           f"{'>' if self.exclusive_low else '>='} {low:g} {self.unit}".rstrip()))
        if high is not None:
            checks.append((array <= high, f"<= {high:g} {self.unit}".rstrip()))
        for ok, rule in checks:
            if not ok.all():
                neuron = int(np.flatnonzero(~ok)[0])
                hint = " (clip the distribution)" if drawn else ""
                raise ValidationError(f"{where} must be {rule} at every neuron; neuron {neuron} has "
                                      f"{array[neuron]:g}{hint}")
        return array

    def describe(self) -> dict:
        """Plain-data description for forms, `snn-designer models` and docs."""
        return {
            "name": self.name,
            "default": self.default,
            "unit": self.unit,
            "min": self.bounds[0],
            "max": self.bounds[1],
            "doc": self.doc,
            "live": self.live,
            "optional": self.optional,
        }


def is_finite_number(value: Any) -> bool:
    """A number (not a bool) that is a finite float: False for NaN, inf and whole numbers too large for a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def finite_number(value: Any, where: str) -> float:
    """`value` as a finite float, or a ValidationError naming `where` (a whole number too large for a
    float, such as 10**400 in a file, is refused like infinity)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(f"{where} must be a number, got {shown(value)}")
    if not is_finite_number(value):
        raise ValidationError(f"{where} must be a finite number, got {shown(value)}")
    return float(value)


def shown(value: Any, limit: int = 40) -> str:
    """A value as an error message quotes it: repr, cut to `limit` characters (a file may hold anything)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def positive(default: float, unit: str, doc: str, **kw) -> Quantity:
    """A strictly positive quantity (time constants, capacitances)."""
    return Quantity(default, unit, (0.0, None), doc, exclusive_low=True, **kw)


def collect_quantities(cls, inherited: dict) -> dict[str, Quantity]:
    """The Quantity class attributes of a model class (after the inherited ones), each named."""
    collected = dict(inherited)
    for attr, value in list(vars(cls).items()):
        if isinstance(value, Quantity):
            collected[attr] = Quantity(**{**value.__dict__, "name": attr})
    return collected
