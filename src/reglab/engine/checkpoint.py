"""A run's whole state at an epoch's end, in one safetensors file (never pickle).

`checkpoint.safetensors` in the run folder holds, as tensors: the model's state dict
(`model/<name>`), the optimizer's per-parameter state (`optimizer/<index>/<key>`),
the random-number states (`rng/order`: the data-order generator, `rng/torch`: the
global generator that dropout and augmentation draw from, `rng/cuda` on a GPU) and
every unit's tensors (`unit/<position>/<key>`). Its metadata entry `reglab` is one
JSON object with the epoch, the step, the optimizer's parameter groups, the
scheduler's state and every unit's JSON values. The file is written beside the old
one and moved over it, so a kill never leaves half a checkpoint. The epochs' metric
rows go to `checkpoint_history.jsonl` beside it, one line appended per epoch (a
checkpoint costs the same at epoch 1,000 as at epoch 1); a checkpoint reads back the
rows of its own epochs, the last written for each.

Resuming rebuilds the run from its config (`build_setup`), loads this file, and
continues from the next epoch: the result equals an uninterrupted run bit for bit
on the same machine and thread count.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import torch
from safetensors import safe_open
from safetensors.torch import save_file

__all__ = [
    "CHECKPOINT_FILE",
    "HISTORY_FILE",
    "Checkpoint",
    "append_history_row",
    "read_history_rows",
    "load_checkpoint",
    "restore_checkpoint",
    "restore_units",
    "save_checkpoint",
    "units_of",
]

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


@dataclass
class Checkpoint:
    """What `load_checkpoint` read: the tensors by key and the JSON metadata."""

    tensors: dict[str, torch.Tensor]
    meta: dict[str, Any]

    @property
    def epoch(self) -> int:
        return int(self.meta["epoch"])

    @property
    def step(self) -> int:
        return int(self.meta["step"])


def units_of(hooks: Sequence[Any], callbacks: Sequence[Any]) -> list[Any]:
    """Every unit of a run in a fixed order (hooks, then callbacks; a unit in both once)."""
    seen: set[int] = set()
    units = []
    for unit in [*hooks, *callbacks]:
        if id(unit) not in seen:
            seen.add(id(unit))
            units.append(unit)
    return units


def _split_state(prefix: str, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> dict[str, Any]:
    """Move the tensors of `state` into `tensors` under `prefix`; return the JSON rest."""
    rest = {}
    for key, value in state.items():
        if isinstance(value, torch.Tensor):
            tensors[f"{prefix}{key}"] = value.detach().to("cpu").contiguous().clone()
        else:
            rest[key] = value
    return rest


def _gathered(prefix: str, tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {key[len(prefix) :]: value for key, value in tensors.items() if key.startswith(prefix)}


def save_checkpoint(
    folder: Path,
    *,
    epoch: int,
    step: int,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    generator: torch.Generator,
    units: Sequence[Any],
    history: Sequence[dict[str, float]],
) -> Path:
    """Write the run's state after `epoch` to `folder/checkpoint.safetensors` (atomically).

    The epoch's metric row is appended to the checkpoint history: a run resumes with
    exactly the rows its checkpoint was taken after, whatever the store committed later."""
    tensors: dict[str, torch.Tensor] = {}
    _split_state("model/", dict(model.state_dict()), tensors)
    optimizer_state = optimizer.state_dict()
    per_parameter = {
        str(index): _split_state(f"optimizer/{index}/", dict(state), tensors)
        for index, state in optimizer_state["state"].items()
    }
    tensors["rng/order"] = generator.get_state()
    tensors["rng/torch"] = torch.get_rng_state()
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        tensors["rng/cuda"] = torch.cuda.get_rng_state()
    unit_states = [_split_state(f"unit/{position}/", unit.state_dict(), tensors) for position, unit in enumerate(units)]
    meta = {
        "epoch": epoch,
        "step": step,
        "optimizer": {"param_groups": optimizer_state["param_groups"], "state": per_parameter},
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "units": unit_states,
    }
    if history:
        append_history_row(folder, history[-1])
    path = Path(folder) / CHECKPOINT_FILE
    partial = path.with_suffix(".partial")
    save_file(tensors, str(partial), metadata={"reglab": json.dumps(meta)})
    os.replace(partial, path)
    return path


def load_checkpoint(folder: Path) -> Checkpoint | None:
    """The checkpoint in `folder`, or None when the run never finished an epoch."""
    path = Path(folder) / CHECKPOINT_FILE
    if not path.is_file():
        return None
    with safe_open(str(path), framework="pt") as handle:
        meta = json.loads(handle.metadata()["reglab"])
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    meta["history"] = read_history_rows(folder, int(meta["epoch"]))
    return Checkpoint(tensors, meta)


def restore_checkpoint(
    checkpoint: Checkpoint,
    *,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    generator: torch.Generator,
) -> None:
    """Load the model, optimizer, scheduler and random-number states (units: `restore_units`)."""
    tensors, meta = checkpoint.tensors, checkpoint.meta
    model.load_state_dict(_gathered("model/", tensors))
    state = {
        int(index): {**values, **_gathered(f"optimizer/{index}/", tensors)}
        for index, values in meta["optimizer"]["state"].items()
    }
    optimizer.load_state_dict({"state": state, "param_groups": meta["optimizer"]["param_groups"]})
    if scheduler is not None and meta["scheduler"] is not None:
        scheduler.load_state_dict(meta["scheduler"])
    generator.set_state(tensors["rng/order"])
    torch.set_rng_state(tensors["rng/torch"])
    if "rng/cuda" in tensors and torch.cuda.is_available():
        torch.cuda.set_rng_state(tensors["rng/cuda"])


def restore_units(checkpoint: Checkpoint, units: Sequence[Any]) -> None:
    """Give every unit back its state (after their `on_fit_start`, which would reset it)."""
    for position, (unit, values) in enumerate(zip(units, checkpoint.meta["units"])):
        state = {**values, **_gathered(f"unit/{position}/", checkpoint.tensors)}
        if state:
            unit.load_state_dict(state)
