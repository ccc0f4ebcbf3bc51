"""What this session has recorded while running, kept (bounded) for data and figure exports.

`RecordedData` watches the live session's frames and keeps the most recent spikes, traces
and rates; it offers the part of the Simulator's interface the engine's data and figure
writers use (network, spikes, traces, rates, dt, seed, t), so exports from the app and from
`snn-designer run` share one writer.
"""
from __future__ import annotations

import numpy as np
import param

from designer.session import LiveSession

MAX_SPIKES = 2_000_000  # newest spikes kept for export (about 50 MB)
MAX_TRACE_SAMPLES = 400_000  # per trace: 40 s at dt = 0.1 ms
MAX_RATE_BINS = 200_000


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
        self._spike_pop = np.zeros(0, np.int16)
        self._spike_neuron = np.zeros(0, np.int32)
        self._spike_time = np.zeros(0)
        self._trace_requests: tuple = ()
        self._trace_time = np.zeros(0)
        self._trace_values = np.zeros((0, 0))
        self._rate_time = np.zeros(0)
        self._rates = np.zeros((0, 0))
        self._populations: tuple = ()
        self._chunks: list = []
        self._chunk_spikes = 0
        self.n_spikes = 0
        self.t = 0.0

    def _on_frame(self, event) -> None:
        frame = event.new
        if frame is None:
            return
        if frame.populations != self._populations:
            self._clear()
            self._populations = frame.populations
        # chunks, joined only when they pile up: copying everything on each frame cost 10-22 ms
        self._chunks.append((frame.spike_population, frame.spike_neuron, frame.spike_time))
        self._chunk_spikes += frame.spike_time.size
        if len(self._chunks) > 64 or self._chunk_spikes > MAX_SPIKES:
            self._join_spikes()
        if frame.traces != self._trace_requests:
            self._trace_requests = frame.traces
            self._trace_time = np.zeros(0)
            self._trace_values = np.zeros((0, len(frame.traces)))
        if frame.trace_values.size:
            self._trace_time = np.concatenate([self._trace_time, frame.trace_time])[-MAX_TRACE_SAMPLES:]
            self._trace_values = np.concatenate([self._trace_values, frame.trace_values])[-MAX_TRACE_SAMPLES:]
        if frame.rates.size:
            self._rate_time = np.concatenate([self._rate_time, frame.rate_time])[-MAX_RATE_BINS:]
            self._rates = (np.concatenate([self._rates, frame.rates]) if self._rates.size else frame.rates)[-MAX_RATE_BINS:]
        self.n_spikes = int(self._spike_time.size + self._chunk_spikes)
        self.t = float(frame.t_end)

    def _join_spikes(self) -> None:
        if not self._chunks:
            return
        self._spike_pop = np.concatenate([self._spike_pop] + [c[0] for c in self._chunks])[-MAX_SPIKES:]
        self._spike_neuron = np.concatenate([self._spike_neuron] + [c[1] for c in self._chunks])[-MAX_SPIKES:]
        self._spike_time = np.concatenate([self._spike_time] + [c[2] for c in self._chunks])[-MAX_SPIKES:]
        self._chunks = []
        self._chunk_spikes = 0

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
        self._join_spikes()
        if population not in self._populations:
            return np.zeros(0, np.int32), np.zeros(0)
        keep = self._spike_pop == self._populations.index(population)
        return self._spike_neuron[keep], self._spike_time[keep]

    def traces(self):
        return self._trace_time, {req: self._trace_values[:, q] for q, req in enumerate(self._trace_requests)}

    def rates(self, bin_ms: float = 5.0):
        """Rates in the session's 5 ms bins, merged to bin_ms when that is a multiple of 5 ms."""
        per_bin = max(1, int(round(bin_ms / 5.0)))
        n = self._rate_time.size // per_bin * per_bin
        times = self._rate_time[:n:per_bin]
        rates = self._rates[:n].reshape(-1, per_bin, self._rates.shape[1]).mean(axis=1) if n else np.zeros((0, len(self._populations)))
        return times, {name: rates[:, i] for i, name in enumerate(self._populations)}
