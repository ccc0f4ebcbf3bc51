"""The live view in a real browser (headless Chromium via Playwright). Prints; never asserts.

    .venv/bin/python benchmarks/bench_browser.py                      # everything (~15 min)
    .venv/bin/python benchmarks/bench_browser.py --sections throughput cost --networks 1k brunel
    .venv/bin/python benchmarks/bench_browser.py --sections memory --memory-seconds 90

One `panel serve` of the designer (its own served script in a temporary folder: the gallery
there holds the networks below; nothing in the repository is written). Kernels are warm
(the server compiles or loads them before it answers). Networks, each with one extra
unconnected `probe` neuron (iaf_psc_delta, I_e = 0, its V_m recorded) for the latency test:
  1k      scripts/make_examples.brunel(scale=0.08): 800 + 200, C_E = 64 (= ei_network)
  10k     scripts/make_examples.brunel(scale=0.8): 8,000 + 2,000, C_E = 800
  brunel  scripts/make_examples.brunel(): 10,000 + 2,500, C_E = 1,000 (= brunel.json)
  50k     benchmarks/bench_engine.brunel_like(50_000): 40,000 + 10,000, C_E = 1,000 fixed
          (make_examples.brunel(scale=4) would have C_E = 4,000: 250 M synapses)

Sections:
  throughput  speed 'max', after 3 s of warm-up, over --window seconds of wall time:
              raster frames drawn per second in the page (the raster canvas's data-frames),
              spikes drawn per second (data-drawn-spikes), spikes the simulation produced per
              second (from the rate plot's data: rate x size x bin), simulated seconds per
              wall second, page animation frames per second (requestAnimationFrame: the
              page's main thread), CPU % of the server and of Chromium. Twice per network:
              the app as it is (the raster samples at most 2,000 rows per population) and
              with every neuron a raster row (`?rows=all`).
  cost        the same networks in an engine.Runner at 'max' in this process, no browser
              (draining frames every 50 ms like the app), right before each network's browser
              runs: simulated s per wall s; cost = 1 - browser / headless (the page, the server's
              event loop and the simulation share the machine's cores).
  latency     the probe's I_e typed into the inspector (fill + Enter) 0 -> 1000 pA: from the
              Enter key in the page to the first trace data with the new value applied in the
              page (the probe spikes at once: V_m jumps to V_reset = 10 mV) and to the next
              repaint of the trace plot; p50 / p95 over --samples changes; then I_e = 0 and
              wait until V_m decayed before the next sample. 1k at speed 1x, brunel (it runs
              slower than real time at any speed).
  startup     a fresh tab: goto -> Run button visible -> click Run at once -> first spike drawn
              (the session builds its network while the page loads).
  memory      1k at 'max' with the page CPU-throttled (CDP Emulation.setCPUThrottlingRate) for
              --memory-seconds: the server's RSS (psutil) every 5 s, the page's JS heap, and
              how far the page's drawing falls behind.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts"), str(HERE)]

import psutil  # noqa: E402

from tests.e2e.page_helpers import READ_STATE, SERVER_ENV, read_state  # noqa: E402  (the browser tests' reader)

NETWORKS = ("1k", "10k", "brunel", "50k")
SECTIONS = ("throughput", "cost", "latency", "startup", "memory")
PROBE_PARAMS = {"C_m": 1.0, "tau_m": 20.0, "t_ref": 2.0, "E_L": 0.0, "V_reset": 10.0, "V_th": 20.0, "I_e": 0.0}
BUILD_TIMEOUT_MS = 300_000

SERVED_SCRIPT = """\
# The designer, served with a benchmark gallery (written by benchmarks/bench_browser.py).
import os, sys
sys.path.insert(0, {root!r})
from pathlib import Path
import panel as pn
if os.environ.get("SNN_BENCH_PRELOAD"):  # debugging hooks
    sys.path.insert(0, os.path.dirname(os.environ["SNN_BENCH_PRELOAD"]))
    __import__(os.path.basename(os.environ["SNN_BENCH_PRELOAD"])[:-3])
import designer.main as main
import designer.views.live as live
main.EXAMPLES = Path({examples!r})
rows = pn.state.session_args.get("rows", [b""])[0] if pn.state.session_args else b""
# read when the session's RasterView is made (sessions are built one at a time)
live.RasterView.param.max_rows.default = 10**7 if rows == b"all" else live.MAX_ROWS_PER_POPULATION
main.create_app().servable(title="SNN Designer (benchmark)")
"""

# rate rows as they arrive (the chart keeps one window), and requestAnimationFrame ticks;
# the charts' read-back: designer/views/strip_chart.js
INSTALL_PROBES = """() => {
  const chart = (window.snnCharts || {}).rates;
  if (!chart || chart.t.length === 0) return false;
  if (window._bench) return true;
  const B = window._bench = {raf: 0, rates: chart.log};
  chart.onPush = ({n, t, values}) => {
    for (let i = 0; i < n; i++) B.rates.t.push(t[i]);
    for (const key of Object.keys(B.rates)) {
      if (key === 't') continue;
      const v = values[key];
      for (let i = 0; i < n; i++) B.rates[key].push(v ? v[i] : NaN);
    }
  };
  const tick = () => { B.raf++; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  return true;
}"""

# the trace chart: time from Enter to the first data with the new value, and to the repaint
INSTALL_LATENCY = """([column, raster]) => {
  const chart = (window.snnCharts || {}).traces;
  if (!chart || !raster || !chart.series.some((s) => s.key === column)) return false;
  if (window._lat) return true;
  const L = window._lat = {phase: null, t0: null, tData: null, tPaint: null, done: false, tRaster: null, tRasterPaint: null};
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && L.phase !== null && L.t0 === null) { L.t0 = performance.now(); L.wall0 = Date.now(); }
  }, true);
  // a slider move: the range input's first 'input' event (composed: it crosses shadow roots)
  document.addEventListener('input', (e) => {
    const target = e.composedPath()[0];
    if (target && target.type === 'range' && L.phase !== null && L.t0 === null) { L.t0 = performance.now(); L.wall0 = Date.now(); }
  }, true);
  chart.onPush = ({values}) => {
    const v = values[column];
    if (v && L.t0 !== null && !L.done) {
      const hit = L.phase === 'on' ? v.some((x) => x >= 9.99) : v.some((x) => x < 5);
      if (hit) { L.tData = performance.now(); L.done = true; }
    }
  };
  chart.onPaint = (now) => { if (L.done && L.tPaint === null) L.tPaint = now; };
  // the raster (wall clock times too, to line up with a server-side log): the first frame drawn with a spike of the probe (its last row)
  window.snnRasterOnFrame = (msg, now) => {
    if (L.phase !== 'on' || L.t0 === null || L.tRaster !== null || !msg.n) return;
    const probeRow = Number(raster.dataset.rows) - 1;
    const bytes = msg.data instanceof ArrayBuffer ? new Uint8Array(msg.data) : new Uint8Array(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength);
    const rows = msg.rw === 4 ? new Uint32Array(bytes.slice(0, 4 * msg.n).buffer) : new Uint16Array(bytes.slice(0, 2 * msg.n).buffer);
    if (rows.includes(probeRow)) {
      L.tRaster = now;
      L.wallRaster = Date.now();
      requestAnimationFrame(() => { L.tRasterPaint = performance.now(); });
    }
  };
  return true;
}"""

ARM = """(phase) => { Object.assign(window._lat, {phase, t0: null, tData: null, tPaint: null, done: false,
                                                tRaster: null, tRasterPaint: null}); }"""


# --- networks --------------------------------------------------------------------------------


def networks() -> dict:
    from engine import Population, Recording
    from make_examples import brunel
    from bench_engine import brunel_like

    nets = {
        "1k": brunel(scale=0.08, name="bench_1k"),
        "10k": brunel(scale=0.8, name="bench_10k"),
        "brunel": brunel(name="bench_brunel"),
        "50k": brunel_like(50_000, name="bench_50k"),
    }
    positions = {"exc": (320.0, 80.0), "inh": (320.0, 320.0), "noise": (40.0, 200.0)}
    probe = Population("probe", "iaf_psc_delta", 1, params=PROBE_PARAMS, initial={"V_m": 0.0},
                       record=Recording(spikes=True, traces=(0,)), position=(40.0, 380.0))
    out = {}
    for key, net in nets.items():
        pops = tuple(dataclasses.replace(p, position=positions.get(p.name, p.position)) for p in net.populations)
        out[key] = dataclasses.replace(net, populations=pops + (probe,))
    return out


def sizes(net) -> dict[str, int]:
    return {p.name: p.size for p in net.populations}


# --- the server ----------------------------------------------------------------------------


class Server:
    def __init__(self, folder: Path, nets: dict):
        from engine.io import save_network

        examples = folder / "examples"
        examples.mkdir()
        for path in (ROOT / "assets" / "examples").glob("*.json"):
            shutil.copy(path, examples / path.name)  # the first-visit example must exist
        for net in nets.values():
            save_network(net, examples / f"{net.name}.json")
        (folder / "app.py").write_text(SERVED_SCRIPT.format(root=str(ROOT), examples=str(examples)))
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/app"
        self.log_path = folder / "server.log"
        cmd = ["setpriv", "--pdeathsig", "TERM", "--", sys.executable, "-m", "panel", "serve", str(folder / "app.py"),
               "--address", "127.0.0.1", "--port", str(self.port),
               f"--allow-websocket-origin=127.0.0.1:{self.port}", "--liveness",
               "--check-unused-sessions", "500", "--unused-session-lifetime", "3000",
               "--static-dirs", f"assets={ROOT / 'assets'}"]
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **SERVER_ENV})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        started = time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"panel serve exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                with opener.open(f"http://127.0.0.1:{self.port}/liveness?endpoint=/app", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() - started > 120:
                raise SystemExit("panel serve not ready after 120 s")
            time.sleep(0.1)
        # the served process (setpriv execs into python, so the pid is python's)
        self.process = psutil.Process(self.proc.pid)

    def rss_mb(self) -> float:
        return self.process.memory_info().rss / 2**20

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def chromium_processes() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if "chrom" in p.name().lower()]


def cpu_seconds(processes) -> float:
    total = 0.0
    for p in processes:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def thread_cpu(process: psutil.Process) -> dict[int, float]:
    """CPU seconds per thread id."""
    try:
        return {t.id: t.user_time + t.system_time for t in process.threads()}
    except psutil.Error:
        return {}


def busiest_thread(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds of the thread that used the most between two thread_cpu() readings: in the
    server during a run at 'max', the Runner's simulation thread."""
    return max((after[t] - before.get(t, 0.0) for t in after), default=0.0)


# --- page helpers ----------------------------------------------------------------------------


def wait_state(page, predicate: str, timeout: float = 60_000) -> dict:
    page.wait_for_function(f"() => {{ const s = ({READ_STATE})(); return !!s && ({predicate}); }}",
                           timeout=timeout, polling=50)
    return read_state(page)


def raster_counters(page) -> dict:
    d = page.locator("canvas.snn-raster").evaluate("c => ({...c.dataset})")
    return {"drawn": int(d.get("drawnSpikes", 0)), "frames": int(d.get("frames", 0))}


def open_page(browser, server: Server, net, query: str = ""):
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    page.set_default_timeout(60_000)
    page.goto(f"{server.url}?example={net.name}{query}")
    wait_state(page, f"s.network === {json.dumps(net.name)} && s.status === 'paused'", timeout=BUILD_TIMEOUT_MS)
    return page


def set_speed(page, speed: str) -> None:
    page.get_by_label("Speed").select_option(speed)


def close_page(page) -> None:
    try:
        page.get_by_role("button", name="Pause").click(timeout=10_000)
    except Exception:  # noqa: BLE001 -- closing anyway
        pass
    page.close()


def wait_runners(browser, server, at_most: int, timeout_s: float = 30.0) -> None:
    """Wait until the sessions of closed tabs are gone (their Runners stop)."""
    deadline = time.monotonic() + timeout_s
    page = browser.new_page()
    try:
        page.goto(f"{server.url}?example=one_neuron")
        wait_state(page, "s.status === 'paused'")
        page.get_by_role("button", name="▶ Run").click()  # keeps the debug pane (and its count) fresh
        while time.monotonic() < deadline:
            state = read_state(page)
            if state and state["runners"] <= at_most + 1:  # + this tab
                return
            time.sleep(0.5)
    finally:
        page.close()


def pct(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


# --- sections --------------------------------------------------------------------------------


def throughput(browser, server, nets, keys, window_s: float, headless: dict | None = None) -> dict:
    print(f"\n== throughput: speed 'max', {window_s:.0f} s window after 3 s warm-up ==")
    print("   server CPU: the whole process (its busiest thread, the simulation, in brackets)")
    header = (f"{'network':>8} {'rows':>10} {'frames/s':>8} {'spikes drawn/s':>14} {'produced/s':>11} "
              f"{'sim s/wall s':>12} {'page rAF/s':>10} {'server CPU':>15} {'chromium CPU':>12}")
    print(header)
    results = {}
    for key in keys:
        net = nets[key]
        n = sizes(net)
        if headless is not None:
            headless[key] = headless_speed(net, window_s)
        for rows in ("sampled", "all"):
            page = open_page(browser, server, net, "&rows=all" if rows == "all" else "")
            set_speed(page, "max")
            page.get_by_role("button", name="▶ Run").click()
            page.wait_for_function(INSTALL_PROBES, timeout=120_000, polling=50)
            page.wait_for_timeout(3000)
            chromium = chromium_processes()
            c0, s0, w0 = raster_counters(page), read_state(page), time.monotonic()
            raf0 = page.evaluate("window._bench.raf")
            cpu_server0, cpu_chrome0 = cpu_seconds([server.process]), cpu_seconds(chromium)
            threads0 = thread_cpu(server.process)
            page.wait_for_timeout(window_s * 1000)
            c1, s1, w1 = raster_counters(page), read_state(page), time.monotonic()
            raf1 = page.evaluate("window._bench.raf")
            cpu_server1, cpu_chrome1 = cpu_seconds([server.process]), cpu_seconds(chromium)
            sim_cpu = busiest_thread(threads0, thread_cpu(server.process))
            log = page.evaluate("window._bench.rates")
            wall = w1 - w0
            sim_ms = s1["t_ms"] - s0["t_ms"]
            bins = [i for i, t in enumerate(log["t"]) if s0["t_ms"] <= t < s1["t_ms"]]
            produced = sum(log[f"r{j}"][i] * n[name] * 0.005 for i in bins for j, name in enumerate(("exc", "inh")))
            r = {
                "fps": (c1["frames"] - c0["frames"]) / wall,
                "drawn_per_s": (c1["drawn"] - c0["drawn"]) / wall,
                "produced_per_s": produced / wall,
                "speed": sim_ms / 1000.0 / wall,
                "raf": (raf1 - raf0) / wall,
                "cpu_server": 100 * (cpu_server1 - cpu_server0) / wall,
                "cpu_chrome": 100 * (cpu_chrome1 - cpu_chrome0) / wall,
                "cpu_sim": 100 * sim_cpu / wall,
                "per_cpu": sim_ms / 1000.0 / max(sim_cpu, 1e-9),
            }
            results[(key, rows)] = r
            label = f"{n['exc'] + n['inh']:,}" if rows == "all" else "≤2,000/pop"
            print(f"{key:>8} {label:>10} {r['fps']:8.1f} {r['drawn_per_s']:14,.0f} {r['produced_per_s']:11,.0f} "
                  f"{r['speed']:12.3f} {r['raf']:10.1f} {r['cpu_server']:6.0f}% ({r['cpu_sim']:3.0f}%) "
                  f"{r['cpu_chrome']:11.0f}%", flush=True)
            close_page(page)
        wait_runners(browser, server, 0)
    return results


def headless_speed(net, window_s: float) -> tuple[float, float]:
    """An engine.Runner at 'max' in this process (no server, no browser), its frames drained
    every 50 ms as the app does: simulated s per wall s, and per CPU s of its thread."""
    from engine import Runner

    me = psutil.Process()
    with Runner(net, name="bench") as runner:
        runner.wait_for(lambda f: f.kind == "status" and f.message == "ready", timeout=600)
        runner.set_speed("max")
        runner.run()
        t_end = 0.0
        for phase_s in (2.0, window_s):  # warm-up, then the window
            t0, w0, cpu0 = t_end, time.monotonic(), thread_cpu(me).get(runner._thread.native_id, 0.0)
            while time.monotonic() - w0 < phase_s:
                for f in runner.frames():
                    t_end = f.t_end if f.kind == "data" else t_end
                time.sleep(0.05)
        cpu = thread_cpu(me).get(runner._thread.native_id, 0.0) - cpu0
        sim_s = (t_end - t0) / 1000.0
        return sim_s / (time.monotonic() - w0), sim_s / max(cpu, 1e-9)


def cost(keys, browser_results: dict, headless: dict) -> None:
    print("\n== cost: simulated s per wall s at 'max', headless Runner vs the browser ==")
    print("   each network's headless run right before its browser runs (about the same machine load);")
    print("   'per CPU s': simulated s per CPU s of the simulation thread, i.e. without the waiting for a core")
    print(f"{'network':>8} {'headless':>9} {'browser':>8} {'(all rows)':>10} {'cost':>6} {'(all rows)':>10}   "
          f"{'per CPU s: headless':>19} {'browser':>8} {'cost':>6}")
    for key in keys:
        h, h_cpu = headless[key]
        b = browser_results.get((key, "sampled"), {}).get("speed", float("nan"))
        a = browser_results.get((key, "all"), {}).get("speed", float("nan"))
        b_cpu = browser_results.get((key, "sampled"), {}).get("per_cpu", float("nan"))
        print(f"{key:>8} {h:9.3f} {b:8.3f} {a:10.3f} {100 * (1 - b / h):5.0f}% {100 * (1 - a / h):9.0f}%   "
              f"{h_cpu:19.3f} {b_cpu:8.3f} {100 * (1 - b_cpu / h_cpu):5.0f}%", flush=True)


def _thumb_fraction(slider) -> float:
    """Where the range's thumb sits on its track (0..1)."""
    low, high, value = (float(slider.evaluate(f"el => el.{k}")) for k in ("min", "max", "value"))
    return (value - low) / (high - low) if high > low else 0.5


LATENCY_SAMPLES: list[dict] = []  # the page's timings of each 'on' change (for a server-side log)


def latency(browser, server, nets, samples: int) -> None:
    print("\n== latency: probe I_e 0 -> 1000 pA typed into its slider's number box + Enter ('typed'), and 0 -> a")
    print(f"   positive value by moving the slider's thumb with the mouse ('drag'); {samples} changes each")
    print("   from the Enter key or the slider's input event to: the first raster frame drawn with a probe spike, the")
    print("   animation frame that shows it; the first trace data with the new value, and the chart's repaint")
    print(f"{'network':>8} {'input':>6} {'raster p50':>10} {'p95':>6} {'shown p50':>9} {'p95':>6}   "
          f"{'trace p50':>9} {'p95':>6} {'repaint p50':>11} {'p95':>6}")
    for key, speed in (("1k", "1× (real time)"), ("brunel", "1× (real time)")):
        net = nets[key]
        page = open_page(browser, server, net)
        set_speed(page, speed)
        page.get_by_role("button", name="▶ Run").click()
        page.wait_for_function("() => { const c = (window.snnCharts || {}).traces; return !!c && c.t.length > 0 }",
                               timeout=120_000)
        traces = read_state(page)["traces"]
        column = f"v{traces.index(['probe', 0])}"
        raster = page.locator("canvas.snn-raster").element_handle()
        page.wait_for_function(INSTALL_LATENCY, arg=[column, raster], timeout=30_000)
        page.locator('.react-flow__node[data-id="probe"] .snn-node__label').click()
        to_raster, to_shown, to_data, to_paint = [], [], [], []
        field = page.get_by_label("I_e (pA)", exact=True)  # the number box of the I_e slider
        for _ in range(samples):
            for phase, value in (("on", "1000"), ("off", "0")):
                page.evaluate(ARM, phase)
                field.fill(value)
                field.press("Enter")
                done = "window._lat.done && window._lat.tPaint !== null"
                if phase == "on":
                    done += " && window._lat.tRasterPaint !== null"
                page.wait_for_function(f"() => {done}", timeout=120_000, polling=10)
                lat = page.evaluate("window._lat")
                if phase == "on":
                    LATENCY_SAMPLES.append(lat)
                    to_raster.append(lat["tRaster"] - lat["t0"])
                    to_shown.append(lat["tRasterPaint"] - lat["t0"])
                    to_data.append(lat["tData"] - lat["t0"])
                    to_paint.append(lat["tPaint"] - lat["t0"])
                page.wait_for_timeout(100)  # the probe settles (V_m decays below 5 mV in ~15 ms)
        print(f"{key:>8} {'typed':>6} {pct(to_raster, .5):8.0f}ms {pct(to_raster, .95):4.0f}ms {pct(to_shown, .5):7.0f}ms "
              f"{pct(to_shown, .95):4.0f}ms   {pct(to_data, .5):7.0f}ms {pct(to_data, .95):4.0f}ms "
              f"{pct(to_paint, .5):9.0f}ms {pct(to_paint, .95):4.0f}ms", flush=True)
        # The same change by moving the slider: the thumb jumps from I_e = 0 (mid-track) to the
        # right in one mouse move (one 'input' event, one value sent); then 0 is typed again.
        to_raster, to_shown, to_data, to_paint = [], [], [], []
        slider = page.locator(".snn-ls").filter(has=field).locator("input[type=range]")
        for _ in range(samples):
            box = slider.bounding_box()
            page.mouse.move(box["x"] + box["width"] * _thumb_fraction(slider), box["y"] + box["height"] / 2)
            page.mouse.down()
            page.evaluate(ARM, "on")
            page.mouse.move(box["x"] + box["width"] * 0.95, box["y"] + box["height"] / 2)
            page.mouse.up()
            page.wait_for_function("() => window._lat.done && window._lat.tPaint !== null && window._lat.tRasterPaint !== null",
                                   timeout=120_000, polling=10)
            lat = page.evaluate("window._lat")
            to_raster.append(lat["tRaster"] - lat["t0"])
            to_shown.append(lat["tRasterPaint"] - lat["t0"])
            to_data.append(lat["tData"] - lat["t0"])
            to_paint.append(lat["tPaint"] - lat["t0"])
            page.evaluate(ARM, "off")
            field.fill("0")
            field.press("Enter")
            page.wait_for_function("() => window._lat.done", timeout=120_000, polling=10)
            page.wait_for_timeout(100)
        print(f"{key:>8} {'drag':>6} {pct(to_raster, .5):8.0f}ms {pct(to_raster, .95):4.0f}ms {pct(to_shown, .5):7.0f}ms "
              f"{pct(to_shown, .95):4.0f}ms   {pct(to_data, .5):7.0f}ms {pct(to_data, .95):4.0f}ms "
              f"{pct(to_paint, .5):9.0f}ms {pct(to_paint, .95):4.0f}ms", flush=True)
        close_page(page)
    wait_runners(browser, server, 0)


def startup(browser, server, nets, repeats: int) -> None:
    print(f"\n== startup: new tab -> Run visible and connected -> click Run -> first spike drawn ({repeats} repeats) ==")
    print("   (a click before the page's websocket is up is lost, so Run is clicked once the first server message arrived)")
    print(f"{'network':>8} {'Run usable':>10} {'first spike':>11}   (medians; all first-spike times)")
    for key in ("1k", "brunel"):
        net = nets[key]
        usable, first = [], []
        for _ in range(repeats):
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            connected: list[float] = []

            def on_ws(ws, connected=connected):
                ws.on("framereceived", lambda _payload: connected or connected.append(time.monotonic()))

            page.on("websocket", on_ws)
            t0 = time.monotonic()
            page.goto(f"{server.url}?example={net.name}", wait_until="commit")
            run = page.get_by_role("button", name="▶ Run")
            run.wait_for(state="visible", timeout=120_000)
            while not connected:
                page.wait_for_timeout(5)
            t1 = time.monotonic()
            run.click()
            page.wait_for_function("el => Number(el.dataset.drawnSpikes) > 0",
                                   arg=page.locator("canvas.snn-raster").element_handle(), timeout=BUILD_TIMEOUT_MS, polling=20)
            t2 = time.monotonic()
            usable.append(t1 - t0)
            first.append(t2 - t0)
            close_page(page)
            wait_runners(browser, server, 0)
        print(f"{key:>8} {statistics.median(usable):9.2f}s {statistics.median(first):10.2f}s   "
              + ", ".join(f"{x:.2f}" for x in first), flush=True)


PAGE_SAMPLER = """() => {
  window._samples = [];
  const raster = window._rasterCanvas;
  setInterval(() => {
    const d = raster.dataset;
    window._samples.push([Date.now(), Number(d.frames), Number(d.drawnSpikes),
      performance.memory ? performance.memory.usedJSHeapSize / 1048576 : NaN]);
  }, 1000);
  return true;
}"""


def memory(browser, server, nets, seconds: float, throttle: float) -> None:
    print(f"\n== memory: 1k at 'max', page CPU throttled {throttle:g}x, {seconds:.0f} s ==")
    net = nets["1k"]
    page = open_page(browser, server, net)
    set_speed(page, "max")
    # the page logs its own counters every second (a flooded page answers evaluate() late)
    page.locator("canvas.snn-raster").evaluate("c => { window._rasterCanvas = c }")
    page.evaluate(PAGE_SAMPLER)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
    page.get_by_role("button", name="▶ Run").click()
    started = time.monotonic()
    wall0 = time.time()
    rows = []
    while (elapsed := time.monotonic() - started) < seconds:
        rows.append((elapsed, server.rss_mb()))
        time.sleep(max(0.0, 5.0 - (time.monotonic() - started - elapsed)))
    rows.append((time.monotonic() - started, server.rss_mb()))
    # the simulation's own progress: pause it, then let the page catch up (unthrottled)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    catch_up = time.monotonic()
    page.get_by_role("button", name="Pause").click(timeout=600_000)
    state = wait_state(page, "s.status === 'paused'", timeout=600_000)
    catch_up = time.monotonic() - catch_up
    samples = page.evaluate("window._samples")
    print(f"{'wall s':>6} {'server RSS MB':>13} {'page: frames drawn':>18} {'spikes drawn':>13} {'JS heap MB':>10}")
    for elapsed, rss in rows[::6] + ([rows[-1]] if (len(rows) - 1) % 6 else []):
        page_rows = [p for p in samples if p[0] / 1000.0 <= wall0 + elapsed]
        p = page_rows[-1] if page_rows else [0, 0, 0, float("nan")]
        print(f"{elapsed:6.0f} {rss:13.1f} {p[1]:18,} {p[2]:13,} {p[3]:10.1f}", flush=True)
    late = [r for r in rows if r[0] >= 30]
    if len(late) >= 2:
        xs, ys = [r[0] / 60 for r in late], [r[1] for r in late]
        mx, my = statistics.mean(xs), statistics.mean(ys)
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / max(sum((x - mx) ** 2 for x in xs), 1e-9)
        gaps = [b[0] - a[0] for a, b in zip(samples, samples[1:]) if b[0] <= (wall0 + seconds) * 1000]
        print(f"server RSS after 30 s: {late[0][1]:.1f} -> {late[-1][1]:.1f} MB (max {max(ys):.1f}), trend {slope:+.2f} MB/min; "
              f"simulated {state['t_ms'] / 1000:.1f} s; page timer gaps (1 s nominal) p50 {pct(gaps, .5) / 1000:.1f} s, "
              f"max {max(gaps, default=0) / 1000:.1f} s; Pause took {catch_up:.1f} s to show (unthrottled)", flush=True)
    close_page(page)


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--networks", nargs="+", choices=NETWORKS, default=list(NETWORKS))
    parser.add_argument("--window", type=float, default=10.0, help="throughput/cost window, wall s (default 10)")
    parser.add_argument("--samples", type=int, default=15, help="latency samples per network (default 15)")
    parser.add_argument("--repeats", type=int, default=3, help="startup repeats (default 3)")
    parser.add_argument("--memory-seconds", type=float, default=300.0, help="memory run, wall s (default 300)")
    parser.add_argument("--throttle", type=float, default=8.0, help="page CPU throttling rate (default 8)")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright
    from tests.e2e.conftest import CHROMIUM_ARGS, chromium_executable

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} "
          f"{os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f} (other work on the machine slows every number)")
    nets = networks()
    for key in args.networks:
        n = sizes(nets[key])
        print(f"  {key:>6}: {n['exc']:,} exc + {n['inh']:,} inh + probe")
    started = time.monotonic()
    browser_results: dict = {}
    headless: dict = {}
    with tempfile.TemporaryDirectory(prefix="snn-bench-browser-") as tmp:
        server = Server(Path(tmp), nets)
        try:
            print(f"server ready ({server.url}), RSS {server.rss_mb():.0f} MB")
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS, headless=True)
                try:
                    if "throughput" in args.sections or "cost" in args.sections:
                        browser_results = throughput(browser, server, nets, args.networks, args.window,
                                                     headless if "cost" in args.sections else None)
                    if "latency" in args.sections:
                        latency(browser, server, nets, args.samples)
                    if "startup" in args.sections:
                        startup(browser, server, nets, args.repeats)
                    if "memory" in args.sections:
                        memory(browser, server, nets, args.memory_seconds, args.throttle)
                finally:
                    browser.close()
        finally:
            server.close()
    if "cost" in args.sections:
        cost(args.networks, browser_results, headless)
    print(f"\ndone in {time.monotonic() - started:.0f} s; load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
