"""The designer's state without a browser: every edit undoable, invalid edits change nothing,
save -> load gives the same design, and the live session follows the design."""
import contextlib
import time

import pytest

from designer.session import LiveSession
from designer.state import DesignState
from engine import Network
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


@contextlib.contextmanager
def running_session(state: DesignState):
    """A LiveSession of `state`, running, past t = 50 ms; closed afterwards."""
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
        yield session
    finally:
        session.close()


def test_session_applies_live_edits_and_flags_structural_ones():
    state = DesignState(load_network("assets/examples/one_neuron.json"))
    with running_session(state) as session:
        state.set_population_field("current", "amplitude", 500.0)  # live: no restart needed
        assert not session.needs_restart
        state.add_population("iaf_psc_exp")  # structural, while running: the user is asked
        session.poll()
        assert session.needs_restart


# -- slider drags and live undo ---------------------------------------------------------------

def test_one_drag_is_one_undo_step(state):
    before = state.network
    for rate in (18000.0, 15000.0, 12000.0):
        state.set_population_field("noise", "rate", rate, coalesce=("drag", "noise", "rate", 1))
    assert len(state._undo) == 1 and state.network.population("noise").params["rate"] == 12000.0
    state.set_population_field("noise", "rate", 11000.0, coalesce=("drag", "noise", "rate", 2))
    state.set_population_field("noise", "rate", 10000.0)  # typed: a step of its own
    assert len(state._undo) == 3
    assert state.undo() and state.undo() and state.network.population("noise").params["rate"] == 12000.0
    assert state.undo() and state.network == before and not state.can_undo


def test_an_edit_in_between_ends_the_drag_step(state):
    key = ("drag", "noise", "rate", 1)
    state.set_population_field("noise", "rate", 18000.0, coalesce=key)
    state.move("exc", 1.0, 2.0)
    state.set_population_field("noise", "rate", 15000.0, coalesce=key)
    assert len(state._undo) == 3


def test_a_drag_back_to_where_it_started_is_no_step(state):
    key = ("drag", "noise", "rate", 1)
    state.set_population_field("noise", "rate", 18000.0, coalesce=key)
    state.set_population_field("noise", "rate", 20000.0, coalesce=key)
    assert not state.can_undo and state._undo == []
    state.set_population_field("noise", "rate", 19000.0, coalesce=key)
    assert len(state._undo) == 1 and state.undo() and state.network.population("noise").params["rate"] == 20000.0


LIVE_EDITS = [
    ("population parameter", lambda s: s.set_population_field("exc", "tau_m", 15.0), [("exc", "tau_m", 20.0)]),
    ("weight", lambda s: s.set_projection_field("inh→exc", "weight", -0.2), [("inh→exc", "weight", -0.5)]),
    ("traces", lambda s: s.set_population_field("exc", "record.traces", (3, 4)), [("exc", "record.traces", (0, 1))]),
    ("spikes", lambda s: s.set_population_field("inh", "record.spikes", False), [("inh", "record.spikes", True)]),
    ("move", lambda s: s.move("exc", 5.0, 6.0), []),
]


@pytest.mark.parametrize("name,edit,undone", LIVE_EDITS, ids=[e[0] for e in LIVE_EDITS])
def test_undo_and_redo_of_a_live_edit_are_live(state, name, edit, undone):
    announced = []
    state.param.watch(lambda e: announced.append(e.new), "live_change")
    edit(state)
    done = announced[:]
    announced.clear()
    assert state.undo()
    assert announced == undone and state.structural_change == 0
    announced.clear()
    assert state.redo()
    assert announced == done and state.structural_change == 0


def test_undo_of_a_live_synapse_parameter_is_live():
    state = DesignState(load_network("assets/examples/stdp_pattern.json"))
    announced = []
    state.param.watch(lambda e: announced.append(e.new), "live_change")
    state.set_projection_field("relay→readout", "synapse_params.learning", 0.0)
    state.set_projection_field("relay→readout", "synapse_params.lambda", 0.05)
    state.undo()
    state.undo()
    assert announced[-2:] == [("relay→readout", "lambda", 0.03), ("relay→readout", "learning", 1.0)]
    assert state.structural_change == 0
    state.set_projection_field("relay→readout", "synapse_params.tau_plus", 20.0)  # not live
    assert state.structural_change == 1
    state.undo()
    assert state.structural_change == 2


def test_undo_of_a_structural_edit_stays_structural(state):
    state.set_population_field("exc", "size", 50)
    state.set_population_field("exc", "tau_m", 15.0)
    count = state.structural_change
    state.undo()  # tau_m: live
    assert state.structural_change == count
    state.undo()  # size
    assert state.structural_change == count + 1
    state.redo()
    assert state.structural_change == count + 2


def test_undoing_several_live_fields_at_once_announces_each(state):
    key = ("drag", "x")
    state.edit("two at once", lambda net: net.replace_population("exc", params={**net.population("exc").params,
                                                                              "tau_m": 15.0, "V_th": 18.0}),
               structural=False, coalesce=key)
    announced = []
    state.param.watch(lambda e: announced.append(e.new), "live_change")
    state.undo()
    assert sorted(announced) == [("exc", "V_th", 20.0), ("exc", "tau_m", 20.0)]
    assert state.structural_change == 0


def test_a_repeated_live_change_is_announced_again(state):
    announced = []
    state.param.watch(lambda e: announced.append(e.new), "live_change")
    state.set_population_field("exc", "tau_m", 15.0)
    state._announce_live(("exc", "tau_m", 15.0))  # equal to the last one: an event all the same
    assert announced == [("exc", "tau_m", 15.0)] * 2


def test_the_simulation_hears_a_live_undo_before_the_views_update(state):
    seen = []
    state.param.watch(lambda e: seen.append(("live", state.network.population("exc").params["tau_m"])), "live_change")
    state.param.watch(lambda e: seen.append(("network", e.new.population("exc").params["tau_m"])), "network")
    state.set_population_field("exc", "tau_m", 15.0)
    seen.clear()
    state.undo()
    assert seen == [("live", 15.0), ("network", 20.0)]


def test_undoing_a_live_edit_while_running_needs_no_rebuild():
    state = DesignState(load_network("assets/examples/one_neuron.json"))
    with running_session(state) as session:
        for amplitude in (450.0, 480.0, 500.0):
            state.set_population_field("current", "amplitude", amplitude, coalesce=("drag", "current", "amplitude", 1))
        assert state.undo()
        session.poll()
        assert not session.needs_restart
        assert session._built_network == state.network  # the runner has the old amplitude back
        assert state.redo()
        session.poll()
        assert not session.needs_restart and session._built_network == state.network


def test_a_restored_design_is_not_an_edit_and_arrives_with_its_empty_history(state):
    state.move("exc", 5.0, 6.0)
    seen = []
    state.param.watch(lambda _e: seen.append((state.network.name, state.can_undo)), "network")
    kept = load_network("assets/examples/one_neuron.json")
    state.restore_network(kept, "restored your last design")
    assert state.network == kept and not state.can_undo and not state.can_redo
    assert seen == [("one_neuron", False)], "a view saw the restored design with the old history"
    assert not state.undo()
