"""A stand-in for engine.Runner that replays recorded frames at a chosen spike rate.

Loaded into a benchmark server (bench_view_capacity.py sets SNN_BENCH_PRELOAD to this file):
it replaces `designer.session.Runner`, so the whole live view (raster, traces, rates, status
line, flow control) is fed at SNN_REPLAY_SPIKES spikes per second, whatever the simulation
could produce on this machine. It answers for the view's capacity, not the engine's speed.

The recording: the network simulated for RECORD_MS by a real Runner (once per server
process, cached per network), replayed in a loop. Each replayed frame covers FRAME_SIM_MS of
recorded time: a whole number of 5 ms rate bins (rate rows are never split), chosen so that
frames go out about every FRAME_WALL_S like the real Runner's, at exactly SNN_REPLAY_SPIKES
spikes per second on average.
"""
from __future__ import annotations

import os
import queue
import threading
import time
import numpy as np

from engine import RATE_BIN_MS, Frame, Runner, TraceRequest

RECORD_MS = 1000.0
FRAME_WALL_S = 0.04  # as engine.runtime.runner.FRAME_WALL_S
_recordings: dict = {}


class Recording:
    def __init__(self, network):
        traces = [TraceRequest(p.name, i) for p in network.populations for i in p.record.traces][:8]
        with Runner(network, frame_wall_s=0.0, max_data_frames=10**7, name="replay-recorder") as runner:
            runner.wait_for(lambda f: f.kind == "status" and f.message == "ready", timeout=600)
            if traces:
                runner.set_recording(traces=traces)
            runner.set_speed("max")
            runner.run(RECORD_MS)
            frames = runner.wait_for(lambda f: f.kind == "status" and f.command == "run" and "finished" in f.message,
                                     timeout=600)
        data = [f for f in frames if f.kind == "data"]
        self.populations = data[-1].populations
        self.traces = data[-1].traces
        self.spike_population = np.concatenate([f.spike_population for f in data])
        self.spike_neuron = np.concatenate([f.spike_neuron for f in data])
        self.spike_time = np.concatenate([f.spike_time for f in data])
        self.trace_time = np.concatenate([f.trace_time for f in data])
        self.trace_values = np.concatenate([f.trace_values for f in data])
        self.rate_time = np.concatenate([f.rate_time for f in data])  # whole bins, each once
        self.rates = np.concatenate([f.rates for f in data])
        self.spikes_per_ms = self.spike_time.size / RECORD_MS

    def between(self, t0: float, t1: float, offset: float) -> dict:
        """Recorded data of [t0, t1) (recorded time), shifted by `offset` ms."""
        s = (self.spike_time > t0) & (self.spike_time <= t1)  # spike times are step ends
        tr = (self.trace_time > t0) & (self.trace_time <= t1)
        rt = (self.rate_time >= t0) & (self.rate_time < t1)
        return dict(
            spike_population=self.spike_population[s], spike_neuron=self.spike_neuron[s],
            spike_time=self.spike_time[s] + offset,
            trace_time=self.trace_time[tr] + offset, trace_values=self.trace_values[tr],
            rate_time=self.rate_time[rt] + offset, rates=self.rates[rt],
        )


class ReplayRunner:
    """The Runner methods the designer's session uses; commands are handled in the thread."""

    def __init__(self, network, name: str = "runner", notify=None, **_options):
        self._network = network
        self._notify = notify
        self._commands: queue.Queue = queue.Queue()
        self._out: list[Frame] = []
        self._lock = threading.Lock()
        self._seq = 0
        self._t = 0.0
        self._state = "compiling"
        self.spikes_per_s = float(os.environ.get("SNN_REPLAY_SPIKES", "200000"))
        self._thread = threading.Thread(target=self._main, name=f"snn-{name}", daemon=True)
        self._thread.start()

    # the session's API
    def run(self, duration_ms=None): self._commands.put(("run", None))
    def pause(self): self._commands.put(("pause", None))
    def step(self, duration_ms): self._commands.put(("step", duration_ms))
    def reset(self): self._commands.put(("reset", None))
    def set_speed(self, factor): self._commands.put(("reply", "set_speed"))
    def set_param(self, target, field_name, value): self._commands.put(("reply", "set_param"))
    def set_recording(self, traces=None, spikes=None): self._commands.put(("reply", "set_recording"))
    def load(self, network): self._commands.put(("load", network))

    def close(self, timeout: float = 1.0):
        self._commands.put(("stop", None))
        self._thread.join(timeout)

    def frames(self) -> list[Frame]:
        with self._lock:
            out, self._out = self._out, []
            return out

    # the thread
    def _emit(self, kind: str, **fields) -> None:
        fields.setdefault("t_start", self._t)
        fields.setdefault("t_end", self._t)
        with self._lock:
            self._seq += 1
            self._out.append(Frame(kind=kind, seq=self._seq, state=self._state, **fields))
            if sum(f.kind == "data" for f in self._out) > 8:  # bounded like the Runner's buffer
                self._out.remove(next(f for f in self._out if f.kind == "data"))
        if self._notify is not None:
            self._notify()

    def _build(self, network, restarted: bool) -> None:
        key = network.name
        if key not in _recordings:
            _recordings[key] = Recording(network)
        self._rec = _recordings[key]
        self._t = 0.0
        self._state = "paused"
        self._emit("restarted" if restarted else "status", message="ready", populations=self._rec.populations)

    def _frame(self) -> None:
        rec = self._rec
        t0, t1 = self._t, self._t + self._frame_sim_ms
        lap = np.floor(t0 / RECORD_MS)
        part = rec.between(t0 - lap * RECORD_MS, t1 - lap * RECORD_MS, lap * RECORD_MS)
        self._t = t1
        self._emit("data", t_start=t0, t_end=t1, traces=rec.traces, populations=rec.populations,
                   real_time_factor=self._speed, counters={"spikes": int(part["spike_time"].size)}, **part)

    def _main(self) -> None:
        self._build(self._network, restarted=False)
        wanted_ms = self.spikes_per_s * FRAME_WALL_S / self._rec.spikes_per_ms
        self._frame_sim_ms = max(1, round(wanted_ms / RATE_BIN_MS)) * RATE_BIN_MS
        period = self._frame_sim_ms * self._rec.spikes_per_ms / self.spikes_per_s
        self._speed = self._frame_sim_ms / (period * 1000.0)
        due = time.perf_counter()
        while True:
            running = self._state == "running"
            try:
                timeout = max(0.0, due - time.perf_counter()) if running else 0.1
                name, payload = self._commands.get(timeout=timeout)
            except queue.Empty:
                name, payload = None, None
            if name == "stop":
                return
            if name == "run":
                self._state = "running"
                due = time.perf_counter()
                self._emit("status", command="run")
            elif name == "pause":
                self._state = "paused"
                self._emit("status", command="pause")
            elif name == "step":
                self._frame()
                self._emit("status", command="step")
            elif name == "reset":
                self._t = 0.0
                self._state = "paused"
                self._emit("status", command="reset")
            elif name == "load":
                self._build(payload, restarted=True)
            elif name == "reply":
                self._emit("reply", command=payload)
            elif running and time.perf_counter() >= due:
                self._frame()
                due += period
                if time.perf_counter() - due > 1.0:  # fell far behind: do not burst
                    due = time.perf_counter()


def install() -> None:
    import designer.session

    designer.session.Runner = ReplayRunner


install()
