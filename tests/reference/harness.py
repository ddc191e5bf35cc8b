"""A whole run through `reglab.train` and the same training written with PyTorch's own
optimizers, schedulers and utilities, on a tiny generated classification task.

The reference follows a run's data order: a permutation per epoch from
`torch.Generator().manual_seed(seed)`, cut by `batch_starts`.
"""

from __future__ import annotations

import tempfile
from typing import Callable

import torch
from torch import nn

import reglab
from reglab.contract.batches import batch_starts
from reglab.data import DataSplits
from tests.conftest import tiny_digits

SAMPLES, FEATURES, CLASSES = 40, 5, 3


def tiny_data(samples: int = SAMPLES, seed: int = 0) -> DataSplits:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(samples, FEATURES, generator=generator)
    y = torch.randint(0, CLASSES, (samples,), generator=generator)
    val_x = torch.randn(16, FEATURES, generator=generator)
    val_y = torch.randint(0, CLASSES, (16,), generator=generator)
    return DataSplits(
        name="tiny", task="classification", num_classes=CLASSES, input_shape=(FEATURES,), output_dim=CLASSES,
        train_x=x, train_y=y, val_x=val_x, val_y=val_y, test_x=val_x, test_y=val_y, info={},
    )


def tiny_model(hidden: int = 6) -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(FEATURES, hidden), nn.Tanh(), nn.Linear(hidden, CLASSES))


def config(overrides: dict, epochs: int = 3, batch_size: int = 8, lr: float = 0.1) -> dict:
    """A run config: plain SGD unless `overrides` says otherwise, no trajectory, no divergence stop."""
    return tiny_digits(
        epochs=epochs,
        **{
            "data.batch_size": batch_size, "optimizer.lr": lr, "optimizer.momentum": 0.0,
            "trajectory.enabled": False, "early_stopping.stop_on_divergence": False, **overrides,
        },
    )


def train_reglab(overrides: dict, model: nn.Module | None = None, data: DataSplits | None = None, **settings):
    """`reglab.train` on `model` (default `tiny_model()`) and `data` (default `tiny_data()`); the Run."""
    with tempfile.TemporaryDirectory(prefix="reglab-test-") as store:
        return reglab.train(config(overrides, **settings), model=model if model is not None else tiny_model(), data=data or tiny_data(), store=store)


def param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """PyTorch's usual split: weights decayed, biases and norm parameters not."""
    decayed, plain = [], []
    for name, param in model.named_parameters():
        is_norm = any(isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm)) and name.startswith(prefix + ".")
                      for prefix, module in model.named_modules() if prefix)
        (plain if name.endswith("bias") or is_norm else decayed).append(param)
    return [{"params": decayed, "weight_decay": weight_decay}, {"params": plain, "weight_decay": 0.0}]


Hook = Callable[[nn.Module], None]


def train_reference(
    model: nn.Module,
    make_optimizer: Callable[[nn.Module], torch.optim.Optimizer],
    *,
    epochs: int = 3,
    batch_size: int = 8,
    data: DataSplits | None = None,
    seed: int = 0,
    loss_of: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = nn.functional.cross_entropy,
    step_schedule: Callable[[torch.optim.Optimizer, int], torch.optim.lr_scheduler.LRScheduler] | None = None,
    epoch_schedule: Callable[[torch.optim.Optimizer], torch.optim.lr_scheduler.LRScheduler] | None = None,
    before_step: Hook | None = None,
    after_step: Hook | None = None,
    after_epoch: Callable[[nn.Module, int], None] | None = None,
) -> nn.Module:
    """The same run written out with torch.optim: `step_schedule(optimizer, total_steps)`
    steps after every batch, `epoch_schedule(optimizer)` after every epoch."""
    data = data or tiny_data()
    optimizer = make_optimizer(model)
    count = data.train_x.shape[0]
    starts = batch_starts(count, batch_size)
    per_step = step_schedule(optimizer, epochs * len(starts)) if step_schedule else None
    per_epoch = epoch_schedule(optimizer) if epoch_schedule else None
    generator = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(count, generator=generator)
        for start in starts:
            rows = order[start : start + batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss_of(model(data.train_x[rows]), data.train_y[rows]).backward()
            if before_step:
                before_step(model)
            optimizer.step()
            if after_step:
                after_step(model)
            if per_step:
                per_step.step()
        if per_epoch:
            per_epoch.step()
        if after_epoch:
            after_epoch(model, epoch + 1)
    return model


def assert_same_weights(got: nn.Module, expected: nn.Module, rtol: float = 1e-5, atol: float = 1e-6, moved_from: nn.Module | None = None) -> None:
    """Every parameter and buffer of `got` equals `expected`'s (by name); with `moved_from`,
    training must also have moved the weights away from it (the test is not vacuous)."""
    got_state, expected_state = got.state_dict(), expected.state_dict()
    assert set(expected_state) <= set(got_state), sorted(set(expected_state) - set(got_state))
    for name, value in expected_state.items():
        if value.is_floating_point():
            torch.testing.assert_close(got_state[name], value, rtol=rtol, atol=atol, msg=lambda m, n=name: f"{n}: {m}")
    if moved_from is not None:
        start = moved_from.state_dict()
        assert max((got_state[n] - start[n]).abs().max().item() for n in start if start[n].is_floating_point()) > 1e-2
