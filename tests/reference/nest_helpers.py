"""Running the same small network in NEST, for reference tests and benchmarks."""
from __future__ import annotations

import os
from typing import NamedTuple

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


def _nest_syn_spec(network, proj) -> dict:
    """static_synapse, or stdp_synapse with NEST's names (nearest pairing: stdp_nn_symm_synapse;
    learning off: lambda = 0; tau_minus is set on the target neurons by nest_network). Weight and
    delay are the projection's own values (connect_listed or _nest_value turns them into NEST's)."""
    spec = {"synapse_model": proj.synapse, "delay": proj.delay}
    if network.population(proj.post).model != "parrot_neuron":  # parrots ignore weights
        spec["weight"] = proj.weight
    if proj.synapse == "stdp_synapse":
        params = dict(proj.synapse_params)
        if params.pop("pairing", "all_to_all") == "nearest":
            spec["synapse_model"] = "stdp_nn_symm_synapse"
        if not params.pop("learning", 1.0):
            params["lambda"] = 0.0
        params.pop("tau_minus", None)
        spec.update(params)
    elif proj.synapse != "static_synapse":
        raise NotImplementedError(f"nest_network: projection '{proj.name}': synapse {proj.synapse} is not mapped to NEST")
    return spec


def _tau_minus(network, population: str) -> dict:
    """NEST keeps stdp's tau_minus on the post neuron: that of the plastic projections into it."""
    for proj in network.projections:
        if proj.post == population and proj.synapse == "stdp_synapse":
            return {"tau_minus": proj.synapse_params["tau_minus"]}
    return {}


def connect_listed(nest, pre_nodes, post_nodes, proj, spec: dict, rng: np.random.Generator) -> None:
    """An explicit projection exactly: synapse k joins neuron pre_indices[k] to post_indices[k]
    (NEST's array connection, one to one over the node ids; repeated pairs are multapses), weight
    and delay one value per synapse: listed, constant, or drawn with numpy (NEST's array
    connection takes no nest.random parameters)."""
    from engine.compile.connect import draw

    rule = proj.rule
    pre = np.asarray(pre_nodes.tolist(), np.int64)[np.asarray(rule.pre_indices, np.int64)]
    post = np.asarray(post_nodes.tolist(), np.int64)[np.asarray(rule.post_indices, np.int64)]
    if pre.size == 0:
        return
    spec = dict(spec)
    for key in ("weight", "delay"):
        if key in spec:
            spec[key] = draw(spec[key], pre.size, rng)
    nest.Connect(pre, post, {"rule": "one_to_one"}, spec)


def _nest_conn_spec(rule) -> dict:
    spec = {"rule": rule.rule, "allow_autapses": rule.allow_autapses, "allow_multapses": rule.allow_multapses}
    for name in ("p", "indegree", "outdegree", "N"):
        if getattr(rule, name) is not None:
            spec[name] = getattr(rule, name)
    return spec


class NestRun(NamedTuple):
    """What `nest_network` recorded: spikes of every neuron population, traces of recorded neurons."""

    spikes: dict[str, tuple[np.ndarray, np.ndarray]]  # population -> (neuron index, time in ms), time-ordered
    traces: dict[tuple[str, int, str], tuple[np.ndarray, np.ndarray]]  # (population, neuron, variable) -> (times, values)


def nest_network(network, t_sim: float, seed: int = 1, dt: float | None = None, threads: int = 1) -> NestRun:
    """Build our `Network` in NEST and simulate it for t_sim ms.

    Same populations and parameters (NEST's names), the same connection rules with their
    autapse/multapse flags, weights and delays (constants or distributions, clipped with
    nest.math.min/max), devices and initial state; random numbers are NEST's own, seeded
    with `seed`. Explicit projections get exactly their listed synapses (connect_listed);
    stdp_synapse maps to NEST's stdp_synapse / stdp_nn_symm_synapse with tau_minus on the
    target neurons. Spikes are recorded from every neuron population, traces (multimeter,
    every step) from the neurons and variables in each population's Recording.
    """
    nest = import_nest()
    nest.ResetKernel()
    nest.resolution = network.dt if dt is None else dt
    nest.local_num_threads = threads
    nest.rng_seed = seed
    nodes, recorders, meters = {}, {}, {}
    for pop in network.populations:
        params = {k: v for k, v in pop.params.items() if not (k == "stop" and v is None)}
        if pop.model == "spike_generator":
            trains = params.pop("spike_times")
            per_neuron = [trains[i] if i < len(trains) else [] for i in range(pop.size)] if len(trains) > 1 \
                else [trains[0] if trains else []] * pop.size
            nodes[pop.name] = nest.Create("spike_generator", pop.size,
                                          params=[{**params, "spike_times": t} for t in per_neuron])
            continue
        nodes[pop.name] = nest.Create(pop.model, pop.size, params={**params, **_tau_minus(network, pop.name)})
        model = pop.model_class
        if "V_m" in model.state_defaults:
            # as the engine: V_m starts at E_L unless the population says otherwise
            initial = {"V_m": pop.params.get("E_L", model.state_defaults["V_m"]), **pop.initial}
            for variable, value in initial.items():
                setattr(nodes[pop.name], variable, _nest_value(value))
        if pop.is_device:
            continue
        recorders[pop.name] = nest.Create("spike_recorder")
        nest.Connect(nodes[pop.name], recorders[pop.name])
        for i in pop.record.traces:
            meter = nest.Create("multimeter", params={"record_from": list(pop.record.variables),
                                                      "interval": nest.resolution})
            nest.Connect(meter, nodes[pop.name][i])
            meters[(pop.name, i)] = meter
    rng = np.random.default_rng(seed)  # drawn values of listed (explicit) synapses
    for proj in network.projections:
        syn = _nest_syn_spec(network, proj)
        if proj.rule.rule == "explicit":
            connect_listed(nest, nodes[proj.pre], nodes[proj.post], proj, syn, rng)
            continue
        syn.update({key: _nest_value(syn[key]) for key in ("weight", "delay") if key in syn})
        nest.Connect(nodes[proj.pre], nodes[proj.post], _nest_conn_spec(proj.rule), syn)
    nest.Simulate(t_sim)
    spikes = {}
    for name, recorder in recorders.items():
        events = recorder.get("events")
        senders = np.asarray(events["senders"]) - nodes[name][0].global_id
        times = np.asarray(events["times"])
        order = np.lexsort((senders, times))
        spikes[name] = (senders[order], times[order])
    traces = {}
    for (name, i), meter in meters.items():
        events = meter.get("events")
        order = np.argsort(events["times"], kind="stable")
        for variable in network.population(name).record.variables:
            traces[(name, i, variable)] = (np.asarray(events["times"])[order], np.asarray(events[variable])[order])
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
