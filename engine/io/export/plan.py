"""The export plan: a network as NEST sees it, as pure data, built once for every renderer.

    plan = export_plan(network)   # populations, connections (NEST conn_spec/syn_spec), recordings

The engine follows NEST's names, so the plan is close to the network itself; what it adds
is what the engine decides implicitly and NEST must be told: every state variable's
initial value (common.initial_state), spike and schedule times on the grid, the synapse
parameters NEST keeps on the target neuron (stdp's tau_minus), NEST's synapse model and
parameter names for each engine synapse (NEST_SYNAPSES), and NEST's form of a drawn
value (NestRandom: law, scale, bounds, redraw or clamp).

The PyNEST script (pynest_script.py), the PyNN and Brian2 scripts and the reference
builds of benchmarks/nest_build.py render this plan; none of them maps the network again.
A new synapse model adds one entry to NEST_SYNAPSES; a new neuron or device model whose
name and parameters are NEST's needs nothing here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from engine.compile import builder_of, neuron_values
from engine.errors import ValidationError
from engine.io.export.common import describe_rule, initial_state, on_grid, spike_trains
from engine.model.network import Distribution, Network, Population, Projection, Value
from engine.model.synapses import get_synapse

# NEST's names of each distribution's arguments (nest.random.<law>(...))
NEST_LAW_ARGUMENTS = {"normal": {"mean": "mean", "std": "std"}, "uniform": {"low": "min", "high": "max"},
                      "lognormal": {"mean": "mean", "sigma": "std"}}
SCHEDULE_TIMES = ("amplitude_times", "rate_times")  # device time lists NEST wants on the grid


@dataclass(frozen=True)
class NestRandom:
    """A drawn value in NEST's terms: `scale * nest.random.<law>(**args)`, then kept inside
    [low, high] by drawing again (bound "redraw": nest.math.redraw) or by moving it onto the
    nearer bound (bound "clamp": nest.math.min/max). low/high None: unbounded on that side."""

    law: str
    args: dict
    scale: float = 1.0
    low: float | None = None
    high: float | None = None
    bound: str = "redraw"

    @property
    def bounded(self) -> bool:
        return self.low is not None or self.high is not None


def nest_random(value: Distribution) -> NestRandom:
    names = NEST_LAW_ARGUMENTS[value.kind]
    return NestRandom(value.kind, {names[k]: v for k, v in value.params.items()}, value.scale,
                      value.clip_low, value.clip_high, value.clip)


def nest_value(value: Value):
    """A constant as float, a Distribution as NestRandom (per-synapse tuples stay as they are)."""
    if isinstance(value, Distribution):
        return nest_random(value)
    if isinstance(value, tuple):
        return value
    return float(value)


@dataclass(frozen=True)
class NestSynapse:
    """How one engine synapse model is written for NEST: `nest_params(params)` gives
    (NEST synapse model, its parameters, notes for the script's comments); parameters NEST
    keeps on the target neuron instead (stdp's tau_minus) are named in `on_target`."""

    nest_params: Callable[[str, dict], tuple[str, dict, list[str]]]
    on_target: tuple[str, ...] = ()


def _static_params(name: str, params: dict) -> tuple[str, dict, list[str]]:
    return name, dict(params), []


def _stdp_params(name: str, params: dict) -> tuple[str, dict, list[str]]:
    params, notes = dict(params), []
    if params.pop("pairing", "all_to_all") == "nearest":
        name = "stdp_nn_symm_synapse"
        notes.append("nearest-neighbour pairing is NEST's stdp_nn_symm_synapse")
    if not params.pop("learning", 1.0):
        params["lambda"] = 0.0
        notes.append("learning is off: lambda = 0 freezes the weights")
    params.pop("tau_minus", None)  # set on the target neurons
    return name, params, notes


def _tsodyks2_params(name: str, params: dict) -> tuple[str, dict, list[str]]:
    params = {**params, "u": get_synapse(name, f"synapse model {name}").initial_u(params)}
    return name, params, ["u is set with U: NEST's own default u is 0.5 whatever U is"]


# engine synapse model -> its NEST form (one entry per synapse model)
NEST_SYNAPSES: dict[str, NestSynapse] = {
    "static_synapse": NestSynapse(_static_params),
    "stdp_synapse": NestSynapse(_stdp_params, on_target=("tau_minus",)),
    "tsodyks2_synapse": NestSynapse(_tsodyks2_params),  # U, u, x, tau_rec, tau_fac are NEST's names
}


@dataclass(frozen=True)
class PopulationPlan:
    """One nest.Create: model, size, parameters (NEST's names), initial state, recording."""

    name: str
    model: str
    size: int
    is_device: bool
    summary: str
    params: dict                       # parameter -> number, list (one per neuron) or NestRandom (drawn per
    #                                    neuron by NEST); includes NEST's on-target synapse parameters
    on_target: dict = field(default_factory=dict)   # params that came from the synapses into it -> synapse model
    initial: dict = field(default_factory=dict)     # state variable -> number, Distribution or tuple (per neuron)
    spike_times: tuple | None = None   # spike_generator: one train per neuron, on the grid
    record_spikes: bool = False
    record_traces: tuple = ()          # neuron indices whose traces are recorded
    record_variables: tuple = ()


@dataclass(frozen=True)
class ConnectionPlan:
    """One projection: nest.Connect(pre, post, conn_spec, syn_spec), or, for listed synapses
    (conn_spec None), synapse k from neuron listed_pre[k] to listed_post[k]. In syn_spec
    weight and delay are numbers or NestRandom; of listed synapses, numbers, per-synapse
    tuples or Distributions (drawn per synapse with numpy: NEST's array connection takes no
    nest.random parameters). Parrot targets get no weight (they ignore it)."""

    name: str
    pre: str
    post: str
    synapse: str                       # the engine's synapse model
    rule_text: str                     # for comments: "fixed_indegree, indegree=100, no autapses"
    weight: Value                      # the engine's values, for comments
    delay: Value
    weight_unit: str
    conn_spec: dict | None
    syn_spec: dict
    listed_pre: tuple = ()
    listed_post: tuple = ()
    notes: tuple = ()

    @property
    def listed(self) -> bool:
        return self.conn_spec is None


@dataclass(frozen=True)
class ExportPlan:
    """The plan of a network. `nest_problems`: what NEST cannot build as planned (the PyNEST
    exporter and nest_build refuse with the first; other renderers may not care)."""

    network: str
    description: str
    dt: float
    seed: int
    populations: tuple
    connections: tuple
    nest_problems: tuple = ()

    def check_nest(self) -> None:
        if self.nest_problems:
            raise ValidationError(self.nest_problems[0])

    def population(self, name: str) -> PopulationPlan:
        return next(p for p in self.populations if p.name == name)

    @property
    def neurons(self) -> tuple:
        return tuple(p for p in self.populations if not p.is_device)


def export_plan(network: Network, seed: int | None = None) -> ExportPlan:
    """The plan of `network`; what NEST cannot build is listed in its nest_problems."""
    problems: list[str] = []
    on_target = _on_target_params(network, problems)
    seed = network.seed if seed is None else seed
    populations = tuple(_population_plan(pop, network.dt, on_target.get(pop.name, {}), seed)
                        for pop in network.populations)
    connections = tuple(_connection_plan(network, proj, problems) for proj in network.projections)
    return ExportPlan(network.name, network.description, network.dt, seed, populations, connections, tuple(problems))


def nest_synapse(proj: Projection, problems: list[str]) -> NestSynapse:
    """The NEST entry of a projection's synapse model (a missing entry is a problem; the
    parameters are then passed on under their own names)."""
    get_synapse(proj.synapse, f"projection '{proj.name}'")
    entry = NEST_SYNAPSES.get(proj.synapse)
    if entry is None:
        problems.append(f"projection '{proj.name}': synapse model {proj.synapse} has no NEST export entry "
                        f"(engine/io/export/plan.py NEST_SYNAPSES)")
        return NestSynapse(_static_params)
    return entry


def _on_target_params(network: Network, problems: list[str]) -> dict[str, dict]:
    """Per target population, the synapse parameters NEST keeps on the neuron; inputs of one
    population must agree on them (else a problem: the first value is kept). Gives
    {population: {parameter: (value, synapse model)}}."""
    found: dict[str, dict[str, tuple[float, str, str]]] = {}
    for proj in network.projections:
        for name in nest_synapse(proj, []).on_target:
            value = proj.synapse_params.get(name)
            if value is None:
                continue
            seen = found.setdefault(proj.post, {})
            if name in seen and seen[name][0] != value:
                other_value, other, _ = seen[name]
                unit = get_synapse(proj.synapse, proj.name).parameters[name].unit
                problems.append(
                    f"projection '{proj.name}': {name} {value:g} {unit} differs from {other_value:g} {unit} of projection "
                    f"'{other}' into the same population '{proj.post}'; NEST keeps {name} on the neuron, so "
                    f"the inputs of one population must share it")
                continue
            seen.setdefault(name, (value, proj.name, proj.synapse))
    return {post: {name: (value, synapse) for name, (value, _, synapse) in values.items()}
            for post, values in found.items()}


def _per_neuron_params(pop: Population, seed: int) -> tuple[dict, dict]:
    """(parameters that vary per neuron in NEST's form: a list, or a NestRandom that NEST draws;
    initial state). A state variable that starts at a drawn parameter (V_m at a drawn E_L)
    must start at each neuron's own value, which NEST's independent draws cannot say: then
    that parameter and the variable are both the values the engine draws, as lists."""
    initial = {} if pop.is_device else initial_state(pop)
    params = {name: list(pop.params[name]) if isinstance(pop.params[name], tuple) else nest_random(pop.params[name])
              for name in pop.varying_params}
    for var, value in initial.items():
        start = builder_of(pop.model).initial[var]
        if isinstance(start, str) and var not in pop.initial and isinstance(value, Distribution):
            drawn = [float(v) for v in neuron_values(pop, seed)[start]]
            params[start], initial[var] = drawn, tuple(drawn)
    return params, initial


def _population_plan(pop: Population, dt: float, on_target: dict, seed: int) -> PopulationPlan:
    model = pop.model_class
    params = {k: v for k, v in pop.params.items() if v is not None and k != "spike_times"}
    per_neuron, initial = _per_neuron_params(pop, seed)
    params.update(per_neuron)
    if pop.is_device:
        for key in SCHEDULE_TIMES:
            if key in params:
                params[key] = [on_grid(t, dt) for t in params[key]]
                params["allow_offgrid_times"] = True  # the times are on the grid; NEST may still round them
    params.update({name: value for name, (value, _) in on_target.items()})
    trains = tuple(tuple(t) for t in spike_trains(pop, dt)) if pop.model == "spike_generator" else None
    record = pop.record
    return PopulationPlan(
        pop.name, pop.model, pop.size, pop.is_device, model.summary, params,
        {name: synapse for name, (_, synapse) in on_target.items()},
        initial, trains,
        record_spikes=not pop.is_device and record.spikes,
        record_traces=() if pop.is_device else tuple(record.traces),
        record_variables=() if pop.is_device else tuple(record.variables))


def conn_spec(rule) -> dict:
    """NEST's conn_spec of a connection rule (not explicit)."""
    spec = {"rule": rule.rule}
    for name in ("p", "indegree", "outdegree", "N"):
        if getattr(rule, name) is not None:
            spec[name] = getattr(rule, name)
    if rule.rule != "one_to_one":
        spec["allow_autapses"] = rule.allow_autapses
        spec["allow_multapses"] = rule.allow_multapses
    return spec


def _connection_plan(network: Network, proj: Projection, problems: list[str]) -> ConnectionPlan:
    listed = proj.rule.rule == "explicit"
    if proj.rule.rule == "fixed_total_number" and not proj.rule.allow_multapses:
        problems.append(f"projection '{proj.name}': NEST's fixed_total_number cannot exclude multapses; "
                        "allow multapses, or use fixed_indegree or fixed_outdegree")
    post = network.population(proj.post)
    model, params, notes = nest_synapse(proj, problems).nest_params(proj.synapse, proj.synapse_params)
    value = (lambda v: v) if listed else nest_value
    syn_spec = {"synapse_model": model}
    if post.model == "parrot_neuron":
        notes.append("parrot neurons ignore weights")
    else:
        syn_spec["weight"] = value(proj.weight)
    syn_spec["delay"] = value(proj.delay)
    syn_spec.update(params)
    return ConnectionPlan(
        proj.name, proj.pre, proj.post, proj.synapse, describe_rule(proj.rule), proj.weight, proj.delay,
        post.model_class.weight_unit, None if listed else conn_spec(proj.rule), syn_spec,
        tuple(proj.rule.pre_indices) if listed else (), tuple(proj.rule.post_indices) if listed else (),
        tuple(notes))

