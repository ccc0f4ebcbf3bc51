"""Lessons: a network, a text (markdown with $equations$) and 2-4 steps the app checks itself.

    {"format": "snn-designer-lesson", "version": 1,
     "title": "...", "summary": "one line", "course": "...", "order": 1,
     "text": "markdown, $inline$ and $$display$$ TeX",
     "steps": [{"title": "Make it fire between 20 and 40 Hz",
                "change": {"target": "current", "field": "amplitude"},
                "condition": {"statistic": "rate", "population": "neuron", "min": 20, "max": 40,
                              "window_ms": 1000},
                "solution": 400}],
     "network": {"format": "snn-designer-network", "version": 2, "network": {...}}}

The network is a whole native network document (engine/io/native.py), read by the same
reader, so older networks inside lessons are migrated like files. A step names the parameter
to change (target and field as Simulator.set_param names them) and a condition on the spikes
of one population in the newest `window_ms` of the run; `evaluate_condition` is a pure
function of those spikes (engine.analysis computes the statistic). docs/lessons.md has the
reference.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine import analysis
from engine.errors import ValidationError
from engine.io.native import FORMAT_NAME as NETWORK_FORMAT, MAX_FILE_BYTES, network_from_json, network_to_json, parse_json, write_atomic
from engine.model.network import Network
from engine.model.parameters import is_finite_number, shown

LESSON_FORMAT = "snn-designer-lesson"
LESSON_VERSION = 1
MIN_STEPS, MAX_STEPS = 2, 4
DEFAULT_WINDOW_MS = 1000.0
# statistic -> (what it is, unit): each is a PopulationStatistics value of engine.analysis
STATISTICS = {
    "rate": ("mean firing rate", "Hz"),
    "cv": ("mean CV of the interspike intervals", ""),
    "fano": ("mean Fano factor of the spike counts", ""),
    "synchrony": ("spike-contrast synchrony", ""),
}
LESSON_FIELDS = {"format", "version", "title", "summary", "course", "order", "text", "steps", "network"}


@dataclass(frozen=True)
class Condition:
    """`min <= statistic(population's spikes in the newest window_ms) <= max` (either bound may be None)."""

    statistic: str
    population: str
    min: float | None = None
    max: float | None = None
    window_ms: float = DEFAULT_WINDOW_MS

    def describe(self) -> str:
        what, unit = STATISTICS[self.statistic]
        unit = f" {unit}" if unit else ""
        if self.min is not None and self.max is not None:
            band = f"between {self.min:g} and {self.max:g}{unit}"
        elif self.min is not None:
            band = f"at least {self.min:g}{unit}"
        else:
            band = f"at most {self.max:g}{unit}"
        return f"{what} of '{self.population}' {band} (last {self.window_ms:g} ms)"


@dataclass(frozen=True)
class Step:
    """One "try this": change `target`.`field`, until `condition` holds. `solution` is a value
    that makes it hold once the earlier steps' solutions are in (tests check every lesson so)."""

    title: str
    target: str
    field: str
    condition: Condition
    solution: float


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


@dataclass(frozen=True)
class Measurement:
    """What a condition measured: `value` (NaN before enough data), whether it holds, and a sentence."""

    value: float
    done: bool
    text: str


def evaluate_condition(condition: Condition, neurons, times, size: int, t_now: float, dt: float) -> Measurement:
    """The condition on one population's spikes (`neurons` within it, `times` ms) recorded up to
    `t_now`: measured over (t_now - window_ms, t_now]; not done while less than window_ms ran."""
    if t_now + dt / 2 < condition.window_ms:
        return Measurement(math.nan, False, f"run at least {condition.window_ms:g} ms (now {t_now:g} ms)")
    w = analysis.window(neurons, times, size, t_now - condition.window_ms, t_now, dt)
    stats = analysis.population_statistics(w)
    value = {"rate": stats.mean_rate, "cv": stats.mean_cv, "fano": stats.mean_fano,
             "synchrony": stats.synchrony}[condition.statistic]
    unit = STATISTICS[condition.statistic][1]
    if not math.isfinite(value):
        return Measurement(math.nan, False, f"{condition.statistic}: not defined yet (too few spikes)")
    done = (condition.min is None or value >= condition.min) and (condition.max is None or value <= condition.max)
    return Measurement(float(value), done, f"{condition.statistic} = {value:.3g}{' ' + unit if unit else ''}")


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


def _condition(doc: Any, where: str, network: Network) -> Condition:
    if not isinstance(doc, dict):
        raise ValidationError(f"{where}: field 'condition' must be an object")
    unknown = sorted(set(doc) - {"statistic", "population", "min", "max", "window_ms"})
    if unknown:
        raise ValidationError(f"{where}: condition: unknown field '{unknown[0]}'")
    statistic = doc.get("statistic")
    if not isinstance(statistic, str) or statistic not in STATISTICS:
        raise ValidationError(f"{where}: condition: unknown statistic {statistic!r} (use one of {', '.join(STATISTICS)})")
    population = _text(doc, "population", f"{where}: condition")
    names = [p.name for p in network.populations if not p.is_device]
    if population not in names:
        raise ValidationError(f"{where}: condition: no neuron population '{population}' in the network "
                              f"(it has {', '.join(names) or 'none'})")
    low, high = _number(doc, "min", f"{where}: condition"), _number(doc, "max", f"{where}: condition")
    if low is None and high is None:
        raise ValidationError(f"{where}: condition: give 'min', 'max' or both")
    if low is not None and high is not None and low > high:
        raise ValidationError(f"{where}: condition: min ({low:g}) is above max ({high:g})")
    window_ms = _number(doc, "window_ms", f"{where}: condition", DEFAULT_WINDOW_MS)
    if window_ms < 10 * network.dt:
        raise ValidationError(f"{where}: condition: window_ms must be at least 10 time steps ({10 * network.dt:g} ms)")
    return Condition(statistic, population, low, high, window_ms)


def _step(doc: Any, where: str, network: Network) -> Step:
    if not isinstance(doc, dict):
        raise ValidationError(f"{where}: must be an object with title, change and condition")
    change = doc.get("change")
    if not isinstance(change, dict):
        raise ValidationError(f"{where}: field 'change' must be an object {{\"target\": ..., \"field\": ...}}")
    target, field = _text(change, "target", f"{where}: change"), _text(change, "field", f"{where}: change")
    try:
        quantity = network.quantity_of(target, field)
    except ValidationError:
        raise ValidationError(f"{where}: change: no population or projection named '{target}' in the network") from None
    if quantity is None:
        raise ValidationError(f"{where}: change: '{target}' has no parameter '{field}'")
    unknown = sorted(set(doc) - {"title", "change", "condition", "solution"})
    if unknown:
        raise ValidationError(f"{where}: unknown field '{unknown[0]}'")
    solution = _number(doc, "solution", where)
    if solution is None:
        raise ValidationError(f"{where}: field 'solution' (a value of {target}.{field} that meets the condition) is missing")
    quantity.check(solution, f"{where}: solution for {target}.{field}")
    return Step(_text(doc, "title", where), target, field, _condition(doc.get("condition"), where, network), solution)


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
                  steps=tuple(_step(s, f"{source}: step {i}", network) for i, s in enumerate(steps, start=1)),
                  network=network)


def lesson_from_json(text: str | bytes, name: str, source: str = "lesson") -> Lesson:
    return lesson_from_dict(parse_json(text, source), name, source)


# -- writing -----------------------------------------------------------------------------------
def _condition_to_dict(c: Condition) -> dict:
    out = {"statistic": c.statistic, "population": c.population}
    out.update({k: v for k, v in (("min", c.min), ("max", c.max)) if v is not None})
    return {**out, "window_ms": c.window_ms}


def lesson_to_dict(lesson: Lesson) -> dict:
    return {
        "format": LESSON_FORMAT, "version": LESSON_VERSION, "title": lesson.title, "summary": lesson.summary,
        "course": lesson.course, "order": lesson.order, "text": lesson.text,
        "steps": [{"title": s.title, "change": {"target": s.target, "field": s.field},
                   "condition": _condition_to_dict(s.condition), "solution": s.solution} for s in lesson.steps],
        "network": json.loads(network_to_json(lesson.network)),
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

