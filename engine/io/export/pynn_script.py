"""Network -> a standalone, commented PyNN script (runs on pyNN.nest, pyNN.brian2, pyNN.mock, ...).

PyNN has standard cell types with its own parameter names and units (nF, nA, uS), so
this exporter converts; every conversion is written next to the value in the script.

    iaf_psc_delta -> IF_curr_delta      iaf_psc_exp -> IF_curr_exp      iaf_psc_alpha -> IF_curr_alpha
    iaf_cond_exp  -> IF_cond_exp        iaf_cond_alpha -> IF_cond_alpha
    aeif_cond_exp -> EIF_cond_exp_isfa_ista              izhikevich -> Izhikevich (V_th 30 mV only)
    spike_generator -> SpikeSourceArray                  poisson_generator -> SpikeSourcePoisson
    dc/ac/step_current/noise_generator -> DCSource/ACSource/StepCurrentSource/NoisyCurrentSource
    static_synapse -> StaticSynapse     stdp_synapse -> STDPMechanism(SpikePairRule, Gutig/Additive/
                                                         Multiplicative weight dependence)

The engine's poisson_generator gives every target its own train; a PyNN
SpikeSourcePoisson neuron sends one train to all its targets. So each Poisson projection
becomes its own source population of one source per target neuron, connected
one-to-one (k generators all-to-all merge into one train of k times the rate: the sum of
independent Poisson trains is Poisson); with the explicit rule, one source per listed
synapse. Explicit projections (listed synapses) use FromListConnector with the listed
pairs and per-synapse weights in PyNN's units (LISTED at the end of the script); listed
weights of both signs become two PyNN projections, '<name>' and '<name> (inhibitory)'.
Current generators are injected with the sum of the weights into each neuron (noise:
std x sqrt(sum of squared weights), independent per synapse as in the engine).
Refused, with a ValidationError naming the object: parrot_neuron and
inhomogeneous_poisson_generator (no PyNN standard type), Poisson or current projections
with random rules, drawn weights of both signs in one projection, clamped uniform and
clipped lognormal values, lognormals with a negative scale into current synapses (PyNN's
inhibitory conductances are positive, so -5 x lognormal into a conductance synapse is
fine), nearest-neighbour STDP, izhikevich with V_th != 30 mV or V_min, plastic inputs of
one population with different tau_minus. Drawn values: a Distribution's scale is folded
into the law; redrawn normals are normal_clipped, clamped ones normal_clipped_to_boundary.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import numpy as np

from engine.compile import neuron_values
from engine.errors import ValidationError
from engine.io.export.common import (
    check_common, describe_rule, describe_value, listed_block, literal, one_line, script_end, script_head,
    simulated_time,
)
from engine.io.export.plan import ConnectionPlan, ExportPlan, PopulationPlan, export_plan
from engine.model.network import Distribution, Network, Population, Projection, value_bounds
from engine.model.synapses import get_synapse

CURRENT_SOURCES = {"dc_generator": "DCSource", "ac_generator": "ACSource",
                   "step_current_generator": "StepCurrentSource", "noise_generator": "NoisyCurrentSource"}


def _g(value) -> str:
    """A number for a comment, or 'per neuron' for values that vary."""
    return f"{value:g}" if np.ndim(value) == 0 else "per neuron"


def _lif_parameters(pop) -> list[tuple[str, float, str]]:
    """(PyNN name, value, comment) of a LIF population's parameters, converted; a value is a
    number or an array (one per neuron) where the parameter varies."""
    p = pop.params
    out = [("v_rest", p["E_L"], "mV, E_L"), ("cm", p["C_m"] / 1000.0, f"nF, C_m = {_g(p['C_m'])} pF")]
    if "g_L" in p:
        out.append(("tau_m", p["C_m"] / p["g_L"], f"ms, C_m / g_L = {_g(p['C_m'])} pF / {_g(p['g_L'])} nS"))
    else:
        out.append(("tau_m", p["tau_m"], "ms, tau_m"))
    out += [("tau_refrac", p["t_ref"], "ms, t_ref"), ("v_reset", p["V_reset"], "mV, V_reset"),
            ("v_thresh", p["V_th"], "mV, V_th"), ("i_offset", p["I_e"] / 1000.0, f"nA, I_e = {_g(p['I_e'])} pA")]
    if "tau_syn_ex" in p:
        out += [("tau_syn_E", p["tau_syn_ex"], "ms, tau_syn_ex"), ("tau_syn_I", p["tau_syn_in"], "ms, tau_syn_in")]
    if "E_ex" in p:
        out += [("e_rev_E", p["E_ex"], "mV, E_ex"), ("e_rev_I", p["E_in"], "mV, E_in")]
    return out


def _aeif_parameters(pop) -> list[tuple[str, float, str]]:
    p = pop.params
    return _lif_parameters(pop) + [
        ("v_spike", p["V_peak"], "mV, V_peak"), ("a", p["a"], "nS, a"), ("b", p["b"] / 1000.0, f"nA, b = {_g(p['b'])} pA"),
        ("delta_T", p["Delta_T"], "mV, Delta_T"), ("tau_w", p["tau_w"], "ms, tau_w")]


def _izhikevich_parameters(pop) -> list[tuple[str, float, str]]:
    p = pop.params
    if np.any(np.asarray(p["V_th"]) != 30.0) or np.any(np.asarray(p["V_min"]) != -1000.0):
        raise ValidationError(f"population '{pop.name}': PyNN's Izhikevich has a fixed spike cut-off of 30 mV and no "
                              f"V_min; set V_th to 30 and V_min to -1000 to export it to PyNN")
    return [("a", p["a"], "a"), ("b", p["b"], "b"), ("c", p["c"], "mV, c (reset)"), ("d", p["d"], "d"),
            ("i_offset", p["I_e"] / 1000.0, f"nA, I_e = {_g(p['I_e'])} pA")]


class NeuronValues(NamedTuple):
    """What a PynnCell's parameters function reads: the population's name and its values,
    numbers, or (size,) arrays where a parameter varies per neuron (drawn as the engine draws)."""

    name: str
    params: dict


def _pynn_parameter_code(value) -> str:
    """A converted parameter: a number, or an array with one value per neuron."""
    if np.ndim(value) == 0:
        return literal(float(value))
    return f"np.array({literal([float(v) for v in value])})"


@dataclass(frozen=True)
class PynnCell:
    """How one neuron model is written for PyNN (one entry per model in PYNN_CELLS).

    cell         PyNN's standard cell type          weight_unit  PyNN's unit of a weight into it
    divisor      engine weight / divisor = PyNN weight (pA -> nA, nS -> uS: 1000)
    conductance  conductance-based (inhibitory weights are positive on the inhibitory receptor)
    parameters   population -> [(PyNN name, value, comment)], converted (raises if PyNN cannot say it)
    state        engine state variable -> (PyNN initial value name, divisor)
    """

    cell: str
    weight_unit: str
    divisor: float
    conductance: bool
    parameters: Callable = _lif_parameters
    state: dict = field(default_factory=lambda: {"V_m": ("v", 1.0)})


PYNN_CELLS: dict[str, PynnCell] = {
    "iaf_psc_delta": PynnCell("IF_curr_delta", "mV", 1.0, False),
    "iaf_psc_exp": PynnCell("IF_curr_exp", "nA", 1000.0, False),
    "iaf_psc_alpha": PynnCell("IF_curr_alpha", "nA", 1000.0, False),
    "iaf_cond_exp": PynnCell("IF_cond_exp", "uS", 1000.0, True),
    "iaf_cond_alpha": PynnCell("IF_cond_alpha", "uS", 1000.0, True),
    "aeif_cond_exp": PynnCell("EIF_cond_exp_isfa_ista", "uS", 1000.0, True, _aeif_parameters,
                              {"V_m": ("v", 1.0), "w": ("w", 1000.0)}),
    "izhikevich": PynnCell("Izhikevich", "mV", 1.0, False, _izhikevich_parameters,
                           {"V_m": ("v", 1.0), "U_m": ("u", 1.0)}),
}

# Neuron models with no PyNN standard cell type, and why (the refusal says it)
PYNN_REFUSED = {
    "parrot_neuron": "a relay has no PyNN standard cell type",
    "hh_psc_alpha": "PyNN's Hodgkin-Huxley cell, HH_cond_exp, has conductance synapses and Traub's gates; "
                    "export to PyNEST",
}

def pynn_value_code(value, divisor: float, where: str, negate: bool = False) -> str:
    """Source for a constant or a RandomDistribution (divided by `divisor`, optionally negated):
    the Distribution's scale is folded into the law's parameters, its bounds become PyNN's
    clipped laws (normal_clipped redraws, normal_clipped_to_boundary clamps)."""
    sign = -1.0 if negate else 1.0
    if isinstance(value, tuple):  # one value per neuron
        return _pynn_parameter_code([sign * float(v) / divisor for v in value])
    if not isinstance(value, Distribution):
        return literal(sign * float(value) / divisor)
    factor = sign * value.scale / divisor  # PyNN's value = factor x a draw of the law
    bounds = [None if b is None else sign * b / divisor for b in (value.clip_low, value.clip_high)]
    low, high = bounds if sign > 0 else bounds[::-1]
    p = value.params
    if value.kind == "normal":
        return _pynn_normal(factor * p["mean"], abs(factor) * p["std"], low, high, value.clip)
    if value.kind == "uniform":
        return _pynn_uniform(value, sorted((factor * p["low"], factor * p["high"])), low, high, where)
    if factor < 0:
        raise ValidationError(f"{where}: a lognormal law with a negative scale has no PyNN equivalent "
                              "(PyNN cannot negate a RandomDistribution)")
    if (low is not None and low > 0) or high is not None:
        raise ValidationError(f"{where}: a clipped lognormal distribution has no PyNN equivalent")
    return f'RandomDistribution("lognormal", mu={p["mean"] + math.log(factor)!r}, sigma={p["sigma"]!r}, rng=rng)'


def _pynn_normal(mu: float, sigma: float, low: float | None, high: float | None, clip: str) -> str:
    if low is None and high is None:
        return f'RandomDistribution("normal", mu={mu!r}, sigma={sigma!r}, rng=rng)'
    low_code = "-math.inf" if low is None else literal(low)
    high_code = "math.inf" if high is None else literal(high)
    # normal_clipped draws again until inside (clip "redraw"); _to_boundary sets the bound (clip "clamp")
    law = "normal_clipped" if clip == "redraw" else "normal_clipped_to_boundary"
    return f'RandomDistribution("{law}", mu={mu!r}, sigma={sigma!r}, low={low_code}, high={high_code}, rng=rng)'


def _pynn_uniform(value: Distribution, law: list[float], low: float | None, high: float | None, where: str) -> str:
    """A uniform law; redrawn inside bounds it is the uniform law on the overlap, clamped it has no PyNN form."""
    cut_low, cut_high = max(law[0], -math.inf if low is None else low), min(law[1], math.inf if high is None else high)
    if (cut_low, cut_high) != (law[0], law[1]) and value.clip == "clamp":
        raise ValidationError(f"{where}: a clamped uniform distribution has no PyNN equivalent; "
                              f"narrow the range instead of clipping it, or redraw (clip 'redraw')")
    return f'RandomDistribution("uniform", low={cut_low!r}, high={cut_high!r}, rng=rng)'


def _one_to_one(size: int) -> str:
    # PyNN 0.13 with numpy 2 fails on one-to-one between single neurons; all-to-all is the same there
    return "sim.AllToAllConnector()" if size == 1 else "sim.OneToOneConnector()"


def _connector_code(spec: dict, same: bool, size: int) -> str:
    """The PyNN connector of a NEST conn_spec from the export plan (not for listed synapses)."""
    rule = spec["rule"]
    selfc = f"allow_self_connections={spec.get('allow_autapses', True)}"
    repl = f"with_replacement={spec.get('allow_multapses', True)}"
    if rule == "all_to_all":
        return f"sim.AllToAllConnector({selfc})" if same else "sim.AllToAllConnector()"
    if rule == "one_to_one":
        return _one_to_one(size)
    if rule == "pairwise_bernoulli":
        return f"sim.FixedProbabilityConnector({spec['p']!r}, {selfc}, rng=rng)"
    if rule == "fixed_indegree":
        return f"sim.FixedNumberPreConnector({spec['indegree']}, {selfc}, {repl}, rng=rng)"
    if rule == "fixed_outdegree":
        return f"sim.FixedNumberPostConnector({spec['outdegree']}, {selfc}, {repl}, rng=rng)"
    return f"sim.FixedTotalNumberConnector({spec['N']}, {selfc}, {repl}, rng=rng)"


def _receptor(proj: Projection, where: str) -> str:
    low, high = value_bounds(proj.weight)
    if low >= 0:
        return "excitatory"
    if high <= 0:
        return "inhibitory"
    raise ValidationError(f"{where}: its weights take both signs; PyNN needs one receptor per projection, "
                          "so split it into an excitatory and an inhibitory projection")


def _static_synapse(proj: Projection, values: str, unit: str, where: str) -> str:
    return f"sim.StaticSynapse({values})"


def _stdp_synapse(proj: Projection, values: str, unit: str, where: str) -> str:
    """STDPMechanism(SpikePairRule, additive/multiplicative/Gutig weight dependence); learning off: static."""
    params = proj.synapse_params
    if not params.get("learning", 1.0):
        return _static_synapse(proj, values, unit, where)
    if params.get("pairing", "all_to_all") != "all_to_all":
        raise ValidationError(f"{where}: nearest-neighbour STDP has no PyNN standard rule (SpikePairRule pairs all spikes)")
    divisor = 1000.0 if unit in ("nA", "uS") else 1.0
    wmax = params["Wmax"] / divisor
    mu_plus, mu_minus = params["mu_plus"], params["mu_minus"]
    if mu_plus == 0 and mu_minus == 0:
        dependence = f"sim.AdditiveWeightDependence(w_min=0.0, w_max={wmax!r})"
    elif mu_plus == 1 and mu_minus == 1:
        dependence = f"sim.MultiplicativeWeightDependence(w_min=0.0, w_max={wmax!r})"
    else:
        dependence = f"sim.GutigWeightDependence(w_min=0.0, w_max={wmax!r}, mu_plus={mu_plus!r}, mu_minus={mu_minus!r})"
    lam, alpha = params["lambda"], params["alpha"]
    return ("sim.STDPMechanism(\n"
            f"            timing_dependence=sim.SpikePairRule(tau_plus={params['tau_plus']!r}, "
            f"tau_minus={params['tau_minus']!r}, A_plus={lam!r}, A_minus={alpha * lam!r}),\n"
            f"            weight_dependence={dependence},\n"
            f"            {values})")


def _tsodyks2_synapse(proj: Projection, values: str, unit: str, where: str) -> str:
    # pyNN/nest/standardmodels/synapses.py maps TsodyksMarkramSynapse to NEST's tsodyks_synapse
    raise ValidationError(
        f"{where}: tsodyks2_synapse has no PyNN standard type: PyNN's TsodyksMarkramSynapse is NEST's "
        "tsodyks_synapse, another model (u rises before the spike it scales, x recovers through the "
        "postsynaptic current's time constant, u starts at 0), so its amplitudes differ; export to PyNEST")


# engine synapse model -> (projection, "weight=..., delay=...", PyNN weight unit, where) -> PyNN synapse type source
PYNN_SYNAPSES: dict[str, Callable[[Projection, str, str, str], str]] = {
    "static_synapse": _static_synapse,
    "stdp_synapse": _stdp_synapse,
    "tsodyks2_synapse": _tsodyks2_synapse,
}


def _synapse_code(proj: Projection, weight: str | None, delay: str | None, unit: str, where: str) -> str:
    """weight or delay None: the connector gives one value per synapse."""
    get_synapse(proj.synapse, where)
    if proj.synapse not in PYNN_SYNAPSES:
        raise ValidationError(f"{where}: synapse model {proj.synapse} cannot be exported to PyNN "
                              "(no entry in engine/io/export/pynn_script.py PYNN_SYNAPSES)")
    values = ", ".join(f"{name}={code}" for name, code in (("weight", weight), ("delay", delay)) if code is not None)
    return PYNN_SYNAPSES[proj.synapse](proj, values, unit, where)


# The script's fixed part after build(): main() runs and records
SCRIPT_MAIN = [
    "def main(argv=None):",
    '    parser = argparse.ArgumentParser(description=f"Simulate {NETWORK} with PyNN and write spikes.csv and summary.json.")',
    '    parser.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")',
    '    parser.add_argument("--simulator", default="nest", help="PyNN backend: nest, brian2, neuron, mock (default nest)")',
    '    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")',
    '    parser.add_argument("--t-sim", type=float, default=T_SIM, metavar="MS", help=f"simulated time (default {T_SIM} ms)")',
    "    args = parser.parse_args(argv)",
    "    t_sim = round(round(args.t_sim / DT) * DT, 10)",
    '    sim = importlib.import_module(f"pyNN.{args.simulator}")',
    '    extra = {"rng_seed": args.seed % (2**31 - 2) + 1} if args.simulator == "nest" else {}',
    "    sim.setup(timestep=DT, min_delay=DT, **extra)",
    "",
    "    started = time.perf_counter()",
    "    pop, prj = build(sim, NumpyRNG(seed=args.seed))",
    "    for name, *_ in POPULATIONS:",
    '        pop[name].record("spikes")',
    "    build_s = time.perf_counter() - started",
    "    started = time.perf_counter()",
    "    sim.run(t_sim)",
    "    sim_s = time.perf_counter() - started",
    "",
    "    spikes = {}",
    "    for name, *_ in POPULATIONS:",
    '        trains = pop[name].get_data("spikes", gather=True).segments[0].spiketrains',
    '        neuron = [np.full(len(st), st.annotations["source_index"], np.int64) for st in trains]',
    '        times = [np.asarray(st.rescale("ms").magnitude, np.float64) for st in trains]',
    "        spikes[name] = (np.concatenate(neuron) if neuron else np.zeros(0, np.int64),",
    "                        np.concatenate(times) if times else np.zeros(0))",
    "    n_synapses = sum(projection.size(gather=True) for projection in prj.values())",
    "    if sim.rank() == 0:",
    "        info = {",
    '            "network": NETWORK, "backend": f"pyNN.{args.simulator}", "dt_ms": DT, "seed": args.seed,',
    '            "processes": sim.num_processes(), "n_synapses": int(n_synapses), "build_s": build_s, "sim_s": sim_s,',
    "        }",
    "        write_results(args.out, POPULATIONS, spikes, t_sim, info)",
    "    sim.end()",
    "    return 0",
    "",
    "",
]


def check_pynn(network: Network) -> None:
    """Refuse, naming the object, models PyNN has no standard type for and plastic inputs of one
    population with different tau_minus (pyNN.nest keeps it on the neurons, as NEST does)."""
    for pop in network.populations:
        if not pop.is_device and pop.model not in PYNN_CELLS:
            hint = f" ({PYNN_REFUSED[pop.model]})" if pop.model in PYNN_REFUSED else ""
            raise ValidationError(f"population '{pop.name}': model {pop.model} cannot be exported to PyNN{hint}")
        if pop.is_device and pop.model not in ("poisson_generator", "spike_generator", *CURRENT_SOURCES):
            raise ValidationError(f"population '{pop.name}': device {pop.model} has no PyNN standard equivalent")
    tau_minus: dict[str, tuple[float, str]] = {}
    for proj in network.projections:
        if get_synapse(proj.synapse, proj.name).plastic and proj.synapse_params.get("learning", 1.0):
            tau, (other_tau, other) = proj.synapse_params["tau_minus"], tau_minus.get(proj.post, (None, ""))
            if other_tau is not None and other_tau != tau:
                raise ValidationError(
                    f"projection '{proj.name}': tau_minus {tau:g} ms differs from {other_tau:g} ms of projection "
                    f"'{other}' into the same population '{proj.post}'; PyNN on NEST keeps tau_minus on the neuron, "
                    "so plastic inputs of one population must share it")
            tau_minus[proj.post] = (tau, proj.name)


def export_pynn(network: Network, seed: int | None = None, t_sim: float | None = None) -> str:
    """A readable PyNN script: `python net.py --out DIR [--simulator nest|brian2|neuron|mock]` writes
    DIR/spikes.csv and DIR/summary.json as `snn-designer run` does. Its `build(sim, rng)` can also
    be imported and called after `sim.setup(...)`."""
    seed, t_sim = check_common(network, seed, t_sim, "PyNN")
    check_pynn(network)
    plan = export_plan(network, seed)
    lines = _script_head(network, plan, t_sim)
    for pop in plan.populations:
        lines += _population_lines(network.population(pop.name), pop, plan.seed)
    listed: dict[str, dict[str, list]] = {}
    for proj, conn in zip(network.projections, plan.connections):
        lines += _projection_lines(network, proj, conn, listed)
    lines.append("    return pop, prj")
    return "\n".join(lines + script_end(plan.neurons, SCRIPT_MAIN, listed_block("LISTED", listed, [
        "The synapses of the explicit projections: neuron indices within the pre and post populations",
        "(from 0; for Poisson sources the index of the synapse's own train) and, where they are given",
        "per synapse, the weights in PyNN's units (conductances positive on the inhibitory receptor).",
    ]) if listed else [], ["Neuron populations: (name, model, size, spikes written to spikes.csv)."]))


def _script_head(network: Network, plan: ExportPlan, t_sim: float) -> list[str]:
    head = script_head(network, "PyNN", "python THIS_FILE.py --out DIR [--simulator nest] [--seed S] [--t-sim MS]", [
        "",
        "Units are PyNN's: ms, mV, nF, nA, uS (SNN Designer's pA, pF and nS are divided by 1000).",
        "Exported by SNN Designer; requires PyNN and a simulator backend (NEST, Brian2, NEURON).",
    ], ["import argparse", "import importlib", "import json", "import math", "import os", "import sys", "import time", "",
        "import numpy as np", "from pyNN.parameters import Sequence", "from pyNN.random import NumpyRNG, RandomDistribution"], [
        f"NETWORK = {literal(plan.network)}",
        f"T_SIM = {simulated_time(t_sim, plan.dt)!r}  # ms simulated (whole time steps)",
        f"DT = {plan.dt!r}  # ms, time step",
        f"SEED = {plan.seed}",
    ])
    return head + [
        "def build(sim, rng):",
        '    """Create populations, current sources and projections after sim.setup();',
        '    returns ({name: Population}, {name: Projection})."""',
        "    pop, prj = {}, {}",
    ]


def _population_lines(pop: Population, planned: PopulationPlan, seed: int) -> list[str]:
    """A PyNN Population (a cell type or a SpikeSourceArray) with its initial state; Poisson and
    current devices are written with the projections they feed."""
    name = literal(pop.name)
    if planned.spike_times is not None:
        trains = ", ".join(f"Sequence({literal(list(t))})" for t in planned.spike_times)
        return ["", f"    # {one_line(pop.name)}: {pop.size} spike_generator (spike times in ms, on the grid)",
                f"    pop[{name}] = sim.Population({pop.size}, sim.SpikeSourceArray(spike_times=[{trains}]), label={name})"]
    if pop.is_device:
        return []
    entry = PYNN_CELLS[pop.model]
    lines = ["", f"    # {one_line(pop.name)}: {pop.size} {pop.model} neurons as PyNN's {entry.cell}",
             f"    pop[{name}] = sim.Population({pop.size}, sim.{entry.cell}("]
    values = NeuronValues(pop.name, {**neuron_values(pop, seed), **{k: np.asarray(v) for k, v in planned.params.items()
                                                                     if isinstance(v, list)}})
    lines += [f"        {key}={_pynn_parameter_code(value)},  # {note}" for key, value, note in entry.parameters(values)]
    if pop.varying_params:
        lines.append(f"        # per neuron: {', '.join(pop.varying_params)} (listed, or drawn as SNN Designer draws "
                     f"them with seed {seed})")
    lines.append(f"    ), label={name})")
    inits = []
    for var, value in planned.initial.items():
        pynn_name, divisor = entry.state[var]
        inits.append(f"{pynn_name}={pynn_value_code(value, divisor, f'population {pop.name!r}: initial {var}')}")
    if inits:
        lines.append(f"    pop[{name}].initialize({', '.join(inits)})  # initial state")
    return lines


def _projection_lines(network: Network, proj: Projection, conn: ConnectionPlan, listed: dict) -> list[str]:
    where = f"projection '{proj.name}'"
    pre, post = network.population(proj.pre), network.population(proj.post)
    entry = PYNN_CELLS[post.model]
    unit, divisor, conductance = entry.weight_unit, entry.divisor, entry.conductance
    engine_unit = post.model_class.weight_unit
    head = (f"    # {one_line(proj.name)}: {describe_rule(proj.rule)}; weight {describe_value(proj.weight, engine_unit)}, "
            f"delay {describe_value(proj.delay, 'ms')}; {proj.synapse}")
    if pre.model in CURRENT_SOURCES:
        return _current_source_lines(pre, post, proj, head, where)
    if proj.rule.rule == "explicit":
        return _explicit_lines(network, proj, head, listed)
    receptor = _receptor(proj, where)
    negate = conductance and receptor == "inhibitory"  # PyNN conductances are positive, the receptor says inhibitory
    weight = pynn_value_code(proj.weight, divisor, f"{where}: weight", negate)
    delay = pynn_value_code(proj.delay, 1.0, f"{where}: delay")
    note = f"weight in {unit}" + (f" (engine {engine_unit} / {divisor:g})" if divisor != 1.0 else "")
    if negate:
        note += ", as a positive conductance on the inhibitory receptor"
    source = f"pop[{literal(proj.pre)}]"
    connector = _connector_code(conn.conn_spec, proj.pre == proj.post, post.size)
    lines = ["", head]
    if pre.model == "poisson_generator":
        source, connector, extra = _poisson_source(pre, post, proj, where)
        lines += extra
    synapse = _synapse_code(proj, weight, delay, unit, where)
    lines += [
        f"    # ({note})",
        f"    prj[{literal(proj.name)}] = sim.Projection(",
        f"        {source}, pop[{literal(proj.post)}],",
        f"        {connector},",
        f"        {synapse},",
        f"        receptor_type={literal(receptor)}, label={literal(proj.name)})",
    ]
    return lines


def _explicit_lines(network: Network, proj: Projection, head: str, listed: dict) -> list[str]:
    """The listed synapses with FromListConnector; per-synapse weights of both signs become two
    PyNN projections (one receptor each: '<name>' and '<name> (inhibitory)'). A Poisson source
    gets one train per listed synapse, as the engine gives each synapse its own train."""
    where = f"projection '{proj.name}'"
    pre, post = network.population(proj.pre), network.population(proj.post)
    entry = PYNN_CELLS[post.model]
    unit, divisor, conductance = entry.weight_unit, entry.divisor, entry.conductance
    engine_unit = post.model_class.weight_unit
    rule = proj.rule
    n = len(rule.pre_indices)
    lines = ["", head]
    if n == 0:
        return lines + ["    # (no synapses listed: nothing to connect)"]
    per_synapse = isinstance(proj.weight, tuple)
    if per_synapse:
        inhibitory = [k for k, w in enumerate(proj.weight) if w < 0]
        excitatory = [k for k, w in enumerate(proj.weight) if w >= 0]
        parts = [(proj.name if not excitatory else f"{proj.name} (inhibitory)", inhibitory, "inhibitory")]
        parts = ([(proj.name, excitatory, "excitatory")] if excitatory else []) + (parts if inhibitory else [])
        if len(parts) == 2:
            lines.append("    # (weights of both signs: one PyNN projection per receptor)")
    else:
        parts = [(proj.name, list(range(n)), _receptor(proj, where))]
    poisson = pre.model == "poisson_generator"
    for label, chosen, receptor in parts:
        negate = conductance and receptor == "inhibitory"
        entry = {"pre": list(range(len(chosen))) if poisson else [rule.pre_indices[k] for k in chosen],
                 "post": [rule.post_indices[k] for k in chosen]}
        if per_synapse:
            entry["weight"] = [(-proj.weight[k] if negate else proj.weight[k]) / divisor for k in chosen]
        listed[label] = entry
        weight = pynn_value_code(proj.weight, divisor, f"{where}: weight", negate) if not per_synapse else None
        delay = pynn_value_code(proj.delay, 1.0, f"{where}: delay")
        # FromListConnector gives every target a copy of a RandomDistribution (the same draws for each
        # target), so drawn values are drawn here, once per synapse, and listed as columns
        table = [f"LISTED[{literal(label)}][{literal(c)}]" for c in ("pre", "post")]
        names = []
        if per_synapse:
            table.append(f"LISTED[{literal(label)}][\"weight\"]")
            names.append("weight")
        for column, value, code in (("weight", proj.weight, weight), ("delay", proj.delay, delay)):
            if isinstance(value, Distribution):
                table.append(f"{code}.next({len(chosen)})")
                names.append(column)
        weight = None if "weight" in names else weight
        delay = None if "delay" in names else delay
        note = f"weight in {unit}" + (f" (engine {engine_unit} / {divisor:g})" if divisor != 1.0 else "")
        if negate:
            note += ", as a positive conductance on the inhibitory receptor"
        source = f"pop[{literal(proj.pre)}]"
        if poisson:
            source = f"pop[{literal(label + ' (trains)')}]"
            p = pre.params
            duration = 1e10 if p["stop"] is None else max(p["stop"] - p["start"], 0.0)
            lines.append(f"    # one Poisson source per listed synapse, as the engine gives each synapse its own train")
            lines.append(f"    {source} = sim.Population({len(chosen)}, sim.SpikeSourcePoisson(rate={p['rate']!r}, "
                         f"start={p['start']!r}, duration={duration!r}), label={literal(label + ' (trains)')})")
        synapse = _synapse_code(proj, weight, delay, unit, where)
        lines += [
            f"    # ({note}; the listed synapses are in LISTED at the end of this file)",
            f"    prj[{literal(label)}] = sim.Projection(",
            f"        {source}, pop[{literal(proj.post)}],",
            f"        sim.FromListConnector(np.column_stack([{', '.join(table)}]),",
            f"                              column_names={literal(names)}),",
            f"        {synapse},",
            f"        receptor_type={literal(receptor)}, label={literal(label)})",
        ]
    return lines


def _poisson_source(pre, post, proj, where) -> tuple[str, str, list[str]]:
    """An independent train per target: a SpikeSourcePoisson population of post.size, one-to-one."""
    k = pre.size
    if proj.rule.rule == "one_to_one":
        merged = 1
    elif proj.rule.rule == "all_to_all":
        merged = k
    else:
        raise ValidationError(f"{where}: a poisson_generator can be exported to PyNN with all_to_all, one_to_one or "
                              f"explicit connections only (got {proj.rule.rule})")
    if merged > 1 and (isinstance(proj.weight, Distribution) or isinstance(proj.delay, Distribution)):
        raise ValidationError(f"{where}: {k} Poisson generators with drawn weights or delays cannot be merged into "
                              "one train per target for PyNN; use one generator or constant values")
    rate = pre.params["rate"] * merged
    start = pre.params["start"]
    stop = pre.params["stop"]
    duration = 1e10 if stop is None else max(stop - start, 0.0)
    name = f"{proj.name} (trains)"
    note = (f"    # one Poisson source per target neuron ({merged} generators merged: {merged} x "
            f"{pre.params['rate']:g} Hz)" if merged > 1 else "    # one Poisson source per target neuron")
    lines = [
        note + ", as the engine gives each target its own train",
        f"    pop[{literal(name)}] = sim.Population({post.size}, sim.SpikeSourcePoisson(rate={rate!r}, "
        f"start={start!r}, duration={duration!r}), label={literal(name)})",
    ]
    return f"pop[{literal(name)}]", _one_to_one(post.size), lines


def _current_source_lines(pre, post, proj, head, where) -> list[str]:
    """Current generators are injected into the target neurons. Per target neuron the current is the
    generator's times the sum of the weights of its synapses (all generators of a population share
    their parameters); a noise_generator gives each synapse independent noise, so a neuron gets mean
    x sum(w) and std x sqrt(sum(w^2))."""
    rule = proj.rule
    if isinstance(proj.weight, Distribution):
        raise ValidationError(f"{where}: a current generator with drawn weights has no PyNN equivalent; use a constant weight")
    if rule.rule == "all_to_all":
        w = np.full((post.size, pre.size), float(proj.weight))
        scale, std_scale = w.sum(axis=1), np.sqrt((w * w).sum(axis=1))
    elif rule.rule == "one_to_one":
        scale, std_scale = np.full(post.size, float(proj.weight)), np.full(post.size, abs(float(proj.weight)))
    elif rule.rule == "explicit":
        targets = np.asarray(rule.post_indices, np.int64)
        weights = np.broadcast_to(np.asarray(proj.weight, np.float64), targets.shape)
        scale = np.bincount(targets, weights=weights, minlength=post.size)
        std_scale = np.sqrt(np.bincount(targets, weights=weights * weights, minlength=post.size))
    else:
        raise ValidationError(f"{where}: a current generator can be exported to PyNN with all_to_all, one_to_one or "
                              f"explicit connections only (got {rule.rule})")
    noise = pre.model == "noise_generator"
    groups: dict[tuple[float, float], list[int]] = {}
    for j in range(post.size):
        key = (float(scale[j]), float(std_scale[j]) if noise else 0.0)
        if key != (0.0, 0.0):
            groups.setdefault(key, []).append(j)
    p = pre.params
    if pre.model == "step_current_generator" and (p["start"] != 0.0 or p["stop"] is not None):
        raise ValidationError(f"{where}: PyNN's StepCurrentSource has no start/stop; put the switching "
                              "into the amplitude times instead")
    cls = CURRENT_SOURCES[pre.model]
    lines = ["", head]
    if noise:
        lines.append("    # current in nA: mean x sum of the weights into a neuron, std x sqrt(sum of the squared "
                     "weights) (independent noise per synapse) / 1000")
    else:
        lines.append("    # current in nA: engine pA x the sum of the weights into a neuron / 1000")
    for (s, s_std), neurons in groups.items():
        s, s_std = s / 1000.0, s_std / 1000.0  # pA -> nA
        args = []
        if pre.model == "dc_generator":
            args.append(f"amplitude={p['amplitude'] * s!r}")
        elif pre.model == "ac_generator":
            args += [f"amplitude={p['amplitude'] * s!r}", f"offset={p['offset'] * s!r}",
                     f"frequency={p['frequency']!r}", f"phase={p['phase']!r}"]
        elif noise:
            args += [f"mean={p['mean'] * s!r}", f"stdev={p['std'] * s_std!r}", f"dt={p['dt']!r}"]
        else:
            args += [f"times={literal(p['amplitude_times'])}",
                     f"amplitudes={literal([v * s for v in p['amplitude_values']])}"]
        if pre.model != "step_current_generator":
            args.append(f"start={p['start']!r}")
            if p["stop"] is not None:
                args.append(f"stop={p['stop']!r}")
        target = f"pop[{literal(proj.post)}]"
        if len(neurons) < post.size:
            target += f"[{literal(neurons)}]"
        lines.append(f"    sim.{cls}({', '.join(args)}).inject_into({target})")
    return lines
