"""Tiny models and data for the trajectory tests: trained by `reglab.train` (a population of
one), with probes that let a test recompute every recorded quantity by hand."""

from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F

import reglab
from reglab.contract.batches import batch_starts
from reglab.contract.events import Callback
from reglab.data import DataSplits

SEED = 0


def tiny_data(samples: int = 48, features: int = 5, classes: int = 3, seed: int = 0) -> DataSplits:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(samples, features, generator=generator)
    y = torch.randint(0, classes, (samples,), generator=generator)
    return DataSplits(
        name="tiny", task="classification", num_classes=classes, input_shape=(features,), output_dim=classes,
        train_x=x, train_y=y, val_x=x[:8], val_y=y[:8], test_x=x[:8], test_y=y[:8], info={},
    )


def tiny_model(batchnorm: bool = False, seed: int = 0) -> torch.nn.Sequential:
    torch.manual_seed(seed)
    layers = [torch.nn.Linear(5, 4)]
    if batchnorm:
        layers.append(torch.nn.BatchNorm1d(4))
    layers += [torch.nn.ReLU(), torch.nn.Linear(4, 3)]
    return torch.nn.Sequential(*layers)


class StepWeights(Callback):
    """Probe: the weights at fit start, at every epoch start and after every step."""

    step_every = 1

    def __init__(self) -> None:
        self.initial: dict[str, torch.Tensor] = {}
        self.epoch_start: dict[int, dict[str, torch.Tensor]] = {}
        self.after_step: list[dict[str, torch.Tensor]] = []

    @staticmethod
    def _copy(record) -> dict[str, torch.Tensor]:
        return {name: tensor.clone() for name, tensor in record.state_dict().items()}

    def on_fit_start(self, record):
        self.initial = self._copy(record)

    def on_epoch_start(self, record):
        self.epoch_start[record.epoch] = self._copy(record)

    def on_step_end(self, record):
        self.after_step.append(self._copy(record))

    def before_step(self, step: int) -> dict[str, torch.Tensor]:
        """The weights step `step` (1-based) started from."""
        return self.initial if step == 1 else self.after_step[step - 2]


def batches(data: DataSplits, epochs: int, batch_size: int, seed: int = SEED) -> list[torch.Tensor]:
    """Every step's row indices, in order: a run's data order (a permutation per epoch from a
    generator seeded with the run's seed)."""
    generator = torch.Generator().manual_seed(seed)
    count = data.train_x.shape[0]
    rows = []
    for _ in range(epochs):
        order = torch.randperm(count, generator=generator)
        rows += [order[start : start + batch_size] for start in batch_starts(count, batch_size)]
    return rows


def gradient_at(model: torch.nn.Module, weights: dict[str, torch.Tensor], data: DataSplits, rows: torch.Tensor) -> dict[str, torch.Tensor]:
    """∇ of the mean cross-entropy of the batch `rows` at `weights`, by autograd (a model without batch norm)."""
    params = {name: tensor.clone().requires_grad_(True) for name, tensor in weights.items()}
    loss = F.cross_entropy(torch.func.functional_call(model, params, (data.train_x[rows],)), data.train_y[rows])
    grads = torch.autograd.grad(loss, list(params.values()))
    return dict(zip(params, grads))


def run_recorder(
    model: torch.nn.Module,
    store: Path,
    epochs: int = 2,
    batch_size: int = 16,
    metrics=("norms", "distance", "sparsity", "gradients", "updates", "batchnorm"),
    gradient_mode: str = "last_step",
    extra_callbacks=(),
    data: DataSplits | None = None,
    lr: float = 0.2,
    **trajectory,
):
    """Train `model` with SGD (lr 0.2, momentum 0.5) on `tiny_data()` through reglab's loop
    with the trajectory `metrics` (and further `trajectory.*` keys); return (run, run folder)."""
    config = {
        "seed": SEED, "epochs": epochs, "device": "cpu",
        "data": {"batch_size": batch_size},
        "optimizer": {"name": "sgd", "lr": lr, "momentum": 0.5},
        "trajectory": {"metrics": list(metrics), "gradient_mode": gradient_mode, **trajectory},
        "early_stopping": {"stop_on_divergence": False},
    }
    run = reglab.train(config, model=model, data=data or tiny_data(), store=store, callbacks=list(extra_callbacks))
    return run, Path(store) / "runs" / run.id


def snapshot_files(folder: Path) -> list[str]:
    """The snapshot files a run's index lists, in order."""
    return [entry["file"] for entry in json.loads((folder / "snapshots" / "index.json").read_text())["snapshots"]]
