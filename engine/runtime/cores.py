"""How many cores a threaded simulation may use now: the cores left idle by everything else.

The threaded kernel's results depend on its number of threads (partitions), never on how many
cores run them, so the Simulator keeps its partitions and changes only the number of workers
between blocks: on a machine whose other cores are busy, two partitions run on one core
instead of two threads waiting for each other on a shared one.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable

# The OpenMP layer's threads sleep at a barrier instead of spinning (a spinning wait holds a core
# another process needs); read by libgomp when Numba first starts its thread pool.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

FREE_CORE_SHARE = 0.6  # a core counts as ours when at least this share of it was idle or ours
MIN_SPAN_S = 0.02  # shorter spans are counted on into the next call (jiffies tick every 4-10 ms)
OVERLAP_SAFE_LAYERS = ("omp", "tbb")  # Numba threading layers that several threads may enter at once


def parallel_kernels_may_overlap() -> bool:
    """Whether several threads (one Runner each) may run parallel kernels at the same time.

    Numba's "omp" (GNU OpenMP: each calling thread gets its own team) and "tbb" layers allow it;
    "workqueue" aborts the process when two threads enter it at once (the test suite uses it,
    see tests/conftest.py). Before the first parallel kernel has run the layer is not chosen
    yet: False, so the first one runs alone."""
    import numba

    try:
        return numba.threading_layer() in OVERLAP_SAFE_LAYERS
    except ValueError:  # no parallel kernel has run in this process yet
        return False


def _cpu_jiffies() -> tuple[int, int] | None:
    """(idle, total) jiffies of all cores since boot, from /proc/stat; None where unavailable."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return idle, sum(fields[:8])


class CoreMeter:
    """Counts the cores free for us over the span since the last call of `workers`.

    The readings (wall clock, this process's CPU time, /proc/stat's jiffies, the machine's
    core count) come through the constructor, so a test can feed it a machine of its own."""

    def __init__(self, limit: int, wall_clock: Callable[[], float] = time.perf_counter,
                 cpu_clock: Callable[[], float] = time.process_time,
                 jiffies: Callable[[], tuple[int, int] | None] = _cpu_jiffies, n_cores: int | None = None):
        self._wall_clock, self._cpu_clock, self._jiffies = wall_clock, cpu_clock, jiffies
        self.n_cores = n_cores or os.cpu_count() or 1
        usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else self.n_cores
        self.limit = max(1, min(limit, self.n_cores if n_cores else usable))
        self._last = self._sample()
        self.current = 1  # start on one core until a span has shown the others idle

    def _sample(self) -> tuple[float, float, tuple[int, int] | None]:
        return self._wall_clock(), self._cpu_clock(), self._jiffies()

    def workers(self) -> int:
        """Workers for the next block: the cores that were idle or running us since the last call."""
        now = self._sample()
        (wall0, cpu0, jiffies0), (wall1, cpu1, jiffies1) = self._last, now
        if self.limit == 1 or jiffies0 is None or jiffies1 is None:
            self._last = now
            return self.current if jiffies0 is not None else self.limit
        if wall1 - wall0 < MIN_SPAN_S:
            return self.current  # the span goes on growing: blocks are often shorter than this
        self._last = now
        total = jiffies1[1] - jiffies0[1]
        if total <= 0:
            return self.current
        idle_cores = self.n_cores * (jiffies1[0] - jiffies0[0]) / total
        own_cores = (cpu1 - cpu0) / (wall1 - wall0)
        free = idle_cores + own_cores
        self.current = max(1, min(self.limit, int(free + 1.0 - FREE_CORE_SHARE)))
        return self.current
