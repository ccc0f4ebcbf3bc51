"""Results code shared by the exported scripts (PyNEST, PyNN, Brian2).

Everything below the marker line is copied verbatim into every generated script, so
the scripts write exactly what `snn-designer run` writes: spikes.csv with the header
`population,neuron,time_ms` (neuron = index within its population, from 0; only the
populations that record spikes; population by population, each in time order) and
summary.json (per population size, n_spikes, rate_hz, cv_isi, plus timings).
It needs only numpy and the standard library. Being a module, it is also tested here.
"""
import json
import os

import numpy as np

# ---- copied into the scripts from here on ----
# ---------------------------------------------------------------------------------------
# Results: the same files as `snn-designer run` writes (spikes.csv and summary.json).


def cv_isi(neuron, times, size):
    """Mean over neurons with >= 3 spikes of CV = std(ISI) / mean(ISI) of that neuron's
    intervals (population std, ddof=0); None if no neuron has 3 spikes."""
    neuron, times = np.asarray(neuron, np.int64), np.asarray(times, np.float64)
    if neuron.size < 3:
        return None
    order = np.lexsort((times, neuron))
    neuron, times = neuron[order], times[order]
    same = neuron[1:] == neuron[:-1]
    isi, owner = np.diff(times)[same], neuron[1:][same]
    n_isi = np.bincount(owner, minlength=size)
    enough = n_isi >= 2
    if not enough.any():
        return None
    mean = np.zeros(size)
    mean[enough] = np.bincount(owner, weights=isi, minlength=size)[enough] / n_isi[enough]
    keep = enough[owner]
    squared = np.bincount(owner[keep], weights=(isi[keep] - mean[owner[keep]]) ** 2, minlength=size)
    std = np.sqrt(squared[enough] / n_isi[enough])
    mean = mean[enough]
    usable = mean > 0  # parrots can repeat a spike within one step: all-zero intervals have no CV
    return float(np.mean(std[usable] / mean[usable])) if usable.any() else None


def _csv_field(text):
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def spikes_csv_text(spikes):
    """spikes: [(population, neuron array, time array)] -> CSV text, each population in time order."""
    lines = ["population,neuron,time_ms"]
    for name, neuron, times in spikes:
        neuron, times = np.asarray(neuron, np.int64), np.asarray(times, np.float64)
        order = np.lexsort((neuron, times))
        label = _csv_field(name)
        lines.extend(f"{label},{n},{t!r}" for n, t in zip(neuron[order].tolist(),
                                                          np.round(times[order], 9).tolist()))
    return "\n".join(lines) + "\n"


def _write_atomic(path, text):
    """Write via a temporary file and rename, so a crash never leaves half a file."""
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, path)


def write_results(out_dir, populations, spikes, t_sim_ms, info):
    """Write spikes.csv and summary.json into out_dir.

    populations: [(name, model, size, recorded)] of the neuron populations, in network order;
    spikes: {name: (neuron index array, time array in ms)} for each of them;
    info: further summary fields (network, seed, build_s, sim_s, ...)."""
    os.makedirs(out_dir, exist_ok=True)
    summary = dict(info)
    summary["t_sim_ms"] = t_sim_ms
    summary["n_neurons"] = sum(size for _, _, size, _ in populations)
    sim_s = summary.get("sim_s")
    summary["bio_s_per_wall_s"] = (t_sim_ms * 1e-3) / sim_s if sim_s else None
    summary["populations"] = {}
    recorded_spikes = []
    for name, model, size, recorded in populations:
        neuron, times = spikes[name]
        if recorded:
            recorded_spikes.append((name, neuron, times))
        summary["populations"][name] = {
            "model": model,
            "size": size,
            "recorded": recorded,
            "n_spikes": int(len(neuron)),
            "rate_hz": len(neuron) / size / (t_sim_ms * 1e-3) if t_sim_ms > 0 else 0.0,
            "cv_isi": cv_isi(neuron, times, size),
        }
    _write_atomic(os.path.join(out_dir, "spikes.csv"), spikes_csv_text(recorded_spikes))
    _write_atomic(os.path.join(out_dir, "summary.json"), json.dumps(summary, indent=1, allow_nan=False) + "\n")
    print(f"{summary['network']}: simulated {t_sim_ms:g} ms in {summary['sim_s']:.2f} s "
          f"(built in {summary['build_s']:.2f} s)")
    for name, pop in summary["populations"].items():
        cv = "-" if pop["cv_isi"] is None else f"{pop['cv_isi']:.2f}"
        print(f"  {name}: {pop['size']} neurons, {pop['n_spikes']} spikes, {pop['rate_hz']:.2f} Hz, CV ISI {cv}")
    print(f"wrote {os.path.join(out_dir, 'spikes.csv')} and {os.path.join(out_dir, 'summary.json')}")
    return summary
