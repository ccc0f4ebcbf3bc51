"""Browser tests: the app served by `panel serve`, driven by Playwright in Debian's Chromium.

Recipe and measurements: /work/shared/BROWSER_TESTING.md. Never `playwright install`: its
browser download host is unreachable here, so Chromium comes from apt (scripts/test).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from class_server import stop
from playwright.sync_api import expect

from designer import EXPOSE_STATE_ENV, TEACHER_TOKEN_ENV

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "designer" / "app.py"
TEACHER_APP = REPO / "designer" / "teacher.py"  # /teacher, beside /app as `snn-designer serve` serves it
TEACHER_TOKEN = "e2e-teacher-token"  # the server's teacher token in browser tests (a real server makes one)
E2E_ARTIFACTS = REPO / "artifacts" / "e2e"
# pytest-playwright wipes its --output folder (test-results/) on every run.
SCREENSHOTS = REPO / "artifacts" / "screenshots"
STARTUP_DEADLINE_S = 60.0
# A session also counts as unused between the page's GET and its websocket connect (1-2 s
# here). With a 500 ms lifetime Bokeh discarded it in that gap and rebuilt it on connect,
# without Panel's dist_url, so the page fetched its CSS from cdn.holoviz.org (seen).
# With 5 s, a busy machine (CI) took longer than that to load the page's scripts: the rebuilt
# session's patches then reached views of the first one, and the page threw "Cannot set
# properties of undefined (setting 'placeholder')" (reproduced with a 100 ms lifetime).
# 15 s is Bokeh's default, what `snn-designer serve` runs with.
SESSION_CHECK_MS = 500
SESSION_LIFETIME_MS = 15_000
LOG_TAIL_LINES = 60

LIVE_TIMEOUT_MS = 15_000  # default wait in live-view tests (the machine may be busy)
# expect()'s own default is 5 s: too short for a server that also runs the previous tests'
# sessions until they expire (seen: a refusal banner shown after more than 5 s).
expect.set_options(timeout=15_000)

CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    # Without this Chromium resolves Google hosts ~30 times in its first 20 s even with
    # Playwright's flags; with it, it makes no DNS lookups, so always browse 127.0.0.1.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
LOCAL_SCHEMES = {"data", "blob", "about"}
# Console messages that are expected and harmless (checked against errors too, in case a
# Bokeh/Panel upgrade raises their level).
KNOWN_CONSOLE_NOISE = [
    re.compile(r"\[bokeh\] could not set initial ranges"),
]


@functools.cache
def chromium_executable() -> str:
    """$CHROMIUM_PATH, else the real binary in Debian's package, else the shell wrapper."""
    if os.environ.get("CHROMIUM_PATH"):
        return os.environ["CHROMIUM_PATH"]
    # /usr/bin/chromium is a shell wrapper that adds Debian's flags and prints noise;
    # the real binary is the executable file named chromium under /usr/lib.
    try:
        listing = subprocess.run(
            ["dpkg", "-L", "chromium"], capture_output=True, text=True, check=True
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        listing = []
    for line in listing:
        path = Path(line)
        if (
            path.name == "chromium"
            and line.startswith("/usr/lib/")
            and path.is_file()
            and os.access(path, os.X_OK)
        ):
            return line
    wrapper = shutil.which("chromium")
    if wrapper:
        return wrapper
    raise RuntimeError(
        "No Chromium found: run scripts/test (it apt-installs Debian's chromium) "
        "or set CHROMIUM_PATH"
    )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Extends pytest-playwright's fixture, so --headed and --slowmo still work.
    return {
        **browser_type_launch_args,
        "executable_path": chromium_executable(),
        "args": CHROMIUM_ARGS,
        "timeout": 30_000,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A fixed viewport keeps layouts and screenshots comparable between runs.
    return {**browser_context_args, "viewport": {"width": 1200, "height": 800}}


def pytest_collection_modifyitems(config, items):
    # This hook sees the whole session's items, not only this folder's.
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.e2e)


# --- the app server ----------------------------------------------------------------------


@dataclass(frozen=True)
class AppServer:
    """What the `app_server` fixture yields."""

    url: str  # http://127.0.0.1:PORT/app
    port: int
    log_path: Path

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        return _tail(self.log_path, lines)


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"<no log: {exc}>"
    return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Ignore any http(s)_proxy in the environment: the server is on loopback.
_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# Set once the server answered (its setup failure already shows the log), for the hook below.
_server_log_path: Path | None = None


@pytest.fixture(scope="session")
def app_server():
    global _server_log_path
    E2E_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    log_path = E2E_ARTIFACTS / f"server{'-' + worker if worker else ''}.log"
    port = free_port()
    cmd = [
        # The server gets SIGTERM when pytest dies, even on kill -9 or a CI timeout.
        "setpriv", "--pdeathsig", "TERM", "--",
        sys.executable, "-m", "panel", "serve", str(APP), str(TEACHER_APP),
        "--address", "127.0.0.1", "--port", str(port),
        f"--allow-websocket-origin=127.0.0.1:{port}",
        "--liveness",
        # Destroy a closed tab's session within ~6 s instead of ~30 s (tests of cleanup).
        "--check-unused-sessions", str(SESSION_CHECK_MS),
        "--unused-session-lifetime", str(SESSION_LIFETIME_MS),
        "--static-dirs", f"assets={REPO / 'assets'}",
    ]  # fmt: skip
    server = AppServer(url=f"http://127.0.0.1:{port}/app", port=port, log_path=log_path)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, EXPOSE_STATE_ENV: "1", "PYTHONUNBUFFERED": "1",  # the debug-state pane
                 TEACHER_TOKEN_ENV: TEACHER_TOKEN},
        )
    try:
        wait_until_ready(proc, server)
        # /liveness answers 200 even when the app script raised: the log tells.
        if "Error running application handler" in log_path.read_text(errors="replace"):
            pytest.fail(
                f"The app raised while building its page:\n{server.log_tail()}", pytrace=False
            )
        _server_log_path = log_path
        yield server
    finally:
        # _server_log_path stays set: the last test's teardown report (which includes
        # this teardown) still wants the log.
        stop(proc)


def wait_until_ready(proc: subprocess.Popen, server: AppServer) -> None:
    """Wait until `server` answers its liveness check; fail the test with the log tail if it exits or times out.
    Also used by tests that start servers of their own (test_saved_work.py)."""
    # /liveness?endpoint=/app builds the app's document once, so 200 means it is servable.
    liveness = f"http://{urlsplit(server.url).hostname}:{server.port}/liveness?endpoint=/app"
    started = time.monotonic()
    while True:
        if proc.poll() is not None:
            pytest.fail(
                f"panel serve exited with {proc.returncode} before it was ready:\n"
                f"{server.log_tail()}",
                pytrace=False,
            )
        try:
            with _NO_PROXY_OPENER.open(liveness, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass  # not listening yet, or the app endpoint is not up yet
        if time.monotonic() - started > STARTUP_DEADLINE_S:
            pytest.fail(
                f"panel serve not ready after {STARTUP_DEADLINE_S:.0f} s:\n{server.log_tail()}",
                pytrace=False,
            )
        time.sleep(0.1)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # A browser test's failure is often explained by a traceback in the server.
    if report.failed and "app_server" in item.fixturenames and _server_log_path:
        report.sections.append(
            (f"panel serve log (last {LOG_TAIL_LINES} lines of {_server_log_path})",
             _tail(_server_log_path))
        )  # fmt: skip
    return report


# --- page checks ---------------------------------------------------------------------------


@dataclass
class PageErrors:
    page: object  # the pytest-playwright `page` this watches
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    ignored: list[re.Pattern] = field(default_factory=lambda: list(KNOWN_CONSOLE_NOISE))

    def ignore(self, pattern: str) -> None:
        """Accept console errors matching `pattern` (for tests that provoke one)."""
        self.ignored.append(re.compile(pattern))

    def _on_console(self, msg) -> None:
        if msg.type == "error":
            where = msg.location
            self.console_errors.append(f"{msg.text} ({where['url']}:{where['lineNumber']})")

    def _on_request(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES or parts.hostname in LOOPBACK_HOSTS:
            return
        self.external_requests.append(url)

    def _on_page_error(self, exc) -> None:
        # The first frames of the stack name the view that threw; the message alone rarely does.
        frames = [line.strip() for line in (exc.stack or "").splitlines()[1:4]]
        self.page_errors.append(" | ".join([str(exc), *frames]))

    def unexpected_console_errors(self) -> list[str]:
        return [e for e in self.console_errors if not any(p.search(e) for p in self.ignored)]


@pytest.fixture
def page_errors(page):
    """Watches `page` from before the first goto; fails the test at teardown on any
    console error, uncaught page exception, or request leaving loopback (offline use)."""
    errors = PageErrors(page=page)
    page.on("console", errors._on_console)
    page.on("pageerror", errors._on_page_error)
    page.on("request", lambda request: errors._on_request(request.url))
    page.on("websocket", lambda ws: errors._on_request(ws.url))
    yield errors
    # One failure listing every kind, so a single run shows the whole picture.
    problems = [
        (title, items)
        for title, items in [
            ("console errors", errors.unexpected_console_errors()),
            ("uncaught exceptions in the page", errors.page_errors),
            ("requests that left 127.0.0.1 (would fail offline)", errors.external_requests),
        ]
        if items
    ]
    if problems:
        lines = []
        for title, items in problems:
            lines += [f"{title}:", *(f"  {item}" for item in items)]
        pytest.fail("\n".join(lines), pytrace=False)


@pytest.fixture
def live(page, page_errors):
    """The test's tab for live-view tests: 15 s default timeout; fails the test on console
    errors and on requests leaving 127.0.0.1 (see page_errors)."""
    page.set_default_timeout(LIVE_TIMEOUT_MS)
    return page


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def sized_page(browser, app_server):
    """`open(width, height, touch=False)`: a new tab of that viewport size (with touch events
    and no mouse hover when `touch`), watched like `page_errors` (console errors, uncaught
    exceptions and requests leaving 127.0.0.1 fail the test at teardown)."""
    opened = []

    def open_page(width: int, height: int, touch: bool = False):
        context = browser.new_context(viewport={"width": width, "height": height}, has_touch=touch)
        page = context.new_page()
        page.set_default_timeout(LIVE_TIMEOUT_MS)
        errors = PageErrors(page=page)
        page.on("console", errors._on_console)
        page.on("pageerror", errors._on_page_error)
        page.on("request", lambda request: errors._on_request(request.url))
        opened.append((context, errors))
        return page

    yield open_page
    problems = []
    for context, errors in opened:
        problems += errors.unexpected_console_errors() + errors.page_errors + errors.external_requests
        context.close()
    assert not problems, f"console errors, page exceptions or requests off 127.0.0.1: {problems}"


@pytest.fixture
def laptop_app(page, page_errors, app_server):
    """The app opened at 1366x768 (a school laptop), with the e2e timeout."""
    from page_helpers import TIMEOUT_MS, open_app

    page.set_default_timeout(TIMEOUT_MS)
    page.set_viewport_size({"width": 1366, "height": 768})
    open_app(page, app_server.url)
    yield page
