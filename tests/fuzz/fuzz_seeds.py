"""The documents the fuzzers start from: small, but with every model, rule, synapse and value kind in them,
so that each mutation reaches a different check."""
from __future__ import annotations

import json
from pathlib import Path

from engine import MODELS, Connectivity, Distribution, Network, Population, Projection, Recording
from engine.io import network_to_json

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "assets" / "examples"
LESSONS = ROOT / "assets" / "lessons"
DEVICE_PARAMS = {
    "spike_generator": {"spike_times": [[1.0, 2.5, 4.0], [0.5], []]},
    "step_current_generator": {"amplitude_times": [1.0, 3.0], "amplitude_values": [200.0, -50.0]},
    "inhomogeneous_poisson_generator": {"rate_times": [1.0, 2.0], "rate_values": [500.0, 0.0]},
    "data_source": {"dataset": "patterns", "n_samples": 2, "presentation": 2.0, "rest": 1.0},
    "poisson_generator": {"rate": 800.0, "stop": 4.0},
    "dc_generator": {"amplitude": 300.0, "start": 0.5},
}
DEVICE_SIZES = {"spike_generator": 3, "data_source": 32}


def zoo_network() -> Network:
    """Every model once (3 neurons each), every device driving a neuron, every rule, synapse model
    and value kind (constant, drawn, listed per neuron and per synapse) once."""
    neurons = [m for m in MODELS.values() if m.category == "neuron"]
    devices = [m for m in MODELS.values() if m.category == "device"]
    pops = [Population(m.name, m.name, 3, record=Recording(spikes=True, traces=(0,) if m.recordables else ()),
                       position=(100.0 * i, 0.0)) for i, m in enumerate(neurons)]
    pops[0] = Population(pops[0].name, pops[0].model, 3, params={"V_th": [-55.0, -54.0, -53.0]},
                         initial={"V_m": Distribution("uniform", {"low": -70.0, "high": -60.0})})
    pops += [Population(m.name, m.name, DEVICE_SIZES.get(m.name, 1), params=DEVICE_PARAMS.get(m.name, {}),
                        position=(100.0 * i, 200.0)) for i, m in enumerate(devices)]
    target = "iaf_psc_exp"
    projs = [Projection(m.name, target, Connectivity("all_to_all"), weight=50.0, delay=1.0) for m in devices]
    projs += [
        Projection("iaf_psc_exp", "iaf_psc_alpha", Connectivity("pairwise_bernoulli", p=0.5), weight=20.0, delay=1.5),
        Projection("iaf_psc_alpha", "iaf_cond_exp", Connectivity("fixed_indegree", indegree=2), weight=2.0,
                   delay=Distribution("normal", {"mean": 1.5, "std": 0.5}, clip_low=0.2)),
        Projection("iaf_cond_exp", "aeif_cond_exp", Connectivity("fixed_outdegree", outdegree=2, allow_multapses=False),
                   weight=Distribution("lognormal", {"mean": 0.0, "sigma": 0.5}), delay=1.0),
        Projection("aeif_cond_exp", "izhikevich", Connectivity("fixed_total_number", N=4), weight=-1.0, delay=2.0),
        Projection("izhikevich", "parrot_neuron", Connectivity("one_to_one"), weight=1.0, delay=1.0),
        Projection("parrot_neuron", "iaf_psc_delta", Connectivity("explicit", pre_indices=(0, 1), post_indices=(2, 0)),
                   weight=(0.5, -0.5), delay=1.0),
        Projection("iaf_psc_delta", "hh_psc_alpha", weight=30.0, delay=1.0, synapse="stdp_synapse",
                   synapse_params={"Wmax": 100.0}),
        Projection("hh_psc_alpha", "iaf_cond_alpha", weight=5.0, delay=1.0, synapse="tsodyks2_synapse"),
    ]
    return Network(name="zoo", populations=tuple(pops), projections=tuple(projs), description="every model once",
                   t_sim=10.0)


def network_documents() -> dict[str, dict]:
    """{name: native document}: the zoo and two gallery examples as they are shipped."""
    docs = {"zoo": json.loads(network_to_json(zoo_network()))}
    for name in ("one_neuron", "ei_network"):
        docs[name] = json.loads((EXAMPLES / f"{name}.json").read_text())
    return docs


def lesson_documents() -> dict[str, dict]:
    return {path.stem: json.loads(path.read_text()) for path in sorted(LESSONS.glob("*.json"))}
