"""SNN Designer's simulation engine: model -> compile -> kernels -> runtime, plus io.

The public API; the designer imports only from here. Never imports panel or bokeh.
"""
from engine import analysis
from engine.errors import CapacityError, EngineError, RestartRequired, SimulationFault, ValidationError
from engine.model import (
    MODELS, Connectivity, Distribution, Network, Population, Projection, Recording, describe_models, get_model,
)
from engine.runtime import Frame, Runner, Simulator, TraceRequest, warm_up

__all__ = [
    "analysis",
    "CapacityError", "EngineError", "RestartRequired", "SimulationFault", "ValidationError",
    "MODELS", "Connectivity", "Distribution", "Network", "Population", "Projection", "Recording",
    "describe_models", "get_model", "Frame", "Runner", "Simulator", "TraceRequest", "warm_up",
]
