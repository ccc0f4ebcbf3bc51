"""The classroom without a browser: the roster of student sessions, the teacher's push (each
student accepts or declines; nothing of theirs is lost), locked parameters (refused by the
state, also live changes and undo; shown disabled in the form), the grid's rates, the token."""
from __future__ import annotations

import html
import re

import numpy as np
import pytest

from designer.classroom.console import TeacherConsole, class_networks, design_html, grid_html
from designer.classroom.locks import lock_violation, lockable_parameters, with_locks
from designer.classroom.roster import Roster
from designer.classroom.token import TEACHER_TOKEN_ENV, teacher_token, token_matches
from designer.session import LiveSession
from designer.state import DesignState
from designer.views.inspector import Inspector
from designer.views.live_slider import LiveSlider
from engine import Frame, Network, Population
from engine.io import list_lessons, load_network
from designer.main import EXAMPLES, LESSONS, DesignerApp
from test_lesson_panel import run_until

EI = "assets/examples/ei_network.json"


def small_network(name: str = "mine", tau_m: float = 10.0) -> Network:
    return Network(name=name, populations=(Population("exc", "iaf_psc_delta", 4, params={"tau_m": tau_m}),
                                           Population("inh", "iaf_psc_delta", 4)))


@pytest.fixture
def students():
    """Three seated students (actions delivered at once, as their loop would run them)."""
    roster = Roster()
    sessions = [LiveSession(DesignState(small_network(f"design {i}"))) for i in range(3)]
    seats = [roster.join(s.state, s, deliver=lambda action: action(), student=f"Ana {i}") for i, s in enumerate(sessions)]
    yield roster, seats
    for session in sessions:
        session.close()


def test_sessions_join_and_leave_the_roster_and_a_left_seat_gets_nothing(students):
    roster, seats = students
    assert [row["student"] for row in roster.snapshot()] == ["Ana 0", "Ana 1", "Ana 2"]
    roster.leave(seats[1].seat_id)
    assert [row["student"] for row in roster.snapshot()] == ["Ana 0", "Ana 2"]
    roster.push(load_network(EI), "example 'ei_network'")
    assert seats[1].offer is None and seats[0].offer is not None


def test_a_name_is_cut_and_an_empty_one_numbered(students):
    roster, seats = students
    state = DesignState(small_network())
    seat = roster.join(state, LiveSession(state), deliver=lambda action: action(), student="  x" * 40)
    seat.session.close()
    assert len(seat.student) == 40 and "  " not in seat.student
    other = roster.join(state, seats[0].session, deliver=lambda action: action())
    assert other.student == "Student 5"


def test_push_accepted_keeps_the_students_design_in_undo_history(students):
    roster, seats = students
    roster.push(load_network(EI), "example 'ei_network'")
    assert all(seat.answer == "waiting" for seat in seats)
    assert seats[0].accept()
    seats[1].decline()
    assert seats[0].state.network.name == "ei_network" and seats[0].answer == "accepted"
    assert seats[1].state.network.name == "design 1" and seats[1].answer == "declined"
    assert seats[2].state.network.name == "design 2" and seats[2].answer == "waiting"
    assert seats[0].state.undo()
    assert seats[0].state.network == small_network("design 0")
    assert [row["answer"] for row in roster.snapshot()] == ["accepted", "declined", "waiting"]


def test_a_locked_parameter_is_set_and_refused_in_every_edit(students):
    roster, seats = students
    roster.lock("exc", "tau_m", 20.0)
    state = seats[0].state
    assert state.network.population("exc").params["tau_m"] == 20.0
    assert not state.set_population_field("exc", "tau_m", 5.0)  # a form's field
    assert "exc.tau_m is locked by the teacher at 20" in state.error
    assert not state.set_population_field("exc", "tau_m", 7.0, coalesce=("drag", "exc", "tau_m", 1))  # a drag
    assert state.network.population("exc").params["tau_m"] == 20.0
    assert not state.undo()  # back to tau_m = 10 is a change too
    assert state.error.startswith("cannot undo: exc.tau_m is locked")
    assert state.set_population_field("inh", "tau_m", 5.0)  # the same field of another population is free


def test_a_lock_on_a_live_parameter_refuses_live_changes_and_reaches_the_running_simulation(students):
    roster, seats = students
    state = seats[0].state
    state.replace_network(load_network(EI), "opened ei")
    announced = []
    state.param.watch(lambda event: announced.append(event.new), "live_change")
    roster.lock("noise", "rate", 5.0)
    assert announced == [("noise", "rate", 5.0)]  # the Runner gets the locked value live
    assert not state.set_population_field("noise", "rate", 80.0)
    assert announced == [("noise", "rate", 5.0)] and state.network.population("noise").params["rate"] == 5.0


def test_a_network_opened_under_a_lock_takes_the_locked_value_and_unlock_frees_it(students):
    roster, seats = students
    roster.lock("inh→exc", "weight", -0.5)  # not in the students' networks yet: waits for one that has it
    roster.push(load_network(EI), "example 'ei_network'")
    seats[0].accept()
    assert seats[0].state.network.projection("inh→exc").weight == -0.5
    assert not seats[0].state.set_projection_field("inh→exc", "weight", -2.0)
    roster.unlock_all()
    assert seats[0].state.locks == {}
    assert seats[0].state.set_projection_field("inh→exc", "weight", -2.0)


def test_a_student_joining_later_gets_the_class_locks():
    roster = Roster()
    roster.lock("exc", "tau_m", 30.0)
    state = DesignState(small_network())
    session = LiveSession(state)
    try:
        roster.join(state, session, deliver=lambda action: action())
        assert state.locks == {("exc", "tau_m"): 30.0} and state.network.population("exc").params["tau_m"] == 30.0
    finally:
        session.close()


def test_lock_helpers_name_the_parameter_and_skip_what_a_network_lacks():
    net = load_network(EI)
    params = {(target, field): (value, unit) for target, field, value, unit in lockable_parameters(net)}
    assert params[("exc", "tau_m")] == (20.0, "ms") and params[("noise", "rate")][1] == "Hz"
    assert params[("inh→exc", "weight")][1] == "mV"  # the target model's weight unit
    assert lock_violation(net, {("exc", "tau_m"): 20.0, ("missing", "tau_m"): 1.0}) == ""
    assert "exc.tau_m" in lock_violation(net, {("exc", "tau_m"): 15.0})
    assert with_locks(net, {("exc", "tau_m"): 15.0}).population("exc").params["tau_m"] == 15.0


def test_the_inspector_shows_a_locked_field_disabled_with_the_note():
    net = load_network(EI)
    state = DesignState(net)
    inspector = Inspector(state)
    state.selection = {"kind": "node", "id": "exc"}
    assert state.lock("exc", "tau_m", 25.0) and state.lock("exc", "V_th", 18.0)
    fields = {f.widget.label: f.widget for f in inspector._fields}
    locked = [label for label, w in fields.items() if getattr(w, "locked", False) or getattr(w, "disabled", False)]
    assert sorted(locked) == ["V_th (mV)", "tau_m (ms)"]
    text = " ".join(str(getattr(p, "object", "")) for p in inspector._body.select(lambda o: hasattr(o, "object")))
    assert text.count("locked by the teacher") == 2
    state.unlock_all()
    fields = {f.widget.label: f.widget for f in inspector._fields}
    assert not any(getattr(w, "locked", False) or getattr(w, "disabled", False) for w in fields.values())


def data_frame(rates_exc: float, rates_noise: float, n_bins: int = 100) -> Frame:
    return Frame(kind="data", seq=1, t_start=0.0, t_end=5.0 * n_bins, state="running", populations=("exc", "noise"),
                 rate_time=np.arange(n_bins) * 5.0, rate_bin_ms=5.0,
                 rates=np.column_stack([np.full(n_bins, rates_exc), np.full(n_bins, rates_noise)]))


def test_the_grid_shows_the_mean_rate_of_the_last_bins_of_neurons_only():
    roster = Roster()
    state = DesignState(Network(name="ei", populations=(Population("exc", "iaf_psc_delta", 4),
                                                        Population("noise", "poisson_generator", 1))))
    session = LiveSession(state)
    try:
        seat = roster.join(state, session, deliver=lambda action: action(), student="<b>Bo</b>")
        session.frame = data_frame(3.0, 100.0)
        session.frame = data_frame(13.0, 100.0, n_bins=20)  # the last 200 ms: 20 bins at 13 Hz, 20 at 3 Hz
        assert seat.rates() == {"exc": pytest.approx(8.0)}
        row = roster.snapshot()[0]
        assert row["rates"] == {"exc": pytest.approx(8.0)} and row["status"] == session.status
        grid = grid_html(roster.snapshot())
        assert "&lt;b&gt;Bo&lt;/b&gt;" in grid and "<b>Bo" not in grid and "data-hz='8.000'" in grid
        session.reset_count += 1
        assert seat.rates() == {}
    finally:
        session.close()


def test_the_read_only_design_view_shows_values_and_escapes_names():
    net = load_network(EI).replace_population("exc", name="<img src=x onerror=alert(1)>")
    text = design_html("<i>Cy</i>", net)
    assert "<img" not in text and "&lt;img src=x" in text and "&lt;i&gt;Cy&lt;/i&gt;" in text
    assert "tau_m = 20" in re.sub(r"<[^>]+>", " ", text)


def test_the_console_sends_the_chosen_example_and_locks_a_parameter(students):
    roster, seats = students
    console = TeacherConsole(roster, class_networks(EXAMPLES, LESSONS))
    assert "Lesson: " in " ".join(console.network_select.options)
    console.network_select.value = "Example: ei_network"
    console.send()
    assert all(seat.offer is not None and seat.offer.network.name == "ei_network" for seat in seats)
    console.lock_select.value = ("exc", "tau_m", 20.0)
    console.lock_value.value = -1.0  # the model refuses it: nothing is locked
    assert not console.lock() and roster.locks == {}
    assert "tau_m" in html.unescape(console.locks_note.object)
    console.lock_value.value = 12.5
    assert console.lock() and roster.locks == {("exc", "tau_m"): 12.5}
    assert all(seat.state.network.population("exc").params["tau_m"] == 12.5 for seat in seats)
    console.refresh()
    assert console.grid.object.count("<tr data-seat=") == 3
    console.view_select.value = seats[1].seat_id
    assert "design 1" in console.design.object and "tau_m = 12.5" in console.design.object


def test_the_token_is_compared_whole(monkeypatch):
    monkeypatch.setenv(TEACHER_TOKEN_ENV, "s3cret-token")
    teacher_token.cache_clear()
    try:
        assert token_matches("s3cret-token") and token_matches(b"s3cret-token")
        assert not token_matches("s3cret") and not token_matches("") and not token_matches(None)
    finally:
        teacher_token.cache_clear()


def lif_lesson():
    return next(one for one in list_lessons(LESSONS) if one.name == "lif_neuron")


def test_a_pushed_lesson_opens_with_the_seats_hook_and_the_grid_names_it(students):
    roster, seats = students
    opened = []
    seats[0].open_lesson = lambda lesson, description: opened.append((lesson.name, description)) or True
    lesson = lif_lesson()
    offer = roster.push(lesson.network, f"lesson '{lesson.title}'", lesson=lesson)
    assert all(seat.offer is offer and seat.offer.lesson is lesson for seat in seats)
    assert seats[0].accept() and seats[1].accept()
    assert opened == [("lif_neuron", "opened the teacher's lesson 'One LIF neuron under DC'")]
    assert seats[0].lesson == "One LIF neuron under DC" and seats[0].answer == "accepted"
    # a page that cannot show lessons gets the lesson's network alone (and no lesson in the grid)
    assert seats[1].state.network == lesson.network and seats[1].lesson == ""
    rows = roster.snapshot()
    assert [row["lesson"] for row in rows] == ["One LIF neuron under DC", "", ""]
    assert "lesson: One LIF neuron under DC" in grid_html(rows)


def test_the_console_sends_a_lesson_whole(students):
    roster, seats = students
    console = TeacherConsole(roster, class_networks(EXAMPLES, LESSONS))
    console.network_select.value = "Lesson: One LIF neuron under DC"
    console.send()
    offer = seats[0].offer
    assert offer.lesson is not None and offer.lesson.name == "lif_neuron" and offer.lesson.steps
    assert offer.network == offer.lesson.network and offer.source == "lesson 'One LIF neuron under DC'"


def test_a_student_page_opens_the_teachers_lesson_as_its_link_would():
    app = DesignerApp(example="one_neuron")
    try:
        roster = Roster()
        seat = roster.join(app.state, app.session, deliver=lambda action: action(), open_lesson=app.open_lesson)
        lesson = lif_lesson()
        roster.push(lesson.network, f"lesson '{lesson.title}'", lesson=lesson)
        assert seat.accept()
        panel = app.lesson
        assert panel is not None and panel.lesson.name == "lif_neuron"
        assert app.workspace.lesson is not None  # the lesson column beside the canvas
        assert app.state.network.name == "lif_neuron" and "leaky integrate-and-fire" in panel.text.html
        assert panel.measurements == [None, None, None] and "data-step='1'" in panel.steps.object
        assert app.autosave.progress()["lesson"] == "lif_neuron"  # saved with the workspace
        # the steps are measured while it runs, as in /app?lesson=lif_neuron
        app.state.set_population_params("current", {"amplitude": 400.0})
        app.session.speed = "max"
        run_until(app, 600.0)
        panel.evaluate()
        assert panel.measurements[0] is not None and panel.measurements[0].done
        # a second lesson from the teacher opens in the same panel; undo gets the student's design back
        other = next(one for one in list_lessons(LESSONS) if one.name == "synapses")
        roster.push(other.network, f"lesson '{other.title}'", lesson=other)
        assert seat.accept() and app.lesson is panel and panel.lesson.name == "synapses"
        while app.state.network.name != "one_neuron":
            assert app.state.undo()
    finally:
        app.session.close()


def test_a_reload_brings_the_teachers_lesson_back_with_the_workspace(tmp_path, monkeypatch):
    from designer.store import new_browser_id
    from designer.store.sqlite import SqliteStore

    store = SqliteStore(tmp_path)
    monkeypatch.setattr("designer.main.server_store", lambda: (store, ""))
    browser = new_browser_id()
    app = DesignerApp(example=None, browser_id=browser)
    try:
        assert app.open_lesson(lif_lesson(), "opened the teacher's lesson")
    finally:
        app.close()
    again = DesignerApp(browser_id=browser)
    try:
        assert again.lesson is not None and again.lesson.lesson.name == "lif_neuron"
        assert again.state.network.name == "lif_neuron" and again.workspace.lesson is not None
    finally:
        again.close()
        store.close()
