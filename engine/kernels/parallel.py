"""The step kernel on several threads, in min-delay windows (NEST's scheme).

Each thread owns a contiguous range of neurons and everything that writes to them (their
Poisson inputs, their updates, the synapses that target them), so threads never write to the
same memory. No spike reaches a neuron sooner than the network's shortest delay D, so the
threads advance their neurons D steps on their own and exchange spikes once per window:

  serial    rate schedules, device currents for the window's steps
  parallel  each thread: deliver the previous window's spikes (all threads') to its own
            targets, then D steps of its own Poisson inputs, neuron updates and traces
  serial    merge the threads' spikes into one step-ordered list (+ spike generators)

One parallel region per window instead of two per step; the threads meet once per window.
Results are deterministic for a given number of threads, whatever the number of cores that
run them (not bitwise equal to one thread: the Poisson streams are per thread).
"""
from numba import prange

from engine.kernels.devices import advance_rate_schedules, drive_currents, drive_poisson
from engine.kernels.options import kernel, parallel_kernel
from engine.kernels.spikes import COUNT_NEURON_UPDATES, COUNT_SYNAPTIC_EVENTS
from engine.kernels.step import PASSIVE, deliver, emit_spike_trains, record_trace, update_population

EXTRA_SPIKES_PER_THREAD = 4096  # room for parrots' repeated spikes beyond one per neuron and step


@parallel_kernel
def run_block_threads(layout, state, synapses, poisson_in, current_in, trains, buffers, t_start, n_steps, window,
                      work, thread_spikes):
    """As step.run_block, on work.bounds.size - 1 threads in windows of `window` steps; thread_spikes is
    buffers with the threads' own spike arrays. Returns (steps done, spikes written); every spike written has been delivered."""
    n_threads = work.bounds.shape[0] - 1
    capacity = buffers.spike_neuron.shape[0]
    headroom = n_threads * work.region[0] + window * trains.max_per_step[0]
    n_spikes = 0
    delivered = 0  # spikes [delivered, n_spikes) are still to be delivered
    steps_done = 0
    events = work.events  # a local name: prange's increments of a tuple field's array were lost (counted 0)
    while steps_done < n_steps:
        if steps_done > 0 and (capacity - n_spikes < headroom or buffers.interrupt[0] != 0):
            break
        t0 = t_start + steps_done
        advance_rate_schedules(poisson_in, t0)
        length = min(window, n_steps - steps_done, _steps_to_rate_change(poisson_in, t0))
        for k in range(length):
            drive_currents(current_in, buffers.current_ring, t0 + k)
        window_first = n_spikes
        for th in prange(n_threads):
            events[th] += deliver(synapses, th * state.v.shape[0], buffers.ring, buffers.spike_neuron,
                                  buffers.spike_step, delivered, window_first, buffers.lesioned_synapse,
                                  buffers.cut_synapses)
            _advance_thread(layout, state, poisson_in, buffers, work, thread_spikes, th, t0, steps_done, length)
        delivered = window_first
        n_spikes = _merge_window(layout, trains, buffers, work, thread_spikes, t0, steps_done, length, n_spikes,
                                 capacity)
        steps_done += length
    for th in prange(n_threads):
        events[th] += deliver(synapses, th * state.v.shape[0], buffers.ring, buffers.spike_neuron,
                                  buffers.spike_step, delivered, n_spikes, buffers.lesioned_synapse,
                                  buffers.cut_synapses)
    for th in range(n_threads):
        buffers.counters[COUNT_SYNAPTIC_EVENTS] += events[th]
        events[th] = 0
    return steps_done, n_spikes


@kernel
def _steps_to_rate_change(poisson_in, t):
    """Steps from t to the next rate-schedule switch (a window must not cross one: all threads
    read the shared rate)."""
    steps = 1 << 30
    for src in range(poisson_in.lam.shape[0]):
        after = poisson_in.cursor[src] + 1
        if after < poisson_in.sched_end[src]:
            steps = min(steps, poisson_in.sched_step[after] - t)
    return max(steps, 1)


@kernel
def _advance_thread(layout, state, poisson_in, buffers, work, thread_spikes, th, t0, k0, length):
    """Thread th's neurons through steps t0 .. t0 + length - 1 (block steps k0 ..); its spikes go to
    its region of thread_spikes, its per-step population counts to work.counts[th]."""
    lo, hi = work.bounds[th], work.bounds[th + 1]
    ring = buffers.ring
    n_neurons = state.v.shape[0]
    n_sources = poisson_in.lam.shape[0]
    region = work.region[0]
    start = th * region
    written = start
    for k in range(length):
        t = t0 + k
        slot = t % ring.shape[0]
        work.events[th] += drive_poisson(poisson_in, ring, t, poisson_in.thread_first[th],
                                         poisson_in.thread_first[th + 1], th * n_sources)
        for p in range(layout.pop_model.shape[0]):
            begin = max(layout.pop_start[p], lo)
            end = min(layout.pop_start[p + 1], hi)
            before = written
            if begin < end:
                written = update_population(layout, p, begin, end, state, ring, buffers.current_ring, slot,
                                            n_neurons, thread_spikes, written, t, start + region)
            work.counts[th, k, p] = written - before
        for q in range(buffers.trace_neuron.shape[0]):
            if lo <= buffers.trace_neuron[q] < hi:
                record_trace(layout, state, buffers, k0 + k, q)


@kernel
def _merge_window(layout, trains, buffers, work, thread_spikes, t0, k0, length, n_spikes, capacity):
    """The threads' spikes of a window into buffers, step by step (threads in order, then the spike
    generators); per-step population counts and neuron updates counted. Returns the spike count."""
    n_threads = work.bounds.shape[0] - 1
    n_pops = layout.pop_model.shape[0]
    for th in range(n_threads):
        work.cursor[th] = th * work.region[0]
    for k in range(length):
        for p in range(n_pops):
            buffers.pop_counts[k0 + k, p] = 0
        for th in range(n_threads):
            for p in range(n_pops):
                count = work.counts[th, k, p]
                buffers.pop_counts[k0 + k, p] += count
                source = work.cursor[th]
                for j in range(count):
                    buffers.spike_neuron[n_spikes + j] = thread_spikes.spike_neuron[source + j]
                    buffers.spike_step[n_spikes + j] = thread_spikes.spike_step[source + j]
                n_spikes += count
                work.cursor[th] = source + count
        for p in range(n_pops):
            if layout.pop_model[p] != PASSIVE:
                buffers.counters[COUNT_NEURON_UPDATES] += layout.pop_start[p + 1] - layout.pop_start[p]
        n_spikes = emit_spike_trains(trains, layout, buffers, t0 + k, k0 + k, n_spikes, capacity)
    return n_spikes


__all__ = ["EXTRA_SPIKES_PER_THREAD", "run_block_threads"]
