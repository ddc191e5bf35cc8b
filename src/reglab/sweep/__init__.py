"""Sweeps: grid and random search over any config key, resumable, on three backends.

Public API:
    run_sweep(spec | path, backend=..., store=...) -> SweepResult
    load_sweep(path, overrides) -> SweepSpec;  expand_sweep(spec) -> list[SweepPoint]
    grid_points(parameters), random_points(parameters, samples, seed)
"""

from reglab.sweep.expand import SweepPoint, expand_sweep
from reglab.sweep.grid import grid_points
from reglab.sweep.random_search import random_points
from reglab.sweep.resume import ResumePlan, plan_resume
from reglab.sweep.runner import SweepResult, run_sweep
from reglab.sweep.spec import BACKENDS, Parameter, PopulationOptions, SweepSpec, load_sweep, parse_parameter

__all__ = [
    "BACKENDS",
    "Parameter",
    "PopulationOptions",
    "ResumePlan",
    "SweepPoint",
    "SweepResult",
    "SweepSpec",
    "expand_sweep",
    "grid_points",
    "load_sweep",
    "parse_parameter",
    "plan_resume",
    "random_points",
    "run_sweep",
]
