"""Declarative, validated, immutable network description."""
from engine.model.models import MODELS, Model, describe_models, get_model
from engine.model.problems import find_problems
from engine.model.network import (
    Connectivity, Distribution, Network, Population, Projection, Recording,
)
from engine.model.network import RULES as CONNECTION_RULES  # rule name -> the names of its parameters
from engine.model.parameters import Quantity
from engine.model.synapses import SYNAPSES as SYNAPSE_MODELS  # synapse model name -> its class

__all__ = [
    "MODELS", "Model", "describe_models", "find_problems", "get_model", "Connectivity", "Distribution", "Network",
    "Population", "Projection", "Recording", "Quantity", "CONNECTION_RULES", "SYNAPSE_MODELS",
]
