"""The parameter trajectory of every member (`trajectory.*` keys), measured with batched
reductions over stacked tensors: the trajectory family's unit.

The device side measures each quantity for all members at once, as a (tensors, K)
matrix: one reduction over the stacked tensor's non-member dims per parameter
tensor. The host side is `reglab.trajectory.metrics.derive_metrics`, called once per
member, so every member records the `param/*`, `grad/*`, `update_ratio/*` and `bn/*`
keys that `TrajectoryRecorder` records for a module (see that module for the formulas
and the key table).

With `trajectory.every_steps = N` the same quantities are measured every N steps
(gradients of that step, updates since the previous row), kept on the device and
fetched with the epoch's one host sync; each member's rows go to its own
`runs/<id>/trajectory_steps.csv` through a `StepRowWriter`. With `trajectory.snapshot_*`
each member has a `SnapshotWriter` in its run folder, fed the member's state dict
(`unstack_state`) at the same epochs and steps whatever K, so its `snapshots/` folder,
index and thinning are those of its run alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import torch

from reglab.contract.members import unstack_state
from reglab.contract.units import MemberEpochEnd, MemberFinish, MemberStep, MemberUnit
from reglab.trajectory.metrics import derive_metrics
from reglab.trajectory.recorder import fit_end_summary
from reglab.trajectory.snapshots import SnapshotWriter, is_due
from reglab.trajectory.steps import STEPS_FILE, StepRowWriter

__all__ = ["MemberTrajectory", "member_norms"]


def member_norms(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """‖w_k‖₂ of each stacked tensor (K, ...) and member: a (len(tensors), K) matrix."""
    return torch.stack([tensor.flatten(1).norm(dim=1) for tensor in tensors])


def _gradient_norms(gradients: Sequence[torch.Tensor]) -> torch.Tensor:
    """Per tensor ‖∇w_k‖₂, then the global norm ‖∇θ_k‖₂: (len(gradients) + 1, K), as `gradient_norms`."""
    norms = member_norms(gradients)
    return torch.cat([norms, torch.linalg.vector_norm(norms, dim=0, keepdim=True)])


class _MemberFiles:
    """Each member's step-row and snapshot writers, by original member index.

    One object shared by all shards of a population (a deep copy is the object itself):
    a member is in one shard at a time, and only that shard writes its files.
    """

    def __init__(self) -> None:
        self.steps: dict[int, StepRowWriter] = {}
        self.snapshots: dict[int, SnapshotWriter] = {}

    def __deepcopy__(self, memo: dict) -> "_MemberFiles":
        return self


class MemberTrajectory(MemberUnit):
    """Per-epoch trajectory quantities of every member.

    Args:
        params: the stacked parameters at the start of training (θ₀ is copied).
        buffers: the stacked buffers (batch-norm running statistics).
        batchnorm_names: module names of the batch-norm layers (`hidden.0.norm`).
        settings: the members' `trajectory` section (`metrics`, `epsilon`, `gradient_mode`,
            `every_steps`, `snapshot_epochs`, `snapshot_steps`, `snapshot_budget_mb`:
            shared by a population).

    The keys and their formulas are `TrajectoryRecorder`'s (`reglab.trajectory.recorder`).
    As a unit it acts last in both of its slots: it measures the gradient the optimizer
    uses (after masks and clipping) and the weights every rule has left.

    Example:
        >>> trajectory = MemberTrajectory(params, buffers, [], config.trajectory)
        >>> raw = trajectory.measure(params, buffers)      # device tensors, (n, K) each
        >>> trajectory.open_folders(run_folders, state, resuming=False)  # step rows and snapshots, per member
    """

    name = "trajectory"
    slots = ("gradient_transform", "weight_transform")

    def transform_gradients(self, gradients: dict[str, torch.Tensor], step: MemberStep) -> None:
        self.observe_gradients(gradients, last_step=step.last)

    def transform_weights(self, step: MemberStep) -> None:
        self.end_step(step.params, step.buffers, step.gradients, step.members)

    def __init__(self, params, buffers, batchnorm_names: Sequence[str], settings: Any) -> None:
        self.every_steps: int | None = settings.every_steps
        self.snapshot_epochs = settings.snapshot_epochs
        self.snapshot_steps = settings.snapshot_steps
        self.snapshot_budget_mb: float = settings.snapshot_budget_mb
        self.epoch = 0
        self.step = 0
        self.files = _MemberFiles()
        self.resumed_files: dict[int, tuple[Any, Any]] = {}  # member -> its writers' saved state, until `open_folders`
        self.pending: list[tuple[int, int, dict[str, torch.Tensor]]] = []  # (epoch, step, (n, K) quantities)
        self.fetched_rows: list[tuple[int, int]] = []  # the positions of the rows in the last `measure`
        self.names = list(params)
        self.numels = [tensor[0].numel() for tensor in params.values()]
        self.batchnorm_names = list(batchnorm_names)
        self.sets = set(settings.metrics)
        self.epsilon = settings.epsilon
        self.gradient_mode = settings.gradient_mode
        with torch.no_grad():
            self.initial = {name: tensor.detach().clone() for name, tensor in params.items()}
        self.initial_norms = member_norms(list(self.initial.values())).T.tolist()  # K lists
        self.epoch_start: dict[str, torch.Tensor] = {}
        self.gradient_sum: torch.Tensor | None = None
        self.gradient_last: torch.Tensor | None = None
        self.gradient_steps = 0
        # What the single run's recorder keeps in its summary as `trajectory.initial` (and its step row 0).
        initial_raw = {name: value.T.tolist() for name, value in self.measure(params, buffers).items()}
        self.initial_summaries = [
            self.metrics({name: rows[member] for name, rows in initial_raw.items()}, member)
            for member in range(len(self.initial_norms))
        ]
        # The weights at the previous step row (for `update_ratio/*` of step rows).
        self.previous_row: dict[str, torch.Tensor] = (
            {name: tensor.clone() for name, tensor in self.initial.items()} if self.every_steps and "updates" in self.sets else {}
        )

    @property
    def snapshots_on(self) -> bool:
        return self.snapshot_epochs is not None or self.snapshot_steps is not None

    def open_folders(self, folders: dict[int, Path], run: Any, resuming: bool) -> None:
        """Each member's step-row file and snapshot folder in its run folder (`folders[member]`);
        the initial weights are snapshot 0 (a resumed member's files continue instead, from
        the state `load_member_state` took back). Called once the store has made the folders."""
        for row, member in enumerate(run.members):
            folder = Path(folders[member])
            if self.every_steps:
                self.files.steps[member] = StepRowWriter(folder / STEPS_FILE)
            if self.snapshots_on:
                writer = SnapshotWriter(folder / "snapshots", self.snapshot_epochs, self.snapshot_steps, self.snapshot_budget_mb, self.names)
                if not resuming:
                    writer.start(unstack_state(run.params, run.buffers, row))
                self.files.snapshots[member] = writer
            if resuming and member in self.resumed_files:
                snapshots, step_columns = self.resumed_files.pop(member)
                if member in self.files.snapshots:
                    self.files.snapshots[member].restore(snapshots)
                if member in self.files.steps:
                    self.files.steps[member].restore(step_columns, self.step)

    def member_state(self, position: int, member: int, run: Any) -> dict[str, Any]:
        """For a checkpoint: the step counters, the member's weights at the last step row and its
        file writers' state."""
        state: dict[str, Any] = {"epoch": self.epoch, "step": self.step}
        state.update({f"previous/{name}": tensor[position] for name, tensor in self.previous_row.items()})
        if member in self.files.snapshots:
            state["snapshots"] = self.files.snapshots[member].state()
        if member in self.files.steps:
            state["step_columns"] = self.files.steps[member].columns
        return state

    @torch.no_grad()
    def load_member_state(self, position: int, member: int, saved: dict[str, Any], run: Any) -> None:
        """Take back `member_state`; the writers' part waits for `open_folders(..., resuming=True)`."""
        self.epoch, self.step = int(saved["epoch"]), int(saved["step"])
        for key, value in saved.items():
            if key.startswith("previous/"):
                self.previous_row[key[len("previous/"):]][position].copy_(value)
        self.resumed_files[member] = (saved.get("snapshots"), saved.get("step_columns"))

    def start_epoch(self, run: Any, lrs: torch.Tensor) -> torch.Tensor:
        self.epoch += 1
        self.gradient_sum, self.gradient_last, self.gradient_steps = None, None, 0
        if "updates" in self.sets:
            with torch.no_grad():
                self.epoch_start = {name: tensor.detach().clone() for name, tensor in run.params.items()}
        return lrs

    @torch.no_grad()
    def observe_gradients(self, grads: dict[str, torch.Tensor], last_step: bool) -> None:
        """Called after backward: keep this step's gradient norms when the mode needs them."""
        if "gradients" not in self.sets or not (last_step or self.gradient_mode == "epoch_mean"):
            return
        norms = member_norms([grads[name] for name in self.names])
        norms = torch.cat([norms, torch.linalg.vector_norm(norms, dim=0, keepdim=True)])
        if self.gradient_mode == "epoch_mean":
            self.gradient_sum = norms if self.gradient_sum is None else self.gradient_sum + norms
            self.gradient_steps += 1
        else:
            self.gradient_last = norms

    def end_step(self, params, buffers, grads: dict[str, torch.Tensor], members: Sequence[int]) -> None:
        """After the optimizer step and the weight rules: a step row every `every_steps` steps
        (kept on the device) and the step snapshots that are due. `members[row]` is the
        original index of stacked row `row`. Without step rows and step snapshots it only counts."""
        self.step += 1
        if self.every_steps and self.step % self.every_steps == 0:
            self._step_row(params, buffers, grads)
        if self.snapshot_steps is not None and is_due(self.snapshot_steps, self.step):
            for row, member in enumerate(members):
                self.files.snapshots[member].on_step(unstack_state(params, buffers, row), self.epoch, self.step)

    @torch.no_grad()
    def _step_row(self, params, buffers, grads: dict[str, torch.Tensor]) -> None:
        gradient = _gradient_norms([grads[name] for name in self.names]) if "gradients" in self.sets else None
        raw = self._measure(params, buffers, self.previous_row or None, gradient)
        if self.previous_row:
            torch._foreach_copy_([self.previous_row[name] for name in self.names], [params[name].detach() for name in self.names])
        self.pending.append((self.epoch, self.step, raw))

    @torch.no_grad()
    def measure(self, params, buffers) -> dict[str, torch.Tensor]:
        """Device quantities of the epoch, each (rows, K), and the step rows kept since the
        last call (`row<i>/<name>`; their positions go to `fetched_rows`); no host sync."""
        gradients = self.gradient_last if self.gradient_mode == "last_step" else (
            None if self.gradient_sum is None else self.gradient_sum / self.gradient_steps
        )
        raw = self._measure(params, buffers, self.epoch_start or None, gradients)
        for index, (_, _, row) in enumerate(self.pending):
            raw.update({f"row{index}/{name}": value for name, value in row.items()})
        self.fetched_rows = [(epoch, step) for epoch, step, _ in self.pending]
        self.pending = []
        return raw

    def epoch_quantities(self, run: Any) -> dict[str, torch.Tensor]:
        """`measure`'s quantities, as `trajectory/<name>`."""
        return {f"trajectory/{name}": value for name, value in self.measure(run.params, run.buffers).items()}

    def _measure(self, params, buffers, reference: dict[str, torch.Tensor] | None, gradients: torch.Tensor | None) -> dict[str, torch.Tensor]:
        tensors = [params[name] for name in self.names]
        raw: dict[str, torch.Tensor] = {}
        if self.sets & {"norms", "distance", "updates"}:
            raw["l2"] = member_norms(tensors)
        if "norms" in self.sets:
            raw["l1"] = torch.stack([tensor.abs().flatten(1).sum(dim=1) for tensor in tensors])
        if "distance" in self.sets:
            raw["distance"] = member_norms([tensor - self.initial[name] for name, tensor in zip(self.names, tensors)])
        if "sparsity" in self.sets:
            raw["nonzero"] = torch.stack([(tensor != 0).flatten(1).sum(dim=1) for tensor in tensors]).float()
            raw["above_epsilon"] = torch.stack(
                [(torch.floor(tensor.abs() / self.epsilon) != 0).flatten(1).sum(dim=1) for tensor in tensors]
            ).float()
        if "updates" in self.sets and reference:
            raw["update"] = member_norms([tensor - reference[name] for name, tensor in zip(self.names, tensors)])
        if "gradients" in self.sets and gradients is not None:
            raw["gradient"] = gradients
        if "batchnorm" in self.sets and self.batchnorm_names:
            rows = []
            for module in self.batchnorm_names:
                for key, source in (("running_mean", buffers), ("running_var", buffers), ("weight", params), ("bias", params)):
                    rows.append(source[f"{module}.{key}"].detach().float().flatten(1).mean(dim=1))
            raw["batchnorm"] = torch.stack(rows)
        return raw

    def metrics(self, raw_by_member: dict[str, list[float]], original_member: int) -> dict[str, float]:
        """The member's metric keys from its fetched rows (`raw_by_member[name]`); `original_member` indexes θ₀."""
        return derive_metrics(
            self.names,
            self.numels,
            raw_by_member,
            self.sets,
            initial_norms=self.initial_norms[original_member],
            gradient_names=self.names,
            batchnorm_names=self.batchnorm_names,
        )

    def epoch_metrics(self, end: MemberEpochEnd) -> dict[str, float]:
        """One member's `trajectory/*` keys; writes its step rows and its epoch snapshot."""
        raw = {
            name.removeprefix("trajectory/"): values[end.position] for name, values in end.fetched.items() if name.startswith("trajectory/")
        }
        return self.end_epoch(raw, end.member, end.position, end.run.params, end.run.buffers)

    def end_epoch(self, raw: dict[str, list[float]], member: int, row: int, params, buffers) -> dict[str, float]:
        """Member `member`'s epoch metrics from its fetched rows (`raw`, see `measure`); writes its
        step rows and, when snapshots are on, its epoch snapshot (stacked row `row`)."""
        epoch_raw = {name: value for name, value in raw.items() if not name.startswith("row")}
        metrics = self.metrics(epoch_raw, member)
        if member in self.files.steps:
            rows = [{"epoch": 0, "step": 0, **self.initial_summaries[member]}] if self.epoch == 1 else []
            for index, (epoch, step) in enumerate(self.fetched_rows):
                prefix = f"row{index}/"
                values = {name[len(prefix) :]: value for name, value in raw.items() if name.startswith(prefix)}
                rows.append({"epoch": epoch, "step": step, **self.metrics(values, member)})
            self.files.steps[member].write(rows)
        if member in self.files.snapshots:
            self.files.snapshots[member].on_epoch(unstack_state(params, buffers, row), self.epoch, self.step)
        return metrics

    def final_summary(self, finish: MemberFinish) -> dict[str, Any]:
        """The member's summary entry `trajectory`, as its single run's (finishes its snapshots)."""
        steps = self.files.steps.get(finish.member, StepRowWriter(None))
        snapshots = self.files.snapshots.get(finish.member)
        return {"trajectory": fit_end_summary(self.initial_summaries[finish.member], snapshots, steps)}

    def absorb(self, others: Sequence["MemberTrajectory"]) -> None:
        """Take over the members of `others` (at an epoch's end: θ₀ and the last step row's weights carry over)."""
        self.initial = {name: torch.cat([tensor] + [other.initial[name] for other in others]) for name, tensor in self.initial.items()}
        self.previous_row = {
            name: torch.cat([tensor] + [other.previous_row[name] for other in others]) for name, tensor in self.previous_row.items()
        }

    def select(self, keep: torch.Tensor, positions: Sequence[int]) -> None:
        self.initial = {name: tensor.index_select(0, keep) for name, tensor in self.initial.items()}
        self.previous_row = {name: tensor.index_select(0, keep) for name, tensor in self.previous_row.items()}
