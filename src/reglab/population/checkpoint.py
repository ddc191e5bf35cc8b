"""Each member's whole state at an epoch's end, in its own run folder: a population resumes member by member.

After every epoch, each member still training writes `checkpoint.safetensors` into
its run folder (the single run's file name and format: tensors + one JSON metadata
entry, written beside the old file and moved over it, never pickle):

| tensor             | what                                                          |
|--------------------|---------------------------------------------------------------|
| `model/<name>`     | the member's row of every stacked parameter and buffer        |
| `optimizer/<name>/<key>` | its row of the stacked optimizer's state (momentum, Adam moments) |
| `rng/member`       | its own random stream (dropout masks, augmentation draws)     |
| `rng/order`        | the data order's generator (the population's, when shared)    |
| `unit/stopper/<key>` | its early stopping's tensors (the best weights)             |
| `unit/own/<i>/<key>` | the tensors of its config's other units (`record_only` callbacks) |
| `<unit key>/...`   | each technique unit's part (`MemberUnit.member_state`), under its `state_key`: |
| `averaging/...`    | its EMA or SWA average (`average/<name>`) and SWA's rate      |
| `pruning/mask/<name>`, `pruning/rewind/<name>` | its pruning masks and lottery rewind point |
| `trajectory/previous/<name>` | its weights at the last trajectory step row (for `update_ratio/*`) |

and in the metadata: `kind: population-member`, the epoch, the optimizer's step count,
the data order, the early stopping's JSON state, the pruning round counters and lottery log,
and the trajectory's step counters, step-file columns and kept snapshots; the member's epoch rows are appended
to `checkpoint_history.jsonl` beside it (`reglab.engine.checkpoint.read_history_rows`).

Resuming (`resume_members`) builds the members' population anew from their configs
(initial weights, data and schedules are functions of the config), loads each row,
winds each schedule forward by the epochs done, and continues: every member ends
exactly as it would have without the interruption, on the same machine and thread
count. Members of one resumed population must have finished the same number of epochs
and, with a shared data order, share the order's state (`resume_key`).

A resumed member's trajectory files continue (`MemberTrajectory.open_folders`): rows and snapshots written after its last
checkpoint are dropped and trained again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from reglab.engine.checkpoint import CHECKPOINT_FILE, append_history_row, read_history_rows

__all__ = [
    "MEMBER_KIND",
    "save_member_checkpoints",
    "read_member_checkpoint",
    "resume_key",
    "load_members",
    "load_member_units",
]

MEMBER_KIND = "population-member"


def _cpu(tensor: torch.Tensor) -> torch.Tensor:
    return tensor.detach().to("cpu").contiguous().clone()


def _split(prefix: str, state: Mapping[str, Any], tensors: dict[str, torch.Tensor]) -> dict[str, Any]:
    rest = {}
    for key, value in state.items():
        if isinstance(value, torch.Tensor):
            tensors[f"{prefix}{key}"] = _cpu(value)
        else:
            rest[key] = value
    return rest


def save_member_checkpoints(state: Any, epoch: int, histories: Mapping[int, list], folders: Mapping[int, Path]) -> None:
    """Write the checkpoint of every member of `state` (after `epoch`) into its run folder."""
    for row, member in enumerate(state.members):
        own = state.callbacks.own.get(member, [])
        if member not in folders or not all(unit.resumable for unit in own):
            continue
        tensors: dict[str, torch.Tensor] = {}
        for name, tensor in {**state.params, **state.buffers}.items():
            tensors[f"model/{name}"] = _cpu(tensor[row])
        for name, entries in state.optimizer.state.items():
            for key, tensor in entries.items():
                tensors[f"optimizer/{name}/{key}"] = _cpu(tensor[row])
        if state.generators:
            tensors["rng/member"] = state.generators[row].get_state()
        order = state.order.generators[0 if state.order.shared else row]
        tensors["rng/order"] = order.get_state()
        stopper = state.techniques[member].stopper
        stopper_state = _split("unit/stopper/", stopper.state_dict(), tensors) if stopper is not None else None
        meta = {
            "kind": MEMBER_KIND,
            "epoch": epoch,
            "steps": state.optimizer.steps,
            "data_order": state.order.mode,
            "order_seed": state.order.order_seed,
            "stopper": stopper_state,
            "units": [_split(f"unit/own/{index}/", unit.state_dict(), tensors) for index, unit in enumerate(own)],
        }
        # each technique unit's part (EMA / SWA averages, pruning masks, the trajectory), by its state key
        for key, unit_state in state.units.member_state(row, member, state).items():
            meta[key] = _split(f"{key}/", unit_state, tensors)
        if histories[member]:
            append_history_row(folders[member], histories[member][-1])
        path = Path(folders[member]) / CHECKPOINT_FILE
        partial = path.with_suffix(".partial")
        save_file(tensors, str(partial), metadata={"reglab": json.dumps(meta)})
        os.replace(partial, path)


def read_member_checkpoint(folder: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]] | None:
    """A member checkpoint in `folder` (tensors, metadata), or None (none, or a single run's)."""
    path = Path(folder) / CHECKPOINT_FILE
    if not path.is_file():
        return None
    with safe_open(str(path), framework="pt") as handle:
        meta = json.loads(handle.metadata()["reglab"])
        if meta.get("kind") != MEMBER_KIND:
            return None
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    meta["history"] = read_history_rows(folder, int(meta["epoch"]))
    return tensors, meta


def resume_key(tensors: Mapping[str, torch.Tensor], meta: Mapping[str, Any]) -> tuple:
    """Members with equal keys can resume as one population: same epoch, step count and
    data order (with a shared order, the same state of its generator)."""
    shared_state = bytes(tensors["rng/order"].numpy()) if meta["data_order"] == "shared" else b""
    return meta["epoch"], meta["steps"], meta["data_order"], shared_state


def _gathered(prefix: str, tensors: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {key[len(prefix):]: value for key, value in tensors.items() if key.startswith(prefix)}


@torch.no_grad()
def load_members(state: Any, checkpoints: Sequence[tuple[dict[str, torch.Tensor], dict[str, Any]]]) -> tuple[int, dict[int, list]]:
    """Load row k of `state` (built anew from the members' configs) from `checkpoints[k]`.

    Returns the epochs done and each member's epoch rows so far.

    Raises:
        ValueError: checkpoints that cannot continue together, or do not fit the model.
    """
    keys = {resume_key(*checkpoint) for checkpoint in checkpoints}
    if len(keys) != 1:
        raise ValueError("the members' checkpoints are at different epochs or data orders")
    epoch, steps, data_order, _ = keys.pop()
    if data_order != state.order.mode:
        raise ValueError(f"the checkpoints were taken with data order {data_order}")
    for row, (tensors, meta) in enumerate(checkpoints):
        for name, value in _gathered("model/", tensors).items():
            target = state.params[name] if name in state.params else state.buffers[name]
            if target[row].shape != value.shape:
                raise ValueError(f"{name} has shape {tuple(value.shape)}, the model {tuple(target[row].shape)}")
            target[row].copy_(value)
        for key, value in _gathered("optimizer/", tensors).items():
            name, entry = key.rsplit("/", 1)
            slot = state.optimizer.state.setdefault(name, {})
            if entry not in slot:
                slot[entry] = torch.zeros_like(state.params[name])
            slot[entry][row].copy_(value)
        if state.generators and "rng/member" in tensors:
            state.generators[row].set_state(tensors["rng/member"])
        if not state.order.shared:
            state.order.generators[row].set_state(tensors["rng/order"])
        stopper = state.techniques[state.members[row]].stopper
        if stopper is not None and meta["stopper"] is not None:
            stopper.load_state_dict({**meta["stopper"], **_gathered("unit/stopper/", tensors)})
        saved = {key: {**value, **_gathered(f"{key}/", tensors)} for key, value in meta.items() if isinstance(value, dict)}
        state.units.load_member_state(row, state.members[row], saved, state)
    if state.order.shared:
        state.order.generators[0].set_state(checkpoints[0][0]["rng/order"])
    state.optimizer.steps = steps
    # the schedules are functions of the step: wind them forward (a lottery round restarts them)
    for _ in range(state.units.scheduled_epochs(epoch)):
        state.schedule.epoch_table()
    state.epoch = epoch
    histories = {member: [dict(row) for row in checkpoints[row][1]["history"]] for row, member in enumerate(state.members)}
    return epoch, histories


def load_member_units(state: Any, checkpoints: Sequence[tuple[dict[str, torch.Tensor], dict[str, Any]]]) -> None:
    """Give each member's own units (`record_only` callbacks) their saved state; called after
    their `on_fit_start`, which would reset it (as a single run's `restore_units`)."""
    for row, (tensors, meta) in enumerate(checkpoints):
        for index, (unit, values) in enumerate(zip(state.callbacks.own.get(state.members[row], []), meta.get("units", []))):
            saved = {**values, **_gathered(f"unit/own/{index}/", tensors)}
            if saved:
                unit.load_state_dict(saved)
