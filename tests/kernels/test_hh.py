"""engine/kernels/hh.py through the Simulator: what a user of hh_psc_alpha sees."""
import numpy as np

from engine import Network, Population, Projection, Recording, Simulator, TraceRequest
from engine.kernels.hh import gating_rates
from engine.compile.builders import HH_INITIAL_STATE


def run(populations, projections=(), t_sim=300.0) -> Simulator:
    sim = Simulator(Network(name="hh", populations=populations, projections=projections))
    sim.run(t_sim)
    return sim


def trace(sim: Simulator, variable: str, population: str = "hh") -> tuple[np.ndarray, np.ndarray]:
    times, traces = sim.traces()
    return times, traces[TraceRequest(population, 0, variable)]


def test_gates_start_at_rest_at_minus_65_mV_from_the_kernels_rate_functions():
    alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n = gating_rates(-65.0)
    assert HH_INITIAL_STATE == {"V_m": -65.0, "Act_m": alpha_m / (alpha_m + beta_m),
                                "Inact_h": alpha_h / (alpha_h + beta_h), "Act_n": alpha_n / (alpha_n + beta_n)}


def test_without_input_the_neuron_rests_near_minus_65_mV_and_stays_silent():
    sim = run([Population("hh", "hh_psc_alpha", 1, record=Recording(traces=(0,), variables=("V_m", "Act_m")))])
    _, v = trace(sim, "V_m")
    _, m = trace(sim, "Act_m")
    assert sim.spikes("hh")[1].size == 0
    assert np.max(np.abs(v + 65.0)) < 0.1
    assert np.max(np.abs(m - HH_INITIAL_STATE["Act_m"])) < 1e-3


def test_t_ref_blocks_spike_detection_but_not_the_membrane():
    # 1500 pA fires every 12.7 ms (t_ref = 2 ms, NEST's default); t_ref = 20 ms hides every other one
    free = run([Population("hh", "hh_psc_alpha", 1, params={"I_e": 1500.0})])
    blocked = run([Population("hh", "hh_psc_alpha", 1, params={"I_e": 1500.0, "t_ref": 20.0},
                              record=Recording(traces=(0,)))])
    free_isi = np.diff(free.spikes("hh")[1])
    blocked_isi = np.diff(blocked.spikes("hh")[1])
    assert 10.0 < np.median(free_isi) < 15.0
    assert np.min(blocked_isi) > 20.0 and abs(np.median(blocked_isi) - 2 * np.median(free_isi)) < 1.0
    times, v = trace(blocked, "V_m")
    peaks = np.sum((v[1:-1] > 0.0) & (v[1:-1] >= v[:-2]) & (v[1:-1] > v[2:]))
    assert peaks >= 2 * blocked.spikes("hh")[1].size - 1  # V was not reset: the hidden spikes happened


def test_a_spike_of_weight_w_gives_an_alpha_current_peaking_at_w_after_tau_syn():
    sim = run([
        Population("hh", "hh_psc_alpha", 1, params={"tau_syn_ex": 1.0, "tau_syn_in": 3.0},
                   record=Recording(traces=(0,), variables=("I_syn_ex", "I_syn_in"))),
        Population("exc", "spike_generator", 1, params={"spike_times": [10.0]}),
        Population("inh", "spike_generator", 1, params={"spike_times": [20.0]}),
    ], [Projection("exc", "hh", weight=100.0, delay=1.0), Projection("inh", "hh", weight=-50.0, delay=1.0)],
        t_sim=60.0)
    times, i_ex = trace(sim, "I_syn_ex")
    _, i_in = trace(sim, "I_syn_in")
    # arrival at spike time + delay, peak tau_syn later (NEST's normalisation: weight 1 -> 1 pA)
    assert abs(np.max(i_ex) - 100.0) < 0.1 and abs(times[np.argmax(i_ex)] - 12.0) < 0.15
    assert abs(np.min(i_in) + 50.0) < 0.05 and abs(times[np.argmin(i_in)] - 24.0) < 0.15
    assert np.all(i_in <= 0.0) and np.all(i_ex >= 0.0)
