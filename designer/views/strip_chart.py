"""A scrolling line chart of a few series, drawn on one canvas in the browser.

Built for the live view's membrane traces and population rates: a Bokeh figure fed by
``ColumnDataSource.stream`` kept the page's main thread busy (a stream rebuilds the
source's arrays, re-runs the glyphs' data mapping and repaints the whole plot); here the
page keeps a sliding window of the series in typed arrays and repaints at most once per
animation frame, decimated to a few points per pixel column (min and max kept, so a
one-step spike of V_m stays visible).

Python -> browser, as messages (they arrive in order):

- ``{type: "series", series}`` on ``set_series`` and when a page becomes ready: the keys,
  legend labels and colours; a series with the key and label of one shown before keeps its
  data (a trace added to others), the other series start empty.
- ``{type: "data", n, keys, t_end, data}`` on ``push``: ONE binary buffer, ``n``
  little-endian float64 times (ms), then for each key ``n`` little-endian float32 values.
  NaN (or +-inf) in a value breaks that series' line. ``t_end`` (ms, optional) is the
  simulated time the data reaches: the right edge of the chart.
- ``{type: "clear"}``.

Browser -> Python: ``{type: "ready"}`` after each render.

What the page shows is readable without Bokeh, for tests and benchmarks:
``window.snnCharts[name]`` (see strip_chart.js) and the canvas's ``data-*`` attributes.

The JS lives in ``strip_chart.js`` next to this file (a plain ES module with no imports).
It is read by Panel and embedded in the document: nothing is fetched.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import param
from panel.custom import JSComponent

__all__ = ["StripChart", "encode_push"]

MAX_SERIES = 16
MAX_ROWS = 100_000  # rows per push, at most (the newest are kept)
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def encode_push(t: np.ndarray, values: Mapping[str, np.ndarray], window_ms: float,
                t_end: float | None = None) -> tuple[dict, bytes]:
    """The ``data`` message for ``t`` and ``values`` (without its buffer) and the buffer.

    Rows before the visible window are left out, except the last one before it (the line
    then enters the chart from its left edge). Raises ValueError on arrays that do not fit
    together, naming the key."""
    times = np.asarray(t, dtype=np.float64)
    if times.ndim != 1:
        raise ValueError(f"t must be a 1-D array, got shape {times.shape}")
    columns = []
    for key, column in values.items():
        column = np.asarray(column)
        if column.shape != times.shape:
            raise ValueError(f"series {key!r}: {column.shape[0] if column.ndim else 0} values for "
                             f"{times.size} times (shape {column.shape}, expected {times.shape})")
        columns.append((str(key), column))
    newest = max(float(times[-1]) if times.size else -np.inf, -np.inf if t_end is None else float(t_end))
    first = 0
    if times.size:
        # the last row before the window stays: the line enters from the left edge
        first = max(0, int(np.searchsorted(times, newest - float(window_ms), side="left")) - 1)
        first = max(first, times.size - MAX_ROWS)
    times = times[first:]
    parts = [times.astype("<f8").tobytes()]
    parts += [column[first:].astype("<f4").tobytes() for _, column in columns]
    msg = {"type": "data", "n": int(times.size), "keys": [key for key, _ in columns],
           "t_end": None if t_end is None else float(t_end)}
    return msg, b"".join(parts)


class StripChart(JSComponent):
    """Line chart of a sliding time window (``window_ms``) of several series.

    ``set_series([{"key": "v0", "label": "exc #0", "color": "#1f77b4"}, ...])`` names the
    series (legend text, drawn as text: any label is safe); ``push(t, {key: values})``
    appends rows; ``clear()`` empties the chart. The ``name`` parameter names the chart in
    the page's read-back (``window.snnCharts[name]``)."""

    title = param.String(default="", doc="Drawn above the chart, left.")

    window_ms = param.Number(default=1000.0, bounds=(1e-3, None), doc="""
        Width of the sliding time window in ms; its right edge is the newest data.""")

    y_from_zero = param.Boolean(default=False, doc="""
        The y axis starts at 0 (for values that are never negative, e.g. rates).""")

    _esm = Path(__file__).parent / "strip_chart.js"

    _stylesheets = [":host { background: #ffffff; }"]

    def __init__(self, **params: Any) -> None:
        params.setdefault("sizing_mode", "stretch_width")
        if params["sizing_mode"] in ("stretch_width", "fixed", None):
            params.setdefault("height", 220)
        super().__init__(**params)
        self._series: list[dict] = []
        #: True once a page has rendered this component and listens for messages.
        self.page_ready: bool = False
        self.pushed_messages: int = 0
        self.pushed_rows: int = 0
        self.last_message_bytes: int = 0

    @property
    def series(self) -> list[dict]:
        return [dict(s) for s in self._series]

    def set_series(self, series: Sequence[Mapping[str, Any]]) -> None:
        """Name the series (in legend order). In the page a series with the same key and label
        as before keeps its data; new ones start empty."""
        checked, keys = [], set()
        for item in series:
            key = str(item.get("key", ""))
            if not key or key in keys:
                raise ValueError(f"series {dict(item)!r}: key must be a non-empty text, unique in the chart")
            color = str(item.get("color", "#333333"))
            if not _COLOR.match(color):
                raise ValueError(f"series {key!r}: color must look like '#1f77b4', got {color!r}")
            keys.add(key)
            checked.append({"key": key, "label": str(item.get("label", key)), "color": color})
        if len(checked) > MAX_SERIES:
            raise ValueError(f"{len(checked)} series: a chart shows at most {MAX_SERIES}")
        self._series = checked
        self._send_series()

    def push(self, t: np.ndarray, values: Mapping[str, np.ndarray], t_end: float | None = None) -> bool:
        """Append rows: times ``t`` (ms, increasing) and for some of the series' keys the
        values at those times (series left out get no line there). One message, one binary
        buffer. Returns False (sends nothing) while no page listens yet: the caller keeps
        the data for later."""
        unknown = [k for k in values if k not in {s["key"] for s in self._series}]
        if unknown:
            known = ", ".join(s["key"] for s in self._series) or "none"
            raise ValueError(f"{self.name}: unknown series {unknown[0]!r} (series: {known}); call set_series first")
        if not (self._models and self.page_ready):
            return False
        msg, payload = encode_push(t, values, self.window_ms, t_end)
        msg["data"] = payload
        self.pushed_messages += 1
        self.pushed_rows += msg["n"]
        self.last_message_bytes = len(payload)
        self._send_msg(msg)
        return True

    def clear(self) -> None:
        """Empty the chart (e.g. on a simulation reset); the series stay."""
        if self._models and self.page_ready:
            self._send_msg({"type": "clear"})

    def _send_series(self) -> None:
        if self._models and self.page_ready:
            self._send_msg({"type": "series", "series": self.series})

    def _handle_msg(self, data: Any) -> None:
        if isinstance(data, dict) and data.get("type") == "ready":
            self.page_ready = True
            self._send_series()

    def _cleanup(self, root: Any = None) -> None:
        super()._cleanup(root)
        if not self._models:
            self.page_ready = False
