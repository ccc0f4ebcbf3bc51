"""The class on one server: a roster of student sessions (`Seat`s) the teacher's console reads.

Each student page joins the roster when it is built and leaves it when Bokeh destroys its
session. The teacher acts on every seat through `Roster.push` (a network offered: each
student accepts or declines it) and `Roster.lock` (a parameter held at a value). A seat's
state is touched only on its own session's event loop: the roster hands each action to
the seat's `deliver` (which schedules it there), never calls the student's state itself.
The console only reads: `Seat.snapshot()` and the seat's current (immutable) Network.
"""
from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import param

from engine import Network
from engine.io import Lesson

from designer.classroom.locks import Locks
from designer.session import LiveSession
from designer.state import DesignState

ROSTER_CACHE_KEY = "snn-designer-classroom-roster"
RATE_WINDOW_MS = 200.0  # the grid shows each population's mean rate over this much simulated time
NAME_MAX_CHARS = 40  # a student's name as given in the link, cut to this

Deliver = Callable[[Callable[[], None]], None]
OpenLesson = Callable[[Lesson, str], bool]  # (lesson, undo description) -> opened; the student page's


@dataclass(frozen=True)
class Offer:
    """A network or lesson the teacher sent to the class; `number` counts the teacher's pushes."""

    number: int
    network: Network
    source: str  # what the teacher sent, for the prompt: "example 'ei_network'"
    lesson: Lesson | None = None  # a lesson: its text and steps open with its network


class Seat(param.Parameterized):
    """One student session: its design and live session, the teacher's pending offer, and the
    recent population rates (kept from the session's frames for the console's grid)."""

    student = param.String(default="", doc="The student's name (plain text)")
    offer = param.ClassSelector(class_=Offer, default=None, allow_None=True, doc="Waiting for the student's answer")
    answer = param.String(default="", doc="'', 'waiting', 'accepted' or 'declined' (the last offer)")
    lesson = param.String(default="", doc="Title of the teacher's lesson the student opened ('' for none)")

    def __init__(self, seat_id: str, state: DesignState, session: LiveSession, deliver: Deliver,
                 open_lesson: OpenLesson | None = None, **params):
        super().__init__(**params)
        self.seat_id = seat_id
        self.state = state
        self.session = session
        self.deliver = deliver
        self.open_lesson = open_lesson  # None: the page shows no lessons, a lesson's network opens alone
        self._rate_populations: tuple = ()
        self._rate_rows = np.empty((0, 0))
        self._rate_bin_ms = 5.0
        session.param.watch(self._on_frame, "frame")
        session.param.watch(lambda _event: self._clear_rates(), "reset_count")

    # -- the teacher's actions, run on the student's loop (through `deliver`) -------------
    def receive(self, offer: Offer) -> None:
        self.param.update(offer=offer, answer="waiting")

    def accept(self) -> bool:
        """Opens the offered network (a lesson: as its own page would, with its text and steps);
        the student's design before it stays in the undo history."""
        offer = self.offer
        if offer is None:
            return False
        description = f"opened the teacher's {offer.source}"
        if offer.lesson is not None and self.open_lesson is not None:
            opened = self.open_lesson(offer.lesson, description)
        else:
            opened = self.state.replace_network(offer.network, description)
        lesson = offer.lesson.title if opened and offer.lesson is not None and self.open_lesson else self.lesson
        self.param.update(offer=None, answer="accepted" if opened else "declined", lesson=lesson)
        return opened

    def decline(self) -> None:
        if self.offer is not None:
            self.param.update(offer=None, answer="declined")

    # -- rates for the grid ---------------------------------------------------------------
    def _clear_rates(self) -> None:
        self._rate_rows = np.empty((0, len(self._rate_populations)))

    def _on_frame(self, event) -> None:
        frame = event.new
        if frame is None or frame.rates.shape[0] == 0:
            return
        if tuple(frame.populations) != self._rate_populations:
            self._rate_populations = tuple(frame.populations)
            self._clear_rates()
        self._rate_bin_ms = frame.rate_bin_ms or self._rate_bin_ms
        keep = max(1, int(round(RATE_WINDOW_MS / self._rate_bin_ms)))
        rows = frame.rates.reshape(-1, len(self._rate_populations))
        self._rate_rows = np.concatenate([self._rate_rows, rows])[-keep:]

    def rates(self) -> dict[str, float]:
        """{population: mean rate in Hz over the last RATE_WINDOW_MS} of the neurons (not devices)."""
        if self._rate_rows.shape[0] == 0:
            return {}
        devices = {p.name for p in self.session.state.network.populations if p.is_device}
        means = self._rate_rows.mean(axis=0)
        return {name: float(rate) for name, rate in zip(self._rate_populations, means) if name not in devices}

    def snapshot(self) -> dict:
        """What the console's grid shows of this student (plain values; the console escapes text)."""
        network = self.state.network
        return {"seat": self.seat_id, "student": self.student, "network": network.name,
                "status": self.session.status, "t_ms": float(self.session.t_ms), "rates": self.rates(),
                "answer": self.answer, "locks": len(self.state.locks), "lesson": self.lesson}


class Roster:
    """The student sessions of one server process (see the module docstring)."""

    def __init__(self):
        self._seats: dict[str, Seat] = {}
        self._mutex = threading.Lock()  # sessions join and leave from the server's loop, tests from others
        self._numbers = itertools.count(1)
        self._pushes = itertools.count(1)
        self.locks: Locks = {}  # what a student joining later gets too

    def join(self, state: DesignState, session: LiveSession, deliver: Deliver, student: str = "",
             open_lesson: OpenLesson | None = None) -> Seat:
        """A new student session; it takes the class's locks now (on its own loop)."""
        number = next(self._numbers)
        name = " ".join(student.split())[:NAME_MAX_CHARS] or f"Student {number}"
        seat = Seat(f"s{number}", state, session, deliver, open_lesson=open_lesson, student=name)
        with self._mutex:
            self._seats[seat.seat_id] = seat
        for (target, field), value in self.locks.items():
            deliver(lambda t=target, f=field, v=value: state.lock(t, f, v))
        return seat

    def leave(self, seat_id: str) -> None:
        with self._mutex:
            seat = self._seats.pop(seat_id, None)
        if seat is not None:  # its session is gone: nothing may reach it any more
            seat.deliver = lambda _action: None

    def seats(self) -> list[Seat]:
        with self._mutex:
            return list(self._seats.values())

    def seat(self, seat_id: str) -> Seat | None:
        with self._mutex:
            return self._seats.get(seat_id)

    def push(self, network: Network, source: str, lesson: Lesson | None = None) -> Offer:
        """Offer `network` (or `lesson`, whose network it is) to every student session; each
        answers in its own prompt."""
        offer = Offer(next(self._pushes), network, source, lesson)
        for seat in self.seats():
            seat.deliver(lambda s=seat: s.receive(offer))
        return offer

    def lock(self, target: str, field: str, value: float) -> None:
        """Hold `target.field` at `value` in every student's design, now and for those who join later."""
        self.locks = {**self.locks, (target, field): float(value)}
        for seat in self.seats():
            seat.deliver(lambda s=seat: s.state.lock(target, field, float(value)))

    def unlock_all(self) -> None:
        self.locks = {}
        for seat in self.seats():
            seat.deliver(seat.state.unlock_all)

    def snapshot(self) -> list[dict]:
        return [seat.snapshot() for seat in self.seats()]


def class_roster() -> Roster:
    """This server process's roster (made on first use, kept in Panel's per-process cache)."""
    import panel as pn

    roster = pn.state.cache.get(ROSTER_CACHE_KEY)
    if roster is None:
        roster = pn.state.cache[ROSTER_CACHE_KEY] = Roster()
    return roster
