"""The teacher's console at /teacher: the class as a grid, pushes, locks, a student's design.

Refused (a page that says why, nothing else) without the token printed at server start
(`?token=`, compared in constant time). The console reads the roster a few times a second
(`GRID_HZ`); it changes students' designs only through the roster (`push`, `lock`), which
hands each change to the student's own session loop. Every user text it shows (student
names, network, population and projection names) is escaped.
"""
from __future__ import annotations

import functools
import html

import panel as pn

from engine import Network, ValidationError
from engine.io import Lesson, list_lessons, load_network, network_from_json

from designer.classroom.locks import describe_locks, lockable_parameters
from designer.classroom.roster import Roster, class_roster
from designer.classroom.student import deliver_to
from designer.classroom.token import teacher_token, token_matches
from designer.uploads import UploadParser

GRID_HZ = 4  # grid refreshes per second
NO_CHOICE = "—"
STATE_LABELS = {"running": "▶ running", "paused": "paused", "idle": "idle", "compiling": "building…",
                "stopped": "stopped"}
ANSWER_LABELS = {"": "", "waiting": "asked…", "accepted": "✓ opened", "declined": "✗ not now"}

CONSOLE_CSS = """
:host { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 13px; color: #1f2937; }
h1 { font-size: 18px; margin: 4px 0; } h2 { font-size: 14px; margin: 10px 0 4px 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; font-size: 12px; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.rate { display: inline-block; margin-right: 10px; white-space: nowrap; font-variant-numeric: tabular-nums; }
.rate i { display: inline-block; height: 8px; background: #0072b5; margin-left: 4px; vertical-align: middle; }
.running { color: #047857; font-weight: 600; } .paused { color: #b45309; }
.empty { color: #6b7280; font-style: italic; }
.refused { max-width: 640px; margin: 40px auto; padding: 16px 20px; border: 1px solid #ef4444;
  border-radius: 6px; background: #fee2e2; color: #7f1d1d; }
.note { color: #4b5563; font-size: 12px; } .fault { color: #b91c1c; }
"""


def _rates_html(rates: dict[str, float]) -> str:
    if not rates:
        return "<span class='empty'>no data yet</span>"
    top = max(max(rates.values()), 1.0)
    return "".join(f"<span class='rate' data-population='{html.escape(name)}' data-hz='{hz:.3f}'>"
                   f"{html.escape(name)} {hz:.1f} Hz<i style='width:{int(40 * hz / top)}px'></i></span>"
                   for name, hz in rates.items())


def _lesson_html(title: str) -> str:
    return f"<br><span class='note lesson'>lesson: {html.escape(title)}</span>" if title else ""


def grid_html(rows: list[dict]) -> str:
    """The class as a table: one row per student session (see Seat.snapshot)."""
    if not rows:
        return "<p class='empty'>No student has the designer open yet (students open /app on this server).</p>"
    head = ("<tr><th>Student</th><th>Network</th><th>State</th><th>Simulated time</th>"
            "<th>Population rates (last 0.2 s)</th><th>Teacher's network</th><th>Locks</th></tr>")
    body = "".join(
        f"<tr data-seat='{html.escape(r['seat'])}' data-student='{html.escape(r['student'])}'>"
        f"<td>{html.escape(r['student'])}</td><td>{html.escape(r['network'])}{_lesson_html(r.get('lesson', ''))}</td>"
        f"<td class='{html.escape(r['status'])}'>{html.escape(STATE_LABELS.get(r['status'], r['status']))}</td>"
        f"<td class='num'>{r['t_ms'] / 1000:.2f} s</td><td>{_rates_html(r['rates'])}</td>"
        f"<td>{html.escape(ANSWER_LABELS.get(r['answer'], r['answer']))}</td><td class='num'>{r['locks'] or ''}</td></tr>"
        for r in rows)
    return f"<table class='class-grid'>{head}{body}</table>"


def _value_text(value) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def design_html(student: str, network: Network) -> str:
    """A read-only view of one student's design: its populations and projections with their values."""
    pops = "".join(
        f"<tr><td>{html.escape(p.name)}</td><td>{html.escape(p.model)}</td><td class='num'>{p.size:,}</td>"
        f"<td>{html.escape(', '.join(f'{k} = {_value_text(v)}' for k, v in p.params.items()))}</td></tr>"
        for p in network.populations)
    projs = "".join(
        f"<tr><td>{html.escape(p.name)}</td><td>{html.escape(p.pre)} → {html.escape(p.post)}</td>"
        f"<td>{html.escape(p.rule.short_label())}</td><td class='num'>{html.escape(_value_text(p.weight))}</td>"
        f"<td class='num'>{html.escape(_value_text(p.delay))}</td><td>{html.escape(p.synapse)}</td></tr>"
        for p in network.projections)
    return (f"<h2>{html.escape(student)}'s design: {html.escape(network.name)} (read only)</h2>"
            f"<p class='note'>dt {network.dt:g} ms · seed {network.seed} · {network.n_neurons:,} neurons and devices</p>"
            "<table><tr><th>Population</th><th>Model</th><th>Size</th><th>Parameters</th></tr>"
            f"{pops or '<tr><td colspan=4 class=empty>none</td></tr>'}</table>"
            "<table><tr><th>Projection</th><th>From → to</th><th>Rule</th><th>Weight</th><th>Delay (ms)</th>"
            f"<th>Synapse</th></tr>{projs or '<tr><td colspan=6 class=empty>none</td></tr>'}</table>")


def refusal_page(reason: str) -> pn.viewable.Viewable:
    return pn.pane.HTML(f"<div class='refused'><h1>Teacher console: refused</h1><p>{html.escape(reason)}</p>"
                        "<p>Open the link <code>/teacher?token=…</code> with the token that "
                        "<code>snn-designer serve</code> printed when the server started.</p></div>",
                        sizing_mode="stretch_width", stylesheets=[CONSOLE_CSS], name="teacher-refused")


def class_networks(examples_folder, lessons_folder) -> dict[str, tuple[str, callable]]:
    """{choice label: (source text, loader)} of the gallery's examples and the lessons; a loader
    gives (network, lesson or None): a lesson is sent whole (text, steps) with its network."""
    choices = {}
    for path in sorted(examples_folder.glob("*.json")):
        choices[f"Example: {path.stem}"] = (f"example '{path.stem}'", lambda p=path: (load_network(p), None))
    for lesson in list_lessons(lessons_folder):
        choices[f"Lesson: {lesson.title}"] = (f"lesson '{lesson.title}'", lambda one=lesson: (one.network, one))
    return choices


class TeacherConsole:
    """One teacher page: what to send, what to lock, the class grid and one student's design."""

    def __init__(self, roster: Roster, choices: dict[str, tuple[str, callable]]):
        self.roster = roster
        self.choices = choices
        self.chosen: tuple[Network, str, Lesson | None] | None = None  # (network, source, lesson) picked
        self._viewed: tuple[str, Network] | None = None  # (seat id, network) in the design view
        html_pane = lambda name, **kw: pn.pane.HTML("", sizing_mode="stretch_width", name=name,  # noqa: E731
                                                   stylesheets=[CONSOLE_CSS], margin=(2, 5), **kw)
        self.count = html_pane("class-count")
        self.network_select = pn.widgets.Select(name="Network to send", options=[NO_CHOICE, *choices], value=NO_CHOICE,
                                                sizing_mode="stretch_width")
        self.file_input = pn.widgets.FileInput(accept=".json", name="or a design file", sizing_mode="stretch_width")
        self.send_button = pn.widgets.Button(name="Send to every student", color="primary", disabled=True,
                                             sizing_mode="stretch_width")
        self.send_note = html_pane("send-note")
        self.lock_select = pn.widgets.Select(name="Parameter", options={}, sizing_mode="stretch_width", disabled=True)
        self.lock_value = pn.widgets.FloatInput(name="Locked value", value=0.0, sizing_mode="stretch_width",
                                                disabled=True, format="0[.]0000")
        self.lock_button = pn.widgets.Button(name="Lock for every student", disabled=True, sizing_mode="stretch_width")
        self.unlock_button = pn.widgets.Button(name="Unlock all", sizing_mode="stretch_width")
        self.locks_note = html_pane("class-locks")
        self.uploads = UploadParser()  # create_console delivers its results on the page's loop
        self.view_select = pn.widgets.Select(name="Student", options={NO_CHOICE: ""}, value="",
                                             sizing_mode="stretch_width")
        self.grid = html_pane("class-grid")
        self.design = html_pane("student-design")
        self._wire()
        self._render_locks()
        self.refresh()

    def _wire(self) -> None:
        self.network_select.param.watch(self._on_choice, "value")
        self.file_input.param.watch(self._on_file, "value")
        self.send_button.on_click(lambda _event: self.send())
        self.lock_select.param.watch(self._on_lock_choice, "value")
        self.lock_value.param.watch(lambda _event: self._render_lock_button(), "value")
        self.lock_button.on_click(lambda _event: self.lock())
        self.unlock_button.on_click(lambda _event: self.unlock_all())
        self.view_select.param.watch(lambda _event: self._render_design(), "value")

    # -- choosing and sending a network ---------------------------------------------------
    def _on_choice(self, event) -> None:
        if event.new in self.choices:
            source, load = self.choices[event.new]
            self._choose(*load(), source=source)

    def _on_file(self, event) -> None:
        """A design file, parsed off the server's loop (designer/uploads.py)."""
        if event.new is None:
            return
        filename = self.file_input.filename or "file"
        self.send_note.object = f"<span class='note'>Opening {html.escape(filename)}…</span>"
        self.uploads.submit(event.new, filename, functools.partial(self._opened_file, filename),
                            parse=lambda content, name: network_from_json(content, source=name))

    def _opened_file(self, filename: str, network: Network | None, error: str) -> None:
        if network is None:
            self.send_note.object = f"<span class='fault'>{html.escape(error)}</span>"
            return
        self.network_select.value = NO_CHOICE
        self._choose(network, None, source=f"file '{filename}'")

    def _choose(self, network: Network, lesson: Lesson | None, source: str) -> None:
        self.chosen = (network, source, lesson)
        self.send_button.disabled = False
        self.send_note.object = f"<span class='note'>Ready to send the {html.escape(source)}.</span>"
        options = {f"{target} · {field} = {value:g}{f' {unit}' if unit else ''}": (target, field, value)
                   for target, field, value, unit in lockable_parameters(network)}
        self.lock_select.param.update(options=options, disabled=not options)
        self.lock_select.value = next(iter(options.values()), None)
        self.lock_value.disabled = self.lock_button.disabled = not options

    def send(self) -> None:
        if self.chosen is None:
            return
        network, source, lesson = self.chosen
        self.roster.push(network, source, lesson=lesson)
        self.send_note.object = (f"<span class='note'>Sent the {html.escape(source)} to "
                                 f"{len(self.roster.seats())} students: each one is asked to open it.</span>")

    # -- locks ------------------------------------------------------------------------------
    def _on_lock_choice(self, event) -> None:
        if event.new:
            self.lock_value.value = event.new[2]
        self._render_lock_button()

    def _render_lock_button(self) -> None:
        """The button names what it locks, at the value the server has (the page may still be sending it)."""
        choice, value = self.lock_select.value, self.lock_value.value
        self.lock_button.name = (f"Lock {choice[0]}.{choice[1]} at {value:g} for everyone"
                                 if choice and value is not None else "Lock for every student")

    def lock(self) -> bool:
        """Lock the chosen parameter at the value given (checked against the chosen network first)."""
        if self.chosen is None or not self.lock_select.value:
            return False
        target, field, _ = self.lock_select.value
        value = self.lock_value.value
        if value is None:
            self.locks_note.object = "<span class='fault'>Give the value to lock it at.</span>"
            return False
        try:
            self.chosen[0].replace_param(target, field, value)
        except ValidationError as error:
            self.locks_note.object = f"<span class='fault'>{html.escape(str(error))}</span>"
            return False
        self.roster.lock(target, field, value)
        self._render_locks()
        return True

    def unlock_all(self) -> None:
        self.roster.unlock_all()
        self._render_locks()

    def _render_locks(self) -> None:
        locks = self.roster.locks
        self.locks_note.object = (f"<span class='note'>Locked for everyone: {html.escape(describe_locks(locks))}</span>"
                                  if locks else "<span class='note'>Nothing is locked.</span>")

    # -- the grid and one student's design ---------------------------------------------------
    def refresh(self) -> None:
        """The grid from the roster (only sent to the page when it changed), the student list and view."""
        rows = self.roster.snapshot()
        grid = grid_html(rows)
        if grid != self.grid.object:
            self.grid.object = grid
        count = f"<h1>Teacher console · {len(rows)} student{'s' if len(rows) != 1 else ''} connected</h1>"
        if count != self.count.object:
            self.count.object = count
        options = {NO_CHOICE: ""}
        for row in rows:
            label = row["student"] if row["student"] not in options else f"{row['student']} · {row['seat']}"
            options[label] = row["seat"]
        if options != self.view_select.options:
            self.view_select.options = options
        self._render_design()

    def _render_design(self) -> None:
        seat = self.roster.seat(self.view_select.value) if self.view_select.value else None
        if seat is None:
            self._viewed = None
            text = "<p class='empty'>Choose a student to see their design (read only).</p>"
        else:
            network = seat.state.network
            if self._viewed == (seat.seat_id, network):
                return
            self._viewed = (seat.seat_id, network)
            text = design_html(seat.student, network)
        if text != self.design.object:
            self.design.object = text

    def layout(self) -> pn.viewable.Viewable:
        heading = lambda text: pn.pane.HTML(f"<h2>{text}</h2>", stylesheets=[CONSOLE_CSS], margin=(6, 5, 0, 5))  # noqa: E731
        controls = pn.Column(
            heading("Send a network to the class"), self.network_select, self.file_input, self.send_button,
            self.send_note,
            heading("Lock a parameter"), self.lock_select, self.lock_value, self.lock_button, self.unlock_button,
            self.locks_note,
            heading("Look at a student's design"), self.view_select,
            width=330, margin=(0, 10, 0, 0), styles={"background": "#f9fafb", "border-right": "1px solid #e5e7eb"})
        main = pn.Column(self.count, self.grid, self.design, sizing_mode="stretch_width", margin=0)
        return pn.Row(controls, main, sizing_mode="stretch_width", margin=8, name="teacher-console")


def create_console() -> pn.viewable.Viewable:
    """The page at /teacher: the console, or a refusal without the server's token."""
    from designer.main import EXAMPLES, LESSONS  # the app's asset folders

    given = (pn.state.session_args or {}).get("token", [b""])[0]
    if not given:
        return refusal_page("No teacher token was given.")
    if not token_matches(given):
        return refusal_page("The teacher token is wrong.")
    console = TeacherConsole(class_roster(), class_networks(EXAMPLES, LESSONS))
    if pn.state.curdoc is not None:
        pn.state.add_periodic_callback(console.refresh, period=1000 // GRID_HZ)
        console.uploads.deliver = deliver_to(pn.state.curdoc)
    return console.layout()


def teacher_pages(server) -> dict:
    """designer.server's extra page: the console at /teacher; its link (with this server's token)
    is printed at start."""
    host = server.options.address if not server.options.loopback else "127.0.0.1"
    server.notes.append(f"teacher console: http://{host}:{server.options.port}/teacher?token={teacher_token()}")

    def teacher_page():  # a function: Panel serves only functions as per-session pages
        return create_console()

    return {"teacher": teacher_page}
