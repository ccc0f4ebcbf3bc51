"""Elephant's statistics of spike trains given as arrays (a spikes.csv read back): the reference
engine.analysis and the analysis panel are checked against (tests/analysis, tests/designer, tests/e2e)."""
from __future__ import annotations

import neo
import numpy as np
import quantities as pq
from elephant import statistics as elephant_statistics
from elephant.spike_train_synchrony import spike_contrast

from engine import analysis


def elephant_trains(neurons, times, size, t_start, t_stop, dt) -> list[neo.SpikeTrain]:
    """One neo.SpikeTrain per neuron with its spikes in (t_start, t_stop] (times on the dt grid)."""
    neurons, times = np.asarray(neurons), np.asarray(times, float)
    inside = (times > t_start + dt / 2) & (times <= t_stop + dt / 2)
    return [neo.SpikeTrain(np.sort(np.minimum(times[inside & (neurons == i)], t_stop)), units="ms",
                           t_start=t_start, t_stop=t_stop) for i in range(size)]


def elephant_statistics_of(trains, t_start, t_stop, dt, count_bin_ms=analysis.COUNT_BIN_MS) -> dict:
    """Per neuron: rate (Hz), ISIs, CV (NaN below 2 ISIs), Fano factor of counts in bins
    (t_start + k b, t_start + (k+1) b] (NaN for a silent neuron); and the spike contrast of the
    neurons engine.analysis samples for it."""
    isis = [elephant_statistics.isi(st).magnitude for st in trains]
    # the count bins' spike trains, cut by Elephant at half steps so that no spike lies on a cut
    n_bins = int(round((t_stop - t_start) / dt)) // int(round(count_bin_ms / dt))  # whole bins only
    edges = t_start + dt / 2 + count_bin_ms * np.arange(n_bins + 1)
    fano = [elephant_statistics.fanofactor([st.time_slice(a * pq.ms, b * pq.ms) for a, b in zip(edges[:-1], edges[1:])])
            if len(st) else np.nan for st in trains]
    sample = analysis.synchrony_sample(len(trains))
    return {
        "rates": np.array([float(elephant_statistics.mean_firing_rate(st).rescale("Hz")) for st in trains]),
        "isis": isis,
        "cv": np.array([elephant_statistics.cv(i) if len(i) >= 2 else np.nan for i in isis]),
        "fano": np.array(fano),
        "synchrony": float(spike_contrast([trains[i] for i in sample], min_bin=analysis.SPIKE_CONTRAST_MIN_BIN_MS * pq.ms)),
    }
