"""The designer's state: one param.Parameterized holding the engine's Network.

Every edit goes through `DesignState.edit`, which builds a new (validated,
immutable) Network: an invalid edit raises before anything changes, and
undo/redo are stacks of whole networks, so they work on the model, not on widgets.
One slider drag is one undo step (`coalesce`); an undo or redo that changes only what the
running simulation takes live is announced through `live_change` like the edit was.
Views watch `network`, `selection` and `problems`; they never talk to each other.
"""
from __future__ import annotations

from dataclasses import replace

import param

from engine import (
    MODELS, SYNAPSE_MODELS, Connectivity, Network, Population, Projection, Recording, ValidationError, find_problems,
    get_model,
)
from engine.io import network_from_json, network_to_json

from designer.classroom.locks import LOCK_NOTE, lock_violation, parameter_value, with_locks
from designer.per_neuron import parse_replacement, scaled
from designer.uploads import parse_error  # the page's one wording of a file's error


class DesignState(param.Parameterized):
    network = param.ClassSelector(class_=Network, default=Network(name="untitled"), doc="The design")
    selection = param.Dict(default={}, doc='{"kind": "node"|"edge", "id": name} or {}')
    problems = param.List(default=[], doc="Problems found in the design, as sentences")
    message = param.String(default="", doc="The last notice for the user (plain text)")
    error = param.String(default="", doc="The last refused edit, naming the problem (plain text)")
    can_undo = param.Boolean(default=False)
    can_redo = param.Boolean(default=False)
    structural_change = param.Integer(default=0, doc="Counts edits that need the simulation rebuilt")
    live_change = param.Parameter(default=None, doc="""
        (target, field, value) of the last change the running simulation takes live; every
        announcement is an event, even when it repeats the previous one""")
    locks = param.Dict(default={}, doc="""
        {(target, field): value} the teacher locked: no edit, undo or redo gives them another
        value (designer/classroom/locks.py)""")

    def __init__(self, network: Network | None = None, **params):
        super().__init__(**params)
        self._undo: list[tuple[Network, str]] = []
        self._redo: list[tuple[Network, str]] = []
        self._coalesce: object = None  # key of the edit on top of the undo stack, if it may grow
        if network is not None:
            self.network = network
        self.problems = find_problems(self.network)

    # -- the one way to change the design ------------------------------------------
    def edit(self, description: str, change, *, structural: bool = True, live: tuple | None = None,
             select: dict | None = None, coalesce=None) -> bool:
        """Apply `change(network) -> Network`. Returns False (and sets `error`) if it is refused.
        `select`: the selection to show after the edit, set together with the new network.
        `coalesce`: consecutive edits with the same (hashable, not None) key make one undo step
        that goes back to before the first of them, e.g. ("drag", target, field, drag_id)."""
        try:
            new = change(self.network)
        except ValidationError as error:
            self.error = str(error)
            return False
        if new == self.network:
            return True
        if self._refused_by_lock(new):
            return False
        if coalesce is not None and coalesce == self._coalesce and self._undo:
            before, _ = self._undo.pop()
            if new != before:
                self._undo.append((before, description))
            else:  # a drag that came back to where it started is no step at all
                coalesce = None
        else:
            self._undo.append((self.network, description))
        self._coalesce = coalesce
        self._redo.clear()
        self._commit(new, description, structural=structural, live=[live] if live is not None else [],
                     select=select)
        return True

    def _announce_live(self, change: tuple) -> None:
        """`live_change = change` as an event, even when it equals the previous value."""
        if self.live_change == change:
            self.param.trigger("live_change")
        else:
            self.live_change = change

    def _commit(self, network: Network, description: str, structural: bool, live: list[tuple],
                select: dict | None = None) -> None:
        if not structural:
            # first: the running simulation gets its live changes before the views update
            for change in live:
                self._announce_live(change)
        with param.parameterized.batch_call_watchers(self):
            self.network = network
            self.error = ""
            self.message = description
            self.problems = find_problems(network)
            self.can_undo = bool(self._undo)
            self.can_redo = bool(self._redo)
            if select is not None:
                self.selection = select
            self._drop_stale_selection()
        if structural:
            self.structural_change += 1

    def undo(self) -> bool:
        if not self._undo or self._refused_by_lock(self._undo[-1][0], "cannot undo: "):
            return False
        previous, description = self._undo.pop()
        self._redo.append((self.network, description))
        self._step_to(previous, f"undid: {description}")
        return True

    def redo(self) -> bool:
        if not self._redo or self._refused_by_lock(self._redo[-1][0], "cannot redo: "):
            return False
        following, description = self._redo.pop()
        self._undo.append((self.network, description))
        self._step_to(following, f"redid: {description}")
        return True

    def _step_to(self, network: Network, description: str) -> None:
        """Undo/redo: live if the two networks differ only in what the simulation takes live."""
        self._coalesce = None
        live = live_differences(self.network, network)
        self._commit(network, description, structural=live is None, live=live or [])

    def replace_network(self, network: Network, description: str) -> bool:
        """Open another design (example, file, stored copy, the teacher's push); undoable like
        any edit. Parameters the teacher locked keep their locked values in it."""
        return self.edit(description, lambda _: with_locks(network, self.locks))

    # -- the teacher's locks -------------------------------------------------------------
    def _refused_by_lock(self, network: Network, prefix: str = "") -> bool:
        violation = lock_violation(network, self.locks)
        if violation:
            self.error = prefix + violation
        return bool(violation)

    def lock(self, target: str, field: str, value: float) -> bool:
        """The teacher's lock: the parameter takes `value` (one undoable edit, live where the
        running simulation takes it live) and keeps it. A network without that parameter takes
        the lock when it gets one (an accepted push). False (and `error`) if the model refuses
        the value."""
        locks = {key: v for key, v in self.locks.items() if key != (target, field)}
        self.locks = locks  # an older lock of the same parameter must not refuse the new value
        current = parameter_value(self.network, target, field)
        if current is not None and current != value:
            live = self.network.is_live(target, field)
            if not self.edit(f"{target}.{field} = {value:g} ({LOCK_NOTE})",
                             lambda net: net.replace_param(target, field, value),
                             structural=not live, live=(target, field, value) if live else None):
                return False
        self.locks = {**locks, (target, field): value}
        return True

    def unlock_all(self) -> None:
        self.locks = {}

    def history(self) -> tuple[list[tuple[Network, str]], list[tuple[Network, str]]]:
        """(undo, redo) as (network, description) pairs, oldest first (the session store keeps them)."""
        return list(self._undo), list(self._redo)

    def restore(self, network: Network, undo: list[tuple[Network, str]], redo: list[tuple[Network, str]],
                description: str) -> None:
        """A saved session back: the design with its undo and redo stacks; not itself an edit.
        The network and the history change in one batch (no view sees one without the other)."""
        self._undo, self._redo, self._coalesce = list(undo), list(redo), None
        self._commit(network, description, structural=True, live=[])

    def restore_network(self, network: Network, description: str) -> None:
        """Bring back a kept design (after a reload) without its history: nothing to undo."""
        self.restore(network, [], [], description)

    def _drop_stale_selection(self) -> None:
        sel = self.selection
        if not sel:
            return
        names = ({p.name for p in self.network.populations} if sel.get("kind") == "node"
                 else {p.name for p in self.network.projections})
        if sel.get("id") not in names:
            self.selection = {}

    # -- edits the views call ----------------------------------------------------------
    def add_population(self, model: str, x: float = 100.0, y: float = 100.0) -> str | None:
        model_class = MODELS.get(model)
        if model_class is None:
            self.error = f"palette: unknown model '{model}'"
            return None
        name = self._free_name(_default_name(model_class))
        record = Recording(spikes=model_class.category == "neuron")
        size = 100 if model_class.category == "neuron" and model != "parrot_neuron" else 1
        population = Population(name, model, size, record=record, position=(float(x), float(y)))
        if self.edit(f"add {model} '{name}'", lambda net: net.with_population(population)):
            self.selection = {"kind": "node", "id": name}
            return name
        return None

    def move(self, name: str, x: float, y: float) -> None:
        # Moving is layout only: it does not need the simulation rebuilt
        self.edit(f"move '{name}'", lambda net: net.replace_population(name, position=(float(x), float(y))),
                  structural=False)

    def connect(self, pre: str, post: str) -> str | None:
        net = self.network
        try:
            target_model = net.population(post).model_class
            source_model = net.population(pre).model_class
        except ValidationError as error:
            self.error = str(error)
            return None
        if source_model.emits == "current":
            weight = 1.0
        elif target_model.weight_unit == "mV":
            weight = 0.1
        else:
            weight = 10.0
        name = self._free_projection_name(f"{pre}→{post}")
        projection = Projection(pre, post, Connectivity("all_to_all") if source_model.category == "device"
                                else Connectivity("pairwise_bernoulli", p=0.1), weight=weight, delay=1.5, name=name)
        if self.edit(f"connect '{pre}' to '{post}'", lambda n: n.with_projection(projection)):
            self.selection = {"kind": "edge", "id": name}
            return name
        return None

    def delete(self, populations=(), projections=()) -> None:
        populations, projections = list(populations), list(projections)
        if not populations and not projections:
            return
        what = ", ".join(f"'{n}'" for n in populations + projections)
        self.edit(f"delete {what}", lambda net: net.without(populations, projections))

    def rename_population(self, name: str, new_name: str) -> bool:
        new_name = new_name.strip()
        # The selection follows the renamed node in the same update as the network: never
        # an empty selection in between (the canvas would echo it back and lose the form).
        keep = self.selection == {"kind": "node", "id": name}
        return self.edit(f"rename '{name}' to '{new_name}'", lambda net: net.replace_population(name, name=new_name),
                         select={"kind": "node", "id": new_name} if keep else None)

    def set_population_field(self, name: str, field: str, value, coalesce=None) -> bool:
        """size, params.<name>, record.traces / record.spikes, initial.V_m.
        `coalesce`: see `edit` (e.g. one key per slider drag)."""
        pop = self.network.population(name)
        if field == "size":
            return self.edit(f"set size of '{name}' to {value}", lambda net: net.replace_population(name, size=value))
        if field.startswith("record."):
            key = field.split(".", 1)[1]
            return self.edit(f"set recording of '{name}'",
                             lambda net: net.replace_population(name, record=replace(pop.record, **{key: value})),
                             structural=False, live=(name, field, value))
        if field.startswith("initial."):
            key = field.split(".", 1)[1]
            return self.edit(f"set initial {key} of '{name}'",
                             lambda net: net.replace_population(name, initial={**pop.initial, key: value}))
        live = self.network.is_live(name, field)
        return self.edit(f"set {name}.{field} = {value}",
                         lambda net: net.replace_population(name, params={**pop.params, field: value}),
                         structural=not live, live=(name, field, value) if live else None, coalesce=coalesce)

    def scale_population_param(self, name: str, field: str, factor: float) -> bool:
        """A parameter that varies per neuron times `factor`, as a whole (each listed value, or
        the distribution): one undoable edit, live where the parameter is live."""
        try:
            value = scaled(self.network.population(name).params[field], factor,
                           f"population '{name}': parameter '{field}'")
        except ValidationError as error:
            self.error = str(error)
            return False
        return self.set_population_field(name, field, value)

    def replace_population_param(self, name: str, field: str, text: str) -> bool:
        """A parameter replaced as a whole by what the user typed: one number (all neurons), a list
        (one value per neuron) or a distribution such as 'normal(10, 2)' (drawn per neuron)."""
        try:
            value = parse_replacement(text, f"population '{name}': parameter '{field}'")
        except ValidationError as error:
            self.error = str(error)
            return False
        return self.set_population_field(name, field, value)

    def set_population_params(self, name: str, values: dict) -> bool:
        """Several parameters together (e.g. a schedule's times and values), one undoable edit."""
        pop = self.network.population(name)
        return self.edit(f"set {', '.join(values)} of '{name}'",
                         lambda net: net.replace_population(name, params={**pop.params, **values}))

    def set_projection_field(self, name: str, field: str, value, coalesce=None) -> bool:
        """weight, delay, synapse, name, or rule (a Connectivity); synapse_params.<name>.
        `coalesce`: see `edit` (e.g. one key per slider drag)."""
        if field == "name":
            keep = self.selection == {"kind": "edge", "id": name}
            return self.edit(f"rename projection '{name}'", lambda net: net.replace_projection(name, name=value.strip()),
                             select={"kind": "edge", "id": value.strip()} if keep else None)
        if field == "synapse":  # a new synapse model starts from its own defaults (a static one: no device)
            keep_device = value in SYNAPSE_MODELS and SYNAPSE_MODELS[value].plastic
            return self.edit(f"set {name}.synapse = {value}",
                             lambda net: net.replace_projection(name, synapse=value, synapse_params={}, **(
                                 {} if keep_device else {"memristor": None})))
        if field.startswith("synapse_params."):
            key = field.split(".", 1)[1]
            proj = self.network.projection(name)
            live = self.network.is_live(name, key)
            return self.edit(f"set {name}.{key} = {value}",
                             lambda net: net.replace_projection(name, synapse_params={**proj.synapse_params, key: value}),
                             structural=not live, live=(name, key, value) if live else None, coalesce=coalesce)
        live = self.network.is_live(name, field)
        return self.edit(f"set {name}.{field}", lambda net: net.replace_projection(name, **{field: value}),
                         structural=not live, live=(name, field, value) if live else None, coalesce=coalesce)

    def apply_preset(self, name: str, preset: str) -> bool:
        """A model's named parameter set (e.g. an AdEx firing pattern) in one undoable step."""
        pop = self.network.population(name)
        values = pop.model_class.presets.get(preset)
        if values is None:
            self.error = f"population '{name}': model {pop.model} has no preset '{preset}'"
            return False
        return self.edit(f"apply preset '{preset}' to '{name}'",
                         lambda net: net.replace_population(name, params={**pop.params, **values}))

    def set_network_field(self, field: str, value) -> bool:
        return self.edit(f"set network {field}", lambda net: replace(net, **{field: value}))

    # -- files -------------------------------------------------------------------------
    def to_json(self) -> str:
        return network_to_json(self.network)

    def load_json(self, text: str | bytes, source: str) -> bool:
        """Open a design from a file's content; on error the current design is untouched."""
        try:
            network = network_from_json(text, source=source)
        except ValidationError as error:
            self.error = parse_error(source, error)
            return False
        self.replace_network(network, f"opened {source}")
        return True

    # -- helpers -----------------------------------------------------------------------
    def _free_name(self, base: str) -> str:
        taken = {p.name for p in self.network.populations}
        if base not in taken:
            return base
        for i in range(2, 10_000):
            if f"{base}{i}" not in taken:
                return f"{base}{i}"
        raise ValidationError("too many populations")

    def _free_projection_name(self, base: str) -> str:
        taken = {p.name for p in self.network.projections}
        if base not in taken:
            return base
        for i in range(2, 10_000):
            if f"{base} ({i})" not in taken:
                return f"{base} ({i})"
        raise ValidationError("too many projections")


def live_differences(old: Network, new: Network) -> list[tuple] | None:
    """The changes from `old` to `new` as (target, field, value), named as the edit methods name
    them, if the running simulation can take them all live; None if `new` needs a rebuild.
    Positions are layout only: they differ freely and announce nothing."""
    if (old.name, old.description, old.dt, old.seed, old.t_sim) != (new.name, new.description, new.dt, new.seed, new.t_sim):
        return None
    if ([p.name for p in old.populations] != [p.name for p in new.populations]
            or [p.name for p in old.projections] != [p.name for p in new.projections]):
        return None
    changes: list[tuple] = []
    for a, b in zip(old.populations, new.populations):
        if a == b:
            continue
        if (a.model, a.size, a.initial, a.record.variables) != (b.model, b.size, b.initial, b.record.variables):
            return None
        for key in a.params.keys() | b.params.keys():
            if a.params.get(key) == b.params.get(key):
                continue
            if not new.is_live(b.name, key):
                return None
            changes.append((b.name, key, b.params[key]))
        if a.record.spikes != b.record.spikes:
            changes.append((b.name, "record.spikes", b.record.spikes))
        if a.record.traces != b.record.traces:
            changes.append((b.name, "record.traces", b.record.traces))
    for a, b in zip(old.projections, new.projections):
        if a == b:
            continue
        if (a.pre, a.post, a.rule, a.synapse) != (b.pre, b.post, b.rule, b.synapse):
            return None
        for key in Projection.quantities:  # weight, delay
            before, after = getattr(a, key), getattr(b, key)
            if before == after:
                continue
            if not new.is_live(b.name, key) or isinstance(before, tuple) or isinstance(after, tuple):
                return None  # per-synapse values change with a rebuild
            changes.append((b.name, key, after))
        for key in a.synapse_params.keys() | b.synapse_params.keys():
            if a.synapse_params.get(key) == b.synapse_params.get(key):
                continue
            if not new.is_live(b.name, key):
                return None
            changes.append((b.name, key, b.synapse_params[key]))
    return changes


def _default_name(model_class) -> str:
    return {
        "poisson_generator": "noise", "dc_generator": "current", "spike_generator": "spikes",
        "parrot_neuron": "relay",
    }.get(model_class.name, "neurons")


def palette_entries() -> list[dict]:
    return [
        {"model": m.name, "label": m.name, "category": m.category, "doc": m.summary}
        for m in MODELS.values()
    ]


__all__ = ["DesignState", "live_differences", "palette_entries", "get_model"]
