"""Dropout in a whole run of reglab's MLP against nn.Dropout / nn.AlphaDropout (and the Gaussian
kinds, input noise and stochastic depth written out by hand) drawing from
PyTorch's global generator in the state a single run leaves it after building its model
(`torch.manual_seed(seed)`, then the initial weights): a member's stream starts there
(`reglab.population.streams`), and its masks are drawn in the modules' order."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from reglab.config import validate_config
from reglab.models import build_model
from tests.reference.harness import CLASSES, FEATURES, assert_same_weights, config, train_reference
from tests.reference.mlp import ReferenceMLP, mlp_overrides, train_reglab_mlp

HIDDEN = [8, 8]


class MultiplicativeGaussian(nn.Module):
    """h·(1 + σ·e), σ = √(p/(1 − p)), e ~ N(0, 1) (Srivastava et al. 2014, §10), in training mode."""

    def __init__(self, rate: float) -> None:
        super().__init__()
        self.sigma = (rate / (1 - rate)) ** 0.5

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h * (1 + self.sigma * torch.randn_like(h)) if self.training and self.sigma else h


class AdditiveGaussian(nn.Module):
    """h + σ·e, σ = the rate, in training mode."""

    def __init__(self, rate: float) -> None:
        super().__init__()
        self.sigma = rate

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + self.sigma * torch.randn_like(h) if self.training and self.sigma else h


class DroppedMLP(ReferenceMLP):
    """Linear → ReLU → dropout per hidden block (reglab's HiddenBlock order without a norm), then the head."""

    def __init__(self, dropout: nn.Module) -> None:
        super().__init__(HIDDEN)
        self.dropout = dropout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.hidden:
            x = self.dropout(block(x))
        return self.head(x)


def seeded_reference(dropout: nn.Module, overrides: dict) -> DroppedMLP:
    """The reference with the run's initial weights, the global generator where the run's stream starts."""
    reference = DroppedMLP(dropout)  # its own construction draws: done before seeding
    torch.manual_seed(0)
    built = build_model(validate_config(config({**mlp_overrides(HIDDEN), **overrides})).model, (FEATURES,), CLASSES)
    reference.load_state_dict(built.state_dict())
    return reference


@pytest.mark.parametrize(
    ("kind", "module"),
    [("standard", nn.Dropout), ("alpha", nn.AlphaDropout), ("gaussian", MultiplicativeGaussian), ("gaussian_noise", AdditiveGaussian)],
)
def test_dropout_run_equals_torch_dropout_with_the_same_stream(kind, module):
    overrides = {"model.dropout": 0.3, "model.dropout_kind": kind, "optimizer.momentum": 0.9}
    run = train_reglab_mlp(overrides, HIDDEN)
    state = torch.get_rng_state()
    try:
        reference = train_reference(seeded_reference(module(0.3), overrides), lambda m: torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9))
        other_stream = seeded_reference(module(0.3), overrides)
        torch.manual_seed(1)
        other = train_reference(other_stream, lambda m: torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9))
        start = seeded_reference(module(0.0), overrides)
    finally:
        torch.set_rng_state(state)
    assert_same_weights(run.model, reference, moved_from=start)
    assert not torch.allclose(run.model.state_dict()["head.weight"], other.head.weight, atol=1e-4)  # the masks matter


class NoisyInputs(nn.Module):
    """x + σ·e on the training inputs (`augment.noise_std`), then the network."""

    def __init__(self, network: nn.Module, std: float) -> None:
        super().__init__()
        self.network, self.std = network, std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.network(x + self.std * torch.randn_like(x) if self.training else x)


def test_input_noise_run_equals_gaussian_noise_added_from_the_same_stream():
    overrides = {"augment.noise_std": 0.5, "optimizer.momentum": 0.9}
    run = train_reglab_mlp(overrides, HIDDEN)
    state = torch.get_rng_state()
    try:
        network = seeded_reference(nn.Identity(), overrides)
        reference = train_reference(NoisyInputs(network, 0.5), lambda m: torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9))
        start = seeded_reference(nn.Identity(), overrides)
    finally:
        torch.set_rng_state(state)
    assert_same_weights(run.model, network, moved_from=start)
    assert reference.network is network


class ResidualMLP(nn.Module):
    """Block 0: relu(linear(x)); blocks l ≥ 1 of equal width: x + m·relu(linear(x))/(1 − p_l),
    one m ~ Bernoulli(1 − p_l) per sample (stochastic depth, Huang et al. 2016), p_l = p·l/L."""

    def __init__(self, rate: float) -> None:
        super().__init__()
        self.hidden = nn.ModuleList(ReferenceMLP([8, 8, 8]).hidden)
        self.head = nn.Linear(8, CLASSES)
        residual = len(self.hidden) - 1
        self.rates = [rate * (index + 1) / residual for index in range(residual)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.hidden[0].linear(x))
        for block, rate in zip(self.hidden[1:], self.rates):
            branch = torch.relu(block.linear(x))
            if self.training:
                keep = torch.bernoulli(torch.full((x.shape[0], 1), 1 - rate))
                branch = branch * keep / (1 - rate)
            x = x + branch
        return self.head(x)


def test_drop_path_run_equals_stochastic_depth_from_the_same_stream():
    overrides = {"model.hidden": [8, 8, 8], "model.residual": True, "model.drop_path": 0.4, "optimizer.momentum": 0.9}
    run = train_reglab_mlp(overrides, [8, 8, 8])
    state = torch.get_rng_state()
    try:
        reference = ResidualMLP(0.4)
        torch.manual_seed(0)
        built = build_model(validate_config(config({**mlp_overrides([8, 8, 8]), **overrides})).model, (FEATURES,), CLASSES)
        reference.load_state_dict(built.state_dict())
        start = {name: value.clone() for name, value in reference.state_dict().items()}
        train_reference(reference, lambda m: torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9))
    finally:
        torch.set_rng_state(state)
    assert reference.rates == [0.2, 0.4]
    assert_same_weights(run.model, reference)
    assert (run.model.state_dict()["head.weight"] - start["head.weight"]).abs().max() > 1e-2
