"""Connection rules and drawn values, as compiled: counts, autapses/multapses, clipping, seeds."""
import math
import tracemalloc

import numpy as np
import pytest

from engine import CapacityError, Connectivity, Distribution, Network, Population, Projection, ValidationError
from engine.compile import compile_network, estimate_memory


def synapse_table(compiled, projection: str) -> np.ndarray:
    """(pre, post, weight, delay_steps) rows of one projection, local neuron indices, sorted."""
    syn = compiled.synapses
    n = compiled.n_neurons
    index = compiled.projection_names.index(projection)
    pre_global = np.repeat(np.arange(n), np.diff(syn.indptr))
    mask = compiled.synapse_projection == index
    proj = compiled.network.projection(projection)
    pre = pre_global[mask] - compiled.pop_slice(proj.pre).start
    post = syn.target[mask] % n - compiled.pop_slice(proj.post).start
    table = np.stack([pre, post, syn.weight[mask].astype(np.float64), syn.delay[mask]], axis=1)
    return table[np.lexsort(table.T[::-1])]


def two_populations(rule, n_pre=40, n_post=30, same=False, **projection) -> Network:
    pops = [Population("a", "iaf_psc_delta", n_pre)]
    if not same:
        pops.append(Population("b", "iaf_psc_delta", n_post))
    return Network(populations=pops, projections=[Projection("a", "a" if same else "b", rule, **projection)])


def compiled_pairs(net, seed=1):
    compiled = compile_network(net, seed=seed)
    table = synapse_table(compiled, net.projections[0].name)
    return table[:, 0].astype(int), table[:, 1].astype(int), compiled


# -- exact counts --------------------------------------------------------------------------------------

def test_all_to_all_connects_every_pair_once():
    pre, post, _ = compiled_pairs(two_populations(Connectivity("all_to_all")))
    assert pre.size == 40 * 30
    assert len(set(zip(pre, post))) == 40 * 30


def test_all_to_all_without_autapses_skips_the_diagonal():
    pre, post, _ = compiled_pairs(two_populations(Connectivity("all_to_all", allow_autapses=False), same=True))
    assert pre.size == 40 * 39
    assert not np.any(pre == post)


def test_one_to_one_pairs_equal_indices():
    pre, post, _ = compiled_pairs(two_populations(Connectivity("one_to_one"), 25, 25))
    np.testing.assert_array_equal(pre, np.arange(25))
    np.testing.assert_array_equal(post, np.arange(25))


@pytest.mark.parametrize("multapses", [True, False])
@pytest.mark.parametrize("same", [False, True])
def test_fixed_indegree_gives_every_post_neuron_exactly_indegree_inputs(multapses, same):
    rule = Connectivity("fixed_indegree", indegree=12, allow_autapses=False, allow_multapses=multapses)
    pre, post, _ = compiled_pairs(two_populations(rule, same=same))
    n_post = 40 if same else 30
    np.testing.assert_array_equal(np.bincount(post, minlength=n_post), np.full(n_post, 12))
    if same:
        assert not np.any(pre == post)
    if not multapses:
        assert len(set(zip(pre, post))) == pre.size
    assert pre.min() >= 0 and pre.max() < 40


def test_fixed_indegree_with_all_sources_and_no_multapses_takes_each_once():
    rule = Connectivity("fixed_indegree", indegree=39, allow_autapses=False, allow_multapses=False)
    pre, post, _ = compiled_pairs(two_populations(rule, same=True))
    assert pre.size == 40 * 39 and len(set(zip(pre, post))) == 40 * 39 and not np.any(pre == post)


@pytest.mark.parametrize("multapses", [True, False])
@pytest.mark.parametrize("same", [False, True])
def test_fixed_outdegree_gives_every_pre_neuron_exactly_outdegree_targets(multapses, same):
    rule = Connectivity("fixed_outdegree", outdegree=9, allow_autapses=False, allow_multapses=multapses)
    pre, post, _ = compiled_pairs(two_populations(rule, same=same))
    np.testing.assert_array_equal(np.bincount(pre, minlength=40), np.full(40, 9))
    if same:
        assert not np.any(pre == post)
    if not multapses:
        assert len(set(zip(pre, post))) == pre.size
    assert post.max() < (40 if same else 30)


@pytest.mark.parametrize("multapses", [True, False])
@pytest.mark.parametrize("same", [False, True])
def test_fixed_total_number_makes_exactly_n_synapses(multapses, same):
    rule = Connectivity("fixed_total_number", N=700, allow_autapses=False, allow_multapses=multapses)
    pre, post, _ = compiled_pairs(two_populations(rule, same=same))
    assert pre.size == 700
    if same:
        assert not np.any(pre == post)
    if not multapses:
        assert len(set(zip(pre, post))) == 700


def test_fixed_total_number_can_fill_every_off_diagonal_pair():
    rule = Connectivity("fixed_total_number", N=40 * 39, allow_autapses=False, allow_multapses=False)
    pre, post, _ = compiled_pairs(two_populations(rule, same=True))
    assert len(set(zip(pre, post))) == 40 * 39 and not np.any(pre == post)


def test_fixed_indegree_sources_are_uniform():
    rule = Connectivity("fixed_indegree", indegree=100)
    pre, _, _ = compiled_pairs(two_populations(rule, n_pre=10, n_post=1000))
    counts = np.bincount(pre, minlength=10)  # 100000 draws, 10000 expected per source
    assert np.all(np.abs(counts - 10000) < 4 * math.sqrt(10000 * 0.9))


# -- pairwise_bernoulli ------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [0.02, 0.3, 0.9])
def test_pairwise_bernoulli_count_within_four_sigma(p):
    n_pre, n_post = 300, 200
    pre, post, _ = compiled_pairs(two_populations(Connectivity("pairwise_bernoulli", p=p), n_pre, n_post))
    mean = p * n_pre * n_post
    assert abs(pre.size - mean) < 4 * math.sqrt(mean * (1 - p))
    assert len(set(zip(pre, post))) == pre.size  # never a multapse
    # every pre neuron is treated alike: out-degrees are binomial(n_post, p)
    assert np.bincount(pre, minlength=n_pre).mean() == pytest.approx(pre.size / n_pre)


def test_pairwise_bernoulli_extremes_and_autapses():
    pre, _, _ = compiled_pairs(two_populations(Connectivity("pairwise_bernoulli", p=0.0)))
    assert pre.size == 0
    pre, post, _ = compiled_pairs(two_populations(Connectivity("pairwise_bernoulli", p=1.0, allow_autapses=False), same=True))
    assert pre.size == 40 * 39 and not np.any(pre == post)
    pre, post, _ = compiled_pairs(two_populations(Connectivity("pairwise_bernoulli", p=0.5, allow_autapses=False), 400, same=True))
    assert not np.any(pre == post)
    mean = 0.5 * 400 * 399
    assert abs(pre.size - mean) < 4 * math.sqrt(mean * 0.5)


# -- drawn weights and delays ---------------------------------------------------------------------

def test_clamped_weights_pile_up_at_the_bounds_and_keep_the_mean():
    weight = Distribution("normal", {"mean": 2.0, "std": 1.0}, clip_low=1.0, clip_high=3.0, clip="clamp")
    net = two_populations(Connectivity("all_to_all"), 200, 200, weight=weight)
    _, _, compiled = compiled_pairs(net)
    w = compiled.synapses.weight.astype(np.float64)
    assert w.size == 40000
    assert w.min() == 1.0 and w.max() == 3.0  # clipped, not redrawn: the bounds occur
    assert np.mean(w == 1.0) == pytest.approx(0.1587, abs=0.01)  # P(N(2,1) < 1)
    std_clipped = 0.6  # of normal(2, 1) clipped to [1, 3]
    assert abs(w.mean() - 2.0) < 4 * std_clipped / math.sqrt(w.size)


def test_redrawn_weights_follow_the_truncated_law():
    """clip "redraw" (the default): N(2, 1) truncated to [1, 3], no values piled up at the bounds."""
    weight = Distribution("normal", {"mean": 2.0, "std": 1.0}, clip_low=1.0, clip_high=3.0)
    assert weight.clip == "redraw"
    w = compiled_pairs(two_populations(Connectivity("all_to_all"), 200, 200, weight=weight))[2] \
        .synapses.weight.astype(np.float64)
    assert 1.0 <= w.min() and w.max() <= 3.0
    assert not np.any(w == 1.0) and not np.any(w == 3.0)
    assert np.mean(w < 1.05) == pytest.approx(0.0182, abs=0.004)  # P(1 < N < 1.05) / P(1 < N < 3) = 0.0124 / 0.6827
    std_truncated = 0.5376  # of N(0, 1) truncated to [-1, 1]
    assert w.std() == pytest.approx(std_truncated, rel=0.02)
    assert abs(w.mean() - 2.0) < 4 * std_truncated / math.sqrt(w.size)


def test_scaled_lognormal_gives_inhibitory_weights():
    law = {"mean": math.log(20.0), "sigma": 0.5}
    weight = Distribution("lognormal", law, scale=-5.0, clip_low=-400.0)
    w = compiled_pairs(two_populations(Connectivity("all_to_all"), 200, 200, weight=weight))[2] \
        .synapses.weight.astype(np.float64)
    assert w.max() < 0 and w.min() >= -400.0
    inside = Distribution("lognormal", law).law_cdf(80.0)  # -5 x L >= -400 <=> L <= 80
    expected_mean = -5.0 * 20.0 * math.exp(0.125) * 0.5 * (1 + math.erf((math.log(80.0 / 20.0) - 0.25) / (0.5 * math.sqrt(2)))) / inside
    assert w.mean() == pytest.approx(expected_mean, rel=0.01)
    assert weight.mean == pytest.approx(-5.0 * 20.0 * math.exp(0.125))
    assert weight.bounds() == (-400.0, 0.0)


@pytest.mark.parametrize("dist,mean,std", [
    (Distribution("uniform", {"low": -3.0, "high": -1.0}), -2.0, 2.0 / math.sqrt(12)),
    (Distribution("lognormal", {"mean": 0.5, "sigma": 0.4}), math.exp(0.5 + 0.08), math.sqrt((math.exp(0.16) - 1) * math.exp(1.16))),
    (Distribution("normal", {"mean": 30.0, "std": 5.0}), 30.0, 5.0),
])
def test_drawn_weight_means(dist, mean, std):
    net = two_populations(Connectivity("fixed_total_number", N=20000), weight=dist)
    w = compile_network(net).synapses.weight.astype(np.float64)
    low, high = dist.bounds()
    assert w.min() >= low and w.max() <= high
    assert abs(w.mean() - mean) < 4 * std / math.sqrt(w.size)
    assert w.std() == pytest.approx(std, rel=0.05)


def test_negative_weights_go_to_the_inhibitory_channel():
    weight = Distribution("uniform", {"low": -1.0, "high": 1.0})
    compiled = compile_network(two_populations(Connectivity("all_to_all"), 20, 20, weight=weight))
    n = compiled.n_neurons
    inhibitory = compiled.synapses.target >= n
    np.testing.assert_array_equal(inhibitory, compiled.synapses.weight < 0)


def test_drawn_delays_are_rounded_to_steps_within_the_clip_bounds():
    delay = Distribution("uniform", {"low": 0.5, "high": 2.0})
    compiled = compile_network(two_populations(Connectivity("all_to_all"), 200, 200, delay=delay))
    d = compiled.synapses.delay.astype(np.int64)
    assert d.min() == 5 and d.max() == 20  # 0.5 ms and 2.0 ms at dt = 0.1 ms
    assert abs(d.mean() - 12.5) < 4 * (15 / math.sqrt(12)) / math.sqrt(d.size)
    assert compiled.ring_len == 21

    clipped = Distribution("normal", {"mean": 1.0, "std": 1.0}, clip_low=0.3, clip_high=1.2)
    d = compile_network(two_populations(Connectivity("all_to_all"), 100, 100, delay=clipped)).synapses.delay
    assert d.min() == 3 and d.max() == 12


def test_delays_follow_dt():
    net = two_populations(Connectivity("one_to_one"), 5, 5, delay=1.5)
    assert set(compile_network(net, dt=0.1).synapses.delay) == {15}
    assert set(compile_network(net, dt=0.5).synapses.delay) == {3}
    assert set(compile_network(net, dt=0.01).synapses.delay) == {150}


@pytest.mark.parametrize("delay", [0.04, Distribution("uniform", {"low": 0.01, "high": 1.0})])
def test_delay_below_one_step_names_the_projection(delay):
    net = two_populations(Connectivity("all_to_all"), delay=delay, name="fast path")
    with pytest.raises(ValidationError, match=r"projection 'fast path': delay 0.0\d+ ms is below the time step dt = 0.1 ms"):
        compile_network(net)
    assert compile_network(net, dt=0.01).synapses.delay.min() >= 1  # fine at a finer step


def test_too_long_delay_is_refused():
    net = two_populations(Connectivity("one_to_one"), 5, 5, delay=5000.0)
    with pytest.raises(ValidationError, match=r"projection 'a→b': delay 5000 ms is longer than 3276.7 ms"):
        compile_network(net)


# -- seeds --------------------------------------------------------------------------------------------

def random_network(bernoulli_p=0.1) -> Network:
    weight = Distribution("normal", {"mean": 1.0, "std": 0.2})
    delay = Distribution("uniform", {"low": 0.5, "high": 3.0})
    return Network(
        populations=[Population("exc", "iaf_psc_exp", 80, initial={"V_m": Distribution("uniform", {"low": -70.0, "high": -55.0})}),
                     Population("inh", "iaf_psc_exp", 20),
                     Population("noise", "poisson_generator", 1)],
        projections=[
            Projection("exc", "exc", Connectivity("pairwise_bernoulli", p=bernoulli_p), weight=weight, delay=delay),
            Projection("exc", "inh", Connectivity("fixed_indegree", indegree=10), weight=weight, delay=delay),
            Projection("inh", "exc", Connectivity("fixed_outdegree", outdegree=15), weight=-5.0, delay=delay),
            Projection("inh", "inh", Connectivity("fixed_total_number", N=100), weight=-5.0),
            Projection("noise", "exc", weight=weight),
        ],
    )


def arrays_of(compiled) -> list[np.ndarray]:
    return [*compiled.synapses, compiled.synapse_projection, compiled.state.v, compiled.poisson.rng, compiled.poisson.weight]


def test_same_seed_gives_identical_arrays():
    first, second = compile_network(random_network(), seed=7), compile_network(random_network(), seed=7)
    for a, b in zip(arrays_of(first), arrays_of(second)):
        np.testing.assert_array_equal(a, b)


def test_different_seed_gives_different_synapses_and_initial_state():
    first, second = compile_network(random_network(), seed=7), compile_network(random_network(), seed=8)
    assert not np.array_equal(first.synapses.target, second.synapses.target) or \
        not np.array_equal(first.synapses.indptr, second.synapses.indptr)
    assert not np.array_equal(first.synapses.weight, second.synapses.weight)
    assert not np.array_equal(first.state.v, second.state.v)
    assert not np.array_equal(first.poisson.rng, second.poisson.rng)


def test_network_seed_is_the_default():
    net = random_network()
    from dataclasses import replace
    np.testing.assert_array_equal(compile_network(replace(net, seed=7)).synapses.target,
                                  compile_network(net, seed=7).synapses.target)


def test_initial_potential_is_drawn_within_its_bounds():
    v = compile_network(random_network()).state.v  # relative to E_L = -70 mV
    assert np.all((v[:80] >= 0.0) & (v[:80] <= 15.0)) and v[:80].std() > 3.0
    np.testing.assert_array_equal(v[80:100], 0.0)  # no initial given: starts at E_L


def test_editing_one_projection_leaves_the_others_synapses_alone():
    before = compile_network(random_network(bernoulli_p=0.1), seed=3)
    after = compile_network(random_network(bernoulli_p=0.3), seed=3)
    assert synapse_table(before, "exc→exc").shape != synapse_table(after, "exc→exc").shape
    for name in ("exc→inh", "inh→exc", "inh→inh"):
        np.testing.assert_array_equal(synapse_table(before, name), synapse_table(after, name))
    np.testing.assert_array_equal(before.poisson.weight, after.poisson.weight)
    np.testing.assert_array_equal(before.state.v, after.state.v)


def test_adding_and_removing_projections_leaves_the_others_synapses_alone():
    net = random_network()
    before = compile_network(net, seed=3)
    added = compile_network(net.with_projection(Projection("exc", "inh", Connectivity("all_to_all"), name="extra")), seed=3)
    removed = compile_network(net.without(projections=["exc→exc"]), seed=3)
    for name in ("exc→inh", "inh→exc", "inh→inh"):
        np.testing.assert_array_equal(synapse_table(before, name), synapse_table(added, name))
        np.testing.assert_array_equal(synapse_table(before, name), synapse_table(removed, name))


# -- capacity ------------------------------------------------------------------------------------------

def test_estimate_counts_the_expected_synapses():
    net = random_network()
    _, n_syn = estimate_memory(net, 0.1)
    assert n_syn == pytest.approx(0.1 * 80 * 80 + 10 * 20 + 15 * 20 + 100 + 80)


def test_too_large_network_raises_capacity_error_before_allocating():
    net = Network(name="cortex",
                  populations=[Population("exc", "iaf_psc_delta", 1_000_000)],
                  projections=[Projection("exc", "exc", Connectivity("all_to_all"))])
    tracemalloc.start()
    try:
        with pytest.raises(CapacityError, match=r"network 'cortex' is too large for this machine: about "
                                                r"1,000,000,000,000 synapses and 1,000,000 neurons need ~\d+\.\d GiB "
                                                r"to build, but only 0\.0 GiB may be used; reduce sizes"):
            compile_network(net, max_memory_bytes=2**20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2**20


def test_capacity_limit_applies_to_modest_networks_too():
    net = two_populations(Connectivity("all_to_all"), 1000, 1000)
    peak, n_syn = estimate_memory(net, 0.1)
    assert n_syn == 1e6
    with pytest.raises(CapacityError, match=r"about 1,000,000 synapses and 2,000 neurons"):
        compile_network(net, max_memory_bytes=peak - 1)
    assert compile_network(net, max_memory_bytes=peak).n_synapses == 1_000_000
