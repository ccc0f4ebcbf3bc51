"""The trace and rate charts without a browser: what StripChart sends (one binary buffer a
push, float64 times then float32 values, NaN kept as a gap, only the visible window) and
what the live views push frame by frame (gaps, reset, held while the page is behind, sent
at once right after a live edit)."""
import time

import numpy as np
import pytest

from designer.session import LiveSession
from designer.state import DesignState
from designer.views.live import PLOT_HZ, RatesView, TracesView
from designer.views.strip_chart import MAX_ROWS, StripChart, encode_push
from engine import Frame, TraceRequest
from engine.io import load_network


def decode(msg: dict, payload: bytes | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """What strip_chart.js reads from a data message."""
    data = msg["data"] if payload is None else payload
    n = msg["n"]
    assert len(data) == 8 * n + 4 * n * len(msg["keys"])
    times = np.frombuffer(data, "<f8", n)
    values = {k: np.frombuffer(data, "<f4", n, 8 * n + 4 * n * j) for j, k in enumerate(msg["keys"])}
    return times, values


class Page:
    """Stands in for a browser showing the chart: records the messages sent to it."""

    def __init__(self, chart: StripChart, monkeypatch):
        self.messages: list[dict] = []
        monkeypatch.setattr(chart, "_models", {"page": None})
        monkeypatch.setattr(chart, "_send_msg", self.messages.append)
        chart._handle_msg({"type": "ready"})

    def of_type(self, kind: str) -> list[dict]:
        return [m for m in self.messages if m["type"] == kind]


# --- StripChart --------------------------------------------------------------------------------


def test_a_push_is_one_buffer_of_float64_times_and_float32_values_with_nan_kept():
    t = np.arange(5) * 0.1 + 1000.0
    v = np.array([-70.0, -65.5, np.nan, -60.25, 20.0])
    msg, payload = encode_push(t, {"v0": v, "v1": v[::-1] * 2}, window_ms=1000.0, t_end=1000.5)
    assert msg == {"type": "data", "n": 5, "keys": ["v0", "v1"], "t_end": 1000.5}
    times, values = decode(msg, payload)
    np.testing.assert_array_equal(times, t)  # float64: 0.1 ms steps stay exact at t = 1 s
    np.testing.assert_array_equal(values["v0"], v.astype(np.float32))
    assert np.isnan(values["v0"][2]) and np.isnan(values["v1"][2])  # the gap reaches the page
    np.testing.assert_array_equal(values["v1"], (v[::-1] * 2).astype(np.float32))


def test_a_push_leaves_out_rows_before_the_window_but_the_last_one_before_it():
    t = np.arange(0.0, 3000.0, 1.0)
    msg, payload = encode_push(t, {"r0": t * 2}, window_ms=1000.0, t_end=3000.0)
    times, values = decode(msg, payload)
    assert times[0] == 1999.0 and times[-1] == 2999.0  # the window is [2000, 3000)
    np.testing.assert_array_equal(values["r0"], times * 2)
    # the newest data, not t_end, sets the window when t_end is left out
    msg, payload = encode_push(t, {"r0": t}, window_ms=500.0)
    assert decode(msg, payload)[0][0] == 2498.0


def test_a_push_is_bounded_and_names_the_series_that_does_not_fit():
    t = np.linspace(0.0, 1.0, MAX_ROWS + 10)
    msg, payload = encode_push(t, {"v0": t}, window_ms=1000.0)
    assert msg["n"] == MAX_ROWS and decode(msg, payload)[0][-1] == 1.0
    with pytest.raises(ValueError, match="series 'v1': 3 values for 4 times"):
        encode_push(np.arange(4.0), {"v0": np.zeros(4), "v1": np.zeros(3)}, window_ms=1000.0)
    msg, payload = encode_push(np.empty(0), {"v0": np.empty(0)}, window_ms=1000.0, t_end=50.0)
    assert msg["n"] == 0 and payload == b"" and msg["t_end"] == 50.0


def test_chart_sends_nothing_before_a_page_listens_and_the_series_once_it_does(monkeypatch):
    chart = StripChart(name="traces")
    chart.set_series([{"key": "v0", "label": "<b>exc</b> #0", "color": "#1f77b4"}])
    assert chart.push(np.arange(3.0), {"v0": np.zeros(3)}) is False  # no page yet: the caller keeps it
    page = Page(chart, monkeypatch)
    assert page.messages == [{"type": "series", "series": [{"key": "v0", "label": "<b>exc</b> #0", "color": "#1f77b4"}]}]
    assert chart.push(np.arange(3.0), {"v0": np.ones(3)}, t_end=3.0) is True
    (msg,) = page.of_type("data")
    assert decode(msg)[1]["v0"].tolist() == [1.0, 1.0, 1.0]
    chart.clear()
    assert page.messages[-1] == {"type": "clear"}
    with pytest.raises(ValueError, match="traces: unknown series 'v9'"):
        chart.push(np.arange(3.0), {"v9": np.ones(3)})


@pytest.mark.parametrize("series,message", [
    ([{"key": "a"}, {"key": "a"}], "unique"),
    ([{"key": ""}], "non-empty"),
    ([{"key": "a", "color": "red"}], "'#1f77b4'"),
])
def test_chart_refuses_series_it_cannot_draw(series, message):
    with pytest.raises(ValueError, match=message):
        StripChart().set_series(series)


# --- the live views ------------------------------------------------------------------------------


@pytest.fixture
def session():
    session = LiveSession(DesignState(load_network("assets/examples/ei_network.json")))
    session.status = "paused"  # the views send at once unless running
    yield session
    session.close()


TRACES = (TraceRequest("exc", 0), TraceRequest("inh", 3))


def trace_frame(t0: float, t1: float, dt: float = 0.1) -> Frame:
    times = np.arange(round(t0 / dt), round(t1 / dt)) * dt
    values = np.stack([-70 + times / 100, -60 - times / 100], axis=1)
    return Frame("data", 0, t_start=t0, t_end=t1, trace_time=times, trace_values=values, traces=TRACES)


def test_traces_are_pushed_with_their_labels_and_a_gap_where_frames_were_dropped(session, monkeypatch):
    view = TracesView(session)
    page = Page(view.chart, monkeypatch)
    session.frame = trace_frame(0.0, 50.0)
    assert page.of_type("series")[-1]["series"] == [
        {"key": "v0", "label": "exc #0", "color": "#1f77b4"}, {"key": "v1", "label": "inh #3", "color": "#d62728"}]
    session.frame = trace_frame(100.0, 150.0)  # 50 ms missing
    first, second = page.of_type("data")
    assert first["t_end"] == 50.0 and second["t_end"] == 150.0
    times, values = decode(second)
    # the line stops at the last sample before the gap and starts again after it
    assert times[0] == decode(first)[0][-1] and np.isnan(values["v0"][0]) and np.isnan(values["v1"][0])
    assert 100.0 <= times[1] < 100.35 and not np.isnan(values["v0"][1:]).any()
    # every 3rd step of absolute time (4,000 points a window at dt = 0.1 ms): rows 0.3 ms apart
    assert np.allclose(np.diff(times[1:]), 0.3) and np.allclose(np.round(times[1:] / 0.3), times[1:] / 0.3)

    session.reset_count += 1
    assert page.messages[-1] == {"type": "clear"}


def test_plots_hold_back_while_the_page_is_behind_and_send_everything_once_it_caught_up(session, monkeypatch):
    view = TracesView(session)
    page = Page(view.chart, monkeypatch)
    session.page_behind = True
    for k in range(4):
        session.frame = trace_frame(50.0 * k, 50.0 * (k + 1))
    assert page.of_type("data") == []
    session.page_behind = False
    (msg,) = page.of_type("data")
    times, _ = decode(msg)
    assert times[0] == 0.0 and times[-1] > 199.5 and msg["t_end"] == 200.0
    assert np.all(np.diff(times) > 0)


def test_while_running_plots_send_at_most_plot_hz_but_every_frame_right_after_a_live_edit(session, monkeypatch):
    view = TracesView(session)
    page = Page(view.chart, monkeypatch)
    session.status = "running"
    session.frame = trace_frame(0.0, 50.0)
    session.frame = trace_frame(50.0, 100.0)  # too soon after the first
    assert len(page.of_type("data")) == 1
    session.last_live_edit = time.monotonic()  # the lead's LiveSession sets this on a live edit
    session.frame = trace_frame(100.0, 150.0)
    (_, msg) = page.of_type("data")
    assert 50.0 <= decode(msg)[0][0] < 50.35  # the held frame came along
    session.last_live_edit = time.monotonic() - 10.0
    session.frame = trace_frame(150.0, 200.0)
    assert len(page.of_type("data")) == 2
    time.sleep(1.2 / PLOT_HZ)
    session.frame = trace_frame(200.0, 250.0)
    assert len(page.of_type("data")) == 3


def test_a_trace_added_while_rows_are_held_keeps_the_other_lines_whole(session, monkeypatch):
    view = TracesView(session)
    page = Page(view.chart, monkeypatch)
    session.status = "running"
    session.frame = trace_frame(0.0, 50.0)
    session.frame = trace_frame(50.0, 100.0)  # held: too soon after the first
    added = Frame("data", 0, t_start=100.0, t_end=150.0, trace_time=np.arange(1000, 1500) * 0.1,
                  trace_values=np.zeros((500, 3)), traces=TRACES + (TraceRequest("exc", 7),))
    session.frame = added
    # the held rows went out under the old series, right before the series changed
    assert [m["type"] for m in page.messages] == ["series", "series", "data", "data", "series"]  # the first: on ready
    held = page.messages[3]
    assert held["keys"] == ["v0", "v1"] and 50.0 <= decode(held)[0][0] < 50.35 and decode(held)[0][-1] > 99.5
    assert [s["label"] for s in page.of_type("series")[-1]["series"]] == ["exc #0", "inh #3", "exc #7"]


def rate_frame(t0: float, t1: float, bin_ms: float = 5.0, rate: float = 10.0) -> Frame:
    """As the Runner sends them: the whole bins completed in [t0, t1), a bin open at t0 included."""
    starts = np.arange(np.floor(t0 / bin_ms) * bin_ms, np.floor(t1 / bin_ms) * bin_ms, bin_ms)
    rates = np.full((starts.size, 3), rate)
    return Frame("data", 0, t_start=t0, t_end=t1, rate_time=starts, rates=rates,
                 populations=("exc", "inh", "noise"))


def test_rates_push_the_runners_whole_bins_of_the_neuron_populations_named_as_in_the_design(session, monkeypatch):
    view = RatesView(session)
    page = Page(view.chart, monkeypatch)
    session.frame = rate_frame(0.0, 12.0, rate=10.0)  # bins 0, 5 (10 is still open)
    session.frame = rate_frame(12.0, 13.0, rate=15.0)  # completes no bin: nothing to draw
    session.frame = rate_frame(13.0, 20.0, rate=20.0)  # completes 10 and 15
    assert [s["label"] for s in page.of_type("series")[-1]["series"]] == ["exc", "inh"]  # not the noise device
    (first, second) = page.of_type("data")
    times, values = decode(first)
    assert times.tolist() == [0.0, 5.0] and first["keys"] == ["r0", "r1"]
    times, values = decode(second)
    assert times.tolist() == [10.0, 15.0] and values["r0"].tolist() == [20.0, 20.0]
