"""tsodyks2_synapse in the step kernel: per-synapse u and x follow NEST's send() (transcribed
below as the reference), on any target model and connection rule; reset, split runs, live
changes; a parrot target still relays every spike."""
import numpy as np
import pytest

from engine import Connectivity, Network, Population, Projection, Recording, Simulator, TraceRequest, ValidationError

FACILITATING = {"U": 0.1, "tau_rec": 150.0, "tau_fac": 600.0}
TRAINS = [[5.0, 12.5, 20.0, 21.3, 40.0, 95.5, 101.0], [7.0, 9.0, 11.0, 13.0, 15.0, 80.0]]  # one per source neuron


def nest_send(times, U, tau_rec, tau_fac, u=None, x=1.0):
    """NEST 3.10 tsodyks2_synapse::send for each spike: the weight factor u x sent, and (u, x) after."""
    u = U if u is None else u
    factors, last = [], None
    for t in times:
        if last is not None:
            h = t - last
            x = 1.0 + (x - x * u - 1.0) * np.exp(-h / tau_rec)
            u = U + u * (1.0 - U) * (0.0 if tau_fac == 0 else np.exp(-h / tau_fac))
        factors.append(x * u)
        last = t
    return np.array(factors), (u, x)


def relayed(trains, target_model="iaf_psc_exp", target_size=1, rule=None, weight=100.0, params=FACILITATING,
            target_params=None, variables=("V_m",)) -> Network:
    """Generator -> parrots (1 ms) -> tsodyks2 -> target (1 ms)."""
    return Network(name="stp", populations=[
        Population("train", "spike_generator", len(trains), params={"spike_times": trains}),
        Population("parrot", "parrot_neuron", len(trains)),
        Population("target", target_model, target_size, params=target_params or {},
                   record=Recording(traces=(0,), variables=variables)),
    ], projections=[
        Projection("train", "parrot", Connectivity("one_to_one"), delay=1.0),
        Projection("parrot", "target", rule or Connectivity(), weight=weight, delay=1.0, synapse="tsodyks2_synapse",
                   synapse_params=params, name="stp"),
    ])


def static_equivalent(net: Network, amplitudes: list[float], arrivals: list[float]) -> Network:
    """The same target driven through static synapses by one generator neuron per spike, each with
    the amplitude the short-term synapse should have sent."""
    shifted = [[round(t - 1.0, 4)] for t in arrivals]
    return Network(name="static", populations=[
        Population("train", "spike_generator", len(shifted), params={"spike_times": shifted}),
        net.population("target"),
    ], projections=[Projection("train", "target", Connectivity("explicit", pre_indices=tuple(range(len(shifted))),
                                                                 post_indices=(0,) * len(shifted)),
                               weight=tuple(amplitudes), delay=1.0)])


def recorded(net, t_sim, variable="V_m"):
    sim = Simulator(net)
    sim.run(t_sim)
    return sim.traces()[1][TraceRequest("target", 0, variable)]


@pytest.mark.parametrize("model,variable,weight", [
    ("iaf_psc_delta", "V_m", 4.0), ("iaf_psc_exp", "I_syn_ex", 300.0), ("iaf_psc_alpha", "I_syn_ex", 300.0),
    ("iaf_cond_exp", "g_ex", 8.0), ("iaf_cond_alpha", "g_ex", 8.0), ("izhikevich", "V_m", 6.0),
    ("aeif_cond_exp", "g_ex", 8.0)])
def test_every_target_model_receives_weight_times_u_x(model, variable, weight):
    train = TRAINS[0]
    factors, _ = nest_send([t + 1.0 for t in train], **FACILITATING)
    net = relayed([train], model, weight=weight, variables=(variable,))
    ours = recorded(net, 120.0, variable)
    expected = recorded(static_equivalent(net, list(weight * factors), [t + 2.0 for t in train]), 120.0, variable)
    assert np.ptp(expected) > 0
    np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-6 * np.ptp(expected))  # static weights: float32


@pytest.mark.parametrize("rule", [Connectivity(), Connectivity("pairwise_bernoulli", p=0.6),
                                  Connectivity("fixed_indegree", indegree=3), Connectivity("fixed_total_number", N=7)],
                         ids=lambda r: r.rule)
def test_each_synapse_keeps_its_own_u_and_x_under_any_rule(rule):
    sim = Simulator(relayed(TRAINS, target_size=10, rule=rule))
    sim.run(150.0)
    pre, post, _ = sim.projection_synapses("stp")
    stp = sim.compiled.short_term
    for source, train in enumerate(TRAINS):
        _, (u, x) = nest_send([t + 1.0 for t in train], **FACILITATING)
        mine = pre == source
        np.testing.assert_allclose(stp.u[mine], u, rtol=1e-12)
        np.testing.assert_allclose(stp.x[mine], x, rtol=1e-12)
    assert pre.size > 0 and set(np.unique(pre)) == {0, 1}


def test_initial_u_and_x_and_an_inhibitory_weight():
    params = {"U": 0.3, "tau_rec": 50.0, "tau_fac": 0.0, "u": 0.7, "x": 0.6}
    train = TRAINS[0]
    net = relayed([train], weight=-200.0, params=params, variables=("I_syn_in",))
    factors, _ = nest_send([t + 1.0 for t in train], **params)
    assert factors[0] == pytest.approx(0.7 * 0.6)  # the first spike is sent with the initial u and x
    expected = recorded(static_equivalent(net, list(-200.0 * factors), [t + 2.0 for t in train]), 120.0, "I_syn_in")
    np.testing.assert_allclose(recorded(net, 120.0, "I_syn_in"), expected, rtol=1e-6, atol=1e-6 * np.ptp(expected))


def test_split_runs_equal_one_run_and_reset_repeats_it():
    whole = Simulator(relayed(TRAINS, target_size=3))
    whole.run(150.0)
    split = Simulator(relayed(TRAINS, target_size=3))
    split.run(21.0)  # between spikes of a burst
    split.run(129.0)
    np.testing.assert_array_equal(split.traces()[1][TraceRequest("target", 0)], whole.traces()[1][TraceRequest("target", 0)])
    split.reset()
    split.run(150.0)
    np.testing.assert_array_equal(split.traces()[1][TraceRequest("target", 0)], whole.traces()[1][TraceRequest("target", 0)])


def test_live_U_acts_from_the_next_spike_and_survives_a_reset():
    train = TRAINS[0]
    sim = Simulator(relayed([train], variables=("I_syn_ex",), target_params={"tau_syn_ex": 0.5}))
    sim.run(30.0)  # the parrot spiked at 6, 13.5, 21, 22.3 ms
    sim.set_param("stp", "U", 0.8)
    sim.set_param("stp", "tau_rec", 40.0)
    sim.run(90.0)
    assert sim.network.projection("stp").synapse_params["U"] == 0.8
    parrot_times = [t + 1.0 for t in train]
    before, (u, x) = nest_send(parrot_times[:4], **FACILITATING)
    after, _ = nest_send(parrot_times[3:], 0.8, 40.0, FACILITATING["tau_fac"], u=u, x=x)
    current = sim.traces()[1][TraceRequest("target", 0, "I_syn_ex")]
    added = current - np.exp(-0.1 / 0.5) * np.concatenate([[0.0], current[:-1]])
    arrivals = np.flatnonzero(added > 1e-6)
    np.testing.assert_allclose(added[arrivals], 100.0 * np.concatenate([before, after[1:]]), rtol=1e-9)
    unchanged, _ = nest_send(parrot_times, **FACILITATING)
    assert abs(after[1] - unchanged[4]) > 0.1 * unchanged[4]  # the change is visible at the next spike
    sim.reset()
    stp = sim.compiled.short_term
    assert (stp.u[0], stp.x[0], stp.t_last[0]) == (FACILITATING["U"], 1.0, -1.0)  # state back to its start
    assert stp.params[0, 0] == 0.8  # the live U stays, as the network says


def test_live_weight_change_scales_the_next_amplitudes():
    sim = Simulator(relayed([TRAINS[0]], variables=("I_syn_ex",)))
    sim.run(30.0)
    sim.set_param("stp", "weight", 50.0)
    np.testing.assert_array_equal(sim.projection_weights("stp"), [50.0])
    with pytest.raises(ValidationError, match="parameter 'U' must be <= 1"):
        sim.set_param("stp", "U", 3.0)
    assert sim.network.projection("stp").synapse_params["U"] == FACILITATING["U"]


def test_a_parrot_target_relays_every_spike_whatever_u_x():
    net = relayed(TRAINS, target_model="parrot_neuron", target_size=2, variables=(),
                  params={"U": 0.01, "tau_rec": 800.0, "tau_fac": 0.0})
    sim = Simulator(net)
    sim.run(150.0)
    _, times = sim.spikes("target")
    assert times.size == 2 * sum(len(t) for t in TRAINS)  # u x = 0.01 would round to no spike


def test_several_threads_are_refused_with_the_reason():
    with pytest.raises(ValidationError, match="short-term plasticity synapses run on one thread only"):
        Simulator(relayed(TRAINS), threads=2)
