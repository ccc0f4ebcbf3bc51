"""Hardware fit: does a design fit a neuromorphic chip, and if not, which limit does it exceed?

The chips' published limits live in assets/neuromorphic/hardware.json with their sources;
`check_fit(network, "loihi")` compares the design's own figures with them and returns a
FitVerdict naming each limit exceeded with the design's value and the limit. A limit that
is not public (null in the file) is not checked and is listed as such.

Weight precision: each projection's weights are rounded to a signed b-bit grid with one
scale per projection, q = s * round(w / s), s = max|w| / (2^(b-1) - 1); the quantisation
error is the relative RMS error sqrt(sum (w - q)^2 / sum w^2).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.compile.compiler import CompiledNetwork, compile_network
from engine.errors import ValidationError
from engine.io.nir_export import REFUSED
from engine.model.network import Distribution, Network
from engine.model.synapses import get_synapse
from engine.neuromorphic.energy import DATA_DIR, read_data_file

HARDWARE_FILE = DATA_DIR / "hardware.json"
HARDWARE_FORMAT = "snn-designer-hardware"
LIMITS = ("neurons_per_core", "cores_per_chip", "neurons_per_chip", "axons_in_per_core", "population_fan_out",
          "input_channels", "fan_in", "fan_out", "weight_bits", "delay_steps_max")


@dataclass(frozen=True)
class HardwareTarget:
    name: str
    label: str
    citation: str
    limits: dict  # limit name -> (value or None, source)
    models: tuple[str, ...]
    models_source: str
    nir_nodes: tuple[str, ...]
    nir_source: str


def load_hardware_table(path: str | Path | None = None) -> tuple[dict[str, HardwareTarget], float]:
    """(targets, quantisation tolerance) of `path` (default assets/neuromorphic/hardware.json), checked."""
    path = Path(path) if path is not None else HARDWARE_FILE
    data = read_data_file(path, HARDWARE_FORMAT)
    tolerance = data.get("quantisation_tolerance")
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not 0 < tolerance < 1:
        raise ValidationError(f"hardware table {path}: 'quantisation_tolerance' must be a fraction in (0, 1), "
                              f"got {tolerance!r}")
    targets = data.get("targets")
    if not isinstance(targets, dict) or not targets:
        raise ValidationError(f"hardware table {path}: 'targets' must be a non-empty object of target name -> limits")
    return {name: _hardware_target(path, name, entry) for name, entry in targets.items()}, float(tolerance)


def _hardware_target(path: Path, name: str, entry) -> HardwareTarget:
    where = f"hardware table {path}: target '{name}'"
    if not isinstance(entry, dict):
        raise ValidationError(f"{where}: must be an object with label, citation, limits, models and nir_nodes")
    for key in ("label", "citation"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise ValidationError(f"{where}: '{key}' must be a non-empty text")
    limits = entry.get("limits")
    if not isinstance(limits, dict):
        raise ValidationError(f"{where}: 'limits' must be an object of limit name -> {{value, source}}")
    checked = {}
    for limit, spec in limits.items():
        if limit not in LIMITS:
            raise ValidationError(f"{where}: unknown limit '{limit}' (known: {', '.join(LIMITS)})")
        value, source = _sourced(where, f"limits.{limit}", spec)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValidationError(f"{where}: limits.{limit}.value must be a whole number >= 1 or null (not public), "
                                  f"got {value!r}")
        checked[limit] = (value, source)
    models, models_source = _sourced(where, "models", entry.get("models"), listed=True)
    nodes, nir_source = _sourced(where, "nir_nodes", entry.get("nir_nodes"), listed=True)
    return HardwareTarget(name=name, label=entry["label"], citation=entry["citation"], limits=checked,
                          models=tuple(models), models_source=models_source, nir_nodes=tuple(nodes),
                          nir_source=nir_source)


def _sourced(where: str, key: str, spec, listed: bool = False):
    """(value, source) of a {"value": ..., "source": "..."} entry; a list of names when `listed`."""
    if not isinstance(spec, dict) or not isinstance(spec.get("source"), str) or not spec["source"].strip():
        raise ValidationError(f"{where}: '{key}' must be {{\"value\": ..., \"source\": \"...\"}} with a non-empty source")
    value = spec.get("value")
    if listed and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
        raise ValidationError(f"{where}: {key}.value must be a list of names")
    return value, spec["source"]


# -- the design's figures ------------------------------------------------------------------
@dataclass(frozen=True)
class DesignFigures:
    """What the fit check compares: sizes, degrees, weights, delays, models and NIR nodes."""

    population_sizes: dict  # neuron populations (not devices) -> size
    in_degree: np.ndarray  # (N,) incoming synapses per neuron (all spiking inputs)
    out_degree: np.ndarray  # (N,) outgoing synapses per neuron
    neuron_population: np.ndarray  # (N,) population index
    population_names: tuple[str, ...]
    presynaptic: np.ndarray  # (n_syn,) global pre neuron of each neuron-to-neuron synapse
    postsynaptic: np.ndarray  # (n_syn,) global post neuron
    population_targets: dict  # pre population -> set of post populations
    input_channels: int  # spike sources (spike_generator neurons)
    weights: dict  # projection -> weights (current values)
    max_delay_steps: int
    max_delay_object: str
    models: dict  # model or synapse name -> first object using it
    nir_nodes: dict  # NIR node type -> first object needing it
    nir_refusals: tuple[str, ...]  # why the design cannot be exported to NIR at all


def design_figures(network: Network, compiled: CompiledNetwork | None = None) -> DesignFigures:
    """The design's figures from its compiled arrays (pass a running Simulator's `compiled` to
    check the current, learned weights)."""
    c = compiled if compiled is not None else compile_network(network)
    n = c.n_neurons
    pre = np.repeat(np.tile(np.arange(n, dtype=np.int32), c.threads), np.diff(c.synapses.indptr))
    post = c.synapses.target % n
    if c.plastic is not None and c.plastic.target.size:
        pre = np.concatenate([pre, np.repeat(np.arange(n, dtype=np.int32), np.diff(c.plastic.indptr))])
        post = np.concatenate([post, c.plastic.target])
    poisson_post = c.poisson.target % n
    neuron_population = np.repeat(np.arange(len(c.pop_names), dtype=np.int32), np.diff(c.layout.pop_start))
    in_degree = np.bincount(post, minlength=n) + np.bincount(poisson_post, minlength=n)
    delay, delay_object = _max_delay(c)
    return DesignFigures(
        population_sizes={p.name: p.size for p in network.populations if not p.is_device},
        in_degree=in_degree, out_degree=np.bincount(pre, minlength=n), neuron_population=neuron_population,
        population_names=tuple(c.pop_names), presynaptic=pre, postsynaptic=post,
        population_targets=_population_targets(network),
        input_channels=sum(p.size for p in network.populations if p.model == "spike_generator"),
        weights=_projection_weights(c), max_delay_steps=delay, max_delay_object=delay_object,
        models=_models_used(network), nir_nodes=_nir_nodes(network, c.dt), nir_refusals=_nir_refusals(network),
    )


def _population_targets(network: Network) -> dict:
    targets: dict[str, set[str]] = {}
    for proj in network.projections:
        if network.population(proj.pre).model_class.emits != "current":
            targets.setdefault(proj.pre, set()).add(proj.post)
    return targets


def _projection_weights(c: CompiledNetwork) -> dict:
    weights = {}
    for index, name in enumerate(c.projection_names):
        weights[name] = c.synapses.weight[c.synapse_projection == index].astype(np.float64)
    for index, name in enumerate(c.plastic_names):
        weights[name] = c.plastic.weight[c.plastic.proj == index].copy()
    for index, name in enumerate(c.poisson_sources):
        weights[name] = c.poisson.weight[c.poisson.source == index].copy()
    return weights


def _max_delay(c: CompiledNetwork) -> tuple[int, str]:
    """Longest delay in steps of dt and the projection that has it."""
    best, where = 0, ""
    groups = [(c.synapses.delay, c.synapse_projection, c.projection_names),
              (c.poisson.delay, c.poisson.source, c.poisson_sources)]
    if c.plastic is not None:
        groups.append((c.plastic.delay, c.plastic.proj, c.plastic_names))
    for delays, owner, names in groups:
        if delays.size and int(delays.max()) > best:
            at = int(np.argmax(delays))
            best, where = int(delays[at]), names[int(owner[at])]
    return best, where


def _models_used(network: Network) -> dict:
    used: dict[str, str] = {}
    for pop in network.populations:
        used.setdefault(pop.model, f"population '{pop.name}'")
    for proj in network.projections:
        if network.population(proj.pre).model_class.emits != "current":
            used.setdefault(proj.synapse, f"projection '{proj.name}'")
    return used


def _nir_nodes(network: Network, dt: float) -> dict:
    """The NIR node types engine.io.nir_export.export_nir writes for this design (a test keeps the
    two in step); a Delay only where a delay is longer than one step (a chip's own latency)."""
    nodes: dict[str, str] = {}
    for pop in network.populations:
        where = f"population '{pop.name}'"
        p = pop.params
        if pop.model == "spike_generator":
            kinds = ["Input"]
        elif pop.model == "iaf_psc_delta":
            kinds = ["LIF", "Input", "Output"]
        elif (pop.model == "iaf_psc_exp" and p["tau_syn_ex"] == p["tau_syn_in"]
              and not isinstance(p["tau_syn_ex"], Distribution)):  # two drawn laws give two filters per neuron
            kinds = ["CubaLIF", "Input", "Output"]
        elif pop.model in ("iaf_psc_exp", "iaf_psc_alpha"):
            kinds = ["LIF", "LI", "Input", "Output"]
        else:
            continue  # not exportable: see _nir_refusals
        for kind in kinds:
            nodes.setdefault(kind, where)
    for proj in network.projections:
        if network.population(proj.pre).model_class.emits == "current":
            continue
        nodes.setdefault("Linear", f"projection '{proj.name}'")
        if not isinstance(proj.delay, Distribution) and proj.delay > dt * (1 + 1e-9):
            nodes.setdefault("Delay", f"projection '{proj.name}'")
    return nodes


def _nir_refusals(network: Network) -> tuple[str, ...]:
    reasons = []
    for pop in network.populations:
        if pop.model in ("spike_generator", "iaf_psc_delta", "iaf_psc_exp", "iaf_psc_alpha"):
            continue
        why = REFUSED.get(pop.model, "NIR has no current source" if pop.model_class.emits == "current" else
                          "NIR has no such model")
        reasons.append(f"population '{pop.name}': {pop.model} cannot be exported to NIR: {why}")
    for proj in network.projections:
        if get_synapse(proj.synapse, proj.name).plastic and proj.synapse_params.get("learning", 1.0):
            reasons.append(f"projection '{proj.name}': {proj.synapse} with learning on cannot be exported to NIR "
                           "(NIR has no plasticity)")
        if isinstance(proj.delay, Distribution):
            reasons.append(f"projection '{proj.name}': drawn delays cannot be exported to NIR (one Delay per "
                           "projection); use a constant delay")
    return tuple(reasons)


def quantisation_error(weights: np.ndarray, bits: int) -> float:
    """Relative RMS error of rounding `weights` to a signed `bits`-bit grid scaled to max|w|."""
    weights = np.asarray(weights, np.float64)
    top = float(np.abs(weights).max()) if weights.size else 0.0
    if top == 0.0:
        return 0.0
    step = top / (2 ** (bits - 1) - 1)
    quantised = np.round(weights / step) * step
    return float(math.sqrt(np.sum((weights - quantised) ** 2) / np.sum(weights ** 2)))


# -- the verdict ------------------------------------------------------------------------------
@dataclass(frozen=True)
class FitVerdict:
    target: str
    label: str
    fits: bool
    reasons: tuple[dict, ...]  # each: {"limit", "design", "limit_value", "message"}
    not_checked: tuple[dict, ...]  # each: {"limit", "source"} (not public)
    quantisation: dict = field(default_factory=dict)  # projection -> relative RMS error at the chip's precision
    citation: str = ""

    def to_dict(self) -> dict:
        return {"target": self.target, "label": self.label, "fits": self.fits, "reasons": list(self.reasons),
                "not_checked": list(self.not_checked), "quantisation_error": dict(self.quantisation),
                "citation": self.citation}

    def text(self) -> str:
        """Lines for a terminal: the verdict, each reason, and what could not be checked."""
        lines = [f"{self.label}: {'fits' if self.fits else 'does not fit'}"]
        lines += [f"  - {r['message']}" for r in self.reasons]
        for name, error in self.quantisation.items():
            lines.append(f"  weight quantisation of '{name}': {100 * error:.3g} % RMS")
        lines += [f"  not checked: {item['limit']} ({item['source']})" for item in self.not_checked]
        return "\n".join(lines)


def check_fit(network: Network, target: str, compiled: CompiledNetwork | None = None,
              figures: DesignFigures | None = None, table: tuple[dict, float] | None = None) -> FitVerdict:
    """The fit verdict of `network` on `target` (a name in hardware.json)."""
    targets, tolerance = table if table is not None else load_hardware_table()
    if target not in targets:
        raise ValidationError(f"fit check: unknown target '{target}' (known: {', '.join(targets)})")
    chip = targets[target]
    figures = figures if figures is not None else design_figures(network, compiled)
    reasons: list[dict] = []
    not_checked = [{"limit": name, "source": source} for name, (value, source) in chip.limits.items()
                   if value is None]
    limits = {name: value for name, (value, _) in chip.limits.items() if value is not None}
    for check in (_check_sizes, _check_degrees, _check_delays, _check_models):
        reasons += check(chip, limits, figures)
    quantisation = {}
    if "weight_bits" in limits:
        for name, weights in figures.weights.items():
            error = quantisation_error(weights, limits["weight_bits"])
            quantisation[name] = error
            if error > tolerance:
                reasons.append(_reason("weight_bits", f"{error:.3g}", f"{tolerance:g}",
                                       f"projection '{name}': its weights lose {100 * error:.3g} % (RMS) at "
                                       f"{limits['weight_bits']}-bit weights, more than {100 * tolerance:g} %"))
    return FitVerdict(target=target, label=chip.label, fits=not reasons, reasons=tuple(reasons),
                      not_checked=tuple(not_checked), quantisation=quantisation, citation=chip.citation)


def _reason(limit: str, design, limit_value, message: str, source: str = "") -> dict:
    return {"limit": limit, "design": design, "limit_value": limit_value, "message": message, "source": source}


def _check_sizes(chip: HardwareTarget, limits: dict, f: DesignFigures) -> list[dict]:
    reasons = []
    total = sum(f.population_sizes.values())
    if "neurons_per_chip" in limits and total > limits["neurons_per_chip"]:
        reasons.append(_reason("neurons_per_chip", total, limits["neurons_per_chip"],
                               f"{total:,} neurons, more than the {limits['neurons_per_chip']:,} of one {chip.label}"))
    per_core = limits.get("neurons_per_core")
    if "cores_per_chip" in limits:
        # populations do not share a core; without a per-core figure each needs one (a layer per core)
        cores = sum(math.ceil(size / per_core) if per_core else 1 for size in f.population_sizes.values())
        how = f"at {per_core:,} neurons per core" if per_core else "one per population"
        if cores > limits["cores_per_chip"]:
            reasons.append(_reason("cores_per_chip", cores, limits["cores_per_chip"],
                                   f"needs {cores} cores ({how}), more than the {limits['cores_per_chip']} of one "
                                   f"{chip.label}"))
    if "input_channels" in limits and f.input_channels > limits["input_channels"]:
        reasons.append(_reason("input_channels", f.input_channels, limits["input_channels"],
                               f"{f.input_channels} input spike channels, more than the {limits['input_channels']} "
                               f"inputs of {chip.label}"))
    if "population_fan_out" in limits:
        for pre, posts in f.population_targets.items():
            if len(posts) > limits["population_fan_out"]:
                reasons.append(_reason("population_fan_out", len(posts), limits["population_fan_out"],
                                       f"population '{pre}' projects to {len(posts)} populations, more than the "
                                       f"{limits['population_fan_out']} destinations a layer may have"))
    if per_core and "axons_in_per_core" in limits:
        reasons += _check_core_axons(limits, f, per_core)
    return reasons


def _check_core_axons(limits: dict, f: DesignFigures, per_core: int) -> list[dict]:
    """Distinct presynaptic neurons into each core (a population's neurons fill cores in order)."""
    names = f.population_names
    sizes = np.bincount(f.neuron_population, minlength=len(names))
    start = np.concatenate([[0], np.cumsum(sizes)])
    cores_of = -(-sizes // per_core)
    first_core = np.concatenate([[0], np.cumsum(cores_of)])
    pop = f.neuron_population[f.postsynaptic]
    core = first_core[pop] + (f.postsynaptic - start[pop]) // per_core
    seen = np.zeros((int(first_core[-1]), start[-1]), bool)  # cores x neurons: small, no sort needed
    seen[core, f.presynaptic] = True
    axons = seen.sum(axis=1)
    worst = int(np.argmax(axons)) if axons.size else 0
    if not axons.size or axons[worst] <= limits["axons_in_per_core"]:
        return []
    owner = names[int(np.searchsorted(first_core, worst, side="right") - 1)]
    return [_reason("axons_in_per_core", int(axons[worst]), limits["axons_in_per_core"],
                    f"a core of population '{owner}' receives from {int(axons[worst]):,} distinct neurons, more than "
                    f"the {limits['axons_in_per_core']:,} input axons of a core")]


def _check_degrees(chip: HardwareTarget, limits: dict, f: DesignFigures) -> list[dict]:
    reasons = []
    for limit, degree, what in (("fan_in", f.in_degree, "receives"), ("fan_out", f.out_degree, "sends to")):
        if limit not in limits or not degree.size:
            continue
        worst = int(np.argmax(degree))
        if degree[worst] > limits[limit]:
            pop = f.population_names[f.neuron_population[worst]]
            reasons.append(_reason(limit, int(degree[worst]), limits[limit],
                                   f"a neuron of '{pop}' {what} {int(degree[worst]):,} synapses, more than the "
                                   f"{limits[limit]:,} {limit.replace('_', '-')} of {chip.label}"))
    return reasons


def _check_delays(chip: HardwareTarget, limits: dict, f: DesignFigures) -> list[dict]:
    limit = limits.get("delay_steps_max")
    if limit is None or f.max_delay_steps <= limit:
        return []
    return [_reason("delay_steps_max", f.max_delay_steps, limit,
                    f"projection '{f.max_delay_object}' has a delay of {f.max_delay_steps} steps, more than the "
                    f"{limit} step{'s' if limit != 1 else ''} {chip.label} supports")]


def _check_models(chip: HardwareTarget, limits: dict, f: DesignFigures) -> list[dict]:
    reasons = [_reason("models", model, ", ".join(chip.models), f"{where}: {model} is not run by {chip.label}",
                       chip.models_source)
               for model, where in f.models.items() if model not in chip.models]
    reasons += [_reason("nir_nodes", "not exportable", ", ".join(chip.nir_nodes), why) for why in f.nir_refusals]
    reasons += [_reason("nir_nodes", node, ", ".join(chip.nir_nodes),
                        f"{where}: needs the NIR node {node}, which the {chip.label} importer does not read",
                        chip.nir_source)
                for node, where in f.nir_nodes.items() if node not in chip.nir_nodes]
    return reasons
