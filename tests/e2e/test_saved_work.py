"""Saved work in a real browser: the server started as `snn-designer serve` starts it (its own
data folder, the browser-id cookie), killed with SIGKILL mid-edit and started again; a browser
context closed abruptly; a second server process on the same store; another browser.

Each test starts its own servers (the shared `app_server` has no store: its tests start fresh)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import (
    E2E_ARTIFACTS, LIVE_TIMEOUT_MS, REPO, SESSION_LIFETIME_MS, AppServer, PageErrors, free_port,
    wait_until_ready,
)
from engine.cli import build_parser, serve_command
from engine.io import load_network
from throwaway_postgres import ThrowawayPostgres
from page_helpers import DESIGN_JSON, SERVER_ENV, node, select_node, set_field_and_wait_applied, wait_state

EXAMPLE_POPULATIONS = ["exc", "inh", "noise"]
EXAMPLE_EXC_SIZE = load_network(REPO / "assets" / "examples" / "ei_network.json").population("exc").size
# While its server is down, the page reports the lost connection (expected in these tests only).
CONNECTION_NOISE = r"websocket|WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource|Lost websocket"


class StoreServer:
    """`snn-designer serve`'s command line on a fixed port and data folder; start, kill, start again."""

    def __init__(self, data_dir, name: str, port: int | None = None, database_url: str = ""):
        self.port = port or free_port()
        self.data_dir, self.name, self.database_url = data_dir, name, database_url
        self.proc: subprocess.Popen | None = None
        self.info = AppServer(url=f"http://127.0.0.1:{self.port}/app", port=self.port,
                              log_path=E2E_ARTIFACTS / f"server-store-{name}.log")

    def start(self) -> StoreServer:
        E2E_ARTIFACTS.mkdir(parents=True, exist_ok=True)
        args = build_parser().parse_args(["serve", "--port", str(self.port),
                                          "--unused-session-s", str(SESSION_LIFETIME_MS / 1000)])
        command = ["setpriv", "--pdeathsig", "TERM", "--", *serve_command(args)]
        env = {**os.environ, **SERVER_ENV, "SNN_DESIGNER_DATA_DIR": str(self.data_dir),
               "SNN_DESIGNER_DATABASE_URL": self.database_url}
        with open(self.info.log_path, "ab") as log:
            self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         env=env)
        wait_until_ready(self.proc, self.info)
        return self

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def servers(tmp_path):
    """servers(name, port=None, database_url=""): a started StoreServer on this test's data folder
    (or that PostgreSQL database); all stopped at the end."""
    started: list[StoreServer] = []

    def start(name: str, port: int | None = None, database_url: str = "") -> StoreServer:
        server = StoreServer(tmp_path / "data", name, port, database_url).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
    assert not [s.info.log_tail() for s in started if "Traceback" in s.info.log_path.read_text(errors="replace")]


@pytest.fixture
def contexts(browser):
    """contexts(cookies=None) -> (context, page, errors): a new browser (profile) at 1366x768,
    watched for console errors and page exceptions (checked at the end)."""
    opened = []

    def new(cookies=None):
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        if cookies:
            context.add_cookies(cookies)
        page = context.new_page()
        page.set_default_timeout(LIVE_TIMEOUT_MS)
        errors = PageErrors(page=page)
        page.on("console", errors._on_console)
        page.on("pageerror", errors._on_page_error)
        opened.append((context, errors))
        return context, page, errors

    yield new
    problems = [p for _, errors in opened for p in errors.unexpected_console_errors() + errors.page_errors]
    for context, _ in opened:
        context.close()
    assert not problems, f"console errors or page exceptions: {problems}"


def open_page(page: Page, url: str) -> dict:
    """page_helpers.open_app with the live tests' timeout for the canvas (the machine may be busy)."""
    page.goto(url)
    state = wait_state(page, "s.populations.length >= 0", timeout=30_000)
    for name in state["populations"]:
        expect(node(page, name)).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    return state


def browser_cookie(context) -> dict:
    return next(c for c in context.cookies() if c["name"] == "snn_browser")


def wait_saved(page: Page, revision: int) -> dict:
    return wait_state(page, f"s.saved.revision >= {revision} && !s.saved.failed")


def wait_size(page: Page, population: str, size: int) -> None:
    """Wait until the design the page holds gives `population` this size."""
    page.wait_for_function(
        f"""([pop, size]) => {{
          const text = ({DESIGN_JSON})();
          const p = text && JSON.parse(text).network.populations.find((q) => q.name === pop);
          return !!p && p.size === size;
        }}""", arg=[population, size], timeout=5_000, polling=20)


def two_edits(page: Page) -> None:
    """exc gets 321 neurons, then the noise source is deleted: two undo steps, both saved."""
    select_node(page, "exc")
    set_field_and_wait_applied(page, "Size (neurons)", "321")
    select_node(page, "noise")
    page.keyboard.press("Delete")
    wait_state(page, "JSON.stringify(s.populations) === '[\"exc\",\"inh\"]'")
    wait_saved(page, 2)


def click_undo(page: Page) -> None:
    page.get_by_role("button", name="↶ Undo").click()


def test_a_server_killed_mid_edit_gives_the_design_and_its_undo_history_back(servers, contexts, screenshot_dir):
    server = servers("killed")
    context, page, errors = contexts()
    open_page(page, server.info.url)
    cookie = browser_cookie(context)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and len(cookie["value"]) == 32
    two_edits(page)
    # mid-edit: a third edit is typed and the server is killed before anyone waits for it
    select_node(page, "inh")
    errors.ignore(CONNECTION_NOISE)
    field = page.get_by_label("Size (neurons)", exact=True)
    field.fill("77")
    field.press("Enter")
    server.kill()

    server = servers("restarted", port=server.port)  # same address: the page's reload finds it
    page.reload()
    state = wait_state(page, "s.populations.length > 0", timeout=30_000)
    assert state["populations"] == ["exc", "inh"] and state["can_undo"]
    assert browser_cookie(context)["value"] == cookie["value"]  # the same browser, not a new id
    expect(node(page, "noise")).to_have_count(0)
    page.screenshot(path=str(screenshot_dir / "saved-work-after-sigkill.png"))
    # Undo walks back through the history from before the kill: the typed size first if it
    # was saved before the kill, then the deleted noise returns, then exc's size.
    if "n=77" in node(page, "inh").inner_text():
        click_undo(page)
        expect(node(page, "inh")).to_contain_text("n=200")
    click_undo(page)
    wait_state(page, "s.populations.includes('noise')")
    wait_size(page, "exc", 321)
    click_undo(page)
    assert wait_state(page, "!s.can_undo")["populations"] == EXAMPLE_POPULATIONS
    wait_size(page, "exc", EXAMPLE_EXC_SIZE)


def test_a_crashed_browser_loses_nothing_and_another_browser_sees_none_of_it(servers, contexts):
    first, second = servers("one"), servers("two")  # two server processes, one store
    context, page, _ = contexts()
    open_page(page, first.info.url)
    two_edits(page)
    cookies = [browser_cookie(context)]
    context.close()  # the browser goes away without a goodbye

    _, again, _ = contexts(cookies)  # the same profile (its cookie) starts again, on the other process
    state = open_page(again, second.info.url)
    assert state["populations"] == ["exc", "inh"] and state["can_undo"]
    expect(again.locator(".save-status")).to_contain_text("Restored your design saved")
    click_undo(again)
    wait_state(again, "s.populations.includes('noise')")

    stranger_context, stranger, _ = contexts()  # another browser: its own id, the first visit's example
    state = open_page(stranger, first.info.url)
    assert state["populations"] == EXAMPLE_POPULATIONS and not state["can_undo"]
    assert browser_cookie(stranger_context)["value"] != cookies[0]["value"]

    forged = [{**cookies[0], "value": "../" + cookies[0]["value"][3:]}]  # not an id: replaced by a new one
    forged_context, page_f, _ = contexts(forged)
    state = open_page(page_f, second.info.url)
    assert state["populations"] == EXAMPLE_POPULATIONS
    assert browser_cookie(forged_context)["value"] not in (forged[0]["value"], cookies[0]["value"])


@pytest.fixture
def postgres():
    folder = tempfile.mkdtemp(prefix="snn-pg-")  # not under pytest's 0700 folder: the server runs as `postgres`
    server = ThrowawayPostgres(Path(folder))
    try:
        yield server.start()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_a_database_outage_keeps_the_design_open_says_so_and_saving_resumes(servers, contexts, postgres,
                                                                            screenshot_dir):
    server = servers("postgres", database_url=postgres.url)
    _, page, _ = contexts()
    open_page(page, server.info.url)
    select_node(page, "exc")
    set_field_and_wait_applied(page, "Size (neurons)", "321")
    wait_saved(page, 1)

    postgres.stop()  # the database goes down mid-lesson
    select_node(page, "noise")
    page.keyboard.press("Delete")
    state = wait_state(page, "s.saved.failed")
    assert state["populations"] == ["exc", "inh"]  # the edit is applied: nothing lost in the page
    banner = page.locator(".banner.fault").filter(has_text="Not saved on the server")
    expect(banner).to_contain_text("Your design is still open here; saving is retried")
    page.screenshot(path=str(screenshot_dir / "saved-work-database-down.png"))

    postgres.start_again()
    wait_state(page, "!s.saved.failed && s.saved.revision >= 2", timeout=30_000)  # retried within RETRY_S
    expect(page.locator(".save-status")).to_contain_text("Saved")
    page.reload()
    state = wait_state(page, "s.populations.length > 0", timeout=30_000)
    assert state["populations"] == ["exc", "inh"] and state["can_undo"]
