"""The fuzzers' counts per loader (cases, clean loads, clean refusals, crashes), printed after the run."""
from fuzz_harness import TALLIES


def pytest_terminal_summary(terminalreporter):
    if not TALLIES:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fuzz counts")
    write(f"{'loader':<66} {'cases':>6} {'clean':>6} {'refused':>7} {'crashes':>7} {'fixed':>5} {'slowest CPU':>11}")
    for t in TALLIES.values():
        write(f"{t.loader:<66} {t.cases:>6} {t.clean:>6} {t.refused:>7} {len(t.crashes):>7} {len(t.fixed):>5} "
              f"{t.slowest_s:>10.2f}s")
