"""Lessons: a network, a text (markdown with $equations$) and 2-4 steps the app checks itself.

    {"format": "snn-designer-lesson", "version": 2,
     "title": "...", "summary": "one line", "course": "...", "order": 1,
     "text": "markdown, $inline$ and $$display$$ TeX",
     "steps": [{"title": "Make it fire between 20 and 40 Hz",
                "change": {"target": "current", "field": "amplitude"},
                "condition": {"statistic": "rate", "population": "neuron", "min": 20, "max": 40,
                              "window_ms": 1000},
                "solution": 400}],
     "plot": {"kind": "f-I", "current": "current", "field": "amplitude", "population": "neuron"},
     "network": {"format": "snn-designer-network", "version": 2, "network": {...}}}

A lesion step (version 3) asks for a lesion instead of a parameter change:
`"change": {"lesion": "exc"}` with `"solution": 0.2` (a fraction of exc's neurons), and its
condition is `survivor_rate_change`: how much the survivors' rate moved across the lesion
(`"lesion"`: the lesioned population, `"lesioned_min"`: the fraction it needs).

The network is a whole native network document (engine/io/native.py), read by the same
reader, so older networks inside lessons are migrated like files. A step names the parameter
to change (target and field as Simulator.set_param names them) and a condition on the spikes
of one population in the newest `window_ms` of the run; `evaluate_condition` is a pure
function of those spikes (engine.analysis computes the statistic). The optional `plot` asks
the panel for a figure beside the text (version 2: an f-I curve measured point by point).
docs/lessons.md has the reference; a lesson is written in the oldest version that holds it.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from engine import analysis, circuit_analysis
from engine.errors import ValidationError
from engine.io.native import FORMAT_NAME as NETWORK_FORMAT, MAX_FILE_BYTES, network_from_json, network_to_json, parse_json, write_atomic
from engine.model.network import Network
from engine.model.parameters import is_finite_number, shown

LESSON_FORMAT = "snn-designer-lesson"
LESSON_VERSION = 3  # 2: chi; statistics of two populations, of weights and of a repeated pattern; the f-I plot
# 3: lesion steps and survivor_rate_change
MIN_STEPS, MAX_STEPS = 2, 4
DEFAULT_WINDOW_MS = 1000.0
# statistic -> (what it is, unit): each is a PopulationStatistics value of engine.analysis
STATISTICS = {
    "rate": ("mean firing rate", "Hz"),
    "cv": ("mean CV of the interspike intervals", ""),
    "fano": ("mean Fano factor of the spike counts", ""),
    "synchrony": ("spike-contrast synchrony", ""),
    "chi": ("synchrony chi² of the 2 ms spike counts", ""),
    "contrast": ("rate contrast", ""),
    "alternation": ("alternation", ""),
    "bimodality": ("bimodality coefficient", ""),
    "pattern_latency": ("latency to the pattern", "ms"),
    "survivor_rate_change": ("change of the survivors' rate across the lesion", "%"),
}
# what each statistic is measured on; the fields a condition of that kind has besides statistic, min, max, window_ms
KINDS = {"rate": "population", "cv": "population", "fano": "population", "synchrony": "population", "chi": "population",
         "contrast": "pair", "alternation": "pair", "bimodality": "weights", "pattern_latency": "pattern",
         "survivor_rate_change": "lesion"}
KIND_FIELDS = {"population": {"population"}, "pair": {"population", "other"}, "weights": {"projection"},
               "pattern": {"population", "onsets_ms", "pattern_ms"}, "lesion": {"population", "lesion", "lesioned_min"}}
SINCE_VERSION = {**{name: 2 for name in ("chi", "contrast", "alternation", "bimodality", "pattern_latency")},
                 "survivor_rate_change": 3}
LESION = "lesion"  # Step.field of a lesion step: its solution is the fraction of Step.target's neurons to lesion
PLOT_KINDS = ("f-I",)
# the f-I plot's analytic curve is the LIF's: models with these parameters and a current input
LIF_MODELS = ("iaf_psc_delta", "iaf_psc_exp", "iaf_psc_alpha")
LESSON_FIELDS = {"format", "version", "title", "summary", "course", "order", "text", "steps", "network", "plot"}


@dataclass(frozen=True)
class Condition:
    """`min <= statistic <= max` (either bound may be None), measured in the newest window_ms.

    The statistic is of `population`'s spikes (rate, cv, fano, synchrony), of `population`
    against `other` (contrast, alternation), of `projection`'s current weights (bimodality) or
    of `population`'s answer to a pattern starting at `onsets_ms` and lasting `pattern_ms`
    (pattern_latency), or of the change, in %, of the rate of `population`'s surviving neurons
    from the window before the last lesion of `lesion` to the newest window after it, once at
    least `lesioned_min` of `lesion`'s neurons are lesioned (survivor_rate_change).
    Definitions: engine.analysis and engine.circuit_analysis."""

    statistic: str
    population: str | None = None
    min: float | None = None
    max: float | None = None
    window_ms: float = DEFAULT_WINDOW_MS
    other: str | None = None
    projection: str | None = None
    onsets_ms: tuple[float, ...] = ()
    pattern_ms: float | None = None
    lesion: str | None = None
    lesioned_min: float | None = None

    @property
    def kind(self) -> str:
        return KINDS[self.statistic]

    def subject(self) -> str:
        if self.kind == "pair":
            return f"'{self.population}' against '{self.other}'"
        if self.kind == "weights":
            return f"the weights of '{self.projection}'"
        if self.kind == "pattern":
            return f"'{self.population}' after each {self.pattern_ms:g} ms pattern"
        if self.kind == "lesion":
            return f"'{self.population}' once {self.lesioned_min:.0%} of '{self.lesion}' is lesioned"
        return f"'{self.population}'"

    def describe(self) -> str:
        what, unit = STATISTICS[self.statistic]
        unit = f" {unit}" if unit else ""
        if self.min is not None and self.max is not None:
            band = f"between {self.min:g} and {self.max:g}{unit}"
        elif self.min is not None:
            band = f"at least {self.min:g}{unit}"
        else:
            band = f"at most {self.max:g}{unit}"
        return f"{what} of {self.subject()} {band} (last {self.window_ms:g} ms)"


@dataclass(frozen=True)
class Step:
    """One "try this": change `target`.`field`, until `condition` holds. `solution` is a value
    that makes it hold once the earlier steps' solutions are in (tests check every lesson so)."""

    title: str
    target: str
    field: str
    condition: Condition
    solution: float

    @property
    def is_lesion(self) -> bool:
        """A lesion step: lesion the fraction `solution` of `target`'s neurons (field 'lesion')."""
        return self.field == LESION


@dataclass(frozen=True)
class FICurve:
    """The panel's f-I plot: the rate of `population` (one LIF neuron) measured at each value of
    `current`.`field` (a dc_generator's amplitude) the student runs, beside the analytic curve."""

    current: str
    population: str
    field: str = "amplitude"
    kind: str = "f-I"


@dataclass(frozen=True)
class Lesson:
    name: str  # the file's stem: /app?lesson=NAME
    title: str
    summary: str
    course: str
    order: int
    text: str
    steps: tuple[Step, ...]
    network: Network
    plot: FICurve | None = None


@dataclass(frozen=True)
class Measurement:
    """What a condition measured: `value` (NaN before enough data), whether it holds, and a sentence."""

    value: float
    done: bool
    text: str


def _judge(condition: Condition, value: float) -> Measurement:
    unit = STATISTICS[condition.statistic][1]
    if not math.isfinite(value):
        return Measurement(math.nan, False, f"{condition.statistic}: not defined yet (too few spikes)")
    done = (condition.min is None or value >= condition.min) and (condition.max is None or value <= condition.max)
    return Measurement(float(value), done, f"{condition.statistic} = {value:.3g}{' ' + unit if unit else ''}")


def _too_early(condition: Condition, t_now: float, dt: float) -> Measurement | None:
    if t_now + dt / 2 < condition.window_ms:
        return Measurement(math.nan, False, f"run at least {condition.window_ms:g} ms (now {t_now:g} ms)")
    return None


def evaluate_condition(condition: Condition, neurons, times, size: int, t_now: float, dt: float) -> Measurement:
    """A one-population condition on its spikes (`neurons` within it, `times` ms) recorded up to
    `t_now`: measured over (t_now - window_ms, t_now]; not done while less than window_ms ran."""
    early = _too_early(condition, t_now, dt)
    if early is not None:
        return early
    w = analysis.window(neurons, times, size, t_now - condition.window_ms, t_now, dt)
    if condition.kind == "pattern":
        return _judge(condition, circuit_analysis.pattern_latency(w, condition.onsets_ms, condition.pattern_ms))
    if condition.statistic == "chi":
        return _judge(condition, analysis.chi_synchrony(w))
    stats = analysis.population_statistics(w)
    return _judge(condition, {"rate": stats.mean_rate, "cv": stats.mean_cv, "fano": stats.mean_fano,
                              "synchrony": stats.synchrony}[condition.statistic])


def _survivor_rate(neurons, times, size: int, alive: np.ndarray, start: float, stop: float, dt: float) -> float:
    """Spikes per second per neuron of the `alive` neurons (of 0..size-1) in (start, stop]."""
    w = analysis.window(neurons, times, size, start, stop, dt)
    return float(np.isin(w.neurons, alive).sum() / alive.size / ((stop - start) / 1000.0)) if alive.size else math.nan


def measure_lesion(condition: Condition, spikes_of: Callable[[str], tuple], t_now: float, dt: float,
                   lesion_of: Callable[[str], tuple | None]) -> Measurement:
    """survivor_rate_change: `lesion_of(population)` gives (lesioned neuron indices, simulated ms of
    that population's last lesion) or None. Before: the window_ms before the lesion (what ran of
    it); after: the newest window_ms, wholly after it; both of the neurons of `population` alive now."""
    neurons, times, size = spikes_of(condition.population)
    lesioned = lesion_of(condition.lesion)
    fraction = 0.0 if lesioned is None else len(lesioned[0]) / spikes_of(condition.lesion)[2]
    if lesioned is None or fraction + 1e-9 < condition.lesioned_min:
        return Measurement(math.nan, False, f"lesion at least {condition.lesioned_min:.0%} of '{condition.lesion}' "
                                            f"(now {fraction:.0%})")
    t_lesion = lesioned[1]
    if t_lesion < min(condition.window_ms / 2, 100.0):
        return Measurement(math.nan, False, f"the lesion came {t_lesion:.0f} ms into the run: revive, run a "
                                            "while, and lesion again to compare before with after")
    if t_now - condition.window_ms < t_lesion - dt / 2:
        return Measurement(math.nan, False, f"measuring after the lesion "
                                            f"({t_lesion + condition.window_ms - t_now:.0f} ms to go)")
    own = lesion_of(condition.population)
    alive = np.setdiff1d(np.arange(size), [] if own is None else own[0])
    before = _survivor_rate(neurons, times, size, alive, max(0.0, t_lesion - condition.window_ms), t_lesion, dt)
    after = _survivor_rate(neurons, times, size, alive, t_now - condition.window_ms, t_now, dt)
    if not before > 0:
        return Measurement(math.nan, False, f"'{condition.population}' was silent before the lesion: nothing to compare")
    judged = _judge(condition, 100.0 * (after - before) / before)
    return Measurement(judged.value, judged.done, f"survivors' rate {before:.3g} → {after:.3g} Hz "
                                                  f"({judged.value:+.0f} %), {fraction:.0%} of '{condition.lesion}' lesioned")


def measure_condition(condition: Condition, spikes_of: Callable[[str], tuple], t_now: float, dt: float,
                      weights_of: Callable[[str], tuple | None] = lambda _name: None,
                      lesion_of: Callable[[str], tuple | None] = lambda _name: None) -> Measurement:
    """Any condition: `spikes_of(population)` gives (neurons, times, size) recorded up to t_now,
    `weights_of(projection)` the current weight histogram (counts, edges over [0, Wmax]) or None,
    `lesion_of(population)` its lesioned neurons and the time of its last lesion (measure_lesion)."""
    early = _too_early(condition, t_now, dt)
    if early is not None:
        return early
    if condition.kind == "lesion":
        return measure_lesion(condition, spikes_of, t_now, dt, lesion_of)
    if condition.kind == "weights":
        histogram = weights_of(condition.projection)
        if histogram is None:
            return Measurement(math.nan, False, f"no weights of '{condition.projection}' yet")
        return _judge(condition, circuit_analysis.histogram_bimodality(*histogram))
    if condition.kind != "pair":
        return evaluate_condition(condition, *spikes_of(condition.population), t_now, dt)
    start = t_now - condition.window_ms
    a, b = (analysis.window(*spikes_of(name), start, t_now, dt) for name in (condition.population, condition.other))
    value = circuit_analysis.contrast(a, b) if condition.statistic == "contrast" else circuit_analysis.alternation(a, b)
    return _judge(condition, value)


def condition_names(condition: Condition) -> tuple[str, ...]:
    """The populations and projections a condition reads (the app skips it while one is missing)."""
    return tuple(name for name in (condition.population, condition.other, condition.projection, condition.lesion)
                 if name)


# -- reading -----------------------------------------------------------------------------------
def _text(doc: dict, key: str, where: str, default: str | None = None) -> str:
    value = doc.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{where}: field '{key}' must be non-empty text")
    return value


def _number(doc: dict, key: str, where: str, default: float | None = None) -> float | None:
    value = doc.get(key, default)
    if value is None:
        return None
    if not is_finite_number(value):
        raise ValidationError(f"{where}: field '{key}' must be a finite number, got {shown(value)}")
    return float(value)


def check_text(text: str, where: str) -> None:
    """Equations must be closed: an odd number of `$$` (or of `$` on a line) is refused."""
    if text.count("$$") % 2:
        raise ValidationError(f"{where}: field 'text' has an unclosed $$ display equation")
    for number, line in enumerate(text.replace("\\$", "").replace("$$", "").splitlines(), start=1):
        if line.count("$") % 2:
            raise ValidationError(f"{where}: field 'text' line {number} has an unclosed $ equation")


def _neuron_population(doc: dict, key: str, where: str, network: Network) -> str:
    name = _text(doc, key, where)
    names = [p.name for p in network.populations if not p.is_device]
    if name not in names:
        raise ValidationError(f"{where}: no neuron population '{name}' in the network "
                              f"(it has {', '.join(names) or 'none'})")
    return name


def _plastic_projection(doc: dict, where: str, network: Network) -> str:
    name = _text(doc, "projection", where)
    plastic = [p.name for p in network.projections if p.synapse == "stdp_synapse"]
    if name not in plastic:
        raise ValidationError(f"{where}: no plastic projection '{name}' in the network "
                              f"(plastic: {', '.join(plastic) or 'none'})")
    return name


def _onsets(doc: dict, where: str) -> tuple[float, ...]:
    onsets = doc.get("onsets_ms")
    if not isinstance(onsets, list) or not onsets:
        raise ValidationError(f"{where}: field 'onsets_ms' must be a non-empty list of pattern onset times (ms)")
    values = [_number({"onset": v}, "onset", f"{where}: onsets_ms") for v in onsets]
    if values[0] < 0 or any(b <= a for a, b in zip(values, values[1:])):
        raise ValidationError(f"{where}: field 'onsets_ms' must be increasing times from 0 ms")
    return tuple(values)


def _subject(doc: dict, statistic: str, where: str, network: Network) -> dict:
    """The fields naming what the statistic is measured on, checked against the network."""
    kind = KINDS[statistic]
    if kind == "weights":
        return {"population": None, "projection": _plastic_projection(doc, where, network)}
    fields = {"population": _neuron_population(doc, "population", where, network)}
    if kind == "pair":
        fields["other"] = _neuron_population(doc, "other", where, network)
        if fields["other"] == fields["population"]:
            raise ValidationError(f"{where}: 'other' must be another population than '{fields['population']}'")
    if kind == "lesion":
        fields["lesion"] = _neuron_population(doc, "lesion", where, network)
        fields["lesioned_min"] = _number(doc, "lesioned_min", where)
        if fields["lesioned_min"] is None or not 0 < fields["lesioned_min"] <= 1:
            raise ValidationError(f"{where}: field 'lesioned_min' (the fraction of '{fields['lesion']}' to lesion) "
                                  f"must be a number above 0 and at most 1")
    if kind == "pattern":
        fields["onsets_ms"] = _onsets(doc, where)
        fields["pattern_ms"] = _number(doc, "pattern_ms", where)
        if fields["pattern_ms"] is None or fields["pattern_ms"] <= 0:
            raise ValidationError(f"{where}: field 'pattern_ms' (the pattern's length, ms) must be positive")
    return fields


def _condition(doc: Any, where: str, network: Network, version: int = LESSON_VERSION) -> Condition:
    if not isinstance(doc, dict):
        raise ValidationError(f"{where}: field 'condition' must be an object")
    statistic = doc.get("statistic")
    if not isinstance(statistic, str) or statistic not in STATISTICS:
        raise ValidationError(f"{where}: condition: unknown statistic {statistic!r} (use one of {', '.join(STATISTICS)})")
    if SINCE_VERSION.get(statistic, 1) > version:
        raise ValidationError(f"{where}: condition: statistic '{statistic}' needs lesson version "
                              f"{SINCE_VERSION[statistic]} (the file says {version})")
    unknown = sorted(set(doc) - {"statistic", "min", "max", "window_ms"} - KIND_FIELDS[KINDS[statistic]])
    if unknown:
        raise ValidationError(f"{where}: condition: unknown field '{unknown[0]}' for statistic '{statistic}'")
    subject = _subject(doc, statistic, f"{where}: condition", network)
    low, high = _number(doc, "min", f"{where}: condition"), _number(doc, "max", f"{where}: condition")
    if low is None and high is None:
        raise ValidationError(f"{where}: condition: give 'min', 'max' or both")
    if low is not None and high is not None and low > high:
        raise ValidationError(f"{where}: condition: min ({low:g}) is above max ({high:g})")
    window_ms = _number(doc, "window_ms", f"{where}: condition", DEFAULT_WINDOW_MS)
    if window_ms is None:  # written as null: leaving the field out means the default
        raise ValidationError(f"{where}: condition: field 'window_ms' must be a finite number, got null")
    if window_ms < 10 * network.dt:
        raise ValidationError(f"{where}: condition: window_ms must be at least 10 time steps ({10 * network.dt:g} ms)")
    return Condition(statistic, min=low, max=high, window_ms=window_ms, **subject)


def _parameter_change(change: dict, where: str, network: Network, solution: float | None) -> tuple[str, str]:
    target, field = _text(change, "target", f"{where}: change"), _text(change, "field", f"{where}: change")
    unknown = sorted(set(change) - {"target", "field"})
    if unknown:
        raise ValidationError(f"{where}: change: unknown field '{unknown[0]}'")
    try:
        quantity = network.quantity_of(target, field)
    except ValidationError:
        raise ValidationError(f"{where}: change: no population or projection named '{target}' in the network") from None
    if quantity is None:
        raise ValidationError(f"{where}: change: '{target}' has no parameter '{field}'")
    if solution is None:
        raise ValidationError(f"{where}: field 'solution' (a value of {target}.{field} that meets the condition) is missing")
    quantity.check(solution, f"{where}: solution for {target}.{field}")
    return target, field


def _lesion_change(change: dict, where: str, network: Network, solution: float | None, version: int) -> tuple[str, str]:
    if version < 3:
        raise ValidationError(f"{where}: change: a lesion step needs lesson version 3 (the file says {version})")
    unknown = sorted(set(change) - {LESION})
    if unknown:
        raise ValidationError(f"{where}: change: unknown field '{unknown[0]}' (a lesion step's change is "
                              f"{{\"lesion\": POPULATION}})")
    target = _neuron_population(change, LESION, f"{where}: change", network)
    if solution is None or not 0 < solution <= 1:
        raise ValidationError(f"{where}: field 'solution' of a lesion step (the fraction of '{target}' to lesion) "
                              f"must be a number above 0 and at most 1")
    return target, LESION


def _check_lesion_step(step: Step, where: str) -> None:
    """A lesion step measures its own lesion; survivor_rate_change needs a lesion step."""
    c = step.condition
    if step.is_lesion != (c.kind == "lesion"):
        raise ValidationError(f"{where}: a lesion step's condition must be survivor_rate_change, and "
                              f"survivor_rate_change belongs to a lesion step (change {{\"lesion\": ...}})")
    if step.is_lesion and c.lesion != step.target:
        raise ValidationError(f"{where}: condition: 'lesion' is '{c.lesion}' but the step lesions '{step.target}'")
    if step.is_lesion and step.solution + 1e-9 < c.lesioned_min:
        raise ValidationError(f"{where}: solution {step.solution:g} lesions less than the condition's "
                              f"lesioned_min {c.lesioned_min:g}")


def _step(doc: Any, where: str, network: Network, version: int = LESSON_VERSION) -> Step:
    if not isinstance(doc, dict):
        raise ValidationError(f"{where}: must be an object with title, change and condition")
    change = doc.get("change")
    if not isinstance(change, dict):
        raise ValidationError(f"{where}: field 'change' must be an object {{\"target\": ..., \"field\": ...}} "
                              f"or {{\"lesion\": POPULATION}}")
    unknown = sorted(set(doc) - {"title", "change", "condition", "solution"})
    if unknown:
        raise ValidationError(f"{where}: unknown field '{unknown[0]}'")
    solution = _number(doc, "solution", where)
    if LESION in change:
        target, field = _lesion_change(change, where, network, solution, version)
    else:
        target, field = _parameter_change(change, where, network, solution)
    condition = _condition(doc.get("condition"), where, network, version)
    step = Step(_text(doc, "title", where), target, field, condition, solution)
    _check_lesion_step(step, where)
    return step


def _plot(doc: Any, where: str, network: Network, version: int = LESSON_VERSION) -> FICurve | None:
    if doc is None:
        return None
    if version < 2:
        raise ValidationError(f"{where}: field 'plot' needs lesson version 2 (the file says {version})")
    if not isinstance(doc, dict):
        raise ValidationError(f"{where}: field 'plot' must be an object")
    unknown = sorted(set(doc) - {"kind", "current", "field", "population"})
    if unknown:
        raise ValidationError(f"{where}: plot: unknown field '{unknown[0]}'")
    if doc.get("kind") not in PLOT_KINDS:
        raise ValidationError(f"{where}: plot: unknown kind {doc.get('kind')!r} (use one of {', '.join(PLOT_KINDS)})")
    current, population = _text(doc, "current", f"{where}: plot"), _text(doc, "population", f"{where}: plot")
    field = _text(doc, "field", f"{where}: plot", "amplitude")
    models = {p.name: p.model for p in network.populations}
    if models.get(current) != "dc_generator":
        raise ValidationError(f"{where}: plot: 'current' must name a dc_generator of the network, got '{current}'")
    if network.quantity_of(current, field) is None:
        raise ValidationError(f"{where}: plot: '{current}' has no parameter '{field}'")
    if models.get(population) not in LIF_MODELS:
        raise ValidationError(f"{where}: plot: 'population' must name a LIF neuron population "
                              f"({', '.join(LIF_MODELS)}), got '{population}'")
    return FICurve(current, population, field)


def lesson_from_dict(doc: Any, name: str, source: str = "lesson") -> Lesson:
    if not isinstance(doc, dict) or doc.get("format") != LESSON_FORMAT:
        raise ValidationError(f"{source}: not an SNN Designer lesson (missing \"format\": \"{LESSON_FORMAT}\")")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValidationError(f"{source}: field 'version' must be a whole number from 1")
    if version > LESSON_VERSION:
        raise ValidationError(f"{source}: written by a newer SNN Designer (lesson version {version}; "
                              f"this one reads up to {LESSON_VERSION})")
    unknown = sorted(set(doc) - LESSON_FIELDS)
    if unknown:
        raise ValidationError(f"{source}: unknown field '{unknown[0]}'")
    network_doc = doc.get("network")
    if not isinstance(network_doc, dict) or network_doc.get("format") != NETWORK_FORMAT:
        raise ValidationError(f"{source}: field 'network' must be a network document (\"format\": \"{NETWORK_FORMAT}\")")
    network = network_from_json(json.dumps(network_doc), source=f"{source}: network")
    text = _text(doc, "text", source)
    check_text(text, source)
    steps = doc.get("steps")
    if not isinstance(steps, list) or not MIN_STEPS <= len(steps) <= MAX_STEPS:
        raise ValidationError(f"{source}: field 'steps' must be a list of {MIN_STEPS} to {MAX_STEPS} steps")
    order = _number(doc, "order", source, 0.0)
    if order != int(order):
        raise ValidationError(f"{source}: field 'order' must be a whole number")
    return Lesson(name=name, title=_text(doc, "title", source), summary=_text(doc, "summary", source),
                  course=_text(doc, "course", source, "Lessons"), order=int(order), text=text,
                  steps=tuple(_step(s, f"{source}: step {i}", network, version) for i, s in enumerate(steps, start=1)),
                  network=network, plot=_plot(doc.get("plot"), source, network, version))


def lesson_from_json(text: str | bytes, name: str, source: str = "lesson") -> Lesson:
    return lesson_from_dict(parse_json(text, source), name, source)


# -- writing -----------------------------------------------------------------------------------
def _condition_to_dict(c: Condition) -> dict:
    out = {"statistic": c.statistic}
    subject = {"population": c.population, "other": c.other, "projection": c.projection,
               "onsets_ms": list(c.onsets_ms) or None, "pattern_ms": c.pattern_ms, "lesion": c.lesion,
               "lesioned_min": c.lesioned_min}
    out.update({k: v for k, v in subject.items() if k in KIND_FIELDS[c.kind]})
    out.update({k: v for k, v in (("min", c.min), ("max", c.max)) if v is not None})
    return {**out, "window_ms": c.window_ms}


def lesson_version(lesson: Lesson) -> int:
    """The oldest format version that holds the lesson (older readers keep reading older lessons)."""
    plot = [2] if lesson.plot is not None else []
    return max([1] + plot + [SINCE_VERSION.get(step.condition.statistic, 1) for step in lesson.steps])


def lesson_to_dict(lesson: Lesson) -> dict:
    return {
        "format": LESSON_FORMAT, "version": lesson_version(lesson), "title": lesson.title, "summary": lesson.summary,
        "course": lesson.course, "order": lesson.order, "text": lesson.text,
        "steps": [{"title": s.title, "change": {LESION: s.target} if s.is_lesion else {"target": s.target, "field": s.field},
                   "condition": _condition_to_dict(s.condition), "solution": s.solution} for s in lesson.steps],
        "network": json.loads(network_to_json(lesson.network)),
        **({"plot": {"kind": lesson.plot.kind, "current": lesson.plot.current, "field": lesson.plot.field,
                     "population": lesson.plot.population}} if lesson.plot else {}),
    }


def lesson_to_json(lesson: Lesson) -> str:
    return json.dumps(lesson_to_dict(lesson), indent=1, ensure_ascii=False, allow_nan=False)


def save_lesson(lesson: Lesson, path: str | os.PathLike) -> None:
    """Atomic save, as save_network: a crash mid-write leaves the old file."""
    write_atomic(path, lesson_to_json(lesson))


def load_lesson(path: str | os.PathLike) -> Lesson:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValidationError(f"{path.name}: file is larger than {MAX_FILE_BYTES // 2**20} MiB")
        data = path.read_bytes()
    except OSError as error:
        raise ValidationError(f"{path.name}: cannot read ({error.strerror})") from None
    return lesson_from_json(data, name=path.stem, source=path.name)


def list_lessons(folder: str | os.PathLike) -> list[Lesson]:
    """Every valid lesson in the folder, in course order (a broken file is left out)."""
    lessons = []
    for path in sorted(Path(folder).glob("*.json")):
        try:
            lessons.append(load_lesson(path))
        except ValidationError:
            continue
    return sorted(lessons, key=lambda lesson: (lesson.order, lesson.name))

