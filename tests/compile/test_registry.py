"""The builder registry: every model has one entry, the initial-state rule exists once and
the compiled state follows it, constants rows are filled by column name, and liveness is
read from the models' Quantity metadata."""
from pathlib import Path

import numpy as np
import pytest

from engine import MODELS, Distribution, Network, Population, Projection, RestartRequired, Simulator
from engine.compile import builder_of, compile_network, describe_builder, initial_state_spec
from engine.compile.registry import NEURON_BUILDERS, SYNAPSE_BUILDERS, NeuronBuilder
from engine.kernels import lif, plasticity
from engine.model.synapses import SYNAPSES

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", [*MODELS, *SYNAPSES])
def test_every_model_has_one_entry_naming_its_kernel_file_and_function(name):
    described = describe_builder(name)
    path, _, function = described["kernel"].partition(":")
    assert path.startswith("engine/kernels/") and path.endswith(".py")
    assert function.isidentifier()
    assert f"def {function}(" in (ROOT / path).read_text()


@pytest.mark.parametrize("model, expected", [
    ("iaf_psc_exp", {"V_m": -65.0}),  # starts at E_L, not at a fixed default
    ("iaf_cond_exp", {"V_m": -65.0}),
    ("aeif_cond_exp", {"V_m": -65.0, "w": 0.0}),
    ("izhikevich", {"V_m": -65.0, "U_m": -13.0}),
    ("parrot_neuron", {}),
    ("poisson_generator", {}),
])
def test_initial_state_spec_of_each_kind_of_model(model, expected):
    params = {"E_L": -65.0} if "E_L" in MODELS[model].parameters else {}
    if model == "izhikevich":
        params = {"c": -50.0}  # the reset is not the start: V_m starts at NEST's -65 mV
    assert initial_state_spec(Population("p", model, 3, params=params)) == expected


def test_the_population_initial_overrides_the_start_value():
    drawn = Distribution("uniform", {"low": -70.0, "high": -60.0})
    pop = Population("p", "izhikevich", 3, initial={"U_m": drawn})
    assert initial_state_spec(pop) == {"V_m": -65.0, "U_m": drawn}


def test_the_compiled_state_starts_where_the_spec_says():
    net = Network(populations=(
        Population("lif", "iaf_psc_alpha", 4, params={"E_L": -68.0}),
        Population("izh", "izhikevich", 3, initial={"V_m": -60.0}),
        Population("adex", "aeif_cond_exp", 2, initial={"w": 5.0}),
    ))
    compiled = compile_network(net, dt=0.1, seed=3)
    layout, state = compiled.layout, compiled.state
    lif_rows = compiled.pop_slice("lif")
    # LIF potentials are stored relative to E_L: the absolute potential is E_L
    np.testing.assert_array_equal(state.v[lif_rows] + layout.v_reference[lif_rows], -68.0)
    np.testing.assert_array_equal(state.v[compiled.pop_slice("izh")], -60.0)
    np.testing.assert_array_equal(state.u[compiled.pop_slice("izh")], -13.0)
    np.testing.assert_array_equal(state.v[compiled.pop_slice("adex")], -70.6)
    np.testing.assert_array_equal(state.w[compiled.pop_slice("adex")], 5.0)
    assert state.g_ex.size == compiled.n_neurons  # AdEx uses conductances
    assert state.dg_ex.size == 0  # no model here has alpha conductances: no memory for them


def test_constants_rows_are_filled_by_column_name():
    pop = Population("p", "iaf_psc_exp", 1, params={"E_L": -70.0, "V_th": -50.0, "tau_m": 10.0})
    row = NEURON_BUILDERS["iaf_psc_exp"].constants_row(pop.params, 0.1)
    assert row.size == len(lif.IafPscExpConstants)
    assert row[lif.IafPscExpConstants.THETA] == pytest.approx(20.0)
    assert row[lif.IafPscExpConstants.P22] == pytest.approx(np.exp(-0.01))
    stdp = Projection("a", "b", synapse="stdp_synapse", synapse_params={"lambda": 0.05, "pairing": "nearest"})
    row = SYNAPSE_BUILDERS["stdp_synapse"].constants_row(stdp.synapse_params, 0.1)
    assert row[plasticity.StdpConstants.LAMBDA] == 0.05 and row[plasticity.StdpConstants.NEAREST] == 1.0


def test_an_entry_whose_constants_miss_a_column_is_refused():
    builder = NeuronBuilder(MODELS["iaf_psc_delta"], code=0, kernel=lif.update_iaf_psc_delta,
                            columns=lif.IafPscDeltaConstants, constants=lambda p, dt: {"THETA": 1.0},
                            initial={"V_m": "E_L"})
    with pytest.raises(KeyError, match="do not match the columns"):
        builder.constants_row(Population("p", "iaf_psc_delta", 1).params, 0.1)


def test_builder_of_an_unknown_model_is_none():
    assert builder_of("no_such_model") is None


def _plastic_network():
    return Network(populations=(
        Population("src", "poisson_generator", 1, params={"rate": 50.0}),
        Population("pre", "parrot_neuron", 20),
        Population("post", "iaf_psc_exp", 5),
    ), projections=(
        Projection("src", "pre"),
        Projection("pre", "post", weight=50.0, synapse="stdp_synapse", synapse_params={"Wmax": 200.0}),
    ))


@pytest.mark.parametrize("target, field, live", [
    ("pre→post", "weight", True),
    ("pre→post", "delay", False),
    ("pre→post", "lambda", True),
    ("pre→post", "tau_plus", False),
    ("pre→post", "rule", False),
    ("post", "tau_m", True),
    ("post", "size", False),
    ("src", "rate", True),
])
def test_liveness_is_read_from_the_quantities(target, field, live):
    assert _plastic_network().is_live(target, field) is live


def test_a_spike_generator_window_needs_a_rebuild_as_its_spikes_are_listed_at_compile_time():
    net = Network(populations=(Population("gen", "spike_generator", 1, params={"spike_times": [5.0, 15.0]}),
                               Population("post", "iaf_psc_exp", 1)),
                  projections=(Projection("gen", "post"),))
    assert not net.is_live("gen", "start") and net.is_live("post", "I_e")
    with pytest.raises(RestartRequired, match="start needs a restart"):
        Simulator(net, dt=0.1).set_param("gen", "start", 10.0)


def test_the_simulator_takes_live_fields_and_refuses_the_others():
    sim = Simulator(_plastic_network(), dt=0.1, seed=1)
    sim.set_param("pre→post", "lambda", 0.2)
    assert sim.compiled.plastic.params[0, plasticity.StdpConstants.LAMBDA] == 0.2
    with pytest.raises(RestartRequired, match="delay needs a restart"):
        sim.set_param("pre→post", "delay", 2.0)
    with pytest.raises(RestartRequired, match="tau_plus needs a restart"):
        sim.set_param("pre→post", "tau_plus", 10.0)
