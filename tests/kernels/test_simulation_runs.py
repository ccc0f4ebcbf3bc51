"""The Simulator over the step kernel: splittable, repeatable runs, live changes, faults, devices."""
import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

from engine import (
    Connectivity, Distribution, Network, Population, Projection, Recording, RestartRequired, SimulationFault, Simulator,
    TraceRequest, ValidationError,
)

REPO = Path(__file__).resolve().parents[2]


def make_examples():
    spec = importlib.util.spec_from_file_location("make_examples", REPO / "scripts" / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def trace(sim, population, variable="V_m", neuron=0):
    times, traces = sim.traces()
    return times, traces[TraceRequest(population, neuron, variable)]


def stimulated_neuron(model="iaf_psc_delta", times=(10.0,), weight=5.0, delay=1.5, variables=("V_m",), **params):
    return Network(populations=[
        Population("n", model, 1, params=params, record=Recording(traces=(0,), variables=variables)),
        Population("stim", "spike_generator", 1, params={"spike_times": list(times)}),
    ], projections=[Projection("stim", "n", weight=weight, delay=delay)])


@pytest.fixture(scope="module")
def ei_network():
    return make_examples().ei_small()


@pytest.fixture(scope="module")
def one_neuron():
    return make_examples().one_neuron()


def all_output(sim):
    neurons, times = sim.spikes()
    t, traces = sim.traces()
    return neurons, times, t, np.array(list(traces.values())), sim.population_counts()


def assert_same_output(a, b):
    for x, y in zip(all_output(a), all_output(b)):
        np.testing.assert_array_equal(x, y)


# -- splitting and repeating ---------------------------------------------------------------------------

@pytest.mark.parametrize("example", ["ei_network", "one_neuron"])
def test_two_half_runs_equal_one_full_run(example, request):
    net = request.getfixturevalue(example)
    whole = Simulator(net)
    whole.run(1000.0)
    halves = Simulator(net)
    halves.run(500.0)
    halves.run(500.0)
    odd_blocks = Simulator(net, block_steps=337)
    for chunk in (0.1, 123.4, 376.5, 500.0):
        odd_blocks.run(chunk)
    assert whole.t == halves.t == odd_blocks.t == pytest.approx(1000.0)
    assert len(whole.spikes()[0]) > 100
    assert_same_output(whole, halves)
    assert_same_output(whole, odd_blocks)


def test_reset_repeats_the_run_exactly(ei_network):
    sim = Simulator(ei_network)
    sim.run(300.0)
    first = all_output(sim)
    counters = sim.counters()
    sim.reset()
    assert sim.t == 0.0 and len(sim.spikes()[0]) == 0
    sim.run(300.0)
    for x, y in zip(first, all_output(sim)):
        np.testing.assert_array_equal(x, y)
    assert sim.counters() == counters


def test_seed_changes_the_run_and_is_reproducible(ei_network):
    runs = {}
    for seed in (1, 2, 1):
        sim = Simulator(ei_network, seed=seed)
        sim.run(200.0)
        runs.setdefault(seed, []).append(sim.spikes()[1])
    np.testing.assert_array_equal(runs[1][0], runs[1][1])
    assert runs[1][0].size != runs[2][0].size or not np.array_equal(runs[1][0], runs[2][0])


def test_run_time_is_checked():
    sim = Simulator(stimulated_neuron())
    for bad in (-1.0, float("nan"), "10"):
        with pytest.raises(ValidationError, match=r"simulator: run time must be a finite number of ms >= 0"):
            sim.run(bad)
    sim.run(0.0)
    assert sim.t == 0.0


# -- devices and timing ---------------------------------------------------------------------------------

def test_spike_generator_spike_arrives_at_its_time_plus_delay():
    sim = Simulator(stimulated_neuron(times=(10.0, 30.0), weight=5.0, delay=1.5))
    sim.run(50.0)
    t, v = trace(sim, "n")
    at = {round(x, 1): y for x, y in zip(t, v)}
    assert at[11.4] == -70.0
    assert at[11.5] == pytest.approx(-65.0)  # jump of w = 5 mV at 10.0 + 1.5 ms
    assert at[31.4] < -69.0  # decaying back to rest, then the second jump:
    assert at[31.5] == pytest.approx(-70.0 + (at[31.4] + 70.0) * np.exp(-0.1 / 10.0) + 5.0, abs=1e-12)
    _, gen_times = sim.spikes("stim")
    np.testing.assert_allclose(gen_times, [10.0, 30.0])


def test_parrot_relays_generator_spikes_exactly():
    times = [0.1, 1.0, 2.5, 2.5, 7.3, 100.0, 100.1, 250.7]
    net = Network(populations=[
        Population("stim", "spike_generator", 1, params={"spike_times": times}),
        Population("relay", "parrot_neuron", 3),
    ], projections=[Projection("stim", "relay", weight=-7.0, delay=2.0)])  # parrots ignore weights
    sim = Simulator(net)
    sim.run(300.0)
    neurons, relayed = sim.spikes("relay")
    for i in range(3):
        np.testing.assert_allclose(relayed[neurons == i], np.array(times) + 2.0, atol=1e-9)
    assert sim.counters()["lost_spikes"] == 0


def test_generator_with_fewer_trains_than_neurons_leaves_the_rest_silent():
    net = Network(populations=[Population("stim", "spike_generator", 4, params={"spike_times": [[1.0, 5.0], [2.0]]})])
    sim = Simulator(net)
    sim.run(10.0)
    neurons, times = sim.spikes("stim")
    assert list(zip(neurons.tolist(), np.round(times, 6).tolist())) == [(0, 1.0), (1, 2.0), (0, 5.0)]


def test_shared_train_drives_every_generator_neuron():
    net = Network(populations=[Population("stim", "spike_generator", 3, params={"spike_times": [4.0]})])
    sim = Simulator(net)
    sim.run(10.0)
    neurons, times = sim.spikes("stim")
    assert sorted(neurons.tolist()) == [0, 1, 2] and np.allclose(times, 4.0)


def test_dc_generator_current_window():
    net = Network(populations=[
        Population("n", "iaf_psc_delta", 1, params={"V_th": 1000.0}, record=Recording(traces=(0,))),
        Population("dc", "dc_generator", 1, params={"amplitude": 250.0, "start": 20.0, "stop": 60.0}),
    ], projections=[Projection("dc", "n", weight=2.0, delay=1.0)])
    sim = Simulator(net)
    sim.run(200.0)
    t, v = trace(sim, "n")
    at = {round(x, 1): y for x, y in zip(t, v)}
    # the current flows from start + delay to stop + delay (as NEST's dc_generator)
    assert at[21.0] == -70.0 and at[21.1] > -70.0
    # 500 pA into 250 pF with tau_m 10 ms: V approaches E_L + 20 mV
    assert at[21.1] == pytest.approx(-70.0 + 20.0 * (1 - np.exp(-0.1 / 10.0)), abs=1e-12)
    assert at[61.0] == pytest.approx(-70.0 + 20.0 * (1 - np.exp(-40.0 / 10.0)), abs=1e-9)
    assert at[61.1] < at[61.0]
    assert at[199.9] == pytest.approx(-70.0, abs=0.01)


def test_rates_of_a_known_spike_train():
    # neuron 0 fires every 5 ms, neuron 1 every 10 ms, neurons 2 and 3 never
    every_5 = [2.5 + 5.0 * k for k in range(40)]
    every_10 = [2.5 + 10.0 * k for k in range(20)]
    net = Network(populations=[Population("stim", "spike_generator", 4, params={"spike_times": [every_5, every_10, [], []]})])
    sim = Simulator(net)
    sim.run(200.0)
    times, rates = sim.rates(bin_ms=5.0)
    np.testing.assert_allclose(times, np.arange(0.0, 200.0, 5.0))
    # 2 spikes / 4 neurons / 5 ms = 100 Hz, then 1 / 4 / 5 ms = 50 Hz, alternating
    np.testing.assert_allclose(rates["stim"], np.tile([100.0, 50.0], 20))
    times, rates = sim.rates(bin_ms=20.0)
    np.testing.assert_allclose(rates["stim"], 75.0)
    assert times[-1] == 180.0


def test_rates_keep_their_time_axis_when_recording_changes():
    net = Network(populations=[Population("stim", "spike_generator", 1, params={"spike_times": [1.0 + k for k in range(200)]}),
                               Population("n", "iaf_psc_delta", 1)],
                  projections=[Projection("stim", "n", weight=1.0)])
    sim = Simulator(net)
    sim.run(100.0)
    sim.set_recording([TraceRequest("n", 0)])
    sim.run(100.0)
    times, rates = sim.rates(bin_ms=10.0)
    np.testing.assert_allclose(times, np.arange(0.0, 200.0, 10.0))
    np.testing.assert_allclose(rates["stim"], 1000.0)
    t, v = trace(sim, "n")
    assert t[0] == pytest.approx(100.1) and t.size == 1000 == v.size


def test_traces_of_synaptic_currents():
    sim = Simulator(stimulated_neuron("iaf_psc_exp", times=(10.0,), weight=100.0, delay=1.0,
                                      variables=("V_m", "I_syn_ex", "I_syn_in"), tau_syn_ex=2.0))
    sim.run(30.0)
    t, i_ex = trace(sim, "n", "I_syn_ex")
    at = dict(zip(np.round(t, 1), i_ex))
    assert at[10.9] == 0.0 and at[11.0] == 100.0
    assert at[13.0] == pytest.approx(100.0 * np.exp(-2.0 / 2.0))
    assert np.all(trace(sim, "n", "I_syn_in")[1] == 0.0)


# -- live changes ----------------------------------------------------------------------------------------

def poisson_relay(rate=1000.0, n=20):
    return Network(populations=[Population("noise", "poisson_generator", 1, params={"rate": rate}),
                                Population("relay", "parrot_neuron", n)],
                   projections=[Projection("noise", "relay", delay=0.1)])


def test_raising_a_poisson_rate_raises_the_spike_count():
    sim = Simulator(poisson_relay(rate=1000.0))
    sim.run(500.0)
    first = len(sim.spikes("relay")[0])
    sim.set_param("noise", "rate", 3000.0)
    sim.run(500.0)
    second = len(sim.spikes("relay")[0]) - first
    # 20 independent trains for 0.5 s: 10000 then 30000 spikes expected
    assert abs(first - 10000) < 4 * np.sqrt(10000)
    assert abs(second - 30000) < 4 * np.sqrt(30000)
    assert sim.network.population("noise").params["rate"] == 3000.0
    sim.set_param("noise", "stop", 1000.0)
    sim.run(100.0)
    assert len(sim.spikes("relay")[0]) <= first + second + 20 * 3  # at most a step's worth in flight


def test_weight_change_applies_to_the_next_spike_and_can_flip_the_sign():
    sim = Simulator(stimulated_neuron("iaf_psc_exp", times=(10.0, 60.0, 110.0), weight=100.0, delay=1.0,
                                      variables=("I_syn_ex", "I_syn_in")))
    sim.run(50.0)
    sim.set_param("stim→n", "weight", 250.0)
    sim.run(50.0)
    sim.set_param("stim→n", "weight", -40.0)
    sim.run(50.0)
    t, i_ex = trace(sim, "n", "I_syn_ex")
    _, i_in = trace(sim, "n", "I_syn_in")
    at_ex, at_in = dict(zip(np.round(t, 1), i_ex)), dict(zip(np.round(t, 1), i_in))
    assert at_ex[11.0] == 100.0
    assert at_ex[61.0] - at_ex[60.9] == pytest.approx(250.0)
    assert at_in[110.9] == 0.0 and at_in[111.0] == -40.0  # now inhibitory: the other synapse
    np.testing.assert_allclose(sim.projection_weights("stim→n"), [-40.0])


def test_changing_E_L_keeps_the_absolute_potential_continuous():
    net = Network(populations=[Population("n", "iaf_psc_delta", 1, params={"V_th": 0.0}, record=Recording(traces=(0,)))])
    sim = Simulator(net)
    sim.run(50.0)
    sim.set_param("n", "E_L", -60.0)
    sim.run(100.0)
    t, v = trace(sim, "n")
    at = dict(zip(np.round(t, 1), v))
    assert at[50.0] == -70.0
    assert at[50.1] == pytest.approx(-60.0 - 10.0 * np.exp(-0.1 / 10.0), abs=1e-12)  # relaxes from -70 to the new rest
    assert at[100.0] == pytest.approx(-60.0 - 10.0 * np.exp(-50.0 / 10.0), abs=1e-9)


def test_threshold_change_takes_effect_live():
    net = Network(populations=[Population("n", "iaf_psc_delta", 1, params={"I_e": 300.0})])  # drives V to -58 mV: silent
    sim = Simulator(net)
    sim.run(100.0)
    assert len(sim.spikes("n")[0]) == 0
    sim.set_param("n", "V_th", -60.0)
    sim.run(100.0)
    # V is above the new threshold at once; then t_ref 2 ms + 10 ms * ln(12/2) = 17.9 ms to threshold, on the grid
    np.testing.assert_allclose(sim.spikes("n")[1], [100.1, 120.1, 140.1, 160.1, 180.1])


def test_structural_changes_need_a_restart(ei_network):
    sim = Simulator(ei_network)
    with pytest.raises(RestartRequired, match=r"population 'exc': changing size needs a restart"):
        sim.set_param("exc", "size", 10)
    with pytest.raises(RestartRequired, match=r"population 'exc': changing model needs a restart"):
        sim.set_param("exc", "model", "iaf_psc_exp")
    with pytest.raises(RestartRequired, match=r"projection 'exc→inh': changing delay needs a restart"):
        sim.set_param("exc→inh", "delay", 2.0)
    with pytest.raises(RestartRequired, match=r"projection 'exc→inh': changing rule needs a restart"):
        sim.set_param("exc→inh", "rule", Connectivity("all_to_all"))
    stim = Simulator(stimulated_neuron())
    with pytest.raises(RestartRequired, match=r"population 'stim': changing spike_times needs a restart"):
        stim.set_param("stim", "spike_times", [5.0])


def test_bad_live_changes_are_refused_and_change_nothing(ei_network):
    sim = Simulator(ei_network)
    with pytest.raises(ValidationError, match=r"set_param: no population or projection named 'exc2'"):
        sim.set_param("exc2", "tau_m", 5.0)
    with pytest.raises(ValidationError, match=r"population 'exc': unknown parameter 'tau' for model iaf_psc_delta"):
        sim.set_param("exc", "tau", 5.0)
    with pytest.raises(ValidationError, match=r"population 'exc': parameter 'tau_m' must be > 0 ms"):
        sim.set_param("exc", "tau_m", -5.0)
    with pytest.raises(ValidationError, match=r"population 'noise': parameter 'rate' must be a finite number"):
        sim.set_param("noise", "rate", float("inf"))
    assert sim.network == ei_network


# -- faults and capacity ----------------------------------------------------------------------------------

def test_exploding_current_raises_a_fault_naming_population_and_time():
    net = Network(populations=[
        Population("exc", "iaf_psc_delta", 5),
        Population("pump", "dc_generator", 1, params={"amplitude": -1e308, "start": 250.0}),
    ], projections=[Projection("pump", "exc", weight=10.0)])
    sim = Simulator(net)
    with pytest.raises(SimulationFault, match=r"population 'exc': the membrane potential became infinite or NaN "
                                              r"by t = (\d+\.\d) ms \(neuron 0\); weights or currents are probably too large") as error:
        sim.run(1000.0)
    t = float(re.search(r"t = (\d+\.\d) ms", str(error.value)).group(1))
    assert 250.0 < t <= 250.0 + sim.block_steps * sim.dt


def test_exploding_input_current_names_the_population():
    net = Network(populations=[
        Population("stim", "dc_generator", 1, params={"amplitude": 1e308}),
        Population("target", "iaf_psc_exp", 2),
    ], projections=[Projection("stim", "target", weight=10.0)])
    with pytest.raises(SimulationFault, match=r"population 'target': the input current became infinite or NaN"):
        Simulator(net).run(20.0)


def test_weight_beyond_storable_range_is_refused_naming_the_projection():
    net = Network(populations=[
        Population("stim", "spike_generator", 1, params={"spike_times": [5.0]}),
        Population("target", "iaf_psc_exp", 2),
    ], projections=[Projection("stim", "target", weight=-1e39)])
    with pytest.raises(ValidationError, match=r"projection 'stim→target': weight -1e\+39 is too large to store"):
        Simulator(net)


def test_simulator_needs_a_network():
    with pytest.raises(ValidationError, match=r"simulator: expected a Network, got dict"):
        Simulator({"populations": []})
    with pytest.raises(ValidationError, match=r"simulator: block_steps must be a whole number >= 1, got 0"):
        Simulator(Network(), block_steps=0)


def test_recording_requests_are_checked(ei_network):
    sim = Simulator(ei_network)
    with pytest.raises(ValidationError, match=r"recording: unknown population 'exx'"):
        sim.set_recording([TraceRequest("exx", 0)])
    with pytest.raises(ValidationError, match=r"recording: neuron 800 is outside population 'exc' \(0..799\)"):
        sim.set_recording([TraceRequest("exc", 800)])
    with pytest.raises(ValidationError, match=r"recording: iaf_psc_delta 'exc' cannot record 'I_syn_ex'"):
        sim.set_recording([TraceRequest("exc", 0, "I_syn_ex")])


def test_initial_potential_distribution_is_used():
    net = Network(populations=[Population("n", "iaf_psc_delta", 200, params={"V_th": 100.0},
                                          initial={"V_m": Distribution("uniform", {"low": -70.0, "high": -60.0})},
                                          record=Recording(traces=tuple(range(200))))])
    sim = Simulator(net)
    sim.run(0.1)
    _, traces = sim.traces()
    first = np.array([v[0] for v in traces.values()])
    decay = np.exp(-0.1 / 10.0)
    start = -70.0 + (first + 70.0) / decay
    assert start.min() >= -70.0 - 1e-9 and start.max() <= -60.0 + 1e-9 and start.std() > 2.0


def test_spike_generator_emits_only_inside_its_window():
    from engine import Network, Population, Projection, Simulator

    net = Network(name="window", populations=[
        Population("g", "spike_generator", 1, params={"spike_times": [1.0, 2.0, 3.0], "start": 1.5, "stop": 2.5}),
        Population("p", "parrot_neuron", 1),
    ], projections=[Projection("g", "p", delay=0.1)])
    sim = Simulator(net)
    sim.run(10.0)
    assert sim.spikes("p")[1].tolist() == [2.1]


def test_live_weight_change_to_a_distribution_draws_one_weight_per_synapse_with_its_own_sign():
    net = Network(populations=[Population("a", "iaf_psc_delta", 50), Population("b", "iaf_psc_delta", 50)],
                  projections=[Projection("a", "b", Connectivity("fixed_indegree", indegree=10), weight=0.5)])
    sim = Simulator(net)
    n = sim.compiled.n_neurons
    mixed = Distribution("uniform", {"low": -1.0, "high": 1.0})
    sim.set_param("a→b", "weight", mixed)
    weights = sim.projection_weights("a→b")
    assert weights.size == 500 and weights.min() < 0 < weights.max() and np.unique(weights).size > 400
    index = sim._synapse_index("a→b")
    targets = sim.compiled.synapses.target[index]
    assert np.array_equal(targets >= n, weights < 0)  # inhibitory weights sit in the inhibitory column
    sim.set_param("a→b", "weight", 0.25)
    assert np.all(sim.projection_weights("a→b") == 0.25) and np.all(sim.compiled.synapses.target[index] < n)


def test_an_interrupted_block_ends_after_one_step_and_continues_exactly():
    """Runner commands interrupt the block in progress (Simulator.interrupt from another
    thread); the spikes and traces are those of an uninterrupted run."""
    net = Network(populations=[Population("n", "iaf_psc_delta", 20, params={"I_e": 1000.0},
                                          record=Recording(traces=(0,)))])
    whole = Simulator(net)
    whole.run(50.0)
    parts = Simulator(net)
    parts.interrupt()
    block = parts.advance(300)
    assert block.n_steps == 1 and block.traces.shape[0] == 1 and parts.step == 1
    parts.interrupt(False)
    while parts.step < 500:
        parts.advance(500 - parts.step)
    for a, b in zip(whole.spikes("n"), parts.spikes("n")):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(trace(whole, "n")[1], trace(parts, "n")[1])
