"""tsodyks2_synapse's declaration: NEST's parameter names and defaults, and bad values refused
with a message naming the projection, the parameter and the allowed range."""
import pytest

from engine import Network, Population, Projection, ValidationError
from engine.io import network_from_json, network_to_json
from engine.model.synapses import SYNAPSES


def network(pre_model="parrot_neuron", **synapse_params) -> Network:
    return Network(name="stp", populations=[
        Population("source", pre_model, 2),
        Population("target", "iaf_psc_exp", 3),
    ], projections=[Projection("source", "target", weight=50.0, synapse="tsodyks2_synapse",
                               synapse_params=synapse_params, name="stp")])


def test_nest_names_and_defaults():
    params = network().projection("stp").synapse_params
    assert params == {"U": 0.5, "tau_rec": 800.0, "tau_fac": 0.0, "u": None, "x": 1.0}  # NEST's defaults
    quantities = SYNAPSES["tsodyks2_synapse"].parameters
    assert {name for name, q in quantities.items() if q.live} == {"U", "tau_rec", "tau_fac"}
    assert quantities["tau_rec"].unit == quantities["tau_fac"].unit == "ms"


@pytest.mark.parametrize("params,message", [
    ({"U": 1.5}, r"projection 'stp': parameter 'U' must be <= 1, got 1.5"),
    ({"U": -0.1}, r"projection 'stp': parameter 'U' must be >= 0, got -0.1"),
    ({"u": 2.0}, r"projection 'stp': parameter 'u' must be <= 1, got 2"),
    ({"x": -0.5}, r"projection 'stp': parameter 'x' must be >= 0, got -0.5"),
    ({"tau_rec": -5.0}, r"projection 'stp': parameter 'tau_rec' must be > 0 ms, got -5"),
    ({"tau_rec": 0.0}, r"projection 'stp': parameter 'tau_rec' must be > 0 ms, got 0"),
    ({"tau_fac": -1.0}, r"projection 'stp': parameter 'tau_fac' must be >= 0 ms, got -1"),
    ({"U": "half"}, r"projection 'stp': parameter 'U' must be a number, got 'half'"),
    ({"tau_psc": 3.0}, r"projection 'stp': unknown parameter 'tau_psc' for synapse model tsodyks2_synapse "
                       r"\(known: U, tau_fac, tau_rec, u, x\)"),
])
def test_bad_values_are_refused_naming_projection_and_parameter(params, message):
    with pytest.raises(ValidationError, match=message):
        network(**params)


def test_zero_tau_fac_and_the_bounds_themselves_are_allowed():
    params = network(U=1.0, u=0.0, x=0.0, tau_fac=0.0).projection("stp").synapse_params
    assert (params["U"], params["u"], params["x"], params["tau_fac"]) == (1.0, 0.0, 0.0, 0.0)


@pytest.mark.parametrize("device", ["spike_generator", "poisson_generator"])
def test_a_generator_as_source_is_refused_with_the_parrot_hint(device):
    # NEST refuses these connections too (IllegalConnection): they need a parrot_neuron relay
    with pytest.raises(ValidationError, match=rf"projection 'stp': tsodyks2_synapse needs a neuron as source .*"
                                              rf"'source' is a {device}; connect the {device} to a parrot_neuron"):
        network(pre_model=device)


def test_any_neuron_model_is_a_source_and_the_parameters_save_and_load():
    for model in ("iaf_psc_alpha", "izhikevich", "parrot_neuron"):
        net = network(pre_model=model, U=0.1, tau_rec=120.0, tau_fac=700.0, u=0.3, x=0.95)
        text = network_to_json(net)
        assert network_from_json(text) == net
        assert network_from_json(text).projection("stp").synapse_params == {
            "U": 0.1, "tau_rec": 120.0, "tau_fac": 700.0, "u": 0.3, "x": 0.95}
