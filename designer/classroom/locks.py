"""Parameters a teacher locks: (target, field) -> the value the class keeps.

A lock names a parameter as the live edits name it (`Network.replace_param`): a population's
model parameter, or a projection's weight, delay or synapse parameter. The design state
refuses any edit (a form field, a slider drag, undo/redo) that would give a locked parameter
another value; a whole network opened while locks hold (an example, a file, the teacher's
push) gets the locked values put in (`with_locks`), so the lock holds in it too.
"""
from __future__ import annotations

from engine import Network, Projection, ValidationError

LOCK_NOTE = "locked by the teacher"

Locks = dict[tuple[str, str], float]


def parameter_value(network: Network, target: str, field: str):
    """The value of `field` of population or projection `target`; None where the network has
    no such target or field (a lock on it waits until a network has it)."""
    if any(p.name == target for p in network.populations):
        return network.population(target).params.get(field)
    if any(p.name == target for p in network.projections):
        proj = network.projection(target)
        if field in Projection.quantities:
            return getattr(proj, field)
        return proj.synapse_params.get(field)
    return None


def lockable_parameters(network: Network) -> list[tuple[str, str, float, str]]:
    """(target, field, value, unit) of every parameter holding one number (not drawn or listed
    per neuron or synapse), populations first, in the network's order."""
    out = []
    for pop in network.populations:
        for name, quantity in pop.model_class.parameters.items():
            value = pop.params.get(name)
            if _is_number(value):
                out.append((pop.name, name, float(value), quantity.unit))
    for proj in network.projections:
        for name in Projection.quantities:
            value = getattr(proj, name)
            if _is_number(value):
                out.append((proj.name, name, float(value), _projection_unit(network, proj, name)))
        for name, value in proj.synapse_params.items():
            quantity = network.quantity_of(proj.name, name)
            if _is_number(value) and quantity is not None:
                out.append((proj.name, name, float(value), quantity.unit))
    return out


def _projection_unit(network: Network, proj: Projection, field: str) -> str:
    """A weight's unit is its target model's (pA from a current source), as the inspector labels it."""
    if field != "weight":
        return Projection.quantities[field].unit
    if network.population(proj.pre).model_class.emits == "current":
        return "pA"
    return network.population(proj.post).model_class.weight_unit


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def lock_violation(network: Network, locks: Locks) -> str:
    """'' if every locked parameter the network has keeps its locked value, else a sentence
    naming the first that does not."""
    for (target, field), locked in locks.items():
        value = parameter_value(network, target, field)
        if value is not None and value != locked:
            return f"{target}.{field} is {LOCK_NOTE} at {locked:g}: it cannot be changed"
    return ""


def with_locks(network: Network, locks: Locks) -> Network:
    """`network` with every locked parameter it has set to its locked value (a value the model
    refuses leaves that parameter as it was: the teacher's lock then names it)."""
    for (target, field), locked in locks.items():
        value = parameter_value(network, target, field)
        if value is None or value == locked:
            continue
        try:
            network = network.replace_param(target, field, locked)
        except ValidationError:
            continue
    return network


def describe_locks(locks: Locks) -> str:
    """'exc.tau_m = 20, E→I.weight = -0.5' (plain text; the views escape it)."""
    return ", ".join(f"{target}.{field} = {value:g}" for (target, field), value in sorted(locks.items()))
