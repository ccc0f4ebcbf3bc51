"""Lessons saved from the page: the library (data folder, validation, name clashes) and the editor's state."""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from designer import TEACHER_TOKEN_ENV
from designer.lesson_library import (
    LessonFields, LessonLibrary, StepFields, lesson_from_fields, plot_fields, saved_lessons_dir, step_fields,
)
from designer.main import LESSONS, DesignerApp
from designer.views.lesson import lesson_index_html
from engine import ValidationError
from engine.io import load_lesson

LIF = load_lesson(LESSONS / "lif_neuron.json")


@pytest.fixture
def library(tmp_path) -> LessonLibrary:
    return LessonLibrary(LESSONS, tmp_path / "data" / "lessons")


def fields(name: str = "my-lif", **changes) -> LessonFields:
    base = LessonFields(name, "My LIF", "One neuron, my way", "Watch $V_m$ rise.", step_fields(LIF),
                        plot=plot_fields(LIF))
    return dataclasses.replace(base, **changes)


def test_saved_lessons_live_under_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("SNN_DESIGNER_DATA_DIR", str(tmp_path))
    assert saved_lessons_dir() == tmp_path / "lessons"
    assert saved_lessons_dir(tmp_path / "other") == tmp_path / "other" / "lessons"


def test_save_then_reload_gives_the_same_lesson_listed_after_the_built_ins(library):
    lesson = lesson_from_fields(fields(), LIF.network)
    path = library.save(lesson)
    assert path == library.saved_dir / "my-lif.json" and path.parent.parent.name == "data"
    assert not list(library.saved_dir.glob(".*"))  # the atomic save left no temporary file
    again = load_lesson(path)
    assert (again.title, again.summary, again.text) == ("My LIF", "One neuron, my way", "Watch $V_m$ rise.")
    assert again.steps == LIF.steps and again.network == LIF.network and again.plot == LIF.plot
    names = [one.name for one in library.all()]
    assert names[-1] == "my-lif" and "lif_neuron" in names  # saved after the built-in course
    assert not (LESSONS / "my-lif.json").exists()  # never into assets/


def test_a_built_in_name_is_refused_and_a_hand_made_clash_is_left_out(library):
    with pytest.raises(ValidationError, match="'lif_neuron' is the name of a built-in lesson"):
        library.save(lesson_from_fields(fields("lif_neuron"), LIF.network))
    library.saved_dir.mkdir(parents=True)
    (library.saved_dir / "lif_neuron.json").write_text((LESSONS / "lif_neuron.json").read_text().replace(
        "One LIF neuron under DC", "Impostor"))
    found = [one for one in library.all() if one.name == "lif_neuron"]
    assert [one.title for one in found] == ["One LIF neuron under DC"]  # the built-in wins


def test_an_existing_saved_name_is_replaced_only_when_asked(library):
    library.save(lesson_from_fields(fields(), LIF.network))
    second = lesson_from_fields(fields(title="Second"), LIF.network)
    with pytest.raises(ValidationError, match="a saved lesson 'my-lif' exists already"):
        library.save(second)
    assert load_lesson(library.path_of("my-lif")).title == "My LIF"  # nothing lost
    library.save(second, replace=True)
    assert load_lesson(library.path_of("my-lif")).title == "Second"


@pytest.mark.parametrize("name", ["", "../evil", "a/b", "UPPER", "x" * 61, ".hidden", "a b", "a\0b"])
def test_names_that_are_not_a_safe_file_stem_are_refused(library, name):
    with pytest.raises(ValidationError, match="field 'name'"):
        lesson_from_fields(fields(name), LIF.network)
    with pytest.raises(ValidationError, match="field 'name'"):
        library.path_of(name)


@pytest.mark.parametrize("change, message", [
    (dict(title=""), "field 'title' must be non-empty text"),
    (dict(summary="two\nlines"), "field 'summary' must be one line"),
    (dict(text="an $unclosed equation"), "field 'text' line 1 has an unclosed \\$ equation"),
    (dict(steps=step_fields(LIF)[:1]), "field 'steps' must be a list of 2 to 4 steps"),
])
def test_bad_fields_are_refused_by_the_lesson_validator(change, message):
    with pytest.raises(ValidationError, match=message):
        lesson_from_fields(fields(**change), LIF.network)


@pytest.mark.parametrize("step, message", [
    (dict(field="amplitud"), "step 1: change: 'current' has no parameter 'amplitud'"),
    (dict(statistic="beauty"), "step 1: condition: unknown statistic 'beauty'"),
    (dict(population="nobody"), "step 1: condition: no neuron population 'nobody'"),
    (dict(min=None, max=None), "step 1: condition: give 'min', 'max' or both"),
    (dict(min=50.0, max=10.0), "step 1: condition: min \\(50\\) is above max \\(10\\)"),
    (dict(solution=None), "step 1: field 'solution'"),
])
def test_bad_steps_are_refused_naming_the_step_and_field(step, message):
    steps = [dataclasses.replace(step_fields(LIF)[0], **step), *step_fields(LIF)[1:]]
    with pytest.raises(ValidationError, match=message):
        lesson_from_fields(fields(steps=steps), LIF.network)


def test_user_text_is_escaped_in_the_index():
    lesson = lesson_from_fields(fields(title="<script>alert(1)</script>", summary="<img src=x onerror=alert(2)>"),
                                LIF.network)
    out = lesson_index_html([lesson])
    assert "<script>" not in out and "<img" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "&lt;img src=x onerror=alert(2)&gt;" in out


@pytest.fixture
def app_in(monkeypatch, tmp_path):
    """DesignerApp(...) with this test's data folder; closed at the end."""
    monkeypatch.setenv("SNN_DESIGNER_DATA_DIR", str(tmp_path))
    opened = []

    def make(**kwargs) -> DesignerApp:
        app = DesignerApp(**kwargs)
        opened.append(app)
        return app

    yield make
    for app in opened:
        app.close()


def test_the_editor_saves_an_edited_lesson_that_opens_by_its_link(app_in, tmp_path):
    editor = app_in(lesson="lif_neuron").lesson_editor
    assert editor.name_input.value == "lif_neuron-edited" and editor.n_steps.value == len(LIF.steps)
    editor.text.value = "My **own** text <script>alert(1)</script>"
    editor.rows[1].title.value, editor.rows[1].low.value = "Make it fire above 30 Hz", "30"
    assert editor.save(), editor.message.object
    assert "/app?lesson=lif_neuron-edited" in editor.message.object
    assert (tmp_path / "lessons" / "lif_neuron-edited.json").is_file()
    opened = app_in(lesson="lif_neuron-edited").lesson.lesson
    assert opened.text.startswith("My **own** text") and opened.steps[1].title == "Make it fire above 30 Hz"
    assert opened.steps[1].condition.min == 30.0
    panel_text = app_in(lesson="lif_neuron-edited").lesson.text.html
    assert "<strong>own</strong>" in panel_text and "<script>" not in panel_text


def test_a_bad_edit_keeps_every_field_and_saves_nothing(app_in, tmp_path):
    editor = app_in(example="ei_network").lesson_editor
    editor.name_input.value = "balance"
    editor.rows[0].low.value = "fast"
    assert not editor.save()
    assert "step 1: field &#x27;min&#x27; must be a number, got &#x27;fast&#x27;" in editor.message.object
    assert editor.rows[0].low.value == "fast" and editor.name_input.value == "balance"
    assert not (tmp_path / "lessons").exists()
    editor.rows[0].low.value = "5"
    assert editor.save(), editor.message.object
    saved = json.loads((tmp_path / "lessons" / "balance.json").read_text())
    assert saved["steps"][0]["condition"]["min"] == 5 and saved["network"]["network"]["name"] == "ei_network"


def test_the_preview_is_the_lesson_panels_sanitised_markdown(app_in):
    editor = app_in(example="ei_network").lesson_editor
    editor.text.value_input = "Hi <img src=x onerror=alert(1)> and $$\\frac{a}{b}$$"
    assert "<img" not in editor.preview.html and "&lt;img" in editor.preview.html
    assert '<span class="math display">\\frac{a}{b}</span>' in editor.preview.html


def test_on_a_class_server_only_the_teacher_token_saves(app_in, tmp_path, monkeypatch):
    monkeypatch.setenv(TEACHER_TOKEN_ENV, "the-teachers-token")
    from designer.classroom.token import teacher_token

    teacher_token.cache_clear()
    try:
        editor = app_in(example="ei_network", lesson_saving="teacher").lesson_editor
        assert editor.token.visible
        assert not editor.save() and "Only the teacher saves lessons" in editor.message.object
        editor.token.value = "guess"
        assert not editor.save() and "teacher token is wrong" in editor.message.object
        assert not (tmp_path / "lessons").exists()
        editor.token.value = "the-teachers-token"
        assert editor.save(), editor.message.object
        assert not app_in(example="ei_network").lesson_editor.token.visible  # one user: no token asked
    finally:
        teacher_token.cache_clear()
        os.environ.pop(TEACHER_TOKEN_ENV, None)


def test_the_server_asks_for_the_teacher_only_off_this_machine(monkeypatch):
    from designer import server

    seen = []
    monkeypatch.setattr("designer.main.create_app", lambda **kwargs: seen.append(kwargs["lesson_saving"]))
    for address in ("127.0.0.1", "0.0.0.0"):
        opts = server.ServeOptions(address=address)
        server.build_pages(server.ClassServer(opts, scheduler=None))["app"]()
    assert seen == ["anyone", "teacher"]


def test_starter_steps_on_a_design_without_a_lesson_validate(app_in):
    app = app_in(example="ei_network")
    lesson = lesson_from_fields(app.lesson_editor.read(), app.state.network)
    assert len(lesson.steps) == 2 and lesson.steps[0].condition.statistic == "rate"


def test_saved_lessons_are_path_free_in_the_index(library):
    library.save(lesson_from_fields(fields(), LIF.network))
    out = lesson_index_html(library.all())
    assert "href='?lesson=my-lif'" in out and str(Path(library.saved_dir)) not in out


@pytest.mark.parametrize("name", ["decision", "stdp_weights", "pattern_in_noise", "half_centre"])
def test_every_condition_kind_survives_editing_a_built_in_lesson(library, name):
    """Pair, weights and pattern conditions keep the fields the editor does not show."""
    lesson = load_lesson(LESSONS / f"{name}.json")
    edited = lesson_from_fields(LessonFields(f"{name}-x", lesson.title, lesson.summary, lesson.text, step_fields(lesson),
                                             plot=plot_fields(lesson)), lesson.network)
    assert edited.steps == lesson.steps
    library.save(edited)
    assert load_lesson(library.path_of(f"{name}-x")).steps == lesson.steps
