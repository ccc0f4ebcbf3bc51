"""Zooming the paused raster: the recorded spikes of a time range, on the live view's rows, in one message."""
from __future__ import annotations

import numpy as np
import pytest

import designer.recording as recording
import designer.views.live as live
from designer.recording import RecordedData
from designer.session import LiveSession
from designer.state import DesignState
from designer.views.live import RasterView
from designer.views.raster import SpikeRaster
from engine import Frame, Network, Population

POPS = ("exc", "inh")


@pytest.fixture
def session():
    net = Network(name="two", populations=(Population("exc", "iaf_psc_delta", 8), Population("inh", "iaf_psc_delta", 4)))
    session = LiveSession(DesignState(net))
    session.populations = list(POPS)
    yield session
    session.close()


def frame(t0: float, t1: float, seq: int = 0) -> Frame:
    """A spike each 0.5 ms: neuron (step % 8) of exc, then neuron (step % 4) of inh at the same time."""
    times = np.arange(t0 + 0.5, t1 + 0.25, 0.5)
    steps = np.rint(times * 2).astype(np.int32)
    return Frame(kind="data", seq=seq, t_start=t0, t_end=t1, state="running", populations=POPS,
                 spike_population=np.tile(np.array([0, 1], np.int16), times.size),
                 spike_neuron=np.stack([steps % 8, steps % 4], axis=1).ravel().astype(np.int32),
                 spike_time=np.repeat(times, 2))


def run(session, t_end: float, frame_ms: float = 10.0) -> None:
    for i in range(int(t_end / frame_ms)):
        session.frame = frame(frame_ms * i, frame_ms * (i + 1), seq=i)


def decode(msg: dict) -> tuple[np.ndarray, np.ndarray]:
    """The rows and absolute times of a frame or zoom message, as the page reads them."""
    data, n = msg["data"], msg["n"]
    row_bytes = n * msg["rw"]
    rows = np.frombuffer(data[:row_bytes], "<u4" if msg["rw"] == 4 else "<u2")
    offset = row_bytes + (-row_bytes % 4)
    times = np.frombuffer(data[offset:offset + 4 * n], "<f4")
    return rows, msg["t0"] + times.astype(np.float64)


# --- RecordedData.spikes_between ------------------------------------------------------------


def test_spikes_between_is_the_recorded_spikes_of_the_range_inclusive(session):
    data = RecordedData(session)
    run(session, 300.0)  # 30 frames: some joined, some still chunks
    pops, neurons, times = data.spikes_between(20.0, 25.0)
    expected = np.repeat(np.arange(20.0, 25.01, 0.5), 2)
    assert np.array_equal(times, expected)
    assert np.array_equal(pops, np.tile([0, 1], expected.size // 2))
    steps = np.rint(expected * 2).astype(int)
    assert np.array_equal(neurons, np.where(pops == 0, steps % 8, steps % 4))
    # the same as filtering everything
    exc_neurons, exc_times = data.spikes("exc")
    inside = (exc_times >= 123.4) & (exc_times <= 210.0)
    pops, neurons, times = data.spikes_between(123.4, 210.0)
    assert np.array_equal(neurons[pops == 0], exc_neurons[inside]) and np.array_equal(times[pops == 0], exc_times[inside])
    assert data.spikes_between(400.0, 500.0)[2].size == 0
    assert data.spikes_kept_from is None


def test_spikes_between_reads_only_the_range_and_does_not_join_the_chunks(session):
    data = RecordedData(session)
    run(session, 100.0)
    chunks = len(data._spikes._chunks)
    assert chunks > 1
    _, _, times = data.spikes_between(45.2, 61.0)
    assert times[0] == 45.5 and times[-1] == 61.0
    assert len(data._spikes._chunks) == chunks  # nothing was joined (copied) to answer


def test_spikes_between_after_old_spikes_were_dropped(session, monkeypatch):
    monkeypatch.setattr(recording, "MAX_SPIKES", 300)
    data = RecordedData(session)
    run(session, 1000.0)
    pops, _, times = data.spikes_between(0.0, 1000.0)
    kept_from = data.spikes_kept_from
    assert kept_from is not None and times[0] == kept_from and times[-1] == 1000.0
    assert times.size >= 300 and np.array_equal(times, data.spikes_between(kept_from, 1000.0)[2])


def test_spikes_between_still_answers_when_a_frame_is_out_of_order(session):
    data = RecordedData(session)
    run(session, 50.0)
    late = frame(0.0, 10.0, seq=99)  # earlier times again (not what the Runner does): scanned, not searched
    session.frame = late
    _, _, times = data.spikes_between(4.0, 6.0)
    assert np.array_equal(np.sort(times), np.repeat(np.arange(4.0, 6.01, 0.5), 4))


# --- RasterView: the answer on the live view's rows -----------------------------------------


@pytest.fixture
def view(session):
    view = RasterView(session, recorded=RecordedData(session))
    view.max_rows = 4  # exc: every 2nd of 8 neurons; inh: every neuron
    return view


def test_layout_tells_the_page_each_population_stride(view):
    assert [(p["name"], p["rows"], p["stride"]) for p in view.raster.layout] == [("exc", 4, 2), ("inh", 4, 1)]


def test_zoom_answer_has_the_spikes_the_live_frames_drew_on_the_same_rows(view, session, monkeypatch):
    pushed = []
    monkeypatch.setattr(view.raster, "push_frame", lambda seq, t0, t1, rows, times: pushed.append((rows, times)) or True)
    run(session, 200.0)
    live_rows = np.concatenate([r for r, _ in pushed])
    live_times = np.concatenate([t for _, t in pushed])
    t0, t1 = 37.3, 52.0
    rows, times, too_many = view.zoom_answer(t0, t1)
    inside = (live_times >= t0) & (live_times <= t1)
    assert too_many == 0 and rows.size > 0
    assert np.array_equal(rows, live_rows[inside]) and np.array_equal(times, live_times[inside])
    # sampled exc: only even neurons, row = neuron // 2; inh rows follow exc's 4 rows
    steps = np.rint(times * 2).astype(int)
    exc = rows < 4
    assert np.array_equal(rows[exc], (steps[exc] % 8) // 2) and np.all(steps[exc] % 2 == 0)
    assert np.array_equal(rows[~exc], 4 + steps[~exc] % 4)


def test_zoom_request_is_answered_in_one_binary_message(view, session, monkeypatch):
    run(session, 100.0)
    sent = []
    monkeypatch.setattr(view.raster, "_send_msg", sent.append)
    view.raster._handle_msg({"type": "zoom", "id": 7, "t0": 10.0, "t1": 12.0})
    (msg,) = sent
    assert (msg["type"], msg["id"], msg["t0"], msg["t1"], msg["rw"], msg["too_many"]) == ("zoom", 7, 10.0, 12.0, 2, 0)
    assert isinstance(msg["data"], bytes) and len(msg["data"]) == 6 * msg["n"] + (-2 * msg["n"] % 4)
    rows, times = decode(msg)
    expected_rows, expected_times, _ = view.zoom_answer(10.0, 12.0)
    assert np.array_equal(rows, expected_rows) and np.allclose(times, expected_times, atol=1e-5)
    assert msg["n"] == 8 and msg["kept_from"] is None  # inh: 5 (every 0.5 ms); exc: 3 (at 10, 11, 12 ms, even neurons)
    view.raster._handle_msg({"type": "zoom", "id": 8, "t0": 12.0, "t1": 12.0})  # an empty range: not answered
    view.raster._handle_msg({"type": "zoom", "id": 9, "t0": float("nan"), "t1": 12.0})
    assert len(sent) == 1


def test_too_many_spikes_are_counted_not_sent(view, session, monkeypatch):
    run(session, 100.0)
    in_range = view.zoom_answer(0.0, 100.0)[0].size
    monkeypatch.setattr(live, "MAX_ZOOM_SPIKES", 10)
    sent = []
    monkeypatch.setattr(view.raster, "_send_msg", sent.append)
    view.raster._handle_msg({"type": "zoom", "id": 1, "t0": 0.0, "t1": 100.0})
    assert (sent[0]["n"], sent[0]["data"], sent[0]["too_many"]) == (0, b"", in_range)
    assert in_range == 300  # 200 inh + 100 of 200 exc (every 2nd neuron has a row)
    view.raster._handle_msg({"type": "zoom", "id": 2, "t0": 0.0, "t1": 5.0})  # 15 spikes on rows: still too many
    view.raster._handle_msg({"type": "zoom", "id": 3, "t0": 0.0, "t1": 2.0})
    assert [m["too_many"] for m in sent[1:]] == [15, 0] and sent[2]["n"] == 6


def test_wide_rasters_send_uint32_rows(monkeypatch):
    raster = SpikeRaster(layout=[{"name": "big", "rows": 70_000, "color": "#1f77b4", "sampled": False}])
    sent = []
    monkeypatch.setattr(raster, "_send_msg", sent.append)
    raster.send_zoom(1, 5.0, 6.0, np.array([69_999, 3]), np.array([5.25, 6.0]))
    assert sent[0]["rw"] == 4
    rows, times = decode(sent[0])
    assert rows.tolist() == [69_999, 3] and times.tolist() == [5.25, 6.0]


def test_zoom_is_offered_only_while_paused_after_a_run(view, session):
    assert not view.raster.zoomable
    session.param.update(status="running", t_ms=50.0)
    assert not view.raster.zoomable
    session.param.update(status="paused")
    assert view.raster.zoomable
    session.param.update(status="paused", t_ms=0.0)  # reset
    assert not view.raster.zoomable
    session.param.update(status="running", t_ms=10.0)
    assert not view.raster.zoomable


def test_without_recorded_data_the_answer_is_empty(session):
    view = RasterView(session)
    rows, times, too_many = view.zoom_answer(0.0, 10.0)
    assert rows.size == times.size == too_many == 0
