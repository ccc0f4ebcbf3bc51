"""Incremental spike raster: a scrolling bitmap drawn in the browser.

The browser keeps the raster as a bitmap; each frame shifts it left by the
number of new pixel columns and paints only the new spikes, so the drawing cost
per frame follows the NEW spikes, not the spikes on screen.

Python -> browser: ``push_frame`` sends one message carrying one binary buffer
(rows as little-endian uint16, or uint32 above 65,535 rows, padded to 4 bytes,
then spike times minus ``t_start`` as little-endian float32: 6 bytes a spike);
Bokeh ships a ``bytes`` value inside a message as a binary websocket frame (no
base64, no JSON of numbers). Spikes older than ``t_end - window_ms`` are off
screen and are not sent.

Browser -> Python: the page acknowledges each drawn frame; ``acked_seq``,
``in_flight``, ``drawn_spikes`` and ``drawn_frames`` let the caller do flow
control and let tests see what the page drew.

Zoom: while ``zoomable`` (the simulation is paused) the user can zoom the time
axis in the page (wheel, drag a range); the page then asks for the exact spikes
of the range (``{type: "zoom", id, t0, t1}``, passed to the ``on_zoom``
callbacks) and ``send_zoom`` answers with one message in the frame's encoding.
The page draws them over the live bitmap, which stays as it was underneath.

The JS lives in ``raster.js`` next to this file (a plain ES module with no
imports). It is read by Panel and embedded in the document: nothing is fetched.
"""

from __future__ import annotations

import base64
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import param
from panel.custom import JSComponent

__all__ = ["SpikeRaster", "encode_spikes"]

PickCallback = Callable[[str, int, float], Any]
ZoomCallback = Callable[[int, float, float], Any]


def encode_spikes(rows: np.ndarray, times_ms: np.ndarray, t_origin_ms: float, wide: bool) -> bytes:
    """One buffer: rows (little-endian uint16 padded to 4 bytes, or uint32 when `wide`),
    then little-endian float32 times minus `t_origin_ms`. One buffer = fewer websocket frames."""
    rows_b = np.asarray(rows).astype("<u4" if wide else "<u2", copy=False).tobytes()
    pad = b"\x00" * (-len(rows_b) % 4)
    return b"".join((rows_b, pad, (np.asarray(times_ms, dtype=np.float64) - float(t_origin_ms)).astype("<f4").tobytes()))


class SpikeRaster(JSComponent):
    """Scrolling-bitmap spike raster.

    ``layout`` lists the populations top to bottom, each
    ``{"name": str, "rows": int, "color": "#rrggbb", "sampled": bool}`` and
    optionally ``"stride": int`` (row ``i`` shows neuron ``i * stride``; 1 if
    absent); the global raster row of row ``i`` of population ``k`` is
    ``sum(rows of populations before k) + i``.
    """

    layout = param.List(default=[], item_type=dict, doc="""
        Populations stacked top to bottom: dicts with name, rows, color
        ("#rrggbb") and sampled (bool).""")

    window_ms = param.Number(default=1000.0, bounds=(1e-3, None), doc="""
        Width of the sliding time window in ms.""")

    zoomable = param.Boolean(default=False, doc="""
        The user may zoom the time axis (the simulation is paused). Set False, the page goes
        back to the live view.""")

    lesioned_rows = param.List(default=[], item_type=int, doc="""
        Global raster rows of lesioned neurons: the page draws them grey (sent as a message, as
        the layout, so a value set while the page connects is not lost).""")

    # --- flow control / test read-back (Python-only: not synced to the page) ---
    acked_seq = param.Integer(default=-1, doc="""
        Highest frame seq the page has drawn and acknowledged.""")

    drawn_spikes = param.Integer(default=0, doc="""
        Spikes the page has drawn in total since it was loaded (carried by
        every ack; monotonic, not reset by clear()).""")

    drawn_frames = param.Integer(default=0, doc="""
        Frames the page has drawn in total since it was loaded.""")

    _rename = {"acked_seq": None, "drawn_spikes": None, "drawn_frames": None, "lesioned_rows": None}

    _esm = Path(__file__).parent / "raster.js"

    _stylesheets = [":host { background: #ffffff; }"]

    #: "binary": the frame's bytes as a Bokeh binary buffer (default; cheapest
    #: on the server). "base64": the same bytes as a base64 string in the JSON.
    encoding: str = "binary"

    #: Switch the session's websocket to TCP_NODELAY when the page is ready.
    #: Bokeh/Tornado leave Nagle's algorithm on; Bokeh writes one message as
    #: several websocket frames (header, metadata, content, then a header and a
    #: payload per binary buffer), and Nagle + delayed ACKs then hold the small
    #: trailing frames back. Measured on loopback, 12,500 neurons: push->ack
    #: p50 29-38 ms without, 13-21 ms with; but on a loaded 2-core machine
    #: push_frame then blocks 4-8 ms (wall; ~1 ms CPU) instead of 0.7 ms,
    #: because each send wakes the browser at once. Set False to keep Nagle.
    tcp_nodelay: bool = True

    #: A frame not acknowledged after this many seconds is dropped from
    #: ``in_flight`` (counted in ``lost_frames``) so a lost message cannot stall
    #: the caller's flow control forever.
    ack_timeout_s: float = 5.0

    def __init__(self, **params: Any) -> None:
        params.setdefault("sizing_mode", "stretch_width")
        if params["sizing_mode"] in ("stretch_width", "fixed", None):
            params.setdefault("height", 400)
        super().__init__(**params)
        self._lock = threading.Lock()
        self._pending: deque[tuple[int, float]] = deque()  # (seq, perf_counter at push)
        self._pick_callbacks: list[PickCallback] = []
        self._zoom_callbacks: list[ZoomCallback] = []
        self.ack_latencies_ms: deque[float] = deque(maxlen=2000)
        self.draw_ms: deque[float] = deque(maxlen=2000)
        self.last_frame_bytes: int = 0
        self.lost_frames: int = 0
        self.pushed_frames: int = 0
        #: True once a page has rendered this component and listens for frames.
        self.page_ready: bool = False

    # ------------------------------------------------------------------ layout
    @property
    def total_rows(self) -> int:
        return int(sum(int(p.get("rows", 0)) for p in self.layout))

    def locate_row(self, row: int) -> tuple[str, int] | None:
        """Global raster row -> (population name, row within population)."""
        start = 0
        for p in self.layout:
            n = int(p.get("rows", 0))
            if start <= row < start + n:
                return str(p.get("name", "")), int(row - start)
            start += n
        return None

    # ------------------------------------------------------------ Python -> JS
    @property
    def in_flight(self) -> int:
        """Frames pushed to the page and not acknowledged yet."""
        with self._lock:
            self._expire_locked(time.perf_counter())
            return len(self._pending)

    def push_frame(
        self,
        seq: int,
        t_start_ms: float,
        t_end_ms: float,
        rows: np.ndarray,
        times_ms: np.ndarray,
    ) -> bool:
        """Send the spikes of [t_start_ms, t_end_ms) to the page.

        ``rows`` are global raster rows (0 .. total_rows-1), ``times_ms`` the
        spike times. ``seq`` must increase from frame to frame. Returns False
        (sends nothing, counts nothing in flight) while no page has rendered
        this component yet: frames sent earlier would be lost anyway.
        """
        if not (self._models and self.page_ready):
            return False
        rows = np.asarray(rows)
        times = np.asarray(times_ms, dtype=np.float64)
        if rows.shape != times.shape or rows.ndim != 1:
            raise ValueError("rows and times_ms must be 1-D arrays of equal length")
        n_total = self.total_rows
        if rows.size and (rows.min() < 0 or rows.max() >= n_total):
            keep = (rows >= 0) & (rows < n_total)
            rows, times = rows[keep], times[keep]
        lo = float(t_end_ms) - float(self.window_ms)
        if times.size and times.min() < lo:  # older than the window: off screen
            keep = times >= lo
            rows, times = rows[keep], times[keep]
        wide = n_total > 0xFFFF
        n = int(rows.size)
        # One buffer: rows (uint16 padded to 4 bytes, or uint32), then float32
        # times relative to t_start. One buffer = fewer websocket frames.
        rows_b = rows.astype("<u4" if wide else "<u2", copy=False).tobytes()
        pad = b"\x00" * (-len(rows_b) % 4)
        payload = b"".join((rows_b, pad, (times - float(t_start_ms)).astype("<f4").tobytes()))
        data: Any = payload
        if self.encoding == "base64":
            data = base64.b64encode(payload).decode("ascii")
        msg = {
            "type": "frame", "seq": int(seq), "t0": float(t_start_ms), "t1": float(t_end_ms),
            "n": n, "rw": 4 if wide else 2, "data": data,
        }
        with self._lock:
            self._pending.append((int(seq), time.perf_counter()))
        self.pushed_frames += 1
        self.last_frame_bytes = len(payload)
        self._send_msg(msg)
        return True

    def clear(self) -> None:
        """Erase the bitmap (e.g. on simulation reset)."""
        self._send_msg({"type": "clear"})

    def send_zoom(
        self,
        request_id: int,
        t0_ms: float,
        t1_ms: float,
        rows: np.ndarray,
        times_ms: np.ndarray,
        *,
        too_many: int = 0,
        kept_from_ms: float | None = None,
    ) -> dict:
        """Answer the page's zoom request `request_id`: the exact spikes of [t0_ms, t1_ms]
        as global rows and times, in one message with the frame's encoding (times minus
        t0_ms). `too_many`: the range holds this many spikes, more than we send (nothing is
        sent; the page asks the user to zoom in). `kept_from_ms`: older spikes were no longer
        kept. Returns the message (for tests)."""
        rows = np.asarray(rows)
        times = np.asarray(times_ms, dtype=np.float64)
        if rows.shape != times.shape or rows.ndim != 1:
            raise ValueError("rows and times_ms must be 1-D arrays of equal length")
        wide = self.total_rows > 0xFFFF
        payload = encode_spikes(rows, times, t0_ms, wide)
        msg = {
            "type": "zoom", "id": int(request_id), "t0": float(t0_ms), "t1": float(t1_ms),
            "n": int(rows.size), "rw": 4 if wide else 2, "too_many": int(too_many),
            "kept_from": None if kept_from_ms is None else float(kept_from_ms),
            "data": base64.b64encode(payload).decode("ascii") if self.encoding == "base64" else payload,
        }
        self._send_msg(msg)
        return msg

    # ------------------------------------------------------------ JS -> Python
    def on_pick(self, callback: PickCallback) -> None:
        """Register ``callback(population_name, row_within_population, t_ms)``
        called when the user clicks the raster."""
        self._pick_callbacks.append(callback)

    def on_zoom(self, callback: ZoomCallback) -> None:
        """Register ``callback(request_id, t0_ms, t1_ms)``, called when the page wants the
        exact spikes of a zoomed range; it answers with ``send_zoom``."""
        self._zoom_callbacks.append(callback)

    def _expire_locked(self, now: float) -> None:
        while self._pending and now - self._pending[0][1] > self.ack_timeout_s:
            self._pending.popleft()
            self.lost_frames += 1

    def _handle_msg(self, data: Any) -> None:
        if not isinstance(data, dict):
            return
        kind = data.get("type")
        if kind == "ack":
            self._on_ack(data)
        elif kind == "pick":
            located = self.locate_row(int(data.get("row", -1)))
            if located is None:
                return
            name, row = located
            t_ms = float(data.get("t_ms", 0.0))
            for cb in list(self._pick_callbacks):
                cb(name, row, t_ms)
        elif kind == "zoom":
            t0, t1 = float(data.get("t0", 0.0)), float(data.get("t1", 0.0))
            if not (np.isfinite(t0) and np.isfinite(t1) and t1 > t0):
                return
            for cb in list(self._zoom_callbacks):
                cb(int(data.get("id", 0)), t0, t1)
        elif kind == "ready":
            # Frames pushed before this view listened were lost: forget them.
            with self._lock:
                self._pending.clear()
            self.page_ready = True
            if self.tcp_nodelay:
                self._set_nodelay()
            self._send_layout()
            self._send_lesioned()

    @param.depends("lesioned_rows", watch=True)
    def _send_lesioned(self) -> None:
        if self._models and self.page_ready:
            self._send_msg({"type": "lesioned", "rows": [int(r) for r in self.lesioned_rows]})

    @param.depends("layout", watch=True)
    def _send_layout(self) -> None:
        """The layout as a message too. A `layout` set while the page was still connecting
        never reached the page (seen with Panel 1.9.4: a network built 1-3 s after the page
        was requested left the raster with no rows, so every spike was dropped), and setting
        the same value again sends nothing. Messages arrive in order with the frames."""
        if self._models and self.page_ready:
            self._send_msg({"type": "layout", "layout": [dict(p) for p in self.layout]})

    def _cleanup(self, root: Any = None) -> None:
        super()._cleanup(root)
        if not self._models:
            self.page_ready = False
            with self._lock:
                self._pending.clear()

    def _set_nodelay(self) -> None:
        """Best effort: TCP_NODELAY on the websockets of the sessions showing
        this component (uses Bokeh internals; silently does nothing if they
        change)."""
        from panel.io.state import state

        for ref in list(self._models):
            try:
                doc = state._views[ref][2]
                session = doc.session_context._session
                for conn in list(session._subscribed_connections):
                    conn._socket.set_nodelay(True)
            except Exception:
                continue

    def _on_ack(self, data: dict) -> None:
        seq = int(data.get("seq", -1))
        now = time.perf_counter()
        with self._lock:
            while self._pending and self._pending[0][0] <= seq:
                s, t_push = self._pending.popleft()
                if s == seq:
                    self.ack_latencies_ms.append((now - t_push) * 1e3)
            self._expire_locked(now)
        if "draw_ms" in data:
            self.draw_ms.append(float(data["draw_ms"]))
        self.param.update(
            acked_seq=max(self.acked_seq, seq),
            drawn_spikes=int(data.get("drawn", self.drawn_spikes)),
            drawn_frames=int(data.get("frames", self.drawn_frames)),
        )
