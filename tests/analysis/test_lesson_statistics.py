"""The statistics the lessons add: chi synchrony (Golomb 2007), the steady rate of a regular train
from its ISIs, and the analytic LIF f-I curve (against the engine; tests/reference/test_nest_lesson_fi.py: NEST)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engine import Network, Population, Recording, Simulator, analysis

LIF = {"E_L": -70.0, "C_m": 250.0, "tau_m": 10.0, "t_ref": 2.0, "V_th": -55.0, "V_reset": -70.0}


def chi(neurons, times, size, t_stop=1000.0):
    order = np.argsort(times, kind="stable")
    return analysis.chi_synchrony(analysis.window(np.asarray(neurons)[order], np.asarray(times)[order], size, 0.0,
                                                  t_stop, 0.1))


def test_chi_is_one_for_locked_trains_and_near_one_over_n_for_independent_ones():
    volleys = np.arange(10.0, 1000.0, 25.0)
    assert chi(np.tile(np.arange(50), volleys.size), np.repeat(volleys, 50), 50) == pytest.approx(1.0)
    rng = np.random.default_rng(5)
    times = np.round(rng.uniform(0.1, 1000.0, 50 * 40), 1)
    independent = chi(rng.integers(0, 50, times.size), times, 50)
    assert 0.5 / 50 < independent < 2.0 / 50
    # two halves locked to volleys in antiphase: each half synchronous, the whole less so
    half = np.arange(25)
    neurons = np.concatenate([np.tile(half, volleys.size), np.tile(half + 25, volleys.size)])
    times = np.concatenate([np.repeat(volleys, 25), np.repeat(volleys + 12.5, 25)])
    assert 0.3 < chi(neurons, times, 50) < 0.7


def test_chi_is_not_defined_without_spikes_or_bins():
    assert math.isnan(chi([], [], 10))
    assert math.isnan(analysis.chi_synchrony(analysis.window([0], [0.5], 1, 0.0, 1.0, 0.1)))


def test_steady_rate_from_the_intervals_after_the_transient():
    train = np.concatenate([[3.0, 9.0], np.arange(20.0, 1000.0, 30.0)])  # two early spikes, then 33.3 Hz
    assert analysis.steady_rate(train, settle_ms=15.0) == pytest.approx(1000.0 / 30.0)
    assert math.isnan(analysis.steady_rate([5.0, 10.0]))


def test_lif_rate_is_zero_below_the_rheobase_and_rises_above():
    assert analysis.lif_rate(375.0, **LIF) == 0.0  # I_rh = 15 mV x 250 pF / 10 ms
    assert analysis.lif_rate(400.0, **LIF) == pytest.approx(1000.0 / (2.0 + 10.0 * math.log(16.0 / 1.0)))
    assert analysis.lif_rate(1e7, **LIF) == pytest.approx(500.0, rel=1e-3)  # the refractory ceiling 1 / t_ref


def simulated_rates(currents) -> list[float]:
    populations = tuple(Population(f"n{i}", "iaf_psc_alpha", 1, params={**LIF, "I_e": current},
                                   record=Recording(spikes=True)) for i, current in enumerate(currents))
    sim = Simulator(Network(name="fI", populations=populations))
    sim.run(1000.0)
    return [analysis.steady_rate(sim.spikes(f"n{i}")[1], settle_ms=50.0) for i in range(len(currents))]


CURRENTS = (380.0, 400.0, 500.0, 700.0, 1000.0)


def test_engine_lif_rates_are_within_2_percent_of_the_analytic_curve():
    for current, rate in zip(CURRENTS, simulated_rates(CURRENTS)):
        assert rate == pytest.approx(analysis.lif_rate(current, **LIF), rel=0.02), f"{current} pA"

