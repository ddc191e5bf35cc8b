"""Tiny models and a direct `fit()` plan for the trajectory tests (no store, no dataset files)."""

from __future__ import annotations

from types import SimpleNamespace

import torch

from reglab.engine.loop import FitPlan, fit
from reglab.objective.losses import make_objective
from reglab.trajectory.gradients import GradientNormHook
from reglab.trajectory.recorder import TrajectoryRecorder


def tiny_data(samples: int = 48, features: int = 5, classes: int = 3, seed: int = 0) -> SimpleNamespace:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(samples, features, generator=generator)
    y = torch.randint(0, classes, (samples,), generator=generator)
    return SimpleNamespace(
        train_x=x, train_y=y, val_x=x[:8], val_y=y[:8], test_x=x[:8], test_y=y[:8],
        task="classification", num_classes=classes,
    )


def tiny_model(batchnorm: bool = False, seed: int = 0) -> torch.nn.Sequential:
    torch.manual_seed(seed)
    layers = [torch.nn.Linear(5, 4)]
    if batchnorm:
        layers.append(torch.nn.BatchNorm1d(4))
    layers += [torch.nn.ReLU(), torch.nn.Linear(4, 3)]
    return torch.nn.Sequential(*layers)


def run_recorder(
    model: torch.nn.Module,
    epochs: int = 2,
    batch_size: int = 16,
    metrics=("norms", "distance", "sparsity", "gradients", "updates", "batchnorm"),
    gradient_mode: str = "last_step",
    extra_callbacks=(),
    data=None,
    **recorder_options,
):
    """Train `model` with SGD through the engine's loop with a recorder; return (result, recorder)."""
    data = data or tiny_data()
    steps_per_epoch = -(-data.train_x.shape[0] // batch_size)
    hook = GradientNormHook(list(model.parameters()), steps_per_epoch, gradient_mode) if "gradients" in metrics else None
    recorder = TrajectoryRecorder(metrics=metrics, gradient_hook=hook, **recorder_options)
    plan = FitPlan(
        model=model,
        data=data,
        objective=make_objective("auto", "classification", 3),
        optimizer=torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.5),
        epochs=epochs,
        batch_size=batch_size,
        eval_batch_size=64,
        generator=torch.Generator().manual_seed(0),
        hooks=[hook] if hook is not None else [],
        callbacks=[recorder, *extra_callbacks],
        stop_on_divergence=False,
    )
    return fit(plan), recorder
