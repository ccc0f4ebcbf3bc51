"""Random streams of the kernels: xoshiro256** against its reference, Poisson counts by moments."""
import math

import numpy as np
import pytest

from engine import Network, Population, Projection, Simulator
from engine.compile.compiler import poisson_tables
from engine.kernels import devices
from engine.kernels.rng import next_uint64, poisson, seed_streams, uniform, xoshiro_next


def test_xoshiro256starstar_matches_the_reference_sequence():
    # reference output of xoshiro256** from state {1, 2, 3, 4} (Blackman & Vigna's xoshiro256starstar.c)
    state = np.array([[1, 2, 3, 4]], dtype=np.uint64)
    assert [int(next_uint64(state, 0)) for _ in range(10)] == [
        11520, 0, 1509978240, 1215971899390074240, 1216172134540287360, 607988272756665600,
        16172922978634559625, 8476171486693032832, 10595114339597558777, 2904607092377533576,
    ]


def test_register_and_array_forms_give_the_same_stream():
    state = seed_streams([12345])
    registers = state[0].copy()
    for _ in range(100):
        u, *new = xoshiro_next(*registers)
        registers = np.array(new, dtype=np.uint64)  # Numba hands uint64 back as Python ints
        assert u == uniform(state, 0)
    np.testing.assert_array_equal(registers, state[0])


def test_uniform_moments_and_range():
    state = seed_streams([7])
    u = np.array([uniform(state, 0) for _ in range(50000)])
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 4 * math.sqrt(1 / 12 / u.size)
    assert abs(u.var() - 1 / 12) < 4 * math.sqrt(1 / 180 / u.size)


def test_seeds_give_distinct_streams():
    state = seed_streams([1, 2, 3])
    assert len({tuple(row) for row in state}) == 3
    np.testing.assert_array_equal(seed_streams([2])[0], state[1])


def assert_poisson_moments(counts: np.ndarray, lam: float):
    n = counts.size
    assert abs(counts.mean() - lam) < 4 * math.sqrt(lam / n)
    # variance of the sample variance of Poisson(lam): (mu4 - sigma^4) / n = (lam + 2 lam^2) / n
    assert abs(counts.var() - lam) < 4 * math.sqrt((lam + 2 * lam * lam) / n)


@pytest.mark.parametrize("lam", [0.5, 3.0, 9.0, 12.0, 100.0, 1000.0])
def test_poisson_draws_have_poisson_mean_and_variance(lam):
    # lam < 10: inversion; lam >= 10: PTRS transformed rejection
    state = seed_streams([42])
    counts = np.array([poisson(state, 0, lam, math.exp(-lam)) for _ in range(20000)])
    assert counts.min() >= 0
    assert_poisson_moments(counts, lam)


def test_poisson_table_is_the_cumulative_distribution():
    cdf, guide = poisson_tables(5.0)
    assert cdf[0] == pytest.approx(math.exp(-5.0))
    assert cdf[5] == pytest.approx(sum(math.exp(-5.0) * 5.0 ** j / math.factorial(j) for j in range(6)))
    assert cdf[-1] == 2.0  # sentinel
    for j, g in enumerate(guide):  # smallest count whose cdf reaches j / size
        assert cdf[g] >= j / guide.size and (g == 0 or cdf[g - 1] < j / guide.size)


def relay_counts(rate_hz: float, n_relays: int, t_ms: float) -> tuple[np.ndarray, Simulator]:
    """Spikes per relay per step of independent Poisson trains (one train per relay), as counted by parrots."""
    net = Network(populations=[Population("noise", "poisson_generator", 1, params={"rate": rate_hz}),
                               Population("relay", "parrot_neuron", n_relays)],
                  projections=[Projection("noise", "relay", delay=0.1)])
    sim = Simulator(net)
    sim.run(t_ms)
    neurons, times = sim.spikes("relay")
    steps = np.rint(times / 0.1).astype(np.int64) - 1
    n_steps = int(round(t_ms / 0.1))
    counts = np.bincount(neurons * n_steps + steps, minlength=n_relays * n_steps).reshape(n_relays, n_steps)
    return counts[:, 1:], sim  # the first step has no input yet (delay 0.1 ms)


@pytest.mark.parametrize("lam", [0.01, 5.0, 25.0], ids=["table-sparse", "table", "table-large"])
def test_poisson_generator_counts_table_method(lam):
    assert lam < devices.POISSON_TABLE_MAX_LAM
    counts, sim = relay_counts(lam / 0.1 * 1e3, 20, 200.0 if lam > 1 else 2000.0)
    assert_poisson_moments(counts.ravel(), lam)
    assert sim.counters()["lost_spikes"] == 0
    # trains of different targets are independent: no correlation between relays
    r = np.corrcoef(counts[0], counts[1])[0, 1]
    assert abs(r) < 4 / math.sqrt(counts.shape[1])


@pytest.mark.parametrize("lam", [50.0, 400.0], ids=["ptrs", "ptrs-large"])
def test_poisson_generator_counts_rejection_method(lam):
    assert lam >= devices.POISSON_TABLE_MAX_LAM
    counts, sim = relay_counts(lam / 0.1 * 1e3, 20, 100.0)
    assert_poisson_moments(counts.ravel(), lam)
    assert sim.counters()["lost_spikes"] == 0  # parrots relay every one, however many per step
