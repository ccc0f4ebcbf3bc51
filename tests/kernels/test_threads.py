"""The threaded step (min-delay windows): same spikes for the same seed and thread count on any
number of cores; without Poisson inputs the same spikes and traces as one thread."""
import numpy as np
import pytest

from engine import Connectivity, Network, Population, Projection, Recording, Simulator
from engine.io import load_network
from tests.kernels.test_simulation_runs import REPO, all_output


def driven_recurrent(delay_ee=0.5, delay_ei=2.0):
    """Spike generators and a dc current drive two recurrent populations with different delays;
    nothing random happens while it runs, so the thread count must not change a single value."""
    rec = Recording(traces=(0, 7), variables=("V_m",))
    cell = {"tau_syn_ex": 2.0, "tau_syn_in": 5.0}
    return Network(name="driven recurrent", populations=(
        Population("exc", "iaf_psc_exp", 40, params=cell, record=rec),
        Population("inh", "iaf_psc_exp", 15, params=cell, record=rec),
        Population("trains", "spike_generator", 1, params={"spike_times": [float(t) for t in range(5, 200, 3)]}),
        Population("dc", "dc_generator", 1, params={"amplitude": 300.0}),
    ), projections=(
        Projection("trains", "exc", weight=900.0, delay=1.0),
        Projection("exc", "exc", Connectivity("pairwise_bernoulli", p=0.2), weight=60.0, delay=delay_ee),
        Projection("exc", "inh", Connectivity("pairwise_bernoulli", p=0.3), weight=120.0, delay=delay_ei),
        Projection("inh", "exc", Connectivity("pairwise_bernoulli", p=0.3), weight=-150.0, delay=1.2),
        Projection("dc", "inh", weight=1.0, delay=0.1),
    ))


@pytest.mark.parametrize("delay_ee", [0.1, 0.5])
def test_without_poisson_inputs_two_threads_give_one_threads_spikes_and_traces(delay_ee):
    network = driven_recurrent(delay_ee=delay_ee)
    one, two = Simulator(network, seed=3), Simulator(network, seed=3, threads=2)
    assert two.compiled.window_steps == round(delay_ee / 0.1)
    one.run(150.0)
    two.run(80.0)
    two.run(70.0)  # a block boundary inside the run: the last window's spikes were delivered
    assert len(one.spikes()[0]) > 200
    for a, b in zip(all_output(one), all_output(two)):
        np.testing.assert_array_equal(a, b)


def brunel_small():
    network = load_network(REPO / "assets" / "examples" / "brunel.json")
    return network.replace_population("exc", size=800).replace_population("inh", size=200)


def test_same_seed_and_thread_count_give_the_same_spikes_on_one_or_two_cores():
    network = brunel_small()
    runs = []
    for workers in (1, 2, 2):
        sim = Simulator(network, seed=5, threads=2)
        sim._cores.workers = lambda workers=workers: workers  # the core count must not matter
        sim.run(200.0)
        runs.append(all_output(sim))
    assert runs[0][0].size > 1000
    for other in runs[1:]:
        for a, b in zip(runs[0], other):
            np.testing.assert_array_equal(a, b)


def test_two_threads_keep_the_network_rate_of_one_thread():
    network = brunel_small()
    spikes = []
    for threads in (1, 2):
        sim = Simulator(network, seed=5, threads=threads)
        sim.run(300.0)
        spikes.append(len(sim.spikes()[0]))
    assert abs(spikes[1] - spikes[0]) < 0.05 * spikes[0], spikes


def test_switching_between_one_and_two_cores_between_blocks_keeps_the_spikes():
    """The Runner's blocks run on the cores its scheduler turn grants: 1, 2, 1, ... cores per block
    give the spikes of a run on two cores throughout (the threads' partitions stay)."""
    network = brunel_small()
    fixed = Simulator(network, seed=5, threads=2)
    fixed._cores.workers = lambda: 2
    fixed.run(200.0)
    switching = Simulator(network, seed=5, threads=2)
    switching._cores.workers = lambda: 2
    used = []
    while switching.step < fixed.step:
        switching.advance(min(137, fixed.step - switching.step), workers=1 + len(used) % 2)
        used.append(switching.workers)
    assert set(used) == {1, 2}
    for a, b in zip(all_output(fixed), all_output(switching)):
        np.testing.assert_array_equal(a, b)
