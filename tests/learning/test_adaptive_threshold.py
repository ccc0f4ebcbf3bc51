"""iaf_psc_exp_adaptive: the threshold rises by theta_plus at each spike and decays with tau_theta;
with theta_plus = 0 it is iaf_psc_exp exactly."""
import math

import numpy as np
import pytest

from engine import Network, Population, Simulator

DRIVE = {"I_e": 500.0, "tau_m": 10.0, "V_th": -55.0, "E_L": -70.0, "V_reset": -70.0, "t_ref": 2.0}


def spike_times(model, **params):
    net = Network(populations=(Population("n", model, 1, params={**DRIVE, **params}),), dt=0.1)
    sim = Simulator(net)
    sim.run(500.0)
    return sim.spikes("n")[1], sim


def test_without_growth_it_spikes_exactly_as_iaf_psc_exp():
    plain, _ = spike_times("iaf_psc_exp")
    adaptive, _ = spike_times("iaf_psc_exp_adaptive", theta_plus=0.0)
    assert plain.size > 20 and np.array_equal(plain, adaptive)


def test_each_spike_raises_the_threshold_so_intervals_lengthen():
    times, sim = spike_times("iaf_psc_exp_adaptive", theta_plus=1.0, tau_theta=1e9)
    intervals = np.diff(times)
    assert np.all(np.diff(intervals) >= -1e-9) and intervals[-1] > 1.5 * intervals[0]
    theta = sim.compiled.state.theta[0]
    assert theta == pytest.approx(times.size * 1.0, rel=1e-6)  # no decay to speak of: one theta_plus per spike


def test_the_threshold_decays_with_tau_theta_between_spikes():
    net = Network(populations=(Population("n", "iaf_psc_exp_adaptive", 1,
                                          params={**DRIVE, "theta_plus": 2.0, "tau_theta": 100.0}),), dt=0.1)
    sim = Simulator(net)
    sim.run(20.0)
    fired = sim.spikes("n")[1]
    assert fired.size >= 1
    theta_then = sim.compiled.state.theta[0]
    sim.set_param("n", "I_e", 0.0)
    sim.run(200.0)
    assert sim.compiled.state.theta[0] == pytest.approx(theta_then * math.exp(-200.0 / 100.0), rel=1e-9)
