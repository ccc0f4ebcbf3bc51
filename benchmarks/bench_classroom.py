"""A class on one server: N sessions on the E/I example, all running at 1x. Prints; never asserts.

    .venv/bin/python benchmarks/bench_classroom.py                               # 10 sessions, 2 min
    .venv/bin/python benchmarks/bench_classroom.py --sessions 30 --minutes 10    # the issue's full run

Bounded and loopback only: at most 40 sessions and 15 minutes; `snn-designer serve` on
127.0.0.1 (a free port) with --max-running N, no idle or hidden pauses (nobody touches the
bulk's tabs), closed sessions ended after the default 15 s (a 3 s lifetime discarded sessions
of pages still loading on the busy machine: their Run was lost); the server dies with this
process. Every session is a real Chromium page (each its own Playwright context, 1024x768) on
the same machine as the server. Bokeh client sessions could not stand in for the bulk: the
page's components are Panel JS components, and a Python client neither runs their JavaScript
nor got its messages to them handled (tried: the raster's 'ready' and 'ack' sent as DataEvents
from bokeh.client were never handled by the server), so the server sent them almost nothing.

Measured over the window after a 10 s warm-up:
  frames/s      raster frames drawn in each page per second (its canvas's data-frames)
  real time     simulated ms per wall ms of each session (its debug state's t_ms)
  fairness      min / max of the real-time factors
  raster moving each page's drawn spikes grew during the window
  server        CPU % (of one core) and RSS every 5 s; the event loop's answer time to GET /liveness
  latency       in one session, exc's I_e typed into its slider's box (0 -> -200 pA, Enter) until the
                page's membrane trace of exc #0 shows it (V_m < -50 mV): p50 / p95 over --samples
  memory        server RSS idle (before any session), peak, after all closed, and after a second
                identical round (same sessions again, closed again): after-close equal over rounds
                means the memory is a high-water mark the server reuses, not memory closed sessions keep
  runners       Runner threads alive after all closed (the server's count, seen from a fresh tab)
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "e2e"), str(HERE)]

import psutil  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout, sync_playwright  # noqa: E402

from bench_browser import pct  # noqa: E402
from class_server import answers, free_port, stop  # noqa: E402  (the browser tests' launcher helpers)
from conftest import CHROMIUM_ARGS, chromium_executable  # noqa: E402
from page_helpers import SERVER_ENV, read_state, wait_state  # noqa: E402

MAX_SESSIONS, MAX_MINUTES = 40, 15
WARM_UP_S = 10.0
SAMPLE_S = 5.0
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# exc #0's membrane trace shows the change: V_m far below anything the network does by itself
INSTALL_PROBE = """(column) => {
  const chart = (window.snnCharts || {}).traces;
  if (!chart || !chart.series.some((s) => s.key === column)) return false;
  if (window._lat) return true;
  const L = window._lat = {phase: null, t0: null, done: false, ms: null};
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && L.phase !== null && L.t0 === null) L.t0 = performance.now();
  }, true);
  chart.onPush = ({values}) => {
    const v = values[column];
    if (!v || L.t0 === null || L.done) return;
    if (L.phase === 'on' ? v.some((x) => x < -50) : v.some((x) => x > -5)) {
      L.ms = performance.now() - L.t0; L.done = true;
    }
  };
  return true;
}"""
ARM = "(phase) => Object.assign(window._lat, {phase, t0: null, done: false, ms: null})"


class Server:
    """`snn-designer serve` for the class; CPU, memory and event-loop samples on a thread."""

    def __init__(self, sessions: int, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/app"
        command = ["setpriv", "--pdeathsig", "TERM", "--", sys.executable, "-m", "engine", "serve",
                   "--port", str(self.port), "--max-running", str(sessions), "--idle-pause-min", "0",
                   "--hidden-pause-s", "0"]
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, env={**os.environ, **SERVER_ENV})
        deadline = time.monotonic() + 180
        while not answers(f"http://127.0.0.1:{self.port}/liveness"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        self.process = psutil.Process(self.proc.pid)  # setpriv execs python: the same pid
        self.samples: list[tuple[float, float, float]] = []  # (t, CPU %, RSS MB)
        self.loop_ms: list[float] = []
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def rss_mb(self) -> float:
        return self.process.memory_info().rss / 2**20

    def start_sampling(self) -> None:
        self.process.cpu_percent()
        self._sampler.start()

    def _sample(self) -> None:
        started, next_cpu = time.monotonic(), time.monotonic() + SAMPLE_S
        while not self._stop.wait(1.0):
            sent = time.perf_counter()
            if answers(f"http://127.0.0.1:{self.port}/liveness"):  # served by the event loop itself
                self.loop_ms.append((time.perf_counter() - sent) * 1e3)
            if time.monotonic() >= next_cpu:
                next_cpu += SAMPLE_S
                self.samples.append((time.monotonic() - started, self.process.cpu_percent(), self.rss_mb()))

    def close(self) -> None:
        self._stop.set()
        stop(self.proc)
        self.log.close()


def open_session(browser, url: str):
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(url)
    wait_state(page, "s.status === 'paused' && s.network === 'ei_network'", timeout=180_000)
    return context, page


def start_running(page, attempts: int = 4) -> None:
    """Wait until the session runs; a click made before the page's websocket was up is lost
    (bench_browser.py saw it too), so click again."""
    for _ in range(attempts):
        try:
            wait_state(page, "s.status === 'running'", timeout=15_000)
            return
        except AssertionError:
            page.get_by_role("button", name="▶ Run").click()
    wait_state(page, "s.status === 'running'", timeout=15_000)


def counters(page) -> dict:
    raster = page.locator("canvas.snn-raster").evaluate("c => ({...c.dataset})")
    state = read_state(page) or {}
    return {"frames": int(raster.get("frames", 0)), "spikes": int(raster.get("drawnSpikes", 0)),
            "t_ms": float(state.get("t_ms", 0.0)), "wall": time.monotonic(), "status": state.get("status")}


def slider_latency(page, samples: int) -> list[float]:
    """exc's I_e 0 -> -200 pA typed + Enter, until exc #0's trace shows it; then back to 0."""
    column = f"v{read_state(page)['traces'].index(['exc', 0])}"
    page.wait_for_function(INSTALL_PROBE, arg=column, timeout=60_000)
    page.locator('.react-flow__node[data-id="exc"] .snn-node__label').click()
    field = page.get_by_label("I_e (pA)", exact=True)
    found, missed = [], 0
    for _ in range(samples):
        for phase, value in (("on", "-200"), ("off", "0")):
            page.evaluate(ARM, phase)
            field.fill(value)
            field.press("Enter")
            try:
                page.wait_for_function("() => window._lat.done", timeout=30_000, polling=10)
            except PlaywrightTimeout:
                missed += 1  # counted, not hidden: a change not seen within 30 s
                continue
            if phase == "on":
                found.append(page.evaluate("window._lat.ms"))
        page.wait_for_timeout(200)
    if missed:
        print(f"latency: {missed} changes not seen within 30 s", flush=True)
    return found


def runners_alive(browser, url: str) -> int:
    """The server's Runner threads, from a fresh tab's debug state, minus that tab's own."""
    context, page = open_session(browser, url)
    try:
        return int(read_state(page)["runners"]) - 1
    finally:
        context.close()


def class_round(browser, server: Server, args, measure: bool) -> dict:
    opened = [open_session(browser, server.url) for _ in range(args.sessions)]
    pages = [page for _, page in opened]
    for page in pages:
        page.get_by_role("button", name="▶ Run").click()
    for page in pages:
        start_running(page)
    time.sleep(WARM_UP_S)
    result = {"peak_mb": server.rss_mb()}
    before = [counters(page) for page in pages]
    latencies: list[float] = []
    deadline = time.monotonic() + args.minutes * 60.0
    if measure and args.samples:
        try:
            latencies = slider_latency(pages[0], args.samples)
        except PlaywrightTimeout as error:  # reported, and the class goes on running
            pages[0].screenshot(path=str(ROOT / "artifacts" / "bench_classroom_latency.png"))
            print(f"latency not measured: {str(error).splitlines()[0]}", flush=True)
    while time.monotonic() < deadline:
        time.sleep(min(5.0, max(0.0, deadline - time.monotonic())))
        result["peak_mb"] = max(result["peak_mb"], server.rss_mb())
    after = [counters(page) for page in pages]
    result.update(sessions=[_session_numbers(b, a) for b, a in zip(before, after)], latencies=latencies,
                  states=[a["status"] for a in after])
    for context, _ in opened:
        context.close()
    deadline = time.monotonic() + 60
    while runners_alive(browser, server.url) > 0 and time.monotonic() < deadline:
        time.sleep(2.0)
    time.sleep(3.0)
    result["runners_after"] = runners_alive(browser, server.url)
    result["after_close_mb"] = server.rss_mb()
    return result


def _session_numbers(before: dict, after: dict) -> dict:
    wall = after["wall"] - before["wall"]
    return {"fps": (after["frames"] - before["frames"]) / wall,
            "rtf": (after["t_ms"] - before["t_ms"]) / (wall * 1000.0),
            "moving": after["spikes"] > before["spikes"]}


def report(args, idle_mb: float, rounds: list[dict], server: Server) -> None:
    first = rounds[0]
    fps = [s["fps"] for s in first["sessions"]]
    rtf = [s["rtf"] for s in first["sessions"]]
    print(f"\n== class: {args.sessions} sessions on ei_network at 1x, {args.minutes:g} min window, "
          f"{psutil.cpu_count()} cores (shared with whatever else runs) ==")
    print(f"{'sessions':>8} {'fps min':>7} {'median':>6} {'rtf min':>7} {'median':>6} {'max':>5} {'fairness':>8} "
          f"{'raster moving':>13} {'latency p50':>11} {'p95':>5}")
    lat = first["latencies"]
    print(f"{args.sessions:>8} {min(fps):7.1f} {statistics.median(fps):6.1f} {min(rtf):7.2f} "
          f"{statistics.median(rtf):6.2f} {max(rtf):5.2f} {min(rtf) / max(rtf) if max(rtf) else 0:8.2f} "
          f"{sum(s['moving'] for s in first['sessions']):>6} of {len(fps):<4} "
          f"{pct(lat, .5):9.0f}ms {pct(lat, .95):3.0f}ms")
    print("states at the end:", ", ".join(sorted(set(first["states"]))))
    print("\nserver over time (t s, CPU % of one core, RSS MB):")
    print("  " + "  ".join(f"{t:.0f}s {cpu:.0f}% {mb:.0f}MB" for t, cpu, mb in server.samples))
    print(f"event loop (GET /liveness): p50 {pct(server.loop_ms, .5):.0f} ms, p95 {pct(server.loop_ms, .95):.0f} ms, "
          f"max {max(server.loop_ms, default=float('nan')):.0f} ms over {len(server.loop_ms)} requests")
    print(f"\nmemory: idle {idle_mb:.0f} MB" + "".join(
        f"; round {i + 1}: peak {r['peak_mb']:.0f} MB, after close {r['after_close_mb']:.0f} MB "
        f"({(r['after_close_mb'] / idle_mb - 1) * 100:+.0f} % of idle), Runner threads alive {r['runners_after']}"
        for i, r in enumerate(rounds)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--samples", type=int, default=20, help="slider changes timed in one session")
    parser.add_argument("--rounds", type=int, default=2, help="identical rounds (the memory question)")
    args = parser.parse_args()
    if not 1 <= args.sessions <= MAX_SESSIONS or not 0 < args.minutes <= MAX_MINUTES or not 1 <= args.rounds <= 3:
        raise SystemExit(f"at most {MAX_SESSIONS} sessions, {MAX_MINUTES} minutes and 3 rounds")
    log_path = ROOT / "artifacts" / "bench_classroom_server.log"
    log_path.parent.mkdir(exist_ok=True)
    server = Server(args.sessions, log_path)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
            runners_alive(browser, server.url)  # the first page built once (kernels, module caches)
            time.sleep(5.0)
            idle_mb = server.rss_mb()
            server.start_sampling()
            rounds = [class_round(browser, server, args, measure=i == 0) for i in range(args.rounds)]
            browser.close()
        report(args, idle_mb, rounds, server)
    finally:
        server.close()


if __name__ == "__main__":
    main()
