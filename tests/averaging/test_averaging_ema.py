"""Weight EMA: the hand recurrence θ̄ ← d·θ̄ + (1−d)·θ, its evaluation, and installing it at fit end."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest
import torch
from torch import nn

import reglab
from reglab.averaging import WeightEMA
from reglab.objective.evaluate import evaluate
from reglab.contract.events import EpochRecord, FitRecord
from reglab.objective.losses import make_objective
from tests.conftest import tiny_digits

OBJECTIVE = make_objective("cross_entropy", "classification", 3)


def tiny_model() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 3))


def train_steps(model, ema, steps: int, decay: float):
    """Run SGD steps, updating the EMA after each, and the recurrence by hand beside it."""
    generator = torch.Generator().manual_seed(0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    hand = None
    for _ in range(steps):
        x = torch.randn(16, 4, generator=generator)
        y = torch.randint(0, 3, (16,), generator=generator)
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
        ema.after_step(model, optimizer)
        state = [t.detach().clone() for t in [*model.parameters(), *model.buffers()]]
        if hand is None:
            hand = state  # the average starts at the weights after the first step
        else:
            hand = [decay * average + (1 - decay) * current for average, current in zip(hand, state)]
    return hand


def test_ema_follows_the_hand_recurrence_for_weights_and_buffers():
    decay = 0.8
    model = tiny_model()
    ema = WeightEMA(decay, OBJECTIVE, eval_batch_size=64)
    ema.on_fit_start(FitRecord(model, None, None, None))
    hand = train_steps(model, ema, steps=5, decay=decay)
    averaged = [*ema.module.parameters(), *ema.module.buffers()]
    assert len(averaged) == len(hand)
    floats = [(a, h) for a, h in zip(averaged, hand) if a.is_floating_point()]
    assert all(torch.allclose(a, h, atol=1e-6) for a, h in floats)
    current = list(model.parameters())
    assert not torch.allclose(averaged[0], current[0])  # the average lags the trained weights


def test_epoch_metrics_evaluate_the_average_and_fit_end_installs_it():
    model = tiny_model()
    ema = WeightEMA(0.8, OBJECTIVE, eval_batch_size=64)
    ema.on_fit_start(FitRecord(model, None, None, None))
    train_steps(model, ema, steps=4, decay=0.8)
    generator = torch.Generator().manual_seed(1)
    data = SimpleNamespace(
        val_x=torch.randn(20, 4, generator=generator),
        val_y=torch.randint(0, 3, (20,), generator=generator),
        test_x=torch.randn(10, 4, generator=generator),
        test_y=torch.randint(0, 3, (10,), generator=generator),
    )
    metrics = ema.on_epoch_end(EpochRecord(1, 4, model, None, data=data))
    assert set(metrics) == {"ema/val/loss", "ema/val/acc", "ema/test/loss", "ema/test/acc"}
    reference = copy.deepcopy(ema.module)
    assert metrics["ema/val/loss"] == pytest.approx(
        evaluate(reference, data.val_x, data.val_y, OBJECTIVE, 64, "val")["val/loss"]
    )
    trained = evaluate(model, data.val_x, data.val_y, OBJECTIVE, 64, "val")
    assert metrics["ema/val/loss"] != pytest.approx(trained["val/loss"])
    summary = ema.on_fit_end(FitRecord(model, None, None, data))
    assert summary == {"ema/decay": 0.8, "ema/updates": 4, "final_weights": "ema"}
    for installed, averaged in zip(model.state_dict().values(), reference.state_dict().values()):
        assert torch.equal(installed, averaged)


def test_ema_end_to_end_final_eval_is_the_average():
    run = reglab.train(tiny_digits(**{"regularization.ema_decay": 0.9, "model.norm": "batch"}))
    last = run.history[-1]
    assert {"ema/val/loss", "ema/val/acc", "ema/test/loss", "ema/test/acc"} <= set(last)
    assert run.summary["final_weights"] == "ema"
    assert run.summary["ema/updates"] == 2 * 7  # 200 samples, batch 32 -> 7 steps per epoch
    # no step happens after the last epoch's evaluation, so the installed weights score exactly that
    assert run.summary["final_eval"]["val/loss"] == pytest.approx(last["ema/val/loss"], rel=1e-6)
    assert run.summary["final_eval"]["test/acc"] == pytest.approx(last["ema/test/acc"])
    assert run.summary["final_eval"]["val/loss"] != pytest.approx(last["val/loss"], rel=1e-6)
