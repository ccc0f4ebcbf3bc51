"""Fuzz, systematically: every scalar parameter of every model and synapse (the zoo design has each once)
set to each edge number, through the file loader, the build and a short run.

Random mutations rarely keep a file valid but for one extreme value; this sweep does, so every
propagator, integrator and schedule meets 0, 5e-324, 1e-9, 1e9, 1e308 and 10**400. The contract is
the JSON loader's (test_native_fuzz.py): opens and simulates, or a ValidationError / CapacityError /
SimulationFault naming the population.
"""
from __future__ import annotations

import json

import pytest

from fuzz_harness import ENGINE_REFUSALS, tally
from fuzz_mutations import EDGE_NUMBERS
from fuzz_seeds import zoo_network
from test_native_fuzz import open_and_simulate

from engine.io import network_to_json

FEW_NUMBERS = [0, -1, 5e-324, 1e-9, 1e9, 1e308, -1e308, 10**400]
ZOO = json.loads(network_to_json(zoo_network()))
FIXED = (
    "a time constant of 1e-9 ms or a capacitance of 1e308 pF: OverflowError / non-finite propagators in the build; "
    "now refused naming the population (engine.compile.neuron_params)",
    "iaf_cond_alpha with E_L = 1e30 mV, aeif_cond_exp with C_m = 1e-9 pF: the adaptive integrator's step size "
    "collapsed and the run never ended; now a SimulationFault (engine.kernels.ode_neurons MIN_STEP_MS, MAX_SUBSTEPS)",
)


def scalar_fields(doc: dict) -> list[tuple[str, list]]:
    """(label, path) of every scalar parameter of a population or projection in the document."""
    fields = []
    for i, pop in enumerate(doc["network"]["populations"]):
        fields += [(f"{pop['model']}.{key}", ["populations", i, "params", key]) for key, value in pop["params"].items()
                   if value is None or isinstance(value, (int, float))]
        fields.append((f"{pop['model']}.size", ["populations", i, "size"]))
    for i, proj in enumerate(doc["network"]["projections"]):
        fields += [(f"{proj['synapse']} {proj['name']}.{key}", ["projections", i, "synapse_params", key])
                   for key, value in proj["synapse_params"].items() if value is None or isinstance(value, (int, float))]
        fields += [(f"{proj['name']}.{key}", ["projections", i, key]) for key in ("weight", "delay")
                   if isinstance(proj[key], (int, float))]
    return fields + [("network.dt", ["dt"]), ("network.t_sim", ["t_sim"]), ("network.seed", ["seed"])]


def with_value(path: list, value) -> bytes:
    doc = json.loads(json.dumps(ZOO))
    place = doc["network"]
    for key in path[:-1]:
        place = place[key]
    place[path[-1]] = value
    return json.dumps(doc).encode()


def sweep(numbers) -> None:
    counts = tally("every parameter x edge numbers (JSON design, build, run)", ENGINE_REFUSALS, FIXED)
    known = len(counts.crashes)
    for label, path in scalar_fields(ZOO):
        for value in numbers:
            data = with_value(path, value)
            counts.run(f"{label} = {value!r:.30}", lambda: open_and_simulate(data))
    assert len(counts.crashes) == known, counts.report(since=known)


def test_every_parameter_at_the_worst_numbers_opens_or_is_refused_naming_it():
    assert len(scalar_fields(ZOO)) * len(FEW_NUMBERS) >= 1000
    sweep(FEW_NUMBERS)


@pytest.mark.slow
def test_every_parameter_at_every_edge_number_opens_or_is_refused_naming_it():
    sweep([n for n in EDGE_NUMBERS if n not in FEW_NUMBERS])
