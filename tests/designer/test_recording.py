"""RecordedData: what a session keeps for data and figure exports (bounded, in order)."""
from __future__ import annotations

import time

import numpy as np
import pytest

import designer.recording as recording
from designer.recording import RecordedData
from designer.session import LiveSession
from designer.state import DesignState
from engine import Frame, Network, Population, TraceRequest

POPS = ("exc", "inh")
TRACES = (TraceRequest("exc", 0), TraceRequest("inh", 1))


@pytest.fixture
def session():
    net = Network(name="two", populations=(Population("exc", "iaf_psc_delta", 4), Population("inh", "iaf_psc_delta", 4)))
    session = LiveSession(DesignState(net))
    yield session
    session.close()


def frame(t0: float, t1: float, seq: int = 0, traces=TRACES) -> Frame:
    """1 ms of data per ms: a spike of neuron k of each population at each whole ms, traces
    equal to their time, rates equal to the bin start."""
    times = np.arange(t0 + 1, t1 + 1)
    n = times.size
    return Frame(kind="data", seq=seq, t_start=t0, t_end=t1, state="running", populations=POPS,
                 spike_population=np.tile(np.array([0, 1], np.int16), n),
                 spike_neuron=np.repeat(np.arange(n, dtype=np.int32) % 4, 2), spike_time=np.repeat(times, 2),
                 trace_time=times, trace_values=np.stack([times] * len(traces), axis=1) if traces else np.zeros((n, 0)),
                 traces=traces, rate_time=np.arange(t0, t1, 5.0), rates=np.stack([np.arange(t0, t1, 5.0)] * 2, axis=1))


def test_keeps_spikes_traces_and_rates_of_every_frame_in_order(session):
    data = RecordedData(session)
    for i in range(100):  # more frames than chunks are kept unjoined
        session.frame = frame(10.0 * i, 10.0 * (i + 1), seq=i)
    neurons, times = data.spikes("inh")
    assert np.array_equal(times, np.arange(1, 1001)) and np.array_equal(neurons, np.tile(np.arange(10) % 4, 100))
    assert data.n_spikes == 2000 and data.t == 1000.0
    t, traces = data.traces()
    assert np.array_equal(t, np.arange(1, 1001)) and np.array_equal(traces[TRACES[1]], t)
    rate_t, rates = data.rates(10.0)
    assert np.array_equal(rate_t, np.arange(0, 1000, 10.0))
    assert np.allclose(rates["exc"], rate_t + 2.5)  # mean of the two 5 ms bins
    assert data.spikes("nobody")[1].size == 0


def test_memory_is_bounded_by_keeping_the_newest(session, monkeypatch):
    monkeypatch.setattr(recording, "MAX_SPIKES", 300)
    monkeypatch.setattr(recording, "MAX_TRACE_SAMPLES", 120)
    data = RecordedData(session)
    for i in range(100):
        session.frame = frame(10.0 * i, 10.0 * (i + 1), seq=i)
        assert len(data._spikes) <= 300 + 64 * 20 and len(data._traces) <= 120 + 64 * 10
    _, times = data.spikes("exc")
    assert np.array_equal(times, np.arange(851, 1001))  # 300 newest spikes = 150 per population
    t, _ = data.traces()
    assert np.array_equal(t, np.arange(881, 1001))


def test_new_traces_or_a_reset_start_over(session):
    data = RecordedData(session)
    session.frame = frame(0.0, 10.0)
    session.frame = frame(10.0, 20.0, seq=1, traces=TRACES[:1])
    t, traces = data.traces()
    assert np.array_equal(t, np.arange(11, 21)) and list(traces) == [TRACES[0]]
    session.reset_count += 1
    assert data.n_spikes == 0 and data.traces()[0].size == 0 and data.rates()[0].size == 0


def test_exported_rates_of_a_live_run_are_whole_bins_equal_to_the_exported_spikes(tmp_path):
    """ei_network run live (paced, stepped, paused mid-bin, sped up) and exported as NPZ: one
    row per 5 ms bin, strictly increasing on the grid, each the rate of the exported spikes."""
    from pathlib import Path

    from engine.io import load_network
    from engine.io.data import load_npz, save_npz

    network = load_network(Path(__file__).resolve().parents[2] / "assets" / "examples" / "ei_network.json")
    session = LiveSession(DesignState(network))
    data = RecordedData(session)

    def poll_until(done, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, f"timed out at status {session.status}, t = {session.t_ms} ms"
            session.poll()
            time.sleep(0.01)

    try:
        poll_until(lambda: session.status == "paused")
        session.speed = "10×"
        session.run()
        poll_until(lambda: session.t_ms >= 400.0)
        session.pause()
        poll_until(lambda: session.status == "paused")
        for duration in (2.3, 0.1, 7.0):
            t_before = session.t_ms
            session.step(duration)
            poll_until(lambda: session.status == "paused" and session.t_ms > t_before)
        session.speed = "max"
        session.run()
        poll_until(lambda: session.t_ms >= 900.0)
        session.pause()
        poll_until(lambda: session.status == "paused")
        exported = load_npz(save_npz(data, tmp_path / "run.npz"))
    finally:
        session.close()
    times, rates = exported["rate_time_ms"], exported["rate_hz"]
    n_bins = int(np.floor(float(exported["t_ms"]) / 5.0 + 1e-9))
    assert n_bins >= 180
    np.testing.assert_allclose(times, np.arange(n_bins) * 5.0, rtol=0, atol=1e-9)  # no bin twice, none missing
    assert np.all(np.diff(times) > 0)
    names = list(exported["population_names"])
    for name in ("exc", "inh"):
        neurons, spike_times = exported["spikes"][name]
        counts = np.bincount((np.rint(spike_times / 0.1).astype(int) - 1) // 50, minlength=n_bins)[:n_bins]
        size = int(exported["population_sizes"][names.index(name)])
        assert counts.sum() > 1000
        np.testing.assert_allclose(rates[:, names.index(name)], counts / 5e-3 / size, rtol=1e-12)


def test_frames_a_slow_poll_merges_keep_every_rate_row_once_in_order():
    from designer.session import merge_frames

    merged = merge_frames([frame(0.0, 10.0, seq=1), frame(10.0, 20.0, seq=2), frame(20.0, 30.0, seq=3)])
    assert (merged.t_start, merged.t_end, merged.seq) == (0.0, 30.0, 3)
    assert merged.rate_time.tolist() == [0.0, 5.0, 10.0, 15.0, 20.0, 25.0]
    assert merged.rates[:, 1].tolist() == merged.rate_time.tolist() and merged.rate_bin_ms == 5.0
    assert np.array_equal(merged.spike_time, np.repeat(np.arange(1, 31), 2))


def test_wider_rate_bins_leave_out_those_a_dropped_frame_cut(session):
    data = RecordedData(session)
    session.frame = frame(0.0, 10.0)
    session.frame = frame(20.0, 40.0, seq=2)  # the frame of 10-20 ms was dropped
    assert data.rates(10.0)[0].tolist() == [0.0, 20.0, 30.0]
    times, rates = data.rates(20.0)
    assert times.tolist() == [20.0] and rates["inh"].tolist() == [27.5]  # mean of 20, 25, 30, 35


def test_a_trace_added_while_paused_says_it_starts_when_the_run_goes_on(session):
    """Nothing was recorded before the tap, so a paused chart cannot draw the new neuron yet: say so."""
    session.status = "paused"
    session.add_trace("exc", 3)
    assert session.traces[-1] == TraceRequest("exc", 3)
    assert session.notice == "the trace of exc #3 starts when the run goes on"

    session.status = "running"
    session.add_trace("inh", 2)
    assert session.notice == "recording the membrane potential of inh #2"

    session.add_trace("inh", 9)
    assert session.notice == "cannot record a trace of inh #9" and TraceRequest("inh", 9) not in session.traces
