"""Learning from data: data sources and encoders, unsupervised training (Diehl & Cook 2015), readouts.

The public names come from engine.learning.trainer on first use: the compiler imports
engine.learning.source while the engine is still being imported, before the simulator exists.
"""
__all__ = ["Checkpoint", "EpochResult", "Evaluation", "Trainer", "TrainingStopped", "find_roles", "is_trainable"]


def __getattr__(name: str):
    if name in __all__:
        from engine.learning import trainer

        return getattr(trainer, name)
    raise AttributeError(f"module 'engine.learning' has no attribute {name!r}")
