"""What autosave costs the session's event loop: one save per edit, and the restore on page load.

    python benchmarks/bench_store.py [--edits 60] [--database-url postgresql://...]

Each edit changes a population's size (a structural edit: saved at once), so the undo history
grows by one step per edit up to the 50 steps kept (designer/autosave.py). Prints min and
median milliseconds per save (JSON of the new network + one transaction) and per restore.
Without --database-url it measures SQLite in a temporary folder.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from designer.autosave import Autosave
from designer.state import DesignState
from designer.store import new_browser_id, open_store
from engine.io import load_network

EXAMPLES = Path(__file__).resolve().parent.parent / "assets" / "examples"


def measure(store, example: str, edits: int) -> tuple[list[float], list[float]]:
    browser = new_browser_id()
    state = DesignState(load_network(EXAMPLES / f"{example}.json"))
    autosave = Autosave(state, store, browser, "workspace")
    first = state.network.populations[0]
    saves = []
    for i in range(edits):
        state.set_population_field(first.name, "size", first.size + i + 1)
        started = time.perf_counter()
        assert autosave.save(), autosave.status
        saves.append((time.perf_counter() - started) * 1e3)
    restores = []
    for _ in range(5):
        started = time.perf_counter()
        Autosave(DesignState(), store, browser, "workspace").restore()
        restores.append((time.perf_counter() - started) * 1e3)
    return saves, restores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=60)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(args.database_url, data_dir=folder)
        print(f"{store.description}: {args.edits} edits, each saved")
        print(f"{'example':<12} {'save min':>9} {'save median':>12} {'restore min':>12} {'restore median':>15}  (ms)")
        for example in ("ei_network", "brunel"):
            saves, restores = measure(store, example, args.edits)
            print(f"{example:<12} {min(saves):9.2f} {statistics.median(saves):12.2f} "
                  f"{min(restores):12.1f} {statistics.median(restores):15.1f}")
        store.close()


if __name__ == "__main__":
    main()
