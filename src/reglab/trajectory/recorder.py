"""`TrajectoryRecorder`: watches the parameters while training runs (seed 000's *trajectory*)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Collection, Mapping, Sequence

import torch
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm

from reglab.config.trajectory import TRAJECTORY_METRICS, SnapshotEvery
from reglab.contract.state import load_plain_state, plain_state
from reglab.contract.events import Callback, EpochRecord, FitRecord, StepRecord
from reglab.trajectory.gradients import gradient_norms
from reglab.trajectory.metrics import (
    batchnorm_summaries,
    derive_metrics,
    distances,
    fetch,
    near_zero_counts,
    tensor_norms,
    zero_counts,
)
from reglab.trajectory.snapshots import SnapshotWriter
from reglab.trajectory.steps import STEPS_FILE, StepRowWriter, step_cadence

__all__ = ["TrajectoryRecorder", "fit_end_summary"]


def fit_end_summary(initial: Mapping[str, float], snapshots: SnapshotWriter | None, steps: StepRowWriter) -> dict[str, Any]:
    """The run summary's `trajectory` entry: the metrics at fit start, the snapshots kept, the step file.

    Finishes `snapshots` (the last epoch trained is saved if the schedule skipped it).
    NaN (undefined at a zero initialisation) is left out: summary.json stays strict JSON.
    """
    summary: dict[str, Any] = {"initial": {key: value for key, value in initial.items() if math.isfinite(value)}}
    if snapshots is not None:
        snapshots.finish()
        summary["snapshots"] = [entry.file for entry in snapshots.entries]
        summary["snapshot_stride"] = snapshots.stride
        summary["snapshot_bytes"] = snapshots.total_bytes()
    if steps.path is not None:
        summary["steps_file"] = STEPS_FILE
    return summary


class _Values:
    """A dict of floats as an object's attributes (for `plain_state`)."""

    def __init__(self, values: Mapping[str, float]) -> None:
        self.__dict__.update(values)


class TrajectoryRecorder(Callback):
    """Per-epoch (and optionally per-N-step) measurements of every parameter tensor.

    `<layer>` is a parameter name (`hidden.0.linear.weight`, `hidden.0.linear.bias`):
    per-layer keys exist for every weight and bias tensor; `total` is over all
    parameters as one flat vector. Batch-norm keys use the module name
    (`hidden.0.norm`). Formulas: `reglab.trajectory.metrics`.

    | key                              | set       | meaning                                             |
    |----------------------------------|-----------|-----------------------------------------------------|
    | param/l2/<layer>, param/l2/total | norms     | ‖w‖₂ (Frobenius norm); total ‖θ‖₂                   |
    | param/l1/<layer>, param/l1/total | norms     | ‖w‖₁ = Σ|wᵢ|                                        |
    | param/dist_init/<layer>, /total  | distance  | ‖w − w₀‖₂, w₀ = the weights at fit start            |
    | param/dist_init_rel/<layer>, /total | distance | ‖w − w₀‖₂ / ‖w₀‖₂ (NaN when w₀ = 0)               |
    | param/cos_init/<layer>, /total   | distance  | cosine similarity ⟨w, w₀⟩ / (‖w‖ ‖w₀‖) (NaN at 0)   |
    | param/sparsity/<layer>, /total   | sparsity  | fraction of entries exactly 0                       |
    | param/near_zero/<layer>, /total  | sparsity  | fraction of entries with |wᵢ| < ε (`trajectory.epsilon`) |
    | grad/l2/<layer>, grad/l2/total   | gradients | ‖∇w‖₂ of the epoch's last step (`gradient_mode: last_step`), or its mean over the epoch's steps (`epoch_mean`) |
    | update_ratio/<layer>, /total     | updates   | ‖w_end − w_start‖₂ / ‖w_end‖₂ over the whole epoch  |
    | bn/running_mean/<module>         | batchnorm | mean over channels of the running mean              |
    | bn/running_var/<module>          | batchnorm | mean over channels of the running variance          |
    | bn/weight/<module>, bn/bias/<module> | batchnorm | mean affine scale γ and shift β (affine layers) |

    Every epoch costs a few batched `torch._foreach_*` kernels and ONE host sync.
    With `every_steps=N` the same keys (gradients and update ratio over the last N
    steps) are measured every N optimizer steps, kept on the device, and written
    at the epoch's end to `runs/<id>/trajectory_steps.csv` (columns `epoch`, `step`,
    then the keys; a first row at step 0), keeping the per-epoch table clean
    (without a run folder they stay in `step_rows`). The metrics at fit start go
    to the run summary under `trajectory.initial`.

    One recorder serves a single run or every member of a population: it keeps one track
    per member (`record.member`), each with its own initial weights, step rows and snapshots
    in the member's run folder.

    Args:
        metrics: the sets to record (norms, distance, sparsity, gradients, updates, batchnorm).
        epsilon: ε of `param/near_zero`.
        (`gradients` reads the gradients the run attaches to the member's module at the
        epoch's end and at step ends: those of the last step, as the optimizer used them.)
        every_steps: also measure every this many optimizer steps.
        snapshot_epochs, snapshot_steps, snapshot_budget_mb: see `reglab.trajectory.snapshots`.
        directory: where step rows and snapshots go, for a single run; default the run's
            artifact folder (`FitRecord.run_dir`, each member's own in a population). Without
            one, step rows stay in `step_rows` and no snapshot is written.

    Example:
        >>> recorder = TrajectoryRecorder(metrics=["norms", "distance"])
        >>> run = reglab.train(config, callbacks=[recorder])
        >>> run.history[-1]["param/dist_init/total"]

    Reference:
        Li et al. 2018, Visualizing the Loss Landscape of Neural Nets (arXiv:1712.09913),
        for watching norms and distances along training.
    """

    kind = "observer"

    def __init__(
        self,
        metrics: Collection[str] = TRAJECTORY_METRICS,
        epsilon: float = 1e-3,
        every_steps: int | None = None,
        snapshot_epochs: Sequence[int] | SnapshotEvery | None = None,
        snapshot_steps: Sequence[int] | SnapshotEvery | None = None,
        snapshot_budget_mb: float = 256.0,
        directory: Path | None = None,
    ) -> None:
        unknown = set(metrics) - set(TRAJECTORY_METRICS)
        if unknown:
            raise ValueError(f"unknown trajectory metric sets {sorted(unknown)}")
        self.sets = set(metrics)
        self.epsilon = epsilon
        self.every_steps = every_steps
        self.snapshot_epochs = snapshot_epochs
        self.snapshot_steps = snapshot_steps
        self.snapshot_budget_mb = snapshot_budget_mb
        self.directory = directory
        self.step_every = step_cadence(every_steps, snapshot_steps)
        self.tracks: dict[int, _Track] = {}  # one per member (`record.member`; a single run's is 0)

    # -- events ------------------------------------------------------------------

    def on_fit_start(self, record: FitRecord) -> None:
        if self.directory is not None and self.tracks and record.member not in self.tracks:
            raise ValueError(
                "TrajectoryRecorder(directory=...) records one run; in a population leave directory unset "
                "and each member writes into its own run folder"
            )
        track = self.tracks[record.member] = _Track(self, record.model)
        track.open(record.model, self.directory if self.directory is not None else record.run_dir)
        return None

    @property
    def resumable(self) -> bool:  # type: ignore[override]
        # step rows and snapshots keep files and counters that the checkpoint does not hold yet
        return not (self.every_steps or self.snapshot_epochs is not None or self.snapshot_steps is not None)

    def state_dict(self) -> dict[str, Any]:
        """One run's state (a checkpoint holds one member): its initial weights and metrics."""
        track = self._only_track()
        state: dict[str, Any] = {f"initial/{index}": weight for index, weight in enumerate(track.initial_weights)}
        state["initial_norms"] = [float(value) for value in track.initial_norms]
        state["initial_summary"] = plain_state(_Values(track.initial))
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        track = self._only_track()
        for index, weight in enumerate(track.initial_weights):
            weight.copy_(state[f"initial/{index}"])
        track.initial_norms = list(state["initial_norms"])
        values = _Values({})
        load_plain_state(values, state["initial_summary"])
        track.initial = dict(vars(values))

    def _only_track(self) -> "_Track":
        if len(self.tracks) != 1:
            raise RuntimeError(f"a TrajectoryRecorder's state_dict is one run's; this one tracks {len(self.tracks)} members")
        return next(iter(self.tracks.values()))

    def on_epoch_start(self, record: EpochRecord) -> None:
        self.tracks[record.member].start_epoch(record.model)

    def on_step_end(self, record: StepRecord) -> None:
        self.tracks[record.member].end_step(record)
        return None

    def on_epoch_end(self, record: EpochRecord) -> dict[str, float]:
        return self.tracks[record.member].end_epoch(record)

    def on_fit_end(self, record: FitRecord) -> Mapping[str, Any]:
        track = self.tracks[record.member]
        return {"trajectory": fit_end_summary(track.initial, track.snapshots, track.steps)}

    @property
    def initial(self) -> dict[str, float]:
        """The metrics at fit start (of the only run, or of member 0 of a population)."""
        return self.tracks[min(self.tracks)].initial if self.tracks else {}

    @property
    def step_rows(self) -> list[dict[str, float]]:
        """Step-level rows kept in memory (only when there is no run folder), of the only run or
        member 0; `tracks[member].steps.rows` for another member of a population."""
        return self.tracks[min(self.tracks)].steps.rows if self.tracks else []


class _Track:
    """One run's (one member's) measurements: its weights at fit start and epoch start, the
    step rows waiting for the epoch's host sync, its step-row file and snapshots.

    The parameters are read from the member's module at every event (a population re-points
    a member's module when the stacked tensors change)."""

    def __init__(self, recorder: TrajectoryRecorder, model: torch.nn.Module) -> None:
        self.recorder = recorder
        self.sets, self.epsilon = recorder.sets, recorder.epsilon
        named = list(model.named_parameters())
        self.names = [name for name, _ in named]
        self.numels = [parameter.numel() for _, parameter in named]
        self.batchnorm_names = [name for name, module in model.named_modules() if isinstance(module, _BatchNorm)]
        self.steps = StepRowWriter(None)
        self.snapshots: SnapshotWriter | None = None
        self.pending: list[tuple[int, int, dict[str, Tensor]]] = []
        weights = _weights(model)
        self.initial_weights = [weight.clone() for weight in weights] if "distance" in self.sets else []
        self.epoch_start = [weight.clone() for weight in weights] if "updates" in self.sets else []
        self.previous_row = [weight.clone() for weight in weights] if recorder.every_steps and "updates" in self.sets else []
        self.initial_norms: list[float] = []
        raw = self._measure(model, reference=None, gradient=None)
        fetched = fetch(raw)
        self.initial_norms = fetched["l2"] if "l2" in fetched else []
        self.initial = self._derive(fetched)
        self.initial_raw = raw

    def open(self, model: torch.nn.Module, folder: Path | None) -> None:
        """The step-row file (a first row at step 0) and the snapshots, in `folder`."""
        recorder = self.recorder
        if recorder.every_steps:
            self.steps = StepRowWriter(Path(folder) / STEPS_FILE if folder is not None else None)
            self.pending.append((0, 0, self.initial_raw))
        if folder is not None and (recorder.snapshot_epochs is not None or recorder.snapshot_steps is not None):
            self.snapshots = SnapshotWriter(
                Path(folder) / "snapshots", recorder.snapshot_epochs, recorder.snapshot_steps, recorder.snapshot_budget_mb, self.names
            )
            self.snapshots.start(model)

    def start_epoch(self, model: torch.nn.Module) -> None:
        if self.epoch_start:
            torch._foreach_copy_(self.epoch_start, _weights(model))

    def end_step(self, record: StepRecord) -> None:
        every = self.recorder.every_steps
        if every and record.step % every == 0:
            parameters = list(record.model.parameters())
            gradient = gradient_norms(parameters) if "gradients" in self.sets else None
            raw = self._measure(record.model, reference=self.previous_row or None, gradient=gradient)
            if self.previous_row:
                torch._foreach_copy_(self.previous_row, _weights(record.model))
            self.pending.append((record.epoch, record.step, raw))
        if self.snapshots is not None:
            self.snapshots.on_step(record.model, record.epoch, record.step)

    def end_epoch(self, record: EpochRecord) -> dict[str, float]:
        parameters = list(record.model.parameters())
        if "gradients" in self.sets and any(parameter.grad is not None for parameter in parameters):
            gradient = gradient_norms(parameters)  # the last step's, attached to the module
        else:
            gradient = None
        raw = self._measure(record.model, reference=self.epoch_start or None, gradient=gradient)
        quantities = {f"epoch/{key}": value for key, value in raw.items()}
        for index, (_, _, row) in enumerate(self.pending):
            quantities.update({f"row{index}/{key}": value for key, value in row.items()})
        fetched = fetch(quantities)  # the one host sync of the epoch
        metrics = self._derive(_section(fetched, "epoch/"))
        rows = [
            {"epoch": epoch, "step": step, **self._derive(_section(fetched, f"row{index}/"))}
            for index, (epoch, step, _) in enumerate(self.pending)
        ]
        self.pending.clear()
        self.steps.write(rows)
        if self.snapshots is not None:
            self.snapshots.on_epoch(record.model, record.epoch, record.step)
        return metrics

    # -- measuring ----------------------------------------------------------------

    def _measure(self, model: torch.nn.Module, reference: list[Tensor] | None, gradient: Tensor | None) -> dict[str, Tensor]:
        """Device tensors of every quantity the enabled sets need (no sync)."""
        weights = _weights(model)
        raw: dict[str, Tensor] = {}
        if self.sets & {"norms", "distance", "updates"}:
            raw["l2"] = tensor_norms(weights)
        if "norms" in self.sets:
            raw["l1"] = tensor_norms(weights, 1.0)
        if "distance" in self.sets:
            raw["distance"] = distances(weights, self.initial_weights)
        if "sparsity" in self.sets:
            raw["nonzero"] = zero_counts(weights)
            raw["above_epsilon"] = near_zero_counts(weights, self.epsilon)
        if "updates" in self.sets and reference is not None:
            raw["update"] = distances(weights, reference)
        if "gradients" in self.sets and gradient is not None:
            raw["gradient"] = gradient
        if "batchnorm" in self.sets and self.batchnorm_names:
            modules = dict(model.named_modules())
            raw["batchnorm"] = batchnorm_summaries([modules[name] for name in self.batchnorm_names])
        return raw

    def _derive(self, fetched: Mapping[str, Sequence[float]]) -> dict[str, float]:
        return derive_metrics(
            self.names,
            self.numels,
            fetched,
            self.sets,
            initial_norms=self.initial_norms or fetched.get("l2"),
            gradient_names=self.names,
            batchnorm_names=self.batchnorm_names,
        )


def _weights(model: torch.nn.Module) -> list[Tensor]:
    return [parameter.detach() for parameter in model.parameters()]


def _section(fetched: Mapping[str, list[float]], prefix: str) -> dict[str, list[float]]:
    return {key[len(prefix) :]: value for key, value in fetched.items() if key.startswith(prefix)}
