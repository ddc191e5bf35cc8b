"""SWA: the mean of the collected epoch-end weights, constant learning rate, batch-norm refresh."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import reglab
from reglab.averaging import StochasticWeightAveraging, input_batches
from reglab.contract.events import Callback, EpochRecord, FitRecord
from tests.conftest import tiny_digits


def test_average_is_the_mean_of_epoch_end_weights_from_the_start_epoch():
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    swa = StochasticWeightAveraging(start_epoch=2)
    swa.on_fit_start(FitRecord(model, None, None, None))
    collected = []
    for epoch in range(1, 5):
        with torch.no_grad():
            for param in model.parameters():
                param.add_(torch.randn_like(param))
        metrics = swa.on_epoch_end(EpochRecord(epoch, epoch, model, None))
        if epoch >= 2:
            collected.append([p.detach().clone() for p in model.parameters()])
        assert metrics["swa/models"] == len(collected)
    for averaged, *epoch_weights in zip([average[0] for average in swa.averages], *collected):
        assert torch.allclose(averaged, torch.stack(epoch_weights).mean(0), atol=1e-6)


@pytest.mark.parametrize("swa_lr, expected", [(0.05, 0.05), (None, 0.3)])
def test_learning_rate_is_constant_during_swa_despite_a_per_step_schedule(swa_lr, expected):
    model = nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)
    swa = StochasticWeightAveraging(start_epoch=2, swa_lr=swa_lr)
    swa.on_epoch_start(EpochRecord(1, 0, model, optimizer))
    swa.before_step(model, optimizer)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.3)  # before SWA the schedule rules
    swa.on_epoch_start(EpochRecord(2, 1, model, optimizer))
    for _ in range(3):
        swa.before_step(model, optimizer)
        assert optimizer.param_groups[0]["lr"] == pytest.approx(expected)
        optimizer.step()
        schedule.step()
        assert optimizer.param_groups[0]["lr"] != pytest.approx(expected)  # the schedule moved it ...
    # ... and the epoch's `lr` metric reports the rate the steps used
    assert swa.on_epoch_end(EpochRecord(2, 4, model, optimizer))["lr"] == pytest.approx(expected)


class EpochEndWeights(Callback):
    kind = "observer"

    def __init__(self):
        self.weights = []

    def on_epoch_end(self, record):
        self.weights.append({name: p.detach().clone() for name, p in record.model.named_parameters()})


def test_swa_end_to_end_installs_the_mean_and_refreshes_batch_norm():
    recorder = EpochEndWeights()
    config = tiny_digits(
        **{"epochs": 4, "regularization.swa_start": 2, "regularization.swa_lr": 0.05, "model.norm": "batch"}
    )
    run = reglab.train(config, callbacks=[recorder])
    assert [row["lr"] for row in run.history] == pytest.approx([0.1, 0.05, 0.05, 0.05])
    assert [row["swa/models"] for row in run.history] == [0, 1, 2, 3]
    assert run.summary["final_weights"] == "swa" and run.summary["swa/models"] == 3
    for name, param in run.model.named_parameters():
        mean = torch.stack([weights[name] for weights in recorder.weights[1:]]).mean(0)
        assert torch.allclose(param, mean, atol=1e-6), name
    # update_bn with momentum None: running mean = mean over the training batches of each batch's mean
    block = run.model.hidden[0]
    batches = input_batches(run.data.train_x, config["data"]["batch_size"])
    with torch.no_grad():
        batch_means = [block.activation(block.linear(x.flatten(1))).mean(0) for (x,) in batches]
    assert torch.allclose(block.norm.running_mean, torch.stack(batch_means).mean(0), atol=1e-5)
