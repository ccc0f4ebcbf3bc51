"""Form widgets from a quantity's metadata: one table, not one branch per form.

`widget_for(quantity, value)` picks the widget by the quantity's kind (a value that may be
empty, a value the running simulation takes live, a plain number); the label carries the
unit, the tooltip the doc, a slider's range the bounds. The Inspector's forms (population,
projection, synapse) all build their parameter fields through it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import panel as pn

from engine import Quantity

from designer.views.live_slider import LiveSlider

# A slider's range around a value with an open bound reaches at least this far (one "sensible
# unit" of the quantity), so a parameter at 0 still gets a usable range.
SLIDER_SCALE = {"pA": 100.0, "pF": 100.0, "mV": 10.0, "ms": 10.0, "Hz": 10.0, "nS": 10.0}
SLIDER_SCALE_OF = {"lambda": 0.01}  # learning rates are small fractions
WEIGHT_SCALE = {"pA": 10.0, "mV": 1.0, "nS": 1.0}
SLIDER_WIDTH = 300


def _same(value: Any) -> Any:
    return value


def optional_text(value) -> str:
    return "" if value is None else f"{value:g}"


def optional_number(value: str):
    value = (value or "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return value  # the model refuses it with a message naming the field


@dataclass(frozen=True)
class FormWidget:
    """One kind of field: how to make its widget and convert between design and widget values."""

    make: Callable[..., Any]  # (quantity, label, shown value, scale, number_format) -> widget
    shown: Callable[[Any], Any] = _same  # the design's value as the widget shows it
    parsed: Callable[[Any], Any] = _same  # the widget's value as the design takes it
    live: bool = False  # a LiveSlider: its drags are coalesced into one undo step each


def _optional_box(q: Quantity, label: str, value, _scale: float, _number_format: str):
    return pn.widgets.TextInput(label=label, value=value, placeholder="empty = never", description=q.doc)


def _live_slider(q: Quantity, label: str, value, scale: float, _number_format: str):
    return LiveSlider(value, label=label, doc=q.doc, bounds=q.bounds, scale=scale, exclusive_low=q.exclusive_low,
                      integer=q.integer, width=SLIDER_WIDTH, sizing_mode="fixed")


def _number_box(q: Quantity, label: str, value, _scale: float, number_format: str):
    return pn.widgets.FloatInput(label=label, value=value, description=q.doc, format=number_format)


WIDGETS = {
    "optional": FormWidget(_optional_box, shown=optional_text, parsed=optional_number),
    "live": FormWidget(_live_slider, live=True),
    "number": FormWidget(_number_box),
}


def widget_kind(q: Quantity) -> str:
    """The WIDGETS key of a quantity: may-be-empty wins over live (a device's `stop`)."""
    return "optional" if q.optional else "live" if q.live else "number"


def slider_scale(q: Quantity, unit: str | None = None) -> float:
    return SLIDER_SCALE_OF.get(q.name, SLIDER_SCALE.get(q.unit if unit is None else unit, 1.0))


def widget_for(q: Quantity, value, *, label: str | None = None, unit: str | None = None, scale: float | None = None,
               number_format: str = "0[.]000") -> tuple[Any, FormWidget]:
    """The widget for `q` showing `value`, and its FormWidget (for reading values back).
    `unit` overrides the quantity's (a weight's unit is the target model's)."""
    unit = q.unit if unit is None else unit
    form_widget = WIDGETS[widget_kind(q)]
    label = label or (f"{q.name} ({unit})" if unit else q.name)
    scale = slider_scale(q, unit) if scale is None else scale
    return form_widget.make(q, label, form_widget.shown(value), scale, number_format), form_widget
