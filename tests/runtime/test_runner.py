"""The Runner without any UI: frames, equality with a bare Simulator, live changes,
commands, backpressure, faults, many runners, closing, speed and latency.

Timing checks measure simulated time from the frames and use bounds that hold on a
busy 2-core machine; precise numbers are printed by benchmarks/bench_runner.py.
"""
from __future__ import annotations

import math
import statistics
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from engine import (
    Connectivity, Network, Population, Projection, Recording, Runner, Simulator, TraceRequest, ValidationError,
    warm_up,
)
from engine.io.native import load_network
from engine.kernels import step as step_kernels
from engine.runtime import runner as runner_module

EXAMPLES = Path(__file__).resolve().parents[2] / "assets" / "examples"
DT = 0.1
ROOMY = 100_000  # max_data_frames for tests that must see every frame even if the test thread stalls


@pytest.fixture(scope="module", autouse=True)
def kernels_compiled():
    warm_up()


@pytest.fixture
def start():
    """start(network, **options) -> a Runner whose network is compiled; all are closed afterwards."""
    runners: list[Runner] = []

    def _start(network: Network, **options) -> Runner:
        runner = Runner(network, **options)
        runners.append(runner)
        runner.wait_for(lambda f: f.kind == "status" and f.message == "ready", timeout=60)
        return runner

    yield _start
    for runner in runners:
        runner.close()


def example(name: str) -> Network:
    return load_network(EXAMPLES / f"{name}.json")


def driven(n: int = 100, rate: float = 4000.0, weight: float = 0.5, I_e: float = 0.0) -> Network:
    """LIF cells (iaf_psc_delta) each driven by its own Poisson train: ~64 Hz with the defaults."""
    return Network(name="driven", populations=(
        Population("cells", "iaf_psc_delta", n, params={"I_e": I_e}, record=Recording(traces=(0,))),
        Population("drive", "poisson_generator", 1, params={"rate": rate}),
    ), projections=(Projection("drive", "cells", weight=weight, delay=1.0),))


def current_cells(bias_pA: float = 0.0) -> Network:
    """Current-based cells (iaf_psc_exp) with Poisson input and a bias current; an absurd bias
    (1e308 pA, times the weight of 10) makes their input current infinite."""
    return Network(name="current_cells", populations=(
        Population("cells", "iaf_psc_exp", 20),
        Population("drive", "poisson_generator", 1, params={"rate": 5000.0}),
        Population("bias", "dc_generator", 1, params={"amplitude": bias_pA}),
    ), projections=(Projection("drive", "cells", weight=100.0, delay=1.0), Projection("bias", "cells", weight=10.0)))


def steps(t_ms: float) -> int:
    return int(round(t_ms / DT))


def data_of(frames) -> list:
    return [f for f in frames if f.kind == "data"]


def first(frames, **fields):
    """The first frame whose attributes equal `fields`."""
    return next(f for f in frames if all(getattr(f, k) == v for k, v in fields.items()))


def is_status(command: str = "", message: str = ""):
    def predicate(frame) -> bool:
        return frame.kind == "status" and (not command or frame.command == command) \
            and (not message or frame.message == message)
    return predicate


def assert_tiles(data, start_ms: float, end_ms: float) -> None:
    """Data frames cover [start_ms, end_ms) in order, without gap or overlap, and carry only
    spikes, trace samples and rate bins of their own interval."""
    assert data, "no data frames"
    assert steps(data[0].t_start) == steps(start_ms)
    assert steps(data[-1].t_end) == steps(end_ms)
    for before, after in zip(data, data[1:]):
        assert steps(after.t_start) == steps(before.t_end), (before.t_end, after.t_start)
    for f in data:
        n = steps(f.t_end) - steps(f.t_start)
        assert n >= 1
        assert np.all(f.spike_time > f.t_start - 1e-9) and np.all(f.spike_time <= f.t_end + 1e-9)
        assert np.all(np.diff(f.spike_time) >= 0)
        assert f.trace_values.shape[0] == n and len(f.trace_time) == n
        assert math.isclose(f.trace_time[0], f.t_start + DT) and math.isclose(f.trace_time[-1], f.t_end)
        # rate rows: whole 5 ms bins, each completed inside this frame (one open at t_start included)
        assert f.rate_bin_ms == 5.0 and f.rates.shape == (len(f.rate_time), len(f.populations))
        bin_ends = np.rint((f.rate_time + 5.0) / DT)
        assert np.all(bin_ends > steps(f.t_start)) and np.all(bin_ends <= steps(f.t_end))


def spikes_by_population(data, populations):
    """{population: (neuron, time)} gathered from data frames."""
    pop = np.concatenate([f.spike_population for f in data])
    neuron = np.concatenate([f.spike_neuron for f in data])
    times = np.concatenate([f.spike_time for f in data])
    return {name: (neuron[pop == p], times[pop == p]) for p, name in enumerate(populations)}


def rate_hz(frames, n_neurons: int) -> float:
    duration_s = sum(f.t_end - f.t_start for f in frames) * 1e-3
    return sum(len(f.spike_time) for f in frames) / n_neurons / duration_s


# -- frames -----------------------------------------------------------------------------------------------


def test_data_frames_arrive_in_order_and_tile_simulated_time(start):
    runner = start(example("ei_network"), seed=2, frame_wall_s=0.002, max_data_frames=ROOMY)
    runner.run(400.0)
    frames = runner.wait_for(is_status(message="run finished"))
    data = data_of(frames)
    assert len(data) >= 2
    assert_tiles(data, 0.0, 400.0)
    runner.run(100.0)  # a second run continues where the first ended
    frames += runner.wait_for(is_status(message="run finished"))
    assert steps(first(frames, kind="status", command="run").t_end) == steps(0.0)
    assert_tiles(data_of(frames), 0.0, 500.0)
    seqs = [f.seq for f in frames]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert all(f.dropped == 0 for f in frames)
    finished = [f for f in frames if f.message == "run finished"]
    assert [steps(f.t_end) for f in finished] == [steps(400.0), steps(500.0)]
    assert all(f.state == "paused" for f in finished)


def test_streamed_spikes_and_traces_equal_a_bare_simulator_run(start):
    network = example("ei_network")
    runner = start(network, seed=5, frame_wall_s=0.003, max_data_frames=ROOMY)
    frames = []
    runner.run(120.0)  # unpaced, then stepped, then paced, then paused at an arbitrary moment
    frames += runner.wait_for(is_status(message="run finished"))
    runner.step(0.7)
    frames += runner.wait_for(is_status(command="step"))
    runner.set_speed(5.0)
    runner.run(60.0)
    frames += runner.wait_for(is_status(message="run finished"))
    runner.set_speed("max")
    runner.run()
    time.sleep(0.1)
    runner.pause()
    frames += runner.wait_for(is_status(command="pause"))
    data = data_of(frames)
    end = data[-1].t_end
    assert_tiles(data, 0.0, end)
    assert steps(end) > steps(180.7)

    bare = Simulator(network, seed=5)
    bare.run(end)
    assert bare.step == steps(end)
    streamed = spikes_by_population(data, data[0].populations)
    assert sum(len(t) for _, t in streamed.values()) > 1000
    for name in ("exc", "inh"):
        neuron, times = bare.spikes(name)
        np.testing.assert_array_equal(streamed[name][0], neuron)
        np.testing.assert_array_equal(streamed[name][1], times)
    _, bare_traces = bare.traces()
    assert data[0].traces == tuple(bare_traces)
    np.testing.assert_array_equal(np.concatenate([f.trace_values for f in data]),
                                  np.column_stack(list(bare_traces.values())))
    assert data[-1].counters["spikes"] == len(bare.spikes()[0])
    assert data[-1].counters["synaptic_events"] == bare.counters()["synaptic_events"]


def rate_rows(data) -> tuple[np.ndarray, np.ndarray]:
    """(bin starts ms, rates Hz) of all data frames, in the order they came."""
    return np.concatenate([f.rate_time for f in data]), np.concatenate([f.rates for f in data])


def assert_rates_are_the_spikes_in_whole_bins(data, network: Network) -> None:
    """The frames' rate rows: strictly increasing starts on the 5 ms grid from 0, no bin left
    out, none reported twice, each the spikes of its 5 ms per neuron (all spikes streamed)."""
    times, rates = rate_rows(data)
    n_bins = steps(data[-1].t_end) // steps(5.0)
    np.testing.assert_allclose(times, np.arange(n_bins) * 5.0, rtol=0, atol=1e-9)
    streamed = spikes_by_population(data, data[0].populations)
    for p, name in enumerate(data[0].populations):
        counts = np.bincount(np.rint(streamed[name][1] / DT).astype(int) - 1, minlength=n_bins * steps(5.0))
        per_bin = counts[:n_bins * steps(5.0)].reshape(n_bins, -1).sum(axis=1)
        np.testing.assert_allclose(rates[:, p], per_bin / 5e-3 / network.population(name).size, rtol=1e-12)


def test_rate_bins_are_whole_and_each_reported_once_through_steps_speeds_and_pauses(start):
    network = driven(n=100)
    runner = start(network, seed=3, frame_wall_s=0.003, max_data_frames=ROOMY)
    frames = []
    runner.run(123.4)  # ends inside a bin
    frames += runner.wait_for(is_status(message="run finished"))
    for duration in (0.7, 0.1, 3.3, 12.0):  # steps shorter than a bin complete it together
        runner.step(duration)
        frames += runner.wait_for(is_status(command="step"))
    runner.set_speed(0.2)  # slow enough (300 ms wall for the run) that the pause comes first
    runner.run(60.0)
    frames += runner.wait_for(lambda f: f.kind == "data")
    runner.set_speed(0.1)  # a speed change mid-run
    frames += runner.wait_for(lambda f: f.kind == "data")
    runner.pause()
    frames += runner.wait_for(is_status(command="pause"))
    paused = first(frames, command="pause")
    assert steps(paused.t_end) < steps(123.4 + 16.1 + 60.0)
    # paused inside a bin: that bin is not shown yet (its rate so far would be a noisy partial)
    last_bin_end = rate_rows(data_of(frames))[0][-1] + 5.0
    assert steps(paused.t_end) - steps(5.0) < steps(last_bin_end) <= steps(paused.t_end)
    runner.set_speed("max")
    runner.resume()
    frames += runner.wait_for(is_status(message="run finished"))
    data = data_of(frames)
    assert steps(data[-1].t_end) == steps(123.4 + 16.1 + 60.0)
    assert_tiles(data, 0.0, data[-1].t_end)
    assert_rates_are_the_spikes_in_whole_bins(data, network)
    bare = Simulator(network, seed=3)
    bare.run(data[-1].t_end)
    np.testing.assert_allclose(rate_rows(data)[1][:, 0], bare.rates(5.0)[1]["cells"], rtol=1e-12)


def test_a_bin_open_at_a_reset_is_dropped_not_carried_into_the_new_run(start):
    network = driven(n=100)
    runner = start(network, seed=6, max_data_frames=ROOMY)
    runner.run(52.3)
    runner.wait_for(is_status(message="run finished"))
    runner.reset()
    runner.wait_for(is_status(command="reset"))
    runner.run(52.3)
    data = data_of(runner.wait_for(is_status(message="run finished")))
    assert steps(data[0].t_start) == 0
    assert_rates_are_the_spikes_in_whole_bins(data, network)
    assert rate_rows(data)[0][-1] == pytest.approx(45.0)


# -- live changes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target, field_name, value, direction", [
    ("cells", "I_e", 200.0, "up"),  # 64 Hz -> ~100 Hz
    ("drive", "rate", 2000.0, "down"),  # 64 Hz -> ~1 Hz
    ("drive→cells", "weight", 0.0, "down"),  # 64 Hz -> 0 Hz
    ("cells", "V_th", -60.0, "up"),
])
def test_set_param_mid_run_changes_the_rate_from_the_next_frame(start, target, field_name, value, direction):
    runner = start(driven(n=100), seed=4, max_data_frames=ROOMY)
    runner.run()
    before = runner.wait_for(lambda f: f.kind == "data" and f.t_end >= 300.0)
    sent = time.perf_counter()
    runner.set_param(target, field_name, value)
    frames = runner.wait_for(lambda f: f.kind == "reply")
    latency = time.perf_counter() - sent
    reply = first(frames, kind="reply")
    after = runner.wait_for(lambda f: f.kind == "data" and f.seq > reply.seq)
    runner.pause()
    assert reply.ok, reply.message
    assert latency < 0.2
    old = data_of(before + [f for f in frames if f.seq < reply.seq])
    new = data_of(f for f in frames + after if f.seq > reply.seq)[0]
    # the change lands on a frame boundary: all earlier frames had the old value, this one the new
    assert steps(old[-1].t_end) == steps(reply.t_end) == steps(new.t_start)
    rate_before, rate_after = rate_hz(old, 100), rate_hz([new], 100)
    assert 45.0 < rate_before < 85.0
    if direction == "up":
        assert rate_after > 1.3 * rate_before, (rate_before, rate_after)
    else:
        assert rate_after < 0.5 * rate_before, (rate_before, rate_after)


def test_structural_set_param_is_refused_and_load_restarts(start):
    network = example("ei_network")
    runner = start(network, seed=6, max_data_frames=ROOMY)
    runner.run()
    runner.wait_for(lambda f: f.kind == "data")
    for target, field_name, value in [
        ("exc", "size", 400),
        ("exc", "model", "iaf_psc_exp"),
        ("exc→inh", "delay", 3.0),
        ("exc→inh", "rule", Connectivity("pairwise_bernoulli", p=0.1)),
    ]:
        runner.set_param(target, field_name, value)
        reply = first(runner.wait_for(lambda f: f.kind == "reply"), kind="reply")
        assert not reply.ok
        assert field_name in reply.message and "restart" in reply.message and "load()" in reply.message
        assert reply.state == "running"  # a refusal does not stop the run
    for target, field_name, value, expected in [
        ("exc", "tau_m", -1.0, "tau_m"),
        ("exc", "I_e", "strong", "I_e"),
        ("exhc", "I_e", 1.0, "exhc"),
    ]:
        runner.set_param(target, field_name, value)
        reply = first(runner.wait_for(lambda f: f.kind == "reply"), kind="reply")
        assert not reply.ok and expected in reply.message
    assert runner.wait_for(lambda f: f.kind == "data")  # still running

    changed = network.replace_population("exc", size=400).replace_projection("exc→inh", delay=3.0)
    runner.load(changed)
    frames = runner.wait_for(lambda f: f.kind in ("restarted", "error"))
    restarted = frames[-1]
    assert restarted.kind == "restarted" and restarted.state == "paused" and restarted.t_end == 0.0
    runner.run(100.0)
    data = data_of(runner.wait_for(is_status(message="run finished")))
    assert_tiles(data, 0.0, 100.0)
    bare = Simulator(changed, seed=6)
    bare.run(100.0)
    exc = spikes_by_population(data, data[0].populations)["exc"]
    assert exc[0].size > 0 and exc[0].max() < 400
    np.testing.assert_array_equal(exc[0], bare.spikes("exc")[0])
    np.testing.assert_array_equal(exc[1], bare.spikes("exc")[1])


# -- pause, resume, step, reset ------------------------------------------------------------------------------


def test_pause_resume_step_and_reset(start):
    runner = start(driven(n=50), seed=7, max_data_frames=ROOMY)
    time.sleep(0.2)
    assert data_of(runner.frames()) == []  # a new runner waits, paused
    runner.run(100.0)
    first_run = data_of(runner.wait_for(is_status(message="run finished")))
    assert_tiles(first_run, 0.0, 100.0)

    runner.run()
    frames = runner.wait_for(lambda f: f.kind == "data")
    runner.pause()
    frames += runner.wait_for(is_status(command="pause"))
    paused = first(frames, command="pause")
    assert paused.state == "paused"
    t_paused = paused.t_end
    assert steps(data_of(frames)[-1].t_end) == steps(t_paused)
    time.sleep(0.3)
    assert data_of(runner.frames()) == []  # paused means paused

    runner.step(2.5)
    frames = runner.wait_for(is_status(command="step"))
    stepped = first(frames, command="step")
    assert stepped.state == "paused" and steps(stepped.t_end) == steps(t_paused) + 25
    assert_tiles(data_of(frames), t_paused, t_paused + 2.5)
    for duration, n_steps in [(0.04, 1), (0.26, 3), (DT, 1)]:  # rounded to whole steps, at least one
        runner.step(duration)
        frames = runner.wait_for(is_status(command="step"))
        data = data_of(frames)
        assert len(data) == 1 and steps(data[0].t_end) - steps(data[0].t_start) == n_steps

    t_now = first(frames, command="step").t_end
    runner.set_speed(1.0)
    runner.run(200.0)  # interrupted by pause, the rest is done after resume
    frames = runner.wait_for(lambda f: f.kind == "data")
    runner.pause()
    frames += runner.wait_for(is_status(command="pause"))
    assert first(frames, command="pause").t_end < t_now + 200.0
    runner.set_speed("max")
    runner.resume()
    frames += runner.wait_for(is_status(message="run finished"))
    assert steps(first(frames, message="run finished").t_end) == steps(t_now) + 2000
    assert_tiles(data_of(frames), t_now, t_now + 200.0)

    runner.reset()
    reset = first(runner.wait_for(is_status(command="reset")), command="reset")
    assert reset.t_end == 0.0 and reset.state == "paused"
    runner.run(100.0)
    again = data_of(runner.wait_for(is_status(message="run finished")))
    assert_tiles(again, 0.0, 100.0)
    assert again[-1].counters["spikes"] == first_run[-1].counters["spikes"]
    np.testing.assert_array_equal(np.concatenate([f.spike_time for f in again]),
                                  np.concatenate([f.spike_time for f in first_run]))
    np.testing.assert_array_equal(np.concatenate([f.trace_values for f in again]),
                                  np.concatenate([f.trace_values for f in first_run]))


def test_a_long_step_can_be_paused(start):
    runner = start(example("ei_network"), max_data_frames=ROOMY)
    runner.step(1e7)
    runner.wait_for(lambda f: f.kind == "data")
    runner.pause()
    frames = runner.wait_for(is_status(command="pause"))
    assert first(frames, command="pause").t_end < 1e6
    runner.resume()  # resume continues the interrupted step
    assert first(runner.wait_for(lambda f: f.kind == "data"), kind="data").state == "running"
    runner.pause()
    assert first(runner.wait_for(is_status(command="pause")), command="pause").state == "paused"


# -- recording -------------------------------------------------------------------------------------------------


def test_set_recording_changes_traces_and_spikes_at_a_frame_boundary(start):
    runner = start(example("ei_network"), seed=8, max_data_frames=ROOMY)
    runner.run(50.0)
    frames = runner.wait_for(is_status(message="run finished"))
    assert data_of(frames)[0].trace_values.shape[1] == 4
    runner.set_recording(traces=[TraceRequest("inh", 7)], spikes=["inh"])
    runner.run(50.0)
    frames = runner.wait_for(is_status(message="run finished"))
    assert first(frames, kind="reply").ok
    data = data_of(frames)
    assert_tiles(data, 50.0, 100.0)
    inh = data[0].populations.index("inh")
    assert all(f.trace_values.shape[1] == 1 and f.traces == (TraceRequest("inh", 7),) for f in data)
    assert sum(len(f.spike_population) for f in data) > 0
    assert all(np.all(f.spike_population == inh) for f in data)
    runner.set_recording(spikes=["nope"])
    reply = first(runner.wait_for(lambda f: f.kind == "reply"), kind="reply")
    assert not reply.ok and "nope" in reply.message


# -- backpressure ------------------------------------------------------------------------------------------------


def test_a_slow_consumer_gets_drops_with_gaps_it_can_see(start):
    runner = start(driven(n=20), frame_wall_s=0.001, max_data_frames=8)
    runner.run()
    received = []
    deadline = time.monotonic() + 30.0  # a loaded machine makes frames slower: wait for drops, not a fixed time
    while (len(received) < 10 or runner.dropped <= 10) and time.monotonic() < deadline:
        time.sleep(0.1)
        batch = data_of(runner.frames())
        assert len(batch) <= 8
        received.append(batch)
    runner.pause()
    assert runner.dropped > 10
    flat = [f for batch in received for f in batch]
    for before, after in zip(flat, flat[1:]):
        assert after.t_start >= before.t_end - 1e-9  # in order, never overlapping
        if after.dropped == before.dropped:
            assert steps(after.t_start) == steps(before.t_end)
        else:
            assert steps(after.t_start) > steps(before.t_end)  # a gap exactly where drops are counted
    assert len({f.dropped for f in flat}) > 1


def test_a_consumer_that_never_reads_does_not_grow_memory(start, monkeypatch):
    # a frame after every block, and short blocks: 10,000 frames in seconds, each carrying a trace
    monkeypatch.setattr(runner_module, "MAX_BLOCK_WALL_S", 0.0003)
    tiny = Network(name="tiny", populations=(
        Population("cell", "iaf_psc_delta", 1, params={"I_e": 400.0}, record=Recording(traces=(0,))),))
    runner = start(tiny, frame_wall_s=0.0, max_data_frames=8)
    process = psutil.Process()
    runner.run()
    deadline = time.monotonic() + 120
    while runner.dropped < 300 and time.monotonic() < deadline:
        time.sleep(0.01)
    rss_start = process.memory_info().rss
    buffered = []
    while runner.dropped < 10_000 and time.monotonic() < deadline:
        buffered.append(len(runner._out))
        time.sleep(0.02)
    rss_end = process.memory_info().rss
    assert runner.dropped >= 10_000, f"only {runner.dropped} frames in 120 s"
    assert max(buffered) <= 8 + 2  # 8 data frames and the 'run' status
    assert rss_end - rss_start < 4 * 2**20, f"RSS grew by {(rss_end - rss_start) / 2**20:.1f} MB"
    runner.pause()
    time.sleep(0.3)
    frames = runner.frames()  # one take: what the buffer held
    assert any(f.command == "pause" for f in frames)
    data = data_of(frames)
    assert len(data) == 8 and all(f.dropped >= 10_000 for f in data)
    for before, after in zip(data, data[1:]):  # what is kept is the newest, contiguous stretch
        assert steps(after.t_start) == steps(before.t_end)
    assert data[-1].trace_values.shape[0] > 0


# -- faults --------------------------------------------------------------------------------------------------------


def test_infinite_state_pauses_with_an_error_naming_population_and_time(start):
    runner = start(current_cells(), max_data_frames=ROOMY)
    runner.run()
    runner.wait_for(lambda f: f.kind == "data" and f.t_end >= 50.0)
    runner.set_param("bias", "amplitude", 1e308)
    frames = runner.wait_for(lambda f: f.kind == "error")
    reply, error = first(frames, kind="reply"), first(frames, kind="error")
    assert reply.ok and error.state == "paused" and not error.ok
    assert "population 'cells'" in error.message
    assert f"t = {error.t_end:.1f} ms" in error.message and error.t_end > reply.t_end
    assert all(f.t_end <= error.t_end for f in data_of(frames))
    time.sleep(0.2)
    assert data_of(runner.frames()) == [] and runner.alive

    runner.reset()  # the Runner stays usable: reset, undo the change, run
    runner.set_param("bias", "amplitude", 0.0)
    runner.run(50.0)
    frames = runner.wait_for(is_status(message="run finished"))
    assert not [f for f in frames if f.kind == "error"]
    assert_tiles(data_of(frames), 0.0, 50.0)

    runner.load(current_cells(bias_pA=1e308))  # or load: a broken network faults, a good one runs
    runner.wait_for(lambda f: f.kind == "restarted")
    runner.run(50.0)
    error = first(runner.wait_for(lambda f: f.kind == "error"), kind="error")
    assert "population 'cells'" in error.message and error.t_end <= 50.0
    runner.load(current_cells())
    runner.wait_for(lambda f: f.kind == "restarted")
    runner.run(50.0)
    assert_tiles(data_of(runner.wait_for(is_status(message="run finished"))), 0.0, 50.0)


def test_an_exception_in_the_kernel_pauses_with_an_error_and_the_runner_recovers(start, monkeypatch):
    failing = threading.Event()
    real_run_block = step_kernels.run_block

    def run_block(*args):
        if failing.is_set():
            raise ZeroDivisionError("injected kernel failure")
        return real_run_block(*args)

    monkeypatch.setattr(step_kernels, "run_block", run_block)
    runner = start(driven(n=50), max_data_frames=ROOMY)
    runner.run()
    runner.wait_for(lambda f: f.kind == "data" and f.t_end >= 50.0)
    failing.set()
    frames = runner.wait_for(lambda f: f.kind == "error")
    error = first(frames, kind="error")
    assert error.state == "paused" and "injected kernel failure" in error.message
    assert f"t = {error.t_end:.1f} ms" in error.message
    assert runner.alive
    failing.clear()
    runner.reset()
    runner.run(30.0)
    assert_tiles(data_of(runner.wait_for(is_status(message="run finished"))), 0.0, 30.0)


def test_a_command_that_fails_unexpectedly_is_reported_and_the_runner_goes_on(start):
    runner = start(driven(n=20), max_data_frames=ROOMY)
    runner.set_recording(traces=["not a trace request"])
    error = first(runner.wait_for(lambda f: f.kind in ("error", "reply")), command="set_recording")
    assert error.kind == "error" and not error.ok and "set_recording" in error.message
    runner.run(20.0)
    assert_tiles(data_of(runner.wait_for(is_status(message="run finished"))), 0.0, 20.0)


def test_a_network_that_does_not_compile_is_reported_and_the_old_one_kept(start):
    runner = start(driven(n=20), max_memory_bytes=2**20, max_data_frames=ROOMY)
    runner.load(driven(n=20_000))  # far more than 1 MB
    error = first(runner.wait_for(lambda f: f.kind == "error"), kind="error")
    assert error.command == "load" and error.state == "paused"
    runner.run(20.0)
    data = data_of(runner.wait_for(is_status(message="run finished")))
    assert_tiles(data, 0.0, 20.0)
    assert max(np.concatenate([f.spike_neuron for f in data]), default=0) < 20


# -- lifecycle ------------------------------------------------------------------------------------------------------


def test_twenty_runners_in_one_process_start_run_and_close_cleanly(start):
    threads_before = {t.ident for t in threading.enumerate()}
    runners = [start(driven(n=50), seed=i % 10, max_data_frames=ROOMY, name=f"class-{i}") for i in range(20)]
    for runner in runners:
        runner.run(200.0)
    results = []
    for runner in runners:
        data = data_of(runner.wait_for(is_status(message="run finished"), timeout=60))
        assert_tiles(data, 0.0, 200.0)
        results.append(np.concatenate([f.spike_time for f in data]))
    for i in range(10):  # the same seed gives the same run in every runner: nothing is shared
        np.testing.assert_array_equal(results[i], results[i + 10])
    assert not np.array_equal(results[0], results[1])
    for runner in runners:
        started = time.perf_counter()
        runner.close()
        assert time.perf_counter() - started < 1.0 and not runner.alive
        assert runner.frames()[-1].state == "stopped"
    assert {t.ident for t in threading.enumerate()} <= threads_before


@pytest.mark.parametrize("situation", ["running", "paced", "paused", "stepping"])
def test_close_stops_the_thread_within_one_second(start, situation):
    runner = start(example("ei_network"))
    if situation == "running":
        runner.run()
    elif situation == "paced":
        runner.set_speed(0.01)
        runner.run()
    elif situation == "stepping":
        runner.step(1e7)
    if situation != "paused":
        runner.wait_for(lambda f: f.kind == "data")
    started = time.perf_counter()
    runner.close()
    assert time.perf_counter() - started < 1.0
    assert not runner.alive
    runner.close()  # twice is harmless


def test_context_manager_closes():
    with Runner(driven(n=10)) as runner:
        runner.run(10.0)
        runner.wait_for(is_status(message="run finished"))
    assert not runner.alive


def test_bad_arguments_raise_in_the_callers_thread():
    with pytest.raises(ValidationError, match="expected a Network"):
        Runner("brunel.json")
    with pytest.raises(ValidationError, match="max_data_frames"):
        Runner(driven(n=1), max_data_frames=0)
    with Runner(driven(n=1)) as runner:
        for bad in (0.0, -1.0, math.nan, math.inf, True, "1"):
            with pytest.raises(ValidationError, match="positive number of ms"):
                runner.run(bad)
            with pytest.raises(ValidationError, match="positive number of ms"):
                runner.step(bad)
        with pytest.raises(ValidationError, match="load expects a Network"):
            runner.load({"populations": []})


# -- speed, real time, latency ----------------------------------------------------------------------------------------


def test_speed_accepts_0_01_to_10_and_max_only():
    with Runner(driven(n=1)) as runner:
        for bad in (0.005, 10.5, 0.0, -1.0, math.nan, math.inf, "fast", True, None):
            with pytest.raises(ValidationError, match="speed"):
                runner.set_speed(bad)
        for good in (0.01, 0.5, 1, 10.0, "max"):
            runner.set_speed(good)
        replies = []
        while len(replies) < 5:
            replies += [f for f in runner.wait_for(lambda f: f.kind == "reply") if f.kind == "reply"]
        assert len(replies) == 5 and all(f.ok and f.command == "set_speed" for f in replies)


def wall_of_run(runner: Runner, duration_ms: float) -> float:
    """Wall seconds from the run starting to it finishing, as seen by a consumer."""
    runner.run(duration_ms)
    runner.wait_for(is_status(command="run"), timeout=5)
    started = time.perf_counter()
    runner.wait_for(is_status(message="run finished"), timeout=60)
    return time.perf_counter() - started


def test_speed_sets_simulated_ms_per_wall_ms(start):
    runner = start(driven(n=20), max_data_frames=ROOMY)
    for speed, duration_ms in [(0.01, 3.0), (0.1, 40.0), (10.0, 4000.0)]:
        runner.set_speed(speed)
        wall = wall_of_run(runner, duration_ms)
        expected = duration_ms / speed / 1000.0
        # loose on purpose: a shared 2-core machine stalls threads; benchmarks/bench_runner.py measures it precisely
        assert 0.7 * expected < wall < 1.6 * expected + 0.1, (speed, wall, expected)
    runner.set_speed("max")
    assert wall_of_run(runner, 4000.0) < 1.0  # well above 10x for 20 cells, even on a busy machine


def test_at_1x_simulated_time_tracks_wall_time_within_5_percent(start):
    runner = start(driven(n=100), max_data_frames=ROOMY)
    runner.set_speed(1.0)
    runner.run(1500.0)
    runner.wait_for(is_status(command="run"))
    started = time.perf_counter()
    lags = []
    frames = []
    while not any(f.message == "run finished" for f in frames):
        new = runner.frames()
        now_ms = (time.perf_counter() - started) * 1000.0
        lags += [f.t_end - now_ms for f in new if f.kind == "data"]
        frames += new
        time.sleep(0.002)
    wall_ms = (time.perf_counter() - started) * 1000.0
    assert abs(wall_ms - 1500.0) < 0.15 * 1500.0, wall_ms  # 5 % is the benchmark's check; a busy CI core stalls
    # along the way too: the simulated time a frame reaches is within 75 ms of the wall clock
    assert statistics.median(abs(lag) for lag in lags) < 150.0
    factors = [f.real_time_factor for f in data_of(frames)]
    assert 0.9 < statistics.median(factors) < 1.1, factors


def test_set_param_and_pause_take_effect_within_a_block(start):
    runner = start(example("ei_network"), max_data_frames=ROOMY)
    latencies = {"set_param": [], "pause": []}
    for i in range(10):
        runner.run()
        runner.wait_for(lambda f: f.kind == "data")
        for command in ("set_param", "pause"):
            sent = time.perf_counter()
            if command == "set_param":
                runner.set_param("exc", "I_e", float(i))
            else:
                runner.pause()
            while not any(f.command == command for f in runner.frames()):
                time.sleep(0.0005)
            latencies[command].append(time.perf_counter() - sent)
    for command, values in latencies.items():  # blocks are <= 15 ms; one OS hiccup of a busy machine is allowed
        assert statistics.median(values) < 0.05, (command, values)
        assert sorted(values)[-2] < 0.2, (command, values)


def test_live_change_sends_its_first_frame_after_one_block_and_notify_wakes_the_consumer(start):
    """A live change is what the user waits to see: its frame must not wait for the frame
    interval (here a minute, so only the live change can explain an early frame)."""
    woken = threading.Semaphore(0)
    runner = start(driven(n=100), seed=4, max_data_frames=ROOMY, frame_wall_s=60.0, notify=woken.release)
    runner.run()
    runner.wait_for(lambda f: f.kind == "status" and f.command == "run")
    assert woken.acquire(timeout=10), "notify was not called for the 'run' status frame"
    runner.set_param("drive", "rate", 8000.0)
    frames = runner.wait_for(lambda f: f.kind == "reply", timeout=10)
    reply = first(frames, kind="reply")
    if not any(f.kind == "data" and f.seq > reply.seq for f in frames):  # it may come in the same batch
        frames += runner.wait_for(lambda f: f.kind == "data" and f.seq > reply.seq, timeout=10)
    runner.pause()
    data = data_of(frames)
    assert reply.ok, reply.message
    # the change lands on a frame boundary (blocks run before it are flushed as one old-value
    # frame before the reply), then the next block goes out as its own frame
    new = [f for f in data if f.seq > reply.seq]
    assert len(data) - len(new) <= 1 and len(new) == 1
    assert steps(new[0].t_start) == steps(reply.t_end)
    assert new[0].t_end - new[0].t_start <= 2000 * 0.1  # one block (at most block_steps), not a minute


def test_a_failing_notify_does_not_stop_the_runner(start):
    def broken():
        raise RuntimeError("consumer gone")

    runner = start(driven(n=10), notify=broken)
    runner.step(5.0)
    frames = runner.wait_for(lambda f: f.kind == "status" and f.command == "step")
    assert data_of(frames) and runner.alive
