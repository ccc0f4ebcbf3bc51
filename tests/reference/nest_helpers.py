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


def _nest_value(value):
    """A constant or an engine Distribution as a NEST parameter (clipping with nest.math.min/max)."""
    from engine import Distribution

    if not isinstance(value, Distribution):
        return float(value)
    nest = import_nest()
    p = value.params
    if value.kind == "normal":
        param = nest.random.normal(mean=p["mean"], std=p["std"])
    elif value.kind == "uniform":
        param = nest.random.uniform(min=p["low"], max=p["high"])
    else:
        param = nest.random.lognormal(mean=p["mean"], std=p["sigma"])
    if value.clip_low is not None:
        param = nest.math.max(param, value.clip_low)
    if value.clip_high is not None:
        param = nest.math.min(param, value.clip_high)
    return param


def _nest_conn_spec(rule) -> dict:
    spec = {"rule": rule.rule, "allow_autapses": rule.allow_autapses, "allow_multapses": rule.allow_multapses}
    for name in ("p", "indegree", "outdegree", "N"):
        if getattr(rule, name) is not None:
            spec[name] = getattr(rule, name)
    return spec


def nest_network(network, t_sim: float, seed: int, dt: float | None = None, threads: int = 1):
    """Build our `Network` in NEST (same populations, rules, weights, delays, devices and
    initial V_m, all drawn by NEST's own generators), simulate t_sim ms and return
    {population: (neuron index within the population, spike time in ms)} for every
    non-device population, time-ordered."""
    nest = import_nest()
    nest.ResetKernel()
    nest.resolution = network.dt if dt is None else dt
    nest.local_num_threads = threads
    nest.rng_seed = seed
    nodes, recorders = {}, {}
    for pop in network.populations:
        params = {k: v for k, v in pop.params.items() if not (k == "stop" and v is None)}
        if pop.model == "spike_generator":
            trains = params.pop("spike_times")
            per_neuron = [trains[i] if len(trains) > 1 and i < len(trains) else (trains[0] if len(trains) == 1 else [])
                          for i in range(pop.size)]
            nodes[pop.name] = nest.Create("spike_generator", pop.size, params=[{**params, "spike_times": t}
                                                                                for t in per_neuron])
            continue
        nodes[pop.name] = nest.Create(pop.model, pop.size, params=params)
        if "V_m" in pop.initial:
            nodes[pop.name].V_m = _nest_value(pop.initial["V_m"])
        elif "E_L" in pop.params:
            nodes[pop.name].V_m = pop.params["E_L"]
        if not pop.is_device:
            recorders[pop.name] = nest.Create("spike_recorder")
            nest.Connect(nodes[pop.name], recorders[pop.name])
    for proj in network.projections:
        syn = {"synapse_model": proj.synapse, "weight": _nest_value(proj.weight), "delay": _nest_value(proj.delay)}
        nest.Connect(nodes[proj.pre], nodes[proj.post], _nest_conn_spec(proj.rule), syn)
    nest.Simulate(t_sim)
    out = {}
    for name, recorder in recorders.items():
        events = recorder.get("events")
        senders = np.asarray(events["senders"]) - nodes[name][0].global_id
        times = np.asarray(events["times"])
        order = np.lexsort((senders, times))
        out[name] = (senders[order], times[order])
    return out
