"""A direct `fit()` of a tiny classifier with given step hooks, and a plain reference loop."""

from __future__ import annotations

from types import SimpleNamespace

import torch

from reglab.contract.batches import batch_starts
from reglab.engine.loop import FitPlan, fit
from reglab.objective.losses import make_objective


def tiny_data(samples: int = 40, features: int = 5, classes: int = 3) -> SimpleNamespace:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(samples, features, generator=generator)
    y = torch.randint(0, classes, (samples,), generator=generator)
    return SimpleNamespace(train_x=x, train_y=y, val_x=x[:8], val_y=y[:8], test_x=x[:8], test_y=y[:8])


def tiny_model() -> torch.nn.Sequential:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(5, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3))


def fit_with_hooks(hooks, epochs: int = 2, batch_size: int = 8, lr: float = 0.3):
    """Train `tiny_model()` with plain SGD and `hooks` through the engine's loop; return (model, history)."""
    model, data = tiny_model(), tiny_data()
    plan = FitPlan(
        model=model,
        data=data,
        objective=make_objective("auto", "classification", 3),
        optimizer=torch.optim.SGD(model.parameters(), lr=lr),
        epochs=epochs,
        batch_size=batch_size,
        eval_batch_size=64,
        generator=torch.Generator().manual_seed(0),
        hooks=list(hooks(model)),
        stop_on_divergence=False,
    )
    return model, fit(plan).history


def reference_loop(gradient_of, epochs: int = 2, batch_size: int = 8, lr: float = 0.3) -> torch.nn.Module:
    """The same training written out by hand: `gradient_of(model, x, y)` sets the gradients."""
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
