"""Resuming a sweep: which of its configs still need training, and which old rows they replace.

A config counts as done when the store holds a run of this sweep with the same
`config_hash` and a final status (completed, stopped_early, diverged;
`RunStore.completed_hashes`). Rerunning a sweep trains only the others, so a
completed config is never trained twice.

A config whose run was interrupted (its process was killed or stopped by Ctrl-C; the
store marks it when reopened) after finishing an epoch left a checkpoint in its folder:
the sequential, population and processes backends continue it from there under the same
run id (`reglab.resume`; members of a population resume together, see
`reglab.population.checkpoint`) and it ends as if never interrupted. Any other run cut
short (`failed`, also one stored for a config that failed before its run started, or
interrupted before its first epoch ended, or with another backend) is trained again, and its old row and folder are deleted just before, so the sweep
keeps exactly one row per config.
A config whose run is still `running` in a live process (another `reglab sweep` on
the same store) is left to that process.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from typing import Sequence

from reglab.engine.checkpoint import CHECKPOINT_FILE
from reglab.store import RunStore, config_hash
from reglab.sweep.expand import SweepPoint

__all__ = ["ResumePlan", "plan_resume", "drop_partial_runs"]


@dataclass
class ResumePlan:
    """What to train now, and what the store already holds for this sweep."""

    todo: list[SweepPoint]
    done: int
    busy: int = 0
    partial: list[str] = field(default_factory=list)  # run ids of interrupted / failed rows to replace
    resumable: dict[str, str] = field(default_factory=dict)  # config hash -> interrupted run with a checkpoint


def plan_resume(store: RunStore, sweep: str, points: Sequence[SweepPoint], continue_checkpoints: bool = True) -> ResumePlan:
    """Split the sweep's configs into done, busy elsewhere and to train (see the module docstring).

    With `continue_checkpoints`, interrupted runs with a checkpoint are kept to be continued
    (`ResumePlan.resumable`); otherwise they are replaced like the other partial runs."""
    completed = store.completed_hashes(sweep)
    wanted = {point.hash for point in points}
    running: set[str] = set()
    partial: list[str] = []
    resumable: dict[str, str] = {}
    for run in store.runs(sweep=sweep):
        key = config_hash(run.config)
        if key not in wanted or key in completed:
            continue
        if run.status == "running":
            running.add(key)
        elif run.status in ("interrupted", "failed"):
            checkpointed = (store.run_dir(run.id) / CHECKPOINT_FILE).is_file()
            if continue_checkpoints and run.status == "interrupted" and checkpointed:
                if key in resumable:  # an older interrupted row of the same config
                    partial.append(resumable[key])
                resumable[key] = run.id
            else:
                partial.append(run.id)
    todo = [point for point in points if point.hash not in completed and point.hash not in running]
    done = sum(1 for point in points if point.hash in completed)
    return ResumePlan(todo, done, busy=len(running & wanted), partial=partial, resumable=resumable)


def drop_partial_runs(store: RunStore, run_ids: Sequence[str]) -> None:
    """Delete the rows and folders of runs about to be replaced by a rerun."""
    for run_id in run_ids:
        store.delete_run(run_id)
        shutil.rmtree(store.run_dir(run_id), ignore_errors=True)
