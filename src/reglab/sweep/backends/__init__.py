"""Sweep backends: how the configs of a sweep are trained.

| backend    | how                                                                 |
|------------|---------------------------------------------------------------------|
| sequential | one `reglab.train` after another, in this process                   |
| population | configs grouped by architecture shape, each group one vectorized model (`reglab.population`); configs it cannot train go sequentially |
| processes  | `reglab.train` in worker processes, one torch thread each           |
| ray        | each population group one Ray task; the driver records the results (`reglab[ray]`) |
"""

from reglab.sweep.backends.context import SweepContext
from reglab.sweep.backends.population import run_population
from reglab.sweep.backends.processes import run_processes
from reglab.sweep.backends.ray_backend import run_ray
from reglab.sweep.backends.sequential import run_sequential

BACKEND_FUNCTIONS = {"sequential": run_sequential, "population": run_population, "processes": run_processes, "ray": run_ray}

__all__ = ["BACKEND_FUNCTIONS", "SweepContext", "run_population", "run_processes", "run_ray", "run_sequential"]
