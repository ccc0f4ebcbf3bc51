"""Builds one browser session's app: state, live session, views, and their wiring.

`designer/app.py` (the served script) only calls `create_app().servable()`.
"""
from __future__ import annotations

import functools
import gc
import html
import io
import json
import os
import time
from pathlib import Path

import panel as pn
from panel.io.state import set_curdoc

from engine import EngineError, Network, RunScheduler, ValidationError, warm_up
from engine.io import Lesson, list_lessons, load_network, network_from_json

from designer import EXPOSE_STATE_ENV
from designer.autosave import Autosave, server_store
from designer.classroom.student import deliver_to, join_class
from designer.lesson_library import LessonLibrary, saved_lessons_dir
from designer.session import LiveSession, active_runner_count
from designer.state import DesignState, live_differences, palette_entries
from designer.uploads import UploadParser
from designer.store import BROWSER_COOKIE, is_browser_id, lesson_slot
from designer.views.analysis import AnalysisView
from designer.views.energy import EnergyView
from designer.views.learning import LearningView
from designer.views.browser_bridge import BrowserBridge
from designer.views.presence import PresenceWatch
from designer.recording import RecordedData
from designer.views.export import ExportMenu
from designer.views.inspector import Inspector
from designer.views.lesions import DegradationSweepView, LesionControl
from designer.views.lesson import LessonPanel, lesson_index
from designer.views.lesson_editor import LessonEditor
from designer.views.weights import WeightsView
from designer.views.live import Controls, RasterView, RatesView, TracesView
from designer.views.network_canvas import NetworkCanvas
from designer.views.workspace import INLINE_LABEL, PlotSection, Workspace, tooltip

ASSETS = Path(__file__).resolve().parent.parent / "assets"
EXAMPLES = ASSETS / "examples"
LESSONS = ASSETS / "lessons"
FIRST_VISIT_EXAMPLE = "ei_network"
STATUS_MIN_PX = 460  # the status line is at least this wide (its usual text), else it takes a row of its own
POLL_MS = 250  # a fallback: the Runner wakes the session's loop for each frame (LiveSession.wake)
DEBUG_HZ = 5  # debug-state updates per second while only the simulated time changes
STORE_DELAY_S = 0.3  # live-value edits reach the browser's storage once they rest this long...
STORE_MAX_WAIT_S = 1.0  # ...or at the latest this long after the last copy (a long slider drag)

CSS = (ASSETS / "css" / "app.css").read_text() if (ASSETS / "css" / "app.css").exists() else ""
# Opens the hidden file input's chooser from a proper button (the click is the user's gesture).
OPEN_FILE_JS = "const view = Bokeh.index.find_one(file_input); if (view) view.input_el.click();"


@functools.lru_cache(maxsize=1)
def ensure_warm() -> float:
    """Kernels compiled (or loaded from Numba's cache) once per server process.

    Then the ~220,000 objects made so far (modules, Numba's type system, the kernels) are
    moved out of the garbage collector's sight (`gc.freeze`): they live as long as the process,
    and scanning them made each full collection pause the session's event loop for 70-130 ms,
    the slowest step between a slider move and its frame. Sessions' objects are collected as
    before (only the first page's document, made before this call, is kept for good)."""
    seconds = warm_up()
    list_lessons(LESSONS)  # the data sets lessons' data_sources check are read here, not on a lesson's first page (3 s)
    gc.collect()
    gc.freeze()
    return seconds


def list_examples() -> dict[str, str]:
    """{name: description} of the gallery networks."""
    out = {}
    for path in sorted(EXAMPLES.glob("*.json")):
        try:
            out[path.stem] = load_network(path).description
        except ValidationError:
            continue
    return out


def canvas_nodes(state: DesignState) -> list[dict]:
    net = state.network
    flagged = {p["target"] for p in state.problems}
    return [
        {"id": p.name, "label": p.name, "model": p.model, "category": p.model_class.category, "size": p.size,
         "x": p.position[0], "y": p.position[1], "warning": p.name in flagged}
        for p in net.populations
    ]


def canvas_edges(state: DesignState) -> list[dict]:
    return [
        {"id": p.name, "source": p.pre, "target": p.post, "sign": p.sign, "label": p.rule.short_label(),
         "plastic": p.synapse != "static_synapse"}
        for p in state.network.projections
    ]


class NamedHTML(pn.pane.HTML):
    """An HTML pane whose Bokeh model keeps the pane's `name` (Panel panes drop it), so the
    page (and browser tests) can find it: `Bokeh.documents[0].get_model_by_name(name)`."""

    def _get_model(self, doc, root=None, parent=None, comm=None):
        model = super()._get_model(doc, root, parent, comm)
        model.name = self.name
        return model


class SaveButton(pn.widgets.FileDownload):
    """FileDownload whose colour reaches the page: Panel 1.9.4 maps `button_type` to `color`
    and then drops `color` (renamed to None) for FileDownload, so it always looked 'default'."""

    _rename = {**pn.widgets.FileDownload._rename, "color": "button_type"}


class DesignerApp:
    """One session's app. Views watch `state` / `session`; all wiring is in `_wire`."""

    def __init__(self, example: str | None = None, lesson: str | None = None, expose_state: bool = False,
                 browser_id: str | None = None, scheduler: RunScheduler | None = None,
                 max_upload_bytes: int | None = None, library: LessonLibrary | None = None,
                 lesson_saving: str = "anyone"):
        ensure_warm()
        self.max_upload_bytes = max_upload_bytes
        self.examples = list_examples()
        self.library = library or lesson_library()
        lessons = self.library.all() if lesson else []
        opened = next((one for one in lessons if one.name == lesson), None)
        start = example if example in self.examples else FIRST_VISIT_EXAMPLE
        self._opened_from_link = example in self.examples or opened is not None
        self.state = DesignState(opened.network if opened else load_network(EXAMPLES / f"{start}.json"))
        # This browser's saved work (the lesson's own, in a lesson) comes back with its undo history;
        # an example link then opens on top of it, undoable like any edit.
        store, problem = server_store() if is_browser_id(browser_id) else (None, "")  # opened on first use
        self.autosave = Autosave(self.state, store, browser_id, lesson_slot(opened.name) if opened else "workspace",
                                 problem=problem)
        progress = self.autosave.restore()
        if progress is not None and example in self.examples:
            self.state.replace_network(load_network(EXAMPLES / f"{example}.json"), f"opened example '{example}'")
        self.session = LiveSession(self.state, ticket=scheduler.ticket() if scheduler is not None else None)
        self.canvas = NetworkCanvas(nodes=canvas_nodes(self.state), edges=canvas_edges(self.state),
                                    palette=palette_entries(), sizing_mode="stretch_both", min_height=140, name="canvas")
        self.inspector = Inspector(self.state, html_stylesheets=[CSS])
        self.controls = Controls(self.session)
        self.raster = RasterView(self.session, recorded=RecordedData(self.session))
        self.traces = TracesView(self.session)
        self.rates = RatesView(self.session)
        self.weights = WeightsView(self.session)
        self.recorded = self.raster.recorded
        self.export = ExportMenu(self.state, self.recorded)
        self.analysis = AnalysisView(self.session, self.recorded)
        self.energy = EnergyView(self.session)
        self.learning = LearningView(self.session)
        self.lesions = LesionControl(self.session)
        self.sweep = DegradationSweepView(self.session)
        self.bridge = BrowserBridge()
        self.presence = PresenceWatch()
        self.lesson = self._restored_lesson(lessons, opened, progress)
        self._build_lesson_editor(opened, lesson_saving)
        self.gallery = pn.widgets.Select(name="Open an example", options=["—"] + list(self.examples), value="—",
                                         width=235, stylesheets=[INLINE_LABEL],
                                         description="Replace the design by one of the gallery's networks")
        self.gallery_text = NamedHTML("", sizing_mode="stretch_width", name="gallery-text")
        self.new_button = pn.widgets.Button(name="New", color="default", width=60,
                                            description=tooltip("Start an empty design (undo brings the old one back)"))
        # The browser's own file input is hidden; the "Open file…" button opens its chooser.
        self.file_input = pn.widgets.FileInput(accept=".json,.nir", name="Open file", width=1, height=1, margin=0,
                                               styles={"position": "absolute", "visibility": "hidden"})
        self.open_file_button = pn.widgets.Button(
            name="Open file…", width=100, description=tooltip("Open a design (.json) or a NIR graph (.nir) from this computer"))
        self.open_file_button.js_on_click(args={"file_input": self.file_input}, code=OPEN_FILE_JS)
        self.download = SaveButton(callback=self._download, filename="network.json", label="Save to file",
                                   color="primary", width=110, name="save")
        self.undo_button = pn.widgets.Button(name="↶ Undo", width=76, disabled=True,
                                             description=tooltip("Undo the last edit (Ctrl+Z)"))
        self.redo_button = pn.widgets.Button(name="↷ Redo", width=76, disabled=True,
                                             description=tooltip("Redo what was undone (Ctrl+Shift+Z or Ctrl+Y)"))
        self.problems = NamedHTML("", sizing_mode="stretch_width", name="problems")
        self.error = NamedHTML("", sizing_mode="stretch_width", name="edit-error")
        self.save_status = NamedHTML("", sizing_mode="stretch_width", name="save-status")
        self.upload_note = NamedHTML("", sizing_mode="stretch_width", name="upload-note")
        self.uploads = UploadParser()  # create_app delivers its results on the session's loop
        # What browser tests read back (see EXPOSE_STATE_ENV); None in an ordinary session.
        self.debug = NamedHTML("", visible=False, name="debug-state") if expose_state else None
        self._debug_synced, self._debug_pending = 0.0, False  # time.monotonic() of the last _sync_debug
        self._store_pending, self._stored_at, self._edited_at = False, 0.0, 0.0  # the browser's copy of the design
        # The teacher's offer and locks (designer/classroom/student.py), filled when the page joins the class.
        self.classroom = pn.Column(sizing_mode="stretch_width", margin=0, name="classroom")
        self.workspace = self._build_workspace()
        self._wire()
        self._on_history()  # a restored design comes with its undo history
        self._render_problems()
        self._render_save_status()
        self._render_gallery_text(self.state.network.description)
        self._sync_debug()

    def _restored_lesson(self, lessons: list[Lesson], opened: Lesson | None, progress: dict | None) -> LessonPanel | None:
        """The lesson of a /app?lesson=NAME link, or the one the teacher sent to this workspace
        (the workspace's saved progress names it), with the steps met so far; None without one."""
        sent = None if opened or not isinstance(progress, dict) else progress.get("lesson")
        lessons = lessons or (self.library.all() if sent else [])
        shown = opened.name if opened else next((one.name for one in lessons if one.name == sent), None)
        if shown is None:
            return None
        panel = LessonPanel(lessons, shown, self.state, self.session, self.recorded)
        panel.restore_progress(progress or {})
        self.autosave.progress = panel.progress
        return panel

    def _build_lesson_editor(self, opened: Lesson | None, lesson_saving: str) -> None:
        """"Save as lesson…" and its dialog (designer/views/lesson_editor.py), from the open lesson if any."""
        self.lesson_editor = LessonEditor(self.state, self.library, opened, policy=lesson_saving)
        self.lesson_editor_button = pn.widgets.Button(
            name="Save as lesson…", width=124, description=tooltip(
                "Make a lesson of this design: its text and the steps the app checks (opens by link)"))

    # -- wiring: every callback in one place --------------------------------------------------
    def _wire(self) -> None:
        state = self.state
        state.param.watch(self._on_network, "network")
        state.param.watch(self._on_selection, "selection")
        state.param.watch(lambda e: self._render_problems(), "problems")
        state.param.watch(self._on_error, "error")
        state.param.watch(self._on_history, ["can_undo", "can_redo"])
        self.undo_button.on_click(lambda _event: state.undo())
        self.redo_button.on_click(lambda _event: state.redo())
        self.weights.param.watch(lambda event: self.workspace.show_section("weights", event.new), "shown")
        self.canvas.on_action(self._on_canvas_action)
        self.canvas.param.watch(self._on_canvas_selection, "selection")
        self.gallery.param.watch(self._on_gallery, "value")
        self.new_button.on_click(self._on_new)
        self.lesson_editor_button.on_click(lambda _event: self.lesson_editor.open())
        self.file_input.param.watch(self._on_file, "value")
        self.bridge.on_stored(self._on_stored_design)
        self.bridge.on_key(self._on_key)
        self.presence.on_presence(self.session.note_presence)
        if self.lesson is not None:
            self._wire_lesson()
        self.autosave.param.watch(self._on_autosave, ["status", "failed", "revision"])
        self.session.param.watch(self._on_session_change, ["status", "t_ms", "needs_restart", "traces", "limit_message"])

    def _wire_lesson(self) -> None:
        self.lesson.param.watch(lambda _event: self.canvas.fit_view(), "opened")
        self.lesson.param.watch(lambda _event: self.autosave.save(), "measurements")

    def open_lesson(self, lesson: Lesson, description: str) -> bool:
        """A lesson the teacher sent opens as /app?lesson=NAME would: its text and steps (measured
        while it runs) in a column beside the canvas, its network from t = 0. The design before
        it is one undo away; the workspace keeps saving (with the lesson's progress, so a reload
        brings the lesson back)."""
        if self.lesson is None:
            lessons = list_lessons(LESSONS)
            if lesson.name not in {one.name for one in lessons}:
                return False
            self.lesson = LessonPanel(lessons, lesson.name, self.state, self.session, self.recorded)
            self._wire_lesson()
            self.autosave.progress = self.lesson.progress
            panel = pn.panel(self.lesson)
            style_html_panes(panel)
            self.workspace.lesson = panel
        return self.lesson.start(lesson.name, description)

    def _on_history(self, *_events) -> None:
        self.undo_button.disabled = not self.state.can_undo
        self.redo_button.disabled = not self.state.can_redo
        self._sync_debug()

    def _on_session_change(self, *events) -> None:
        # While running, t_ms changes with every frame and the JSON below costs several ms to
        # build: skip some (the next frame or the final pause brings the newest time). Not
        # running, every change is shown (a reset to t = 0 is followed by no frame).
        now = time.monotonic()
        if (self.session.status == "running" and all(e.name == "t_ms" for e in events)
                and now - self._debug_synced < 1.0 / DEBUG_HZ):
            return
        self._sync_debug()

    def _on_network(self, event) -> None:
        self.canvas.nodes = canvas_nodes(self.state)
        self.canvas.edges = canvas_edges(self.state)
        self.download.filename = f"{self.state.network.name}.json"
        self._render_gallery_text(self.state.network.description)
        live_only = live_differences(event.old, event.new) is not None
        if live_only:
            self._debug_pending = True  # shown by the next poll, after the frame with the change
        else:
            self._sync_debug()
        # Live values (a slider drags through tens a second, each waited for in the page) reach
        # the browser's copy of the design once they rest for STORE_DELAY_S (see poll): a copy
        # costs ~9 ms of this event loop, which would delay the frame showing the change.
        self._store_pending, self._edited_at = True, time.monotonic()
        if not live_only:
            self._store_design()

    def _store_design(self) -> None:
        """The design into the session store and the browser's localStorage (kept across reloads)."""
        self._store_pending = False
        self._stored_at = time.monotonic()
        self.autosave.save()
        self.bridge.design_json = self.autosave.json_of(self.state.network)

    def flush_autosave(self) -> None:
        """The session ends: a live edit still waiting for its save is saved now."""
        if self._store_pending:
            self.autosave.save(report=False)

    def _on_selection(self, event) -> None:
        if self.canvas.selection != event.new:
            self.canvas.selection = dict(event.new)
        self._sync_debug()

    def _on_canvas_selection(self, event) -> None:
        if event.new != self.state.selection:
            self.state.selection = dict(event.new or {})

    def _on_canvas_action(self, action: dict) -> None:
        kind = action.get("type")
        state = self.state
        if kind == "add":
            state.add_population(action["model"], action["x"], action["y"])
        elif kind == "move":
            state.move(action["id"], action["x"], action["y"])
        elif kind == "connect":
            state.connect(action["source"], action["target"])
            if state.error:
                self.canvas.resync()
        elif kind == "delete":
            state.delete(action.get("nodes", []), action.get("edges", []))
        elif kind == "undo":
            state.undo()
        elif kind == "redo":
            state.redo()

    def _on_key(self, action: str) -> None:
        if action == "undo":
            self.state.undo()
        elif action == "redo":
            self.state.redo()
        elif action == "toggle_run":
            (self.session.pause if self.session.status in ("running", "queued") else self.session.run)()

    def _on_error(self, event) -> None:
        self.error.object = f"<div class='banner fault'>{html.escape(event.new)}</div>" if event.new else ""

    def _on_new(self, _event) -> None:
        self.state.replace_network(Network(name="untitled"), "new empty design")
        self.canvas.fit_view()

    def _on_gallery(self, event) -> None:
        if event.new in self.examples:
            self.state.replace_network(load_network(EXAMPLES / f"{event.new}.json"), f"opened example '{event.new}'")
            self.canvas.fit_view()
            self.gallery.value = "—"

    def _on_file(self, event) -> None:
        """A file from this computer, parsed off the server's loop (designer/uploads.py); until
        it is parsed the design stays as it is, and a file that cannot be read leaves it so."""
        if event.new is None:
            return
        content, filename = event.new, self.file_input.filename or "file"
        # Empty the input, so that choosing the same file again (after more edits) opens it again.
        self.file_input.clear()
        if self.max_upload_bytes is not None and len(content) > self.max_upload_bytes:
            self.state.error = (f"could not open {filename}: it has {file_size(len(content))}; this server "
                                f"opens files up to {file_size(self.max_upload_bytes)}")
            return
        self.upload_note.object = f"<div class='save-status'>Opening {html.escape(filename)}…</div>"
        self.uploads.submit(content, filename, functools.partial(self._opened_file, filename))

    def _opened_file(self, filename: str, network: Network | None, error: str) -> None:
        """Back on the session's loop: the parsed file replaces the design (undoable), or its error shows."""
        self.upload_note.object = ""
        if network is None:
            self.state.error = error
            return
        verb = "imported" if filename.lower().endswith(".nir") else "opened"
        if self.state.replace_network(network, f"{verb} {filename}"):
            self.canvas.fit_view()

    def _on_stored_design(self, text: str | None) -> None:
        """The browser's kept design wins over the first-visit example, not over a lesson link
        nor over the work the session store brought back (with its undo history)."""
        if text is None or self._opened_from_link or self.autosave.restored:
            return
        try:
            network = network_from_json(text, source="browser storage")
        except ValidationError:
            return
        if network != self.state.network:
            self.state.restore_network(network, "restored your last design")
            self.canvas.fit_view()

    def close(self) -> None:
        """The tab closed: save a pending edit, stop the Runner, and let go of the session.
        Panel keeps every JS callback in a class-level registry keyed weakly by its button, but
        the callback holds the button (and, through its args, the file input and this app), so
        the entry never went: each closed session kept its whole app (~15 MB on ei_network
        after a minute's run)."""
        self.flush_autosave()
        self.learning.close()
        self.session.close()
        pn.links.Callback.registry.pop(self.open_file_button, None)

    def _download(self):
        return io.BytesIO(self.state.to_json().encode("utf-8"))

    def _render_problems(self) -> None:
        items = self.state.problems
        if not items:
            self.problems.object = "<div class='problems ok'>No problems found.</div>"
            return
        rows = "".join(f"<li>{html.escape(p['text'])}</li>" for p in items)
        self.problems.object = f"<div class='problems'><b>Problems ({len(items)})</b><ul>{rows}</ul></div>"

    def _on_autosave(self, *_events) -> None:
        self._render_save_status()
        self._sync_debug()

    def _render_save_status(self) -> None:
        text = html.escape(self.autosave.status)
        self.save_status.object = (f"<div class='banner fault'>⚠ {text}</div>" if self.autosave.failed
                                   else f"<div class='save-status' style='color:#6b7280;font-size:12px'>{text}</div>")

    def _render_gallery_text(self, description: str) -> None:
        self.gallery_text.object = f"<div class='description'>{html.escape(description)}</div>" if description else ""

    def _sync_debug(self) -> None:
        """The hidden `debug-state` pane: what browser tests and benchmarks read back."""
        self._debug_synced, self._debug_pending = time.monotonic(), False
        if self.debug is None:
            return
        net = self.state.network
        self.debug.object = html.escape(json.dumps({
            "network": net.name,
            "populations": [p.name for p in net.populations],
            "projections": [{"name": p.name, "weight": p.weight if isinstance(p.weight, float) else None}
                            for p in net.projections],
            "selection": self.state.selection, "can_undo": self.state.can_undo, "can_redo": self.state.can_redo,
            "status": self.session.status, "t_ms": self.session.t_ms, "needs_restart": self.session.needs_restart,
            "traces": [[t.population, t.neuron] for t in self.session.traces],
            "runners": active_runner_count(), "limit": self.session.limit_message,
            "saved": {"revision": self.autosave.revision, "failed": self.autosave.failed, "status": self.autosave.status},
        }))

    # -- the page ------------------------------------------------------------------------
    def poll(self) -> None:
        self.session.poll()
        self.raster.flush()
        self.inspector.flush()  # after the frame: a slider's model updates must not delay it
        if self._debug_pending:
            self._sync_debug()
        now = time.monotonic()
        if self._store_pending and (now - self._edited_at >= STORE_DELAY_S or now - self._stored_at >= STORE_MAX_WAIT_S):
            self._store_design()
        elif self.autosave.retry_due(now):
            self.autosave.save()

    def layout(self) -> pn.viewable.Viewable:
        return self.workspace

    def _build_workspace(self) -> Workspace:
        """Toolbar, canvas, inspector and plots on one screen (see designer/views/workspace.py)."""
        c = self.controls
        controls = [c.run_button, c.pause_button, c.step_button, c.reset_button, c.speed]
        # label beside the box, and the box wide enough for "PyNEST script (.py)"
        self.export.kind.param.update(stylesheets=[*self.export.kind.stylesheets, INLINE_LABEL], width=225)
        # The status takes the rest of its row (at least STATUS_MIN_PX, else it wraps below).
        status = pn.Column(c.status, margin=0,
                           styles={"flex": f"1 1 {STATUS_MIN_PX}px", "min-width": "0", "overflow": "hidden"})
        notices = pn.Column(pn.Row(c.banner, c.restart_button, sizing_mode="stretch_width", margin=0, align="center"),
                            c.fault, c.limit, self.classroom, sizing_mode="stretch_width", margin=0)
        # Groups wrap as a whole: the run controls never split over two rows.
        group = functools.partial(pn.Row, margin=0, align="center")
        toolbar = pn.FlexBox(
            pn.pane.HTML("<div class='brand'>SNN Designer</div>", margin=(0, 4)),
            group(self.new_button, self.gallery, self.open_file_button, self.file_input, self.download),
            group(self.undo_button, self.redo_button), self.export, group(*controls),
            self.lesson_editor, self.bridge, self.presence,
            *([self.debug] if self.debug is not None else []), status,
            flex_wrap="wrap", align_items="center", sizing_mode="stretch_width", margin=0,
        )
        # Save as lesson sits under the save status: in the toolbar it made a third row at 1024x768
        sidebar = pn.Column(self.gallery_text, self.save_status, self.lesson_editor_button, self.upload_note, self.error, self.problems, self.inspector, self.lesions,
                            sizing_mode="stretch_width", margin=(0, 0, 8, 0))
        sections = [
            PlotSection("raster", "Spike raster · click or tap a row for its trace", self.raster, "main"),
            PlotSection("traces", "Membrane traces", self.traces, "side"),
            PlotSection("rates", "Population rates", self.rates, "side"),
            PlotSection("weights", "Plastic weights", self.weights, "side"),
            PlotSection("analysis", "Analysis", self.analysis, "side", collapsed=True),  # room for traces and rates
            PlotSection("energy", "Energy and efficiency", self.energy, "side", collapsed=True),
            PlotSection("learning", "Learning", self.learning, "side", collapsed=True),
            PlotSection("sweep", "Lesions: degradation sweep", self.sweep, "side", collapsed=True),
        ]
        sections = [PlotSection(s.key, s.title, pn.panel(s.view), s.area, s.collapsed) for s in sections]  # Viewers laid out once
        lesson = pn.panel(self.lesson) if self.lesson is not None else None
        for part in (toolbar, sidebar, notices, *(s.view for s in sections), *([lesson] if lesson else [])):
            style_html_panes(part)
        return Workspace(toolbar=toolbar, canvas=self.canvas, inspector=sidebar, notices=notices, sections=sections,
                         lesson=lesson,
                         hidden_sections=[] if self.weights.shown else ["weights"], name="workspace")


def file_size(n_bytes: int) -> str:
    return f"{n_bytes / 2**20:.1f} MB" if n_bytes >= 2**20 else f"{n_bytes / 1024:.0f} kB"


def style_html_panes(layout) -> None:
    """HTML panes live in their own shadow roots: each needs the app's stylesheet."""
    for pane in layout.select(pn.pane.HTML):
        if CSS not in pane.stylesheets:
            pane.stylesheets = [*pane.stylesheets, CSS]


def _poll_in(doc, app: DesignerApp) -> None:
    """A next-tick callback: Panel dispatches model changes directly only with its curdoc set."""
    with set_curdoc(doc):
        app.poll()


def lesson_library() -> LessonLibrary:
    """The built-in lessons and the ones saved under this server's data folder (designer/lesson_library.py)."""
    return LessonLibrary(LESSONS, saved_lessons_dir())


def create_app(scheduler: RunScheduler | None = None, max_upload_bytes: int | None = None,
               lesson_saving: str = "anyone") -> pn.viewable.Viewable:
    """The served page for one session. Closing the tab stops and joins its Runner. `scheduler`:
    the server's RunScheduler (designer/server.py); without it the session runs unscheduled.
    `lesson_saving`: who may save lessons ("anyone", or "teacher": with the teacher token)."""
    pn.config.raw_css = []
    args = pn.state.session_args or {}
    library = lesson_library()
    if "lessons" in args:  # /app?lessons=all: the lesson index
        return lesson_index(library.all())
    example, lesson = (args.get(key, [b""])[0].decode("utf-8", "replace") for key in ("example", "lesson"))
    app = DesignerApp(example=example or None, lesson=lesson or None,
                      expose_state=os.environ.get(EXPOSE_STATE_ENV) == "1",
                      browser_id=pn.state.cookies.get(BROWSER_COOKIE),  # set by designer/store/browser_cookie.py
                      scheduler=scheduler, max_upload_bytes=max_upload_bytes, library=library,
                      lesson_saving=lesson_saving)
    doc = pn.state.curdoc
    if doc is not None:
        app.session.wake = functools.partial(doc.add_next_tick_callback, functools.partial(_poll_in, doc, app))
        pn.state.add_periodic_callback(app.poll, period=POLL_MS)
        app.uploads.deliver = deliver_to(doc)  # a parsed file is applied on this session's loop
        pn.state.on_session_destroyed(lambda _ctx: app.close())
        student = args.get("student", [b""])[0].decode("utf-8", "replace")
        app.classroom.objects = [join_class(app.state, app.session, doc, student=student, stylesheets=[CSS],
                                            open_lesson=app.open_lesson)]
    return app.layout()
