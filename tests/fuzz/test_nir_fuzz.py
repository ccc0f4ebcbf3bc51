"""Fuzz: the NIR importer (engine/io/nir_import.py), as the designer's Open file uses it on a .nir upload.

Per case: a graph that SNN Designer exported, with one node parameter made hostile (NaN, inf, 1e308,
another shape, a text) and written again with nir, or the file's bytes cut or flipped. Either it
imports (a valid Network that saves again) or it is refused with a ValidationError.
"""
from __future__ import annotations

import random

import numpy as np

from engine.io import network_to_json
from engine.io.export import import_nir, write_nir
from engine.io.nir_import import require_nir

from engine import Connectivity, Network, Population, Projection

from fuzz_harness import tally
from fuzz_mutations import damage_bytes

CASES = 1000
HOSTILE = [np.nan, np.inf, -np.inf, 1e308, -1e308, 0.0, -1.0, 5e-324, 1e15]


def exportable_network() -> Network:
    """What NIR can hold: an input, LIF layers, a dense and a sparse projection."""
    pops = (Population("input", "spike_generator", 4, params={"spike_times": [[1.0, 2.0]]}),
            Population("hidden", "iaf_psc_exp", 6), Population("out", "iaf_psc_delta", 3))
    projs = (Projection("input", "hidden", weight=300.0, delay=1.0),
             Projection("hidden", "out", Connectivity("pairwise_bernoulli", p=0.5), weight=2.0, delay=1.0))
    return Network(name="nir", populations=pops, projections=projs)


def hostile_graph(graph, rng: random.Random):
    """One array field of one node replaced (values, shape or type); the stored design is dropped half
    the time, so the importer reads the graph itself."""
    nodes = [node for node in graph.nodes.values() if any(isinstance(v, np.ndarray) for v in vars(node).values())]
    node = rng.choice(nodes)
    field = rng.choice([k for k, v in vars(node).items() if isinstance(v, np.ndarray)])
    array = np.array(getattr(node, field), dtype=float)
    pick = rng.random()
    if pick < 0.5 and array.size:
        array.flat[rng.randrange(array.size)] = rng.choice(HOSTILE)
    elif pick < 0.7:
        array = np.zeros(rng.choice([(0,), (3,), (2, 2), (1, 1, 1), (500, 500)]))
    else:
        array = np.full(array.shape, rng.choice(HOSTILE))
    setattr(node, field, array)
    if rng.random() < 0.5:
        graph.metadata = {}
    return graph


def test_every_mutated_nir_graph_imports_cleanly_or_is_refused(tmp_path):
    nir = require_nir()
    source = tmp_path / "source.nir"
    write_nir(exportable_network(), source)
    original = source.read_bytes()
    counts, rng = tally("NIR graph (engine/io/nir_import.py)"), random.Random("nir")
    for case in range(CASES):
        path = tmp_path / f"case{case}.nir"
        if rng.random() < 0.4:
            path.write_bytes(damage_bytes(original, rng)[1])
        else:
            nir.write(path, hostile_graph(nir.read(source), rng))

        def attempt():
            network_to_json(import_nir(path)).encode("utf-8")

        counts.run(f"nir #{case}", attempt)
        path.unlink()
    assert not counts.crashes, counts.report()
