"""Per-neuron parameters: a list (one value per neuron) or a Distribution drawn per neuron."""
import numpy as np
import pytest

from engine import Distribution, Network, Population, Projection, ValidationError
from engine.compile.compiler import compile_network
from engine.io import network_from_json, network_to_json
from engine.runtime.simulator import Simulator, TraceRequest

THRESHOLDS = [-58.0, -57.0, -56.0, -55.0]


def driven(params, size=4, model="iaf_psc_exp", amplitude=400.0):
    return Network(populations=(Population("dc", "dc_generator", 1, params={"amplitude": amplitude}),
                                Population("p", model, size, params=params)),
                   projections=(Projection("dc", "p"),))


def first_spikes(sim, size):
    neuron, times = sim.spikes("p")
    return [float(times[neuron == i][0]) if (neuron == i).any() else np.inf for i in range(size)]


@pytest.mark.parametrize("model", ["iaf_psc_delta", "iaf_psc_exp", "iaf_psc_alpha", "iaf_cond_exp"])
def test_each_neuron_fires_at_its_own_threshold_lower_ones_first(model):
    amplitude = 400.0 if model.startswith("iaf_psc") else 500.0
    sim = Simulator(driven({"V_th": THRESHOLDS}, model=model, amplitude=amplitude))
    sim.run(100.0)
    first = first_spikes(sim, 4)
    assert all(np.isfinite(first)) and first == sorted(first) and len(set(first)) == 4
    for i, v_th in enumerate(THRESHOLDS):  # each neuron alone, uniform: the same first spike
        alone = Simulator(driven({"V_th": v_th}, size=1, model=model, amplitude=amplitude))
        alone.run(100.0)
        assert first_spikes(alone, 1)[0] == first[i]


def test_a_list_of_equal_values_runs_exactly_as_one_value():
    uniform = Simulator(driven({"V_th": -56.0, "tau_m": 12.0}))
    listed = Simulator(driven({"V_th": [-56.0] * 4, "tau_m": [12.0] * 4}))
    for sim in (uniform, listed):
        sim.run(200.0)
    np.testing.assert_array_equal(uniform.spikes()[1], listed.spikes()[1])
    np.testing.assert_array_equal(uniform.compiled.layout.pop_consts, listed.compiled.layout.pop_consts)
    assert listed.compiled.layout.neuron_consts.shape == (4, uniform.compiled.layout.pop_consts.shape[1])


def test_drawn_values_come_from_the_population_s_own_stream_for_each_parameter():
    v_th = Distribution("uniform", {"low": -58.0, "high": -54.0})
    net = Network(populations=(Population("p", "iaf_psc_exp", 500, params={"V_th": v_th}),), seed=7)
    theta = compile_network(net).layout.neuron_consts[:, 0]
    assert theta.std() > 0.5 and np.all((theta >= 12.0) & (theta <= 16.0))  # V_th - E_L
    np.testing.assert_array_equal(compile_network(net).layout.neuron_consts[:, 0], theta)  # seeded
    tau = Distribution("normal", {"mean": 10.0, "std": 1.0}, clip_low=5.0)
    more = net.replace_population("p", params={"V_th": v_th, "tau_m": tau})
    # drawing tau_m too leaves the drawn thresholds as they were
    np.testing.assert_array_equal(compile_network(more).layout.neuron_consts[:, 0], theta)
    other_seed = compile_network(net, seed=8).layout.neuron_consts[:, 0]
    assert not np.array_equal(other_seed, theta)


def test_reset_above_one_neuron_s_threshold_names_the_population_parameter_and_neuron():
    with pytest.raises(ValidationError, match=r"population 'p': parameter 'V_reset' \(-60 mV\) must be below "
                                              r"V_th \(-61 mV\) at neuron 2"):
        Population("p", "iaf_psc_exp", 4, params={"V_reset": -60.0, "V_th": [-55.0, -56.0, -61.0, -62.0]})


def test_a_drawn_value_that_breaks_a_constraint_is_refused_at_compile_time():
    drawn = Distribution("uniform", {"low": -65.0, "high": -50.0})
    net = Network(populations=(Population("p", "iaf_psc_exp", 200, params={"V_th": drawn, "V_reset": -62.0}),))
    with pytest.raises(ValidationError, match=r"population 'p': parameter 'V_reset' \(-62 mV\) must be below "
                                              r"V_th \(-6[2-5]\.?\d* mV\) at neuron \d+"):
        compile_network(net)
    negative = Distribution("normal", {"mean": 2.0, "std": 3.0})
    net = Network(populations=(Population("p", "iaf_psc_exp", 200, params={"tau_m": negative}),))
    with pytest.raises(ValidationError, match=r"parameter 'tau_m' must be > 0 ms at every neuron; neuron \d+ has "
                                              r"-[\d.]+ \(clip the distribution\)"):
        compile_network(net)


@pytest.mark.parametrize("params,expected", [
    ({"V_th": [-55.0, -56.0]}, r"parameter 'V_th' must be a number or a list of one value per neuron; "
                               r"it has 2 values for 3 neurons"),
    ({"tau_m": [10.0, 0.0, 5.0]}, r"parameter 'tau_m' must be > 0 ms at every neuron; neuron 1 has 0"),
    ({"V_th": [-55.0, float("nan"), -55.0]}, r"parameter 'V_th' must be a finite number at every neuron; neuron 1"),
])
def test_bad_per_neuron_lists_are_refused(params, expected):
    with pytest.raises(ValidationError, match=rf"population 'p': {expected}"):
        Population("p", "iaf_psc_exp", 3, params=params)


def test_a_device_takes_one_value_per_parameter():
    with pytest.raises(ValidationError, match=r"population 'dc': parameter 'amplitude' must be a number "
                                              r"\(a dc_generator takes one value per parameter"):
        Population("dc", "dc_generator", 2, params={"amplitude": [1.0, 2.0]})


def test_the_membrane_starts_at_each_neuron_s_resting_potential_and_is_recorded_absolute():
    rest = [-70.0, -65.0, -60.0]
    net = Network(populations=(Population("p", "iaf_psc_exp", 3, params={"E_L": rest, "V_reset": -75.0}),))
    sim = Simulator(net)
    sim.set_recording([TraceRequest("p", i) for i in range(3)])
    sim.run(5.0)
    _, traces = sim.traces()
    for i, e_l in enumerate(rest):
        np.testing.assert_allclose(traces[TraceRequest("p", i)], e_l)


def test_live_changes_replace_a_varying_parameter_as_a_whole_and_keep_the_potential():
    sim = Simulator(driven({"V_th": THRESHOLDS}))
    sim.set_recording([TraceRequest("p", 0)])
    sim.run(50.0)
    before = first_spikes(sim, 4)
    sim.set_param("p", "V_th", [t - 2.0 for t in THRESHOLDS])  # scaled list: still per neuron
    assert sim.network.population("p").params["V_th"] == tuple(t - 2.0 for t in THRESHOLDS)
    sim.set_param("p", "V_th", -40.0)  # one value again: the population becomes uniform
    assert sim.compiled.layout.pop_neuron_row[1] == -1
    sim.reset()
    sim.run(100.0)
    assert len(sim.spikes("p")[0]) == 0  # -40 mV is above the potential the current reaches (-54 mV)
    _, traces = sim.traces()
    v_before = traces[TraceRequest("p", 0)][-1]
    sim.set_param("p", "E_L", [-70.0, -71.0, -72.0, -73.0])  # a list again: a new layout
    sim.run(0.1)
    _, traces = sim.traces()
    assert abs(traces[TraceRequest("p", 0)][-1] - v_before) < 0.01  # no jump: v follows its new reference
    sim.set_param("p", "E_L", -70.0)
    sim.set_param("p", "V_th", THRESHOLDS)
    sim.reset()
    sim.run(100.0)
    assert first_spikes(sim, 4) == before


def test_lists_and_distributions_round_trip_through_the_file_format():
    drawn = Distribution("normal", {"mean": 10.0, "std": 2.0}, clip_low=2.0)
    net = Network(populations=(Population("p", "iaf_psc_alpha", 3, params={"V_th": [-55.0, -54.5, -54.0],
                                                                        "tau_m": drawn}),))
    text = network_to_json(net)
    loaded = network_from_json(text)
    assert loaded == net
    assert loaded.population("p").params["V_th"] == (-55.0, -54.5, -54.0)
    assert loaded.population("p").params["tau_m"] == drawn
    assert network_to_json(loaded) == text
