"""How many spikes per second the live view draws, fed faster than the engine can simulate.

    .venv/bin/python benchmarks/bench_view_capacity.py                  # 100k, 200k, 300k spikes/s
    .venv/bin/python benchmarks/bench_view_capacity.py --rates 200000 --window 10

The issue's target: every neuron of brunel.json (12,500 raster rows) at >= 20 frames/s with
200k spikes/s arriving. On this 2-core machine the engine makes ~100-160k brunel spikes/s
while it shares the cores with Chromium (bench_browser.py), so this benchmark feeds the app
from `replay_runner.ReplayRunner` instead: brunel's first second, recorded once by a real
Runner, replayed in a loop at a fixed spike rate through the unchanged session, raster,
traces, rates and status line. Prints; never asserts.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import bench_browser as bb  # noqa: E402


def measure(browser, server, net, window_s: float, repeats: int) -> list[dict]:
    out = []
    for _ in range(repeats):
        page = bb.open_page(browser, server, net, "&rows=all")
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        page.get_by_role("button", name="▶ Run").click()
        page.wait_for_timeout(3000)
        chromium = bb.chromium_processes()
        task0 = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}["TaskDuration"]
        c0, s0, w0 = bb.raster_counters(page), bb.read_state(page), time.monotonic()
        cpu_server0, cpu_chrome0 = bb.cpu_seconds([server.process]), bb.cpu_seconds(chromium)
        page.wait_for_timeout(window_s * 1000)
        c1, s1, w1 = bb.raster_counters(page), bb.read_state(page), time.monotonic()
        cpu_server1, cpu_chrome1 = bb.cpu_seconds([server.process]), bb.cpu_seconds(chromium)
        task1 = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}["TaskDuration"]
        wall = w1 - w0
        out.append({
            "fps": (c1["frames"] - c0["frames"]) / wall,
            "drawn": (c1["drawn"] - c0["drawn"]) / wall,
            "sim": (s1["t_ms"] - s0["t_ms"]) / 1000.0 / wall,
            "server": 100 * (cpu_server1 - cpu_server0) / wall,
            "chromium": 100 * (cpu_chrome1 - cpu_chrome0) / wall,
            "main": 100 * (task1 - task0) / wall,
        })
        bb.close_page(page)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", nargs="+", type=float, default=[100_000, 200_000, 300_000],
                        help="spikes per second fed to the view")
    parser.add_argument("--window", type=float, default=10.0, help="wall s per measurement (default 10)")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright
    from tests.e2e.conftest import CHROMIUM_ARGS, chromium_executable

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (other work slows every number)")
    net = bb.networks()["brunel"]
    print("brunel.json (12,500 neurons + probe), every neuron a raster row; 3 s warm-up, then "
          f"{args.window:.0f} s windows, {args.repeats} repeats (min / median)")
    print(f"{'fed spikes/s':>12} {'frames/s':>13} {'spikes drawn/s':>17} {'page main thread':>17} "
          f"{'chromium CPU':>13} {'server CPU':>11}")
    os.environ["SNN_BENCH_PRELOAD"] = str(HERE / "replay_runner.py")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS, headless=True)
        try:
            for rate in args.rates:
                os.environ["SNN_REPLAY_SPIKES"] = str(rate)
                with tempfile.TemporaryDirectory(prefix="snn-bench-capacity-") as tmp:
                    server = bb.Server(Path(tmp), {"brunel": net})
                    try:
                        rows = measure(browser, server, net, args.window, args.repeats)
                    finally:
                        server.close()

                def span(key, fmt):
                    values = [r[key] for r in rows]
                    return f"{format(min(values), fmt)} / {format(statistics.median(values), fmt)}"

                print(f"{rate:12,.0f} {span('fps', '.1f'):>13} {span('drawn', ',.0f'):>17} "
                      f"{span('main', '.0f') + ' %':>17} {span('chromium', '.0f') + ' %':>13} "
                      f"{span('server', '.0f') + ' %':>11}", flush=True)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
