"""Full weight snapshots along the trajectory, kept within a disk budget.

Layout under the run's artifact folder:

    runs/<id>/snapshots/epoch_0000.safetensors    initial weights (always, when snapshots are on)
    runs/<id>/snapshots/epoch_0003.safetensors    after epoch 3
    runs/<id>/snapshots/step_00000120.safetensors after global optimizer step 120
    runs/<id>/snapshots/index.json                the kept snapshots in training order,
                                                  with epoch, step and the parameter names

A snapshot is the model's full state dict (parameters and buffers such as batch-norm
running statistics), saved with safetensors (never pickle).

Thinning: every scheduled snapshot point gets an ordinal k (0 = the initial weights).
With stride s, only points with k % s == 0 are kept, plus the newest one. When the
snapshots exceed `budget_mb`, s doubles and the files that no longer fit the stride
are deleted, so the kept snapshots stay evenly spaced in training time; the first
and the newest are always kept (even when those two alone exceed the budget).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Mapping, Sequence

import torch

from reglab.config.trajectory import SnapshotEvery
from safetensors.torch import save_file

__all__ = [
    "INDEX_NAME",
    "SnapshotEntry",
    "SnapshotWriter",
    "fit_budget",
    "is_due",
    "plain_state",
    "read_index",
    "thin_to_stride",
]

INDEX_NAME = "index.json"
Schedule = Sequence[int] | SnapshotEvery | None
# What a snapshot is taken of: a model (its `plain_state`), or a state dict under the model's names
# (a population member's, `reglab.population.stacked.unstack_state`).
Source = torch.nn.Module | Mapping[str, torch.Tensor]


def is_due(schedule: Schedule, number: int) -> bool:
    """True when epoch/step `number` is in the schedule (a list, or every k)."""
    if schedule is None:
        return False
    if isinstance(schedule, SnapshotEvery):
        return number % schedule.every == 0
    return number in schedule


def plain_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The model's state dict with the names a plain model has.

    A model pruned with `torch.nn.utils.prune` holds `weight_orig` and `weight_mask`;
    its snapshot stores the effective `weight` instead (`reglab.pruning.masks`), so
    every snapshot of a run has the same keys and loads into a model built from the config.
    """
    from reglab.pruning.masks import pruned_state_dict

    return pruned_state_dict(model)


def _state_of(source: Source) -> dict[str, torch.Tensor]:
    return plain_state(source) if isinstance(source, torch.nn.Module) else dict(source)


@dataclass(frozen=True)
class SnapshotEntry:
    """One saved snapshot: its file name (in the snapshots folder), position and size."""

    file: str
    epoch: int
    step: int
    ordinal: int
    bytes: int


def thin_to_stride(entries: Sequence[SnapshotEntry], stride: int) -> tuple[list[SnapshotEntry], list[SnapshotEntry]]:
    """Split `entries` into (kept, dropped): keep the first, the newest, and ordinals divisible by `stride`.

    Example:
        >>> kept, dropped = thin_to_stride(entries_with_ordinals_0_to_4, 2)  # keeps 0, 2, 4
    """
    kept, dropped = [], []
    for index, entry in enumerate(entries):
        keep = index == 0 or index == len(entries) - 1 or entry.ordinal % stride == 0
        (kept if keep else dropped).append(entry)
    return kept, dropped


def fit_budget(
    entries: Sequence[SnapshotEntry], stride: int, budget_bytes: float
) -> tuple[list[SnapshotEntry], list[SnapshotEntry], int]:
    """Double the stride until the kept snapshots fit the budget (or only two are left).

    Returns (kept, dropped, stride).
    """
    kept, dropped = thin_to_stride(entries, stride)
    while sum(entry.bytes for entry in kept) > budget_bytes and len(kept) > 2:
        stride *= 2
        kept, more = thin_to_stride(kept, stride)
        dropped.extend(more)
    return kept, dropped, stride


def read_index(folder: Path) -> dict:
    """The snapshots index of a run's `snapshots/` folder (empty lists when absent)."""
    path = Path(folder) / INDEX_NAME
    if not path.is_file():
        return {"parameters": [], "snapshots": []}
    from reglab.store import UnreadableArtifact, child_path

    try:
        index = json.loads(path.read_text())
        entries = index["snapshots"]
        if not all(isinstance(entry, dict) and "file" in entry for entry in entries):
            raise ValueError("an entry without a file")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise UnreadableArtifact(path, f"not a snapshot index: {error}") from None
    for entry in entries:
        child_path(Path(folder), entry["file"])  # a name that leaves the run folder is refused
    return index


class SnapshotWriter:
    """Saves scheduled snapshots of a model (or of a state dict) and keeps them within the budget.

    Args:
        folder: the run's `snapshots/` folder (created on first use).
        epochs: epoch schedule (a list, `SnapshotEvery`, or None).
        steps: global-step schedule (a list, `SnapshotEvery`, or None).
        budget_mb: disk budget in megabytes (10⁶ bytes).
        parameter_names: names of the model's parameters (stored in the index for PCA).
    """

    def __init__(
        self,
        folder: Path,
        epochs: Schedule,
        steps: Schedule,
        budget_mb: float,
        parameter_names: Sequence[str],
    ) -> None:
        self.folder = Path(folder)
        self.epochs = epochs
        self.steps = steps
        self.budget_bytes = budget_mb * 1e6
        self.parameter_names = list(parameter_names)
        self.entries: list[SnapshotEntry] = []
        self.stride = 1
        self._ordinal = 0
        self._last_saved_epoch = -1
        self._held: dict[str, torch.Tensor] | None = None
        self._held_position: tuple[int, int] | None = None

    def start(self, source: Source) -> None:
        """Save the initial weights as epoch 0."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._save(_state_of(source), epoch=0, step=0, name="epoch_0000", ordinal=0)

    def state(self) -> dict:
        """What a checkpoint keeps: the kept snapshots, the stride and the count of scheduled ones."""
        return {"entries": [asdict(entry) for entry in self.entries], "stride": self.stride, "ordinal": self._ordinal}

    def restore(self, saved: dict) -> None:
        """Continue from `state()`: snapshot files written after the checkpoint are removed
        (training them again writes them again)."""
        self.entries = [SnapshotEntry(**entry) for entry in saved["entries"]]
        self.stride, self._ordinal = int(saved["stride"]), int(saved["ordinal"])
        self.folder.mkdir(parents=True, exist_ok=True)
        kept = {entry.file for entry in self.entries}
        for path in self.folder.glob("*.safetensors"):
            if path.name not in kept:
                path.unlink()
        self._write_index()

    def step_due(self, step: int) -> bool:
        return is_due(self.steps, step)

    def on_step(self, source: Source, epoch: int, step: int) -> None:
        """Save a step snapshot when the schedule (and the stride) ask for it."""
        if not self.step_due(step):
            return
        self._scheduled(_state_of(source), epoch, step, f"step_{step:08d}")

    def on_epoch(self, source: Source, epoch: int, step: int) -> None:
        """Save an epoch snapshot when scheduled; otherwise hold a device copy in case it is the last."""
        state = _state_of(source)
        if is_due(self.epochs, epoch) and self._scheduled(state, epoch, step, f"epoch_{epoch:04d}"):
            self._held_position = None
            return
        if self._held is None or self._held.keys() != state.keys():
            self._held = {name: tensor.detach().clone() for name, tensor in state.items()}
        else:
            torch._foreach_copy_([self._held[name] for name in state], [t.detach() for t in state.values()])
        self._held_position = (epoch, step)

    def finish(self) -> None:
        """Save the last epoch trained if the schedule skipped it (always kept)."""
        if self._held_position is not None and self._held is not None:
            epoch, step = self._held_position
            if self.entries and self.entries[-1].step == step:
                self._held = self._held_position = None
                return
            self._ordinal += 1
            self._save(self._held, epoch, step, f"epoch_{epoch:04d}", self._ordinal)
        self._held = None
        self._held_position = None

    def _scheduled(self, state: dict[str, torch.Tensor], epoch: int, step: int, name: str) -> bool:
        if self.entries and self.entries[-1].step == step:
            return True  # a step and an epoch snapshot of the same weights: keep one
        self._ordinal += 1
        if self._ordinal % self.stride:
            return False
        self._save(state, epoch, step, name, self._ordinal)
        return True

    def _save(self, state: dict[str, torch.Tensor], epoch: int, step: int, name: str, ordinal: int) -> None:
        path = self.folder / f"{name}.safetensors"
        # As reglab.store.save_weights, plus the position as safetensors metadata: ONE key, since
        # safetensors writes several in hash order, and the same weights make the same bytes.
        tensors = {key: tensor.detach().to("cpu").contiguous().clone() for key, tensor in state.items()}
        save_file(tensors, str(path), metadata={"reglab": json.dumps({"epoch": epoch, "step": step})})
        self.entries.append(SnapshotEntry(path.name, epoch, step, ordinal, path.stat().st_size))
        kept, dropped, self.stride = fit_budget(self.entries, self.stride, self.budget_bytes)
        for entry in dropped:
            (self.folder / entry.file).unlink(missing_ok=True)
        self.entries = kept
        self._write_index()

    def _write_index(self) -> None:
        index = {
            "parameters": self.parameter_names,
            "stride": self.stride,
            "budget_mb": self.budget_bytes / 1e6,
            "snapshots": [asdict(entry) for entry in self.entries],
        }
        (self.folder / INDEX_NAME).write_text(json.dumps(index, indent=1))

    def total_bytes(self) -> int:
        return sum(entry.bytes for entry in self.entries)
