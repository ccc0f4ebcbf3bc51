"""A student page's part of the class: its seat in the roster, and the teacher's offer as a prompt.

`join_class` registers the session (and removes it again when Bokeh destroys the session);
`StudentPrompt` shows the teacher's offer with Accept / Decline above the canvas, and which
parameters the teacher locked. It watches the seat and the design state, nothing else.
"""
from __future__ import annotations

import functools
import html

import panel as pn
import param
from panel.io.state import set_curdoc
from panel.viewable import Viewer

from designer.classroom.locks import LOCK_NOTE, describe_locks
from designer.classroom.roster import Deliver, OpenLesson, Roster, Seat, class_roster


def _run_in(doc, action) -> None:
    """A next-tick callback: Panel dispatches model changes directly only with its curdoc set."""
    with set_curdoc(doc):
        action()


def deliver_to(doc) -> Deliver:
    """Runs an action on `doc`'s session loop (Bokeh's add_next_tick_callback is thread-safe)."""
    return lambda action: doc.add_next_tick_callback(functools.partial(_run_in, doc, action))


class StudentPrompt(Viewer):
    """The teacher's pending offer (Accept / Decline) and the class's locks, as banners."""

    seat = param.ClassSelector(class_=Seat)

    def __init__(self, seat: Seat, stylesheets: list[str] | None = None, **params):
        super().__init__(seat=seat, **params)
        sheets = list(stylesheets or [])
        self.message = pn.pane.HTML("", sizing_mode="stretch_width", margin=(2, 4), stylesheets=sheets,
                                    name="teacher-offer-text")
        self.accept_button = pn.widgets.Button(name="Open it", color="primary", width=90)
        self.decline_button = pn.widgets.Button(name="Not now", width=90)
        self.offer_row = pn.Row(self.message, self.accept_button, self.decline_button, visible=False,
                                sizing_mode="stretch_width", margin=0, align="center", name="teacher-offer")
        self.locks_note = pn.pane.HTML("", sizing_mode="stretch_width", margin=(2, 4), visible=False,
                                       stylesheets=sheets, name="teacher-locks")
        self._body = pn.Column(self.offer_row, self.locks_note, sizing_mode="stretch_width", margin=0)
        self._wire()
        self._render_offer()
        self._render_locks()

    def _wire(self) -> None:
        self.seat.param.watch(lambda _event: self._render_offer(), "offer")
        self.seat.state.param.watch(lambda _event: self._render_locks(), "locks")
        self.accept_button.on_click(lambda _event: self.seat.accept())
        self.decline_button.on_click(lambda _event: self.seat.decline())

    def __panel__(self):
        return self._body

    def _render_offer(self) -> None:
        offer = self.seat.offer
        if offer is not None:
            what = ("its text and steps open beside the canvas" if offer.lesson is not None and self.seat.open_lesson
                    else f"network '{html.escape(offer.network.name)}'")
            self.message.object = (
                f"<div class='banner teacher-offer'>Your teacher sent the {html.escape(offer.source)} "
                f"({what}). Open it? ↶ Undo brings your design back.</div>")
        self.offer_row.visible = offer is not None

    def _render_locks(self) -> None:
        locks = self.seat.state.locks
        if locks:
            self.locks_note.object = (f"<div class='banner teacher-locks'>{LOCK_NOTE.capitalize()}: "
                                      f"{html.escape(describe_locks(locks))}</div>")
        self.locks_note.visible = bool(locks)


def join_class(state, session, doc, student: str = "", stylesheets: list[str] | None = None,
               roster: Roster | None = None, open_lesson: OpenLesson | None = None) -> StudentPrompt:
    """Seat this session in the class (`class_roster()` unless given) and return its prompt;
    the seat leaves the roster when Bokeh destroys the session. `open_lesson`: how the page
    opens a lesson the teacher sent (DesignerApp.open_lesson)."""
    roster = roster or class_roster()
    seat = roster.join(state, session, deliver_to(doc), student=student, open_lesson=open_lesson)
    pn.state.on_session_destroyed(lambda _context: roster.leave(seat.seat_id))
    return StudentPrompt(seat, stylesheets=stylesheets)
