"""Single neurons and a tiny deterministic network, step by step against NEST 3.10.

Every model is built once as our Network and once in NEST from that same Network
(nest_helpers.nest_network); traces must agree to 1e-6 mV and spike times exactly.
NEST is required: without it these tests fail, they are never skipped.
"""
import numpy as np
import pytest

from engine import Network, Population, Projection, Recording, Simulator, TraceRequest
from nest_helpers import nest_network

pytestmark = pytest.mark.reference

T_SIM = 1000.0
LIF = ["iaf_psc_delta", "iaf_psc_exp", "iaf_psc_alpha"]
# weights with a comparable effect: mV jumps for delta synapses, pA for current synapses
WEIGHT = {"iaf_psc_delta": 2.0, "iaf_psc_exp": 250.0, "iaf_psc_alpha": 100.0, "parrot_neuron": 1.0}
NEURON = {"E_L": -65.0, "C_m": 200.0, "tau_m": 15.0, "t_ref": 3.0, "V_th": -52.0, "V_reset": -68.0}


def spike_train(seed: int, n: int) -> list[float]:
    """n spike times on the 0.1 ms grid in [1, 995] ms, duplicates kept (they count twice)."""
    rng = np.random.default_rng(seed)
    return sorted(float(t) for t in np.round(rng.uniform(1.0, 995.0, n), 1))


def neuron_under_test(model: str, params: dict, initial: dict | None = None) -> Population:
    variables = ("V_m", "I_syn_ex", "I_syn_in") if model in ("iaf_psc_exp", "iaf_psc_alpha") else ("V_m",)
    record = Recording(traces=(0,), variables=variables) if model != "parrot_neuron" else Recording()
    return Population("neuron", model, 1, params=params, initial=initial or {}, record=record)


def dc_network(model: str) -> Network:
    params = {**NEURON, "I_e": 150.0}  # alone: V -> -53.75 mV, just below threshold
    if model != "iaf_psc_delta":
        params.update(tau_syn_ex=1.5, tau_syn_in=4.0)
    return Network(name=f"{model} under dc", populations=[
        neuron_under_test(model, params, initial={"V_m": -60.0}),
        Population("pulse", "dc_generator", 1, params={"amplitude": 300.0, "start": 200.0, "stop": 600.0}),
        Population("hold", "dc_generator", 1, params={"amplitude": -100.0, "start": 750.0}),
    ], projections=[
        Projection("pulse", "neuron", weight=1.5, delay=1.0),
        Projection("hold", "neuron", weight=1.0, delay=2.0),
    ])


def spike_train_network(model: str, tau_syn_ex: float = 2.0) -> Network:
    params = {} if model == "parrot_neuron" else {**NEURON, "I_e": 100.0}
    if model in ("iaf_psc_exp", "iaf_psc_alpha"):
        params.update(tau_syn_ex=tau_syn_ex, tau_syn_in=3.0)
    w = WEIGHT[model]
    return Network(name=f"{model} under spike trains", populations=[
        neuron_under_test(model, params),
        Population("exc", "spike_generator", 1, params={"spike_times": spike_train(3, 300)}),
        Population("inh", "spike_generator", 1, params={"spike_times": spike_train(4, 100)}),
    ], projections=[
        Projection("exc", "neuron", weight=w, delay=1.0),
        Projection("inh", "neuron", weight=-1.5 * w, delay=2.3),
    ])


def assert_same_as_nest(net: Network, min_spikes: int):
    sim = Simulator(net)
    sim.run(T_SIM)
    nest_run = nest_network(net, T_SIM)
    times, traces = sim.traces()
    pop = net.population("neuron")
    for variable in pop.record.variables if pop.record.traces else ():
        nest_times, nest_values = nest_run.traces[("neuron", 0, variable)]
        assert nest_times.size >= T_SIM / net.dt - 10  # NEST's multimeter stops a little early: align by time
        index = np.searchsorted(np.round(times, 6), np.round(nest_times, 6))
        np.testing.assert_allclose(times[index], nest_times, atol=1e-9)
        ours = traces[TraceRequest("neuron", 0, variable)][index]
        np.testing.assert_allclose(ours, nest_values, rtol=0, atol=1e-6, err_msg=f"{net.name}: {variable}")
    _, ours = sim.spikes("neuron")
    _, theirs = nest_run.spikes["neuron"]
    assert theirs.size >= min_spikes
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9, err_msg=f"{net.name}: spike times")


@pytest.mark.parametrize("model", LIF)
def test_lif_under_direct_current(model):
    assert_same_as_nest(dc_network(model), min_spikes=10)


@pytest.mark.parametrize("model", LIF)
def test_lif_under_excitatory_and_inhibitory_spike_trains(model):
    assert_same_as_nest(spike_train_network(model), min_spikes=10)


@pytest.mark.parametrize("model", ["iaf_psc_exp", "iaf_psc_alpha"])
def test_lif_with_synaptic_time_constant_equal_to_membrane_time_constant(model):
    # tau_syn == tau_m: the propagators take their singular limit, as NEST's
    assert_same_as_nest(spike_train_network(model, tau_syn_ex=NEURON["tau_m"]), min_spikes=5)


def test_parrot_relays_like_nest():
    net = spike_train_network("parrot_neuron")
    assert_same_as_nest(net, min_spikes=400)
    assert len(spike_train(3, 300)) + len(spike_train(4, 100)) == 400  # every input spike, duplicates too


def tiny_network() -> Network:
    """spike_generator -> three LIF neurons of the three models, with delays and a recurrent inhibitory loop."""
    trains = [[5.0, 5.0, 30.2, 31.0, 120.0, 400.5], [12.3, 250.0, 251.1, 252.2, 253.3, 700.0]]
    return Network(name="tiny", populations=[
        Population("stim", "spike_generator", 2, params={"spike_times": trains}),
        Population("a", "iaf_psc_delta", 1, params={"I_e": 400.0}),
        Population("b", "iaf_psc_exp", 1, params={"tau_syn_ex": 1.0, "tau_syn_in": 5.0, "I_e": 250.0}),
        Population("c", "iaf_psc_alpha", 1, params={"tau_syn_ex": 0.7, "tau_syn_in": 2.0, "t_ref": 4.0, "I_e": 300.0}),
    ], projections=[
        Projection("stim", "a", weight=8.0, delay=1.0),
        Projection("stim", "c", weight=400.0, delay=3.3),
        Projection("a", "b", weight=2500.0, delay=2.3),
        Projection("b", "c", weight=1200.0, delay=0.7),
        Projection("c", "a", weight=-12.0, delay=1.5),
        Projection("c", "b", weight=-600.0, delay=0.1),
    ])


def test_tiny_network_spike_times_equal_nest():
    net = tiny_network()
    sim = Simulator(net)
    sim.run(T_SIM)
    nest_run = nest_network(net, T_SIM)
    for pop in ("a", "b", "c"):
        _, ours = sim.spikes(pop)
        _, theirs = nest_run.spikes[pop]
        assert theirs.size >= 5, f"population {pop} is nearly silent: the test would prove little"
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9, err_msg=f"population {pop}")
