"""SNN Designer's simulation engine: model -> compile -> kernels -> runtime, plus io.

The public API; the designer imports only from here. Never imports panel or bokeh.
"""
from engine.compile import initial_state_spec
from engine.errors import CapacityError, EngineError, RestartRequired, SimulationFault, ValidationError
from engine.model import (
    MODELS, Connectivity, Distribution, Network, Population, Projection, Quantity, Recording, describe_models,
    get_model,
)
from engine.runtime import Frame, Runner, Simulator, TraceRequest, warm_up

__all__ = [
    "CapacityError", "EngineError", "RestartRequired", "SimulationFault", "ValidationError",
    "MODELS", "Connectivity", "Distribution", "Network", "Population", "Projection", "Quantity", "Recording",
    "describe_models", "get_model", "initial_state_spec", "Frame", "Runner", "Simulator", "TraceRequest", "warm_up",
]
