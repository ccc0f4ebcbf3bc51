"""The live simulation in the browser: run, watch, steer, pause/step/reset, pick traces, close.

What Python holds is read from the hidden `debug-state` pane (JSON: status, t_ms,
needs_restart, traces, runners). What the page drew is read from the raster canvas's data
attributes (data-drawn-spikes, data-last-seq, data-frames, data-rows) and from the trace and
rate charts' read-back (`window.snnCharts.rates`: rows t, r0, r1, ..., the legend as drawn).
Rates are compared over SIMULATED time taken from the data, never over wall-clock time, so a
slow or busy machine slows the test down but does not flake it. Screenshots go to
artifacts/screenshots/live-*.png: look at them.
"""

from __future__ import annotations

import io
import json
import re
import time

import numpy as np
import pytest
from page_helpers import enlarged_plot, read_state, set_field_and_wait_applied
from page_helpers import wait_state as shared_wait_state
from PIL import Image
from playwright.sync_api import Page, expect

TIMEOUT_MS = 15_000
BUILD_TIMEOUT_MS = 60_000  # brunel (12,500 neurons, 1.6 M synapses) builds in 3-6 s here
SESSION_GONE_TIMEOUT_MS = 45_000  # sessions are destroyed ~15-16 s after their tab closed (conftest)

# What the trace and rate charts hold and draw (designer/views/strip_chart.js): the rows of
# their window (`t`, `values`), every row they received (`log`, kept across a Reset: the
# charts roll over after ~1 s of simulated time) and the legend as drawn.
RATE_LOG = "() => window.snnCharts.rates.log"
RATE_DATA = """() => { const c = window.snnCharts.rates; return {t: c.t, ...c.values}; }"""
TRACE_KEYS = "() => window.snnCharts.traces.series.map((s) => s.key)"
CHART_ROWS = "(name) => { const c = (window.snnCharts || {})[name]; return c ? c.t.length : -1; }"


# --- helpers ---------------------------------------------------------------------------------


def wait_state(page: Page, predicate: str, timeout: int = TIMEOUT_MS) -> dict:
    """page_helpers.wait_state with this file's longer default timeout."""
    return shared_wait_state(page, predicate, timeout)


def raster(page: Page):
    return page.locator("canvas.snn-raster")


def raster_counters(page: Page) -> dict:
    """What the page drew: spikes, frames, and the last frame's seq (data attributes)."""
    data = raster(page).evaluate("c => ({...c.dataset})")
    return {"drawn": int(data.get("drawnSpikes", 0)), "frames": int(data.get("frames", 0)),
            "seq": int(data.get("lastSeq", -1))}


def wait_drawn(page: Page, more_than: int, timeout: int = TIMEOUT_MS) -> dict:
    page.wait_for_function(
        "([el, n]) => Number(el.dataset.drawnSpikes) > n",
        arg=[raster(page).element_handle(), more_than], timeout=timeout, polling=50,
    )
    return raster_counters(page)


def wait_raster_idle(page: Page, quiet_ms: int = 400) -> dict:
    """Wait until the raster drew no frame for `quiet_ms` (frames merged while the page was
    behind may still arrive after a pause); return its counters."""
    page.wait_for_function(
        """([el, quiet]) => {
          const now = performance.now(), frames = el.dataset.frames;
          if (el._idleFrames !== frames) { el._idleFrames = frames; el._idleSince = now; }
          return now - el._idleSince >= quiet;
        }""",
        arg=[raster(page).element_handle(), quiet_ms], timeout=TIMEOUT_MS, polling=50,
    )
    return raster_counters(page)


def dark_pixels(page: Page) -> int:
    """Non-white pixels inside the raster's bitmap (spikes are blue and red on white)."""
    png = raster(page).screenshot()
    return sum(Image.open(io.BytesIO(png)).convert("L").histogram()[:200])


def wait_dark_pixels(page: Page, minimum: int, timeout_s: float = 20.0) -> int:
    """Poll the raster bitmap until more than `minimum` pixels are dark (the window fills as the
    run goes on; a loaded CI machine draws it later); the last count."""
    deadline = time.monotonic() + timeout_s
    while (count := dark_pixels(page)) <= minimum and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    return count


RASTER_ROWS = {"brunel": 2000 + 1250, "ei_network": 800 + 200, "one_neuron": 1}  # 2,000 rows a population at most


def open_app(page: Page, url: str, example: str) -> dict:
    page.goto(f"{url}?example={example}")
    state = wait_state(page, f"s.network === {json.dumps(example)} && s.status === 'paused'",
                       timeout=BUILD_TIMEOUT_MS)
    # the page knows the raster's rows (a layout lost while the page connected drew nothing)
    expect(raster(page)).to_have_attribute("data-rows", str(RASTER_ROWS[example]))
    return state


def select_node(page: Page, nid: str) -> None:
    page.locator(f'.react-flow__node[data-id="{nid}"] .snn-node__label').click()
    expect(page.locator(".inspector-title")).to_have_text(nid)


def select_edge(page: Page, eid: str) -> None:
    page.locator(f'.react-flow__edge[data-id="{eid}"] .react-flow__edge-textbg').click()
    expect(page.locator(".inspector-title")).to_have_text(eid)


def mean_rate(log: dict, columns: list[str], t0: float, t1: float) -> tuple[float, int]:
    """Mean over the populations' columns of the rate rows with t0 <= t < t1."""
    rows = [i for i, t in enumerate(log["t"]) if t0 <= t < t1]
    if not rows:
        return float("nan"), 0
    total = sum(log[c][i] for c in columns for i in rows)
    return total / (len(rows) * len(columns)), len(rows)


def shot(page: Page, screenshot_dir, name: str) -> None:
    page.screenshot(path=str(screenshot_dir / f"live-{name}.png"), full_page=True)


# --- tests -----------------------------------------------------------------------------------


def test_brunel_runs_responds_to_a_stimulus_and_is_controllable(live: Page, app_server, screenshot_dir):
    page = live
    state = open_app(page, app_server.url, "brunel")
    assert state["populations"] == ["exc", "inh", "noise"]
    assert state["t_ms"] == 0 and not state["needs_restart"]
    assert raster_counters(page)["drawn"] == 0

    # Space runs (focus on the page, not in a field).
    page.keyboard.press("Space")
    wait_state(page, "s.status === 'running'")
    page.wait_for_function(f"() => ({CHART_ROWS})('rates') > 0", timeout=30_000, polling=50)
    counters = wait_drawn(page, 1000, timeout=30_000)
    assert counters["frames"] >= 1 and counters["seq"] >= 1
    # past the synchronous start-up transient (all neurons start at V_m = 0)
    state = wait_state(page, "s.t_ms >= 300", timeout=60_000)
    assert dark_pixels(page) > 5_000, "spikes arrived but the raster bitmap is empty"
    shot(page, screenshot_dir, "01-brunel-running")

    # Steer the running network: the external Poisson drive 20 kHz -> 10 kHz -> 40 kHz.
    populations = ["r0", "r1"]  # exc, inh
    select_node(page, "noise")
    expect(page.get_by_label("rate (Hz)", exact=True)).to_have_value(re.compile(r"^20,?000"))
    levels, t_prev = [], None
    for new_rate in ("10000", "40000"):
        t_before = read_state(page)["t_ms"]
        set_field_and_wait_applied(page, "rate (Hz)", new_rate)
        t_applied = read_state(page)["t_ms"]
        # 50 ms for the network to settle (tau_m = 20 ms), then 150 ms of simulated time
        wait_state(page, f"s.t_ms >= {t_applied + 210}", timeout=60_000)
        # the rate rows can trail the status (held back while the page is behind)
        page.wait_for_function(f"() => {{ const t = ({RATE_LOG})().t; return t[t.length - 1] >= {t_applied + 200} }}",
                               timeout=30_000, polling=50)
        log = page.evaluate(RATE_LOG)
        if not levels:
            levels.append(mean_rate(log, populations, t_before - 150, t_before))
        levels.append(mean_rate(log, populations, t_applied + 50, t_applied + 200))
        # simulated time kept going: no reset, and the rate rows are in time order
        assert t_applied >= t_before
        assert t_prev is None or t_before > t_prev
        t_prev = t_applied
    shot(page, screenshot_dir, "02-brunel-after-rate-changes")
    times = log["t"]
    assert all(b >= a for a, b in zip(times, times[1:])), "rate rows went back in time"
    assert times[0] < 50 and times[-1] > t_prev + 200, (times[0], times[-1])
    (base, n0), (low, n1), (high, n2) = levels
    assert min(n0, n1, n2) >= 20, f"too few rate rows in a window: {levels}"
    print(f"\nbrunel mean rate: 20 kHz drive {base:.1f} Hz, 10 kHz {low:.1f} Hz, 40 kHz {high:.1f} Hz")
    assert low < 0.5 * base, f"halving the drive should lower the rate: {levels}"
    assert high > 2 * max(low, 1.0) and high > base, f"more drive should raise the rate: {levels}"

    # Pause: simulated time stops and, once what was simulated before is drawn, no frames arrive.
    page.get_by_role("button", name="Pause").click()
    state = wait_state(page, "s.status === 'paused'")
    counters = wait_raster_idle(page)
    page.wait_for_timeout(500)  # a negative check needs some time to pass
    assert read_state(page)["t_ms"] == state["t_ms"]
    assert raster_counters(page) == counters

    # Step: exactly 10 ms more (drawn), then paused again.
    t_paused = state["t_ms"]
    page.get_by_role("button", name="Step 10 ms").click()
    state = wait_state(page, f"s.status === 'paused' && s.t_ms > {t_paused + 5}")
    assert state["t_ms"] == pytest.approx(t_paused + 10.0, abs=0.05)
    page.wait_for_function("([el, n]) => Number(el.dataset.frames) > n",
                           arg=[raster(page).element_handle(), counters["frames"]])

    # Reset: back to t = 0, paused, plots and raster empty.
    page.get_by_role("button", name="⟲ Reset").click()
    state = wait_state(page, "s.t_ms === 0 && s.status === 'paused'")
    page.wait_for_function(f"() => ({CHART_ROWS})('rates') === 0 && ({CHART_ROWS})('traces') === 0")
    page.wait_for_timeout(300)  # nothing stale may arrive after the reset
    assert dark_pixels(page) == 0, "the raster still shows spikes after Reset"
    assert page.evaluate(RATE_DATA)["t"] == []
    shot(page, screenshot_dir, "03-brunel-reset")

    # The Run button starts again from t = 0.
    drawn = raster_counters(page)["drawn"]
    page.get_by_role("button", name="▶ Run").click()
    wait_state(page, "s.status === 'running' && s.t_ms > 0")
    wait_drawn(page, drawn + 1000, timeout=30_000)
    page.wait_for_function(f"() => ({CHART_ROWS})('rates') > 0")
    rates = page.evaluate(RATE_DATA)
    assert min(rates["t"]) < 20, "after Reset the rates start again at t = 0"

    # Click the raster: a trace of the clicked neuron is added.
    traces_before = [tuple(t) for t in read_state(page)["traces"]]
    box = raster(page).bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.3)  # the exc band
    state = wait_state(page, f"s.traces.length === {len(traces_before) + 1}")
    population, neuron = state["traces"][-1]
    assert (population, neuron) not in traces_before
    assert population == "exc" and neuron % 5 == 0, state["traces"]  # every 5th exc neuron is a row
    page.wait_for_function(f"() => ({TRACE_KEYS})().length === {len(traces_before) + 1}")  # one series per trace
    wait_state(page, f"s.t_ms >= {state['t_ms'] + 30}", timeout=30_000)
    shot(page, screenshot_dir, "04-brunel-trace-added")


def test_closing_the_tab_stops_its_runner(live: Page, app_server):
    page = live
    open_app(page, app_server.url, "ei_network")
    page.keyboard.press("Space")
    wait_state(page, "s.status === 'running'")
    # A second tab watches the server's Runner count (its own run keeps its debug pane fresh).
    observer = page.context.new_page()
    observer.set_default_timeout(TIMEOUT_MS)
    open_app(observer, app_server.url, "one_neuron")
    observer.keyboard.press("Space")
    state = wait_state(observer, "s.status === 'running' && s.runners >= 2")
    with_both = state["runners"]
    page.close()
    state = wait_state(observer, f"s.runners <= {with_both - 1}", timeout=SESSION_GONE_TIMEOUT_MS)
    print(f"\nRunner threads: {with_both} with both tabs, {state['runners']} after one closed")
    observer.close()


def test_structural_edit_while_running_needs_rebuild(live: Page, app_server, screenshot_dir):
    page = live
    open_app(page, app_server.url, "ei_network")
    page.keyboard.press("Space")
    wait_state(page, "s.status === 'running' && s.t_ms > 200", timeout=30_000)
    banner = page.get_by_text("The design changed in a way the running simulation cannot take")
    expect(banner).to_be_hidden()

    select_node(page, "exc")
    set_field_and_wait_applied(page, "Size (neurons)", "400")
    state = wait_state(page, "s.needs_restart")
    expect(banner).to_be_visible()
    # the old build keeps running meanwhile
    wait_state(page, f"s.status === 'running' && s.t_ms > {state['t_ms'] + 20}")
    shot(page, screenshot_dir, "05-restart-banner")

    t_before = read_state(page)["t_ms"]
    drawn = raster_counters(page)["drawn"]
    page.get_by_role("button", name="Rebuild and restart").click()
    state = wait_state(page, f"!s.needs_restart && s.t_ms < {t_before}")
    expect(banner).to_be_hidden()
    expect(page.get_by_role("button", name="Rebuild and restart")).to_be_hidden()
    # The rebuilt network runs, from t = 0, with 400 excitatory neurons.
    wait_state(page, "s.status === 'running' && s.t_ms > 100", timeout=30_000)
    wait_drawn(page, drawn + 100)
    expect(page.locator(".snn-raster-root")).to_be_visible()
    shot(page, screenshot_dir, "06-rebuilt")


def test_a_blow_up_pauses_and_names_the_population(live: Page, app_server, screenshot_dir):
    page = live
    open_app(page, app_server.url, "ei_network")
    page.keyboard.press("Space")
    wait_state(page, "s.status === 'running' && s.t_ms > 100", timeout=30_000)
    fault = page.locator(".banner.fault").filter(has_text="blew up")
    expect(fault).to_have_count(0)

    # An absurd inhibitory weight (beyond float32: the membrane potential goes to -inf).
    select_edge(page, "inh→exc")
    weight = page.get_by_label(re.compile(r"^Weight \("))
    weight.fill("-1e39")
    weight.press("Enter")
    state = wait_state(page, "s.status === 'paused'")
    expect(fault).to_be_visible()
    expect(fault).to_contain_text("population 'exc'")
    t_fault = state["t_ms"]
    page.wait_for_timeout(300)  # a negative check needs some time to pass
    assert read_state(page)["t_ms"] == t_fault, "the simulation went on after the blow-up"
    shot(page, screenshot_dir, "07-blow-up")

    # A sane weight again (a live change), Reset: the banner goes and the network runs again.
    set_field_and_wait_applied(page, re.compile(r"^Weight \("), "-0.5")
    page.get_by_role("button", name="⟲ Reset").click()
    wait_state(page, "s.t_ms === 0")
    expect(fault).to_have_count(0)
    page.get_by_role("button", name="▶ Run").click()
    state = wait_state(page, "s.status === 'running' && s.t_ms > 50", timeout=30_000)
    assert not state["needs_restart"]
    expect(fault).to_have_count(0)


def chart(page: Page, name: str):
    return page.locator(f'canvas.snn-chart[data-name="{name}"]')


def line_pixels(page: Page, name: str, color: str) -> int:
    """Pixels of the chart within a small distance of `color` (its lines and legend swatch)."""
    target = np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)])
    pixels = np.asarray(Image.open(io.BytesIO(chart(page, name).screenshot())).convert("RGB"), dtype=int)
    return int((np.abs(pixels - target).sum(axis=-1) < 60).sum())


def test_trace_and_rate_charts_show_names_as_text_and_clear_on_reset(live: Page, app_server, screenshot_dir):
    page = live
    open_app(page, app_server.url, "ei_network")
    # a population name that would be markup in HTML: the charts must show it as typed
    select_node(page, "exc")
    set_field_and_wait_applied(page, "Name", "<b>x</b>")
    wait_state(page, "s.populations.includes('<b>x</b>') && s.status === 'paused'")
    page.get_by_role("button", name="▶ Run").click()
    wait_state(page, "s.status === 'running' && s.t_ms > 100")
    # a trace of the renamed population: click its band (the upper 800 of 1,000 rows)
    box = raster(page).bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.3)
    state = wait_state(page, "s.traces.some(([p]) => p === '<b>x</b>')")
    neuron = next(n for p, n in state["traces"] if p == "<b>x</b>")
    # the new trace joins the others: theirs stay, it starts where its data starts
    traces = page.wait_for_function(f"""() => {{
      const c = window.snnCharts.traces, s = c.series.find((s) => s.label === '<b>x</b> #{neuron}');
      return s && c.values[s.key].some((v) => !Number.isNaN(v)) && {{t: c.t, values: c.values, key: s.key}};
    }}""", polling=20).json_value()
    early = [i for i, t in enumerate(traces["t"]) if t < state["t_ms"] - 20]
    assert len(early) > 100, "the traces shown before one was added were dropped"
    assert all(np.isnan(traces["values"][traces["key"]][i]) for i in early)
    assert not any(np.isnan(traces["values"]["v0"][i]) for i in early)
    wait_state(page, "s.t_ms > 300", timeout=30_000)
    page.wait_for_function(
        """() => { const c = window.snnCharts || {};
                   return c.rates && c.traces && c.rates.t.length > 50 && c.traces.t.length > 500
                     && c.traces.legend.some((l) => l.label.startsWith('<b>x</b>')); }""",
        timeout=30_000, polling=50)

    rates_legend = page.evaluate("() => window.snnCharts.rates.legend")
    assert [(l["label"], l["text"]) for l in rates_legend] == [("<b>x</b>", "<b>x</b>"), ("inh", "inh")]
    trace_labels = [l["text"] for l in page.evaluate("() => window.snnCharts.traces.legend")]
    assert f"<b>x</b> #{neuron}" in trace_labels, trace_labels
    assert page.locator(".snn-chart-root b").count() == 0  # nothing was parsed as markup
    # drawn: data rows over the window, decimated lines, the first series' colour on the canvas
    rates = page.evaluate(RATE_DATA)
    assert set(rates) == {"t", "r0", "r1"} and max(rates["r0"]) > 0
    for name, title in (("rates", "Population rates"), ("traces", "Membrane traces")):
        expect(chart(page, name)).not_to_have_attribute("data-drawn-points", "0")
        with enlarged_plot(page, title):  # as big as these charts were before the workspace
            assert line_pixels(page, name, "#1f77b4") > 300, f"the {name} chart draws no blue line"
    shot(page, screenshot_dir, "08-charts-named-populations")

    page.get_by_role("button", name="⟲ Reset").click()
    wait_state(page, "s.t_ms === 0 && s.status === 'paused'")
    page.wait_for_function(f"() => ({CHART_ROWS})('rates') === 0 && ({CHART_ROWS})('traces') === 0")
    page.wait_for_timeout(300)  # nothing stale may arrive after the reset
    for name in ("rates", "traces"):
        assert page.evaluate(CHART_ROWS, name) == 0
        expect(chart(page, name)).to_have_attribute("data-drawn-points", "0")
        assert line_pixels(page, name, "#1f77b4") < 100, f"the {name} chart still shows a line after Reset"
    # the legend stays: the series are still recorded
    assert [l["label"] for l in page.evaluate("() => window.snnCharts.rates.legend")] == ["<b>x</b>", "inh"]
    shot(page, screenshot_dir, "09-charts-reset")


def test_raster_rows_per_population_can_be_capped_and_says_it_is_sampled(live: Page, app_server, screenshot_dir):
    page = live
    open_app(page, app_server.url, "ei_network")
    expect(raster(page)).to_have_attribute("data-rows", "1000")  # 800 + 200: every neuron a row
    note = page.locator(".raster-note")
    expect(note).to_have_count(0)
    page.get_by_label("Raster rows").select_option("100 per population")
    expect(raster(page)).to_have_attribute("data-rows", "200")
    expect(note).to_have_text("Sampled raster: exc: every 8th of 800 neurons shown; inh: every 2nd of 200 neurons shown")
    page.keyboard.press("Space")
    wait_state(page, "s.status === 'running' && s.t_ms > 300", timeout=30_000)
    wait_drawn(page, 100)
    shot(page, screenshot_dir, "10-raster-100-rows")
    page.get_by_label("Raster rows").select_option("every neuron")
    expect(raster(page)).to_have_attribute("data-rows", "1000")
    expect(note).to_have_count(0)
    drawn = raster_counters(page)["drawn"]
    wait_drawn(page, drawn + 100)  # still drawing, now every neuron
