"""What every backend needs: the store, the sweep name, progress, options, a failure log and claims."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

from reglab.store import RunStore
from reglab.sweep.progress import SweepProgress
from reglab.sweep.backends.unstarted import error_line, store_unstarted
from reglab.sweep.resume import drop_partial_runs
from reglab.sweep.ray_options import RayOptions
from reglab.sweep.spec import PopulationOptions

if TYPE_CHECKING:
    from reglab.sweep.expand import SweepPoint

__all__ = ["SweepContext"]


@dataclass
class SweepContext:
    """Shared by the backends of one `run_sweep` call.

    Attributes:
        failures: one line per config (or population) whose training raised; each config
            is stored as a failed run, also one that failed before its run started.
        trained: configs this process trained (failed ones included).
        elsewhere: configs skipped because another process claimed or finished them meanwhile.
    """

    store: RunStore
    sweep: str
    progress: SweepProgress
    population: PopulationOptions = field(default_factory=PopulationOptions)
    workers: int = 1
    ray: RayOptions | None = None
    sweep_points: list = field(default_factory=list)  # every config of the sweep, done or not (Ray groups by these)
    failures: list[str] = field(default_factory=list)
    trained: int = 0
    elsewhere: int = 0
    resumable: dict[str, str] = field(default_factory=dict)  # config hash -> interrupted run to continue

    def continued_run(self, point: "SweepPoint") -> str | None:
        """The interrupted run of `point` to continue from its checkpoint, or None."""
        return self.resumable.get(point.hash)

    def start_over(self, points: Sequence["SweepPoint"]) -> None:
        """Give up continuing the runs of `points`: delete their rows and folders (trained anew)."""
        drop_partial_runs(self.store, [self.resumable.pop(point.hash) for point in points if point.hash in self.resumable])

    def claim(self, points: Sequence["SweepPoint"]) -> list["SweepPoint"]:
        """The points this process may train now (claimed in the store, see
        `reglab.store.claims`); the others are counted as done elsewhere."""
        given = set(self.store.claim(self.sweep, [point.hash for point in points]))
        mine = [point for point in points if point.hash in given]
        skipped = len(points) - len(mine)
        if skipped:
            self.elsewhere += skipped
            self.progress.skip(skipped)  # done, but not by this process: not in its ETA's rate
        return mine

    def release(self, points: Sequence["SweepPoint"]) -> None:
        """Drop this process's claims on `points` (trained, whatever the outcome)."""
        self.store.release(self.sweep, [point.hash for point in points])

    def failed(self, label: str, error: BaseException, points: Sequence["SweepPoint"] = ()) -> None:
        """Report `error` of the configs `label` names; those of `points` without a run in the
        sweep (they failed before their run started) are stored as failed runs
        (`reglab.sweep.backends.unstarted`)."""
        line = f"{label}: {error_line(error)}"
        self.failures.append(line)
        self.progress.note(f"failed: {line}")
        if points:
            store_unstarted(self.store, self.sweep, [point.config.to_dict() for point in points], error)
