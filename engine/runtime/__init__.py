"""Simulator (synchronous), Runner (one thread, command and frame queues), and the per-server RunScheduler."""
from engine.runtime.runner import RATE_BIN_MS, Frame, Runner, warm_up
from engine.runtime.scheduler import ClassLimitError, ClassLimits, RunScheduler, RunTicket
from engine.runtime.simulator import Block, Simulator, TraceRequest

__all__ = ["RATE_BIN_MS", "Block", "ClassLimitError", "ClassLimits", "Frame", "RunScheduler", "RunTicket", "Runner",
           "Simulator", "TraceRequest", "warm_up"]
