"""Members trained away from the store, carried back as plain data and recorded by the driver.

A worker (a Ray task) trains into a scratch store in a temporary folder and returns,
per member, a `MemberResult`: its config, status, per-epoch history, summary and the
files of its run folder (weights, metrics, snapshots) as bytes. Only the driver
writes the sweep's store (`record_member`): one `running` row (started when the member's
first epoch was reported, or now), the files, the epochs the store does not hold yet,
then the final status, so a driver killed mid-record leaves a row that the next open marks
`interrupted` and the next rerun replaces.

The driver wrote most epochs already, as the member reported them (`remote_progress`):
those are read back and compared, and only the epochs missing (a report dropped or not
read yet) or differing are written, in one transaction. The final record is complete
either way, and each epoch is written once when every report arrived.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from reglab.store import RunStore
from reglab.sweep.backends.hooked_batch import EpochHook
from reglab.sweep.backends.portable_errors import portable

__all__ = ["MemberResult", "train_members", "record_member", "epochs_to_write"]


@dataclass
class MemberResult:
    """One trained config, as it travels from a worker to the driver."""

    config: dict[str, Any]
    status: str
    history: list[dict[str, float]]
    summary: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)  # path in the run folder -> contents


def _folder_files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def _result(run: Any, store: RunStore) -> MemberResult:
    config = run.config.to_dict()
    return MemberResult(config, run.status, [dict(row) for row in run.history], dict(run.summary), _folder_files(store.run_dir(run.id)))


def train_members(
    configs: Sequence[Mapping[str, Any]],
    sweep: str,
    population: Mapping[str, Any],
    on_epoch: Callable[[], EpochHook] | None = None,
) -> list[MemberResult | BaseException]:
    """Train `configs` into a scratch store (populations where they share a shape, else one
    by one); return each member's result, or the exception its training raised. Nothing
    outside a temporary folder is written.

    Args:
        configs: config mappings.
        sweep: the sweep name (kept in the scratch rows only).
        population: the sweep file's `population.*` options (data_order, engine, max_size, shards).
        on_epoch: builds the per-member epoch hook on the worker (Optuna pruning), or None.
    """
    from reglab.sweep.backends.hooked_batch import train_batch

    hook = on_epoch() if on_epoch is not None else None
    with tempfile.TemporaryDirectory(prefix="reglab-task-") as scratch:
        store = RunStore(scratch)
        try:
            # Trackers are fed by the driver as it records (track_recorded), never from a worker.
            untracked = [{**config, "tracking": {}} for config in configs]
            outcomes = train_batch(untracked, store, sweep, population, hook)
            # an error goes back as one the driver can unpickle (a ConfigError cannot be as it is)
            results = [portable(outcome) if isinstance(outcome, BaseException) else _result(outcome, store) for outcome in outcomes]
            for config, result in zip(configs, results):
                if isinstance(result, MemberResult):
                    result.config = dict(config)
            return results
        finally:
            store.close()


def _as_stored(value: Any) -> float | None:
    """A metric as the store keeps it: non-finite numbers are NULL (read back as NaN)."""
    value = float(value)
    return value if math.isfinite(value) else None


def _same_row(stored: Mapping[str, float] | None, row: Mapping[str, float]) -> bool:
    return stored is not None and stored.keys() == row.keys() and all(_as_stored(stored[key]) == _as_stored(value) for key, value in row.items())


def epochs_to_write(stored: Sequence[Mapping[str, float]], history: Sequence[Mapping[str, float]]) -> list[Mapping[str, float]]:
    """The rows of `history` that `stored` (a run's rows read back from the store, each with
    its `epoch`) lacks or holds with other keys or values."""
    held = {int(row["epoch"]): row for row in stored}
    return [row for row in history if not _same_row(held.get(int(row["epoch"])), row)]


def record_member(store: RunStore, sweep: str, result: MemberResult, run_id: str | None = None) -> str:
    """Write one member's row, epochs and files into the sweep's store; return its run id.

    `run_id`: the run the driver started for the member while it trained (its epochs
    reported live, `backends.remote_progress`); it is completed with the epochs it lacks
    or holds otherwise than the worker ended them. None starts a new run."""
    from reglab.store import write_config
    from reglab.tracking.sinks import track_recorded, wants_tracking

    if run_id is None:
        run_id = store.start_run(result.config.get("name", "run"), result.config, sweep=sweep)
        stored: list[dict[str, float]] = []
    else:
        stored = store.history(run_id)
    folder = store.run_dir(run_id)
    for relative, contents in result.files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(contents)
    write_config(folder, result.config)
    store.log_epochs(run_id, epochs_to_write(stored, result.history))
    store.finish_run(run_id, result.status, result.summary)
    if wants_tracking(result.config):
        track_recorded(store, run_id)
    return run_id
