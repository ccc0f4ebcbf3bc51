"""Per-neuron parameters against NEST 3.10: a listed threshold gives each neuron NEST's spike
times; a drawn membrane time constant (nest.random.uniform there) gives NEST's rates."""
import os

import numpy as np
import pytest

from engine import Distribution, Network, Population, Simulator

os.environ.setdefault("PYNEST_QUIET", "1")
pytestmark = pytest.mark.reference

T_SIM = 1000.0
THRESHOLDS = list(np.round(np.linspace(-58.0, -54.5, 10), 2))


def nest_spikes(size: int, params: dict, t_sim: float = T_SIM, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(neuron index, time) of an iaf_psc_exp population in NEST, `params` as nest.Create takes them."""
    import nest

    nest.ResetKernel()
    nest.resolution = 0.1
    nest.local_num_threads = 1
    nest.rng_seed = seed
    neurons = nest.Create("iaf_psc_exp", size, params=params)
    recorder = nest.Create("spike_recorder")
    nest.Connect(neurons, recorder)
    nest.Simulate(t_sim)
    events = recorder.get("events")
    return np.asarray(events["senders"]) - neurons[0].global_id, np.asarray(events["times"])


def engine_spikes(size: int, params: dict, t_sim: float = T_SIM) -> tuple[np.ndarray, np.ndarray]:
    sim = Simulator(Network(populations=(Population("p", "iaf_psc_exp", size, params=params),)))
    sim.run(t_sim)
    return sim.spikes("p")


def test_a_listed_threshold_gives_every_neuron_nest_s_spike_times():
    ours = engine_spikes(10, {"I_e": 400.0, "V_th": THRESHOLDS})
    theirs = nest_spikes(10, {"I_e": 400.0, "V_th": THRESHOLDS})
    for neuron in range(10):
        mine, nest_times = ours[1][ours[0] == neuron], np.sort(theirs[1][theirs[0] == neuron])
        assert mine.size > 10
        np.testing.assert_allclose(mine, nest_times, atol=1e-9)
    counts = [np.sum(ours[0] == i) for i in range(10)]
    assert counts == sorted(counts, reverse=True)  # lower thresholds fire more often


def test_a_drawn_time_constant_gives_nest_s_rates():
    import nest

    size = 1000
    ours = engine_spikes(size, {"I_e": 400.0, "tau_m": Distribution("uniform", {"low": 5.0, "high": 15.0})})
    theirs = nest_spikes(size, {"I_e": 400.0, "tau_m": nest.random.uniform(5.0, 15.0)})
    rates = [np.bincount(neuron, minlength=size) / (T_SIM * 1e-3) for neuron, _ in (ours, theirs)]
    # tau_m > 9.375 ms reaches threshold (V_inf = E_L + I_e tau_m / C_m): about 56 % of neurons fire
    firing = [np.mean(r > 0) for r in rates]
    assert 0.5 < firing[0] < 0.62 and abs(firing[0] - firing[1]) < 4 * np.sqrt(0.25 / size) * np.sqrt(2)
    standard_error = np.sqrt((rates[0].var() + rates[1].var()) / size)
    assert abs(rates[0].mean() - rates[1].mean()) < 4 * standard_error
    quantiles = np.linspace(0.1, 0.9, 9)
    np.testing.assert_allclose(np.quantile(rates[0], quantiles), np.quantile(rates[1], quantiles), atol=3.0)
