"""A teacher makes a lesson in the browser: /app?lesson=lif_neuron, "Save as lesson…", a new text
(previewed with KaTeX) and a changed step, saved under the server's data folder; a new page at
/app?lesson=<saved> shows them. A built-in name is refused in words, nothing saved.
Its own server (`snn-designer serve` on 127.0.0.1: anyone may save) on this test's data folder.
Screenshots (1366x768): artifacts/screenshots/lesson-editor-01-open.png, lesson-editor-02-saved.png,
lesson-editor-03-reopened.png."""
from __future__ import annotations

import re

import pytest
from page_helpers import open_app
from playwright.sync_api import expect
from test_saved_work import StoreServer

from engine.io import load_lesson

pytestmark = pytest.mark.e2e

NEW_TEXT = "Watch **the quiet gate** $V_{th}$ closely:\n\n$$f = 1 / t_{ref}$$"


@pytest.fixture
def store_server(tmp_path):
    server = StoreServer(tmp_path / "data", "lesson-editor").start()
    yield server
    server.stop()


def test_a_teacher_edits_text_and_a_step_saves_and_the_link_opens_it(sized_page, store_server, screenshot_dir):
    page = sized_page(1366, 768)
    open_app(page, store_server.info.url, "?lesson=lif_neuron")
    page.get_by_role("button", name="Save as lesson…").click()
    name = page.get_by_label("Name (the link: /app?lesson=NAME)")
    expect(name).to_have_value("lif_neuron-edited")
    text = page.get_by_label("Text (markdown; $inline$ and $$display$$ equations)")
    expect(text).to_have_value(re.compile("leaky integrate-and-fire"))  # the open lesson's text, to edit
    text.fill(NEW_TEXT)
    preview = page.locator(".lesson-prose").filter(has_text="Watch the quiet gate")
    expect(preview.locator("strong")).to_have_text("the quiet gate")
    expect(preview.locator(".katex-display")).to_be_visible()  # typeset by the bundled KaTeX
    page.get_by_label("Step 2: what to do").fill("Make it fire above 30 Hz")
    page.get_by_label("min", exact=True).nth(1).fill("30")
    page.get_by_label("min", exact=True).nth(1).press("Tab")

    name.fill("lif_neuron")  # a built-in name: refused in words, nothing written
    name.press("Tab")
    page.get_by_role("button", name="Save lesson").click()
    message = page.locator(".editor-fault, .editor-ok")
    expect(message).to_contain_text("'lif_neuron' is the name of a built-in lesson")
    assert not (store_server.data_dir / "lessons").exists()
    page.screenshot(path=str(screenshot_dir / "lesson-editor-01-open.png"))

    name.fill("my-lif")
    name.press("Tab")
    page.get_by_role("button", name="Save lesson").click()
    expect(page.locator(".editor-ok")).to_contain_text("Saved lesson 'One LIF neuron under DC'. It opens at "
                                                       "/app?lesson=my-lif")
    page.screenshot(path=str(screenshot_dir / "lesson-editor-02-saved.png"))
    saved = load_lesson(store_server.data_dir / "lessons" / "my-lif.json")
    assert saved.text == NEW_TEXT and saved.steps[1].condition.min == 30.0

    other = sized_page(1366, 768)
    open_app(other, store_server.info.url, "?lesson=my-lif")
    lesson = other.locator("[data-part=lesson]")
    expect(lesson.locator(".lesson-prose strong")).to_have_text("the quiet gate")
    expect(lesson.locator(".lesson-prose .katex-display")).to_be_visible()
    expect(lesson.locator("[data-step='2']")).to_contain_text("Make it fire above 30 Hz")
    expect(lesson.locator("[data-step='2']")).to_contain_text("between 30 and 40 Hz")
    other.screenshot(path=str(screenshot_dir / "lesson-editor-03-reopened.png"))

    index = sized_page(1366, 768)
    index.goto(store_server.info.url + "?lessons=all")
    expect(index.get_by_role("link", name="One LIF neuron under DC")).to_have_count(2)  # built-in and saved
    expect(index.locator("a[href='?lesson=my-lif']")).to_be_visible()
