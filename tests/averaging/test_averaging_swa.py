"""SWA per member: the mean of its epoch-end weights, its constant learning rate, the batch-norm refresh."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

import reglab
from reglab.averaging import StochasticWeightAveraging, input_batches
from reglab.contract.events import Callback
from tests.conftest import tiny_digits


def test_each_members_average_is_the_mean_of_its_epoch_end_weights_from_its_start():
    torch.manual_seed(0)
    params = {"weight": torch.randn(2, 2, 3), "bias": torch.randn(2, 2)}
    swa = StochasticWeightAveraging(starts=[2, 3], rates=[None, None], params=params)
    collected: list[list[dict[str, torch.Tensor]]] = [[], []]
    for epoch in range(1, 5):
        swa.start_epoch(None, torch.full((4, 2), 0.1))  # the epoch begins
        with torch.no_grad():
            for tensor in params.values():
                tensor.add_(torch.randn_like(tensor))
        swa.end_training(SimpleNamespace(params=params))  # its last step
        for member, start in enumerate((2, 3)):
            if epoch >= start:
                collected[member].append({name: tensor[member].clone() for name, tensor in params.items()})
    assert swa.models == [3, 2]
    for member in range(2):
        for name, average in swa.params.items():
            mean = torch.stack([weights[name] for weights in collected[member]]).mean(0)
            assert torch.allclose(average[member], mean, atol=1e-6), name


def test_each_members_learning_rate_is_held_from_its_start():
    swa = StochasticWeightAveraging(starts=[2, 3], rates=[0.05, None], params={"w": torch.zeros(2, 1)})
    cosine = torch.tensor([[0.3, 0.3], [0.2, 0.2], [0.1, 0.1]])  # a per-step schedule's (steps + 1, K) table
    assert torch.equal(swa.start_epoch(None, cosine), cosine)  # epoch 1: the schedule rules
    assert torch.allclose(swa.start_epoch(None, cosine), torch.tensor([[0.05, 0.3], [0.05, 0.2], [0.05, 0.1]]))
    # epoch 3: member 1 starts at the rate of its first SWA step; member 0 keeps 0.05
    assert torch.allclose(swa.start_epoch(None, cosine), torch.tensor([[0.05, 0.3], [0.05, 0.3], [0.05, 0.3]]))


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
