"""Both cores for one running session: CoreMeter on fake /proc/stat readings, the scheduler's
slot grant (two slots only for the one running network), the Runner's threads and workers, and
several threaded Runners at once in one process (child processes: the threading layer is
chosen per process)."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from engine import ClassLimits, Network, Population, Projection, RunScheduler, Runner, Simulator, warm_up
from engine.runtime import cores, simulator
from engine.runtime.cores import CoreMeter

HERE = Path(__file__).resolve().parent


class FakeMachine:
    """Two cores; each `tick(wall_s, own_cores, idle_cores)` advances the clocks and /proc/stat."""

    def __init__(self):
        self.wall, self.cpu, self.idle, self.total = 0.0, 0.0, 0, 0

    def tick(self, wall_s: float, own_cores: float, idle_cores: float) -> None:
        self.wall += wall_s
        self.cpu += own_cores * wall_s
        self.idle += round(idle_cores * wall_s * 100)  # 100 jiffies a second per core
        self.total += round(2 * wall_s * 100)

    def meter(self, limit: int = 2) -> CoreMeter:
        return CoreMeter(limit, wall_clock=lambda: self.wall, cpu_clock=lambda: self.cpu,
                         jiffies=lambda: (self.idle, self.total), n_cores=2)


def test_the_other_core_idle_gives_two_workers_and_busy_gives_one():
    machine = FakeMachine()
    meter = machine.meter()
    assert meter.current == 1  # one core until a span has shown the other idle
    machine.tick(0.1, own_cores=1.0, idle_cores=1.0)  # we use one core, the other is idle
    assert meter.workers() == 2
    machine.tick(0.1, own_cores=2.0, idle_cores=0.0)  # both cores are ours
    assert meter.workers() == 2
    machine.tick(0.1, own_cores=1.0, idle_cores=0.0)  # another process took the other core
    assert meter.workers() == 1
    machine.tick(0.1, own_cores=1.3, idle_cores=0.0)  # two workers and a hog share two cores
    assert meter.workers() == 1


def test_spans_shorter_than_the_minimum_add_up_instead_of_being_lost():
    machine = FakeMachine()
    meter = machine.meter()
    for _ in range(3):  # 15 ms blocks, as the Runner's: each span alone is too short to judge
        machine.tick(0.015, own_cores=1.0, idle_cores=1.0)
        meter.workers()
    assert meter.current == 2


def test_the_meter_never_gives_more_than_its_limit():
    machine = FakeMachine()
    meter = machine.meter(limit=1)
    machine.tick(0.1, own_cores=1.0, idle_cores=1.0)
    assert meter.workers() == 1


# -- the scheduler's slot grant ------------------------------------------------------------------
def test_the_only_running_network_gets_two_slots_and_gives_both_back():
    scheduler = RunScheduler(ClassLimits(cpu_slots=2))
    alone = scheduler.ticket("alone")
    assert alone.request_run(lambda: None)
    assert alone.take_turn(slots=2, parallel=True) == 2
    other = scheduler.ticket("other")
    assert other.take_turn(give_up=lambda: True) == 0  # no slot is left while it computes
    alone.end_turn(0.02)
    assert alone.cpu_seconds == pytest.approx(0.02)
    assert other.take_turn() == 1  # both slots were given back
    other.end_turn(0.0)


def test_two_running_networks_get_one_slot_each():
    scheduler = RunScheduler(ClassLimits(cpu_slots=2), parallel_overlap=lambda: True)  # as omp
    first, second = scheduler.ticket("first"), scheduler.ticket("second")
    assert first.request_run(lambda: None) and second.request_run(lambda: None)
    assert first.take_turn(slots=2, parallel=True) == 1
    assert second.take_turn(slots=2, parallel=True) == 1
    first.end_turn(0.0)
    second.end_turn(0.0)
    second.release()  # paused: first runs alone again
    assert first.take_turn(slots=2, parallel=True) == 2
    first.end_turn(0.0)


def test_one_slot_servers_and_single_thread_runners_get_one_slot():
    one_slot = RunScheduler(ClassLimits(cpu_slots=1)).ticket()
    assert one_slot.take_turn(slots=2) == 1
    one_slot.end_turn(0.0)
    single = RunScheduler(ClassLimits(cpu_slots=2)).ticket()
    assert single.take_turn() == 1
    single.end_turn(0.0)


def test_without_a_threadsafe_layer_one_threaded_block_computes_at_a_time():
    scheduler = RunScheduler(ClassLimits(cpu_slots=2), parallel_overlap=lambda: False)  # as workqueue
    threaded, other_threaded, single = (scheduler.ticket(n) for n in ("threaded", "other", "single"))
    for ticket in (threaded, other_threaded, single):
        ticket.request_run(lambda: None)
    assert threaded.take_turn(slots=2, parallel=True) == 1
    assert other_threaded.take_turn(slots=2, parallel=True, give_up=lambda: True) == 0  # a slot is free, yet it waits
    assert single.take_turn() == 1  # a one-thread block passes the waiting threaded one
    single.end_turn(0.0)
    got: list[int] = []
    waiter = threading.Thread(target=lambda: got.append(other_threaded.take_turn(slots=2, parallel=True)))
    waiter.start()
    time.sleep(0.2)
    assert not got
    threaded.end_turn(0.0)
    waiter.join(5)
    assert got == [1]
    other_threaded.end_turn(0.0)


# -- the Runner ------------------------------------------------------------------------------------
def recurrent(n: int, delay: float = 1.0, seed: int = 1) -> Network:
    return Network(name="recurrent", seed=seed, populations=(
        Population("cells", "iaf_psc_delta", n),
        Population("drive", "poisson_generator", 1, params={"rate": 8000.0}),
    ), projections=(Projection("drive", "cells", weight=0.5, delay=1.0),
                    Projection("cells", "cells", weight=0.05, delay=delay)))


def test_a_scheduled_runner_threads_only_networks_that_gain_from_it():
    scheduler = RunScheduler(ClassLimits(cpu_slots=2))
    runner = Runner(recurrent(10), ticket=scheduler.ticket())
    try:
        assert runner.threads_for(recurrent(2400)) == 2
        assert runner.threads_for(recurrent(1000)) == 1  # small: the meetings cost more than a core gives
        assert runner.threads_for(recurrent(2400, delay=0.2)) == 1  # a window of 2 steps
        plastic = recurrent(2400).replace_projection("cells→cells", synapse="stdp_synapse",
                                                     synapse_params={"Wmax": 1.0})
        assert runner.threads_for(plastic) == 1  # plastic synapses run on one thread only
    finally:
        runner.close()
    assert Runner(recurrent(10)).threads_for(recurrent(2400)) == 1  # unscheduled: one thread unless asked
    one_slot = Runner(recurrent(10), ticket=RunScheduler(ClassLimits(cpu_slots=1)).ticket())
    assert one_slot.threads_for(recurrent(2400)) == 1
    one_slot.close()


@pytest.fixture
def idle_meter(monkeypatch):
    """Simulators measure an idle machine (fake /proc/stat: every jiffy idle)."""
    jiffies = [0]

    def idle() -> tuple[int, int]:
        jiffies[0] += 1000
        return jiffies[0], jiffies[0]

    monkeypatch.setattr(simulator, "CoreMeter", lambda limit: cores.CoreMeter(limit, jiffies=idle))


def run_to_end(runner: Runner, t_ms: float) -> list:
    runner.wait_for(lambda f: f.kind == "status" and f.message == "ready", timeout=60)
    runner.set_speed("max")
    runner.run(t_ms)
    frames = runner.wait_for(lambda f: f.kind == "status" and f.message == "run finished", timeout=60)
    return [f for f in frames if f.kind == "data"]


def test_the_only_running_session_runs_on_two_cores_and_shares_when_another_runs(idle_meter):
    warm_up()
    scheduler = RunScheduler(ClassLimits(cpu_slots=2))
    network = recurrent(2400)
    with Runner(network, ticket=scheduler.ticket("a"), max_data_frames=100_000) as runner:
        data = run_to_end(runner, 100.0)
        assert runner._sim.threads == 2
        assert max(f.workers for f in data) == 2
        other = scheduler.ticket("another running network")
        assert other.request_run(lambda: None)
        runner.run(100.0)
        data += runner.wait_for(lambda f: f.kind == "status" and f.message == "run finished", timeout=60)
        later = [f for f in data if f.kind == "data" and f.t_start >= 100.0]
        assert later and max(f.workers for f in later) == 1
        other.close()
    bare = Simulator(network, threads=2)  # the same spikes, whatever the cores per block
    bare.run(200.0)
    data = [f for f in data if f.kind == "data"]
    np.testing.assert_array_equal(np.concatenate([f.spike_neuron for f in data]), bare.spikes("cells")[0])
    np.testing.assert_array_equal(np.concatenate([f.spike_time for f in data]), bare.spikes("cells")[1])


# -- several threaded Runners in one process -----------------------------------------------------
def concurrent(layer: str, mode: str) -> dict:
    child = subprocess.run([sys.executable, str(HERE / "concurrent_runners.py"), layer, mode],
                           capture_output=True, text=True, timeout=300)
    assert child.returncode == 0, child.stderr[-2000:]
    return json.loads(child.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_threaded_runners_run_at_once_on_openmp_with_the_spikes_of_a_run_alone():
    result = concurrent("omp", "unscheduled")
    assert result["layer"] == "omp"
    assert result["equal"] == [True, True, True] and result["workers"] == [2, 2, 2]
    assert min(result["spikes"]) > 10_000


@pytest.mark.slow
def test_on_workqueue_the_scheduler_keeps_threaded_runners_apart():
    """workqueue aborts the process when two threads enter it at once; the scheduler's turns
    never let two threaded blocks compute together there."""
    result = concurrent("workqueue", "scheduled")
    assert result["layer"] == "workqueue" and result["equal"] == [True, True, True]
