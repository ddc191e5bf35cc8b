"""`train()` and `resume()` (a run is a population of one: `reglab.population`), and the
analysis of stored runs.

The records, events, member units and `Stop` live in `reglab.contract` (techniques import
them from there); they are re-exported here for users writing callbacks.
"""

from reglab.contract.events import Callback, EpochRecord, Event, FitRecord, StepRecord, Stop
from reglab.contract.units import MemberStep, MemberUnit
from reglab.contract.technique import Technique
from reglab.engine.analysis import Analysis, analyze_run
from reglab.engine.run import Run, resume, train

__all__ = [
    "Analysis",
    "Callback",
    "EpochRecord",
    "Event",
    "FitRecord",
    "MemberStep",
    "MemberUnit",
    "Run",
    "StepRecord",
    "Stop",
    "Technique",
    "analyze_run",
    "resume",
    "train",
]
