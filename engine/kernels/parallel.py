"""The step kernel on several threads: each thread owns a contiguous range of neurons and
everything that writes to them (their Poisson inputs, their updates, the synapses that
target them), so threads never write to the same memory. Per step: devices (serial),
neuron updates (parallel), spike merge (serial), spike delivery (parallel).
Results are deterministic for a given number of threads (not bitwise equal to one thread:
Poisson streams are per thread and summation order differs)."""
from numba import prange

from engine.kernels.devices import advance_rate_schedules, drive_currents, drive_poisson
from engine.kernels.options import parallel_kernel
from engine.kernels.spikes import COUNT_NEURON_UPDATES, COUNT_SYNAPTIC_EVENTS
from engine.kernels.step import PASSIVE, _record_traces, deliver, emit_spike_trains, update_population

EXTRA_SPIKES_PER_THREAD = 4096  # room for parrots' repeated spikes beyond one per neuron


@parallel_kernel
def run_block_threads(layout, state, synapses, poisson_in, current_in, trains, buffers, t_start, n_steps,
                      bounds, thread_pop, thread_events):
    """As step.run_block, on bounds.size - 1 threads. Returns (steps done, spikes written)."""
    n_threads = bounds.shape[0] - 1
    ring = buffers.ring
    current_ring = buffers.current_ring
    ring_len = ring.shape[0]
    n_neurons = state.v.shape[0]
    n_pops = layout.pop_model.shape[0]
    n_sources = poisson_in.lam.shape[0]
    capacity = buffers.spike_neuron.shape[0]
    counters = buffers.counters
    region = EXTRA_SPIKES_PER_THREAD
    for th in range(n_threads):
        region = max(region, bounds[th + 1] - bounds[th] + EXTRA_SPIKES_PER_THREAD)
    thread_count = thread_pop[:, n_pops]  # last column: spikes of the thread this step
    n_spikes = 0
    steps_done = 0
    for k in range(n_steps):
        t = t_start + k
        slot = t % ring_len
        if capacity - n_spikes < n_threads * region + trains.max_per_step[0] and k > 0:
            break
        advance_rate_schedules(poisson_in, t)
        drive_currents(current_in, current_ring, t)
        first_spike = n_spikes
        for th in prange(n_threads):
            thread_events[th] += drive_poisson(poisson_in, ring, t, poisson_in.thread_first[th],
                                               poisson_in.thread_first[th + 1], th * n_sources)
            start = first_spike + th * region
            written = start
            for p in range(n_pops):
                begin = max(layout.pop_start[p], bounds[th])
                end = min(layout.pop_start[p + 1], bounds[th + 1])
                thread_pop[th, p] = 0
                if begin >= end:
                    continue
                before = written
                written = update_population(layout, p, begin, end, state, ring, current_ring, slot, n_neurons,
                                            buffers, written, t, start + region)
                thread_pop[th, p] = written - before
            thread_count[th] = written - start
        # merge the threads' regions into one contiguous list (moving down: a forward copy is safe)
        n_spikes = first_spike + thread_count[0]
        for th in range(1, n_threads):
            start = first_spike + th * region
            for j in range(thread_count[th]):
                buffers.spike_neuron[n_spikes + j] = buffers.spike_neuron[start + j]
                buffers.spike_step[n_spikes + j] = buffers.spike_step[start + j]
            n_spikes += thread_count[th]
        for p in range(n_pops):
            total = 0
            for th in range(n_threads):
                total += thread_pop[th, p]
            buffers.pop_counts[k, p] = total
            if layout.pop_model[p] != PASSIVE:
                counters[COUNT_NEURON_UPDATES] += layout.pop_start[p + 1] - layout.pop_start[p]
        n_spikes = emit_spike_trains(trains, layout, buffers, t, k, n_spikes, capacity)
        for th in prange(n_threads):
            thread_events[th] += deliver(synapses, th * n_neurons, ring, buffers.spike_neuron, first_spike, n_spikes, t)
        _record_traces(layout, state, buffers, k)
        steps_done = k + 1
    for th in range(n_threads):
        counters[COUNT_SYNAPTIC_EVENTS] += thread_events[th]
        thread_events[th] = 0
    return steps_done, n_spikes


__all__ = ["run_block_threads"]
