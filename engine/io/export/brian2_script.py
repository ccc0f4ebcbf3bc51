"""Network -> a standalone, commented Brian2 script (equations written out, units attached).

Brian2 has no built-in NEST models, so each engine model becomes its equations:

    iaf_psc_delta  dv/dt = (E_L - v)/tau_m + (I_e + I_stim)/C_m; a spike adds w to v unless refractory
    iaf_psc_exp    + dI_ex/dt = -I_ex/tau_syn_ex, dI_in/dt = -I_in/tau_syn_in   (method 'exact')
    iaf_psc_alpha  + two-stage synapse y -> I (an alpha function, peak w at tau_syn) (method 'exact')
    iaf_cond_exp/alpha  conductances g_ex, g_in (method 'exponential_euler'; NEST uses RKF45)
    aeif_cond_exp  AdEx with adaptation w (method 'euler'; NEST uses RKF45 with error control)
    izhikevich     forward Euler from the old (v, U), as NEST's consistent integration
    hh_psc_alpha   Hodgkin-Huxley gates m, h, n and alpha current synapses (method 'exponential_euler';
                   NEST uses RKF45); a spike when v >= 0 mV and falling, as NEST detects it
    parrot_neuron  counts incoming spikes and fires when it got one: one step later than NEST,
                   and at most one spike per step
    poisson_generator  PoissonInput (binomial draws per step; a fast train is split into
                   slower ones so the draws stay accurate), gated by start/stop
    inhomogeneous_poisson_generator, and Poisson sources with the explicit rule
                   a PoissonGroup of one train per synapse (split likewise), its rate from
                   a TimedArray of the schedule, connected by Synapses with their delays
    spike_generator    SpikeGeneratorGroup (duplicate times of one neuron merged)
    dc/ac/step_current/noise_generator  a current updated at the start of every step

Connections are drawn in the script (numpy, or Brian's own for all-to-all, one-to-one and
pairwise Bernoulli) with the engine's rule semantics; weights and delays constant or
drawn. Explicit projections connect the listed pairs, Synapses.connect(i=..., j=...), with
a per-synapse weight (LISTED at the end of the script); listed current inputs scale each
neuron's current by the sum of its weights. Refused with a ValidationError: stdp_synapse
with learning on (not written for Brian2 yet), Poisson or current projections with random
rules, k merged poisson_generators with drawn weights.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from engine.compile.propagators import steps_of
from engine.errors import ValidationError
from engine.io.export.common import (
    DRAW_FUNCTION, check_common, describe_rule, describe_value, listed_block, literal, one_line, script_end,
    script_head, simulated_time, spec_literal,
)
from engine.io.export.plan import ConnectionPlan, ExportPlan, PopulationPlan, export_plan
from engine.model.network import Distribution, Network, Population, Projection, value_bounds
from engine.model.synapses import get_synapse

BRIAN_UNITS = {"ms": "ms", "mV": "mV", "pA": "pA", "nS": "nS", "pF": "pF", "Hz": "Hz", "": "1", "deg": "1"}
POISSON_MAX_P = 0.05  # largest spike probability per step and train that PoissonInput gets

BRIAN_DIMENSIONS = {"ms": "second", "mV": "volt", "pA": "amp", "nS": "siemens", "pF": "farad", "Hz": "hertz"}
NOT_PER_NEURON = {"Delta_T": "it chooses the equations", "V_min": "it is applied to the whole group"}


def _refractory(p: dict) -> str:
    """The refractory period: a number, or the per-neuron variable t_ref (Brian2 takes an expression)."""
    return f"{p['t_ref']!r} * ms" if isinstance(p["t_ref"], float) else "t_ref"


def _lif_spike(p: dict) -> tuple[str, str, str | None, list[str]]:
    return "v >= V_th", "v = V_reset", _refractory(p), []


def _parrot_spike(p: dict) -> tuple[str, str, str | None, list[str]]:
    return "n_in > 0.5", "n_in = 0", None, ["relays a received spike one step later than NEST, and at most one spike per step"]


def _izhikevich_spike(p: dict) -> tuple[str, str, str | None, list[str]]:
    return "v >= V_th", "v = c\nU += d * mV", None, []


def _aeif_spike(p: dict) -> tuple[str, str, str | None, list[str]]:
    threshold = "v >= V_peak" if p["Delta_T"] > 0 else "v >= V_th"
    return threshold, "v = V_reset\nw += b", _refractory(p), []


def _hh_spike(p: dict) -> tuple[str, str, str | None, list[str]]:
    # NEST: V >= 0 mV and below its value a step earlier, i.e. past the peak; no reset; t_ref blocks only detection
    return ("v >= 0*mV and dv_dt < 0*volt/second", "", f"{p['t_ref']!r} * ms",
            ["exponential Euler (NEST: RKF45 with error control); rates within about 6 % of NEST's at dt = 0.1 ms"])

def _aeif_equations(equations: str, p: dict) -> str:
    spike = "g_L * Delta_T * exp((v - V_th) / Delta_T)" if p["Delta_T"] > 0 else "0 * amp"
    return equations.replace("SPIKE_CURRENT", spike)


@dataclass(frozen=True)
class Brian2Neuron:
    """How one neuron model is written for Brian2 (one entry per model in BRIAN2_NEURONS).

    equations       the NeuronGroup's equations (I_stim: the device currents)
    method          Brian2's integration method
    on_pre          (excitatory, inhibitory) statement of a Synapses' on_pre; {w} is the weight
    poisson_target  ((variable, weight expression) excitatory, (...) inhibitory) of a PoissonInput
    spike           params -> (threshold, reset, refractory or None, notes for the comments)
    state           engine state variable -> (Brian2 variable, Brian2 unit) for initial values
    prepare         (equations, params) -> equations, for models whose equations depend on a parameter
    """

    equations: str
    method: str
    on_pre: tuple[str, str]
    poisson_target: tuple[tuple[str, str], tuple[str, str]]
    spike: Callable[[dict], tuple] = _lif_spike
    state: dict = field(default_factory=lambda: {"V_m": ("v", "mV")})
    prepare: Callable[[str, dict], str] | None = None


# Alpha-shaped current synapses (iaf_psc_alpha, hh_psc_alpha): a two-stage y -> I, peak w at tau_syn
ALPHA_CURRENT_SYNAPSES = """
        dI_ex/dt = (y_ex - I_ex) / tau_syn_ex : amp
        dy_ex/dt = -y_ex / tau_syn_ex : amp
        dI_in/dt = (y_in - I_in) / tau_syn_in : amp
        dy_in/dt = -y_in / tau_syn_in : amp
        I_stim : amp  # device currents, updated every step
"""

BRIAN2_NEURONS: dict[str, Brian2Neuron] = {
    "iaf_psc_delta": Brian2Neuron(
        equations="""
        dv/dt = (E_L - v) / tau_m + (I_e + I_stim) / C_m : volt (unless refractory)
        I_stim : amp  # device currents, updated every step
    """,
        method="exact",
        on_pre=("v_post += {w} * int(not_refractory_post)", "v_post += {w} * int(not_refractory_post)"),
        poisson_target=(("v", "{w} * int(not_refractory)"), ("v", "{w} * int(not_refractory)")),
    ),
    "iaf_psc_exp": Brian2Neuron(
        equations="""
        dv/dt = (E_L - v) / tau_m + (I_ex + I_in + I_e + I_stim) / C_m : volt (unless refractory)
        dI_ex/dt = -I_ex / tau_syn_ex : amp
        dI_in/dt = -I_in / tau_syn_in : amp
        I_stim : amp  # device currents, updated every step
    """,
        method="exact",
        on_pre=("I_ex_post += {w}", "I_in_post += {w}"),
        poisson_target=(("I_ex", "{w}"), ("I_in", "{w}")),
    ),
    "iaf_psc_alpha": Brian2Neuron(
        equations="""
        dv/dt = (E_L - v) / tau_m + (I_ex + I_in + I_e + I_stim) / C_m : volt (unless refractory)
    """ + ALPHA_CURRENT_SYNAPSES,
        method="exact",
        on_pre=("y_ex_post += e * {w}", "y_in_post += e * {w}"),
        poisson_target=(("y_ex", "e * {w}"), ("y_in", "e * {w}")),
    ),
    "iaf_cond_exp": Brian2Neuron(
        equations="""
        dv/dt = (g_L * (E_L - v) + g_ex * (E_ex - v) + g_in * (E_in - v) + I_e + I_stim) / C_m : volt (unless refractory)
        dg_ex/dt = -g_ex / tau_syn_ex : siemens
        dg_in/dt = -g_in / tau_syn_in : siemens
        I_stim : amp  # device currents, updated every step
    """,
        method="exponential_euler",
        on_pre=("g_ex_post += {w}", "g_in_post -= {w}"),
        poisson_target=(("g_ex", "{w}"), ("g_in", "-{w}")),
    ),
    "iaf_cond_alpha": Brian2Neuron(
        equations="""
        dv/dt = (g_L * (E_L - v) + g_ex * (E_ex - v) + g_in * (E_in - v) + I_e + I_stim) / C_m : volt (unless refractory)
        dg_ex/dt = (h_ex - g_ex) / tau_syn_ex : siemens
        dh_ex/dt = -h_ex / tau_syn_ex : siemens
        dg_in/dt = (h_in - g_in) / tau_syn_in : siemens
        dh_in/dt = -h_in / tau_syn_in : siemens
        I_stim : amp  # device currents, updated every step
    """,
        method="exponential_euler",
        on_pre=("h_ex_post += e * {w}", "h_in_post -= e * {w}"),
        poisson_target=(("h_ex", "e * {w}"), ("h_in", "-e * {w}")),
    ),
    "aeif_cond_exp": Brian2Neuron(
        equations="""
        dv/dt = (-g_L * (v - E_L) + SPIKE_CURRENT - g_ex * (v - E_ex) - g_in * (v - E_in) - w + I_e + I_stim) / C_m : volt (unless refractory)
        dw/dt = (a * (v - E_L) - w) / tau_w : amp
        dg_ex/dt = -g_ex / tau_syn_ex : siemens
        dg_in/dt = -g_in / tau_syn_in : siemens
        I_stim : amp  # device currents, updated every step
    """,
        method="euler",
        on_pre=("g_ex_post += {w}", "g_in_post -= {w}"),
        poisson_target=(("g_ex", "{w}"), ("g_in", "-{w}")),
        spike=_aeif_spike,
        state={"V_m": ("v", "mV"), "w": ("w", "pA")},
        prepare=_aeif_equations,
    ),
    "izhikevich": Brian2Neuron(
        equations="""
        dv/dt = (0.04 * v**2 / mV + 5 * v + 140 * mV - U + (I_e + I_stim) * mV / pA) / ms : volt
        dU/dt = a * (b * v - U) / ms : volt
        I_stim : amp  # device currents, updated every step
    """,
        method="euler",
        on_pre=("v_post += {w}", "v_post += {w}"),
        poisson_target=(("v", "{w}"), ("v", "{w}")),
        spike=_izhikevich_spike,
        state={"V_m": ("v", "mV"), "U_m": ("U", "mV")},
    ),
    "hh_psc_alpha": Brian2Neuron(
        equations="""
        dv/dt = dv_dt : volt
        dv_dt = (-g_Na * m**3 * h * (v - E_Na) - g_K * n**4 * (v - E_K) - g_L * (v - E_L) + I_ex + I_in + I_e + I_stim) / C_m : volt/second
        dm/dt = alpha_m * (1 - m) - beta_m * m : 1
        dh/dt = alpha_h * (1 - h) - beta_h * h : 1
        dn/dt = alpha_n * (1 - n) - beta_n * n : 1
        alpha_m = 0.1 * (v / mV + 40) / (1 - exp(-(v / mV + 40) / 10)) / ms : Hz
        beta_m = 4 * exp(-(v / mV + 65) / 18) / ms : Hz
        alpha_h = 0.07 * exp(-(v / mV + 65) / 20) / ms : Hz
        beta_h = 1 / (1 + exp(-(v / mV + 35) / 10)) / ms : Hz
        alpha_n = 0.01 * (v / mV + 55) / (1 - exp(-(v / mV + 55) / 10)) / ms : Hz
        beta_n = 0.125 * exp(-(v / mV + 65) / 80) / ms : Hz
    """ + ALPHA_CURRENT_SYNAPSES,
        method="exponential_euler",
        on_pre=("y_ex_post += e * {w}", "y_in_post += e * {w}"),
        poisson_target=(("y_ex", "e * {w}"), ("y_in", "e * {w}")),
        spike=_hh_spike,
        state={"V_m": ("v", "mV"), "Act_m": ("m", "1"), "Inact_h": ("h", "1"), "Act_n": ("n", "1")},
    ),
    "parrot_neuron": Brian2Neuron(
        equations="""
        n_in : 1  # spikes received in this step
    """,
        method="euler",
        on_pre=("n_in_post += 1", "n_in_post += 1"),
        poisson_target=(("n_in", "1"), ("n_in", "1")),
        spike=_parrot_spike,
        state={},
    ),
}

def _stdp_refusal(params: dict) -> str:
    return "" if not params.get("learning", 1.0) else (
        "stdp_synapse with learning on cannot be exported to Brian2 yet (export to PyNEST instead, or switch "
        "learning off)")


# engine synapse model -> synapse_params -> why Brian2 cannot take it ("" = written as fixed-weight Synapses)
BRIAN2_SYNAPSES: dict[str, Callable[[dict], str]] = {
    "static_synapse": lambda params: "",
    "stdp_synapse": _stdp_refusal,
    "tsodyks2_synapse": lambda params: (
        "tsodyks2_synapse cannot be exported to Brian2 yet: its per-synapse u and x are not written as Brian2 "
        "synapse equations (export to PyNEST instead)"),
}
CURRENT_DEVICES = ("dc_generator", "ac_generator", "step_current_generator", "noise_generator")
POISSON_DEVICES = ("poisson_generator", "inhomogeneous_poisson_generator")


def _quantity_code(value: float, unit: str) -> str:
    brian = BRIAN_UNITS.get(unit, "1")
    return literal(float(value)) if brian == "1" else f"{float(value)!r} * {brian}"


_spec = spec_literal


# The script's fixed part after build(): main() runs and records
SCRIPT_MAIN = [
    "def main(argv=None):",
    '    parser = argparse.ArgumentParser(description=f"Simulate {NETWORK} in Brian2 and write spikes.csv and summary.json.")',
    '    parser.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")',
    '    parser.add_argument("--target", default="numpy", choices=["numpy", "cython"], help="Brian2 code generation target")',
    '    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")',
    '    parser.add_argument("--t-sim", type=float, default=T_SIM, metavar="MS", help=f"simulated time (default {T_SIM} ms)")',
    "    args = parser.parse_args(argv)",
    "    t_sim = round(round(args.t_sim / DT) * DT, 10)",
    "    b2.prefs.codegen.target = args.target",
    "",
    "    started = time.perf_counter()",
    "    net, group, n_synapses = build(args.seed)",
    "    monitors = {name: b2.SpikeMonitor(group[name]) for name, *_ in POPULATIONS}",
    "    net.add(*monitors.values())",
    "    build_s = time.perf_counter() - started",
    "    started = time.perf_counter()",
    "    net.run(t_sim * ms, namespace={})  # every name is in the groups' namespaces or a literal",
    "    sim_s = time.perf_counter() - started",
    "",
    "    spikes = {name: (np.asarray(m.i[:], np.int64), np.asarray(m.t[:] / ms, np.float64))",
    "              for name, m in monitors.items()}",
    "    info = {",
    '        "network": NETWORK, "backend": "brian2", "backend_version": b2.__version__, "target": args.target,',
    '        "dt_ms": DT, "seed": args.seed, "n_synapses": int(n_synapses), "build_s": build_s, "sim_s": sim_s,',
    "    }",
    "    write_results(args.out, POPULATIONS, spikes, t_sim, info)",
    "    return 0",
    "",
    "",
]


# Connection helpers of the script (fixed in-/out-degree and total number, with the engine's semantics)
CONNECT_HELPERS = [
    "def fixed_degree(degree, n_owner, n_other, no_autapses, multapses, rng):",
    '    """Each owner neuron gets `degree` partners among n_other (fixed in-/out-degree)."""',
    "    owner = np.repeat(np.arange(n_owner), degree)",
    "    choices = n_other - (1 if no_autapses else 0)",
    "    if multapses:",
    "        other = rng.integers(0, choices, size=(n_owner, degree))",
    "    else:",
    "        other = np.array([rng.choice(choices, size=degree, replace=False) for _ in range(n_owner)],",
    "                         dtype=np.int64).reshape(n_owner, degree)",
    "    if no_autapses:  # skip over the owner itself",
    "        other = other + (other >= np.arange(n_owner)[:, None])",
    "    return owner, other.reshape(-1)",
    "",
    "",
    "def fixed_total(n_syn, n_pre, n_post, no_autapses, multapses, rng):",
    '    """n_syn synapses in all, between random pairs."""',
    "    if multapses:",
    "        pre, post = rng.integers(0, n_pre, n_syn), rng.integers(0, n_post, n_syn)",
    "        while no_autapses and (pre == post).any():",
    "            bad = pre == post",
    "            pre[bad], post[bad] = rng.integers(0, n_pre, bad.sum()), rng.integers(0, n_post, bad.sum())",
    "        return pre, post",
    "    pairs = [(i, j) for i in range(n_pre) for j in range(n_post) if not (no_autapses and i == j)]",
    "    chosen = rng.choice(len(pairs), size=n_syn, replace=False)",
    "    return np.array([pairs[k][0] for k in chosen]), np.array([pairs[k][1] for k in chosen])",
    "",
    "",
]


def _namespace_lines(pop) -> list[str]:
    model = pop.model_class
    lines = []
    for name, q in model.parameters.items():
        value = pop.params.get(name)
        if value is None or name in ("gsl_error_tol",) or name in pop.varying_params:
            continue  # per-neuron values are the group's variables
        lines.append(f"            {literal(name)}: {_quantity_code(value, q.unit)},  # {one_line(q.doc)}")
    return lines


def _equations(pop) -> tuple[str, str]:
    entry = BRIAN2_NEURONS[pop.model]
    eqs = entry.equations if entry.prepare is None else entry.prepare(entry.equations, pop.params)
    method = entry.method
    varying_tau = {"tau_m", "tau_syn_ex", "tau_syn_in"} & set(pop.varying_params)
    if method == "exact" and (varying_tau or any(pop.params.get(k) == pop.params.get("tau_m")
                                                 for k in ("tau_syn_ex", "tau_syn_in"))):
        method = "exponential_euler"  # the closed form divides by tau_m - tau_syn (per neuron: may be 0)
    return eqs, method


def _per_neuron_lines(pop: Population, planned: PopulationPlan) -> tuple[list[str], list[str]]:
    """(equation lines, assignments) of the parameters that vary per neuron: each is a constant
    variable of the group, set from the listed values or drawn with the script's numpy RNG."""
    equations, assignments = [], []
    for name in pop.varying_params:
        unit = pop.model_class.parameters[name].unit
        equations.append(f"{name} : {BRIAN_DIMENSIONS.get(unit, '1')} (constant)")
        scale = f" * {BRIAN_UNITS.get(unit, '1')}" if unit in BRIAN_DIMENSIONS else ""
        value, target = planned.params[name], f"group[{literal(pop.name)}].{name}"
        if isinstance(value, list):  # listed, or the engine's draws (a variable starts at it)
            assignments.append(f"    {target} = np.array({literal(value)}){scale}  # one value per neuron")
        else:
            drawn = pop.params[name]
            assignments.append(f"    {target} = draw({_spec(drawn)}, {pop.size}, rng){scale}  # drawn per neuron: "
                               f"{describe_value(drawn, unit)}")
    return equations, assignments


def _initial_code(value, size: int, unit: str) -> str:
    if isinstance(value, Distribution):
        return f"draw({_spec(value)}, {size}, rng) * {unit}"
    if isinstance(value, tuple):  # one value per neuron
        return f"np.array({literal(list(value))}) * {unit}"
    return f"{float(value)!r} * {unit}"


def check_brian2(network: Network) -> None:
    """Refuse, naming the object, what the Brian2 exporter does not write."""
    for pop in network.populations:
        for name in set(pop.varying_params) & set(NOT_PER_NEURON):
            raise ValidationError(f"population '{pop.name}': {name} varies per neuron, which the Brian2 export "
                                  f"cannot write ({NOT_PER_NEURON[name]}); give it one value")
        if not pop.is_device and pop.model not in BRIAN2_NEURONS:
            raise ValidationError(f"population '{pop.name}': model {pop.model} cannot be exported to Brian2 yet")
        if pop.is_device and pop.model not in (*POISSON_DEVICES, "spike_generator", *CURRENT_DEVICES):
            raise ValidationError(f"population '{pop.name}': device {pop.model} cannot be exported to Brian2 yet")
    for proj in network.projections:
        where = f"projection '{proj.name}'"
        get_synapse(proj.synapse, where)
        if proj.synapse not in BRIAN2_SYNAPSES:
            raise ValidationError(f"{where}: synapse model {proj.synapse} cannot be exported to Brian2 yet "
                                  "(no entry in engine/io/export/brian2_script.py BRIAN2_SYNAPSES)")
        reason = BRIAN2_SYNAPSES[proj.synapse](proj.synapse_params)
        if reason:
            raise ValidationError(f"{where}: {reason}")


def export_brian2(network: Network, seed: int | None = None, t_sim: float | None = None) -> str:
    """A readable Brian2 script: `python net.py --out DIR [--target numpy|cython]` writes
    DIR/spikes.csv and DIR/summary.json as `snn-designer run` does."""
    seed, t_sim = check_common(network, seed, t_sim, "Brian2")
    check_brian2(network)
    plan = export_plan(network, seed)
    lines = _script_head(network, plan, t_sim)
    inputs = _input_variables(network)
    for pop in plan.populations:
        if pop.spike_times is not None:
            lines += _spike_generator_lines(pop, plan.dt)
        elif not pop.is_device:
            lines += _neuron_group_lines(network.population(pop.name), pop, inputs.get(pop.name, []))
    lines += _projection_lines(network, plan)
    lines.append("    return net, group, n_synapses")
    listed = _listed_synapses(network)
    return "\n".join(lines + script_end(plan.neurons, SCRIPT_MAIN, listed_block("LISTED", listed, [
        "The synapses of the explicit projections, as listed in the network: neuron indices within",
        "the pre and post populations (from 0) and, where they are given per synapse, the weights.",
    ]) if listed else [], ["Neuron populations: (name, model, size, spikes written to spikes.csv)."]))


def _script_head(network: Network, plan: ExportPlan, t_sim: float) -> list[str]:
    head = script_head(network, "Brian2", "python THIS_FILE.py --out DIR [--target numpy|cython] [--seed S] [--t-sim MS]", [
        "",
        "Exported by SNN Designer; requires brian2 and numpy (Brian2 2.9 needs numpy < 2.4).",
    ], ["import argparse", "import json", "import os", "import sys", "import time", "", "import brian2 as b2",
        "import numpy as np", "from brian2 import Hz, amp, e, mV, ms, nS, pA, pF, siemens, volt  # noqa: F401 (used in equations)"], [
        f"NETWORK = {literal(plan.network)}",
        f"T_SIM = {simulated_time(t_sim, plan.dt)!r}  # ms simulated (whole time steps)",
        f"DT = {plan.dt!r}  # ms, time step",
        f"SEED = {plan.seed}",
    ])
    return head + [
        *DRAW_FUNCTION, "", "",
        *CONNECT_HELPERS,
        "def build(seed):",
        '    """Create groups, inputs and synapses; returns (brian2.Network, {name: NeuronGroup}, n_synapses)."""',
        "    b2.defaultclock.dt = DT * ms",
        "    b2.seed(seed)  # Brian's own draws (Poisson inputs, pairwise Bernoulli connections, noise)",
        "    rng = np.random.default_rng(seed)  # numpy draws (initial values, weights, delays, fixed degrees)",
        "    net = b2.Network()",
        "    group = {}",
        "    n_synapses = 0",
    ]


def _listed_synapses(network: Network) -> dict[str, dict[str, list]]:
    """The explicit projections' synapses, written at the end of the script."""
    listed = {}
    for proj in network.projections:
        if proj.rule.rule == "explicit":
            listed[proj.name] = {"pre": list(proj.rule.pre_indices), "post": list(proj.rule.post_indices)}
            if isinstance(proj.weight, tuple):
                listed[proj.name]["weight"] = list(proj.weight)
    return listed


def _input_variables(network: Network) -> dict[str, list[str]]:
    """Per target population, the per-neuron variables its inputs need (drawn Poisson weights,
    noise currents, sums of listed current weights)."""
    extra: dict[str, list[str]] = {}
    for j, proj in enumerate(network.projections):
        pre, post = network.population(proj.pre), network.population(proj.post)
        add = extra.setdefault(post.name, []).append
        if _poisson_as_input(network, proj) and isinstance(proj.weight, Distribution) and post.model != "parrot_neuron":
            dim = {"mV": "volt", "pA": "amp", "nS": "siemens"}[post.model_class.weight_unit]
            add(f"w_p{j} : {dim}  # drawn weight of Poisson input {j}")
        if pre.model == "noise_generator":
            add(f"noise_p{j} : amp  # noise current of input {j}")
        if pre.model in CURRENT_DEVICES and proj.rule.rule == "explicit":
            add(f"scale_p{j} : 1  # sum of the listed weights of input {j}")
            if pre.model == "noise_generator":
                add(f"std_scale_p{j} : 1  # sqrt of the sum of the squared listed weights of input {j}")
    return extra


def _neuron_group_lines(pop: Population, planned: PopulationPlan, extra_eqs: list[str]) -> list[str]:
    """The NeuronGroup of one neuron population, with its initial state."""
    entry = BRIAN2_NEURONS[pop.model]
    eqs, method = _equations(pop)
    threshold, reset, refractory, notes = entry.spike(pop.params)
    per_neuron_eqs, per_neuron_values = _per_neuron_lines(pop, planned)
    extra_eqs = extra_eqs + per_neuron_eqs
    name = literal(pop.name)
    lines = ["", f"    # {one_line(pop.name)}: {pop.size} {pop.model} neurons. {one_line(planned.summary)}"]
    lines += [f"    # ({note})" for note in notes]
    lines += [f"    group[{name}] = b2.NeuronGroup(", f"        {pop.size},", '        """']
    lines += [f"        {line.strip()}" for line in eqs.strip().splitlines() + extra_eqs]
    lines += ['        """,', f"        threshold={literal(threshold)}, reset={literal(reset)},"]
    if refractory is not None:
        lines.append(f"        refractory={refractory},")
    lines += [f"        method={literal(method)},", "        namespace={", *_namespace_lines(pop), "        },", "    )"]
    lines += per_neuron_values
    for var, value in planned.initial.items():
        brian_var, unit = entry.state.get(var, (var, "1"))
        lines.append(f"    group[{name}].{brian_var} = {_initial_code(value, pop.size, unit)}  # initial {var}: "
                     f"{describe_value(value)}")
    if pop.model == "izhikevich" and pop.params["V_min"] > -1000.0:
        lines.append(f"    group[{name}].run_regularly('v = clip(v, V_min, 1e9 * mV)', when='after_groups')")
    return lines + [f"    net.add(group[{name}])"]


def _projection_lines(network: Network, plan: ExportPlan) -> list[str]:
    """Every projection: synapses, Poisson inputs or groups, and device currents (summed into I_stim)."""
    lines: list[str] = []
    current_terms: dict[str, list[str]] = {}
    current_objects: list[list[str]] = []
    dt = plan.dt
    for j, (proj, conn) in enumerate(zip(network.projections, plan.connections)):
        pre = network.population(proj.pre)
        if pre.model in CURRENT_DEVICES:
            term, obj = _current_lines(network, proj, j, dt)
            current_terms.setdefault(proj.post, []).append(term)
            current_objects.append(obj)
        elif _poisson_as_input(network, proj):
            lines += _poisson_lines(network, proj, j, dt)
        elif pre.model in POISSON_DEVICES:
            lines += _poisson_group_lines(network, proj, j, dt)
        else:
            lines += _synapse_lines(network, proj, conn)
    if current_objects:
        lines += ["", "    # device currents: every step the group's I_stim is the sum of its sources"]
        for obj in current_objects:
            lines += obj
        for post, terms in current_terms.items():
            lines.append(f"    group[{literal(post)}].run_regularly({literal('I_stim = ' + ' + '.join(terms))}, when='start')")
    return lines


def _spike_generator_lines(pop: PopulationPlan, dt: float) -> list[str]:
    indices, times = [], []
    for i, train in enumerate(pop.spike_times):
        if len(set(train)) != len(train):
            raise ValidationError(
                f"population '{pop.name}': neuron {i} lists a spike time twice (on the {dt:g} ms grid); NEST emits "
                "a spike for each, but Brian2's SpikeGeneratorGroup emits one per neuron and step, so this cannot "
                "be exported to Brian2 (list the time once and double the weight, or export to PyNEST)")
        for t in train:
            indices.append(i)
            times.append(round(t - dt, 10))  # emitted in the step that ends at t, as the engine stamps it
    return [
        "",
        f"    # {one_line(pop.name)}: {pop.size} spike_generator (times in ms on the grid)",
        f"    group[{literal(pop.name)}] = b2.SpikeGeneratorGroup({pop.size}, {literal(indices)}, "
        f"np.array({literal(times)}) * ms)",
        f"    net.add(group[{literal(pop.name)}])",
    ]


def _weight_unit(post) -> str:
    return {"mV": "mV", "pA": "pA", "nS": "nS"}.get(post.model_class.weight_unit, "1")


def _on_pre(post_model: str, weight, w_code: str, unit: str) -> str:
    """The on_pre statement(s): excitatory or inhibitory by the weight's sign, both if drawn weights take both."""
    excitatory, inhibitory = BRIAN2_NEURONS[post_model].on_pre
    low, high = value_bounds(weight)
    if excitatory == inhibitory or low >= 0:
        return excitatory.format(w=w_code)
    if high <= 0:
        return inhibitory.format(w=w_code)
    # drawn weights of both signs: each synapse goes where its sign sends it, as in the engine
    return (excitatory.format(w=f"{w_code} * int({w_code} > 0 * {unit})") + "\n"
            + inhibitory.format(w=f"{w_code} * int({w_code} < 0 * {unit})"))


def _connect_lines(conn: ConnectionPlan, var: str, pre_size: int, post_size: int) -> list[str]:
    """Synapses.connect() of a connection of the export plan, with NEST's rule semantics."""
    if conn.listed:
        if not conn.listed_pre:
            return ["    # (no synapses listed)"]
        listed = f"LISTED[{literal(conn.name)}]"
        return [f"    # the listed synapses (in LISTED at the end of this file), repeated pairs as separate synapses",
                f'    {var}.connect(i=np.asarray({listed}["pre"]), j=np.asarray({listed}["post"]))']
    spec = conn.conn_spec
    rule, multapses = spec["rule"], spec.get("allow_multapses", True)
    no_autapses = conn.pre == conn.post and not spec.get("allow_autapses", True)
    if rule == "all_to_all":
        condition = "condition='i != j'" if no_autapses else ""
        return [f"    {var}.connect({condition})"]
    if rule == "one_to_one":
        return [f"    {var}.connect(j='i')"]
    if rule == "pairwise_bernoulli":
        cond = ", condition='i != j'" if no_autapses else ""
        return [f"    {var}.connect(p={spec['p']!r}{cond})"]
    if rule == "fixed_indegree":
        return [f"    post, pre = fixed_degree({spec['indegree']}, {post_size}, {pre_size}, {no_autapses}, {multapses}, rng)",
                f"    {var}.connect(i=pre, j=post)"]
    if rule == "fixed_outdegree":
        return [f"    pre, post = fixed_degree({spec['outdegree']}, {pre_size}, {post_size}, {no_autapses}, {multapses}, rng)",
                f"    {var}.connect(i=pre, j=post)"]
    return [f"    pre, post = fixed_total({spec['N']}, {pre_size}, {post_size}, {no_autapses}, {multapses}, rng)",
            f"    {var}.connect(i=pre, j=post)"]


def _synapse_lines(network: Network, proj: Projection, conn: ConnectionPlan) -> list[str]:
    pre, post = network.population(proj.pre), network.population(proj.post)
    if proj.rule.rule == "explicit" and not proj.rule.pre_indices:
        return ["", f"    # {one_line(proj.name)}: explicit, no synapses listed: nothing to connect"]
    unit = _weight_unit(post)
    drawn_weight = isinstance(proj.weight, (Distribution, tuple)) and post.model != "parrot_neuron"
    if drawn_weight:
        on_pre = _on_pre(post.model, proj.weight, "weight", unit)
        model = f"weight : {'volt' if unit == 'mV' else 'amp' if unit == 'pA' else 'siemens'}"
    else:
        on_pre = _on_pre(post.model, proj.weight, _quantity_code(float(proj.weight), post.model_class.weight_unit), unit)
        model = ""
    lines = ["", f"    # {one_line(proj.name)}: {describe_rule(proj.rule)}; weight "
             f"{describe_value(proj.weight, post.model_class.weight_unit)}, delay {describe_value(proj.delay, 'ms')}"]
    if post.model == "parrot_neuron":
        lines.append("    # (parrot neurons ignore weights)")
    if get_synapse(proj.synapse, f"projection '{proj.name}'").plastic:
        lines.append("    # (stdp_synapse with learning off: fixed weights)")
    delay_arg = "" if isinstance(proj.delay, Distribution) else f", delay={float(proj.delay)!r} * ms"
    model_arg = f"model={literal(model)}, " if model else ""
    lines.append(f"    syn = b2.Synapses(group[{literal(proj.pre)}], group[{literal(proj.post)}], "
                 f"{model_arg}on_pre={literal(on_pre)}{delay_arg})")
    lines += _connect_lines(conn, "syn", pre.size, post.size)
    if drawn_weight and isinstance(proj.weight, tuple):
        lines.append(f"    syn.weight = np.asarray(LISTED[{literal(proj.name)}][\"weight\"]) * {unit}  # one weight per listed synapse")
    elif drawn_weight:
        lines.append(f"    syn.weight = draw({_spec(proj.weight)}, len(syn), rng) * {unit}")
    if isinstance(proj.delay, Distribution):
        lines.append(f"    syn.delay = draw({_spec(proj.delay)}, len(syn), rng) * ms")
    lines += ["    n_synapses += len(syn)", "    net.add(syn)"]
    return lines


def _poisson_as_input(network: Network, proj: Projection) -> bool:
    """A poisson_generator with all_to_all or one_to_one becomes a PoissonInput on the target group
    (N trains per neuron); listed synapses and time-varying rates need one train per synapse."""
    pre = network.population(proj.pre)
    return pre.model == "poisson_generator" and proj.rule.rule != "explicit"


def _poisson_group_lines(network: Network, proj: Projection, index: int, dt: float) -> list[str]:
    """One Poisson train per synapse (split into slower trains so that each has at most
    POISSON_MAX_P spikes per step): a PoissonGroup whose rate follows the device's schedule and
    start/stop window, and Synapses with the projection's weights and delays."""
    where = f"projection '{proj.name}'"
    pre, post = network.population(proj.pre), network.population(proj.post)
    rule = proj.rule
    if rule.rule not in ("all_to_all", "one_to_one", "explicit"):
        raise ValidationError(f"{where}: a Poisson source ({pre.model}) can be exported to Brian2 with all_to_all, "
                              f"one_to_one or explicit connections only (got {rule.rule})")
    if rule.rule == "explicit" and not rule.pre_indices:
        return ["", f"    # {one_line(proj.name)}: explicit, no synapses listed: nothing to connect"]
    p = pre.params
    if pre.model == "inhomogeneous_poisson_generator":
        schedule = [(0, 0.0)] + [(steps_of(t, dt), r) for t, r in zip(p["rate_times"], p["rate_values"])]
    else:
        schedule = [(0, p["rate"])]
    top = max([r for _, r in schedule] + [0.0])
    split = max(1, math.ceil(top * dt * 1e-3 / POISSON_MAX_P))
    start = steps_of(p["start"], dt)
    stop = None if p["stop"] is None else steps_of(p["stop"], dt)
    # the step k fires while start <= k < stop; compared half a step early, so rounding cannot move an edge
    conditions = ([f"t >= {round((start - 0.5) * dt, 10)!r} * ms"] if start > 0 else []) + \
        ([f"t < {round((stop - 0.5) * dt, 10)!r} * ms"] if stop is not None else [])
    gate = f"int({' and '.join(conditions)})" if conditions else "1"
    name = f"trains_p{index}"
    unit = post.model_class.weight_unit
    lines = ["", f"    # {one_line(proj.name)}: {pre.size} {pre.model}, {describe_rule(rule)}; weight "
             f"{describe_value(proj.weight, unit)}, delay {describe_value(proj.delay, 'ms')}",
             f"    # (an independent train for every synapse, as the engine draws them"
             + (f", each split into {split} trains of a {split}th of the rate: sums of independent Poisson trains are "
                "Poisson, and slow trains keep the per-step draws accurate)" if split > 1 else ")")]
    if rule.rule == "explicit":
        listed = f"LISTED[{literal(proj.name)}]"
        lines.append(f'    post = np.asarray({listed}["post"])  # the listed synapses (LISTED at the end of this file)')
    elif rule.rule == "all_to_all":
        lines.append(f"    post = np.tile(np.arange({post.size}), {pre.size})  # every generator to every neuron")
    else:
        lines.append(f"    post = np.arange({post.size})  # one to one")
    if len(schedule) > 1 or schedule[0][0] > 0:
        last = max(k for k, _ in schedule)
        lines += [
            f"    # rate per train: {literal(p.get('rate_values', []))} Hz{f' / {split}' if split > 1 else ''} from "
            f"{literal(p.get('rate_times', []))} ms on (0 before), per time step",
            f"    {name}_rate = np.zeros(max(int(round(T_SIM / DT)), {last}) + 2)",
            *[f"    {name}_rate[{k}:] = {r / split!r}" for k, r in schedule],
            f"    {name}_timed = b2.TimedArray({name}_rate * Hz, dt=DT * ms)",
            f"    {name} = b2.PoissonGroup(post.size * {split}, rates=\"{name}_timed(t) * {gate}\",",
            f"                              namespace={{\"{name}_timed\": {name}_timed}}, name={literal(name)})",
        ]
    else:
        lines.append(f"    {name} = b2.PoissonGroup(post.size * {split}, rates=\"{schedule[0][1] / split!r} * Hz * {gate}\", "
                     f"name={literal(name)})")
    per_synapse = isinstance(proj.weight, (tuple, Distribution)) and post.model != "parrot_neuron"
    w_unit = _weight_unit(post)
    if per_synapse:
        on_pre = _on_pre(post.model, proj.weight, "weight", w_unit)
        model = f"weight : {'volt' if w_unit == 'mV' else 'amp' if w_unit == 'pA' else 'siemens'}"
    else:
        on_pre = _on_pre(post.model, proj.weight, _quantity_code(float(proj.weight), unit), w_unit)
        model = ""
    model_arg = f"model={literal(model)}, " if model else ""
    delay_arg = "" if isinstance(proj.delay, Distribution) else f", delay={float(proj.delay)!r} * ms"
    lines += [
        f"    syn = b2.Synapses({name}, group[{literal(proj.post)}], {model_arg}on_pre={literal(on_pre)}{delay_arg})",
        f"    syn.connect(i=np.arange(post.size * {split}), j=np.repeat(post, {split}))",
    ]
    if per_synapse and isinstance(proj.weight, tuple):
        lines.append(f'    syn.weight = np.repeat(np.asarray(LISTED[{literal(proj.name)}]["weight"]), {split}) * {w_unit}')
    elif per_synapse:
        lines.append(f"    syn.weight = np.repeat(draw({_spec(proj.weight)}, post.size, rng), {split}) * {w_unit}")
    if isinstance(proj.delay, Distribution):
        lines.append(f"    syn.delay = np.repeat(draw({_spec(proj.delay)}, post.size, rng), {split}) * ms")
    lines += ["    n_synapses += post.size", f"    net.add({name}, syn)"]
    return lines


def _poisson_lines(network: Network, proj: Projection, index: int, dt: float) -> list[str]:
    where = f"projection '{proj.name}'"
    pre, post = network.population(proj.pre), network.population(proj.post)
    if proj.rule.rule == "all_to_all":
        per_target = pre.size
    elif proj.rule.rule == "one_to_one":
        per_target = 1
    else:
        raise ValidationError(f"{where}: a poisson_generator can be exported to Brian2 with all_to_all, "
                              f"one_to_one or explicit connections only (got {proj.rule.rule})")
    drawn = isinstance(proj.weight, Distribution) and post.model != "parrot_neuron"
    if drawn and per_target > 1:
        raise ValidationError(f"{where}: {pre.size} Poisson generators with drawn weights cannot be merged into "
                              "one input per target for Brian2; use one generator or a constant weight")
    rate = pre.params["rate"]
    p_step = rate * dt * 1e-3
    split = max(1, math.ceil(p_step / POISSON_MAX_P))  # a fast train as `split` slower ones
    start = pre.params["start"] + float(_mean(proj.delay))
    stop = pre.params["stop"]
    gate = f"int(t >= {start!r} * ms)" if stop is None else f"int(t >= {start!r} * ms and t < {stop + float(_mean(proj.delay))!r} * ms)"
    unit = post.model_class.weight_unit
    if drawn:
        var_name = w_code = f"w_p{index}"
    else:
        var_name = None
        w_code = _quantity_code(float(proj.weight), unit)
    low, _ = value_bounds(proj.weight)
    (ex_var, ex_w), (in_var, in_w) = BRIAN2_NEURONS[post.model].poisson_target
    target_var, weight_expr = (ex_var, ex_w) if low >= 0 or post.model == "parrot_neuron" else (in_var, in_w)
    if drawn and value_bounds(proj.weight)[0] < 0 < value_bounds(proj.weight)[1]:
        raise ValidationError(f"{where}: drawn Poisson weights of both signs cannot be exported to Brian2; "
                              "split the projection by sign")
    weight_expr = f"({weight_expr.format(w=w_code)}) * {gate}"
    lines = ["", f"    # {one_line(proj.name)}: {pre.size} poisson_generator at {rate:g} Hz -> an independent train "
             f"for each target neuron; weight {describe_value(proj.weight, unit)}"]
    if split > 1 or per_target > 1:
        lines.append(f"    # ({per_target} generator(s) x {split} trains of {rate / split:g} Hz per target: sums of "
                     "independent Poisson trains are Poisson, and slow trains keep the per-step draws accurate)")
    if drawn:
        lines.append(f"    # (one drawn weight per target neuron, the group's variable {var_name})")
        lines.append(f"    group[{literal(proj.post)}].{var_name} = draw({_spec(proj.weight)}, {post.size}, rng) * "
                     f"{BRIAN_UNITS[unit]}")
    lines.append(f"    net.add(b2.PoissonInput(group[{literal(proj.post)}], {literal(target_var)}, N={per_target * split}, "
                 f"rate={rate / split!r} * Hz, weight={literal(weight_expr)}))")
    lines.append(f"    n_synapses += {post.size * per_target}")
    return lines


def _mean(value) -> float:
    return value.mean if isinstance(value, Distribution) else float(value)


def _current_lines(network: Network, proj: Projection, index: int, dt: float) -> tuple[str, list[str]]:
    """(term of the group's I_stim, lines creating what the term needs)."""
    where = f"projection '{proj.name}'"
    pre, post = network.population(proj.pre), network.population(proj.post)
    explicit = proj.rule.rule == "explicit"
    if proj.rule.rule == "all_to_all":
        multiplicity = pre.size
    elif proj.rule.rule in ("one_to_one", "explicit"):
        multiplicity = 1
    else:
        raise ValidationError(f"{where}: a current generator can be exported to Brian2 with all_to_all, one_to_one or "
                              f"explicit connections only (got {proj.rule.rule})")
    if isinstance(proj.weight, Distribution):
        raise ValidationError(f"{where}: a current generator with drawn weights cannot be exported to Brian2; "
                              "use a constant weight")
    if explicit:
        return _listed_current_lines(network, proj, index, dt)
    scale = float(proj.weight) * multiplicity
    p = pre.params
    delay = _mean(proj.delay)
    start = p["start"] + delay
    gate = (f"int(t >= {start!r} * ms)" if p["stop"] is None
            else f"int(t >= {start!r} * ms and t < {p['stop'] + delay!r} * ms)")
    head = [f"    # {one_line(proj.name)}: {pre.model} into {one_line(post.name)}, weight {float(proj.weight):g}"
            + (f" x {multiplicity} sources" if multiplicity > 1 else "")]
    if pre.model == "dc_generator":
        return f"{p['amplitude'] * scale!r} * pA * {gate}", head
    if pre.model == "ac_generator":
        return (f"({p['offset']!r} * pA + {p['amplitude']!r} * pA * sin(2 * pi * {p['frequency']!r} * Hz * t + "
                f"{p['phase']!r} * pi / 180)) * {scale!r} * {gate}"), head
    if pre.model == "noise_generator":
        name = f"noise_p{index}"
        steps = max(1, round(p["dt"] / dt))
        std_scale = abs(float(proj.weight)) * math.sqrt(multiplicity)  # independent noise per synapse
        lines = head + [
            f"    # a new value mean + std * N(0, 1) per neuron every {steps * dt:g} ms"
            + (f" ({multiplicity} independent generators: mean x {multiplicity}, std x sqrt({multiplicity}))"
               if multiplicity > 1 else ""),
            f"    group[{literal(proj.post)}].run_regularly('{name} = {p['mean'] * scale!r} * pA + "
            f"{p['std'] * std_scale!r} * pA * randn()', dt={steps * dt!r} * ms, when='start', order=-1)",
        ]
        return f"{name} * {gate}", lines
    # step_current_generator: the value in force at every step, from a table on the grid
    name = f"steps_p{index}"
    times = [round(t / dt) for t in p["amplitude_times"]]
    lines = head + [
        f"    # piecewise constant: {literal(p['amplitude_values'])} pA from {literal(p['amplitude_times'])} ms on",
        f"    {name}_times = np.array({literal(times)})  # in steps",
        f"    {name}_values = np.array({literal(p['amplitude_values'])}) * {scale!r}",
        f"    {name}_table = np.zeros(int(round(T_SIM / DT)) + 2)",
        f"    for k, step in enumerate({name}_times):",
        f"        {name}_table[min(step, {name}_table.size - 1):] = {name}_values[k]",
        f"    group[{literal(proj.post)}].namespace[{literal(name)}] = b2.TimedArray({name}_table * pA, dt=DT * ms)",
    ]
    return f"{name}(t - {delay!r} * ms) * {gate}", lines


def _listed_current_lines(network: Network, proj: Projection, index: int, dt: float) -> tuple[str, list[str]]:
    """A current generator with listed synapses: per target neuron the generator's current times the
    sum of its listed weights (scale_pN); noise is independent per synapse, so its std is scaled by
    the square root of the sum of the squared weights (std_scale_pN)."""
    pre, post = network.population(proj.pre), network.population(proj.post)
    p = pre.params
    delay = _mean(proj.delay)
    start = p["start"] + delay
    gate = (f"int(t >= {start!r} * ms)" if p["stop"] is None
            else f"int(t >= {start!r} * ms and t < {p['stop'] + delay!r} * ms)")
    listed = f"LISTED[{literal(proj.name)}]"
    weights = f'np.asarray({listed}["weight"])' if isinstance(proj.weight, tuple) else repr(float(proj.weight))
    target = f"group[{literal(proj.post)}]"
    lines = [
        f"    # {one_line(proj.name)}: {pre.model} into {one_line(post.name)}, {describe_rule(proj.rule)}, weight "
        f"{describe_value(proj.weight)}",
        f'    post = np.asarray({listed}["post"], np.int64)  # LISTED at the end of this file',
        f"    weight = np.broadcast_to({weights}, post.shape).astype(float)",
        f"    {target}.scale_p{index} = np.bincount(post, weights=weight, minlength={post.size})",
    ]
    if pre.model == "dc_generator":
        return f"{p['amplitude']!r} * pA * scale_p{index} * {gate}", lines
    if pre.model == "ac_generator":
        return (f"({p['offset']!r} * pA + {p['amplitude']!r} * pA * sin(2 * pi * {p['frequency']!r} * Hz * t + "
                f"{p['phase']!r} * pi / 180)) * scale_p{index} * {gate}"), lines
    if pre.model == "noise_generator":
        name = f"noise_p{index}"
        steps = max(1, round(p["dt"] / dt))
        lines += [
            f"    {target}.std_scale_p{index} = np.sqrt(np.bincount(post, weights=weight ** 2, minlength={post.size}))",
            f"    # a new value per neuron every {steps * dt:g} ms: mean x sum(w) + std x sqrt(sum(w^2)) x N(0, 1)",
            f"    {target}.run_regularly('{name} = {p['mean']!r} * pA * scale_p{index} + "
            f"{p['std']!r} * pA * std_scale_p{index} * randn()', dt={steps * dt!r} * ms, when='start', order=-1)",
        ]
        return f"{name} * {gate}", lines
    name = f"steps_p{index}"
    times = [round(t / dt) for t in p["amplitude_times"]]
    lines += [
        f"    # piecewise constant: {literal(p['amplitude_values'])} pA from {literal(p['amplitude_times'])} ms on",
        f"    {name}_times = np.array({literal(times)})  # in steps",
        f"    {name}_values = np.array({literal(p['amplitude_values'])})",
        f"    {name}_table = np.zeros(int(round(T_SIM / DT)) + 2)",
        f"    for k, step in enumerate({name}_times):",
        f"        {name}_table[min(step, {name}_table.size - 1):] = {name}_values[k]",
        f"    {target}.namespace[{literal(name)}] = b2.TimedArray({name}_table * pA, dt=DT * ms)",
    ]
    return f"{name}(t - {delay!r} * ms) * scale_p{index} * {gate}", lines
