"""Early stopping: Prechelt's GL_α, PQ_α, UP_s and Keras-style patience, plus E_opt restoring.

Public API:
    Patience(patience, min_delta=0.0, mode="min"), GL(alpha), PQ(alpha, strip=5), UP(s, strip=5)
        each with .step(train_error, val_error) -> bool (True: stop after this epoch)
    generalization_loss(val_error, best_val_error), training_progress(strip_train_errors)
    EarlyStopping (observer), RestoreBest (modifier): the run units
"""

from reglab.stopping.callback import EarlyStopping, RestoreBest, prechelt_errors, resolve_mode
from reglab.stopping.criteria import GL, PQ, UP, Patience, StoppingCriterion, generalization_loss, training_progress

__all__ = [
    "GL",
    "PQ",
    "UP",
    "EarlyStopping",
    "Patience",
    "RestoreBest",
    "StoppingCriterion",
    "generalization_loss",
    "prechelt_errors",
    "resolve_mode",
    "training_progress",
]
