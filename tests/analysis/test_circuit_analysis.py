"""engine.circuit_analysis on spike trains and weights whose answer is known."""
import math

import numpy as np
import pytest
from scipy import stats

from engine.analysis import window
from engine.circuit_analysis import (
    alternation, bimodality_coefficient, contrast, histogram_bimodality, pattern_latencies, pattern_latency,
)

DT = 0.1


def train(times, size: int = 1, neuron: int = 0):
    times = np.round(np.asarray(times, float), 1)
    return np.full(times.size, neuron), times


def bursts(start: float, period: float, stop: float = 2000.0, burst_ms: float = None, every_ms: float = 5.0):
    """One neuron firing every `every_ms` during the first half (or burst_ms) of each period."""
    burst_ms = period / 2 if burst_ms is None else burst_ms
    onsets = np.arange(start, stop, period)
    return np.concatenate([np.arange(t, min(t + burst_ms, stop), every_ms) for t in onsets]) + DT


def test_contrast_of_rates():
    a = window(*train(np.arange(10.0, 1000.0, 10.0)), 1, 0.0, 1000.0, DT)  # 99 spikes: 99 Hz
    b = window(*train(np.arange(33.0, 1000.0, 33.0)), 1, 0.0, 1000.0, DT)  # 30 spikes: 30 Hz
    assert contrast(a, b) == pytest.approx((99 - 30) / (99 + 30))
    assert contrast(b, a) == pytest.approx(-(99 - 30) / (99 + 30))
    silent = window(*train([]), 1, 0.0, 1000.0, DT)
    assert contrast(a, silent) == 1.0 and math.isnan(contrast(silent, silent))


def test_alternation_tells_antiphase_from_in_phase_and_unrelated_trains():
    left = window(*train(bursts(0.0, 200.0)), 1, 0.0, 2000.0, DT)
    antiphase = window(*train(bursts(100.0, 200.0)), 1, 0.0, 2000.0, DT)
    in_phase = window(*train(bursts(0.0, 200.0)), 1, 0.0, 2000.0, DT)
    rng = np.random.default_rng(1)
    unrelated = window(*train(np.sort(rng.uniform(0.1, 2000.0, 200))), 1, 0.0, 2000.0, DT)
    assert alternation(left, antiphase) > 0.95
    assert alternation(left, in_phase) < -0.95
    assert abs(alternation(left, unrelated)) < 0.3
    assert math.isnan(alternation(left, window(*train([]), 1, 0.0, 2000.0, DT)))  # a silent side: undefined


def test_bimodality_coefficient_matches_scipy_and_its_known_values():
    rng = np.random.default_rng(2)
    for values in (rng.uniform(0, 1, 5000), rng.normal(0, 1, 5000), np.r_[rng.normal(0, .1, 500), rng.normal(1, .1, 500)]):
        n, g, k = values.size, stats.skew(values, bias=False), stats.kurtosis(values, bias=False)
        expected = (g ** 2 + 1) / (k + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
        assert bimodality_coefficient(values) == pytest.approx(expected, rel=1e-9)
    assert bimodality_coefficient(rng.uniform(0, 1, 20000)) == pytest.approx(5 / 9, abs=0.01)
    assert bimodality_coefficient(rng.normal(0, 1, 20000)) == pytest.approx(1 / 3, abs=0.02)
    assert bimodality_coefficient(np.r_[np.zeros(500), np.ones(500)]) == pytest.approx(1.0, abs=0.01)
    assert math.isnan(bimodality_coefficient(np.full(100, 3.0))) and math.isnan(bimodality_coefficient([1, 2]))
    # the app's histogram summary: bin centres counted
    counts, edges = np.histogram(np.r_[np.zeros(300), np.full(300, 100.0)], bins=20, range=(0, 100))
    assert histogram_bimodality(counts, edges) > 0.95


def test_pattern_latency_counts_misses_as_the_whole_pattern():
    onsets = [100.0, 400.0, 700.0, 1000.0]
    # 5 ms after the first onset, 12 ms after the second, nothing in the third, a spike at the fourth's
    # onset itself does not count (it came with it, not after), then one 3 ms later
    spikes = [105.0, 412.0, 650.0, 1000.0, 1003.0]
    w = window(*train(spikes), 1, 0.0, 1100.0, DT)
    assert pattern_latencies(w, onsets, 50.0) == pytest.approx([5.0, 12.0, 50.0, 3.0])
    assert pattern_latency(w, onsets, 50.0) == pytest.approx(17.5)
    # only presentations wholly inside the window count
    assert pattern_latencies(window(*train(spikes), 1, 380.0, 760.0, DT), onsets, 50.0) == pytest.approx([12.0, 50.0])
    assert math.isnan(pattern_latency(window(*train(spikes), 1, 120.0, 390.0, DT), onsets, 50.0))
