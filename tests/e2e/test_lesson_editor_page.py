"""A teacher makes a lesson in the browser: /app?lesson=lif_neuron, "Save as lesson…", a new text
(previewed with KaTeX) and a changed step, saved under the server's data folder; a new page at
/app?lesson=<saved> shows them. A built-in name is refused in words, nothing saved.
Its own server (`snn-designer serve` on 127.0.0.1: anyone may save) on this test's data folder.
Screenshots (1366x768): artifacts/screenshots/lesson-editor-01-open.png, lesson-editor-02-saved.png,
lesson-editor-03-reopened.png."""
from __future__ import annotations

import os
import re
import subprocess

import pytest
from class_server import stop
from conftest import CHROMIUM_ARGS, E2E_ARTIFACTS, AppServer, chromium_executable, free_port, wait_until_ready
from page_helpers import SERVER_ENV, open_app
from playwright.sync_api import expect
from test_saved_work import StoreServer

from designer import TEACHER_TOKEN_ENV
from engine.cli import build_parser, serve_command
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


def test_on_a_class_server_only_the_teacher_token_saves(browser_type, tmp_path):
    """A server on another address than 127.0.0.1 is a class server: the dialog asks for the token.
    127.0.0.2 is such an address that still stays on this machine."""
    port = free_port()
    args = build_parser().parse_args(["serve", "--address", "127.0.0.2", "--port", str(port)])
    info = AppServer(url=f"http://127.0.0.2:{port}/app", port=port, log_path=E2E_ARTIFACTS / "server-lesson-class.log")
    env = {**os.environ, **SERVER_ENV, "SNN_DESIGNER_DATA_DIR": str(tmp_path), TEACHER_TOKEN_ENV: "class-token-1"}
    E2E_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with open(info.log_path, "wb") as log:
        proc = subprocess.Popen(["setpriv", "--pdeathsig", "TERM", "--", *serve_command(args)],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env)
    # the shared browser resolves nothing but 127.0.0.1 and localhost: one that also reaches 127.0.0.2
    rules = [arg for arg in CHROMIUM_ARGS if not arg.startswith("--host-resolver-rules")]
    browser = browser_type.launch(executable_path=chromium_executable(), timeout=30_000, args=[
        *rules, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE 127.0.0.2"])
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        wait_until_ready(proc, info)
        page = context.new_page()
        thrown = []
        page.on("pageerror", lambda error: thrown.append(error))
        page.on("request", lambda request: thrown.append(request.url) if request.url.startswith("http")
                and not request.url.startswith(f"http://127.0.0.2:{port}/") else None)
        open_app(page, info.url, "?example=ei_network")
        page.get_by_role("button", name="Save as lesson…").click()
        page.get_by_label("Name (the link: /app?lesson=NAME)").fill("class-lesson")
        page.get_by_role("button", name="Save lesson").click()
        expect(page.locator(".editor-fault")).to_contain_text("Only the teacher saves lessons on a class server")
        token = page.get_by_label("Teacher token (printed when the server started)")
        token.fill("wrong")
        token.press("Tab")
        page.get_by_role("button", name="Save lesson").click()
        expect(page.locator(".editor-fault")).to_contain_text("The teacher token is wrong")
        assert not (tmp_path / "lessons").exists()
        token.fill("class-token-1")
        token.press("Tab")
        page.get_by_role("button", name="Save lesson").click()
        expect(page.locator(".editor-ok")).to_contain_text("It opens at /app?lesson=class-lesson")
        assert (tmp_path / "lessons" / "class-lesson.json").is_file() and not thrown
    finally:
        context.close()
        browser.close()
        stop(proc)
