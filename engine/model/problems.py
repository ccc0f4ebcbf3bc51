"""Design problems worth telling the user about: valid networks that will not do what they expect."""
from __future__ import annotations

from engine.model.network import Network, value_bounds

LARGE_SYNAPSE_COUNT = 50_000_000


def find_problems(network: Network) -> list[dict]:
    """[{"target": name, "kind": "population"|"projection"|"network", "text": sentence}]"""
    problems = []
    incoming = {p.name: [] for p in network.populations}
    outgoing = {p.name: [] for p in network.populations}
    for proj in network.projections:
        incoming[proj.post].append(proj)
        outgoing[proj.pre].append(proj)
    for pop in network.populations:
        model = pop.model_class
        if model.category == "device":
            if not outgoing[pop.name]:
                problems.append(_p(pop.name, "population", f"'{pop.name}' is not connected to anything, so it has no effect"))
            if pop.model == "spike_generator" and not any(pop.params.get("spike_times", [])):
                problems.append(_p(pop.name, "population", f"'{pop.name}' has no spike times, so it never fires"))
            continue
        driven = incoming[pop.name] or abs(pop.params.get("I_e", 0.0)) > 0
        if not driven and pop.model != "parrot_neuron":
            problems.append(_p(pop.name, "population",
                               f"nothing drives '{pop.name}': connect a stimulus or set I_e, or it stays silent"))
        if pop.model == "parrot_neuron" and not incoming[pop.name]:
            problems.append(_p(pop.name, "population", f"'{pop.name}' relays spikes but receives none"))
    for proj in network.projections:
        low, _ = value_bounds(proj.delay)
        if low < network.dt:
            problems.append(_p(proj.name, "projection",
                               f"'{proj.name}': delay {low:g} ms is below the time step dt = {network.dt:g} ms"))
        if value_bounds(proj.weight) == (0.0, 0.0):
            problems.append(_p(proj.name, "projection", f"'{proj.name}' has weight 0, so it has no effect"))
    from engine.compile.compiler import estimate_memory  # local: compile depends on model, not the reverse

    _, n_syn = estimate_memory(network, network.dt)
    if n_syn > LARGE_SYNAPSE_COUNT:
        problems.append(_p(network.name, "network",
                           f"about {n_syn / 1e6:.0f} million synapses: building and running will be slow"))
    return problems


def _p(target: str, kind: str, text: str) -> dict:
    return {"target": target, "kind": kind, "text": text}
