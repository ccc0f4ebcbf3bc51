"""Running the same small network in NEST, for the reference tests."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np

os.environ.setdefault("PYNEST_QUIET", "1")

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from nest_build import build, import_nest  # noqa: E402,F401  (one engine -> PyNEST mapping: the export plan)


def nest_single_neuron(model: str, params: dict, inputs: list[tuple[list[float], float, float]],
                       t_sim: float, dt: float = 0.1, dc: tuple[float, float, float | None] | None = None,
                       v_init: float | None = None):
    """One NEST neuron driven by spike trains [(times, weight, delay)] and optionally a
    dc_generator (amplitude, start, stop). Returns (trace times, V_m, spike times)."""
    nest = import_nest()
    nest.ResetKernel()
    nest.resolution = dt
    nest.local_num_threads = 1
    neuron = nest.Create(model, params=params)
    if v_init is not None:
        neuron.V_m = v_init
    for times, weight, delay in inputs:
        gen = nest.Create("spike_generator", params={"spike_times": times})
        nest.Connect(gen, neuron, syn_spec={"weight": weight, "delay": delay})
    if dc is not None:
        amplitude, start, stop = dc
        spec = {"amplitude": amplitude, "start": start}
        if stop is not None:
            spec["stop"] = stop
        gen = nest.Create("dc_generator", params=spec)
        nest.Connect(gen, neuron)
    meter = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": dt})
    nest.Connect(meter, neuron)
    recorder = nest.Create("spike_recorder")
    nest.Connect(neuron, recorder)
    nest.Simulate(t_sim)
    events = meter.get("events")
    order = np.argsort(events["times"])
    return (np.asarray(events["times"])[order], np.asarray(events["V_m"])[order],
            np.sort(np.asarray(recorder.get("events")["times"])))


class NestRun(NamedTuple):
    """What `nest_network` recorded: spikes of every neuron population, traces of recorded neurons."""

    spikes: dict[str, tuple[np.ndarray, np.ndarray]]  # population -> (neuron index, time in ms), time-ordered
    traces: dict[tuple[str, int, str], tuple[np.ndarray, np.ndarray]]  # (population, neuron, variable) -> (times, values)


def nest_network(network, t_sim: float, seed: int = 1, dt: float | None = None, threads: int = 1) -> NestRun:
    """Build our `Network` in NEST with benchmarks/nest_build.build (the one engine -> PyNEST
    mapping) and simulate it for t_sim ms. Spikes are recorded from every neuron population
    (also those whose Recording leaves spikes off), traces from the recorded neurons."""
    nest = import_nest()
    built = build(nest, network, dt=dt, seed=seed, threads=threads)
    nodes, recorders = built["nodes"], dict(built["spike_recorders"])
    for pop in network.populations:
        if not pop.is_device and pop.name not in recorders:
            recorders[pop.name] = nest.Create("spike_recorder")
            nest.Connect(nodes[pop.name], recorders[pop.name])
    nest.Simulate(t_sim)
    spikes = {}
    for name, recorder in recorders.items():
        events = recorder.get("events")
        senders = np.asarray(events["senders"]) - nodes[name][0].global_id
        times = np.asarray(events["times"])
        order = np.lexsort((senders, times))
        spikes[name] = (senders[order], times[order])
    traces = {}
    for name, meter in built["multimeters"].items():
        events = meter.get("events")
        senders = np.asarray(events["senders"]) - nodes[name][0].global_id
        times = np.asarray(events["times"])
        for i in network.population(name).record.traces:
            mine = senders == i
            order = np.argsort(times[mine], kind="stable")
            for variable in network.population(name).record.variables:
                traces[(name, i, variable)] = (times[mine][order], np.asarray(events[variable])[mine][order])
    return NestRun(spikes, traces)


def rate_and_cv(neurons: np.ndarray, times: np.ndarray, size: int, t_start: float, t_stop: float) -> tuple[float, float]:
    """Mean firing rate (Hz per neuron) in [t_start, t_stop) and the mean CV of the
    inter-spike intervals over neurons with at least 3 spikes there."""
    keep = (times >= t_start) & (times < t_stop)
    neurons, times = neurons[keep], times[keep]
    rate = times.size / size / ((t_stop - t_start) * 1e-3)
    order = np.lexsort((times, neurons))
    neurons, times = neurons[order], times[order]
    isi = np.diff(times)
    same = neurons[1:] == neurons[:-1]
    cvs = []
    for i in np.unique(neurons):
        intervals = isi[same & (neurons[1:] == i)]
        if intervals.size >= 2:
            cvs.append(intervals.std() / intervals.mean())
    return float(rate), float(np.mean(cvs)) if cvs else float("nan")
