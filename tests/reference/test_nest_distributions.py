"""Drawn values and listed spike times against NEST 3.10: a bounded Distribution redrawn
(nest.math.redraw) or clamped (nest.math.min/max), a scaled (inhibitory) lognormal, and a
spike_generator with repeated times. NEST builds the network from the export plan
(benchmarks/nest_build.py), so this also checks how the plan writes these values."""
import math

import numpy as np
import pytest

from engine import Connectivity, Distribution, Network, Population, Projection, Recording, Simulator, ValidationError
from nest_helpers import build, import_nest, nest_network

pytestmark = pytest.mark.reference

N_PRE = N_POST = 120  # 14,400 synapses per draw


def weight_network(weight: Distribution) -> Network:
    return Network(name="weights", populations=(Population("pre", "iaf_psc_exp", N_PRE),
                                                Population("post", "iaf_psc_exp", N_POST)),
                   projections=(Projection("pre", "post", Connectivity("all_to_all"), weight=weight, delay=1.0),))


def engine_and_nest_weights(weight: Distribution) -> tuple[np.ndarray, np.ndarray]:
    network = weight_network(weight)
    ours = Simulator(network, seed=3).projection_weights("pre→post")
    nest = import_nest()
    nodes = build(nest, network, seed=3)["nodes"]
    theirs = np.asarray(nest.GetConnections(source=nodes["pre"], target=nodes["post"]).get("weight"), np.float64)
    assert ours.size == theirs.size == N_PRE * N_POST
    return ours, theirs


def ks_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic."""
    grid = np.sort(np.concatenate([a, b]))
    cdf_a = np.searchsorted(np.sort(a), grid, side="right") / a.size
    cdf_b = np.searchsorted(np.sort(b), grid, side="right") / b.size
    return float(np.abs(cdf_a - cdf_b).max())


def assert_same_law(ours: np.ndarray, theirs: np.ndarray) -> None:
    se = math.sqrt(ours.var() / ours.size + theirs.var() / theirs.size)
    assert abs(ours.mean() - theirs.mean()) < 5 * se
    assert ours.std() == pytest.approx(theirs.std(), rel=0.04)
    assert ks_distance(ours, theirs) < 0.03  # 5% critical value for 14,400 vs 14,400 draws: 0.016


def test_redrawn_normal_is_truncated_like_nest_redraw():
    ours, theirs = engine_and_nest_weights(Distribution("normal", {"mean": 200.0, "std": 100.0},
                                                        clip_low=100.0, clip_high=300.0))
    assert_same_law(ours, theirs)
    for weights in (ours, theirs):
        assert 100.0 <= weights.min() and weights.max() <= 300.0
        assert np.mean(np.isclose(weights, 100.0, atol=1e-3)) < 0.001  # nothing piled up at the bounds
        assert weights.std() == pytest.approx(53.76, rel=0.04)  # 100 x std of N(0, 1) truncated to [-1, 1]


def test_clamped_normal_piles_up_at_the_bounds_like_nest_min_max():
    ours, theirs = engine_and_nest_weights(Distribution("normal", {"mean": 200.0, "std": 100.0},
                                                        clip_low=100.0, clip_high=300.0, clip="clamp"))
    assert_same_law(ours, theirs)
    for weights in (ours, theirs):
        assert np.mean(weights == 100.0) == pytest.approx(0.1587, abs=0.012)  # P(N(0, 1) < -1)
        assert np.mean(weights == 300.0) == pytest.approx(0.1587, abs=0.012)


def test_inhibitory_lognormal_times_minus_five_like_nest():
    """A lognormal law times -5, redrawn above -400 pA (NEST: redraw(lognormal * -5, min=-400))."""
    law = {"mean": math.log(20.0), "sigma": 0.6}
    ours, theirs = engine_and_nest_weights(Distribution("lognormal", law, scale=-5.0, clip_low=-400.0))
    assert_same_law(ours, theirs)
    for weights in (ours, theirs):
        assert weights.max() < 0 and weights.min() >= -400.0
        assert np.median(weights) == pytest.approx(-100.0, rel=0.03)  # -5 x e^mean


def test_clamped_lognormal_piles_synapses_up_at_the_cap_like_nest():
    """The issue's example: a lognormal weight law capped at 400 pA; clamping piles up there, redrawing does not."""
    law = {"mean": math.log(150.0), "sigma": 0.8}
    clamped, nest_clamped = engine_and_nest_weights(Distribution("lognormal", law, clip_high=400.0, clip="clamp"))
    redrawn, nest_redrawn = engine_and_nest_weights(Distribution("lognormal", law, clip_high=400.0))
    above = 1 - 0.5 * (1 + math.erf(math.log(400.0 / 150.0) / (0.8 * math.sqrt(2))))  # P(law > 400) = 0.110
    for weights in (clamped, nest_clamped):
        assert np.mean(weights == 400.0) == pytest.approx(above, abs=0.012)
    for weights in (redrawn, nest_redrawn):
        assert np.mean(weights > 399.0) < 0.002
    assert_same_law(clamped, nest_clamped)
    assert_same_law(redrawn, nest_redrawn)


def test_repeated_spike_times_give_one_spike_each_as_in_nest():
    """spike_times [5, 5, 5, 20, 20.04]: three spikes at 5 ms, two at 20 ms (20.04 lies on 20.0 at dt 0.1)."""
    network = Network(name="repeats", t_sim=40.0, populations=(
        Population("train", "spike_generator", 1, params={"spike_times": [5.0, 5.0, 5.0, 20.0, 20.04]}),
        Population("neuron", "iaf_psc_delta", 1, params={"tau_m": 1000.0}, record=Recording(traces=(0,)))),
        projections=(Projection("train", "neuron", weight=1.5, delay=1.0),))
    sim = Simulator(network)
    sim.run(network.t_sim)
    times, traces = sim.traces()
    ours = next(iter(traces.values()))
    nest_times, nest_v = nest_network(network, network.t_sim).traces[("neuron", 0, "V_m")]
    n = min(times.size, nest_times.size)
    assert n >= 380
    np.testing.assert_allclose(times[:n], nest_times[:n])
    np.testing.assert_allclose(ours[:n], nest_v[:n], atol=1e-9)
    step = np.diff(ours, prepend=ours[0])
    jump = lambda t: step[np.argmin(np.abs(times - t))]  # noqa: E731  (V_m after the step ending at t minus before)
    assert jump(6.0) == pytest.approx(4.5, abs=1e-3)  # 3 x 1.5 mV, arriving one delay later
    assert jump(21.0) == pytest.approx(3.0, abs=1e-3)


def test_spike_times_out_of_order_are_refused():
    with pytest.raises(ValidationError, match=r"'spike_times'\[0\] must be sorted in time"):
        Population("train", "spike_generator", 1, params={"spike_times": [5.0, 3.0]})
