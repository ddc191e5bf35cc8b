"""Optuna search over a sweep's parameters: samplers, batches trained as populations, pruning.

Public API:
    run_search(spec, backend=..., store=...) -> SweepResult   (called by `run_sweep` for tpe | cmaes | random with an objective)
    search_space(spec) -> SearchSpace;  open_study(...);  TrialPruner, MirrorPruner
"""

from reglab.search.options import PRUNERS, SAMPLERS, Objective, uses_optuna

__all__ = ["Objective", "PRUNERS", "SAMPLERS", "uses_optuna"]
