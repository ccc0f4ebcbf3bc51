"""Stimulus devices inside the step: Poisson trains (constant or scheduled rate) and
currents (dc, step, ac, noise), written into the ring buffers for t + delay.

Timing follows NEST: spike devices emit in step t and arrive after the delay;
current devices are active for start - 1 <= t < stop - 1 (they send one step
early, so with delay d the current reaches V from start + d on).
"""
import math

from engine.kernels.options import kernel
from engine.kernels.rng import poisson, xoshiro_next

CURRENT_DC = 0
CURRENT_STEP = 1
CURRENT_AC = 2
CURRENT_NOISE = 3

POISSON_TABLE_MAX_LAM = 40.0  # below: inversion with lookup tables; above: PTRS rejection
POISSON_TABLE_SIZE = 128
POISSON_GUIDE_SIZE = 64


@kernel
def _advance_rate_schedule(poisson_in, src, t):
    """Switch a source to the rate in force at step t (inhomogeneous_poisson_generator)."""
    cursor = poisson_in.cursor[src]
    end = poisson_in.sched_end[src]
    changed = False
    while cursor + 1 < end and poisson_in.sched_step[cursor + 1] <= t:
        cursor += 1
        changed = True
    if changed:
        poisson_in.cursor[src] = cursor
        poisson_in.lam[src] = poisson_in.sched_lam[cursor]
        poisson_in.exp_minus_lam[src] = math.exp(-poisson_in.sched_lam[cursor])
        poisson_in.cdf[src, :] = poisson_in.sched_cdf[cursor, :]
        poisson_in.guide[src, :] = poisson_in.sched_guide[cursor, :]


@kernel
def advance_rate_schedules(poisson_in, t):
    """Sources with a rate schedule switch rates at step boundaries (before any thread draws)."""
    for src in range(poisson_in.lam.shape[0]):
        if poisson_in.sched_end[src] - poisson_in.sched_begin[src] > 1:
            _advance_rate_schedule(poisson_in, src, t)


@kernel
def drive_poisson(poisson_in, ring, t, first, last, rng_row0):
    """One independent Poisson count per (source, target) pair and step, as NEST's poisson_generator,
    for connections [first, last) (one thread's share); returns the number of events.

    Connections of one source are contiguous; its RNG state lives in registers across them.
    """
    ring_len = ring.shape[0]
    slot = t % ring_len
    rng = poisson_in.rng
    events = 0
    s = first
    while s < last:
        src = poisson_in.source[s]
        row_rng = rng_row0 + src
        end = s
        while end < last and poisson_in.source[end] == src:
            end += 1
        lam = poisson_in.lam[src]
        if t < poisson_in.start_step[src] or t >= poisson_in.stop_step[src] or lam <= 0.0:
            s = end
            continue
        if lam >= POISSON_TABLE_MAX_LAM:
            for q in range(s, end):
                count = poisson(rng, row_rng, lam, poisson_in.exp_minus_lam[src])
                if count > 0:
                    row = slot + poisson_in.delay[q]
                    if row >= ring_len:
                        row -= ring_len
                    ring[row, poisson_in.target[q]] += count * poisson_in.weight[q]
                    events += count
        else:
            # inversion with a guide table: ~1 comparison per draw instead of a branchy CDF walk
            cdf = poisson_in.cdf[src]
            guide = poisson_in.guide[src]
            n_guide = guide.shape[0]
            p_zero = cdf[0]
            s0, s1, s2, s3 = rng[row_rng, 0], rng[row_rng, 1], rng[row_rng, 2], rng[row_rng, 3]
            for q in range(s, end):
                u, s0, s1, s2, s3 = xoshiro_next(s0, s1, s2, s3)
                if u <= p_zero:
                    continue
                count = guide[int(u * n_guide)]
                while cdf[count] < u:
                    count += 1
                row = slot + poisson_in.delay[q]
                if row >= ring_len:
                    row -= ring_len
                ring[row, poisson_in.target[q]] += count * poisson_in.weight[q]
                events += count
            rng[row_rng, 0], rng[row_rng, 1], rng[row_rng, 2], rng[row_rng, 3] = s0, s1, s2, s3
        s = end
    return events


@kernel
def _normal(rng, src):
    """A standard normal draw (Box-Muller) from the source's xoshiro stream."""
    s0, s1, s2, s3 = rng[src, 0], rng[src, 1], rng[src, 2], rng[src, 3]
    u1, s0, s1, s2, s3 = xoshiro_next(s0, s1, s2, s3)
    u2, s0, s1, s2, s3 = xoshiro_next(s0, s1, s2, s3)
    rng[src, 0], rng[src, 1], rng[src, 2], rng[src, 3] = s0, s1, s2, s3
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)


@kernel
def drive_currents(current_in, current_ring, t):
    ring_len = current_ring.shape[0]
    slot = t % ring_len
    n_sources = current_in.kind.shape[0]
    for src in range(n_sources):
        active = current_in.start_step[src] - 1 <= t < current_in.stop_step[src] - 1
        current_in.active[src] = active
        kind = current_in.kind[src]
        if kind == CURRENT_DC:
            current_in.value_now[src] = current_in.amplitude[src]
        elif kind == CURRENT_STEP:
            # NEST switches the amplitude one step ahead of its time stamp
            cursor = current_in.cursor[src]
            while cursor < current_in.sched_end[src] and current_in.sched_step[cursor] <= t + 1:
                current_in.value_now[src] = current_in.sched_value[cursor]
                cursor += 1
            current_in.cursor[src] = cursor
        elif kind == CURRENT_AC:
            current_in.value_now[src] = current_in.offset[src] + current_in.amplitude[src] * math.sin(
                current_in.omega_dt[src] * (t + 1) + current_in.phase[src])
        else:
            current_in.redraw[src] = active and t >= current_in.noise_next[src]
            if current_in.redraw[src]:
                current_in.noise_next[src] = t + current_in.noise_steps[src]
    for s in range(current_in.target.shape[0]):
        src = current_in.source[s]
        if not current_in.active[src]:
            continue
        if current_in.kind[src] == CURRENT_NOISE:
            if current_in.redraw[src]:
                current_in.noise_value[s] = current_in.mean[src] + current_in.std[src] * _normal(current_in.rng, src)
            value = current_in.noise_value[s]
        else:
            value = current_in.value_now[src]
        row = slot + current_in.delay[s]
        if row >= ring_len:
            row -= ring_len
        current_ring[row, current_in.target[s]] += current_in.weight[s] * value
