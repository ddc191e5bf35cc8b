"""A tiny classifier trained by `reglab.train` (a population of one) on given data, and a
plain reference loop written out by hand with the same data order."""

from __future__ import annotations

import tempfile

import torch

import reglab
from reglab.contract.batches import batch_starts
from reglab.data import DataSplits
from tests.conftest import tiny_digits


def tiny_data(samples: int = 40, features: int = 5, classes: int = 3) -> DataSplits:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(samples, features, generator=generator)
    y = torch.randint(0, classes, (samples,), generator=generator)
    return DataSplits(
        name="tiny", task="classification", num_classes=classes, input_shape=(features,), output_dim=classes,
        train_x=x, train_y=y, val_x=x[:8], val_y=y[:8], test_x=x[:8], test_y=y[:8], info={},
    )


def tiny_model() -> torch.nn.Sequential:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(5, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3))


def fit_with(overrides: dict, epochs: int = 2, batch_size: int = 8, lr: float = 0.3, data: DataSplits | None = None):
    """Train `tiny_model()` with plain SGD (no momentum, no decay) and the dotted-key
    `overrides` through reglab's loop; return (model, history)."""
    config = tiny_digits(
        epochs=epochs,
        **{
            "data.batch_size": batch_size, "optimizer.lr": lr, "optimizer.momentum": 0.0,
            "trajectory.enabled": False, "early_stopping.stop_on_divergence": False, **overrides,
        },
    )
    with tempfile.TemporaryDirectory(prefix="reglab-test-") as store:
        run = reglab.train(config, model=tiny_model(), data=data or tiny_data(), store=store)
    return run.model, run.history


def reference_loop(gradient_of, epochs: int = 2, batch_size: int = 8, lr: float = 0.3) -> torch.nn.Module:
    """The same training written out by hand: `gradient_of(model, x, y)` sets the gradients.
    Batches follow a run's data order: a permutation per epoch from a generator seeded
    with the run's seed (0)."""
    model, data = tiny_model(), tiny_data()
    generator = torch.Generator().manual_seed(0)
    count = data.train_x.shape[0]
    for _ in range(epochs):
        order = torch.randperm(count, generator=generator)
        for start in batch_starts(count, batch_size):
            rows = order[start : start + batch_size]
            for param in model.parameters():
                param.grad = None
            gradient_of(model, data.train_x[rows], data.train_y[rows])
            with torch.no_grad():
                for param in model.parameters():
                    param -= lr * param.grad
    return model


def assert_same_weights(model: torch.nn.Module, reference: torch.nn.Module, rtol: float = 1e-5) -> None:
    for (name, got), expected in zip(model.named_parameters(), reference.parameters()):
        torch.testing.assert_close(got, expected, rtol=rtol, atol=1e-6, msg=name)
