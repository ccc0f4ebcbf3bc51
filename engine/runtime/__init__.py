"""Simulator (synchronous) and Runner (one thread, command and frame queues)."""
from engine.runtime.runner import RATE_BIN_MS, Frame, Runner, warm_up
from engine.runtime.simulator import Block, Simulator, TraceRequest

__all__ = ["RATE_BIN_MS", "Block", "Frame", "Runner", "Simulator", "TraceRequest", "warm_up"]
