"""Connection rules: (pre, post) index pairs for one projection, and drawn values.

Each projection draws from its own generator (seeded from the network seed and
its name), so editing one projection never reshuffles another's synapses.
"""
from __future__ import annotations

import zlib

import numpy as np

from engine.errors import ValidationError
from engine.model.network import Connectivity, Distribution

MAX_REDRAWS = 1000  # as NEST's redraw parameter


def object_rng(seed: int, name: str, purpose: int) -> np.random.Generator:
    """The random stream of one object (purpose: 0 connect, 1 weight, 2 delay, 3 state, 4 kernel seed)."""
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8")), purpose])


def expected_synapses(rule: Connectivity, n_pre: int, n_post: int) -> float:
    return {
        "all_to_all": float(n_pre) * n_post,
        "one_to_one": float(n_post),
        "pairwise_bernoulli": (rule.p or 0.0) * n_pre * n_post,
        "fixed_indegree": float(rule.indegree or 0) * n_post,
        "fixed_outdegree": float(rule.outdegree or 0) * n_pre,
        "fixed_total_number": float(rule.N or 0),
        "explicit": float(len(rule.pre_indices or ())),
    }[rule.rule]


def connect(rule: Connectivity, n_pre: int, n_post: int, same_population: bool,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Local (pre, post) indices, int32 arrays of equal length (int32 halves the build's peak memory)."""
    pre, post = _connect(rule, n_pre, n_post, same_population, rng)
    return pre.astype(np.int32, copy=False), post.astype(np.int32, copy=False)


def _connect(rule: Connectivity, n_pre: int, n_post: int, same_population: bool,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    no_autapses = same_population and not rule.allow_autapses
    if rule.rule == "explicit":  # listed synapses are taken as they are
        return np.asarray(rule.pre_indices, np.int64), np.asarray(rule.post_indices, np.int64)
    if rule.rule == "all_to_all":
        pre = np.repeat(np.arange(n_pre, dtype=np.int32), n_post)
        post = np.tile(np.arange(n_post, dtype=np.int32), n_pre)
    elif rule.rule == "one_to_one":
        pre = np.arange(n_post, dtype=np.int64)
        post = pre.copy()
    elif rule.rule == "pairwise_bernoulli":
        pre, post = _bernoulli(rule.p, n_pre, n_post, rng)
    elif rule.rule == "fixed_indegree":
        post, pre = _fixed_degree(rule.indegree, n_post, n_pre, no_autapses, rule.allow_multapses, rng)
        return pre, post
    elif rule.rule == "fixed_outdegree":
        pre, post = _fixed_degree(rule.outdegree, n_pre, n_post, no_autapses, rule.allow_multapses, rng)
        return pre, post
    else:
        pre, post = _fixed_total(rule.N, n_pre, n_post, no_autapses, rule.allow_multapses, rng)
        return pre, post
    if no_autapses:
        keep = pre != post
        pre, post = pre[keep], post[keep]
    return pre, post


def _bernoulli(p: float, n_pre: int, n_post: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Every pair independently with probability p, by geometric gaps between successes."""
    total = n_pre * n_post
    if p <= 0.0 or total == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if p >= 1.0:
        flat = np.arange(total, dtype=np.int64)
    else:
        chunks = []
        position = -1
        expected = int(total * p + 6 * np.sqrt(total * p * (1 - p)) + 16)
        while True:
            gaps = rng.geometric(p, size=expected)
            steps = position + np.cumsum(gaps)
            inside = steps[steps < total]
            chunks.append(inside)
            if inside.size < steps.size:
                break
            position = int(steps[-1])
        flat = np.concatenate(chunks)
    return flat // n_post, flat % n_post


def _fixed_degree(degree: int, n_owner: int, n_other: int, no_autapses: bool, multapses: bool,
                  rng) -> tuple[np.ndarray, np.ndarray]:
    """Each 'owner' neuron gets `degree` partners among `n_other` (indegree: owner = post)."""
    owner = np.repeat(np.arange(n_owner, dtype=np.int32), degree)
    if degree == 0 or n_owner == 0:
        return owner, np.empty(0, np.int32)
    choices = n_other - (1 if no_autapses else 0)
    if multapses:
        other = rng.integers(0, choices, size=(n_owner, degree), dtype=np.int32)
    else:
        other = np.empty((n_owner, degree), dtype=np.int32)
        for i in range(n_owner):
            other[i] = rng.choice(choices, size=degree, replace=False)
    if no_autapses:
        # draw from n-1 candidates and skip over the owner itself: uniform, never equal
        other += other >= np.arange(n_owner, dtype=np.int32)[:, None]
    return owner, other.reshape(-1)


def _fixed_total(n_syn: int, n_pre: int, n_post: int, no_autapses: bool, multapses: bool,
                 rng) -> tuple[np.ndarray, np.ndarray]:
    if multapses:
        pre = rng.integers(0, n_pre, size=n_syn, dtype=np.int64)
        post = rng.integers(0, n_post, size=n_syn, dtype=np.int64)
        if no_autapses:
            bad = pre == post
            while bad.any():
                pre[bad] = rng.integers(0, n_pre, size=int(bad.sum()))
                post[bad] = rng.integers(0, n_post, size=int(bad.sum()))
                bad = pre == post
        return pre, post
    pairs = n_pre * n_post
    if no_autapses:
        # sample among off-diagonal pairs only: index i*(n-1) + j', j' skipping i
        flat = rng.choice(pairs - n_pre, size=n_syn, replace=False)
        pre = flat // (n_post - 1)
        post = flat % (n_post - 1)
        post += post >= pre
        return pre, post
    flat = rng.choice(pairs, size=n_syn, replace=False)
    return flat // n_post, flat % n_post


def draw(value, n: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
    """n values of a constant, a per-synapse tuple or a Distribution (scaled, then kept inside
    its bounds by redrawing or clamping, as the Distribution says)."""
    if isinstance(value, tuple):
        return np.asarray(value, dtype)
    if not isinstance(value, Distribution):
        return np.full(n, float(value), dtype)
    out = _draw_law(value, n, rng)
    low = -np.inf if value.clip_low is None else value.clip_low
    high = np.inf if value.clip_high is None else value.clip_high
    if value.clip == "clamp":
        np.clip(out, low, high, out=out)
    elif value.clip_low is not None or value.clip_high is not None:
        _redraw_outside(value, out, low, high, rng)
    return out.astype(dtype, copy=False)


def _draw_law(value: Distribution, n: int, rng: np.random.Generator) -> np.ndarray:
    p = value.params
    if value.kind == "normal":
        out = rng.normal(p["mean"], p["std"], size=n)
    elif value.kind == "uniform":
        out = rng.uniform(p["low"], p["high"], size=n)
    else:
        out = rng.lognormal(p["mean"], p["sigma"], size=n)
    if value.scale != 1.0:
        out *= value.scale
    return out


def _redraw_outside(value: Distribution, out: np.ndarray, low: float, high: float, rng: np.random.Generator) -> None:
    """Draw the values outside [low, high] again until all are inside (NEST's nest.math.redraw,
    which gives up after 1000 draws of one value, as here)."""
    outside = np.flatnonzero((out < low) | (out > high))
    for _ in range(MAX_REDRAWS):
        if outside.size == 0:
            return
        fresh = _draw_law(value, outside.size, rng)
        out[outside] = fresh
        outside = outside[(fresh < low) | (fresh > high)]
    if outside.size:
        raise ValidationError(f"distribution '{value.kind}': {outside.size} values still outside the bounds "
                              f"[{low:g}, {high:g}] after {MAX_REDRAWS} draws; widen the bounds or clip with 'clamp'")
