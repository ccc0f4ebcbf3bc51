"""The same network in NEST 3.10, built from the export plan (engine/io/export/plan.py).

The plan is the one place that maps an engine `Network` to NEST (models, parameters,
initial states, conn_spec/syn_spec, drawn values as NestRandom, devices' time lists on
the grid); the PyNEST script renders it as text, this module makes the same calls live.
Spikes are recorded from the populations with record.spikes and traces from the recorded
neurons, as the engine does, so both simulators do the same work.

Explicit projections (listed synapses) are connected exactly: NEST's array connection, one
to one over the listed node ids (repeated pairs are multapses), with per-synapse weights as
arrays (drawn weights or delays of a listed projection are drawn with numpy, seeded with
`seed`, since NEST's array connection takes no nest.random parameters).

Not identical, by nature: the random draws (NEST's own RNG), so connectivity, initial
potentials and Poisson trains are statistically equal, not bit-equal.
"""
from __future__ import annotations

import math
import os
from dataclasses import replace

os.environ.setdefault("PYNEST_QUIET", "1")

import numpy as np  # noqa: E402

from engine.compile.connect import draw  # noqa: E402
from engine.io.export.plan import ConnectionPlan, NestRandom, export_plan, nest_value  # noqa: E402
from engine.model.network import Network  # noqa: E402


def import_nest():
    import nest

    nest.verbosity = nest.VerbosityLevel.ERROR
    return nest


def nest_parameter(nest, value):
    """A plan value as NEST takes it: a float, or a nest.random parameter for a NestRandom."""
    if isinstance(value, (tuple, list)):  # one value per neuron
        return [float(v) for v in value]
    if not isinstance(value, NestRandom):
        return float(value)
    param = getattr(nest.random, value.law)(**value.args)
    if value.scale != 1.0:
        param = param * value.scale
    if value.bounded and value.bound == "redraw":
        low = -math.inf if value.low is None else value.low
        high = math.inf if value.high is None else value.high
        return nest.math.redraw(param, min=low, max=high)
    if value.high is not None:
        param = nest.math.min(param, value.high)
    if value.low is not None:
        param = nest.math.max(param, value.low)
    return param


def connect_listed(nest, pre_nodes, post_nodes, conn: ConnectionPlan, rng: np.random.Generator) -> None:
    """Listed synapses exactly: synapse k from neuron listed_pre[k] to listed_post[k] (NEST's
    array connection, one to one over the node ids; repeated pairs are multapses), with weight
    and delay as one value per synapse (listed, constant, or drawn with numpy)."""
    pre = np.asarray(pre_nodes.tolist(), np.int64)[np.asarray(conn.listed_pre, np.int64)]
    post = np.asarray(post_nodes.tolist(), np.int64)[np.asarray(conn.listed_post, np.int64)]
    if pre.size == 0:
        return
    spec = dict(conn.syn_spec)
    for key in ("weight", "delay"):
        if key in spec:
            spec[key] = draw(spec[key], pre.size, rng)
    nest.Connect(pre, post, {"rule": "one_to_one"}, spec)


def nest_seed(seed: int) -> int:
    """NEST wants 1 <= rng_seed < 2^31."""
    return seed if 1 <= seed < 2**31 - 1 else seed % (2**31 - 2) + 1


def build(nest, network: Network, dt: float | None = None, seed: int | None = None, threads: int = 1) -> dict:
    """Reset NEST and build `network` in it. Returns {"nodes": {population: NodeCollection},
    "spike_recorders": {population: recorder}, "multimeters": {population: meter}}."""
    dt = network.dt if dt is None else dt
    seed = network.seed if seed is None else seed
    plan = export_plan(network if dt == network.dt else replace(network, dt=dt), seed)
    plan.check_nest()
    nest.ResetKernel()
    nest.set(resolution=dt, local_num_threads=threads, rng_seed=nest_seed(seed), print_time=False)

    nodes = {}
    for pop in plan.populations:
        params = {k: nest_parameter(nest, v) if isinstance(v, NestRandom) else v for k, v in pop.params.items()}
        nodes[pop.name] = nest.Create(pop.model, pop.size, params=params)
        if pop.spike_times is not None:
            nodes[pop.name].set([{"spike_times": list(times)} for times in pop.spike_times])
        for variable, value in pop.initial.items():
            setattr(nodes[pop.name], variable, nest_parameter(nest, nest_value(value)))

    rng = np.random.default_rng(seed)  # drawn values of listed synapses
    for conn in plan.connections:
        if conn.listed:
            connect_listed(nest, nodes[conn.pre], nodes[conn.post], conn, rng)
        else:
            spec = {k: nest_parameter(nest, v) if k in ("weight", "delay") else v for k, v in conn.syn_spec.items()}
            nest.Connect(nodes[conn.pre], nodes[conn.post], conn.conn_spec, spec)

    spike_recorders, multimeters = {}, {}
    for pop in plan.neurons:
        if pop.record_spikes:
            spike_recorders[pop.name] = nest.Create("spike_recorder")
            nest.Connect(nodes[pop.name], spike_recorders[pop.name])
        if pop.record_traces:
            meter = nest.Create("multimeter", params={"record_from": list(pop.record_variables), "interval": dt})
            nest.Connect(meter, nodes[pop.name][list(pop.record_traces)])
            multimeters[pop.name] = meter
    return {"nodes": nodes, "spike_recorders": spike_recorders, "multimeters": multimeters}
