"""What every backend needs: the store, the sweep name, progress, options, and a failure log."""

from __future__ import annotations

from dataclasses import dataclass, field

from reglab.store import RunStore
from reglab.sweep.progress import SweepProgress
from reglab.sweep.ray_options import RayOptions
from reglab.sweep.spec import PopulationOptions

__all__ = ["SweepContext"]


@dataclass
class SweepContext:
    """Shared by the backends of one `run_sweep` call.

    Attributes:
        failures: one line per config whose training raised (the run is stored as failed).
    """

    store: RunStore
    sweep: str
    progress: SweepProgress
    population: PopulationOptions = field(default_factory=PopulationOptions)
    workers: int = 1
    ray: RayOptions | None = None
    sweep_points: list = field(default_factory=list)  # every config of the sweep, done or not (Ray groups by these)
    failures: list[str] = field(default_factory=list)

    def failed(self, label: str, error: BaseException) -> None:
        line = f"{label}: {type(error).__name__}: {error}"
        self.failures.append(line)
        self.progress.note(f"failed: {line}")
