"""EMA and SWA runs of reglab's MLP with batch norm against torch.optim.swa_utils
(AveragedModel, get_ema_multi_avg_fn, update_bn)."""

from __future__ import annotations

import pytest
import torch
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn, update_bn

from tests.reference.harness import assert_same_weights, tiny_data, train_reference
from tests.reference.mlp import initial_reference, train_reglab_mlp

SHAPE = ([8, 8], "batch", "after", 2, "tanh")


def sgd(model):
    return torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)


@pytest.mark.parametrize("decay", [0.5, 0.9])
def test_ema_final_weights_equal_averagedmodel_with_ema_updates_after_every_step(decay):
    """θ̄ ← d·θ̄ + (1 − d)·θ after each step, starting at the first step's weights; buffers averaged too."""
    run = train_reglab_mlp({"optimizer.momentum": 0.9, "regularization.ema_decay": decay}, *SHAPE)
    averages = []

    def average(model):
        if not averages:
            averages.append(AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True))
        averages[0].update_parameters(model)

    trained = train_reference(initial_reference(*SHAPE), sgd, after_step=average)
    assert run.summary["final_weights"] == "ema"
    assert_same_weights(run.model, averages[0].module, moved_from=initial_reference(*SHAPE))
    assert not torch.allclose(run.model.state_dict()["head.weight"], trained.head.weight, atol=1e-4)  # the average is not the last weights


@pytest.mark.parametrize(("start", "swa_lr"), [(2, 0.05), (1, None), (3, None)])
def test_swa_final_weights_equal_averagedmodel_of_epoch_ends_with_update_bn(start, swa_lr):
    """From epoch `start` on: a constant lr (swa_lr, or the current one), the epoch-end weights
    averaged with equal weights; at the end update_bn over the training inputs (batches of 8, in order)."""
    overrides = {"optimizer.momentum": 0.9, "regularization.swa_start": start, "regularization.swa_lr": swa_lr,
                 "schedule.name": "step", "schedule.step_size": 1, "schedule.gamma": 0.5}
    run = train_reglab_mlp(overrides, *SHAPE, epochs=4)
    averages, optimizers, constant = [], [], {}

    def make(model):
        optimizers.append(sgd(model))
        if start == 1:  # SWA from the first step: its rate from the start
            constant["lr"] = swa_lr or 0.1
            optimizers[0].param_groups[0]["lr"] = constant["lr"]
        return optimizers[0]

    def average_and_hold_lr(model, epoch):  # after epoch `epoch` (1-based) and its StepLR step
        if epoch >= start:
            if not averages:
                averages.append(AveragedModel(model))
            averages[0].update_parameters(model)
        group = optimizers[0].param_groups[0]
        if epoch + 1 >= start:  # the next epoch trains at the constant rate
            constant.setdefault("lr", swa_lr or group["lr"])
            group["lr"] = constant["lr"]

    trained = train_reference(
        initial_reference(*SHAPE), make, epochs=4, after_epoch=average_and_hold_lr,
        epoch_schedule=lambda optimizer: torch.optim.lr_scheduler.StepLR(optimizer, 1, 0.5),
    )
    swa = averages[0].module
    update_bn([(tiny_data().train_x[i : i + 8],) for i in range(0, 40, 8)], swa)
    assert run.summary["final_weights"] == "swa"
    assert_same_weights(run.model, swa, moved_from=initial_reference(*SHAPE))
    assert not torch.allclose(run.model.state_dict()["head.weight"], trained.head.weight, atol=1e-4)
