"""The training engine: one readable loop, its events, and `train()`."""

from reglab.engine.events import Callback, EpochRecord, Event, FitRecord, StepRecord, Stop
from reglab.engine.hooks import StepContext, StepHook
from reglab.engine.loop import FitPlan, FitResult, fit
from reglab.engine.run import Run, train
from reglab.engine.technique import Technique

__all__ = [
    "Callback",
    "EpochRecord",
    "Event",
    "FitPlan",
    "FitRecord",
    "FitResult",
    "Run",
    "StepContext",
    "StepHook",
    "StepRecord",
    "Stop",
    "Technique",
    "fit",
    "train",
]
