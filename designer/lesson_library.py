"""Lessons teachers save from the page: files under the app's data folder, found beside the built-in ones.

The built-in lessons live in assets/lessons/ (written by scripts/make_lessons.py); a saved one is
`<data folder>/lessons/NAME.json` (the data folder `snn-designer serve --data-dir` gives the
session store, else designer.store.default_data_dir()). Both open by link, `/app?lesson=NAME`,
and both are listed in the lesson index. A built-in name always wins: saving under one is
refused, and a file of that name put in the saved folder by hand is left out.

A lesson is built from the editor's fields (`lesson_from_fields`) through the same validator as a
lesson file (engine.io.lesson_from_json), so a saved lesson is exactly a file the app reads back.
NAME is checked against a strict pattern before any path is made of it; saves are atomic
(engine.io.save_lesson). This is a designer concern: the engine knows nothing of folders.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from engine import Network, ValidationError
from engine.io import LESSON_FORMAT, LESSON_VERSION, Lesson, lesson_from_json, lesson_to_json, list_lessons, load_lesson, network_to_json, save_lesson

from designer.store import DATA_DIR_ENV, default_data_dir

SAVED_FOLDER = "lessons"
SAVED_COURSE = "Lessons made here"
SAVED_ORDER = 1000  # saved lessons come after the built-in course in the index and in next/previous
MIN_STEPS, MAX_STEPS = 2, 4  # as engine.io's lesson reader (docs/lessons.md): the editor offers these
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,59}")
NAME_RULE = "1 to 60 small letters, digits, '-' or '_', starting with a letter or digit"


def saved_lessons_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """`<data folder>/lessons`: the data folder given (or $SNN_DESIGNER_DATA_DIR, else the default)."""
    base = data_dir or os.environ.get(DATA_DIR_ENV) or default_data_dir()
    return Path(base) / SAVED_FOLDER


def check_lesson_name(name: object) -> str:
    if not isinstance(name, str) or _NAME.fullmatch(name) is None:
        shown = repr(name)[:40] if isinstance(name, str) and name else "empty"
        raise ValidationError(f"lesson: field 'name' ({shown}) must be {NAME_RULE}; it becomes the link /app?lesson=NAME")
    return name


@dataclass(frozen=True)
class StepFields:
    """One step as the editor holds it: what to change and a condition (statistic, population, bounds).
    Text fields as typed; `min`, `max`, `window_ms`, `solution` are numbers or None (left empty)."""

    title: str
    target: str
    field: str
    statistic: str
    population: str
    min: float | None = None
    max: float | None = None
    window_ms: float | None = None
    solution: float | None = None
    other: str = ""  # contrast and alternation: the second population
    extra: dict = field(default_factory=dict)  # projection, onsets_ms, pattern_ms of an edited lesson's step, kept

    def to_dict(self) -> dict:
        condition = {"statistic": self.statistic, **({"population": self.population} if self.population else {}),
                     **({"other": self.other} if self.other else {}), **self.extra}
        condition.update({k: v for k, v in (("min", self.min), ("max", self.max), ("window_ms", self.window_ms))
                          if v is not None})
        out = {"title": self.title, "change": {"target": self.target, "field": self.field}, "condition": condition}
        return {**out, **({"solution": self.solution} if self.solution is not None else {})}


def plot_fields(lesson: Lesson) -> dict | None:
    plot = lesson.plot
    return None if plot is None else {"kind": plot.kind, "current": plot.current, "field": plot.field,
                                      "population": plot.population}


def step_fields(lesson: Lesson) -> list[StepFields]:
    """A lesson's steps as the editor's fields (for editing an open lesson)."""
    return [StepFields(s.title, s.target, s.field, s.condition.statistic, s.condition.population or "",
                       s.condition.min, s.condition.max, s.condition.window_ms, s.solution, s.condition.other or "",
                       _extra(s.condition))
            for s in lesson.steps]


def _extra(condition) -> dict:
    found = {"projection": condition.projection, "onsets_ms": list(condition.onsets_ms), "pattern_ms": condition.pattern_ms}
    return {key: value for key, value in found.items() if value}


@dataclass(frozen=True)
class LessonFields:
    """The editor's whole form."""

    name: str
    title: str
    summary: str
    text: str
    steps: list[StepFields] = field(default_factory=list)
    course: str = SAVED_COURSE
    order: int = SAVED_ORDER
    plot: dict | None = None  # an edited lesson's f-I plot, kept as it was (engine.io's "plot" field)


def lesson_from_fields(fields: LessonFields, network: Network) -> Lesson:
    """The lesson the form describes, with `network` (the design now), checked by the lesson validator:
    a bad field raises ValidationError naming it ("lesson 'x': step 2: condition: ...")."""
    name = check_lesson_name(fields.name)
    doc = {"format": LESSON_FORMAT, "version": LESSON_VERSION, "title": fields.title, "summary": fields.summary,
           "course": fields.course, "order": fields.order, "text": fields.text,
           "steps": [step.to_dict() for step in fields.steps], "network": json.loads(network_to_json(network)),
           **({"plot": fields.plot} if fields.plot else {})}
    lesson = lesson_from_json(json.dumps(doc), name=name, source=f"lesson '{name}'")
    if "\n" in lesson.summary.strip():
        raise ValidationError(f"lesson '{name}': field 'summary' must be one line (the index shows it beside the title)")
    return lesson


@dataclass(frozen=True)
class LessonLibrary:
    """The built-in lessons' folder and the saved lessons' folder, read together."""

    builtin_dir: Path
    saved_dir: Path

    def builtin_names(self) -> set[str]:
        return {path.stem for path in Path(self.builtin_dir).glob("*.json")}

    def saved(self) -> list[Lesson]:
        """The saved lessons that load, without any that a built-in name shadows."""
        if not Path(self.saved_dir).is_dir():
            return []
        builtin = self.builtin_names()
        return [lesson for lesson in list_lessons(self.saved_dir) if lesson.name not in builtin]

    def all(self, builtin: list[Lesson] | None = None) -> list[Lesson]:
        """Every lesson in course order: the built-in ones (read now unless given), then the saved ones."""
        lessons = list(builtin) if builtin is not None else list_lessons(self.builtin_dir)
        return sorted(lessons + self.saved(), key=lambda lesson: (lesson.order, lesson.name))

    def path_of(self, name: str) -> Path:
        path = Path(self.saved_dir) / f"{check_lesson_name(name)}.json"
        if path.resolve().parent != Path(self.saved_dir).resolve():  # the pattern already keeps it inside
            raise ValidationError(f"lesson: name {name!r} does not stay inside the saved lessons' folder")
        return path

    def exists(self, name: str) -> bool:
        return self.path_of(name).exists()

    def save(self, lesson: Lesson, replace: bool = False) -> Path:
        """Write the lesson to the saved folder (atomic). Refused, with the reason, for a built-in
        name, and for a saved name that exists unless `replace`."""
        name = check_lesson_name(lesson.name)
        if name in self.builtin_names():
            raise ValidationError(f"lesson: '{name}' is the name of a built-in lesson; choose another name "
                                  "(built-in lessons cannot be replaced)")
        path = self.path_of(name)
        if path.exists() and not replace:
            raise ValidationError(f"lesson: a saved lesson '{name}' exists already; tick \"Replace it\" "
                                  "to overwrite it, or choose another name")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            save_lesson(lesson, path)
        except OSError as error:
            raise ValidationError(f"lesson: could not save '{name}' in {path.parent} ({error.strerror})") from None
        saved = load_lesson(path)  # what the link will open: the file read back through the validator
        if lesson_to_json(saved) != lesson_to_json(lesson):
            raise ValidationError(f"lesson: '{name}' did not read back as it was saved")
        return path
