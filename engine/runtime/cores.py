"""How many cores a threaded simulation may use now: the cores left idle by everything else.

The threaded kernel's results depend on its number of threads (partitions), never on how many
cores run them, so the Simulator keeps its partitions and changes only the number of workers
between blocks: on a machine whose other cores are busy, two partitions run on one core
instead of two threads waiting for each other on a shared one.
"""
from __future__ import annotations

import os
import time

# The OpenMP layer's threads sleep at a barrier instead of spinning (a spinning wait holds a core
# another process needs); read by libgomp when Numba first starts its thread pool.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

FREE_CORE_SHARE = 0.6  # a core counts as ours when at least this share of it was idle or ours


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
    """Counts the cores free for us over the span since the last call of `workers`."""

    def __init__(self, limit: int):
        self.limit = max(1, min(limit, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                else os.cpu_count() or 1))
        self._last = self._sample()
        self.current = 1  # start on one core until a span has shown the others idle

    def _sample(self) -> tuple[float, float, tuple[int, int] | None]:
        return time.perf_counter(), time.process_time(), _cpu_jiffies()

    def workers(self) -> int:
        """Workers for the next block: the cores that were idle or running us since the last call."""
        now = self._sample()
        (wall0, cpu0, jiffies0), (wall1, cpu1, jiffies1) = self._last, now
        self._last = now
        if self.limit == 1 or jiffies0 is None or jiffies1 is None or wall1 - wall0 < 0.02:
            return self.current if jiffies0 is not None else self.limit
        total = jiffies1[1] - jiffies0[1]
        if total <= 0:
            return self.current
        n_cores = os.cpu_count() or 1
        idle_cores = n_cores * (jiffies1[0] - jiffies0[0]) / total
        own_cores = (cpu1 - cpu0) / (wall1 - wall0)
        free = idle_cores + own_cores
        self.current = max(1, min(self.limit, int(free + 1.0 - FREE_CORE_SHARE)))
        return self.current
