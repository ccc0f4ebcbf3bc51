"""The builder registry: one entry per neuron, device and synapse model (nengo's
`Builder.register` idea, in our own shape).

An entry tells the compiler how to build its model: the kernel function that
integrates it (and the model code the step kernel dispatches on), its constants
row by named columns (an IntEnum schema in the kernel's module, filled by name),
the NeuronState arrays its kernel uses and where each state variable starts.
The compiler, the simulator's live changes, the CLI and docs/models.md ask here;
the entries themselves are in engine/compile/builders.py.

Per-neuron parameters: `constants` is a pure function of one parameter dict whose
values are numbers or arrays (one value per neuron), so a population whose parameters
vary gets one row per neuron of the same schema, computed at once by the same function
(engine/compile/neuron_params.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Callable, Union

import numpy as np

from engine.compile.arrays import NeuronState
from engine.model.models import Model
from engine.model.network import Distribution, Population
from engine.model.synapses import SynapseModel

ROOT = Path(__file__).resolve().parents[2]
StartValue = Union[float, str]  # a number, or the name of the parameter the variable starts at
Constants = Callable[[dict, float], dict]  # (validated parameters, dt) -> {column name: value}
StartSpec = Union[float, Distribution, tuple, np.ndarray]  # a start value; a tuple or array: one per neuron


def _constants_table(owner: str, columns: type[IntEnum] | None, constants: Constants | None, params: dict,
                     dt: float, rows: int = 1) -> np.ndarray:
    """`rows` rows of a schema, every column filled by name (a missing or unknown name is a bug here);
    a value is a number (the same in every row) or an array with one value per row."""
    if columns is None:
        return np.zeros((rows, 0))
    values = constants(params, dt)
    if set(values) != set(columns.__members__):
        raise KeyError(f"{owner}: constants {sorted(values)} do not match the columns of {columns.__name__} "
                       f"{sorted(columns.__members__)}")
    table = np.zeros((rows, len(columns)))
    for name, value in values.items():
        table[:, columns[name]] = value
    return table


def kernel_location(kernel: Callable) -> str:
    """'engine/kernels/lif.py:update_iaf_psc_exp' for a kernel (a Numba dispatcher or a function)."""
    function = getattr(kernel, "py_func", kernel)
    path = Path(function.__code__.co_filename).resolve()
    try:
        path = path.relative_to(ROOT)
    except ValueError:
        pass
    return f"{path.as_posix()}:{function.__name__}"


@dataclass(frozen=True)
class NeuronBuilder:
    """How a neuron model is built: see the module docstring."""

    model: type[Model]
    code: int  # engine.kernels.step.update_population calls `kernel` for this code
    kernel: Callable
    variables: dict[str, str] = field(default_factory=dict)  # state variable or recordable -> NeuronState array
    initial: dict[str, StartValue] = field(default_factory=dict)  # state variable -> where it starts
    columns: type[IntEnum] | None = None  # named columns of the constants row
    constants: Constants | None = None
    state: tuple[str, ...] = ()  # further NeuronState arrays the kernel uses
    v_reference: str | None = None  # the parameter state.v is measured from (None: v is absolute)

    def __post_init__(self):
        unknown = self.arrays() - set(NeuronState._fields)
        if unknown:
            raise KeyError(f"{self.model.name}: no NeuronState arrays {sorted(unknown)}")
        if set(self.initial) != set(self.model.state_variables):
            raise KeyError(f"{self.model.name}: initial {sorted(self.initial)} must name exactly the state "
                           f"variables {sorted(self.model.state_variables)}")

    def constants_row(self, params: dict, dt: float) -> np.ndarray:
        return _constants_table(self.model.name, self.columns, self.constants, params, dt)[0]

    def constants_rows(self, values: dict, size: int, dt: float) -> np.ndarray:
        """(size, width): one row per neuron, from values that are numbers or arrays of `size`."""
        return _constants_table(self.model.name, self.columns, self.constants, values, dt, size)

    def v_offset(self, values: dict, size: int) -> np.ndarray:
        """(size,) the potential each neuron's state.v is measured from (its E_L, or 0)."""
        return np.broadcast_to(np.asarray(values[self.v_reference] if self.v_reference else 0.0, float),
                               (size,)).copy()

    def arrays(self) -> set[str]:
        """The NeuronState arrays its kernel touches (beyond engine.compile.arrays.COMMON_STATE)."""
        return set(self.variables.values()) | set(self.state)


@dataclass(frozen=True)
class DeviceBuilder:
    """How a device is built: the kernel that emits its output and its per-source values."""

    model: type[Model]
    kernel: Callable
    current_kind: int | None = None  # engine.kernels.devices.CURRENT_*: which current it is
    current_values: Callable[[dict, float], dict] | None = None  # -> CurrentInputs per-source fields
    current_schedule: Callable[[dict, float], list] | None = None  # -> [(first step, value)] of a step current
    rate_schedule: Callable[[dict, float], list] | None = None  # -> [(first step, expected spikes per step)]
    spike_steps: Callable[[dict, int, float], list] | None = None  # (params, size, dt) -> emission steps per neuron


@dataclass(frozen=True)
class SynapseBuilder:
    """How a synapse model is built: its delivery kernel and (if it has parameters) its constants row."""

    model: type[SynapseModel]
    kernel: Callable
    columns: type[IntEnum] | None = None
    constants: Constants | None = None

    def constants_row(self, params: dict, dt: float) -> np.ndarray:
        return _constants_table(self.model.name, self.columns, self.constants, params, dt)[0]


Builder = Union[NeuronBuilder, DeviceBuilder, SynapseBuilder]
NEURON_BUILDERS: dict[str, NeuronBuilder] = {}
DEVICE_BUILDERS: dict[str, DeviceBuilder] = {}
SYNAPSE_BUILDERS: dict[str, SynapseBuilder] = {}


def register(builder: Builder) -> Builder:
    """Add a model's entry (once per model name)."""
    table = {NeuronBuilder: NEURON_BUILDERS, DeviceBuilder: DEVICE_BUILDERS, SynapseBuilder: SYNAPSE_BUILDERS}
    registry = table[type(builder)]
    if builder.model.name in registry:
        raise KeyError(f"model {builder.model.name} is registered twice")
    registry[builder.model.name] = builder
    return builder


def register_neuron(model: type[Model], **entry) -> Callable[[Constants], Constants]:
    """Decorator form for a neuron model with constants: `@register_neuron(iaf_psc_exp, code=..., ...)`
    on the function that computes its constants row."""
    def add(constants: Constants) -> Constants:
        register(NeuronBuilder(model, constants=constants, **entry))
        return constants
    return add


def builder_of(model_name: str) -> Builder | None:
    """The entry of a neuron, device or synapse model (None for an unknown name)."""
    for registry in (NEURON_BUILDERS, DEVICE_BUILDERS, SYNAPSE_BUILDERS):
        if model_name in registry:
            return registry[model_name]
    return None


def initial_state_spec(population: Population, values: dict | None = None) -> dict[str, StartSpec]:
    """What each state variable of a population starts from before drawing (the one rule):
    the population's `initial` (a number or a Distribution), else the model's start value
    (a number, or a parameter of the population such as E_L: its value, which may vary per
    neuron; `values` gives the values drawn for the neurons, engine.compile.neuron_values).
    Devices and parrots: {}."""
    builder = NEURON_BUILDERS.get(population.model)
    if builder is None:
        return {}
    values = population.params if values is None else values
    spec: dict = {}
    for name, start in builder.initial.items():
        default = values[start] if isinstance(start, str) else start
        spec[name] = population.initial.get(name, float(default) if isinstance(default, (int, float)) else default)
    return spec


def describe_builder(model_name: str) -> dict:
    """Plain data for docs and the CLI: the kernel ('file:function') and the start values."""
    builder = builder_of(model_name)
    if builder is None:
        return {}
    described = {"kernel": kernel_location(builder.kernel)}
    if isinstance(builder, NeuronBuilder):
        described["initial"] = dict(builder.initial)
    return described
