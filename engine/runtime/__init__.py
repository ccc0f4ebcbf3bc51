"""Simulator (synchronous) and Runner (one thread, command and frame queues)."""
from engine.runtime.simulator import Block, Simulator, TraceRequest

__all__ = ["Block", "Simulator", "TraceRequest"]
