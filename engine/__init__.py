"""SNN Designer's simulation engine: model -> compile -> kernels -> runtime, plus io.

The public API; the designer imports only from here. Never imports panel or bokeh.
"""
from engine import analysis
from engine.compile import initial_state_spec, neuron_values
from engine.errors import CapacityError, EngineError, RestartRequired, SimulationFault, ValidationError
from engine.model import (
    CONNECTION_RULES, MODELS, SYNAPSE_MODELS, Connectivity, Distribution, Network, Population, Projection, Quantity,
    Recording, describe_models, find_problems, get_model,
)
from engine.model.memristor import MAPPINGS as MEMRISTOR_MAPPINGS, Memristor
from engine.model.memristor import load_presets as load_memristor_presets
from engine.neuromorphic import (
    DISCLAIMER, EfficiencyMetrics, FitVerdict, check_fit, design_figures, estimate_energy, load_energy_table,
    load_hardware_table, quantisation_error,
)
from engine.runtime import (
    RATE_BIN_MS, ClassLimitError, ClassLimits, Frame, RunScheduler, RunTicket, Runner, Simulator, TraceRequest, warm_up,
)
from engine.learning.datasets import Dataset, load_dataset  # after runtime: the trainer builds on it
from engine.learning.readout import DeltaReadout, VoteReadout, accuracy, confusion_matrix
from engine.learning.trainer import EpochResult, Evaluation, Trainer, find_roles, is_trainable

__all__ = [
    "analysis",
    "CapacityError", "EngineError", "RestartRequired", "SimulationFault", "ValidationError",
    "CONNECTION_RULES", "MODELS", "SYNAPSE_MODELS", "Connectivity", "Distribution", "Network", "Population",
    "Projection", "Quantity", "Recording", "describe_models", "find_problems", "get_model", "initial_state_spec",
    "neuron_values", "RATE_BIN_MS", "Frame", "Runner", "Simulator", "TraceRequest", "warm_up",
    "MEMRISTOR_MAPPINGS", "Memristor", "load_memristor_presets",
    "ClassLimitError", "ClassLimits", "RunScheduler", "RunTicket",
    "DISCLAIMER", "EfficiencyMetrics", "FitVerdict", "check_fit", "design_figures", "estimate_energy",
    "load_energy_table", "load_hardware_table", "quantisation_error",
    "Dataset", "load_dataset", "DeltaReadout", "VoteReadout", "accuracy", "confusion_matrix",
    "EpochResult", "Evaluation", "Trainer", "find_roles", "is_trainable",
]
