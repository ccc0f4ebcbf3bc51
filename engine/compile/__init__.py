"""Network description -> flat arrays (CSR synapses, per-population constants, delay slots)."""
from engine.compile.compiler import CompiledNetwork, compile_network, estimate_memory

__all__ = ["CompiledNetwork", "compile_network", "estimate_memory"]
