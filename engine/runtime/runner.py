"""Runner: one Simulator in one thread, driven by commands, streaming bounded frames.

The consumer (the designer's session, or a test) sends commands with the
methods below and polls `frames()`. Nothing else is shared: the Simulator is
only touched by the Runner's thread. Data frames go into a bounded buffer; when
the consumer falls behind, the oldest data frames are dropped and counted, so
memory never grows with time. Replies, status changes and errors are never dropped.
"""
from __future__ import annotations

import collections
import itertools
import math
import queue
import threading
import time
from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any

import numpy as np

from engine.compile.compiler import shortest_delay_steps, threads_supported
from engine.compile.propagators import steps_of
from engine.errors import EngineError, RestartRequired, SimulationFault, ValidationError
from engine.model.network import Network
from engine.neuromorphic.metrics import EfficiencyMetrics
from engine.runtime.scheduler import ClassLimitError, RunTicket
from engine.runtime.simulator import Simulator, TraceRequest

MAX_BLOCK_WALL_S = 0.015  # blocks short enough that a command waits at most ~20 ms
URGENT_BLOCK_WALL_S = 0.003  # the block right after a live change (its frame goes out at once)
FRAME_WALL_S = 0.04  # a frame every 40 ms of wall time while running (25 fps; the page may merge)
RATE_BIN_MS = 5.0
INITIAL_STEP_SECONDS = 1e-4  # first blocks of a new network are short until its step cost is measured
SPEED_RANGE = (0.01, 10.0)
# A scheduled Runner (one with a ticket) simulates on two threads when its server has two CPU
# slots and the network gains from it: the threads meet once per window of the shortest delay,
# so a short window or a small network costs more in meetings than the second core gives.
AUTO_THREADS = 2
THREADS_MIN_NEURONS = 2000
THREADS_MIN_WINDOW_STEPS = 5


@dataclass
class Frame:
    """What the Runner reports. kind: 'data', 'status', 'reply', 'error', 'restarted'."""

    kind: str
    seq: int
    t_start: float = 0.0  # ms, data frames cover [t_start, t_end); other frames: both = sim time when sent
    t_end: float = 0.0
    state: str = "idle"  # 'idle', 'running', 'queued' (waits for a place: RunTicket), 'paused', 'compiling', 'stopped'
    spike_population: np.ndarray = field(default_factory=lambda: np.empty(0, np.int16))
    spike_neuron: np.ndarray = field(default_factory=lambda: np.empty(0, np.int32))  # within population
    spike_time: np.ndarray = field(default_factory=lambda: np.empty(0))  # ms
    trace_time: np.ndarray = field(default_factory=lambda: np.empty(0))
    trace_values: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))  # (n_samples, n_traces)
    traces: tuple = ()  # TraceRequest per column
    # whole rate bins only, each reported once: by the frame in which it completes (its start may
    # lie before t_start). The bin still open at a pause is not reported until the run completes it.
    rate_time: np.ndarray = field(default_factory=lambda: np.empty(0))  # bin starts, ms, on the bin grid from t = 0
    rates: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))  # (n_bins, n_populations) Hz
    rate_bin_ms: float = RATE_BIN_MS  # width of the rate bins: RATE_BIN_MS rounded to whole steps
    populations: tuple = ()  # names, index = spike_population / rates column
    counters: dict = field(default_factory=dict)  # since t = 0: spikes, synaptic_events, neuron_updates, lost_spikes
    weights: dict = field(default_factory=dict)  # plastic projection -> {"mean", "counts", "edges", "learning"}
    efficiency: EfficiencyMetrics | None = None  # since t = 0, when metrics are on (Runner(metrics=True))
    real_time_factor: float = 0.0  # simulated ms per wall ms since the previous data frame
    workers: int = 1  # the most cores one of this frame's blocks ran on (Runner threads > 1)
    dropped: int = 0  # data frames dropped so far (at delivery); a rise means a gap just before this frame
    message: str = ""
    network: Network | None = None  # a 'reply' to snapshot(): the network with its learned weights
    lesioned: dict = field(default_factory=dict)  # a 'reply' to lesion(): population -> lesioned neuron indices
    command: str = ""
    ok: bool = True


class _FrameBuffer:
    """Bounded for data frames (oldest dropped), unbounded-but-rare for events."""

    def __init__(self, max_data_frames: int):
        self._lock = threading.Lock()
        self._items: collections.deque[Frame] = collections.deque()
        self._max = max_data_frames
        self._n_data = 0
        self.dropped = 0

    def put(self, frame: Frame) -> None:
        with self._lock:
            if frame.kind == "data":
                if self._n_data >= self._max:
                    self._drop_oldest_data()
                self._n_data += 1
            self._items.append(frame)
            if len(self._items) > 4 * self._max + 256:  # events pile up only if nobody ever reads
                if self._items.popleft().kind == "data":
                    self._n_data -= 1
                    self.dropped += 1

    def _drop_oldest_data(self) -> None:
        for index, item in enumerate(self._items):
            if item.kind == "data":
                del self._items[index]
                self._n_data -= 1
                self.dropped += 1
                return

    def take(self) -> list[Frame]:
        with self._lock:
            items = list(self._items)
            self._items.clear()
            self._n_data = 0
            # stamped on delivery: drops only ever remove the oldest frames, so the frames of one
            # take are contiguous and any gap lies before the first of them
            for item in items:
                item.dropped = self.dropped
            return items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


class Runner:
    """Simulates `network` in its own thread. Methods only enqueue commands; results
    arrive as Frames from `frames()`. Use as a context manager or call `close()`.

    `notify`, if given, is called from the Runner's thread right after each new frame, so a
    consumer can wake up at once instead of polling on a timer; it must only schedule work
    (e.g. a next-tick callback on an event loop), never touch the frames itself.

    `ticket`, if given, is this Runner's place in its server's RunScheduler: a run waits in
    its queue while the server's cap is reached (state 'queued', status command 'run'; it
    starts with a status of command 'admitted'), each block takes a CPU turn, an idle or
    hidden tab pauses the run (status command 'idle'), and a network over the size limits
    is refused (an 'error' frame with command 'limit').

    `threads`: the Simulator's threads (partitions; the spikes depend on it, see docs/cli.md).
    None: 1 without a ticket; with one, AUTO_THREADS for a network that gains from them (see
    threads_for). A threaded block runs on the cores its scheduler turn grants (two only while
    this is the server's one running network) that are free on the machine (CoreMeter)."""

    def __init__(self, network: Network, dt: float | None = None, seed: int | None = None,
                 frame_wall_s: float = FRAME_WALL_S, max_data_frames: int = 8, max_memory_bytes: int | None = None,
                 name: str = "runner", notify: Callable[[], None] | None = None, metrics: bool = False,
                 ticket: RunTicket | None = None, threads: int | None = None):
        if not isinstance(network, Network):
            raise ValidationError(f"runner: expected a Network, got {type(network).__name__}")
        if isinstance(max_data_frames, bool) or not isinstance(max_data_frames, int) or max_data_frames < 1:
            raise ValidationError(f"runner: max_data_frames must be a whole number >= 1, got {max_data_frames!r}")
        if isinstance(frame_wall_s, bool) or not isinstance(frame_wall_s, (int, float)) \
                or not math.isfinite(frame_wall_s) or frame_wall_s < 0:
            raise ValidationError(f"runner: frame_wall_s must be a number of seconds >= 0, got {frame_wall_s!r}")
        if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= 64):
            raise ValidationError(f"runner: threads must be a whole number from 1 to 64 (or None), got {threads!r}")
        self._threads = threads
        self._commands: queue.Queue = queue.Queue()
        self._out = _FrameBuffer(max_data_frames)
        self._notify = notify
        self._ticket = ticket
        self._metrics = bool(metrics)  # efficiency metrics in every data frame (Frame.efficiency)
        self._seq = itertools.count()
        self._dt, self._seed, self._max_memory = dt, seed, max_memory_bytes
        self.frame_wall_s = float(frame_wall_s)
        self._sim: Simulator | None = None
        self._state = "compiling"
        self._speed: float | None = None  # None = as fast as possible
        self._end_step: int | None = None  # where the current run or step pauses; None = continuous
        self._stepping = False  # a step runs unpaced and reports 'step' when done
        self._anchor_wall, self._anchor_sim = 0.0, 0.0  # pacing: sim ms = anchor_sim + speed * wall ms since anchor
        self._step_seconds = INITIAL_STEP_SECONDS  # running estimate of wall time per step
        self._recorded_spikes: set[str] | None = None
        self._pending = _PendingFrame(self.frame_wall_s)
        self._closed = False
        self._thread = threading.Thread(target=self._main, args=(network,), name=f"snn-{name}", daemon=True)
        self._thread.start()

    # -- commands (any thread) ---------------------------------------------------
    def run(self, duration_ms: float | None = None) -> None:
        """Run for duration_ms more (None: until paused)."""
        if duration_ms is not None:
            _check_ms(duration_ms, "run duration")
        self._send("run", duration_ms)

    def pause(self) -> None:
        self._send("pause")

    def resume(self) -> None:
        self._send("resume")

    def step(self, duration_ms: float) -> None:
        """Advance exactly duration_ms (rounded to steps) and pause."""
        _check_ms(duration_ms, "step duration")
        self._send("step", duration_ms)

    def reset(self) -> None:
        """Back to t = 0 with the same seed (paused)."""
        self._send("reset")

    def set_speed(self, factor: float | str) -> None:
        """Real-time factor in [0.01, 10] (simulated ms per wall ms), or 'max'."""
        if factor != "max":
            if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not math.isfinite(factor) \
                    or not SPEED_RANGE[0] <= factor <= SPEED_RANGE[1]:
                raise ValidationError(f"runner: speed must be 'max' or between {SPEED_RANGE[0]} and {SPEED_RANGE[1]}, got {factor!r}")
        self._send("set_speed", factor)

    def set_param(self, target: str, field_name: str, value: Any) -> None:
        """A live change; a change that needs a rebuild is refused with a 'reply' frame (ok=False)."""
        self._send("set_param", (target, field_name, value))

    def lesion(self, target: str, indices=None, fraction: float | None = None, seed: int = 0,
               revive: bool = False) -> None:
        """Lesion (revive=True: revive) neurons of a population or synapses of a projection from the next
        step on (Simulator.lesion); the 'reply' frame carries every population's lesioned neurons."""
        self._send("lesion", (target, indices, fraction, seed, bool(revive)))

    def set_recording(self, traces: list[TraceRequest] | None = None, spikes: list[str] | None = None) -> None:
        """Which neurons' traces to stream, and which populations' spikes (None: all)."""
        self._send("set_recording", (traces, spikes))

    def set_metrics(self, on: bool) -> None:
        """Count efficiency metrics (synaptic operations, neuron updates, ...) into every data
        frame from now on, or stop; each rebuild starts them again at t = 0."""
        self._send("set_metrics", bool(on))

    def snapshot(self) -> None:
        """Ask for the network with its current (learned) weights; arrives as a 'reply' frame
        with command 'snapshot' and `network` set."""
        self._send("snapshot")

    def load(self, network: Network) -> None:
        """Structural change: recompile and restart from t = 0 (reported by a 'restarted' frame)."""
        if not isinstance(network, Network):
            raise ValidationError(f"runner: load expects a Network, got {type(network).__name__}")
        self._send("load", network)

    def close(self, timeout: float = 1.0) -> None:
        """Stop the thread (within about one block) and wait for it."""
        if not self._closed:
            self._closed = True
            self._send("stop")
        self._thread.join(timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- results (any thread) ----------------------------------------------------
    def frames(self) -> list[Frame]:
        """All frames since the last call (data frames possibly thinned, see Frame.dropped)."""
        return self._out.take()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def dropped(self) -> int:
        return self._out.dropped

    def wait_for(self, predicate, timeout: float = 10.0) -> list[Frame]:
        """Collect frames until predicate(frame) is true for one of them (for tests and scripts)."""
        deadline = time.monotonic() + timeout
        collected: list[Frame] = []
        while time.monotonic() < deadline:
            new = self.frames()
            collected.extend(new)
            if any(predicate(f) for f in new):
                return collected
            time.sleep(0.002)
        raise TimeoutError(f"runner: no matching frame within {timeout} s (got {len(collected)} frames)")

    def _send(self, name: str, payload: Any = None) -> None:
        if self._ticket is not None and name not in ("admitted", "stop", "snapshot"):
            self._ticket.note_activity()  # a user's command: the tab is in use
        self._commands.put((name, payload))
        sim = self._sim
        if sim is not None:
            sim.interrupt()  # the block in progress ends after its current step: commands wait < 1 step

    def _has_commands(self) -> bool:
        return not self._commands.empty()

    # -- the thread ----------------------------------------------------------------
    def _emit(self, kind: str, **fields) -> None:
        if kind != "data" and self._sim is not None:  # events carry the simulated time they happened at
            fields.setdefault("t_start", self._sim.t)
            fields.setdefault("t_end", self._sim.t)
        self._out.put(Frame(kind=kind, seq=next(self._seq), state=self._state, **fields))
        if self._notify is not None:
            try:
                self._notify()
            except Exception:  # noqa: BLE001 -- a consumer's wake-up must never stop the simulation
                pass

    def _main(self, network: Network) -> None:
        self._build(network, restarted=False)
        while True:
            if self._ticket is not None:
                self._follow_ticket()
            running = self._state == "running"
            try:
                name, payload = self._commands.get_nowait() if running else self._commands.get(timeout=0.1)
            except queue.Empty:
                name, payload = None, None
                if running and self._sim is not None:
                    # no command waits: blocks run whole (a command put after this line
                    # interrupts the next block again)
                    self._sim.interrupt(False)
            try:
                if name == "stop":
                    self._flush()
                elif name is not None:
                    self._handle(name, payload)  # every queued command is drained before the next block
                elif running:
                    self._advance()
            except Exception as error:  # noqa: BLE001 -- a failing command must not end the session
                self._pending = _PendingFrame(self.frame_wall_s)
                if self._state not in ("idle", "stopped"):
                    self._state = "paused" if self._sim is not None else "idle"
                self._emit("error", command=name or "", ok=False,
                           message=f"runner: {name or 'simulation'} failed: {type(error).__name__}: {error}")
            if name == "stop":
                self._state = "stopped"
                if self._ticket is not None:
                    self._ticket.close()
                self._emit("status", command="stop")
                return

    def _follow_ticket(self) -> None:
        """The scheduler's side of the state: a place only while running or queued; an idle
        or hidden tab's run paused."""
        ticket = self._ticket
        if self._state in ("running", "queued") and not self._stepping:
            reason = ticket.idle_reason()
            if reason is not None:
                self._flush()
                self._state = "paused"
                self._emit("status", command="idle", message=reason)
        if self._state not in ("running", "queued"):
            ticket.release()

    def _build(self, network: Network, restarted: bool) -> None:
        self._state = "compiling"
        self._emit("status", message="compiling the network")
        try:
            if self._ticket is not None:
                self._ticket.check_size(network)
        except ClassLimitError as error:
            self._state = "paused" if self._sim is not None else "idle"
            self._emit("error", message=str(error), command="limit", ok=False)
            return
        try:
            sim = Simulator(network, self._dt, self._seed, self._max_memory, block_steps=2000, keep_history=False,
                            threads=self.threads_for(network))
        except EngineError as error:
            self._state = "paused" if self._sim is not None else "idle"
            self._emit("error", message=str(error), command="load", ok=False)
            return
        except MemoryError:
            self._state = "paused" if self._sim is not None else "idle"
            self._emit("error", message="the network does not fit into memory", command="load", ok=False)
            return
        self._sim = sim
        sim.track_efficiency(self._metrics)
        self._end_step, self._stepping = None, False
        self._step_seconds = INITIAL_STEP_SECONDS
        self._recorded_spikes = None
        self._pending = _PendingFrame(self.frame_wall_s)
        self._state = "paused"
        self._emit("restarted" if restarted else "status",
                   message="network rebuilt; restarted from t = 0" if restarted else "ready",
                   populations=tuple(sim.compiled.pop_names))

    def _start_running(self) -> str:
        """Run now, or queue for a place (a step never waits: it ends by itself). Returns the
        message for the status frame ('' when running)."""
        ticket = self._ticket
        if ticket is not None and not self._stepping:
            ticket.note_activity()
            if not ticket.request_run(lambda: self._send("admitted")):
                self._state = "queued"
                return ticket.queued_message()
        self._state = "running"
        self._anchor_wall, self._anchor_sim = time.perf_counter(), self._sim.t
        self._pending.restart_clock()
        return ""

    def _handle(self, name: str, payload: Any) -> None:
        sim = self._sim
        if name == "load":
            self._flush()
            self._build(payload, restarted=True)
            return
        if sim is None:
            self._emit("reply", command=name, ok=False, message="no network is loaded")
            return
        if name == "run":
            self._end_step = None if payload is None else sim.step + steps_of(payload, sim.dt)
            self._stepping = False
            self._emit("status", command=name, message=self._start_running())
        elif name == "resume":  # continues an interrupted run or step; after a finished one, runs on
            if self._end_step is not None and sim.step >= self._end_step:
                self._end_step, self._stepping = None, False
            message = self._start_running() if self._state not in ("running", "queued") else ""
            self._emit("status", command=name, message=message)
        elif name == "admitted":  # the scheduler gave this queued run its place
            if self._state == "queued":
                self._start_running()
                self._emit("status", command=name, message="a place became free: your network runs now")
        elif name == "pause":
            self._flush()
            self._state = "paused"
            self._emit("status", command=name)
        elif name == "step":  # run unpaced to the end step in the loop, so commands still get through
            self._flush()
            self._end_step = sim.step + max(1, steps_of(payload, sim.dt))
            self._stepping = True
            self._start_running()
        elif name == "reset":
            self._flush()
            sim.reset()
            self._end_step, self._stepping = None, False
            self._pending = _PendingFrame(self.frame_wall_s)
            self._state = "paused"
            self._emit("status", command=name, message="reset to t = 0")
        elif name == "set_speed":
            self._speed = None if payload == "max" else float(payload)
            if self._state == "running":
                self._anchor_wall, self._anchor_sim = time.perf_counter(), sim.t
            self._emit("reply", command=name)
        elif name == "set_param":
            self._set_param(sim, *payload)
        elif name == "lesion":
            self._lesion(sim, *payload)
        elif name == "set_metrics":
            self._metrics = payload
            sim.track_efficiency(payload)
            self._emit("reply", command=name)
        elif name == "snapshot":
            self._emit("reply", command=name, network=sim.learned_network(), message=f"weights at t = {sim.t:.1f} ms")
        elif name == "set_recording":
            self._set_recording(sim, *payload)
        else:
            self._emit("reply", command=name, ok=False, message=f"unknown command '{name}'")

    def _set_param(self, sim: Simulator, target, field_name, value) -> None:
        self._flush()  # frames before the reply are all old values, frames after it all new ones
        try:
            sim.set_param(target, field_name, value)
        except RestartRequired as error:
            self._emit("reply", command="set_param", ok=False, message=f"{error}; use load() to rebuild")
        except (ValidationError, EngineError) as error:
            self._emit("reply", command="set_param", ok=False, message=str(error))
        else:
            self._emit("reply", command="set_param", message=f"{target}.{field_name} = {value!r} at t = {sim.t:.1f} ms")
            # the user is watching for the effect: the first frame with the new value goes
            # out after one block instead of waiting for the frame interval
            self._pending.urgent = True

    def _set_recording(self, sim: Simulator, traces, spikes) -> None:
        self._flush()
        try:
            if spikes is not None:
                unknown = [p for p in spikes if p not in sim.compiled.pop_names]
                if unknown:
                    raise ValidationError(f"recording: unknown population '{unknown[0]}'")
            if traces is not None:
                sim.set_recording(list(traces))
            self._recorded_spikes = None if spikes is None else set(spikes)
        except ValidationError as error:
            self._emit("reply", command="set_recording", ok=False, message=str(error))
        else:
            self._emit("reply", command="set_recording")

    def _lesion(self, sim: Simulator, target, indices, fraction, seed, revive: bool) -> None:
        self._flush()  # frames before the reply were simulated without the change, frames after it with it
        try:
            changed = (sim.revive if revive else sim.lesion)(target, indices, fraction, seed)
        except (ValidationError, EngineError) as error:
            self._emit("reply", command="lesion", ok=False, message=str(error))
            return
        self._emit("reply", command="lesion", lesioned=sim.lesions.populations(),
                   message=f"{target}: {'revived; ' if revive else ''}{changed.size} lesioned at t = {sim.t:.1f} ms")
        self._pending.urgent = True

    def _advance(self) -> None:
        sim = self._sim
        step_s = max(self._step_seconds, 1e-7)
        n = min(max(1, int(MAX_BLOCK_WALL_S / step_s)), sim.block_steps)
        # end the block at the frame's deadline rather than up to a block after it, so frames
        # keep their interval (at 50 ms + up to 15 ms they came at ~16 a second, not 20)
        to_deadline = self.frame_wall_s - (time.perf_counter() - self._pending.clock)
        if not self._pending.empty and to_deadline > 0:
            n = min(n, max(1, math.ceil(to_deadline / step_s)))
        # right after a live change the user waits for its effect: one short block, not paced,
        # then its frame goes out (see _PendingFrame.urgent)
        urgent = self._pending.urgent
        block_wall_s = URGENT_BLOCK_WALL_S if urgent else MAX_BLOCK_WALL_S
        if urgent:
            n = min(n, max(1, int(block_wall_s / step_s)))
        if self._speed is not None and not self._stepping:
            # pace: at speed f, sim time should equal anchor_sim + f * elapsed wall ms
            ahead_ms = (sim.t - self._anchor_sim) - self._speed * (time.perf_counter() - self._anchor_wall) * 1000.0
            if ahead_ms < -1000.0 * self._speed:
                # more than a second behind (the machine cannot keep up): re-anchor instead of
                # catching up later in a burst at full speed
                self._anchor_wall, self._anchor_sim = time.perf_counter(), sim.t
            elif ahead_ms > 0 and not urgent:
                time.sleep(min(ahead_ms / self._speed / 1000.0, 0.01))
                if self._pending.due():
                    self._flush()
                return
            n = min(n, max(1, int(round(self._speed * block_wall_s * 1000.0 / sim.dt))))
        if self._end_step is not None:
            n = min(n, self._end_step - sim.step)
            if n <= 0:
                self._flush()
                self._state = "paused"
                if self._stepping:
                    self._stepping = False
                    self._emit("status", command="step", message="step finished")
                else:
                    self._emit("status", command="run", message="run finished")
                return
        if self._advance_block(n) and self._pending.due():
            self._flush()

    def threads_for(self, network: Network) -> int:
        """The Simulator's threads for `network` (see the class's `threads`)."""
        if self._threads is not None:
            return self._threads
        if self._ticket is None:
            return 1
        threads = min(AUTO_THREADS, self._ticket.scheduler.cpu_slots)
        dt = network.dt if self._dt is None else self._dt
        if threads < 2 or network.n_neurons < THREADS_MIN_NEURONS or not threads_supported(network) \
                or shortest_delay_steps(network, dt) < THREADS_MIN_WINDOW_STEPS:
            return 1
        return threads

    def _advance_block(self, n_steps: int) -> bool:
        sim = self._sim
        ticket = self._ticket
        workers = None  # unscheduled: as many cores as are free
        if ticket is not None:
            # a command that arrives while this Runner waits for its CPU turn is handled first
            workers = ticket.take_turn(self._pending.urgent, give_up=self._has_commands, slots=sim.threads,
                                       parallel=sim.threads > 1)
            if not workers:
                return False
        started, cpu_started = time.perf_counter(), time.thread_time()
        try:
            block = sim.advance(n_steps, workers=workers)
        except Exception as error:  # noqa: BLE001 -- the thread must survive anything a network does
            self._flush()
            self._state = "paused"
            message = str(error) if isinstance(error, SimulationFault) else \
                f"simulation failed at t = {sim.t:.1f} ms: {type(error).__name__}: {error}"
            self._emit("error", command="step" if self._stepping else "run", ok=False, message=message)
            return False
        finally:
            if ticket is not None:  # the other cores' threads did about as much as this one
                ticket.end_turn((time.thread_time() - cpu_started) * sim.workers)
        elapsed = time.perf_counter() - started
        self._step_seconds = 0.7 * self._step_seconds + 0.3 * elapsed / max(block.n_steps, 1)
        self._pending.add(block, sim.workers)
        return True

    def _flush(self) -> None:
        if self._pending.empty or self._sim is None:
            return
        self._emit("data", **self._pending.take(self._sim, self._recorded_spikes))


class _PendingFrame:
    """Blocks accumulated since the last data frame (the Runner thread only)."""

    def __init__(self, frame_wall_s: float):
        self.frame_wall_s = frame_wall_s
        self.blocks: list = []
        self.clock = time.perf_counter()  # wall time since which this frame's simulated time accrued
        self.spikes_total = 0
        self.urgent = False  # send after the next block (a live change was just applied)
        self.rate_bins = _RateBins()
        self.workers = 1  # the most cores a block of this frame ran on

    def restart_clock(self) -> None:
        """Running (re)starts now: the wall time of a pause counts for no frame."""
        self.clock = time.perf_counter()

    @property
    def empty(self) -> bool:
        return not self.blocks

    def add(self, block, workers: int = 1) -> None:
        self.blocks.append(block)
        self.workers = max(self.workers, workers)

    def due(self) -> bool:
        return bool(self.blocks) and (self.urgent or time.perf_counter() - self.clock >= self.frame_wall_s)

    def take(self, sim: Simulator, recorded: set[str] | None) -> dict:
        c = sim.compiled
        dt = sim.dt
        blocks = self.blocks
        first = blocks[0].first_step
        last = blocks[-1].first_step + blocks[-1].n_steps
        neuron = np.concatenate([b.spike_neuron for b in blocks])
        step = np.concatenate([b.spike_step for b in blocks])
        pop = (np.searchsorted(c.layout.pop_start, neuron, side="right") - 1).astype(np.int16)
        if recorded is not None:
            keep = np.isin(pop, [c.pop_index(p) for p in recorded])
            neuron, step, pop = neuron[keep], step[keep], pop[keep]
        counts = np.concatenate([b.pop_counts for b in blocks])
        per_bin = rate_bin_steps(dt)
        bin_index, bin_counts = self.rate_bins.add(first, counts, per_bin)
        sizes = np.maximum(np.diff(c.layout.pop_start), 1)
        traces = np.concatenate([b.traces for b in blocks]) if blocks[0].traces.shape[1] else np.zeros((last - first, 0))
        self.spikes_total += int(counts.sum())
        counters = sim.counters()
        counters["spikes"] = self.spikes_total
        sim_ms = (last - first) * dt
        self.blocks = []
        self.urgent = False
        workers, self.workers = self.workers, 1
        now = time.perf_counter()
        elapsed, self.clock = now - self.clock, now
        return dict(
            t_start=first * dt, t_end=last * dt,
            spike_population=pop, spike_neuron=(neuron - c.layout.pop_start[pop]).astype(np.int32),
            spike_time=(step + 1) * dt,
            trace_time=(np.arange(first, last) + 1) * dt, trace_values=traces, traces=tuple(sim.trace_requests),
            rate_time=bin_index * per_bin * dt, rates=bin_counts / (per_bin * dt * 1e-3) / sizes[None, :],
            rate_bin_ms=per_bin * dt,
            populations=tuple(c.pop_names), counters=counters, weights=plastic_summaries(sim),
            efficiency=sim.efficiency_metrics() if sim.efficiency is not None else None,
            real_time_factor=sim_ms / (elapsed * 1000.0) if elapsed > 0 else 0.0, workers=workers,
        )


def rate_bin_steps(dt: float) -> int:
    """Steps per rate bin: RATE_BIN_MS rounded to whole steps (at least one)."""
    return max(1, int(round(RATE_BIN_MS / dt)))


class _RateBins:
    """Spike counts per step into whole rate bins aligned to t = 0 (the Runner thread only).

    A frame usually ends inside a bin: the counts of its steps so far are kept open and the bin
    is reported by the frame that completes it, so a bin is reported once and always whole. A
    bin whose first steps were never seen (data lost to an error) is never reported."""

    def __init__(self):
        self._open_first = 0  # first step of the open bin's counts
        self._open: np.ndarray | None = None  # (steps, populations) counts of the open bin

    def add(self, first_step: int, counts: np.ndarray, per_bin: int) -> tuple[np.ndarray, np.ndarray]:
        """(bin indices, (n_bins, populations) spike counts) of the bins completed by `counts`,
        the counts per step of steps first_step, first_step + 1, ..."""
        if self._open is not None and self._open.shape[1] == counts.shape[1] \
                and self._open_first + self._open.shape[0] == first_step:
            counts = np.concatenate([self._open, counts])
            first_step = self._open_first
        last_step = first_step + counts.shape[0]
        first_bin = -(-first_step // per_bin)  # the first bin that starts inside these counts
        last_bin = max(last_step // per_bin, first_bin)
        whole = counts[first_bin * per_bin - first_step:last_bin * per_bin - first_step]
        open_from = max(last_bin * per_bin, first_step)
        self._open_first, self._open = open_from, counts[open_from - first_step:].copy()
        return np.arange(first_bin, last_bin), whole.reshape(-1, per_bin, counts.shape[1]).sum(axis=1)


WEIGHT_SAMPLE = 200_000  # histograms of huge plastic projections use an even sample of synapses
WEIGHT_BINS = 20


def plastic_summaries(sim: Simulator) -> dict:
    """Mean and histogram (over [0, Wmax]) of every plastic projection's current weights."""
    c = sim.compiled
    out = {}
    for index, name in enumerate(c.plastic_names):
        weights = c.plastic.weight[c.plastic.proj == index]
        stride = max(1, weights.size // WEIGHT_SAMPLE)
        sample = weights[::stride]
        wmax = float(c.plastic.params[index, 5])
        counts, edges = np.histogram(sample, bins=WEIGHT_BINS, range=(0.0, wmax))
        out[name] = {"mean": float(weights.mean()) if weights.size else 0.0, "counts": counts * stride,
                     "edges": edges, "learning": bool(c.plastic.params[index, 7])}
    return out


def _check_ms(value: Any, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValidationError(f"runner: {what} must be a positive number of ms, got {value!r}")


def warm_up() -> float:
    """Compile (or load from Numba's cache) every kernel before the first Run. Returns seconds."""
    from engine.model.network import Population, Projection, Recording

    started = time.perf_counter()
    net = Network(name="warm_up", populations=(
        Population("delta", "iaf_psc_delta", 2, record=Recording(traces=(0,))),
        Population("exp", "iaf_psc_exp", 2, record=Recording(traces=(0,))),
        Population("alpha", "iaf_psc_alpha", 2, record=Recording(traces=(0,))),
        Population("parrot", "parrot_neuron", 2),
        Population("poisson", "poisson_generator", 1, params={"rate": 100.0}),
        Population("fast_poisson", "poisson_generator", 1, params={"rate": 1e6}),
        Population("dc", "dc_generator", 1, params={"amplitude": 100.0}),
        Population("trains", "spike_generator", 1, params={"spike_times": [1.0, 2.0]}),
        Population("hh", "hh_psc_alpha", 1, record=Recording(traces=(0,), variables=("V_m", "Act_m"))),
    ), projections=(
        Projection("poisson", "delta"), Projection("fast_poisson", "exp", weight=0.0), Projection("dc", "alpha"),
        Projection("trains", "parrot"), Projection("parrot", "exp", weight=-1.0), Projection("delta", "alpha"),
        Projection("trains", "hh", weight=100.0),
    ))
    sim = Simulator(net)
    sim.run(5.0)
    sim.set_param("delta→alpha", "weight", 2.0)  # the live weight-change kernel
    Simulator(net, threads=2).run(5.0)  # the min-delay-window kernel (Simulator(threads=2))
    return time.perf_counter() - started
