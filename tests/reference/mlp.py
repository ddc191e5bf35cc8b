"""reglab's MLP (`model.kind: mlp`) written again from PyTorch modules, with the state-dict
names of reglab's (`hidden.i.linear`, `hidden.i.norm`, `head`), so a run of reglab's own
model can be compared with the same network stepped by torch.optim."""

from __future__ import annotations

import tempfile

import torch
from torch import nn

import reglab
from reglab.config import validate_config
from reglab.models import build_model
from tests.reference.harness import CLASSES, FEATURES, config, tiny_data


class ReferenceBlock(nn.Module):
    def __init__(self, width_in: int, width: int, norm: str, position: str, groups: int, activation: str) -> None:
        super().__init__()
        self.activation = {"relu": torch.relu, "tanh": torch.tanh}[activation]
        self.linear = nn.Linear(width_in, width)
        self.norm = {"batch": lambda: nn.BatchNorm1d(width), "layer": lambda: nn.LayerNorm(width),
                     "group": lambda: nn.GroupNorm(groups, width), "none": nn.Identity}[norm]()
        self.position = position

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.linear(x)
        if self.position == "before":
            return self.activation(self.norm(x))
        return self.norm(self.activation(x))


class ReferenceMLP(nn.Module):
    """Linear → activation → norm (or Linear → norm → activation with `before`) per hidden width,
    then a linear head."""

    def __init__(self, hidden: list[int], norm: str = "none", position: str = "after", groups: int = 4, activation: str = "relu") -> None:
        super().__init__()
        widths = [FEATURES, *hidden]
        self.hidden = nn.ModuleList(ReferenceBlock(a, b, norm, position, groups, activation) for a, b in zip(widths, widths[1:]))
        self.head = nn.Linear(widths[-1], CLASSES)
        self.record_activations = False
        self.activations: list[torch.Tensor] = []  # each block's output, with `record_activations`

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.activations = []
        for block in self.hidden:
            x = block(x)
            if self.record_activations:
                self.activations.append(x)
        return self.head(x)


def mlp_overrides(hidden: list[int], norm: str = "none", position: str = "after", groups: int = 4, activation: str = "relu") -> dict:
    return {"model.hidden": hidden, "model.norm": norm, "model.norm_position": position, "model.norm_groups": groups,
            "model.activation": activation}


def initial_reference(hidden: list[int], norm: str = "none", position: str = "after", groups: int = 4, activation: str = "relu") -> ReferenceMLP:
    """A ReferenceMLP holding the initial weights of the run's own model (seed 0)."""
    settings = validate_config(config(mlp_overrides(hidden, norm, position, groups, activation)))
    torch.manual_seed(settings.seed)
    built = build_model(settings.model, (FEATURES,), CLASSES)
    reference = ReferenceMLP(hidden, norm, position, groups, activation)
    reference.load_state_dict({k: v for k, v in built.state_dict().items() if k in reference.state_dict()}, strict=True)
    return reference


def train_reglab_mlp(overrides: dict, hidden: list[int], norm: str = "none", position: str = "after", groups: int = 4, activation: str = "relu", **settings):
    """`reglab.train` of reglab's own MLP (the stacked engine) on `tiny_data()`."""
    architecture = mlp_overrides(hidden, norm, position, groups, activation)
    with tempfile.TemporaryDirectory(prefix="reglab-test-") as store:
        return reglab.train(config({**architecture, **overrides}, **settings), data=tiny_data(), store=store)
