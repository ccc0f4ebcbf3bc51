"""The designer's state without a browser: every edit undoable, invalid edits change nothing,
save -> load gives the same design, and the live session follows the design."""
import time

import pytest

from designer.session import LiveSession
from designer.state import DesignState
from engine import Network, Population
from engine.io import load_network, network_from_json

EXAMPLE = "assets/examples/ei_network.json"


@pytest.fixture
def state():
    return DesignState(load_network(EXAMPLE))


EDITS = [
    ("add a population", lambda s: s.add_population("iaf_psc_exp", 10, 20)),
    ("move", lambda s: s.move("exc", 5.0, 6.0)),
    ("connect", lambda s: s.connect("exc", "exc")),
    ("delete", lambda s: s.delete(["inh"])),
    ("rename", lambda s: s.rename_population("exc", "pyramidal")),
    ("parameter", lambda s: s.set_population_field("exc", "tau_m", 15.0)),
    ("size", lambda s: s.set_population_field("exc", "size", 50)),
    ("recording", lambda s: s.set_population_field("exc", "record.traces", (3, 4))),
    ("weight", lambda s: s.set_projection_field("inh→exc", "weight", -0.2)),
    ("synapse", lambda s: s.set_projection_field("exc→exc", "synapse", "stdp_synapse")),
    ("network", lambda s: s.set_network_field("seed", 7)),
]


@pytest.mark.parametrize("name,edit", EDITS, ids=[e[0] for e in EDITS])
def test_every_edit_is_undoable_and_redoable(state, name, edit):
    before = state.network
    assert edit(state) not in (False, None) or state.network != before
    after = state.network
    assert after != before and state.can_undo
    assert state.undo() and state.network == before
    assert state.redo() and state.network == after


@pytest.mark.parametrize("edit,message", [
    (lambda s: s.set_population_field("exc", "tau_m", -5.0), "parameter 'tau_m' must be > 0"),
    (lambda s: s.set_population_field("exc", "V_reset", 30.0), "V_reset"),
    (lambda s: s.set_population_field("exc", "size", 0), "size must be at least 1"),
    (lambda s: s.set_projection_field("inh→exc", "weight", float("nan")), "finite"),
    (lambda s: s.set_projection_field("inh→exc", "delay", 0.0), "delay must be > 0"),
    (lambda s: s.rename_population("exc", "inh"), "used twice"),
    (lambda s: s.connect("exc", "noise"), "cannot receive spikes"),
])
def test_an_invalid_edit_changes_nothing_and_says_why(state, edit, message):
    before = state.network
    assert not edit(state)
    assert state.network == before and not state.can_undo
    assert message in state.error


def test_save_then_load_gives_the_same_design(state):
    state.add_population("izhikevich", 1, 2)
    state.apply_preset("neurons", "chattering")
    text = state.to_json()
    other = DesignState(Network(name="empty"))
    assert other.load_json(text.encode(), "saved.json")
    assert other.network == state.network == network_from_json(text)


def test_a_broken_file_leaves_the_design_untouched(state):
    before = state.network
    assert not state.load_json(b'{"format": "snn-designer-network", "version": 1, "network": {"type": "Netw', "x.json")
    assert state.network == before and "could not open x.json" in state.error


def test_undo_is_unlimited_within_a_session(state):
    for i in range(300):
        state.move("exc", float(i), 0.0)
    for _ in range(300):
        assert state.undo()
    assert state.network == load_network(EXAMPLE) and not state.undo()


def test_problems_follow_the_design(state):
    assert state.problems == []
    state.add_population("iaf_psc_delta")
    assert any("nothing drives 'neurons'" in p["text"] for p in state.problems)
    state.undo()
    assert state.problems == []


def test_user_text_stays_text_in_the_model(state):
    name = "<img src=x onerror=alert(1)>"
    assert state.rename_population("exc", name)
    assert state.network.population(name).name == name


def test_session_applies_live_edits_and_flags_structural_ones():
    state = DesignState(load_network("assets/examples/one_neuron.json"))
    session = LiveSession(state)
    try:
        deadline = time.monotonic() + 30
        while session.status != "paused" and time.monotonic() < deadline:
            session.poll()
            time.sleep(0.02)
        session.run()
        while session.t_ms < 50 and time.monotonic() < deadline:
            session.poll()
            time.sleep(0.02)
        state.set_population_field("current", "amplitude", 500.0)  # live: no restart needed
        assert not session.needs_restart
        state.add_population("iaf_psc_exp")  # structural, while running: the user is asked
        session.poll()
        assert session.needs_restart
    finally:
        session.close()
