"""The contract between the training loop and the techniques: records, events, member units, `Stop`.

Both `reglab.engine` and every technique family import this package; techniques
never import the engine. Nothing here imports any other reglab package.
"""

from reglab.contract.batches import batch_starts
from reglab.contract.events import KIND_ORDER, Callback, EpochRecord, Event, FitRecord, StepRecord, Stop, frozen
from reglab.contract.units import SLOTS, MemberStart, MemberStep, MemberUnit, StepUnits
from reglab.contract.monitor import best_epoch, default_monitor
from reglab.contract.technique import Technique, build_techniques, register_technique, registered_techniques

__all__ = [
    "Callback",
    "EpochRecord",
    "Event",
    "FitRecord",
    "KIND_ORDER",
    "MemberStart",
    "MemberStep",
    "MemberUnit",
    "SLOTS",
    "StepUnits",
    "StepRecord",
    "Stop",
    "Technique",
    "batch_starts",
    "best_epoch",
    "build_techniques",
    "default_monitor",
    "frozen",
    "register_technique",
    "registered_techniques",
]
