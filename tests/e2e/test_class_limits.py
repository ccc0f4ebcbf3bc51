"""A class server's limits in the browser: a run beyond the cap waits with a message and starts by
itself when another pauses; a hidden tab's run pauses. The server is `snn-designer serve` with
class options (one running network, a hidden tab paused after 2 s)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from class_server import class_server
from page_helpers import open_app, read_state, wait_state

from conftest import E2E_ARTIFACTS, SCREENSHOTS

CAP_MESSAGE = "the class limit of 1 running network is reached: yours starts when one pauses"
HIDE_TAB_JS = """() => {
  Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});
  document.dispatchEvent(new Event('visibilitychange'));
}"""


@pytest.fixture(scope="module")
def capped_url():
    with class_server(E2E_ARTIFACTS / "class-server.log", "--max-running", "1", "--hidden-pause-s", "2",
                      "--idle-pause-min", "0", "--unused-session-s", "5") as url:
        yield url


@pytest.fixture
def tabs(browser, capped_url):
    """open() -> a new tab (its own browser context) with the app at 1366x768; every tab must end
    without page exceptions or console errors."""
    contexts, problems = [], []

    def open_tab():
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.on("pageerror", lambda error: problems.append(f"page exception: {error}"))
        page.on("console", lambda msg: problems.append(f"console error: {msg.text}") if msg.type == "error" else None)
        open_app(page, capped_url)
        return page

    yield open_tab
    for context in contexts:
        context.close()
    assert not problems, problems


def test_a_run_beyond_the_class_cap_waits_and_starts_when_the_first_pauses(tabs):
    first, second = tabs(), tabs()
    first.get_by_role("button", name="▶ Run").click()
    wait_state(first, "s.status === 'running' && s.t_ms > 50", timeout=30_000)

    second.get_by_role("button", name="▶ Run").click()
    wait_state(second, "s.status === 'queued'", timeout=15_000)
    banner = second.locator(".banner.limit")
    expect(banner).to_have_text(CAP_MESSAGE)
    second.mouse.move(700, 560)  # no tooltip over the banner
    second.screenshot(path=str(SCREENSHOTS / "class_limit_queued.png"))
    second.wait_for_timeout(1_000)
    assert read_state(second)["t_ms"] == 0.0, "a queued network must not simulate"
    expect(first.locator(".banner.limit")).to_be_hidden()

    first.get_by_role("button", name="Pause").click()
    wait_state(first, "s.status === 'paused'")
    wait_state(second, "s.status === 'running' && s.t_ms > 100", timeout=15_000)
    expect(banner).to_be_hidden()
    second.get_by_role("button", name="Pause").click()
    wait_state(second, "s.status === 'paused'")


def test_a_hidden_tab_pauses_its_run_and_says_why(tabs):
    page = tabs()
    page.get_by_role("button", name="▶ Run").click()
    wait_state(page, "s.status === 'running' && s.t_ms > 50", timeout=30_000)
    page.evaluate(HIDE_TAB_JS)
    state = wait_state(page, "s.status === 'paused'", timeout=10_000)
    assert state["limit"] == "paused: this tab was hidden for 2 seconds (press Run to go on)"
    expect(page.locator(".banner.limit")).to_have_text(state["limit"])
