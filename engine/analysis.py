"""Spike-train statistics of one population in a time window, as plain functions of arrays.

Inputs are what a Simulator (or the designer's recording, or a spikes.csv) gives per
population: `neurons` (index within the population) and `times` (ms), with spike times on
the time grid (a spike in step s has time (s + 1) dt). A window is (t_start, t_stop]: a spike
at t_start belongs to the window before. Definitions follow Elephant (Denker et al.,
elephant.statistics and elephant.spike_train_synchrony), computed for all neurons of a
population at once; tests/analysis checks each against Elephant on the same spike trains:

    rate_i      = n_i / (t_stop - t_start)                 elephant.statistics.mean_firing_rate
    ISIs of i   = differences of i's successive spike times elephant.statistics.isi
    CV_i        = std(ISI_i) / mean(ISI_i) (ddof = 0),     elephant.statistics.cv, for neurons with >= 2 ISIs
    FF_i        = var(c_ik) / mean(c_ik) over bins k of    elephant.statistics.fanofactor, for neurons that fired
                  `count_bin_ms` (c_ik: spikes of i in bin k)
    synchrony   = spike contrast (Ciba et al. 2018)         elephant.spike_train_synchrony.spike_contrast
                  of at most `max_synchrony_trains` neurons, evenly sampled

Why not call Elephant here: it takes one neo.SpikeTrain per neuron (12,500 in brunel) and
loops over them in Python; its spike contrast alone took 200 ms for 112 trains of a 2 s
window of ei_network, which the live panel recomputes twice a second. These array versions
give the same numbers (tests/analysis) in a few ms.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from engine.errors import ValidationError

HISTOGRAM_BINS = 30
COUNT_BIN_MS = 50.0  # spike-count bins of the Fano factor
MAX_SYNCHRONY_TRAINS = 100  # spike contrast bins every spike ~40 times: a sample bounds its cost (~10 ms)
SPIKE_CONTRAST_MIN_BIN_MS = 10.0  # Elephant's default smallest bin


class Window(NamedTuple):
    """The spikes of one population in (t_start, t_stop]."""

    neurons: np.ndarray  # int64, index within the population (0 <= neuron < size)
    times: np.ndarray  # float64, ms
    size: int  # neurons in the population (silent ones count: their rate is 0)
    t_start: float
    t_stop: float
    dt: float  # the time grid (ms) the spike times lie on


class PopulationStatistics(NamedTuple):
    size: int
    n_spikes: int
    rates: np.ndarray  # Hz per neuron (size,)
    isis: np.ndarray  # ms, every ISI of every neuron
    cv: np.ndarray  # per neuron, NaN for neurons with fewer than 2 ISIs
    fano: np.ndarray  # per neuron, NaN for neurons without spikes (or with fewer than 2 count bins)
    synchrony: float  # spike contrast in [0, 1]; NaN when it is not defined (fewer than 2 trains or spikes)
    synchrony_trains: int  # neurons the synchrony was computed from

    @property
    def mean_rate(self) -> float:
        return float(self.rates.mean()) if self.size else math.nan

    @property
    def mean_cv(self) -> float:
        return _nanmean(self.cv)

    @property
    def mean_fano(self) -> float:
        return _nanmean(self.fano)


def _nanmean(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else math.nan


def window(neurons, times, size: int, t_start: float, t_stop: float, dt: float) -> Window:
    """The spikes in (t_start, t_stop] of neurons 0..size-1, ordered by neuron and then time.

    Times are rounded to 9 decimals, as the spikes.csv export writes them: statistics of the
    app's spikes and of its exported file agree to the last bit (spike contrast's bin edges
    may fall on spike times, where 1e-13 ms decides the bin). They are compared with the
    window's ends with half a step of slack, so the grid decides which spikes are in."""
    if not (dt > 0 and math.isfinite(t_start) and math.isfinite(t_stop)):
        raise ValidationError(f"analysis window: needs finite t_start, t_stop and dt > 0, got {t_start}, {t_stop}, {dt}")
    if t_stop < t_start:
        raise ValidationError(f"analysis window: t_stop ({t_stop} ms) is before t_start ({t_start} ms)")
    neurons = np.asarray(neurons, np.int64)
    times = np.round(np.asarray(times, np.float64), 9)
    keep = (times > t_start + dt / 2) & (times <= t_stop + dt / 2) & (neurons >= 0) & (neurons < size)
    neurons, times = neurons[keep], times[keep]
    # recorded spikes come in time order: a stable (radix) sort by neuron keeps it, 5x faster than lexsort
    in_time_order = times.size < 2 or bool(np.all(times[1:] >= times[:-1]))
    order = np.argsort(neurons, kind="stable") if in_time_order else np.lexsort((times, neurons))
    return Window(neurons[order], times[order], int(size), float(t_start), float(t_stop), float(dt))


def rates_per_neuron(w: Window) -> np.ndarray:
    """Spikes per second of each neuron in the window (0 for a silent one)."""
    duration_s = (w.t_stop - w.t_start) / 1000.0
    counts = np.bincount(w.neurons, minlength=w.size)[: w.size]
    return counts / duration_s if duration_s > 0 else np.full(w.size, np.nan)


def interspike_intervals(w: Window) -> tuple[np.ndarray, np.ndarray]:
    """(neuron, ISI ms) of every pair of successive spikes of the same neuron."""
    same_neuron = w.neurons[1:] == w.neurons[:-1]
    return w.neurons[1:][same_neuron], np.diff(w.times)[same_neuron]


def cv_per_neuron(isi_neurons: np.ndarray, isis: np.ndarray, size: int) -> np.ndarray:
    """Coefficient of variation of each neuron's ISIs; NaN with fewer than 2 ISIs."""
    n = np.bincount(isi_neurons, minlength=size)[:size].astype(float)
    total = np.bincount(isi_neurons, weights=isis, minlength=size)[:size]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
        deviation = isis - mean[isi_neurons]
        variance = np.bincount(isi_neurons, weights=deviation * deviation, minlength=size)[:size] / n
        cv = np.sqrt(variance) / mean
    cv[n < 2] = np.nan
    return cv


def fano_per_neuron(w: Window, count_bin_ms: float = COUNT_BIN_MS) -> np.ndarray:
    """Fano factor of each neuron's spike counts in consecutive bins (t_start + k b, t_start + (k+1) b];
    the part of the window after the last whole bin is left out. NaN for a neuron without spikes."""
    bin_steps = max(1, int(round(count_bin_ms / w.dt)))
    n_bins = int(round((w.t_stop - w.t_start) / w.dt)) // bin_steps
    if n_bins < 2:
        return np.full(w.size, np.nan)
    steps = np.rint((w.times - w.t_start) / w.dt).astype(np.int64)  # 1 .. window steps
    bins = (steps - 1) // bin_steps
    inside = bins < n_bins
    counts = np.bincount(w.neurons[inside] * n_bins + bins[inside], minlength=w.size * n_bins)
    counts = counts[: w.size * n_bins].reshape(w.size, n_bins).astype(float)
    mean = counts.mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        fano = counts.var(axis=1) / mean
    fano[mean == 0] = np.nan
    return fano


def synchrony_sample(size: int, max_trains: int = MAX_SYNCHRONY_TRAINS) -> np.ndarray:
    """The neurons the synchrony is computed from: every k-th, at most max_trains."""
    stride = max(1, -(-size // max(1, max_trains)))
    return np.arange(0, size, stride)


def spike_contrast(w: Window, neurons: np.ndarray, min_bin_ms: float = SPIKE_CONTRAST_MIN_BIN_MS,
                   bin_shrink_factor: float = 0.9) -> float:
    """Spike contrast (Ciba et al. 2018, J. Neurosci. Methods 311:57) of the given neurons' trains
    in the window, as elephant.spike_train_synchrony.spike_contrast defines it, for all trains
    at once: for bin sizes from half the window down to max(min ISI / 2, min_bin_ms), each
    shrunk by `bin_shrink_factor`, with half-overlapping bins, theta = spikes per bin and
    n = trains with a spike in it, synchrony(bin) = sum|diff theta| / (2 spikes) x
    (sum(n theta) / sum(theta) - 1) / (trains - 1); the result is its maximum over bin sizes.
    NaN when not defined (fewer than two trains, or no train with two spikes)."""
    chosen = np.zeros(w.size, bool)
    chosen[neurons] = True
    inside = chosen[w.neurons]
    ids, times = w.neurons[inside], w.times[inside]  # by neuron, then time
    same_train = ids[1:] == ids[:-1]
    if len(neurons) < 2 or not same_train.any():
        return math.nan
    isi_min = float(np.diff(times)[same_train].min())
    bin_size, bin_min = (w.t_stop - w.t_start) / 2, max(isi_min / 2, min_bin_ms)
    best = -math.inf
    while bin_size >= bin_min:
        best = max(best, _spike_contrast_at(ids, times, len(neurons), w.t_start - isi_min, w.t_stop + isi_min, bin_size))
        bin_size *= bin_shrink_factor
    return best


def _spike_contrast_at(ids: np.ndarray, times: np.ndarray, n_trains: int, start: float, stop: float,
                       bin_size: float) -> float:
    """One bin size's contrast x active trains. Half bins are numpy.histogram's ([a, b), the last
    closed); a bin is two successive half bins."""
    edges = np.arange(start, stop + bin_size / 2, bin_size / 2)
    n_half = len(edges) - 1
    # the half bin by arithmetic, then corrected by comparing with the edges themselves (as numpy does)
    half = np.clip(((times - start) / (bin_size / 2)).astype(np.int64), 0, n_half - 1)
    half -= times < edges[half]
    half += (times >= edges[np.minimum(half + 1, n_half)]) & (half + 1 < n_half)
    half[times > edges[-1]] = n_half  # outside: dropped (the last edge itself belongs to the last bin)
    keep = (half >= 0) & (half < n_half)
    ids, half = ids[keep], half[keep]
    per_half = np.bincount(half, minlength=n_half)
    theta = per_half[:-1] + per_half[1:]
    # trains with a spike in half bin j (a_j), and in both j and j + 1 (b_j): per bin a_j + a_j+1 - b_j
    code = ids * n_half + half  # nondecreasing: spikes are by neuron, then time
    first = np.ones(code.size, bool)
    first[1:] = code[1:] != code[:-1]
    code, half = code[first], half[first]
    trains_in_half = np.bincount(half, minlength=n_half)
    followed = code[1:] == code[:-1] + 1  # the same train in half bin j and j + 1 (j + 1 < n_half)
    in_both = np.bincount(half[:-1][followed], minlength=n_half)[: n_half - 1]
    active = trains_in_half[:-1] + trains_in_half[1:] - in_both
    active_trains = (np.sum(active * theta) / np.sum(theta) - 1) / (n_trains - 1)
    contrast = np.sum(np.abs(np.diff(theta))) / (2 * times.size)
    return float(contrast * active_trains)


def population_statistics(w: Window, count_bin_ms: float = COUNT_BIN_MS,
                          max_synchrony_trains: int = MAX_SYNCHRONY_TRAINS) -> PopulationStatistics:
    isi_neurons, isis = interspike_intervals(w)
    sample = synchrony_sample(w.size, max_synchrony_trains)
    return PopulationStatistics(
        size=w.size, n_spikes=int(w.times.size), rates=rates_per_neuron(w), isis=isis,
        cv=cv_per_neuron(isi_neurons, isis, w.size), fano=fano_per_neuron(w, count_bin_ms),
        synchrony=spike_contrast(w, sample), synchrony_trains=int(sample.size))


def neuron_spike_times(w: Window, neuron: int) -> np.ndarray:
    """One neuron's spike times (ms) in the window."""
    return w.times[np.searchsorted(w.neurons, neuron, "left"):np.searchsorted(w.neurons, neuron, "right")]


def rate_over_time(spike_times, t_start: float, t_stop: float, dt: float, bin_ms: float) -> tuple[np.ndarray, np.ndarray]:
    """(bin start ms, Hz) of one spike train in whole bins (t_start + k b, t_start + (k+1) b]."""
    bin_steps = max(1, int(round(bin_ms / dt)))
    n_bins = int(round((t_stop - t_start) / dt)) // bin_steps
    steps = np.rint((np.asarray(spike_times, float) - t_start) / dt).astype(np.int64)
    bins = (steps - 1) // bin_steps
    counts = np.bincount(bins[(bins >= 0) & (bins < n_bins)], minlength=n_bins)[:n_bins]
    width_ms = bin_steps * dt
    return t_start + np.arange(n_bins) * width_ms, counts / (width_ms / 1000.0)


def histogram_edges(values, bins: int = HISTOGRAM_BINS, low: float = 0.0, grid: float = 0.0) -> np.ndarray:
    """`bins` equal bins from `low` to a round number above the largest value (by at least
    `grid`, the spacing of values on a grid, so the largest is inside the last bin)."""
    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    high = float(values.max()) if values.size else 0.0
    return low + np.linspace(0.0, _round_up(max(high + grid - low, 1e-9)), bins + 1)


def _round_up(span: float) -> float:
    """1, 2, 2.5 or 5 times a power of ten, at least `span`."""
    power = 10.0 ** math.floor(math.log10(span))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= span * (1 - 1e-12))


def histogram(values, edges: np.ndarray, grid: float = 0.0) -> np.ndarray:
    """Counts of values in [edges[k], edges[k+1]). Values on a `grid` (ISIs: multiples of dt) are
    counted in grid steps, so a value on an edge (11.5 ms, or 11.499999999 after rounding)
    always falls in the bin it starts; without a grid the last bin is closed (numpy.histogram)."""
    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    if grid > 0:
        return np.histogram(np.rint(values / grid), bins=np.asarray(edges, float) / grid - 0.5)[0]
    return np.histogram(values, bins=edges)[0]


CHI_BIN_MS = 2.0  # bins of the spike counts of the chi synchrony: a few ms, below a fast oscillation's period


def chi_synchrony(w: Window, bin_ms: float = CHI_BIN_MS) -> float:
    """Synchrony chi^2 of Golomb (2007, Scholarpedia 2:1347) on spike counts instead of voltages:
    with c_ik the spikes of neuron i in bin k of `bin_ms` and A_k = mean_i c_ik,

        chi^2 = Var_k(A_k) / mean_i Var_k(c_ik)

    1 when all neurons fire in the same bins, about 1/size for independent neurons. NaN with
    fewer than two bins or no spike."""
    bin_steps = max(1, int(round(bin_ms / w.dt)))
    n_bins = int(round((w.t_stop - w.t_start) / w.dt)) // bin_steps
    if n_bins < 2 or w.size == 0 or w.times.size == 0:
        return math.nan
    bins = (np.rint((w.times - w.t_start) / w.dt).astype(np.int64) - 1) // bin_steps
    inside = bins < n_bins
    counts = np.bincount(w.neurons[inside] * n_bins + bins[inside], minlength=w.size * n_bins)
    counts = counts[: w.size * n_bins].reshape(w.size, n_bins).astype(float)
    single = counts.var(axis=1).mean()
    return float(counts.mean(axis=0).var() / single) if single > 0 else math.nan


def steady_rate(spike_times, settle_ms: float = 0.0) -> float:
    """Hz of a regular train from its interspike intervals: 1000 / mean ISI of the spikes after
    the first `settle_ms` (the transient after a change). Counting spikes in a window errs by up
    to one spike; the ISIs of a train on a 0.1 ms grid give the rate to a fraction of a percent.
    NaN with fewer than 3 spikes left."""
    times = np.asarray(spike_times, float)
    times = times[times >= times[0] + settle_ms] if times.size else times
    return 1000.0 / float(np.diff(times).mean()) if times.size >= 3 else math.nan


def lif_rate(current: float, C_m: float, tau_m: float, t_ref: float, V_th: float, E_L: float,
             V_reset: float) -> float:
    """Hz of a leaky integrate-and-fire neuron under a constant current (pA), analytic: V climbs
    from V_reset towards V_inf = E_L + I tau_m / C_m and reaches V_th after
    T = tau_m ln((V_inf - V_reset) / (V_inf - V_th)); the rate is 1 / (t_ref + T), 0 while
    V_inf <= V_th (below the rheobase I_rh = (V_th - E_L) C_m / tau_m)."""
    v_inf = E_L + current * tau_m / C_m
    if v_inf <= V_th:
        return 0.0
    return 1000.0 / (t_ref + tau_m * math.log((v_inf - V_reset) / (v_inf - V_th)))
