"""One server's share of the machine among its sessions' Runners (a class on one server).

A `RunScheduler` is made once per server process (by the server launcher) and hands each
Runner a `RunTicket`. Through its ticket a Runner:

- is admitted to run, or queued (first come, first served) while `max_running` networks run;
  it starts by itself when one of them pauses, finishes or closes;
- is refused a network larger than `max_neurons` / `max_synapses` (a message with both numbers);
- takes a CPU turn for every block it simulates. At most `cpu_slots` blocks (one per core)
  compute at once, and a free slot goes to the waiting Runner that has used the least CPU
  time (stride scheduling in CPU seconds, as Linux's CFS does for processes): N running
  networks each get about 1/N of the cores, and none waits more than a round of blocks.
  A Runner that just applied a live change goes first (the user is watching for its effect);
- a threaded Runner asks for several slots: it gets them only while it is the only running
  network and nobody else waits (otherwise one slot: several networks share the cores one
  each), and its CPU time counts once per core it ran on. Where the threading layer cannot
  run parallel kernels from several threads at once (see cores.parallel_kernels_may_overlap),
  one threaded Runner's block computes at a time;
- is paused after its tab was hidden for `hidden_pause_s`, or saw no input for `idle_pause_s`.

Without a ticket a Runner runs unscheduled (scripts, tests, the command line).
"""
from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from engine.compile import estimate_memory
from engine.errors import CapacityError, ValidationError
from engine.model.network import Network
from engine.runtime.cores import parallel_kernels_may_overlap

TURN_POLL_S = 0.05  # a Runner waiting for its turn looks at its command queue this often


class ClassLimitError(CapacityError):
    """The network is larger than this server allows one session (the message has both sizes)."""


@dataclass(frozen=True)
class ClassLimits:
    """What one server allows its sessions. None: no limit (seconds of 0 also mean none)."""

    max_running: int | None = None  # networks running at once; the others wait in a queue
    max_neurons: int | None = None  # per session's network
    max_synapses: int | None = None  # per session's network (expected count of its projections)
    idle_pause_s: float | None = None  # a running network with no input in its tab this long is paused
    hidden_pause_s: float | None = None  # a running network whose tab is hidden this long is paused
    cpu_slots: int | None = None  # blocks computing at once; default: the cores this process may use

    def __post_init__(self):
        for name in ("max_running", "max_neurons", "max_synapses", "cpu_slots"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValidationError(f"class limits: {name} must be a whole number >= 1 (or None), got {value!r}")
        for name in ("idle_pause_s", "hidden_pause_s"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or not math.isfinite(value) or value < 0):
                raise ValidationError(f"class limits: {name} must be a number of seconds >= 0 (or None), got {value!r}")


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.0f} {_plural(round(seconds), 'second', 'seconds')}"


class RunScheduler:
    """Admission, queue, CPU turns and idle pauses for every Runner of one server (thread-safe)."""

    def __init__(self, limits: ClassLimits | None = None, clock: Callable[[], float] = time.monotonic,
                 parallel_overlap: Callable[[], bool] = parallel_kernels_may_overlap):
        self.limits = limits or ClassLimits()
        self.cpu_slots = self.limits.cpu_slots or usable_cores()
        self._clock = clock
        self._parallel_overlap = parallel_overlap  # may threaded Runners' blocks compute at once?
        self._lock = threading.Lock()
        self._running: set[RunTicket] = set()  # admitted (holding a place among max_running)
        self._queue: list[RunTicket] = []  # waiting for a place, first come first served
        self._tickets: set[RunTicket] = set()
        self._turns_taken = 0  # CPU slots in use
        self._parallel_turns = 0  # turns in progress whose block runs a parallel (threaded) kernel
        self._waiting: set[RunTicket] = set()  # tickets waiting for a CPU slot
        self._cpu_floor = 0.0  # the least CPU time among tickets that took turns lately

    # -- tickets -------------------------------------------------------------------
    def ticket(self, name: str = "session") -> RunTicket:
        ticket = RunTicket(self, name)
        with self._lock:
            self._tickets.add(ticket)
        return ticket

    @property
    def running(self) -> int:
        with self._lock:
            return len(self._running)

    @property
    def queued(self) -> int:
        with self._lock:
            return len(self._queue)

    @property
    def sessions(self) -> int:
        with self._lock:
            return len(self._tickets)

    # -- size --------------------------------------------------------------------------
    def check_size(self, network: Network) -> None:
        """Raise ClassLimitError when `network` is larger than one session may run here."""
        limits = self.limits
        if limits.max_neurons is not None and network.n_neurons > limits.max_neurons:
            raise ClassLimitError(f"this network has {network.n_neurons:,} neurons; the class limit is "
                                  f"{limits.max_neurons:,}: make populations smaller")
        if limits.max_synapses is not None:
            n_syn = estimate_memory(network, network.dt)[1]
            if n_syn > limits.max_synapses:
                raise ClassLimitError(f"this network has about {n_syn:,.0f} synapses; the class limit is "
                                      f"{limits.max_synapses:,}: connect fewer neurons or lower the probability")

    # -- admission -----------------------------------------------------------------------
    def _request(self, ticket: RunTicket) -> bool:
        with self._lock:
            if ticket in self._running:
                return True
            cap = self.limits.max_running
            if cap is None or len(self._running) < cap:
                self._running.add(ticket)
                return True
            if ticket not in self._queue:
                self._queue.append(ticket)
            return False

    def _release(self, ticket: RunTicket) -> None:
        admitted: list[RunTicket] = []
        with self._lock:
            if ticket in self._queue:
                self._queue.remove(ticket)
            if ticket in self._running:
                self._running.discard(ticket)
                cap = self.limits.max_running
                while self._queue and (cap is None or len(self._running) < cap):
                    head = self._queue.pop(0)
                    self._running.add(head)
                    admitted.append(head)
        for head in admitted:  # outside the lock: the callback enqueues a command to that Runner
            head._admitted()

    def _position(self, ticket: RunTicket) -> int:
        with self._lock:
            return self._queue.index(ticket) + 1 if ticket in self._queue else 0

    def _forget(self, ticket: RunTicket) -> None:
        self._release(ticket)
        with self._lock:
            self._tickets.discard(ticket)
            self._waiting.discard(ticket)

    # -- CPU turns -----------------------------------------------------------------------
    def _next_in_line(self) -> RunTicket | None:
        parallel_blocked = self._parallel_turns > 0 and not self._parallel_overlap()
        eligible = [t for t in self._waiting if not (t._parallel and parallel_blocked)]
        return min(eligible, key=lambda t: (not t._urgent, t.cpu_seconds), default=None)

    def _slots_for(self, ticket: RunTicket, slots: int) -> int:
        """One slot, or up to `slots` while `ticket`'s network is the only one running and waiting."""
        alone = self._running <= {ticket} and self._waiting <= {ticket}
        return max(1, min(slots, self.cpu_slots - self._turns_taken)) if alone else 1

    def _wake_next(self) -> None:
        # only the one that gets the slot wakes (30 waiting threads woken per block would all
        # compete for the GIL); the others recheck every TURN_POLL_S anyway
        if self._turns_taken < self.cpu_slots:
            head = self._next_in_line()
            if head is not None:
                head._turn.notify()

    def _acquire_turn(self, ticket: RunTicket, urgent: bool, give_up: Callable[[], bool], slots: int,
                      parallel: bool) -> int:
        with self._lock:
            # a ticket back from a pause starts level with the others, not with a credit for its pause
            ticket.cpu_seconds = max(ticket.cpu_seconds, self._cpu_floor)
            ticket._urgent, ticket._parallel = urgent, parallel
            self._waiting.add(ticket)
            try:
                while not (self._turns_taken < self.cpu_slots and self._next_in_line() is ticket):
                    if give_up():
                        return 0
                    ticket._turn.wait(TURN_POLL_S)
                ticket._slots = self._slots_for(ticket, slots)
                self._turns_taken += ticket._slots
                self._parallel_turns += parallel
                return ticket._slots
            finally:
                self._waiting.discard(ticket)
                self._wake_next()

    def _end_turn(self, ticket: RunTicket, cpu_seconds: float) -> None:
        with self._lock:
            self._turns_taken -= ticket._slots
            self._parallel_turns -= ticket._parallel
            ticket._slots, ticket._parallel = 0, False
            ticket.cpu_seconds += cpu_seconds
            ticket.turns += 1
            self._cpu_floor = max(self._cpu_floor, min([t.cpu_seconds for t in self._waiting] + [ticket.cpu_seconds]))
            self._wake_next()


class RunTicket:
    """One Runner's place in its server's scheduler. Used by the Runner's thread, except
    `note_activity` / `note_hidden`, which the session calls from its event loop."""

    def __init__(self, scheduler: RunScheduler, name: str):
        self.scheduler = scheduler
        self.name = name
        self.cpu_seconds = 0.0  # CPU time of this ticket's blocks (the fair-share account)
        self.turns = 0
        self._urgent = False
        self._parallel = False  # its turn's block runs a parallel kernel (a threaded Simulator)
        self._slots = 0  # CPU slots its turn in progress holds
        self._turn = threading.Condition(scheduler._lock)  # notified when this ticket may take a CPU slot
        self._on_admitted: Callable[[], None] | None = None
        now = scheduler._clock()
        self._last_activity = now
        self._hidden_since: float | None = None

    def __repr__(self) -> str:
        return f"RunTicket({self.name!r})"

    # -- admission -------------------------------------------------------------------
    def request_run(self, on_admitted: Callable[[], None]) -> bool:
        """True: run now. False: queued; `on_admitted()` is called (from another thread) when
        this ticket gets its place."""
        self._on_admitted = on_admitted
        return self.scheduler._request(self)

    def release(self) -> None:
        """Not running any more (paused, finished, failed): the place goes to the queue's head."""
        self.scheduler._release(self)

    def close(self) -> None:
        self.scheduler._forget(self)

    @property
    def queue_position(self) -> int:
        """1 for the head of the queue; 0 when not queued."""
        return self.scheduler._position(self)

    def queued_message(self) -> str:
        cap = self.scheduler.limits.max_running
        ahead = self.queue_position - 1
        waiting = f" ({ahead} {_plural(ahead, 'network waits', 'networks wait')} before yours)" if ahead > 0 else ""
        return (f"the class limit of {cap} running {_plural(cap, 'network', 'networks')} is reached: "
                f"yours starts when one pauses{waiting}")

    def _admitted(self) -> None:
        if self._on_admitted is not None:
            self._on_admitted()

    def check_size(self, network: Network) -> None:
        self.scheduler.check_size(network)

    # -- CPU turns -------------------------------------------------------------------------
    def take_turn(self, urgent: bool = False, give_up: Callable[[], bool] = lambda: False, slots: int = 1,
                  parallel: bool = False) -> int:
        """Wait for a CPU turn and return the slots it holds: 1, or up to `slots` when this network
        runs alone (0: `give_up()` became true first, no slot taken). `parallel`: the block runs a
        parallel kernel (a Simulator with threads > 1, on any number of the slots)."""
        return self.scheduler._acquire_turn(self, urgent, give_up, max(1, slots), parallel)

    def end_turn(self, cpu_seconds: float) -> None:
        """The turn's block is done; `cpu_seconds`: its CPU time on all the cores it ran on."""
        self.scheduler._end_turn(self, max(0.0, cpu_seconds))

    # -- presence ---------------------------------------------------------------------------
    def note_activity(self) -> None:
        """The user did something in this session's tab (or sent a command)."""
        self._last_activity = self.scheduler._clock()

    def note_hidden(self, hidden: bool) -> None:
        """The tab was hidden (another tab, minimised) or shown again."""
        now = self.scheduler._clock()
        if hidden and self._hidden_since is None:
            self._hidden_since = now
        elif not hidden:
            self._hidden_since = None
            self._last_activity = now

    def idle_reason(self) -> str | None:
        """Why this session's network should pause now, or None."""
        limits, now = self.scheduler.limits, self.scheduler._clock()
        if limits.hidden_pause_s and self._hidden_since is not None and now - self._hidden_since >= limits.hidden_pause_s:
            return f"paused: this tab was hidden for {_duration(limits.hidden_pause_s)} (press Run to go on)"
        if limits.idle_pause_s and now - self._last_activity >= limits.idle_pause_s:
            return f"paused after {_duration(limits.idle_pause_s)} without activity in this tab (press Run to go on)"
        return None
