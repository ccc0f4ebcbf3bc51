"""What this session has recorded while running, kept (bounded) for data and figure exports.

`RecordedData` watches the live session's frames and keeps the most recent spikes, traces
and rates; it offers the part of the Simulator's interface the engine's data and figure
writers use (network, spikes, traces, rates, dt, seed, t), so exports from the app and from
`snn-designer run` share one writer.
"""
from __future__ import annotations

import numpy as np
import param

from engine import RATE_BIN_MS

from designer.session import LiveSession

MAX_SPIKES = 2_000_000  # newest spikes kept for export (about 50 MB)
MAX_TRACE_SAMPLES = 400_000  # per trace: 40 s at dt = 0.1 ms
MAX_RATE_BINS = 200_000


class _Rows:
    """Parallel arrays (same first dimension) appended per frame, keeping the newest `limit`
    rows. Appends are kept as chunks and joined only when read or when they pile up:
    joining a full buffer on every frame copied up to 25 MB (8 traces) 25 times a second.

    `key`: the index of a column that is appended in nondecreasing order (spike times), so
    `between` can binary-search it; should an append break the order, `between` scans."""

    def __init__(self, limit: int, *empties: np.ndarray, key: int | None = None):
        self.limit = limit
        self._joined = list(empties)
        self._chunks: list[tuple[np.ndarray, ...]] = []
        self._chunk_rows = 0
        self._key = key
        self._in_order = key is not None
        self._last_key = -np.inf
        self.dropped = 0  # rows dropped (the oldest) to keep `limit`

    def __len__(self) -> int:
        return len(self._joined[0]) + self._chunk_rows

    def append(self, *arrays: np.ndarray) -> None:
        if not len(arrays[0]):
            return
        if self._in_order:
            key = arrays[self._key]
            if key[0] < self._last_key or (len(key) > 1 and bool(np.any(key[1:] < key[:-1]))):
                self._in_order = False
            self._last_key = key[-1]
        self._chunks.append(arrays)
        self._chunk_rows += len(arrays[0])
        if len(self._chunks) > 64 or self._chunk_rows > self.limit:
            self._join()

    def arrays(self) -> list[np.ndarray]:
        self._join()
        return self._joined

    def first_key(self) -> float | None:
        """The key of the oldest row kept (None when empty)."""
        for piece in [self._joined, *self._chunks]:
            if len(piece[self._key]):
                return float(piece[self._key][0])
        return None

    def between(self, low: float, high: float) -> list[np.ndarray]:
        """The rows with low <= key <= high, in order; copies those rows only (nothing is joined)."""
        parts = []
        for piece in [self._joined, *self._chunks]:
            key = piece[self._key]
            if not len(key):
                continue
            if self._in_order:
                if key[0] > high or key[-1] < low:
                    continue
                chosen = slice(np.searchsorted(key, low, "left"), np.searchsorted(key, high, "right"))
            else:
                chosen = (key >= low) & (key <= high)
            parts.append([column[chosen] for column in piece])
        if not parts:
            return [column[:0] for column in self._joined]
        return [np.concatenate([part[i] for part in parts]) for i in range(len(self._joined))]

    def _join(self) -> None:
        if not self._chunks:
            return
        total = len(self)
        self._joined = [np.concatenate([old] + [c[i] for c in self._chunks])[-self.limit:]
                        for i, old in enumerate(self._joined)]
        self.dropped += max(0, total - self.limit)
        self._chunks = []
        self._chunk_rows = 0


class RecordedData(param.Parameterized):
    session = param.ClassSelector(class_=LiveSession)
    n_spikes = param.Integer(default=0, doc="spikes kept")
    t = param.Number(default=0.0, doc="simulated time of the newest data, ms")

    def __init__(self, session: LiveSession, **params):
        super().__init__(session=session, **params)
        self._clear()
        self.session.param.watch(self._on_frame, "frame")
        self.session.param.watch(lambda _e: self._clear(), "reset_count")

    def _clear(self) -> None:
        self._spikes = _Rows(MAX_SPIKES, np.zeros(0, np.int16), np.zeros(0, np.int32), np.zeros(0), key=2)
        self._trace_requests: tuple = ()
        self._traces = _Rows(MAX_TRACE_SAMPLES, np.zeros(0), np.zeros((0, 0)))
        self._populations: tuple = ()
        self._rates = _Rows(MAX_RATE_BINS, np.zeros(0), np.zeros((0, 0)))
        self._rate_bin_ms = RATE_BIN_MS
        self.n_spikes = 0
        self.t = 0.0

    def _on_frame(self, event) -> None:
        frame = event.new
        if frame is None:
            return
        if frame.populations != self._populations:
            self._clear()
            self._populations = frame.populations
            self._rates = _Rows(MAX_RATE_BINS, np.zeros(0), np.zeros((0, len(frame.populations))))
        self._spikes.append(frame.spike_population, frame.spike_neuron, frame.spike_time)
        if frame.traces != self._trace_requests:
            self._trace_requests = frame.traces
            self._traces = _Rows(MAX_TRACE_SAMPLES, np.zeros(0), np.zeros((0, len(frame.traces))))
        if frame.trace_values.size:
            self._traces.append(frame.trace_time, frame.trace_values)
        if frame.rates.size:
            self._rate_bin_ms = frame.rate_bin_ms
            self._rates.append(frame.rate_time, frame.rates)
        self.n_spikes = len(self._spikes)
        self.t = float(frame.t_end)

    # -- the Simulator-like interface of engine.io.data and engine.io.export.figures ------------
    @property
    def network(self):
        return self.session.state.network

    @property
    def dt(self) -> float:
        return self.network.dt

    @property
    def seed(self) -> int:
        return self.network.seed

    def spikes(self, population: str) -> tuple[np.ndarray, np.ndarray]:
        if population not in self._populations:
            return np.zeros(0, np.int32), np.zeros(0)
        pops, neurons, times = self._spikes.arrays()
        keep = pops == self._populations.index(population)
        return neurons[keep], times[keep]

    def spikes_between(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The kept spikes with t0 <= time <= t1 (ms), in the order they were recorded:
        (population index into the session's `populations`, neuron within it, time ms).
        Only that range is read and copied."""
        pops, neurons, times = self._spikes.between(float(t0), float(t1))
        return pops, neurons, times

    @property
    def spikes_kept_from(self) -> float | None:
        """The time (ms) of the oldest spike kept once older ones were dropped (MAX_SPIKES);
        None while every spike since the start is kept."""
        return self._spikes.first_key() if self._spikes.dropped else None

    def traces(self):
        times, values = self._traces.arrays()
        return times, {req: values[:, q] for q, req in enumerate(self._trace_requests)}

    def rates(self, bin_ms: float | None = None):
        """(bin start times ms, {population: Hz}) in the Runner's bins (5 ms; whole bins only,
        each once), or in bins of bin_ms when that is a whole multiple of them (each wider bin
        the mean of its parts; one with a part lost to a dropped frame is left out)."""
        rate_time, all_rates = self._rates.arrays()
        per_bin = 1 if bin_ms is None else max(1, int(round(bin_ms / self._rate_bin_ms)))
        if per_bin > 1:
            wide = np.floor_divide(np.rint(rate_time / self._rate_bin_ms).astype(np.int64), per_bin)
            index, starts, parts = np.unique(wide, return_index=True, return_counts=True)
            summed = np.add.reduceat(all_rates, starts, axis=0) if starts.size else all_rates[:0]
            whole = parts == per_bin
            rate_time, all_rates = index[whole] * per_bin * self._rate_bin_ms, summed[whole] / per_bin
        return rate_time, {name: all_rates[:, i] for i, name in enumerate(self._populations)}
