"""Statistics of circuits rather than of one population: two populations against each other,
a plastic projection's weights, and the response to a repeated input pattern. Plain functions
of arrays, as engine.analysis (whose Window they take); the lesson conditions use them.

    contrast(a, b)     = (r_a - r_b) / (r_a + r_b)            mean rates r over the window; -1..1
    alternation(a, b)  = -corr(c_a, c_b)                       c: population spike counts in bins of
                                                               `bin_ms`; 1 = perfect antiphase, 0 = unrelated
    bimodality         = (g^2 + 1) / (k + 3 (n-1)^2 / ((n-2)(n-3)))
                         Sarle's bimodality coefficient (SAS Institute 1990; Pfister et al. 2013,
                         Front. Psychol. 4:700) of the weights, g the sample skewness, k the sample
                         excess kurtosis: 5/9 for a uniform distribution, 1/3 for a normal one,
                         towards 1 for two separate peaks; above 5/9 suggests two modes
    pattern latency    = mean over the pattern's onsets in the window of the time from the onset
                         to the population's first spike within the pattern (`pattern_ms`);
                         a presentation without a spike counts as pattern_ms
"""
from __future__ import annotations

import math

import numpy as np

from engine.analysis import Window, rates_per_neuron

ALTERNATION_BIN_MS = 20.0


def contrast(a: Window, b: Window) -> float:
    """(r_a - r_b) / (r_a + r_b) of the two windows' mean rates; NaN when both are silent."""
    rate_a, rate_b = float(rates_per_neuron(a).mean()), float(rates_per_neuron(b).mean())
    total = rate_a + rate_b
    return (rate_a - rate_b) / total if total > 0 else math.nan


def binned_counts(w: Window, bin_ms: float) -> np.ndarray:
    """Spikes of the whole population in consecutive bins (t_start + k bin, t_start + (k+1) bin]."""
    bin_steps = max(1, int(round(bin_ms / w.dt)))
    n_bins = int(round((w.t_stop - w.t_start) / w.dt)) // bin_steps
    steps = np.rint((w.times - w.t_start) / w.dt).astype(np.int64)
    bins = (steps - 1) // bin_steps
    return np.bincount(bins[(bins >= 0) & (bins < n_bins)], minlength=n_bins)[:n_bins].astype(float)


def alternation(a: Window, b: Window, bin_ms: float = ALTERNATION_BIN_MS) -> float:
    """Minus the Pearson correlation of the two populations' binned spike counts; NaN when either
    is constant (silent, say) or there are fewer than 3 bins."""
    counts_a, counts_b = binned_counts(a, bin_ms), binned_counts(b, bin_ms)
    if counts_a.size < 3 or counts_a.std() == 0 or counts_b.std() == 0:
        return math.nan
    return -float(np.corrcoef(counts_a, counts_b)[0, 1])


def bimodality_coefficient(values, counts=None) -> float:
    """Sarle's coefficient of `values` (each counted `counts` times, e.g. histogram bin centres);
    NaN for fewer than 4 values or when they are all equal."""
    values = np.asarray(values, float)
    weights = np.ones_like(values) if counts is None else np.asarray(counts, float)
    n = float(weights.sum())
    if n < 4:
        return math.nan
    mean = float((weights * values).sum() / n)
    deviation = values - mean
    m2, m3, m4 = ((weights * deviation ** p).sum() / n for p in (2, 3, 4))
    if m2 <= 1e-12 * max(1.0, mean * mean):
        return math.nan
    # sample (bias-corrected) skewness and excess kurtosis, as SAS and scipy.stats(bias=False)
    skew = math.sqrt(n * (n - 1)) / (n - 2) * m3 / m2 ** 1.5
    kurtosis = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * m4 / m2 ** 2 - 3 * (n - 1))
    return float((skew ** 2 + 1) / (kurtosis + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))))


def histogram_bimodality(counts, edges) -> float:
    """Sarle's coefficient of a weight histogram (the app's live summary): bin centres, counted."""
    edges = np.asarray(edges, float)
    return bimodality_coefficient((edges[:-1] + edges[1:]) / 2, counts)


def pattern_latencies(w: Window, onsets_ms, pattern_ms: float) -> np.ndarray:
    """Per presentation whose whole pattern lies in the window: ms from its onset to the first
    spike of any neuron within the pattern, pattern_ms when there is none."""
    onsets = np.asarray(onsets_ms, float)
    onsets = onsets[(onsets >= w.t_start) & (onsets + pattern_ms <= w.t_stop + w.dt / 2)]
    times = np.sort(w.times)
    first = np.searchsorted(times, onsets + w.dt / 2)  # a spike at the onset itself came before it
    latency = np.full(onsets.size, float(pattern_ms))
    found = first < times.size
    gap = times[first[found]] - onsets[found]
    latency[np.flatnonzero(found)[gap < pattern_ms]] = gap[gap < pattern_ms]
    return latency


def pattern_latency(w: Window, onsets_ms, pattern_ms: float) -> float:
    """Mean of pattern_latencies; NaN when no whole presentation lies in the window."""
    latencies = pattern_latencies(w, onsets_ms, pattern_ms)
    return float(latencies.mean()) if latencies.size else math.nan
