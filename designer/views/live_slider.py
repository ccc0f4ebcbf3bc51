"""A number box plus a range slider whose values reach Python without a param round trip.

A plain Panel widget waits a fixed 50 ms before it sends a change and measured ~200 ms p50
from the page to Python here; a custom component's message arrives in 19-60 ms. So the page
sends messages and Python calls ``on_value(value, drag_id, final)`` straight from
``_handle_msg``:

- while the user drags, at most one ``{type: "value", value, drag, final: false}`` per
  animation frame (the newest value), and the next only after Python acknowledged the
  previous one (flow control: a busy server gets the newest value, not a backlog), then one
  final message with the same ``drag`` id on release; ``drag`` ids let the caller make one
  undo step of one drag;
- a number typed in the box (Enter or leaving the box) is one final message with the text
  as typed: Python parses it, so the model's own message names a bad value.

Python -> page: ``set_value`` (undo, a change made elsewhere) updates the box and the slider,
but never the slider under the user's pointer; a value the page already shows is not sent
back (no echo of the user's own drag). The box is not clamped to the slider's range: the
range follows the value instead (see ``slider_range``).

The JS lives in ``live_slider.js`` next to this file (a plain ES module with no imports),
embedded by Panel: nothing is fetched.
"""
from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import param
from panel.custom import JSComponent

__all__ = ["LiveSlider", "slider_range"]

# Steps across the slider's range; the step is rounded to 1, 2 or 5 times a power of ten.
STEPS = 200
SLIDER_LIMIT = 1e306  # the ends of a slider for a boundless value (whole steps beyond it would overflow)
# A final value this close to an open end of the range (as a fraction of the range) re-centres it.
EDGE = 0.05
# ... and a range this many times wider than the value's own range is narrowed to it.
ZOOM = 20

ValueCallback = Callable[[Any, Any, bool], Any]

# Looks like the inspector's Panel inputs (label above, 31 px box); lives in the component's
# shadow root, so the app's stylesheet does not reach it.
STYLE = """
:host { display: block; }
.snn-ls { display: flex; flex-direction: column; gap: 4px; width: 100%;
  font-family: Helvetica, Arial, sans-serif; color: rgb(33, 37, 41); }
.snn-ls__head { display: flex; align-items: center; gap: 5px; min-height: 17px; }
.snn-ls__label { font-size: 12px; line-height: 17px; overflow-wrap: anywhere; }
.snn-ls__help { display: inline-flex; align-items: center; justify-content: center; flex: none;
  width: 13px; height: 13px; border: 1.5px solid #8a8f98; border-radius: 50%; color: #6b7280;
  font-size: 9.5px; font-weight: 700; cursor: help; user-select: none; }
.snn-ls__row { display: flex; align-items: center; gap: 10px; }
.snn-ls__box { box-sizing: border-box; flex: 0 0 104px; width: 104px; height: 31px; padding: 0 12px;
  border: 1px solid rgb(187, 187, 189); border-radius: 4px; background: #fff; color: inherit;
  font: inherit; font-size: 13.333px; font-variant-numeric: tabular-nums; }
.snn-ls__box:focus { outline: none; border-color: #0072b5; box-shadow: 0 0 0 2px rgba(0, 114, 181, 0.25); }
.snn-ls__range { flex: 1 1 auto; min-width: 60px; margin: 0; height: 24px; accent-color: #0072b5;
  cursor: pointer; }
"""


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 5 x 10^k that is >= raw."""
    if not raw > 0 or not math.isfinite(raw):
        return 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    for mantissa in (1, 2, 5, 10):
        if mantissa * power >= raw * (1 - 1e-9):
            return float(mantissa * power)
    return float(10 * power)


def slider_range(value: float, bounds: tuple[float | None, float | None] = (None, None), scale: float = 1.0,
                 exclusive_low: bool = False, integer: bool = False) -> tuple[float, float, float]:
    """(start, end, step) of a slider for `value`.

    Both bounds finite: the bounds. Otherwise value +- max(|value|, scale), reaching to the
    finite bound if there is one; the step is about a 200th of the range, and the ends are
    whole steps (inside the bounds: an exclusive lower bound starts one step above it)."""
    low, high = (b if b is not None and math.isfinite(b) else None for b in bounds)
    if low is not None and high is not None:
        start, end = float(low), float(high)
    else:
        span = max(abs(value), abs(scale), 1e-12)
        # a value of 1e308 is valid, but twice it is not a number: the range stops short of the float limit
        start, end = max(value - span, -SLIDER_LIMIT), min(value + span, SLIDER_LIMIT)
        if low is not None:
            start, end = float(low), max(end, low + span)
        if high is not None:
            start, end = min(start, high - span), float(high)
    step = nice_step((end - start) / STEPS)
    if integer:
        step = max(1.0, round(step))
    start = (math.ceil(start / step - 1e-9) if low is not None else math.floor(start / step + 1e-9)) * step
    end = (math.floor(end / step + 1e-9) if high is not None else math.ceil(end / step - 1e-9)) * step
    if exclusive_low and low is not None and start <= low:
        start += step
    return _clean(start), _clean(max(end, start + step)), _clean(step)


def _clean(x: float) -> float:
    """Round off binary noise (0.30000000000000004 -> 0.3)."""
    return float(f"{x:.12g}")


def parse_number(text: Any):
    """Text typed in the box -> float, None for an empty box, or the text itself when it is
    not a number (the model refuses it with a message naming the field)."""
    if text is None:
        return None
    if isinstance(text, bool):
        return text
    if isinstance(text, (int, float)):
        return float(text)
    text = str(text).strip()
    if not text:
        return None
    try:
        return float(text.replace("\u2212", "-"))
    except ValueError:
        return text


class LiveSlider(JSComponent):
    """A labelled number box plus a range slider (see the module docstring)."""

    label = param.String(default="", doc="Shown above; also the number box's accessible name")
    doc = param.String(default="", doc="Tooltip")
    start = param.Number(default=0.0)
    end = param.Number(default=1.0)
    step = param.Number(default=0.01)
    shown = param.Dict(default={"value": 0.0, "seq": 0}, doc="""
        The value Python shows; `seq` grows with every set, so setting the value the page
        showed before is still a change the page hears about.""")
    locked = param.Boolean(default=False, doc="Shown but not editable (e.g. a parameter the teacher locked)")
    value = param.Number(default=0.0, allow_None=True, doc="""
        The value the page shows (set by the user's drags and finals, and by set_value);
        Python-side only.""")

    _rename = {"value": None}

    _esm = Path(__file__).parent / "live_slider.js"

    _stylesheets = [STYLE]

    def __init__(self, value: float = 0.0, *, on_value: ValueCallback | None = None,
                 bounds: tuple[float | None, float | None] = (None, None), scale: float = 1.0,
                 exclusive_low: bool = False, integer: bool = False, **params: Any) -> None:
        params.setdefault("sizing_mode", "stretch_width")
        params.setdefault("margin", (5, 10))
        self._bounds = bounds
        self._scale = scale
        self._exclusive_low = exclusive_low
        self._integer = integer
        start, end, step = slider_range(float(value), bounds, scale, exclusive_low, integer)
        super().__init__(value=float(value), shown={"value": float(value), "seq": 0},
                         start=start, end=end, step=step, **params)
        self._on_value = on_value
        self._page_shows: float | None = float(value)
        self._deferred_final: float | None = None  # a final value whose model updates wait for flush()
        #: ms from the page sending a message to Python receiving it (page and server share a clock here)
        self.latencies_ms: deque[float] = deque(maxlen=2000)
        self.messages = 0

    # ------------------------------------------------------------ Python -> page
    def set_value(self, value: float) -> None:
        """Show `value` (undo, a change from elsewhere). Not sent when the page shows it already."""
        value = float(value)
        self.flush()
        if value == self._page_shows:
            return
        self._page_shows = value
        self._fit_range(value)
        self.param.update(value=value, shown={"value": value, "seq": self.shown["seq"] + 1})

    def _fit_range(self, value: float) -> None:
        """Re-centre the range when `value` is near an open end of it or outside it, or when
        the range is far too wide for it (a rate typed down from 20 kHz to 5 Hz)."""
        low, high = self._bounds
        span = self.end - self.start
        near_start = value < self.start + EDGE * span and low is None
        near_end = value > self.end - EDGE * span and high is None
        outside = value < self.start or value > self.end
        start, end, step = slider_range(value, self._bounds, self._scale, self._exclusive_low, self._integer)
        if near_start or near_end or outside or (end - start) * ZOOM < span:
            self.param.update(start=start, end=end, step=step)

    # ------------------------------------------------------------ page -> Python
    def on_value(self, callback: ValueCallback) -> None:
        """`callback(value, drag_id, final)`; value is a float, None (empty box) or the text
        typed when it is not a number. Return False when the value was refused."""
        self._on_value = callback

    def _handle_msg(self, data: Any) -> None:
        if not isinstance(data, dict) or data.get("type") != "value":
            return
        received = time.time() * 1e3
        if isinstance(data.get("t"), (int, float)):
            self.latencies_ms.append(received - float(data["t"]))
        self.messages += 1
        value = parse_number(data["value"] if "value" in data else data.get("text"))
        drag = data.get("drag")
        drag = drag if isinstance(drag, (int, str)) and not isinstance(drag, bool) else None
        final = bool(data.get("final"))
        number = isinstance(value, float) and math.isfinite(value)
        self._page_shows = value if number else None
        if number:
            with param.discard_events(self):  # the page shows it already: no model patch
                self.value = value
        ok = True
        if self._on_value is not None:
            ok = self._on_value(value, drag, final) is not False
        if final and ok and number:
            self._deferred_final = value
        # the page sends its next drag value on this ack: the newest value, never a backlog
        lag = self.latencies_ms[-1] if isinstance(data.get("t"), (int, float)) else None
        self._send_msg({"type": "ack", "seq": data.get("seq"), "ok": ok, "final": final, "lag_ms": lag})

    def flush(self) -> None:
        """The model updates of the last final value: the range re-centred on it and `shown`
        (right for a later re-render; the page shows the value already). Called after the
        frame with the change went out (the app's poll): sent with the value, these Bokeh
        patches reached the page before that frame and delayed it."""
        value, self._deferred_final = self._deferred_final, None
        if value is None:
            return
        self._fit_range(value)
        self.shown = {"value": value, "seq": self.shown["seq"] + 1}
