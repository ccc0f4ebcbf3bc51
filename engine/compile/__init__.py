"""Network description -> flat arrays (CSR synapses, per-population or per-neuron constants, delay slots)."""
from engine.compile import builders  # noqa: F401  (registers every model's builder)
from engine.compile.compiler import CompiledNetwork, compile_network, estimate_memory
from engine.compile.neuron_params import neuron_values
from engine.compile.registry import builder_of, describe_builder, initial_state_spec

__all__ = ["CompiledNetwork", "builder_of", "compile_network", "describe_builder", "estimate_memory",
           "initial_state_spec", "neuron_values"]
