"""What Ctrl-C prints: which runs this process left, with how many epochs, and how to go on.

A training command names its store with `watch_store` before it starts; on Ctrl-C
`interrupted_line` reads this process's runs from that store (every finished epoch is
committed as it ends) and marks any still `running` as `interrupted`:

    interrupted: run 3f2a9b1c0d12 keeps 4 epochs; resume with: reglab sweep grid.yaml --store runs

A sweep stopped between two runs says how many it finished instead.
"""

from __future__ import annotations

import shlex
from pathlib import Path

__all__ = ["watch_store", "interrupted_line"]

_watched: dict[str, object] = {}


def watch_store(directory: Path, resumes: bool, sweep: str | None = None) -> None:
    """Remember the store a command writes to.

    Args:
        directory: the store folder.
        resumes: rerunning the command continues where it stopped (sweeps skip
            completed configs) rather than starting over.
        sweep: the sweep whose worker processes may hold runs too.
    """
    from datetime import datetime, timezone

    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    _watched.update(directory=Path(directory), resumes=resumes, sweep=sweep, started=started)


def _runs_left(directory: Path) -> tuple[list[tuple[str, int, bool]], int]:
    """(id, epochs kept, has a checkpoint) of the runs this command left unfinished, after
    marking its own interrupted, and how many runs it finished. A run without a checkpoint
    (a Ray task's member, whose epochs the driver stored as they came) cannot continue: a
    rerun trains it again."""
    from reglab.engine.checkpoint import CHECKPOINT_FILE
    from reglab.store import RunStore

    if not (directory / "reglab.db").is_file():
        return [], 0
    try:
        with RunStore(directory) as store:
            store.mark_own_interrupted()
            own = store.runs_of_process()
            since = str(_watched.get("started", ""))
            sweep = _watched.get("sweep")
            if sweep:  # the runs its worker processes started since the command began
                mine = {run.id for run in own}
                own += [run for run in store.runs(sweep=str(sweep)) if run.id not in mine and run.started_at >= since]
            runs = [run for run in own if run.status in ("interrupted", "running")]
            left = [(run.id, run.epochs, (store.run_dir(run.id) / CHECKPOINT_FILE).is_file()) for run in runs]
            finished = sum(1 for run in own if run.status not in ("interrupted", "running") and run.started_at >= since)
            return left, finished
    except Exception:  # a second Ctrl-C or a damaged store must not hide the first line
        return [], 0


def interrupted_line(argv: list[str]) -> str:
    """One line for stderr after Ctrl-C (see the module docstring)."""
    command = shlex.join(["reglab", *argv])
    directory = _watched.get("directory")
    verb = "resume with" if _watched.get("resumes") else "start again with"
    if not isinstance(directory, Path):
        return "interrupted: nothing stored"
    left, finished = _runs_left(directory)
    if not left and finished:
        return f"interrupted between runs: {finished} finished, none left unfinished; {verb}: {command}"
    if not left:
        return f"interrupted before a run started: nothing stored; {verb}: {command}"
    if len(left) == 1:
        run_id, epochs, _ = left[0]
        kept = f"run {run_id} keeps {epochs} epoch{'s' if epochs != 1 else ''}"
        if argv[:1] == ["train"] and epochs > 0:  # a single run continues from its checkpoint
            return f"interrupted: {kept}; resume with: " + shlex.join(["reglab", "train", "--resume", run_id, "--store", str(directory)])
    else:
        shown = ", ".join(f"{run_id} ({epochs})" for run_id, epochs, _ in left[:4])
        kept = f"{len(left)} runs keep their epochs: {shown}{', ...' if len(left) > 4 else ''}"
    again = sum(1 for _, epochs, checkpointed in left if epochs > 0 and not checkpointed)
    if again and _watched.get("resumes"):
        kept += f" ({again} of them train{'s' if again == 1 else ''} again: no checkpoint)"
    return f"interrupted: {kept}; {verb}: {command}"
