"""The fuzz contract, counted: each case is a clean load, a clean refusal (the loader's documented
error, with a message), or a crash (any other exception, an empty message, or over its time bound).

`Tally.run(case_id, attempt)` runs one case under a time bound (SIGALRM interrupts a Python-level
hang after HANG_BOUND_S; a case that used more than CASE_BOUND_S of CPU counts as a crash too:
CPU time, so a busy shared machine does not fail it) and files the outcome; the
counts of every loader are printed at the end of the run (tests/fuzz/conftest.py).
"""
from __future__ import annotations

import signal
import time
import traceback
from dataclasses import dataclass, field

from engine import EngineError, ValidationError

CASE_BOUND_S = 5.0  # CPU seconds; far above what any case takes (milliseconds): a runaway build or loop
HANG_BOUND_S = 30.0  # wall-clock seconds before a case is interrupted (the machine may be shared and busy)
TALLIES: dict[str, "Tally"] = {}


class CaseTimeout(BaseException):
    """Raised in the main thread when one case runs past its bound (a BaseException: no loader may catch it)."""


@dataclass
class Tally:
    loader: str
    refusals: tuple[type[BaseException], ...] = (ValidationError,)
    cases: int = 0
    clean: int = 0
    refused: int = 0
    crashes: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)  # crashes found by this fuzzer and fixed at their source
    slowest_s: float = 0.0

    def run(self, case_id: str, attempt, bound_s: float = CASE_BOUND_S) -> str:
        """Run `attempt()` (it raises to refuse); returns "clean", "refused" or "crash"."""
        self.cases += 1
        started = time.process_time()
        previous = signal.signal(signal.SIGALRM, _raise_timeout)
        signal.setitimer(signal.ITIMER_REAL, HANG_BOUND_S)
        try:
            attempt()
            outcome = "clean"
        except self.refusals as error:
            outcome = "refused" if str(error).strip() else self._crash(case_id, "refused with an empty message")
        except CaseTimeout:
            outcome = self._crash(case_id, f"still running after {HANG_BOUND_S:g} s")
        except Exception as error:  # noqa: BLE001 -- the fuzzer's job: any other exception is a crash to report
            outcome = self._crash(case_id, "".join(traceback.format_exception_only(error)).strip()
                                  + "\n" + "".join(traceback.format_tb(error.__traceback__)[-3:]))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        elapsed = time.process_time() - started
        self.slowest_s = max(self.slowest_s, elapsed)
        if outcome != "crash" and elapsed > bound_s:
            outcome = self._crash(case_id, f"took {elapsed:.1f} CPU s (bound {bound_s:g} s)")
        if outcome == "clean":
            self.clean += 1
        elif outcome == "refused":
            self.refused += 1
        return outcome

    def _crash(self, case_id: str, what: str) -> str:
        self.crashes.append(f"{case_id}: {what}")
        return "crash"

    def report(self, since: int = 0) -> str:
        """What a failing test shows: the crashes after the first `since` (the first 20 in full)."""
        crashes = self.crashes[since:]
        return f"{self.loader}: {len(crashes)} cases crashed\n\n" + "\n\n".join(crashes[:20])


def _raise_timeout(_signum, _frame):
    raise CaseTimeout()


def tally(loader: str, refusals: tuple[type[BaseException], ...] = (ValidationError,), fixed=()) -> Tally:
    """The session's Tally for `loader` (made on first use); `fixed`: crashes this fuzzer found and were fixed."""
    if loader not in TALLIES:
        TALLIES[loader] = Tally(loader, refusals, fixed=list(fixed))
    return TALLIES[loader]


ENGINE_REFUSALS = (EngineError,)  # ValidationError, CapacityError, SimulationFault: each names what is wrong
