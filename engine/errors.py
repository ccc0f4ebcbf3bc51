"""Errors the engine raises. Each message names the object and field at fault."""


class EngineError(Exception):
    """Base class for every error the engine raises on purpose."""


class ValidationError(EngineError, ValueError):
    """A network, parameter or file is invalid. The message names object and field."""


class CapacityError(EngineError):
    """The network would not fit into this machine's memory (message has the estimate)."""


class RestartRequired(EngineError):
    """A change cannot be applied to a running simulation; the network must be rebuilt."""


class SimulationFault(EngineError):
    """The simulation produced NaN/inf or a kernel failed; names population and time."""
