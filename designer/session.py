"""One browser session's live simulation: a Runner, and what the live views show.

The Runner lives in its own thread; this object is touched only on the
session's event loop (`poll` runs from a periodic callback), so all document
updates happen there. Views watch `frame` (the latest merged data) and the
status parameters; the session never calls a view.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np
import param

from engine import Frame, Runner, RunTicket, TraceRequest, ValidationError

from designer.state import DesignState

SPEEDS = {"0.01×": 0.01, "0.1×": 0.1, "0.5×": 0.5, "1× (real time)": 1.0, "2×": 2.0, "10×": 10.0, "max": "max"}


def active_runner_count() -> int:
    """Runners alive in this server process (their threads are named snn-session-*)."""
    return sum(1 for t in threading.enumerate() if t.name.startswith("snn-session") and t.is_alive())


class LiveSession(param.Parameterized):
    status = param.String(default="compiling", doc="idle, compiling, running, queued, paused, stopped")
    t_ms = param.Number(default=0.0)
    real_time_factor = param.Number(default=0.0)
    fps = param.Number(default=0.0, doc="data frames per second received")
    dropped = param.Integer(default=0)
    fault = param.String(default="", doc="a blown-up run, in words a student understands")
    notice = param.String(default="")
    limit_message = param.String(default="", doc="""
        A class limit in the way, in words: the run waits in the server's queue, the network is
        larger than the server allows, or the run was paused because the tab was idle or hidden.""")
    needs_restart = param.Boolean(default=False, doc="the design changed structurally since the build")
    speed = param.Selector(default="1× (real time)", objects=list(SPEEDS))
    frame = param.Parameter(default=None, doc="the latest data Frame (views draw it)")
    reset_count = param.Integer(default=0, doc="bumped when the simulation restarts from t = 0")
    traces = param.List(default=[], doc="TraceRequests being streamed")
    populations = param.List(default=[], doc="population names of the running build, in order")
    lesioned = param.Dict(default={}, doc="""
        Lesioned neurons of the running build: population -> sorted neuron indices (as the Runner
        last reported them; empty after a rebuild).""")
    lesioned_at = param.Dict(default={}, doc="""
        Population -> simulated time (ms) its lesioned neurons last changed (a lesson's lesion step
        compares the rate before it with the rate after; 0 after a reset, empty after a rebuild).""")
    page_behind = param.Boolean(default=False, doc="""
        The page has not drawn the last raster frames yet (set by the raster view): the other
        views hold their data back, merged, until it caught up, so a slow page is not flooded.""")

    def __init__(self, state: DesignState, ticket: RunTicket | None = None, **params):
        super().__init__(**params)
        self.state = state
        #: this session's place in the server's RunScheduler (None: not scheduled)
        self.ticket = ticket
        self._size_refused = False  # limit_message says the network is too large for this server
        self._built_network = state.network
        #: set by the app: schedules `poll` on the session's event loop (thread-safe). The Runner
        #: calls it for each new frame, so frames are drawn when they exist, not on a timer.
        self.wake: Callable[[], None] | None = None
        self._wake_scheduled = False
        #: time.monotonic() of the last live change handed to the Runner (plots show its effect at once)
        self.last_live_edit = 0.0
        self._runner = Runner(state.network, name="session", notify=self._on_runner_output, ticket=ticket)
        self._frame_times: list[float] = []
        self.traces = self._initial_traces(state.network)
        self._wire()

    def _wire(self) -> None:
        self.state.param.watch(self._on_structural_change, "structural_change")
        self.state.param.watch(self._on_live_change, "live_change")
        self.param.watch(self._on_speed, "speed")
        self._runner.set_speed(SPEEDS[self.speed])

    @staticmethod
    def _initial_traces(network) -> list[TraceRequest]:
        return [TraceRequest(p.name, i) for p in network.populations for i in p.record.traces][:8]

    @property
    def dt(self) -> float:
        """The time step (ms) of the running build."""
        return self._built_network.dt

    # -- commands -------------------------------------------------------------------
    def run(self) -> None:
        if self.needs_restart:
            self.restart()
        self.fault = ""
        self._runner.run()

    def pause(self) -> None:
        self._runner.pause()

    def step(self, duration_ms: float = 10.0) -> None:
        if self.needs_restart:
            self.restart()
        self._runner.step(duration_ms)

    def reset(self) -> None:
        """Back to t = 0; the views clear when the Runner reports the reset (see poll)."""
        self.fault = ""
        self._runner.reset()

    def restart(self) -> None:
        """Rebuild from the current design (structural edits) and start again from t = 0;
        a running simulation runs on after the rebuild. The views clear when the Runner
        reports the rebuild (see poll)."""
        was_running = self.status == "running"
        self._built_network = self.state.network
        self.needs_restart = False
        self.fault = ""
        self.traces = [t for t in self.traces if _trace_valid(t, self.state.network)] or self._initial_traces(self.state.network)
        self._runner.load(self.state.network)
        self._runner.set_recording(traces=self.traces)
        if was_running:
            self._runner.run()

    def add_trace(self, population: str, neuron: int) -> None:
        request = TraceRequest(population, int(neuron))
        if request in self.traces:
            return
        if not _trace_valid(request, self._built_network):
            self.notice = f"cannot record a trace of {population} #{neuron}"
            return
        self.traces = (self.traces + [request])[-8:]  # a few traces stay readable
        self._runner.set_recording(traces=self.traces)
        self.notice = f"recording the membrane potential of {population} #{neuron}"
        if self.status != "running":  # nothing was recorded before: a paused chart has no line to show yet
            self.notice = f"the trace of {population} #{neuron} starts when the run goes on"

    def set_metrics(self, on: bool) -> None:
        """Count efficiency metrics into the frames (Frame.efficiency) from now on, or stop (they cost)."""
        self._runner.set_metrics(on)

    def lesion(self, target: str, indices=None, fraction: float | None = None, seed: int = 0,
               revive: bool = False) -> None:
        """Lesion (revive=True: revive) neurons of a population or synapses of a projection of the
        running build from its next step on; the Runner's reply updates `lesioned` and `notice`."""
        self._runner.lesion(target, indices, fraction, seed, revive)
        self.last_live_edit = time.monotonic()

    def _follow_lesions(self, lesioned: dict, t_ms: float) -> None:
        """New lesioned neurons; the time of the change for each population whose set changed."""
        changed = {name for name in set(lesioned) | set(self.lesioned) if lesioned.get(name) != self.lesioned.get(name)}
        self.lesioned_at = {**{k: v for k, v in self.lesioned_at.items() if k in lesioned},
                            **{name: float(t_ms) for name in changed if name in lesioned}}
        self.lesioned = lesioned

    def close(self) -> None:
        self._runner.close()

    def note_presence(self, hidden: bool | None) -> None:
        """The page's report: its tab hidden (True) or shown (False), or its user active (None)."""
        if self.ticket is None:
            return
        if hidden is None:
            self.ticket.note_activity()
        else:
            self.ticket.note_hidden(hidden)

    # -- reactions to the design -------------------------------------------------------
    def _on_structural_change(self, _event) -> None:
        if self.state.network == self._built_network:
            self.needs_restart = False
            return
        if self.status in ("running",) or self.t_ms > 0:
            self.needs_restart = True
        else:
            self.restart()  # nothing has run yet: rebuilding costs the user nothing

    def _on_live_change(self, event) -> None:
        if event.new is None:
            return
        target, field, value = event.new
        if field == "record.traces":
            others = [t for t in self.traces if t.population != target]
            self.traces = (others + [TraceRequest(target, int(i)) for i in value])[-8:]
            self._runner.set_recording(traces=self.traces)
            return
        if field == "record.spikes":
            # the design is updated right after this event, so apply the change to its old state
            recorded = [p.name for p in self.state.network.populations
                        if (value if p.name == target else p.record.spikes)]
            self._runner.set_recording(spikes=recorded)
            return
        self._runner.set_param(target, field, value)
        self.last_live_edit = time.monotonic()
        self._built_network = _apply_live(self._built_network, target, field, value)

    def _on_speed(self, event) -> None:
        self._runner.set_speed(SPEEDS[event.new])

    # -- the event-loop side: drain the Runner ---------------------------------------------
    def _follow_scheduler(self, frame: Frame) -> None:
        """A status frame: queued or paused for being idle shows why; running or paused clears
        that (a refused size stays until a build succeeds)."""
        if frame.state == "queued" or frame.command == "idle":
            self.limit_message = frame.message
        elif frame.command == "admitted":
            self.limit_message, self.notice = "", frame.message
        elif frame.command in ("run", "resume", "pause", "reset") and not self._size_refused:
            self.limit_message = ""

    def _on_runner_output(self) -> None:
        """The Runner's thread: ask the event loop for one poll (one pending request at a time)."""
        if self._wake_scheduled or self.wake is None:
            return
        self._wake_scheduled = True
        self.wake()

    def poll(self) -> Frame | None:
        """Take everything the Runner produced, in order; merge data frames into one for drawing.

        Status and time follow the LAST frame (an event after data frames, e.g. 'paused',
        wins over their 'running'). A reset or a rebuild clears the views when the Runner
        reports it (`reset_count`), and the data frames before it in this batch are dropped:
        they belong to the old run and would be drawn after the clear."""
        self._wake_scheduled = False  # frames put after this line wake the loop again
        frames = self._runner.frames()
        if not frames:
            return None
        data: list[Frame] = []
        for f in frames:
            if f.kind == "data":
                data.append(f)
                continue
            if f.kind == "error" and f.command == "limit":
                self.limit_message, self._size_refused = f.message, True
            elif f.kind == "error":
                self.fault = _student_words(f.message)
            elif f.kind == "status":
                self._follow_scheduler(f)
            elif f.kind == "reply" and not f.ok:
                self.notice = f.message
            elif f.kind == "reply" and f.command == "lesion":
                self._follow_lesions({name: [int(i) for i in rows] for name, rows in f.lesioned.items()}, f.t_end)
                self.notice = f.message
            elif f.kind == "restarted":
                self.notice = "the network was rebuilt and restarted from t = 0"
                self.lesioned, self.lesioned_at = {}, {}
                self.limit_message, self._size_refused = "", False
            if f.populations:
                self.populations = list(f.populations)
            if f.kind == "restarted" or (f.kind == "status" and f.command == "reset"):
                data = []
                self.t_ms = f.t_end
                self.lesioned_at = {name: 0.0 for name in self.lesioned_at}  # lesions survive a reset
                self.reset_count += 1
        last = frames[-1]
        # events carry the simulated time they happened at, data frames their end
        changes = {"status": last.state, "t_ms": last.t_end}
        merged = merge_frames(data) if data else None
        if merged is not None:
            now = time.monotonic()
            self._frame_times = [t for t in self._frame_times if now - t < 2.0] + [now] * len(data)
            # frames per second over the last 2 s, or since the first frame of a new run
            span = now - self._frame_times[0]
            changes.update(real_time_factor=merged.real_time_factor, dropped=merged.dropped,
                           fps=(len(self._frame_times) - 1) / span if span > 0.2 else 0.0)
        # one batch: a watcher of several of these runs once per poll, not once per value
        self.param.update(**changes)
        if merged is not None:
            self.frame = merged
        return merged


def merge_frames(frames: list[Frame]) -> Frame:
    """Consecutive data frames as one (the consumer was slower than the Runner). Their rate
    rows join as they are: the Runner reports each bin once, whole."""
    if len(frames) == 1:
        return frames[0]
    last = frames[-1]
    same_traces = [f for f in frames if f.traces == last.traces]
    return Frame(
        kind="data", seq=last.seq, t_start=frames[0].t_start, t_end=last.t_end, state=last.state,
        spike_population=np.concatenate([f.spike_population for f in frames]),
        spike_neuron=np.concatenate([f.spike_neuron for f in frames]),
        spike_time=np.concatenate([f.spike_time for f in frames]),
        trace_time=np.concatenate([f.trace_time for f in same_traces]),
        trace_values=np.concatenate([f.trace_values for f in same_traces]),
        traces=last.traces,
        rate_time=np.concatenate([f.rate_time for f in frames]),
        rates=np.concatenate([f.rates.reshape(-1, len(last.populations)) for f in frames]),
        rate_bin_ms=last.rate_bin_ms,
        populations=last.populations, counters=last.counters, weights=last.weights, efficiency=last.efficiency,
        real_time_factor=float(np.mean([f.real_time_factor for f in frames])), dropped=last.dropped,
    )


def _trace_valid(request: TraceRequest, network) -> bool:
    try:
        pop = network.population(request.population)
    except ValidationError:
        return False
    return 0 <= request.neuron < pop.size and request.variable in pop.model_class.recordables


def _apply_live(network, target, field, value):
    try:
        return network.replace_param(target, field, value)
    except ValidationError:
        return network


def _student_words(message: str) -> str:
    if "infinite or NaN" in message:
        return f"The simulation blew up and was paused: {message}. Make weights or currents smaller, then press Reset."
    return f"The simulation stopped: {message}"
