"""Counter-free, explicitly passed random streams for kernels (xoshiro256**).

Each stream is a uint64[4] row owned by one object (e.g. one Poisson projection),
so results do not depend on threads, block sizes or other objects' draws.
"""
import math

import numpy as np

from engine.kernels.options import kernel

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


@kernel
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@kernel
def _xoshiro_step(s0, s1, s2, s3):
    """xoshiro256**: (64-bit output, next state)."""
    result = _rotl(s1 * np.uint64(5), 7) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, s0, s1, s2, s3


@kernel
def next_uint64(state, row):
    result, s0, s1, s2, s3 = _xoshiro_step(state[row, 0], state[row, 1], state[row, 2], state[row, 3])
    state[row, 0], state[row, 1], state[row, 2], state[row, 3] = s0, s1, s2, s3
    return result


@kernel
def xoshiro_next(s0, s1, s2, s3):
    """One step on a state held in locals (registers): (u in [0,1) from the top 53 bits, new state)."""
    result, s0, s1, s2, s3 = _xoshiro_step(s0, s1, s2, s3)
    return float(result >> np.uint64(11)) * (1.0 / 9007199254740992.0), s0, s1, s2, s3


@kernel
def uniform(state, row):
    """A double in [0, 1) from the top 53 bits."""
    return float(next_uint64(state, row) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@kernel
def poisson(state, row, lam, exp_minus_lam):
    """One Poisson(lam) draw. Inversion for small lam (one uniform per draw),
    PTRS transformed rejection (Hörmann 1993) for lam >= 10."""
    if lam <= 0.0:
        return 0
    if lam < 10.0:
        u = uniform(state, row)
        k = 0
        p = exp_minus_lam
        cdf = p
        while u > cdf:
            k += 1
            p *= lam / k
            cdf += p
            if k > 1000:  # round-off guard: the tail beyond 1000 is below double precision
                break
        return k
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = uniform(state, row) - 0.5
        v = uniform(state, row)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return int(k)
        if k < 0 or (us < 0.013 and v > us):
            continue
        if (math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b)) <= (-lam + k * loglam - math.lgamma(k + 1)):
            return int(k)


def seed_streams(seeds) -> np.ndarray:
    """uint64[n, 4] xoshiro states from 64-bit integer seeds, expanded with splitmix64."""
    seeds = np.asarray(seeds, dtype=np.uint64).reshape(-1)
    state = np.empty((seeds.size, 4), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i, seed in enumerate(seeds):
            x = np.uint64(seed)
            for j in range(4):
                x = x + np.uint64(0x9E3779B97F4A7C15)
                z = x
                z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
                z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
                state[i, j] = z ^ (z >> np.uint64(31))
    return state
