"""Where a run's checkpoint lives and its epoch rows beside it.

`checkpoint.safetensors` in the run folder holds the run's whole state at its last
finished epoch (`reglab.population.checkpoint` writes and reads it: a run is a member of
a population). The epochs' metric rows go to `checkpoint_history.jsonl` beside it, one
line appended per epoch, so a checkpoint costs the same at epoch 1,000 as at epoch 1; a
checkpoint reads back the rows of its own epochs, the last written for each.
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["CHECKPOINT_FILE", "HISTORY_FILE", "append_history_row", "read_history_rows"]

CHECKPOINT_FILE = "checkpoint.safetensors"
HISTORY_FILE = "checkpoint_history.jsonl"


def append_history_row(folder: Path, row: dict[str, float]) -> None:
    """Append one epoch's metric row (with its `epoch`) to the folder's checkpoint history."""
    with open(Path(folder) / HISTORY_FILE, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(dict(row)) + "\n")


def read_history_rows(folder: Path, epochs: int) -> list[dict[str, float]]:
    """The rows of epochs 1..`epochs`, the last written for each (an epoch trained again
    after a kill between its row and its checkpoint appears twice; a line cut short by a
    kill is passed over)."""
    path = Path(folder) / HISTORY_FILE
    rows: dict[int, dict[str, float]] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if int(row["epoch"]) <= epochs:
                rows[int(row["epoch"])] = row
    return [rows[epoch] for epoch in sorted(rows)]
