"""The lesson panel: a lesson's text (markdown, KaTeX equations), its steps with what was
measured, "Reset lesson" and previous/next. Lessons: engine.io (docs/lessons.md).

The text is made safe on the server: markdown-it renders it with raw HTML off (a `<img
onerror=...>` in a lesson shows as text), nh3 then keeps only the tags and classes below.
Equations are cut out before markdown sees them (so `_` and `*` in TeX stay TeX) and come
back as `<span class="math">TeX</span>` that the page typesets with the bundled KaTeX
(lesson_text.js, built into lesson_text.bundle.js by scripts/build-katex).

While the simulation runs, the steps' conditions are measured in order on the recorded spikes
(at most EVALUATE_HZ times a second) over a window that starts after the last change of the
design, each step once the steps before it are done;
a step once met stays done, with the value measured then, until the lesson is reset or
another lesson opens. A lesion step reads the session's lesions (LiveSession.lesioned and
lesioned_at: the Runner's reply to each lesion).
"""
from __future__ import annotations

import html
import re
import time
from pathlib import Path

import nh3
import numpy as np
import panel as pn
import param
from markdown_it import MarkdownIt
from panel.custom import JSComponent

from engine.io import Lesson, Measurement, condition_names, measure_condition

from designer.recording import RecordedData
from designer.session import LiveSession
from designer.state import DesignState
from designer.views.fi_curve import FICurvePlot

_HERE = Path(__file__).resolve().parent
EVALUATE_HZ = 2
MATH = re.compile(r"\$\$(.+?)\$\$|(?<!\\)\$(.+?)(?<!\\)\$", re.S)
ALLOWED_TAGS = {"p", "em", "strong", "code", "pre", "ul", "ol", "li", "h3", "h4", "blockquote", "table", "thead",
                "tbody", "tr", "th", "td", "span", "br", "hr", "a"}
ALLOWED_ATTRIBUTES = {"span": {"class"}, "a": {"href"}, "th": {"style"}, "td": {"style"}}
PANEL_CSS = """
.lesson-head { margin: 2px 0 2px 0; }
.lesson-head b { display: block; font-size: 16px; }
.lesson-head span { color: #64748b; font-size: 12px; }
.lesson-steps { margin: 4px 0 0 0; padding: 0; list-style: none; font-size: 13px; }
.lesson-steps li { display: flex; gap: 6px; padding: 4px 6px; margin-bottom: 4px; border-radius: 6px;
  background: #f8fafc; border: 1px solid #e2e8f0; }
.lesson-steps li.done { background: #ecfdf5; border-color: #6ee7b7; }
.lesson-steps .mark { flex: 0 0 auto; font-weight: 700; color: #94a3b8; }
.lesson-steps li.done .mark { color: #047857; }
.lesson-steps .measured { display: block; color: #475569; font-size: 12px; }
.lesson-steps li.done .measured { color: #047857; }
"""
# inside the text's shadow root: a wide table or display equation scrolls within the column (a
# cell is not broken inside a word, "rate" stays whole), nothing runs off its right edge; a
# shadow at the clipped side says there is more (Playwright's headless Chromium hides scrollbars)
PROSE_CSS = """
.lesson-prose { max-width: 100%; overflow-x: hidden; }
.lesson-prose table { display: block; max-width: 100%; overflow-x: auto; }
.lesson-prose th, .lesson-prose td { overflow-wrap: normal; word-break: normal; }
.lesson-prose .math.display { max-width: 100%; scrollbar-width: thin; padding: 2px 0 5px 0;
  background: linear-gradient(to right, #fff 30%, rgba(255, 255, 255, 0)),
    linear-gradient(to left, #fff 30%, rgba(255, 255, 255, 0)) 100% 0,
    radial-gradient(farthest-side at 0 50%, rgba(15, 23, 42, 0.4), rgba(15, 23, 42, 0)),
    radial-gradient(farthest-side at 100% 50%, rgba(15, 23, 42, 0.4), rgba(15, 23, 42, 0)) 100% 0;
  background-repeat: no-repeat; background-size: 28px 100%, 28px 100%, 14px 100%, 14px 100%;
  background-attachment: local, local, scroll, scroll; }
"""
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


def lesson_html(text: str) -> str:
    """Markdown to HTML that cannot carry scripts, with equations as `.math` spans for KaTeX."""
    equations: list[tuple[str, bool]] = []

    def cut(match: re.Match) -> str:
        display = match.group(1) is not None
        equations.append((match.group(1) if display else match.group(2), display))
        return f"MATHPLACEHOLDER{len(equations) - 1}X"

    rendered = _markdown.render(MATH.sub(cut, text).replace("\\$", "$"))
    for index, (tex, display) in enumerate(equations):
        css = "math display" if display else "math"
        rendered = rendered.replace(f"MATHPLACEHOLDER{index}X", f'<span class="{css}">{html.escape(tex.strip())}</span>')
    return nh3.clean(rendered, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https"},
                     link_rel="noopener noreferrer")


INDEX_CSS = """
.lesson-index { max-width: 760px; margin: 16px auto; font-family: system-ui, sans-serif; color: #1f2937; }
.lesson-index h1 { font-size: 22px; margin: 0 0 4px 0; }
.lesson-index h2 { font-size: 17px; margin: 18px 0 6px 0; color: #0f766e; }
.lesson-index ol { margin: 0; padding-left: 24px; }
.lesson-index li { margin: 6px 0; font-size: 15px; }
.lesson-index li span { color: #475569; }
"""


def lesson_index_html(lessons: list[Lesson]) -> str:
    """Every lesson, one line each, grouped by course in course order; each title links to it."""
    courses: dict[str, list[Lesson]] = {}
    for lesson in lessons:
        courses.setdefault(lesson.course, []).append(lesson)
    parts = ["<div class='lesson-index'><h1>SNN Designer lessons</h1>",
             "<p>Each lesson opens a network with a short text and steps the app checks while it runs.</p>"]
    for course, members in courses.items():
        rows = "".join(f"<li><a href='?lesson={html.escape(one.name)}'>{html.escape(one.title)}</a>"
                       f" <span>· {html.escape(one.summary)}</span></li>" for one in members)
        parts.append(f"<h2>{html.escape(course)}</h2><ol>{rows}</ol>")
    return "".join(parts) + "</div>"


def lesson_index(lessons: list[Lesson]) -> pn.viewable.Viewable:
    """The page at /app?lessons=all."""
    return pn.pane.HTML(lesson_index_html(lessons), sizing_mode="stretch_width", stylesheets=[INDEX_CSS],
                        name="lesson-index")


class LessonText(JSComponent):
    """Sanitised lesson HTML, typeset in the page by the bundled KaTeX."""

    html = param.String(default="", doc="HTML from lesson_html (safe); `.math` spans hold TeX")

    _esm = "lesson_text.js"
    _bundle = _HERE / "lesson_text.bundle.js"
    _importmap = {"imports": {"katex": "https://esm.sh/katex@0.19.1"}}  # for `panel compile` only: never fetched


class LessonPanel(pn.viewable.Viewer):
    """One lesson of `lessons` (in course order) at a time; `opened` counts lesson (re)starts."""

    index = param.Integer(default=0, bounds=(0, None), doc="which of the lessons is open")
    opened = param.Integer(default=0, doc="bumped each time a lesson (re)starts: the app fits the canvas")
    measurements = param.List(default=[], doc="per step: the Measurement that met it, or None")

    def __init__(self, lessons: list[Lesson], start: str, state: DesignState, session: LiveSession,
                 recorded: RecordedData, **params):
        names = [lesson.name for lesson in lessons]
        super().__init__(index=names.index(start), **params)
        self.lessons, self.state, self.session, self.recorded = lessons, state, session, recorded
        self._evaluated_at = 0.0
        self._live: dict[int, Measurement] = {}  # the newest measurement of each step not done
        self._awaiting_restart = False  # data recorded before a reset is not the lesson's
        self._changed_at_ms = 0.0  # simulated time of the last design change: windows start after it
        self._weights: dict[str, tuple] = {}  # plastic projection -> (counts, edges) of the newest frame
        self.head = pn.pane.HTML("", sizing_mode="stretch_width", margin=(0, 4), stylesheets=[PANEL_CSS])
        self.text = LessonText(sizing_mode="stretch_width", margin=(0, 4), name="lesson-text-pane",
                               css_classes=["lesson-text-pane"], stylesheets=[PROSE_CSS])
        self.steps = pn.pane.HTML("", sizing_mode="stretch_width", margin=(0, 4), stylesheets=[PANEL_CSS],
                                  name="lesson-steps")
        self.reset_button = pn.widgets.Button(name="Reset lesson", width=104, description="Back to the lesson's network")
        self.previous_button = pn.widgets.Button(name="◂ Previous", width=86)
        self.next_button = pn.widgets.Button(name="Next ▸", width=72)
        self.fi_curve = FICurvePlot()  # shown for a lesson with an f-I plot
        self.fi_pane = pn.panel(self.fi_curve, visible=False)
        self._wire()
        self._show()

    @property
    def lesson(self) -> Lesson:
        return self.lessons[self.index]

    def _wire(self) -> None:
        self.reset_button.on_click(lambda _e: self.reset())
        self.previous_button.on_click(lambda _e: self.open(self.index - 1))
        self.next_button.on_click(lambda _e: self.open(self.index + 1))
        self.recorded.param.watch(self._on_data, "t")
        self.session.param.watch(self._on_frame, "frame")
        self.session.param.watch(self._on_restart, "reset_count")
        self.state.param.watch(self._on_design_change, "network")
        self.param.watch(lambda _e: self._render_steps(), "measurements")

    def open(self, index: int) -> None:
        if 0 <= index < len(self.lessons):
            self.index = index
            self._show()
            self.reset()

    def start(self, name: str, description: str) -> bool:
        """Open the lesson `name` from its start (the teacher sent it); False if it is not one of ours."""
        names = [lesson.name for lesson in self.lessons]
        if name not in names:
            return False
        self.index = names.index(name)
        self._show()
        return self.reset(description)

    def reset(self, description: str | None = None) -> bool:
        """The lesson's own network again, from t = 0, with no step done."""
        self.session.pause()
        replaced = self.state.replace_network(self.lesson.network, description or f"reset lesson '{self.lesson.title}'")
        if self.session.needs_restart:  # the student changed the structure: rebuild
            self.session.restart()
        self.session.reset()  # queued after the above: t = 0, paused
        self._awaiting_restart = True
        self._live = {}
        self.measurements = [None] * len(self.lesson.steps)
        self._clear_plot()
        self.opened += 1
        return replaced

    def progress(self) -> dict:
        """What the session store keeps: the open lesson and each met step's value and sentence."""
        return {"lesson": self.lesson.name,
                "done": {str(n): [m.value, m.text] for n, m in enumerate(self.measurements) if m is not None}}

    def restore_progress(self, progress: dict) -> None:
        """The lesson and the steps met, as `progress()` gave them (anything unreadable is left out)."""
        names = [lesson.name for lesson in self.lessons]
        if progress.get("lesson") in names and names.index(progress["lesson"]) != self.index:
            self.index = names.index(progress["lesson"])
            self._show()
        done = progress.get("done")
        done = done if isinstance(done, dict) else {}
        found = []
        for number in range(len(self.lesson.steps)):
            try:
                value, text = done[str(number)]
                found.append(Measurement(float(value), True, str(text)))
            except (KeyError, TypeError, ValueError):
                found.append(None)
        self.measurements = found

    def _on_design_change(self, event) -> None:
        # a window straddling the change would measure half the old behaviour
        self._changed_at_ms = self.recorded.t
        plot = self.lesson.plot
        if plot is not None and plot.population in {p.name for p in event.new.populations}:
            neuron_then = next((p for p in event.old.populations if p.name == plot.population), None)
            if neuron_then != event.new.population(plot.population):  # a new neuron: a new curve
                self.fi_curve.clear(event.new, plot)

    def _on_restart(self, _event) -> None:
        self._awaiting_restart = False
        self._changed_at_ms = 0.0
        self._live = {}
        self._weights = {}
        self._render_steps()

    def _show(self) -> None:
        lesson = self.lesson
        self.head.object = (f"<div class='lesson-head'><b>{html.escape(lesson.title)}</b>"
                            f"<span>lesson {self.index + 1} of {len(self.lessons)} · {html.escape(lesson.course)} · "
                            "<a href='?lessons=all' target='_top'>all lessons</a></span></div>")
        self.text.html = lesson_html(lesson.text)
        self.previous_button.disabled = self.index == 0
        self.next_button.disabled = self.index == len(self.lessons) - 1
        self._live = {}
        self.measurements = [None] * len(lesson.steps)
        self.fi_pane.visible = lesson.plot is not None
        self._clear_plot()

    def _clear_plot(self) -> None:
        if self.lesson.plot is not None:
            self.fi_curve.clear(self.lesson.network, self.lesson.plot)

    def _update_plot(self) -> None:
        """The f-I point of the current now in force, on the spikes since the last change."""
        plot, network = self.lesson.plot, self.state.network
        if plot is None or {plot.current, plot.population} - {p.name for p in network.populations}:
            return
        _neurons, times = self.recorded.spikes(plot.population)
        self.fi_curve.update(network, plot, times, self._changed_at_ms, self.recorded.t)

    def _on_frame(self, event) -> None:
        weights = getattr(event.new, "weights", None)
        if weights:  # frames without plastic projections (or events) keep the last histogram
            self._weights = {name: (summary["counts"], summary["edges"]) for name, summary in weights.items()}

    def _on_data(self, _event) -> None:
        now = time.monotonic()
        if self.session.status != "running" or now - self._evaluated_at >= 1.0 / EVALUATE_HZ:
            self._evaluated_at = now
            self.evaluate()

    def evaluate(self) -> None:
        """Measure the steps not done yet on what was recorded so far, in order: a step is measured
        once the steps before it are done (a later step's condition may hold before its turn,
        e.g. "irregular again" in the state the lesson starts in)."""
        if self._awaiting_restart or self.recorded.t <= 0:
            return
        self._update_plot()
        if all(m is not None for m in self.measurements):
            return
        network, found = self.state.network, list(self.measurements)
        self._live = {}
        present = {p.name for p in network.populations} | {p.name for p in network.projections}

        def spikes_of(name: str) -> tuple:
            return (*self.recorded.spikes(name), network.population(name).size)

        def lesion_of(name: str) -> tuple | None:
            dead = self.session.lesioned.get(name)
            return (np.asarray(dead, np.int64), self.session.lesioned_at.get(name, 0.0)) if dead else None

        # in order: a step builds on the ones before it (a later step's condition may hold at the start)
        for number, step in enumerate(self.lesson.steps):
            if found[number] is not None:
                continue
            if not set(condition_names(step.condition)) <= present:
                break
            if self.recorded.t - step.condition.window_ms < self._changed_at_ms - self.recorded.dt / 2:
                wait = self._changed_at_ms + step.condition.window_ms - self.recorded.t
                self._live[number] = Measurement(float("nan"), False, f"measuring the change ({wait:.0f} ms to go)")
                break
            measured = measure_condition(step.condition, spikes_of, self.recorded.t, self.recorded.dt,
                                         self._weights.get, lesion_of)
            self._live[number] = measured
            if not measured.done:
                break
            found[number] = measured
        if found != self.measurements:
            self.measurements = found
        else:
            self._render_steps()

    def _render_steps(self) -> None:
        rows = []
        for number, step in enumerate(self.lesson.steps):
            met = self.measurements[number] if number < len(self.measurements) else None
            latest = met or self._live.get(number)
            note = f"done: {met.text}" if met else (f"now: {latest.text}" if latest else step.condition.describe())
            rows.append(f"<li class='{'done' if met else 'open'}' data-step='{number + 1}'>"
                        f"<span class='mark'>{'✓' if met else number + 1}</span><span>{html.escape(step.title)}"
                        f"<span class='measured'>{html.escape(note)}</span></span></li>")
        self.steps.object = f"<b>Try this</b><ol class='lesson-steps'>{''.join(rows)}</ol>"

    def __panel__(self):
        buttons = pn.Row(self.previous_button, self.next_button, pn.Spacer(sizing_mode="stretch_width"),
                         self.reset_button, sizing_mode="stretch_width", margin=0)
        # the steps before the text: progress stays on screen while the text scrolls
        return pn.Column(self.head, buttons, self.steps, self.fi_pane, self.text, sizing_mode="stretch_width",
                         margin=(0, 0, 8, 0), name="lesson-panel")
