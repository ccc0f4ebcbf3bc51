"""engine.analysis against Elephant on the same spike trains: hand-made ones, and a run of the
ei_network example saved as spikes.csv (what the designer's export writes) and read back."""
from __future__ import annotations

import math

import elephant_reference as reference
import neo
import numpy as np
import pytest
import quantities as pq
from elephant import statistics as elephant_statistics
from elephant.conversion import BinnedSpikeTrain

from engine import Simulator, ValidationError, analysis
from engine.io import load_network
from engine.io.data import load_spikes_csv, spikes_to_csv

EXAMPLES = "assets/examples"
DT = 0.1


def elephant_trains(neurons, times, size, t_start, t_stop, dt=DT):
    return reference.elephant_trains(neurons, times, size, t_start, t_stop, dt)


def assert_matches_elephant(stats, trains, t_start, t_stop, dt=DT):
    want = reference.elephant_statistics_of(trains, t_start, t_stop, dt)
    np.testing.assert_allclose(stats.rates, want["rates"], rtol=1e-12)
    np.testing.assert_allclose(np.sort(stats.isis), np.sort(np.concatenate(want["isis"])), atol=1e-6)
    np.testing.assert_allclose(stats.cv, want["cv"], rtol=1e-6, atol=1e-9)
    assert stats.mean_cv == pytest.approx(np.nanmean(want["cv"]), rel=1e-6)
    np.testing.assert_allclose(stats.fano, want["fano"], rtol=1e-9)
    assert stats.synchrony == pytest.approx(want["synchrony"], rel=1e-9)


def test_statistics_of_known_trains():
    """A regular neuron (every 10 ms), a bursting one, a silent one and a Poisson-like one."""
    rng = np.random.default_rng(3)
    regular = np.arange(1, 101) * 10.0  # 100 Hz, CV 0
    burst = np.concatenate([t + np.array([0.0, 2.0, 4.0]) for t in (100.0, 400.0, 700.0)])
    poisson = np.unique(np.rint(np.cumsum(rng.exponential(25.0, 60)) / DT) * DT)
    poisson = poisson[(poisson > 0) & (poisson <= 1000.0)]
    neurons = np.concatenate([np.zeros(regular.size), np.ones(burst.size), np.full(poisson.size, 3)]).astype(int)
    times = np.concatenate([regular, burst, poisson])
    stats = analysis.population_statistics(analysis.window(neurons, times, 4, 0.0, 1000.0, DT))
    assert stats.rates[0] == pytest.approx(100.0) and stats.rates[2] == 0.0
    assert stats.cv[0] == pytest.approx(0.0, abs=1e-9) and math.isnan(stats.cv[2])
    assert stats.cv[1] > 1.0  # bursts: short ISIs and long pauses
    assert stats.fano[0] == pytest.approx(0.0, abs=1e-12) and math.isnan(stats.fano[2])
    assert stats.n_spikes == times.size and stats.synchrony_trains == 4
    assert_matches_elephant(stats, elephant_trains(neurons, times, 4, 0.0, 1000.0), 0.0, 1000.0)


def test_a_window_leaves_out_spikes_at_its_start_and_after_its_end():
    neurons = np.zeros(5, int)
    times = np.array([100.0, 100.1, 150.0, 200.0, 200.1])
    w = analysis.window(neurons, times, 1, 100.0, 200.0, DT)
    assert w.times.tolist() == [100.1, 150.0, 200.0]
    assert analysis.rates_per_neuron(w)[0] == pytest.approx(30.0)  # 3 spikes in 0.1 s


@pytest.fixture(scope="module")
def ei_run(tmp_path_factory):
    """ei_network run for 1.5 s; its spikes as the exported CSV holds them."""
    network = load_network(f"{EXAMPLES}/ei_network.json")
    sim = Simulator(network)
    sim.run(1500.0)
    path = spikes_to_csv(sim, tmp_path_factory.mktemp("ei") / "spikes.csv")
    return network, sim, load_spikes_csv(path)


@pytest.mark.parametrize("population", ["exc", "inh"])
def test_statistics_of_a_simulated_run_equal_elephant_on_its_exported_spikes(ei_run, population):
    network, sim, exported = ei_run
    size = network.population(population).size
    t_start, t_stop = 500.0, round(sim.t, 9)
    neurons, times = sim.spikes(population)
    stats = analysis.population_statistics(analysis.window(neurons, times, size, t_start, t_stop, sim.dt))
    assert stats.n_spikes > 1000 and np.isfinite(stats.mean_fano) and 0 < stats.synchrony <= 1
    exported_neurons, exported_times = exported[population]
    assert_matches_elephant(stats, elephant_trains(exported_neurons, exported_times, size, t_start, t_stop),
                            t_start, t_stop)


def test_one_neurons_rate_over_time_equals_elephants_time_histogram(ei_run):
    network, sim, exported = ei_run
    neurons, times = exported["exc"]
    train = times[neurons == 7]
    starts, rate = analysis.rate_over_time(train, 0.0, 1500.0, DT, bin_ms=100.0)
    # Elephant's bins are [a, b): starting half a step late they hold the spikes of (a, b]
    st = neo.SpikeTrain(train, units="ms", t_start=0.0, t_stop=1500.0 + DT)
    expected = elephant_statistics.time_histogram([st], 100.0 * pq.ms, t_start=DT / 2 * pq.ms,
                                                  t_stop=(1500.0 + DT / 2) * pq.ms, output="rate")
    assert starts.tolist() == pytest.approx(np.arange(15) * 100.0)
    np.testing.assert_allclose(rate, expected.rescale("Hz").magnitude.ravel(), rtol=1e-9)
    assert rate.mean() == pytest.approx(train.size / 1.5, rel=1e-9)


def test_isi_histogram_counts_equal_a_histogram_of_elephants_isis(ei_run):
    network, sim, exported = ei_run
    neurons, times = exported["inh"]
    isis = np.concatenate([elephant_statistics.isi(np.sort(times[neurons == i])) for i in range(200)])
    w = analysis.window(*sim.spikes("inh"), 200, 0.0, sim.t, sim.dt)
    mine = analysis.interspike_intervals(w)[1]
    edges = analysis.histogram_edges(mine, grid=DT)
    assert edges[0] == 0.0 and edges[-1] > mine.max() and len(edges) == analysis.HISTOGRAM_BINS + 1
    counts = analysis.histogram(mine, edges, grid=DT)
    # ISIs are multiples of dt and bin edges may be too: numpy's histogram of Elephant's ISIs
    # with edges half a step early puts each ISI in the bin it starts
    assert counts.tolist() == np.histogram(isis, bins=edges - DT / 2)[0].tolist()
    assert counts.sum() == isis.size


def test_binned_counts_agree_with_elephants_binning(ei_run):
    """The Fano factor's count bins hold what Elephant's BinnedSpikeTrain counts, shifted half a step."""
    network, sim, exported = ei_run
    neurons, times = exported["exc"]
    trains = elephant_trains(neurons, times, 800, 0.0, 1500.0)
    binned = BinnedSpikeTrain([neo.SpikeTrain(st.magnitude, units="ms", t_start=0.0, t_stop=1500.0 + DT)
                               for st in trains], bin_size=50.0 * pq.ms, t_start=DT / 2 * pq.ms,
                              t_stop=(1500.0 + DT / 2) * pq.ms).to_array()
    counts_fano = binned.var(axis=1) / binned.mean(axis=1)
    w = analysis.window(*sim.spikes("exc"), 800, 0.0, sim.t, sim.dt)
    np.testing.assert_allclose(analysis.fano_per_neuron(w, 50.0), counts_fano, rtol=1e-9)


def test_bad_windows_are_refused_with_the_reason():
    with pytest.raises(ValidationError, match="t_stop .* is before t_start"):
        analysis.window(np.zeros(0), np.zeros(0), 3, 10.0, 5.0, DT)
    with pytest.raises(ValidationError, match="dt > 0"):
        analysis.window(np.zeros(0), np.zeros(0), 3, 0.0, 5.0, 0.0)


def test_synchrony_is_nan_without_two_spikes_in_any_train():
    w = analysis.window(np.array([0, 1]), np.array([5.0, 7.0]), 2, 0.0, 100.0, DT)
    stats = analysis.population_statistics(w)
    assert math.isnan(stats.synchrony) and math.isnan(stats.mean_cv)
    assert stats.mean_rate == pytest.approx(10.0)
