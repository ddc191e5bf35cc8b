"""A task's loss and accuracy, and the evaluation pass that measures them."""

from reglab.objective.evaluate import evaluate
from reglab.objective.losses import Objective, class_probabilities, make_objective, resolve_loss_name
from reglab.objective.members import MemberObjective, make_member_objective

__all__ = [
    "MemberObjective",
    "Objective",
    "class_probabilities",
    "evaluate",
    "make_member_objective",
    "make_objective",
    "resolve_loss_name",
]
