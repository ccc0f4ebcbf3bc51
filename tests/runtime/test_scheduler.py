"""The per-server RunScheduler: the cap on running networks and its queue, size limits, fair CPU
turns (no Runner starves), idle and hidden tabs paused; with real Runners where it matters."""
from __future__ import annotations

import statistics
import threading
import time

import pytest

from engine import (
    ClassLimitError, ClassLimits, Network, Population, Projection, Recording, RunScheduler, Runner, ValidationError,
    warm_up,
)


@pytest.fixture(scope="module", autouse=True)
def kernels_compiled():
    warm_up()


def driven(n: int = 100, name: str = "driven") -> Network:
    """LIF cells driven by a Poisson train (as in test_runner.py)."""
    return Network(name=name, populations=(
        Population("cells", "iaf_psc_delta", n, record=Recording(traces=(0,))),
        Population("drive", "poisson_generator", 1, params={"rate": 4000.0}),
    ), projections=(Projection("drive", "cells", weight=0.5, delay=1.0),))


@pytest.fixture
def runners():
    """start(scheduler, network=None) -> a compiled Runner with a ticket of `scheduler`; all closed afterwards."""
    started: list[Runner] = []

    def _start(scheduler: RunScheduler, network: Network | None = None, ready: bool = True, ticket=None) -> Runner:
        runner = Runner(network or driven(), name="sched", ticket=ticket or scheduler.ticket(), max_data_frames=4)
        runner.set_speed("max")
        started.append(runner)
        if ready:
            runner.wait_for(lambda f: f.kind == "status" and f.message == "ready", timeout=60)
        return runner

    yield _start
    for runner in started:
        runner.close()
    assert not any(r.alive for r in started)


def status(command: str):
    return lambda f: f.kind == "status" and f.command == command


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- the cap and its queue ----------------------------------------------------------------
def test_a_run_beyond_the_cap_waits_with_a_message_and_starts_when_one_pauses(runners):
    scheduler = RunScheduler(ClassLimits(max_running=2))
    a, b, c = (runners(scheduler) for _ in range(3))
    a.run()
    b.run()
    a.wait_for(status("run"))
    b.wait_for(status("run"))
    c.run()
    queued = next(f for f in c.wait_for(status("run")) if f.command == "run")
    assert queued.state == "queued"
    assert queued.message == "the class limit of 2 running networks is reached: yours starts when one pauses"
    assert (scheduler.running, scheduler.queued) == (2, 1)
    c.frames()
    time.sleep(0.3)
    assert not [f for f in c.frames() if f.kind == "data"], "a queued network must not simulate"

    a.pause()
    admitted = next(f for f in c.wait_for(status("admitted"), timeout=5) if f.command == "admitted")
    assert admitted.state == "running"
    assert "your network runs now" in admitted.message
    c.wait_for(lambda f: f.kind == "data" and f.t_end > 20.0, timeout=10)
    assert (scheduler.running, scheduler.queued) == (2, 0)


def test_the_queue_is_first_come_first_served_and_tells_each_how_many_wait_before_it():
    scheduler = RunScheduler(ClassLimits(max_running=1))
    admitted: list[str] = []
    first, second, third = (scheduler.ticket(name) for name in ("first", "second", "third"))
    assert first.request_run(lambda: admitted.append("first"))
    assert not second.request_run(lambda: admitted.append("second"))
    assert not third.request_run(lambda: admitted.append("third"))
    assert (second.queue_position, third.queue_position) == (1, 2)
    assert third.queued_message().endswith("yours starts when one pauses (1 network waits before yours)")

    first.release()
    assert admitted == ["second"] and third.queue_position == 1
    third.release()  # a queued tab that pauses leaves the queue
    second.release()
    assert admitted == ["second"] and scheduler.running == 0 and scheduler.queued == 0


def test_closing_a_running_session_gives_its_place_to_the_queue(runners):
    scheduler = RunScheduler(ClassLimits(max_running=1))
    a, b = runners(scheduler), runners(scheduler)
    a.run()
    a.wait_for(status("run"))
    b.run()
    assert next(f for f in b.wait_for(status("run")) if f.command == "run").state == "queued"
    a.close()
    b.wait_for(status("admitted"), timeout=5)
    assert scheduler.running == 1 and scheduler.sessions == 1


def test_a_step_never_waits_in_the_queue(runners):
    scheduler = RunScheduler(ClassLimits(max_running=1))
    a, b = runners(scheduler), runners(scheduler)
    a.run()
    b.step(5.0)
    done = b.wait_for(lambda f: f.kind == "status" and f.message == "step finished", timeout=10)
    assert done[-1].t_end == pytest.approx(5.0)
    assert scheduler.running == 1  # only a's run holds a place


# -- size limits ------------------------------------------------------------------------------
def test_a_network_over_the_neuron_limit_is_refused_with_both_numbers(runners):
    scheduler = RunScheduler(ClassLimits(max_neurons=50_000))
    big = driven(n=120_000, name="big")
    with pytest.raises(ClassLimitError, match="this network has 120,001 neurons; the class limit is 50,000"):
        scheduler.check_size(big)
    runner = runners(scheduler, big, ready=False)
    refused = runner.wait_for(lambda f: f.kind == "error", timeout=30)[-1]
    assert refused.command == "limit" and "the class limit is 50,000" in refused.message
    runner.load(driven())  # a smaller design builds
    runner.wait_for(lambda f: f.kind == "restarted", timeout=30)


def test_a_network_over_the_synapse_limit_is_refused():
    scheduler = RunScheduler(ClassLimits(max_synapses=1_000))
    dense = Network(name="dense", populations=(Population("a", "iaf_psc_delta", 100),),
                    projections=(Projection("a", "a", weight=0.1),))  # all_to_all: 10,000 synapses
    with pytest.raises(ClassLimitError, match="about 10,000 synapses; the class limit is 1,000"):
        scheduler.check_size(dense)
    scheduler.check_size(driven())  # 100 synapses pass


@pytest.mark.parametrize("field, value", [("max_running", 0), ("max_neurons", 2.5), ("cpu_slots", True),
                                          ("idle_pause_s", -1.0), ("hidden_pause_s", float("nan"))])
def test_nonsense_limits_are_refused_by_name(field, value):
    with pytest.raises(ValidationError, match=f"class limits: {field} must be"):
        ClassLimits(**{field: value})


# -- fair CPU turns -----------------------------------------------------------------------------
def spin(cpu_seconds: float) -> None:
    end = time.thread_time() + cpu_seconds
    while time.thread_time() < end:
        pass


def simulated_runner(ticket, block_cpu_s: float, stop: threading.Event) -> None:
    """A Runner's loop without a network: a turn, a block of CPU work, the turn's end."""
    while not stop.is_set():
        if ticket.take_turn(give_up=stop.is_set):
            started = time.thread_time()
            spin(block_cpu_s)
            ticket.end_turn(time.thread_time() - started)


def test_runners_with_cheap_and_expensive_blocks_get_equal_cpu_shares():
    """Six simulated Runners on one slot, blocks of 1 to 8 ms: each gets about a sixth of the CPU
    (a round robin of turns would give the 8 ms ones eight times the 1 ms ones)."""
    scheduler = RunScheduler(ClassLimits(cpu_slots=1))
    tickets = [scheduler.ticket(f"r{i}") for i in range(6)]
    stop = threading.Event()
    costs = [0.001, 0.001, 0.002, 0.004, 0.008, 0.008]
    threads = [threading.Thread(target=simulated_runner, args=(t, c, stop)) for t, c in zip(tickets, costs)]
    for thread in threads:
        thread.start()
    time.sleep(2.0)
    stop.set()
    for thread in threads:
        thread.join(5)
    shares = [t.cpu_seconds for t in tickets]
    assert min(t.turns for t in tickets) > 10, "a Runner starved"
    assert min(shares) / max(shares) > 0.6, shares


def test_a_runner_that_comes_back_from_a_pause_does_not_take_every_turn():
    scheduler = RunScheduler(ClassLimits(cpu_slots=1))
    busy, returning = scheduler.ticket("busy"), scheduler.ticket("returning")
    for _ in range(20):  # busy ran alone for a while
        assert busy.take_turn()
        busy.end_turn(0.01)
    assert returning.take_turn()
    assert returning.cpu_seconds == pytest.approx(busy.cpu_seconds)  # level, no credit for its pause
    returning.end_turn(0.01)


def test_the_runner_that_just_applied_a_live_change_goes_first():
    scheduler = RunScheduler(ClassLimits(cpu_slots=1))
    holder, slow, edited = scheduler.ticket("holder"), scheduler.ticket("slow"), scheduler.ticket("edited")
    slow.cpu_seconds, edited.cpu_seconds = 0.0, 5.0  # the edited one has used far more CPU
    assert holder.take_turn()
    order: list[str] = []

    def wait(ticket, urgent):
        ticket.take_turn(urgent=urgent)
        order.append(ticket.name)
        ticket.end_turn(0.001)

    threads = [threading.Thread(target=wait, args=(slow, False)), threading.Thread(target=wait, args=(edited, True))]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    holder.end_turn(0.001)
    for thread in threads:
        thread.join(5)
    assert order == ["edited", "slow"]


def test_a_runner_waiting_for_its_turn_still_pauses_at_once(runners):
    scheduler = RunScheduler(ClassLimits(cpu_slots=1))
    hog = scheduler.ticket("hog")
    assert hog.take_turn()  # the only slot is taken and never given back
    runner = runners(scheduler)
    runner.run()
    runner.wait_for(status("run"))
    sent = time.monotonic()
    runner.pause()
    runner.wait_for(status("pause"), timeout=5)
    assert time.monotonic() - sent < 1.0
    hog.end_turn(0.0)


def test_real_runners_on_one_slot_simulate_at_fair_speeds(runners):
    """Four Runners, one slot, as fast as they can: simulated times within 35 % of each other."""
    scheduler = RunScheduler(ClassLimits(cpu_slots=1))
    started = [runners(scheduler, driven(n=2_000)) for _ in range(4)]
    for runner in started:
        runner.run()
    time.sleep(3.0)
    ends = []
    for runner in started:
        runner.pause()
        ends.append(runner.wait_for(status("pause"), timeout=10)[-1].t_end)
    assert min(ends) > 0 and min(ends) / max(ends) > 0.65, ends
    assert statistics.median(ends) > 50.0


# -- idle and hidden tabs --------------------------------------------------------------------------
def test_idle_and_hidden_reasons_follow_the_clock():
    clock = FakeClock()
    scheduler = RunScheduler(ClassLimits(idle_pause_s=600, hidden_pause_s=60), clock=clock)
    ticket = scheduler.ticket()
    clock.now += 599
    assert ticket.idle_reason() is None
    ticket.note_activity()
    ticket.note_hidden(True)
    clock.now += 59
    assert ticket.idle_reason() is None
    clock.now += 1
    assert ticket.idle_reason() == "paused: this tab was hidden for 60 seconds (press Run to go on)"
    ticket.note_hidden(False)  # shown again counts as activity
    assert ticket.idle_reason() is None
    clock.now += 600
    assert ticket.idle_reason() == "paused after 10 minutes without activity in this tab (press Run to go on)"


def test_a_running_network_pauses_when_its_tab_stays_hidden(runners):
    scheduler = RunScheduler(ClassLimits(max_running=1, hidden_pause_s=0.5))
    tab = scheduler.ticket("hidden tab")
    shown, hidden = runners(scheduler), runners(scheduler, ticket=tab)
    hidden.run()
    hidden.wait_for(status("run"))
    shown.run()
    assert next(f for f in shown.wait_for(status("run")) if f.command == "run").state == "queued"
    tab.note_hidden(True)
    paused = next(f for f in hidden.wait_for(status("idle"), timeout=5) if f.command == "idle")
    assert paused.state == "paused" and "this tab was hidden" in paused.message
    shown.wait_for(status("admitted"), timeout=5)  # its place went to the waiting one
