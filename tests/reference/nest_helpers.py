"""Running the same small network in NEST, for reference tests and benchmarks."""
from __future__ import annotations

import os

import numpy as np

os.environ.setdefault("PYNEST_QUIET", "1")


def import_nest():
    import nest

    nest.verbosity = nest.VerbosityLevel.ERROR
    return nest


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
