"""Autosave in the app, without a browser: every edit (undo and redo too) reaches the store, a
new page of the same browser gets the design and its undo history back, another browser does
not, a lesson's progress comes back, and a failed save keeps the design open and says so."""
from __future__ import annotations

import html
import json

import pytest

import designer.main as main
from designer.autosave import RETRY_S
from designer.main import DesignerApp
from designer.store import StoreError, new_browser_id
from designer.store.sqlite import SqliteStore


@pytest.fixture
def store(tmp_path, monkeypatch):
    opened = SqliteStore(tmp_path)
    monkeypatch.setattr(main, "server_store", lambda: (opened, ""))
    yield opened
    opened.close()


@pytest.fixture
def open_page():
    """open_page(browser_id, **query): a new session's app, as a page load builds it."""
    apps = []

    def open_one(browser_id, **query):
        app = DesignerApp(expose_state=True, browser_id=browser_id, **query)
        apps.append(app)
        return app

    yield open_one
    for app in apps:
        app.session.close()


def debug_state(app) -> dict:
    return json.loads(html.unescape(app.debug.object))


def populations(app) -> list[str]:
    return [p.name for p in app.state.network.populations]


def test_every_edit_undo_and_redo_is_saved_and_a_reload_brings_design_and_history_back(store, open_page):
    browser = new_browser_id()
    app = open_page(browser)
    app.state.add_population("iaf_psc_exp", 10, 20)
    assert store.load(browser, "workspace").revision == 1
    app.state.rename_population("inh", "interneurons")
    app.state.undo()  # the rename undone: a redo step
    saved = store.load(browser, "workspace")
    assert saved.revision == 3 and len(saved.undo) == 1 and len(saved.redo) == 1
    assert debug_state(app)["saved"]["revision"] == 3 and "Saved" in app.save_status.object

    again = open_page(browser)  # the page reloaded (or the server restarted)
    assert populations(again) == ["exc", "inh", "noise", "neurons"]
    assert again.state.can_undo and again.state.can_redo and not again.undo_button.disabled
    assert again.autosave.status.startswith("Restored your design saved")
    again.state.redo()
    assert populations(again) == ["exc", "interneurons", "noise", "neurons"]
    again.state.undo()
    again.state.undo()  # back before the first edit of the first page
    assert populations(again) == ["exc", "inh", "noise"]


def test_a_live_slider_drag_is_saved_once_it_rests(store, open_page, monkeypatch):
    browser = new_browser_id()
    app = open_page(browser)
    for weight in (0.11, 0.12, 0.13):  # one drag: live values only
        app.state.set_projection_field("exc→exc", "weight", weight, coalesce=("drag", 1))
    assert store.load(browser, "workspace") is None  # not yet: a save per slider step would delay frames
    monkeypatch.setattr(main, "STORE_DELAY_S", 0.0)
    app.poll()
    saved = store.load(browser, "workspace")
    assert len(saved.undo) == 1 and '"weight": 0.13' in saved.current


def test_a_live_value_still_resting_is_saved_when_the_tab_closes(store, open_page):
    browser = new_browser_id()
    app = open_page(browser)
    app.state.set_projection_field("exc→exc", "weight", 0.17, coalesce=("drag", 2))
    assert store.load(browser, "workspace") is None
    app.flush_autosave()  # what the session's destroy callback does
    assert '"weight": 0.17' in store.load(browser, "workspace").current


def test_another_browser_starts_from_the_example_and_never_sees_the_design(store, open_page):
    alice, bob = new_browser_id(), new_browser_id()
    open_page(alice).state.add_population("iaf_psc_exp", 10, 20)
    page_b = open_page(bob)
    assert populations(page_b) == ["exc", "inh", "noise"] and not page_b.state.can_undo
    assert not page_b.autosave.restored
    # a forged cookie (not an id) gets no store at all, and says where the work is kept
    forged = open_page("../" + alice)
    assert not forged.autosave.enabled and "kept in this browser only" in forged.autosave.status
    assert populations(forged) == ["exc", "inh", "noise"]


def test_an_example_link_opens_on_top_of_the_saved_work_and_undo_brings_it_back(store, open_page):
    browser = new_browser_id()
    open_page(browser).state.add_population("iaf_psc_exp", 10, 20)
    linked = open_page(browser, example="one_neuron")
    assert linked.state.network.name == "one_neuron"
    linked.state.undo()
    assert populations(linked) == ["exc", "inh", "noise", "neurons"]


def test_a_lessons_design_and_progress_come_back_in_its_own_slot(store, open_page):
    browser = new_browser_id()
    page = open_page(browser, lesson="lif_neuron")
    lesson = page.lesson
    name = lesson.lesson.name
    page.state.set_population_field(page.state.network.populations[0].name, "size", 7)
    lesson.restore_progress({"lesson": name, "done": {"0": [12.5, "12.5 Hz: done"]}})  # as if step 1 was met
    saved = store.load(browser, f"lesson/{name}")
    assert saved.progress == {"lesson": name, "done": {"0": [12.5, "12.5 Hz: done"]}}
    assert store.load(browser, "workspace") is None  # the workspace is not the lesson's work

    again = open_page(browser, lesson="lif_neuron")
    assert again.state.network.populations[0].size == 7 and again.state.can_undo
    assert again.lesson.measurements[0].done and again.lesson.measurements[0].text == "12.5 Hz: done"
    assert all(m is None for m in again.lesson.measurements[1:])
    assert "data-step='1'" in again.lesson.steps.object and "✓" in again.lesson.steps.object


def test_a_failed_save_keeps_the_design_says_so_and_is_retried(store, open_page, monkeypatch, caplog):
    browser = new_browser_id()
    app = open_page(browser)
    real_save = store.save

    def disk_full(*args):
        raise StoreError("session store: could not save: database or disk is full")

    monkeypatch.setattr(store, "save", disk_full)
    assert app.state.add_population("iaf_psc_exp", 10, 20)
    assert populations(app) == ["exc", "inh", "noise", "neurons"] and app.state.can_undo  # nothing lost in memory
    assert app.autosave.failed and "Not saved on the server" in app.save_status.object
    assert "fault" in app.save_status.object and "Your design is still open here" in app.autosave.status
    assert "database or disk is full" in caplog.text  # the store's own words: for the server's log
    monkeypatch.setattr(store, "save", real_save)
    app.autosave._failed_at -= RETRY_S  # as if RETRY_S had passed
    app.poll()  # the retry
    assert not app.autosave.failed and "Saved" in app.save_status.object
    assert store.load(browser, "workspace").current == app.autosave.json_of(app.state.network)


def test_a_store_that_cannot_be_read_is_never_saved_over(store, open_page, monkeypatch):
    browser = new_browser_id()
    open_page(browser).state.add_population("iaf_psc_exp", 10, 20)
    real_load = store.load

    def locked(*args):
        raise StoreError("session store: could not load: database is locked")

    monkeypatch.setattr(store, "load", locked)
    page = open_page(browser)
    page.state.rename_population("exc", "pyramidal")
    monkeypatch.setattr(store, "load", real_load)
    assert [p.name for p in network_of(store.load(browser, "workspace"))] == ["exc", "inh", "noise", "neurons"]
    assert "does not save over it" in page.autosave.status


def network_of(saved):
    from engine.io import network_from_json

    return network_from_json(saved.current).populations
