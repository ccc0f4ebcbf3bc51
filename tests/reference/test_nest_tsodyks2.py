"""tsodyks2_synapse against NEST 3.10: the current amplitude every presynaptic spike delivers
(jump of I_syn_ex of an iaf_psc_exp target) for regular and irregular trains relayed by a parrot
(NEST, like the engine, refuses a generator as its source), depressing and facilitating; and live
changes of U, tau_rec, tau_fac between two runs (NEST: SetStatus between two Simulate calls).
NEST is required: without it these fail."""
import numpy as np
import pytest

from engine import Network, Population, Projection, Recording, Simulator
from nest_helpers import import_nest

pytestmark = pytest.mark.reference

DT = 0.1
DELAY = 1.0
WEIGHT = 250.0
TAU_SYN = 0.5  # short: each jump stands out from the decayed rest of the previous one
TARGET = {"tau_syn_ex": TAU_SYN, "V_th": 1e4}  # a passive target: it never fires
DEPRESSING = {"U": 0.5, "tau_rec": 800.0, "tau_fac": 0.0}
FACILITATING = {"U": 0.05, "tau_rec": 100.0, "tau_fac": 1000.0}
BOTH = {"U": 0.25, "tau_rec": 200.0, "tau_fac": 150.0, "u": 0.6, "x": 0.8}  # initial u, x given


def regular(rate_hz: float, n: int = 25) -> list[float]:
    return [round(10.0 + k * 1000.0 / rate_hz, 1) for k in range(n)]


def irregular(seed: int = 11, n: int = 40) -> list[float]:
    """Poisson-like intervals (mean 25 ms, at least 2 ms), on the 0.1 ms grid."""
    gaps = 2.0 + np.random.default_rng(seed).exponential(23.0, n)
    return [round(float(t), 1) for t in 5.0 + np.cumsum(gaps)]


TRAINS = {"20Hz": regular(20.0), "50Hz": regular(50.0), "irregular": irregular()}


def jumps(trace: np.ndarray) -> np.ndarray:
    """I_syn_ex added in each step: I[k] - P11 I[k-1] (nonzero only in the arrival steps)."""
    previous = np.concatenate([[0.0], trace[:-1]])
    return trace - np.exp(-DT / TAU_SYN) * previous


def arrival_amplitudes(trace: np.ndarray, n_spikes: int) -> np.ndarray:
    added = jumps(trace)
    steps = np.flatnonzero(np.abs(added) > 1e-6 * WEIGHT)
    assert steps.size == n_spikes  # every spike arrived in a step of its own
    return added[steps]


def engine_network(times: list[float], params: dict) -> Network:
    return Network(name="tsodyks2", dt=DT, populations=[
        Population("train", "spike_generator", 1, params={"spike_times": times}),
        Population("parrot", "parrot_neuron", 1),
        Population("target", "iaf_psc_exp", 1, params=TARGET, record=Recording(traces=(0,), variables=("I_syn_ex",))),
    ], projections=[
        Projection("train", "parrot", delay=DELAY),
        Projection("parrot", "target", weight=WEIGHT, delay=DELAY, synapse="tsodyks2_synapse", synapse_params=params,
                   name="stp"),
    ])


def engine_amplitudes(times, params, t_sim, live_change=None, n_arrivals=None) -> np.ndarray:
    sim = Simulator(engine_network(times, params))
    if live_change is not None:
        t_change, field, value = live_change
        sim.run(t_change)
        sim.set_param("stp", field, value)
    sim.run(t_sim - sim.t)
    return arrival_amplitudes(next(iter(sim.traces()[1].values())), n_arrivals or len(times))


def nest_amplitudes(times, params, t_sim, live_change=None, n_arrivals=None) -> np.ndarray:
    nest = import_nest()
    nest.ResetKernel()
    nest.resolution = DT
    train = nest.Create("spike_generator", params={"spike_times": times})
    target = nest.Create("iaf_psc_exp", params=TARGET)
    source = nest.Create("parrot_neuron")
    nest.Connect(train, source, syn_spec={"delay": DELAY})
    spec = {"synapse_model": "tsodyks2_synapse", "weight": WEIGHT, "delay": DELAY, "u": params["U"], **params}
    nest.Connect(source, target, syn_spec=spec)
    meter = nest.Create("multimeter", params={"record_from": ["I_syn_ex"], "interval": DT})
    nest.Connect(meter, target)
    if live_change is not None:
        t_change, field, value = live_change
        nest.Simulate(t_change)
        nest.GetConnections(source, target).set({field: value})
        nest.Simulate(t_sim - t_change)
    else:
        nest.Simulate(t_sim)
    events = meter.get("events")
    order = np.argsort(events["times"])
    return arrival_amplitudes(np.asarray(events["I_syn_ex"])[order], n_arrivals or len(times))


@pytest.mark.parametrize("train", sorted(TRAINS))
@pytest.mark.parametrize("params", [DEPRESSING, FACILITATING, BOTH], ids=["depressing", "facilitating", "both"])
def test_amplitudes_equal_nest(train, params):
    times = TRAINS[train]
    t_sim = times[-1] + 10.0
    ours = engine_amplitudes(times, params, t_sim)
    theirs = nest_amplitudes(times, params, t_sim)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=0.0)
    changed = ours[1:] / ours[0]  # the synapse really is dynamic: later spikes carry other amplitudes
    if params is DEPRESSING:
        assert changed.min() < 0.5
    elif params is FACILITATING:
        assert changed.max() > 2.0


@pytest.mark.parametrize("field,value", [("U", 0.9), ("tau_rec", 20.0), ("tau_fac", 0.0)])
def test_live_change_takes_effect_from_the_next_spike_as_in_nest(field, value):
    times = regular(20.0, 12)
    t_sim = times[-1] + 10.0
    t_change = 183.0  # between the parrot spikes at 161 and 211 ms (arriving at 162 and 212 ms)
    ours = engine_amplitudes(times, FACILITATING, t_sim, live_change=(t_change, field, value))
    theirs = nest_amplitudes(times, FACILITATING, t_sim, live_change=(t_change, field, value))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=0.0)
    unchanged = engine_amplitudes(times, FACILITATING, t_sim)
    arrived_before = sum(t + 2 * DELAY <= t_change for t in times)
    assert arrived_before == 4
    np.testing.assert_array_equal(ours[:arrived_before], unchanged[:arrived_before])
    assert abs(ours[arrived_before] - unchanged[arrived_before]) > 1e-3 * unchanged[arrived_before]


def test_a_parrots_repeated_spikes_in_one_step_each_update_u_and_x_as_in_nest():
    # NEST's parrot sends them as one event with multiplicity, which the spike exchange delivers as
    # separate spikes: each one updates u and x with h = 0
    times = [10.0, 10.0, 30.0, 30.0, 30.0, 55.0, 80.0]
    ours = engine_amplitudes(times, FACILITATING, 90.0, n_arrivals=4)
    theirs = nest_amplitudes(times, FACILITATING, 90.0, n_arrivals=4)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=0.0)
    one_each = engine_amplitudes([10.0, 30.0, 55.0, 80.0], FACILITATING, 90.0)
    assert ours[0] > 2 * one_each[0]  # facilitated within the step: 0.05 + 0.0975 * 0.95 of the weight
    assert ours[0] == pytest.approx(WEIGHT * (0.05 + 0.0975 * 0.95), rel=1e-12)
