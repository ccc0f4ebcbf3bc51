"""Simulator (synchronous) and Runner (one thread, command and frame queues)."""
from engine.runtime.runner import Frame, Runner, warm_up
from engine.runtime.simulator import Block, Simulator, TraceRequest

__all__ = ["Block", "Frame", "Runner", "Simulator", "TraceRequest", "warm_up"]
