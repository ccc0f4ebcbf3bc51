"""Fuzz: the JSON design loader (engine/io/native.py) and the designer's Open file (DesignState.load_json).

Per case: the mutated file is opened in a DesignState holding a design. Either it opens (and then it
must save again, be checked for problems, pass `validate`'s capacity check, build and simulate a few
steps: a file that opens must not fail later with an internal error), or it is refused with a
ValidationError (CapacityError / SimulationFault for what only the build finds), and then the
design in the app is exactly what it was, with nothing to undo.
"""
from __future__ import annotations

import json
import random

import pytest

from engine import Simulator, ValidationError, find_problems
from engine.compile.compiler import check_capacity, estimate_memory
from engine.io import network_from_json, network_to_json

from designer.state import DesignState

from fuzz_harness import ENGINE_REFUSALS, tally
from fuzz_mutations import mutate
from fuzz_seeds import network_documents, zoo_network

CASES_PER_SEED = 400  # x 3 seed documents
MAX_BUILD_BYTES = 256 * 2**20  # a fuzzed size must not take the machine's memory: refused above this
RUN_MS = 2.0
FIXED = (
    "device 'stop' 1e308 (and every time: start, spike times, schedules, t_sim, delays) passed validation, then "
    "the build failed with OverflowError: times are now bounded (engine.units.MAX_TIME_MS)",
    "population 'size' 1e308 made `validate` fail with OverflowError: sizes are now bounded (MAX_POPULATION_SIZE)",
)
DOCUMENTS = network_documents()


def open_and_simulate(data: bytes) -> None:
    network = network_from_json(data, source="fuzz.json")
    again = network_to_json(network)  # Save to file / the browser's copy must work for anything opened
    assert network_from_json(again.encode("utf-8"), source="saved") == network
    find_problems(network)
    estimate_memory(network, network.dt)
    check_capacity(network, network.dt, MAX_BUILD_BYTES)
    sim = Simulator(network, max_memory_bytes=MAX_BUILD_BYTES)
    sim.run(min(RUN_MS, network.t_sim))


def assert_open_file_keeps_the_design(data: bytes) -> None:
    state = DesignState(zoo_network())
    before = state.network
    if state.load_json(data, source="fuzz.json"):
        assert state.network == network_from_json(data)
        return
    assert state.network is before, "a refused file changed the design"
    assert not state.can_undo and state.error.startswith("could not open fuzz.json: ")


@pytest.mark.parametrize("seed_name", sorted(DOCUMENTS))
def test_every_mutated_design_opens_cleanly_or_is_refused_with_a_message(seed_name):
    counts = tally("JSON design (engine/io/native.py + DesignState.load_json)", ENGINE_REFUSALS, FIXED)
    rng, known = random.Random(f"native-{seed_name}"), len(counts.crashes)
    for case in range(CASES_PER_SEED):
        kind, data = mutate(DOCUMENTS[seed_name], rng)
        counts.run(f"{seed_name} #{case} ({kind})", lambda: (assert_open_file_keeps_the_design(data),
                                                            open_and_simulate(data)))
    assert len(counts.crashes) == known, counts.report(since=known)


@pytest.mark.parametrize("field, value", [
    ("stop", 1e308), ("start", 1e308), ("stop", 1.7976931348623157e308), ("stop", 1e30),
])
def test_a_device_time_of_1e308_is_refused_when_opened_naming_the_field(field, value):
    doc = json.loads(json.dumps(DOCUMENTS["one_neuron"]))
    doc["network"]["populations"][1]["params"][field] = value
    with pytest.raises(ValidationError, match=f"population 'current': parameter '{field}' must be <= "):
        network_from_json(json.dumps(doc))


def test_a_population_size_of_1e308_is_refused_naming_the_population():
    doc = json.loads(json.dumps(DOCUMENTS["one_neuron"]))
    doc["network"]["populations"][0]["size"] = 1e308
    with pytest.raises(ValidationError, match="population 'neuron': size must be a whole number from 1 to "):
        network_from_json(json.dumps(doc))
