"""Efficiency metrics counted during a run, against counts made independently from the
connectivity and the recorded spikes (the NeuroBench definitions, engine/neuromorphic/metrics.py)."""
import numpy as np
import pytest

from engine import Connectivity, Network, Population, Projection, Runner, Simulator, ValidationError
from lens_helpers import EXPLICIT_PRE, LIF, driven_network, independent_out_degree

def run_counted(network: Network, t_ms: float = 200.0, threads: int = 1) -> Simulator:
    sim = Simulator(network, threads=threads)
    sim.track_efficiency()
    sim.run(t_ms)
    return sim


@pytest.mark.parametrize("threads", [1, 2])
def test_synaptic_operations_are_the_recorded_spikes_times_their_out_degree(threads):
    sim = run_counted(driven_network(), threads=threads)
    metrics = sim.efficiency_metrics()
    degree = independent_out_degree()
    for name, out in degree.items():
        neuron, _ = sim.spikes(name)
        assert neuron.size > 0, f"population {name} must spike for the test to mean something"
        assert metrics.per_population[name]["synaptic_operations"] == int(out[neuron].sum())
        assert metrics.per_population[name]["spikes"] == neuron.size
    expected = sum(int(out[sim.spikes(name)[0]].sum()) for name, out in degree.items())
    assert metrics.totals["synaptic_operations"] == expected == sim.counters()["synaptic_events"]


def test_poisson_input_events_are_the_kernels_remainder_and_totals_match():
    sim = run_counted(driven_network(with_poisson=True))
    metrics = sim.efficiency_metrics()
    degree = independent_out_degree()
    from_spikes = sum(int(out[sim.spikes(name)[0]].sum()) for name, out in degree.items())
    poisson = metrics.per_population["noise"]["synaptic_operations"]
    # 8 kHz onto 6 neurons for 200 ms: 9600 events expected, Poisson spread ~ 98
    assert abs(poisson - 9600) < 5 * 98
    assert metrics.totals["synaptic_operations"] == from_spikes + poisson == sim.counters()["synaptic_events"]


def test_neuron_updates_activation_sparsity_and_dense_macs_by_hand():
    sim = run_counted(driven_network(), t_ms=200.0)
    metrics = sim.efficiency_metrics()
    steps = 2000  # 200 ms at dt 0.1
    a, b = metrics.per_population["a"], metrics.per_population["b"]
    assert (a["neuron_updates"], b["neuron_updates"]) == (10 * steps, 6 * steps)
    assert metrics.per_population["kick"]["neuron_updates"] == 0  # a device has no membrane
    assert metrics.totals["neuron_updates"] == 16 * steps == sim.counters()["neuron_updates"]
    spikes = sim.spikes("a")[0].size + sim.spikes("b")[0].size
    assert metrics.totals["neuron_updates_active"] == spikes
    assert metrics.totals["neuron_updates_inactive"] == 16 * steps - spikes
    assert a["activation_sparsity"] == pytest.approx(1 - sim.spikes("a")[0].size / (10 * steps))
    assert metrics.totals["activation_sparsity"] == pytest.approx(1 - spikes / (16 * steps))
    # dense clock-driven MACs: kick->a 10x10, a->b 10x6 twice, b->a 6x10, every step
    assert metrics.totals["dense_macs"] == (100 + 60 + 60 + 60) * steps


def test_connection_sparsity_counts_zero_and_absent_weights_and_footprint_counts_synapses():
    pops = (Population("a", "iaf_psc_delta", 4, params=LIF), Population("b", "iaf_psc_delta", 5, params=LIF))
    net = Network(name="sparse", populations=pops, projections=(
        Projection("a", "b", Connectivity("explicit", pre_indices=(0, 1, 3), post_indices=(0, 4, 2)), weight=1.0),
        Projection("b", "a", Connectivity("all_to_all"), weight=0.0, name="silent"),
        Projection("a", "a", Connectivity("one_to_one"), weight=2.0, name="self"),
    ))
    metrics = run_counted(net, t_ms=1.0).efficiency_metrics()
    sparsity = metrics.connection_sparsity
    assert sparsity["per_projection"] == {"a→b": pytest.approx(1 - 3 / 20), "silent": 1.0,
                                          "self": pytest.approx(1 - 4 / 16)}
    assert sparsity["total"] == pytest.approx(1 - (3 + 0 + 4) / (20 + 20 + 16))
    assert metrics.n_synapses == 3 + 20 + 4
    assert metrics.memory_footprint_bytes == 27 * 4


def test_plastic_updates_follow_presynaptic_spikes_while_learning_is_on():
    times = [float(t) for t in np.arange(5.0, 100.0, 10.0)]  # 10 spikes per source neuron
    net = Network(name="plastic", populations=(
        Population("src", "spike_generator", 3, params={"spike_times": times}),
        Population("relay", "parrot_neuron", 3),  # plastic synapses need a neuron as source
        Population("out", "iaf_psc_delta", 4, params=LIF),
    ), projections=(
        Projection("src", "relay", Connectivity("one_to_one"), delay=1.0),
        Projection("relay", "out", Connectivity("explicit", pre_indices=(0, 0, 1, 2, 2, 2),
                                                post_indices=(0, 1, 2, 0, 1, 3)),
                   weight=5.0, synapse="stdp_synapse", synapse_params={"Wmax": 50.0}),
    ))
    sim = Simulator(net)
    sim.track_efficiency()
    sim.run(50.0)  # relayed spikes at 6, 16, ..., 46: 5 per relay neuron, 6 plastic synapses in all
    assert sim.efficiency_metrics().per_population["relay"]["plastic_updates"] == 5 * 6
    sim.set_param("relay→out", "learning", False)
    sim.run(50.0)
    metrics = sim.efficiency_metrics()
    assert metrics.per_population["relay"]["plastic_updates"] == 5 * 6  # frozen: delivered, not updated
    assert metrics.per_population["relay"]["synaptic_operations"] == 10 * 6
    assert metrics.totals["synaptic_operations"] == sim.counters()["synaptic_events"]


def test_per_second_per_inference_reset_and_bad_inference_input():
    sim = run_counted(driven_network(), t_ms=200.0)
    per_second = sim.efficiency_metrics().per_second("synaptic_operations")
    total = sim.efficiency_metrics().totals["synaptic_operations"]
    assert per_second == pytest.approx(total / 0.2)
    assert sim.efficiency_metrics(inference_ms=50.0).per_inference("synaptic_operations") == pytest.approx(total / 4)
    assert sim.efficiency_metrics(n_inferences=8).per_inference("neuron_updates") == pytest.approx(16 * 2000 / 8)
    assert sim.efficiency_metrics().per_inference("synaptic_operations") is None
    assert sim.efficiency_metrics().to_dict()["per_inference"] is None
    for bad in ({"inference_ms": 0.0}, {"n_inferences": 0}, {"inference_ms": 5.0, "n_inferences": 2}):
        with pytest.raises(ValidationError, match="efficiency metrics"):
            sim.efficiency_metrics(**bad)
    sim.reset()
    assert sim.efficiency_metrics().totals["synaptic_operations"] == 0
    sim.run(200.0)
    assert sim.efficiency_metrics().totals["synaptic_operations"] == total


def test_metrics_off_is_an_error_that_says_how_to_turn_them_on():
    sim = Simulator(driven_network())
    with pytest.raises(ValidationError, match="track_efficiency"):
        sim.efficiency_metrics()


def test_runner_frames_carry_metrics_when_asked():
    with Runner(driven_network(), metrics=True) as runner:
        runner.wait_for(lambda f: f.kind == "status" and f.message == "ready")
        runner.run(100.0)
        frames = runner.wait_for(lambda f: f.kind == "status" and f.command == "run" and "finished" in f.message)
        data = [f for f in frames if f.kind == "data"]
        last = data[-1]
        assert last.efficiency.totals["synaptic_operations"] == last.counters["synaptic_events"] > 0
        assert last.efficiency.t_ms == pytest.approx(100.0)
        runner.set_metrics(False)
        runner.run(10.0)
        frames = runner.wait_for(lambda f: f.kind == "status" and f.command == "run" and "finished" in f.message)
        assert all(f.efficiency is None for f in frames if f.kind == "data")


def test_lesioned_synapses_are_no_synaptic_operations_and_leave_the_poisson_row_alone():
    net = driven_network(with_poisson=True)
    stp = Projection("a", "b", Connectivity("all_to_all"), weight=2.0, delay=1.0, synapse="tsodyks2_synapse",
                     name="a→b short-term")
    net = Network(name=net.name, populations=net.populations, projections=net.projections + (stp,), seed=net.seed)
    sim = run_counted(net, t_ms=100.0)
    spikes_before = np.bincount(sim.spikes("a")[0], minlength=10)
    sim.lesion("a→b dense", fraction=1.0)  # 6 synapses of every 'a' neuron
    cut = sim.lesion("a→b short-term", indices=range(0, 60, 2))  # 30 of the 60, 3 of every 'a' neuron
    assert cut.size == 30
    sim.run(100.0)
    spikes_after = np.bincount(sim.spikes("a")[0], minlength=10) - spikes_before
    assert spikes_after.sum() > 0
    explicit = np.bincount(EXPLICIT_PRE, minlength=10)
    lost_short_term = np.bincount(np.arange(0, 60, 2) // 6, minlength=10)  # all-to-all: 6 per 'a' neuron, in order
    expected_a = int(spikes_before @ (explicit + 12) + spikes_after @ (explicit + 6 - lost_short_term))
    metrics = sim.efficiency_metrics()
    assert metrics.per_population["a"]["synaptic_operations"] == expected_a
    poisson = metrics.per_population["noise"]["synaptic_operations"]
    assert abs(poisson - 9600) < 5 * 98  # 8 kHz onto 6 neurons for 200 ms, as without lesions
    assert metrics.totals["synaptic_operations"] == sim.counters()["synaptic_events"]
