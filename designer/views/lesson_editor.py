"""The lesson editor: "Save as lesson" in a dialog. The design now becomes a lesson's network; the
teacher writes its title, one-line summary and markdown text (previewed as the lesson panel shows
it: sanitised markdown, KaTeX) and 2 to 4 steps, each what to change and a condition (statistic,
population, bounds). Saved through designer.lesson_library (validated by engine.io's lesson
reader; under the data folder; a built-in name is refused, a saved one replaced only when asked).

Who may save (`policy`): "anyone" (a server on this machine only, `snn-designer serve` without
--address: one user) or "teacher" (a class server: the teacher types the token printed at start,
the one of the teacher console). A bad field says which and keeps every field as typed.
"""
from __future__ import annotations

import html

import panel as pn
import param

from engine import Network, ValidationError
from engine.io import STATISTICS, Lesson

from designer.classroom.token import token_matches
from designer.forms import optional_text
from designer.lesson_library import (
    MAX_STEPS, MIN_STEPS, LessonFields, LessonLibrary, StepFields, lesson_from_fields, plot_fields, step_fields,
)
from designer.state import DesignState
from designer.views.lesson import PROSE_CSS, LessonText, lesson_html

POLICIES = ("anyone", "teacher")
NONE = "—"
EDITOR_CSS = """
.editor-note { color: #475569; font-size: 12px; margin: 0; }
.editor-ok { background: #ecfdf5; border: 1px solid #6ee7b7; border-radius: 6px; padding: 6px 8px; color: #065f46; }
.editor-fault { background: #fee2e2; border: 1px solid #ef4444; border-radius: 6px; padding: 6px 8px; color: #7f1d1d; }
"""
STARTER_TEXT = ("Describe what the student looks at, then what to try.\n\n"
                "Equations: $\\tau_m \\frac{dV}{dt} = -(V - E_L) + R I$.")


def _number(text: str, where: str, name: str) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValidationError(f"{where}: field '{name}' must be a number, got {text[:30]!r}") from None


class StepRow:
    """One step's widgets (a row of the dialog)."""

    def __init__(self, number: int):
        self.number = number
        width = dict(width=90, margin=(2, 3))
        self.title = pn.widgets.TextInput(name=f"Step {number}: what to do", width=280, margin=(2, 3),
                                          placeholder="e.g. Make it fire between 20 and 40 Hz")
        self.target = pn.widgets.Select(name="Change: target", width=120, margin=(2, 3))
        self.field = pn.widgets.TextInput(name="parameter", **{**width, "width": 110}, placeholder="e.g. amplitude")
        self.statistic = pn.widgets.Select(name="Condition: statistic", options=list(STATISTICS), width=130,
                                           margin=(2, 3))
        self.population = pn.widgets.Select(name="population", width=110, margin=(2, 3))
        self.low = pn.widgets.TextInput(name="min", **{**width, "width": 64})
        self.high = pn.widgets.TextInput(name="max", **{**width, "width": 64})
        self.window = pn.widgets.TextInput(name="window (ms)", **{**width, "width": 80})
        self.solution = pn.widgets.TextInput(name="a solution", **{**width, "width": 80},
                                             description="a value of the parameter that meets the condition")
        self.other, self.extra = "", {}  # the other condition fields of the lesson edited, kept as they were
        self.row = pn.Row(self.title, self.target, self.field, self.statistic, self.population, self.low, self.high,
                          self.window, self.solution, margin=0, name=f"lesson-editor-step-{number}")

    def set_network(self, network: Network) -> None:
        names = [p.name for p in network.populations] + [p.name for p in network.projections]
        self.target.options = names
        self.population.options = [NONE] + [p.name for p in network.populations if not p.is_device]

    def fill(self, step: StepFields) -> None:
        self.title.value, self.field.value, self.statistic.value = step.title, step.field, step.statistic
        if step.target in self.target.options:
            self.target.value = step.target
        self.population.value = step.population if step.population in self.population.options else NONE
        self.low.value, self.high.value = optional_text(step.min), optional_text(step.max)
        self.window.value, self.solution.value = optional_text(step.window_ms), optional_text(step.solution)
        self.other, self.extra = step.other, dict(step.extra)

    def read(self) -> StepFields:
        where = f"step {self.number}"
        return StepFields(self.title.value, self.target.value or "", self.field.value.strip(), self.statistic.value,
                          "" if self.population.value in (None, NONE) else self.population.value,
                          _number(self.low.value, where, "min"), _number(self.high.value, where, "max"),
                          _number(self.window.value, where, "window_ms"),
                          _number(self.solution.value, where, "solution"), self.other, self.extra)


def starter_steps(network: Network) -> list[StepFields]:
    """Two steps to start from on a design without a lesson: its first live parameter and first population."""
    neurons = [p.name for p in network.populations if not p.is_device]
    target, field, value = next(((p.name, name, p.params.get(name, q.default)) for p in network.populations
                                 for name, q in p.model_class.parameters.items() if q.live), ("", "", None))
    population = neurons[0] if neurons else ""
    return [StepFields("Make it fire between 5 and 50 Hz", target, field, "rate", population, 5.0, 50.0, 1000.0,
                       value if isinstance(value, (int, float)) else None),
            StepFields("Make it fire regularly", target, field, "cv", population, None, 0.3, 1000.0,
                       value if isinstance(value, (int, float)) else None)]


class LessonEditor(pn.viewable.Viewer):
    """The dialog; `saved` is the name of the last lesson saved ("" before)."""

    saved = param.String(default="", doc="the name of the lesson saved last")

    def __init__(self, state: DesignState, library: LessonLibrary, lesson: Lesson | None = None,
                 policy: str = "anyone", **params):
        if policy not in POLICIES:
            raise ValueError(f"lesson editor: policy {policy!r} must be one of {POLICIES}")
        super().__init__(**params)
        self.state, self.library, self.policy = state, library, policy
        self._plot = plot_fields(lesson) if lesson is not None else None
        self.name_input = pn.widgets.TextInput(name="Name (the link: /app?lesson=NAME)", width=260)
        self.title = pn.widgets.TextInput(name="Title", width=300)
        self.summary = pn.widgets.TextInput(name="One-line summary (the lesson index shows it)", sizing_mode="stretch_width")
        self.text = pn.widgets.TextAreaInput(name="Text (markdown; $inline$ and $$display$$ equations)", height=170,
                                             sizing_mode="stretch_width")
        self.preview = LessonText(sizing_mode="stretch_width", height=196, margin=(2, 4), name="lesson-editor-preview",
                                  stylesheets=[PROSE_CSS], styles={"overflow-y": "auto", "border": "1px solid #e2e8f0"})
        self.n_steps = pn.widgets.RadioButtonGroup(name="Steps", options=list(range(MIN_STEPS, MAX_STEPS + 1)), value=2,
                                                   button_type="default", width=120)
        self.rows = [StepRow(number) for number in range(1, MAX_STEPS + 1)]
        self.replace = pn.widgets.Checkbox(name="Replace it if a saved lesson has this name", value=False)
        self.token = pn.widgets.PasswordInput(name="Teacher token (printed when the server started)", width=300,
                                              visible=policy == "teacher")
        self.save_button = pn.widgets.Button(name="Save lesson", button_type="primary", width=120)
        self.message = pn.pane.HTML("", sizing_mode="stretch_width", stylesheets=[EDITOR_CSS], name="lesson-editor-message")
        self.dialog = pn.Modal(self._layout(), open=False, show_close_button=True, name="lesson-editor")
        self.fill(lesson)
        self._wire()

    def _wire(self) -> None:
        self.text.param.watch(lambda event: self._render_preview(event.new), "value_input")
        self.n_steps.param.watch(lambda _event: self._show_rows(), "value")
        self.save_button.on_click(lambda _event: self.save())
        self.state.param.watch(lambda event: self._set_network(event.new), "network")

    def fill(self, lesson: Lesson | None) -> None:
        """The form from a lesson (editing it under a new name), or a starter on the design now."""
        network = self.state.network
        self._set_network(network)
        if lesson is not None:
            name, title, summary, text, steps = (f"{lesson.name}-edited", lesson.title, lesson.summary, lesson.text,
                                                 step_fields(lesson))
        else:
            name, title = "my-lesson", network.name.replace("_", " ").capitalize() or "My lesson"
            summary, text, steps = network.description.split("\n")[0] or "What this network shows", STARTER_TEXT, \
                starter_steps(network)
        self.name_input.value, self.title.value, self.summary.value, self.text.value = name, title, summary, text
        self.n_steps.value = max(MIN_STEPS, min(MAX_STEPS, len(steps)))
        for row, step in zip(self.rows, steps):
            row.fill(step)
        self._show_rows()
        self._render_preview(text)

    def open(self) -> None:
        self.message.object = ""
        self.dialog.open = True

    def _set_network(self, network: Network) -> None:
        for row in self.rows:
            keep = row.target.value
            row.set_network(network)
            if keep in row.target.options:
                row.target.value = keep

    def _show_rows(self) -> None:
        for row in self.rows:
            row.row.visible = row.number <= self.n_steps.value

    def _render_preview(self, text: str) -> None:
        self.preview.html = lesson_html(text or "")

    def read(self) -> LessonFields:
        """The form as typed (a number field that is not a number raises ValidationError naming it)."""
        steps = [row.read() for row in self.rows[:self.n_steps.value]]
        return LessonFields(self.name_input.value.strip(), self.title.value, self.summary.value, self.text.value,
                            steps, plot=self._plot)

    def save(self) -> bool:
        """Save the form as a lesson on the design now; the message says what happened or what is wrong."""
        if self.policy == "teacher" and not token_matches(self.token.value or ""):
            return self._say(False, "Only the teacher saves lessons on a class server: type the teacher token "
                                    "(printed when the server started)." if not self.token.value
                             else "The teacher token is wrong: nothing was saved.")
        try:
            lesson = lesson_from_fields(self.read(), self.state.network)
            replacing = self.library.exists(lesson.name)
            self.library.save(lesson, replace=self.replace.value)
        except ValidationError as error:
            return self._say(False, f"Not saved: {error}")
        self.replace.value = False
        self.saved = lesson.name
        link = f"?lesson={lesson.name}"
        return self._say(True, f"{'Replaced' if replacing else 'Saved'} lesson '{lesson.title}'. It opens at "
                               f"/app{link}", link)

    def _say(self, ok: bool, text: str, link: str = "") -> bool:
        anchor = f" <a href='{html.escape(link)}' target='_blank'>open it</a>" if link else ""
        self.message.object = f"<div class='{'editor-ok' if ok else 'editor-fault'}'>{html.escape(text)}{anchor}</div>"
        return ok

    def _layout(self) -> pn.viewable.Viewable:
        note = pn.pane.HTML("<p class='editor-note'>The lesson's network is the design as it is now. "
                            "Each step names a parameter to change and a condition the app measures while it runs.</p>",
                            stylesheets=[EDITOR_CSS], sizing_mode="stretch_width", margin=(0, 4))
        head = pn.pane.HTML("<b style='font-size:16px'>Save as lesson</b>", margin=(0, 4))
        texts = pn.Row(pn.Column(self.text, sizing_mode="stretch_width", margin=0),
                       pn.Column(pn.pane.HTML("<span class='editor-note'>Preview</span>", stylesheets=[EDITOR_CSS],
                                              margin=(4, 4, 0, 4)), self.preview, sizing_mode="stretch_width", margin=0),
                       sizing_mode="stretch_width", margin=0)
        steps = pn.Column(pn.Row(pn.pane.HTML("<b>Steps</b>", margin=(8, 4)), self.n_steps, margin=0),
                          *(row.row for row in self.rows), margin=0)
        actions = pn.Row(self.save_button, self.replace, self.token, margin=(6, 0, 0, 0), align="start")
        return pn.Column(head, note, pn.Row(self.name_input, self.title, margin=0), self.summary, texts, steps, actions,
                         self.message, width=1180, max_height=700, scroll=True, margin=4, name="lesson-editor-form")

    def __panel__(self):
        return self.dialog
