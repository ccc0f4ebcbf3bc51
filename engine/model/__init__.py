"""Declarative, validated, immutable network description."""
from engine.model.models import MODELS, Model, describe_models, get_model
from engine.model.problems import find_problems
from engine.model.network import (
    Connectivity, Distribution, Network, Population, Projection, Recording,
)
from engine.model.parameters import Quantity

__all__ = [
    "MODELS", "Model", "describe_models", "find_problems", "get_model", "Connectivity", "Distribution", "Network",
    "Population", "Projection", "Recording", "Quantity",
]
