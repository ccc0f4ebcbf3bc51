"""The inspector without a browser: value changes update the form in place (the widget being
typed in or dragged stays), structure changes build a new form, a slider drag is one undo
step, and refused values show their error under the field."""
import html
import re

import pytest

from designer.state import DesignState
from designer.views.inspector import Inspector
from designer.views.live_slider import LiveSlider, slider_range
from engine.io import load_network


@pytest.fixture
def state():
    return DesignState(load_network("assets/examples/ei_network.json"))


@pytest.fixture
def inspector(state):
    return Inspector(state)


def widgets(inspector) -> dict:
    """{label: widget} of the form shown."""
    return {f.widget.label: f.widget
            for f in inspector._fields}


def error_of(inspector, widget) -> str | None:
    """The inline error under `widget`, or None when it is hidden."""
    field = next(f for f in inspector._fields if f.widget is widget)
    return html.unescape(re.sub(r"<[^>]+>", "", field.error.object)) if field.error.visible else None


def drag(slider: LiveSlider, values, drag_id="d1") -> None:
    """What the page sends for one drag: values while moving, the last one final."""
    for i, value in enumerate(values):
        slider._handle_msg({"type": "value", "value": value, "drag": drag_id, "final": i == len(values) - 1,
                            "seq": i + 1})


def typed(slider: LiveSlider, text: str) -> None:
    slider._handle_msg({"type": "value", "text": text, "drag": None, "final": True, "seq": 99})


def test_live_fields_are_sliders_and_the_others_stay_inputs(state, inspector):
    state.selection = {"kind": "node", "id": "exc"}
    form = widgets(inspector)
    assert all(isinstance(form[label], LiveSlider) for label in ("tau_m (ms)", "V_th (mV)", "I_e (pA)"))
    assert not isinstance(form["Size (neurons)"], LiveSlider)
    assert not isinstance(form["Initial V_m (mV)"], LiveSlider)
    state.selection = {"kind": "node", "id": "noise"}
    form = widgets(inspector)
    assert isinstance(form["rate (Hz)"], LiveSlider)
    assert not isinstance(form["stop (ms)"], LiveSlider)  # optional: empty = never
    state.selection = {"kind": "edge", "id": "inh→exc"}
    form = widgets(inspector)
    assert isinstance(form["Weight (mV)"], LiveSlider)
    assert not isinstance(form["Delay (ms)"], LiveSlider)
    assert form["Weight (mV)"].doc and form["Weight (mV)"].start < -0.5 < form["Weight (mV)"].end


def test_stdp_live_params_are_sliders_and_learning_a_checkbox():
    state = DesignState(load_network("assets/examples/stdp_pattern.json"))
    inspector = Inspector(state)
    state.selection = {"kind": "edge", "id": "relay→readout"}
    form = widgets(inspector)
    assert all(isinstance(form[label], LiveSlider) for label in ("lambda", "alpha", "Wmax"))
    assert not isinstance(form["tau_plus (ms)"], LiveSlider)  # not live
    assert form["Learning on (live)"].value is True
    assert "Weight (pA)" not in form  # a distribution: shown as text
    assert form["lambda"].end < 0.1  # a learning rate of 0.03 gets a fine range
    form["Learning on (live)"].value = False
    assert state.network.projection("relay→readout").synapse_params["learning"] == 0.0
    assert state.live_change == ("relay→readout", "learning", 0.0)


def test_tsodyks2_U_tau_rec_tau_fac_are_live_sliders_and_initial_u_x_inputs(state, inspector):
    state.set_projection_field("exc→inh", "synapse", "tsodyks2_synapse")
    state.selection = {"kind": "edge", "id": "exc→inh"}
    form = widgets(inspector)
    assert form["Synapse model"].value == "tsodyks2_synapse"
    assert "tsodyks2_synapse: Short-term depression and facilitation" in form["Synapse model"].description
    sliders = {label: form[label] for label in ("U", "tau_rec (ms)", "tau_fac (ms)")}
    assert all(isinstance(w, LiveSlider) for w in sliders.values())
    assert sliders["U"].value == 0.5 and 0.0 <= sliders["U"].start and sliders["U"].end <= 1.0
    assert sliders["tau_rec (ms)"].value == 800.0 and "depression" in sliders["tau_rec (ms)"].doc
    assert not isinstance(form["u"], LiveSlider) and not isinstance(form["x"], LiveSlider)  # initial state
    announced = []
    state.param.watch(lambda e: announced.append(e.new), "live_change")
    drag(sliders["U"], [0.3, 0.2])
    assert announced == [("exc→inh", "U", 0.3), ("exc→inh", "U", 0.2)]
    assert state.network.projection("exc→inh").synapse_params["U"] == 0.2
    typed(sliders["U"], "1.5")
    assert "parameter 'U' must be <= 1" in error_of(inspector, sliders["U"])
    assert state.network.projection("exc→inh").synapse_params["U"] == 0.2


def test_a_value_edit_keeps_the_widgets(state, inspector):
    state.selection = {"kind": "node", "id": "exc"}
    objects, form = list(inspector._body.objects), widgets(inspector)
    drag(form["tau_m (ms)"], [15.0])
    form["Size (neurons)"].value = 400
    assert state.network.population("exc").params["tau_m"] == 15.0
    assert state.network.population("exc").size == 400
    assert inspector._body.objects == objects and widgets(inspector) == form


def test_undo_puts_the_old_values_into_the_same_widgets_without_new_edits(state, inspector):
    state.selection = {"kind": "node", "id": "exc"}
    form = widgets(inspector)
    tau_m, size, traces = form["tau_m (ms)"], form["Size (neurons)"], form["Membrane traces of neurons"]
    assert traces.value == "0, 1"
    drag(tau_m, [12.0, 14.0, 15.0])
    size.value = 400
    traces.value = "3, 4, 3"  # normalised by the model: shown as it is kept
    assert traces.value == "3, 4"
    undo_depth = len(state._undo)
    assert undo_depth == 3
    assert state.undo() and traces.value == "0, 1" and size.value == 400
    assert state.undo() and size.value == 800 and tau_m.value == 15.0
    assert state.undo() and tau_m.value == 20.0 and tau_m.shown["value"] == 20.0
    # the updates were not applied back as edits: the redo stack is whole, nothing to undo
    assert not state.can_undo and len(state._redo) == undo_depth
    assert widgets(inspector) == form
    assert state.redo() and tau_m.value == 15.0


def test_a_drag_is_one_undo_step_and_is_sent_live(state, inspector):
    state.selection = {"kind": "node", "id": "noise"}
    rate = widgets(inspector)["rate (Hz)"]
    announced = []
    state.param.watch(lambda e: announced.append(e.new), "live_change")
    drag(rate, [18000.0, 15000.0, 12000.0, 10000.0])
    assert [v for _, _, v in announced] == [18000.0, 15000.0, 12000.0, 10000.0]
    assert len(state._undo) == 1 and state.structural_change == 0
    drag(rate, [11000.0, 12000.0], drag_id="d2")  # another drag: another step
    assert len(state._undo) == 2
    assert state.undo() and state.network.population("noise").params["rate"] == 10000.0
    assert state.undo() and state.network.population("noise").params["rate"] == 20000.0
    assert rate.value == 20000.0 and not state.can_undo


def test_a_typed_value_is_its_own_undo_step(state, inspector):
    state.selection = {"kind": "node", "id": "exc"}
    i_e = widgets(inspector)["I_e (pA)"]
    typed(i_e, "200")
    typed(i_e, "300")
    assert state.network.population("exc").params["I_e"] == 300.0 and len(state._undo) == 2


@pytest.mark.parametrize("text,message", [
    ("abc", "must be a number, got 'abc'"),
    ("", "must be a number, got nothing"),
    ("nan", "must be a finite number"),
    ("-5", "must be > 0"),
])
def test_a_refused_slider_value_shows_its_error_and_changes_nothing(state, inspector, text, message):
    state.selection = {"kind": "node", "id": "exc"}
    tau_m = widgets(inspector)["tau_m (ms)"]
    before = state.network
    typed(tau_m, text)
    assert state.network == before and not state.can_undo
    assert message in error_of(inspector, tau_m)
    typed(tau_m, "12.5")  # a good value clears it
    assert error_of(inspector, tau_m) is None
    assert state.network.population("exc").params["tau_m"] == 12.5


def test_a_refused_input_value_shows_its_error(state, inspector):
    state.selection = {"kind": "node", "id": "exc"}
    size = widgets(inspector)["Size (neurons)"]
    size.value = 0
    assert "size must be at least 1" in error_of(inspector, size)
    assert state.network.population("exc").size == 800


def test_the_form_is_rebuilt_when_its_structure_changes(state, inspector):
    state.selection = {"kind": "edge", "id": "exc→exc"}
    form = widgets(inspector)
    assert "Inputs per target neuron" in form
    form["Connection rule"].value = "pairwise_bernoulli"
    rebuilt = widgets(inspector)
    assert "Connection probability p" in rebuilt and rebuilt["Weight (mV)"] is not form["Weight (mV)"]
    rebuilt["Synapse model"].value = "stdp_synapse"
    stdp = widgets(inspector)
    assert "Wmax" in stdp and stdp["Name"] is not rebuilt["Name"]
    state.undo()
    assert "Wmax" not in widgets(inspector)
    # another selection, another form
    state.selection = {"kind": "node", "id": "exc"}
    assert "tau_m (ms)" in widgets(inspector)


def test_a_change_of_model_rebuilds_the_form(state, inspector):
    state.selection = {"kind": "node", "id": "exc"}
    form = widgets(inspector)
    state.edit("model", lambda net: net.replace_population("exc", model="iaf_psc_exp", params={}))
    assert "tau_syn_ex (ms)" in widgets(inspector) and widgets(inspector)["Name"] is not form["Name"]


def test_rule_edits_use_the_current_rule(state, inspector):
    """The form is kept across edits, so its callbacks must read the design, not the one they
    were built with."""
    state.selection = {"kind": "edge", "id": "exc→exc"}
    form = widgets(inspector)
    form["Inputs per target neuron"].value = 40
    form["Allow autapses (self-connections)"].value = False
    rule = state.network.projection("exc→exc").rule
    assert rule.indegree == 40 and not rule.allow_autapses


def test_preset_select_returns_to_none_after_applying(inspector, state):
    name = state.add_population("aeif_cond_exp")
    form = widgets(inspector)
    form["Preset (firing pattern)"].value = "adapting"
    assert form["tau_w (ms)"].value == 300.0
    assert form["Preset (firing pattern)"].value == "—"
    assert state.network.population(name).params["tau_w"] == 300.0


def test_values_set_from_python_are_not_echoed_to_the_page(state, inspector):
    state.selection = {"kind": "node", "id": "noise"}
    rate = widgets(inspector)["rate (Hz)"]
    seq = rate.shown["seq"]
    drag(rate, [15000.0, 12000.0], drag_id="d9")
    assert rate.shown == {"value": 12000.0, "seq": seq + 1}  # only the final one, for a re-render
    state.undo()
    assert rate.shown == {"value": 20000.0, "seq": seq + 2}


def test_the_slider_range_follows_the_value():
    assert slider_range(20000.0, (0.0, None), 10.0) == (0.0, 40000.0, 200.0)
    assert slider_range(0.5, (0.0, 1.0)) == (0.0, 1.0, 0.005)
    start, end, step = slider_range(10.0, (0.0, None), 10.0, exclusive_low=True)
    assert start == step == 0.1 and end == 20.0  # a strict bound is not on the slider
    start, end, _ = slider_range(0.0, (None, None), 100.0)
    assert start < 0 < end
    slider = LiveSlider(20000.0, bounds=(0.0, None), scale=10.0, label="rate (Hz)")
    slider._handle_msg({"type": "value", "text": "1e6", "final": True})  # far outside: re-centred
    assert slider.start <= 1e6 <= slider.end and slider.end < 1e7
    slider.set_value(5.0)
    assert slider.start <= 5.0 <= slider.end and slider.end <= 100


def test_the_initial_v_m_shown_is_where_the_engine_starts_it():
    from engine import Network, Population

    state = DesignState(Network(populations=(Population("izh", "izhikevich", 2),
                                             Population("lif", "iaf_psc_exp", 2, params={"E_L": -68.0}))))
    inspector = Inspector(state)
    state.selection = {"kind": "node", "id": "izh"}
    assert widgets(inspector)["Initial V_m (mV)"].value == -65.0  # NEST's start; the model has no E_L
    state.selection = {"kind": "node", "id": "lif"}
    assert widgets(inspector)["Initial V_m (mV)"].value == -68.0


def test_the_delay_is_a_rebuild_field_and_the_weight_a_live_slider(state, inspector):
    state.selection = {"kind": "edge", "id": "inh→exc"}
    form = widgets(inspector)
    assert isinstance(form["Weight (mV)"], LiveSlider)
    assert not isinstance(form["Delay (ms)"], LiveSlider)


def test_a_drawn_weight_offers_its_scale_and_how_draws_outside_its_bounds_are_kept(state, inspector):
    from engine import Distribution

    weight = Distribution("lognormal", {"mean": 3.0, "sigma": 0.5}, clip_high=80.0)
    state.set_projection_field("exc→exc", "weight", weight)
    state.selection = {"kind": "edge", "id": "exc→exc"}
    fields = widgets(inspector)
    clip, scale = fields["Weight draws outside the bounds"], fields["Weight scale"]
    assert clip.value == "redraw" and clip.options == ["redraw", "clamp"] and scale.value == 1.0
    clip.value = "clamp"
    assert state.network.projection("exc→exc").weight == Distribution(
        "lognormal", {"mean": 3.0, "sigma": 0.5}, clip_high=80.0, clip="clamp")
    widgets(inspector)["Weight scale"].value = -5.0  # a lognormal law times -5: inhibitory weights
    scaled = state.network.projection("exc→exc").weight
    assert scaled.scale == -5.0 and scaled.clip == "clamp" and scaled.bounds()[1] == 0.0
    state.undo()
    assert state.network.projection("exc→exc").weight.scale == 1.0
    refused = widgets(inspector)["Weight scale"]
    refused.value = 0.0
    assert "scale must not be 0" in error_of(inspector, refused)
    assert state.network.projection("exc→exc").weight.scale == 1.0
