"""Where one thread's simulation time goes, per phase of the step. Prints; never asserts.

    .venv/bin/python benchmarks/profile_step.py [--networks brunel cuba] [--t-sim 1000] [--repeats 3]

Two measurements per network, alternating:
  whole      Simulator.run(t_sim) as the benchmarks time it (CPU s of this process)
  phases     the same steps driven from Python one phase kernel at a time (the kernels of
             engine.kernels.step.run_block, called in its order), each phase's CPU time summed;
             the cost of a Numba call from Python is measured with empty calls and taken off
  Simulator bookkeeping = whole - (kernel time of run_block), measured by calling run_block
  directly on the same compiled arrays for the same steps.
Phases: Poisson drive (rate schedules + drive_poisson + drive_currents), neuron update
(update_population over the populations), spike trains, spike delivery (deliver, plastic and
short-term delivery), recording (_record_traces), bookkeeping (the Simulator's Python around the kernel:
copies of spikes/traces/counts, finite check, history).
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from engine import Simulator, warm_up
from engine.io import load_network
from engine.kernels import devices, plasticity, short_term, step

EXAMPLES = Path(__file__).resolve().parent.parent / "assets" / "examples"
PHASES = ("poisson drive", "neuron update", "spike trains", "spike delivery", "recording")


def phase_times(sim: Simulator, n_steps: int, empty: bool = False) -> dict[str, float]:
    """CPU seconds per phase for n_steps steps, driven one phase kernel at a time; with `empty`
    the same calls over empty ranges (what calling Numba from Python costs, to take off)."""
    c, buf = sim.compiled, sim._buffers
    ring, current_ring = buf.ring, buf.current_ring
    n = c.n_neurons
    n_poisson = 0 if empty else c.poisson.target.shape[0]
    starts = c.layout.pop_start
    totals = dict.fromkeys(PHASES, 0.0)
    clock = time.process_time
    for k in range(n_steps):
        t = sim.step + k
        slot = t % ring.shape[0]
        t0 = clock()
        devices.advance_rate_schedules(c.poisson, t)
        devices.drive_poisson(c.poisson, ring, t, 0, n_poisson, 0)
        devices.drive_currents(c.currents, current_ring, t)
        t1 = clock()
        n_spikes = 0
        for p in range(len(c.pop_names)):
            end = starts[p] if empty else starts[p + 1]
            n_spikes = step.update_population(c.layout, p, starts[p], end, c.state, ring, current_ring, slot, n, buf,
                                              n_spikes, t, buf.spike_neuron.size)
        t2 = clock()
        n_spikes = step.emit_spike_trains(c.trains, c.layout, buf, t, 0, n_spikes, buf.spike_neuron.size)
        t3 = clock()
        step.deliver(c.synapses, 0, ring, buf.spike_neuron, buf.spike_step, 0, 0 if empty else n_spikes,
                     buf.lesioned_synapse, buf.cut_synapses)
        if c.plastic.params.shape[0] > 0:
            plasticity.record_post_spikes(c.plastic, buf.spike_neuron, 0, n_spikes, t, sim.dt)
            plasticity.deliver_plastic(c.plastic, ring, buf.spike_neuron, 0, n_spikes, t, sim.dt, n, buf.counters,
                                       buf.lesioned_plastic)
        if c.short_term.params.shape[0] > 0:
            short_term.deliver_tsodyks2(c.short_term, ring, buf.spike_neuron, 0, n_spikes, t, sim.dt, n,
                                        buf.lesioned_short_term)
        t4 = clock()
        step._record_traces(c.layout, c.state, buf, 0)
        t5 = clock()
        for name, span in zip(PHASES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
            totals[name] += span
    if not empty:
        sim.step += n_steps
    return totals


def kernel_seconds(sim: Simulator, n_steps: int) -> float:
    """CPU seconds of run_block alone over n_steps (block by block, as the Simulator calls it)."""
    c, buf = sim.compiled, sim._buffers
    spent = 0.0
    done = 0
    while done < n_steps:
        t0 = time.process_time()
        steps_done, _ = step.run_block(c.layout, c.state, c.synapses, c.plastic, c.short_term, c.poisson, c.currents,
                                       c.trains, buf, sim.step, min(sim.block_steps, n_steps - done), sim.dt)
        spent += time.process_time() - t0
        done += steps_done
        sim.step += steps_done
    return spent


def profile(network, t_sim: float, repeats: int) -> None:
    whole, kernel, phases = [], [], []
    for _ in range(repeats):
        sim = Simulator(network)
        n_steps = int(round(t_sim / sim.dt))
        sim.run(10.0)
        t0 = time.process_time()
        sim.run(t_sim)
        whole.append(time.process_time() - t0)
        sim = Simulator(network)
        sim.run(10.0)
        kernel.append(kernel_seconds(sim, n_steps))
        sim = Simulator(network)
        sim.run(10.0)
        measured = phase_times(sim, n_steps)
        overhead = phase_times(sim, n_steps, empty=True)
        phases.append({name: measured[name] - overhead[name] for name in PHASES})
    print(f"{network.name}: {t_sim:g} ms on one thread, {repeats} repeats (CPU s: min / median)")
    for name in PHASES:
        values = [p[name] for p in phases]
        print(f"  {name:<16} {min(values):7.3f} / {statistics.median(values):7.3f}")
    book = [w - k for w, k in zip(whole, kernel)]
    print(f"  {'bookkeeping':<16} {min(book):7.3f} / {statistics.median(book):7.3f}   (Simulator.run - run_block)")
    print(f"  {'run_block':<16} {min(kernel):7.3f} / {statistics.median(kernel):7.3f}")
    print(f"  {'Simulator.run':<16} {min(whole):7.3f} / {statistics.median(whole):7.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--networks", nargs="+", default=["brunel", "cuba"])
    parser.add_argument("--t-sim", type=float, default=1000.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warm_up()
    for name in args.networks:
        path = Path(name)
        profile(load_network(path if path.suffix == ".json" else EXAMPLES / f"{name}.json"), args.t_sim, args.repeats)


if __name__ == "__main__":
    main()
