"""The same network in NEST 3.10: the one place that maps an engine `Network` to PyNEST calls.

Faithful by construction, because the engine follows NEST's names: every model and
parameter name is NEST's, so populations are `nest.Create(model, size, params)`;
connection rules and their indegree/outdegree/p/N and autapse/multapse flags go into
`conn_spec` unchanged; weights and delays (constants or distributions, clipped with
nest.math.min/max) into `syn_spec` (stdp_synapse parameters mapped to NEST's); initial
state as a number or nest.random.* (V_m = E_L when the file gives none, as the engine
does; NEST's own default would be -70 mV);
devices keep their parameters (rate, amplitude, start, stop, ...) and their time lists,
rounded to the grid as the engine does. Spikes are recorded from the
populations with record.spikes and V_m traces from the recorded neurons, as the engine
does, so both simulators do the same work.

Explicit projections (listed synapses) are connected exactly: NEST's array connection, one
to one over the listed node ids (repeated pairs are multapses), with per-synapse weights as
arrays (drawn weights or delays of a listed projection are drawn with numpy, seeded with
`seed`, since NEST's array connection takes no nest.random parameters).

Not identical, by nature: the random draws (NEST's own RNG), so connectivity, initial
potentials and Poisson trains are statistically equal, not bit-equal.
"""
from __future__ import annotations

import os

os.environ.setdefault("PYNEST_QUIET", "1")

import numpy as np  # noqa: E402

from engine.compile import initial_state_spec  # noqa: E402
from engine.compile.connect import draw  # noqa: E402
from engine.model.network import Connectivity, Distribution, Network  # noqa: E402


def import_nest():
    import nest

    nest.verbosity = nest.VerbosityLevel.ERROR
    return nest


def nest_value(nest, value):
    """A constant as float, a Distribution as a nest.random parameter (clipped like the engine)."""
    if not isinstance(value, Distribution):
        return float(value)
    p = value.params
    if value.kind == "normal":
        param = nest.random.normal(mean=p["mean"], std=p["std"])
    elif value.kind == "uniform":
        param = nest.random.uniform(min=p["low"], max=p["high"])
    else:
        param = nest.random.lognormal(mean=p["mean"], std=p["sigma"])
    if value.clip_high is not None:
        param = nest.math.min(param, value.clip_high)
    if value.clip_low is not None:
        param = nest.math.max(param, value.clip_low)
    return param


def conn_spec(rule: Connectivity) -> dict:
    """NEST's conn_spec of a rule (not for explicit: see connect_listed)."""
    spec = {"rule": rule.rule}
    for name in ("p", "indegree", "outdegree", "N"):
        if getattr(rule, name) is not None:
            spec[name] = getattr(rule, name)
    if rule.rule != "one_to_one":
        spec["allow_autapses"] = rule.allow_autapses
        spec["allow_multapses"] = rule.allow_multapses
    return spec


def syn_spec(nest, network: Network, proj) -> dict:
    """static_synapse as is; stdp_synapse with NEST's parameter names (nearest pairing is
    NEST's stdp_nn_symm_synapse; learning off is lambda = 0; tau_minus lives on the neuron)."""
    # explicit: the values as they are, made one per synapse by connect_listed
    value = (lambda v: v) if proj.rule.rule == "explicit" else (lambda v: nest_value(nest, v))
    spec = {"synapse_model": proj.synapse, "delay": value(proj.delay)}
    if network.population(proj.post).model != "parrot_neuron":  # parrots ignore weights
        spec["weight"] = value(proj.weight)
    params = dict(getattr(proj, "synapse_params", {}) or {})
    if proj.synapse == "stdp_synapse":
        if params.pop("pairing", "all_to_all") == "nearest":
            spec["synapse_model"] = "stdp_nn_symm_synapse"
        if not params.pop("learning", 1.0):
            params["lambda"] = 0.0
        params.pop("tau_minus", None)
        spec.update(params)
    return spec


def connect_listed(nest, pre_nodes, post_nodes, proj, spec: dict, rng: np.random.Generator) -> None:
    """An explicit projection exactly: synapse k from neuron pre_indices[k] to post_indices[k]
    (NEST's array connection, one to one over the node ids; repeated pairs are multapses), with
    weight and delay as one value per synapse (listed, constant, or drawn with numpy)."""
    rule = proj.rule
    pre = np.asarray(pre_nodes.tolist(), np.int64)[np.asarray(rule.pre_indices, np.int64)]
    post = np.asarray(post_nodes.tolist(), np.int64)[np.asarray(rule.post_indices, np.int64)]
    if pre.size == 0:
        return
    spec = dict(spec)
    for key in ("weight", "delay"):
        if key in spec:
            spec[key] = draw(getattr(proj, key), pre.size, rng)
    nest.Connect(pre, post, {"rule": "one_to_one"}, spec)


def _tau_minus_of_plastic_inputs(network: Network, population: str) -> dict:
    for proj in network.projections:
        params = getattr(proj, "synapse_params", None) or {}
        if proj.post == population and "tau_minus" in params:
            return {"tau_minus": params["tau_minus"]}
    return {}


def nest_seed(seed: int) -> int:
    """NEST wants 1 <= rng_seed < 2^31."""
    return seed if 1 <= seed < 2**31 - 1 else seed % (2**31 - 2) + 1


def build(nest, network: Network, dt: float | None = None, seed: int | None = None, threads: int = 1) -> dict:
    """Reset NEST and build `network` in it. Returns {"nodes": {population: NodeCollection},
    "spike_recorders": {population: recorder}, "multimeters": {population: meter}}."""
    dt = network.dt if dt is None else dt
    seed = network.seed if seed is None else seed
    nest.ResetKernel()
    nest.set(resolution=dt, local_num_threads=threads, rng_seed=nest_seed(seed), print_time=False)

    nodes = {}
    for pop in network.populations:
        if pop.is_device:
            nodes[pop.name] = _create_device(nest, pop, dt)
            continue
        params = {k: v for k, v in pop.params.items() if v is not None}
        params.update(_tau_minus_of_plastic_inputs(network, pop.name))
        created = nest.Create(pop.model, pop.size, params=params)
        for variable, value in initial_state_spec(pop).items():  # where the engine starts each variable
            setattr(created, variable, nest_value(nest, value))
        nodes[pop.name] = created

    rng = np.random.default_rng(seed)  # drawn values of listed synapses
    for proj in network.projections:
        if proj.rule.rule == "explicit":
            connect_listed(nest, nodes[proj.pre], nodes[proj.post], proj, syn_spec(nest, network, proj), rng)
        else:
            nest.Connect(nodes[proj.pre], nodes[proj.post], conn_spec(proj.rule), syn_spec(nest, network, proj))

    spike_recorders, multimeters = {}, {}
    for pop in network.populations:
        if pop.is_device:
            continue
        if pop.record.spikes:
            spike_recorders[pop.name] = nest.Create("spike_recorder")
            nest.Connect(nodes[pop.name], spike_recorders[pop.name])
        if pop.record.traces:
            meter = nest.Create("multimeter", params={"record_from": list(pop.record.variables), "interval": dt})
            nest.Connect(meter, nodes[pop.name][list(pop.record.traces)])
            multimeters[pop.name] = meter
    return {"nodes": nodes, "spike_recorders": spike_recorders, "multimeters": multimeters}


def _create_device(nest, pop, dt: float):
    """Devices keep NEST's parameter names; time lists are put on the grid (NEST refuses
    off-grid times; the engine rounds them to the nearest step)."""
    params = {k: v for k, v in pop.params.items() if v is not None and k != "spike_times"}
    for key in ("amplitude_times", "rate_times"):
        if key in params:
            params[key] = [_on_grid(t, dt) for t in params[key]]
    created = nest.Create(pop.model, pop.size, params=params)
    if pop.model == "spike_generator":
        trains = pop.params["spike_times"]
        for i in range(pop.size):
            times = trains[i] if len(trains) > 1 and i < len(trains) else (trains[0] if len(trains) == 1 else [])
            created[i].spike_times = [_on_grid(t, dt) for t in times if round(t / dt) >= 1]
    return created


def _on_grid(t: float, dt: float) -> float:
    return round(round(t / dt) * dt, 10)
