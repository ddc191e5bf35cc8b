"""The stacked optimizers against torch.optim: member k moves exactly as a single optimizer with its settings."""

from __future__ import annotations

import pytest
import torch

from reglab.config import load_config
from reglab.population.members import MemberHyperparameters
from reglab.population.optim import StackedOptimizer

SETTINGS = [  # (lr, momentum, weight_decay) of three members
    (0.1, 0.9, 1e-3),
    (0.05, 0.0, 0.0),
    (0.2, 0.5, 5e-2),
]


def _hyper(name: str) -> MemberHyperparameters:
    configs = [
        load_config(overrides=[f"optimizer.name={name}", f"optimizer.lr={lr}", f"optimizer.momentum={m}", f"optimizer.weight_decay={wd}"])
        for lr, m, wd in SETTINGS
    ]
    return MemberHyperparameters.from_configs(configs, torch.device("cpu"))


def _reference(name: str, param: torch.Tensor, lr: float, momentum: float, weight_decay: float, nesterov: bool):
    if name == "sgd":
        return torch.optim.SGD([param], lr=lr, momentum=momentum, weight_decay=weight_decay, nesterov=nesterov and momentum > 0)
    optimizer = torch.optim.Adam if name == "adam" else torch.optim.AdamW
    return optimizer([param], lr=lr, weight_decay=weight_decay)


@pytest.mark.parametrize("name,nesterov", [("sgd", False), ("sgd", True), ("adam", False), ("adamw", False)])
def test_each_member_matches_torch_optim(name, nesterov):
    generator = torch.Generator().manual_seed(0)
    start = torch.randn(3, 4, 5, generator=generator)
    stacked = {"w": start.clone().requires_grad_(True), "b": start[:, 0].clone().requires_grad_(True)}
    hyper = _hyper(name)
    optimizer = StackedOptimizer(stacked, decayed={"w"}, hyper=hyper, name=name, nesterov=nesterov)
    singles = [
        (torch.nn.Parameter(start[k].clone()), torch.nn.Parameter(start[k, 0].clone())) for k in range(3)
    ]
    references = []
    for (weight, bias), (lr, momentum, decay) in zip(singles, SETTINGS):
        references.append((_reference(name, weight, lr, momentum, decay, nesterov), _reference(name, bias, lr, momentum, 0.0, nesterov)))
    for _ in range(25):
        grad_w = torch.randn(3, 4, 5, generator=generator)
        grad_b = torch.randn(3, 5, generator=generator)
        optimizer.step({"w": grad_w, "b": grad_b}, hyper.lr, hyper)
        for k, ((weight, bias), (for_weight, for_bias)) in enumerate(zip(singles, references)):
            weight.grad, bias.grad = grad_w[k].clone(), grad_b[k].clone()
            for_weight.step()
            for_bias.step()
    for k, (weight, bias) in enumerate(singles):
        torch.testing.assert_close(stacked["w"][k], weight.detach(), rtol=1e-6, atol=1e-6)
        torch.testing.assert_close(stacked["b"][k], bias.detach(), rtol=1e-6, atol=1e-6)
    # the members really did take different paths
    assert not torch.allclose(stacked["w"][0], stacked["w"][1])


def test_select_keeps_the_chosen_members_state():
    hyper = _hyper("sgd")
    params = {"w": torch.ones(3, 2, requires_grad=True)}
    optimizer = StackedOptimizer(params, decayed=set(), hyper=hyper, name="sgd")
    optimizer.step({"w": torch.tensor([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])}, hyper.lr, hyper)
    keep = torch.tensor([0, 2])
    kept = {"w": params["w"].detach().index_select(0, keep).requires_grad_(True)}
    optimizer.select(keep, kept, hyper.select([0, 2]))
    assert optimizer.state["w"]["momentum_buffer"].tolist() == [[1.0, 1.0], [3.0, 3.0]]
