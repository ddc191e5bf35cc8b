"""The stacked optimizers against torch.optim: member k moves exactly as a single optimizer with its settings."""

from __future__ import annotations

import pytest
import torch

from reglab.config import load_config
from reglab.population.members import MemberHyperparameters
from reglab.population.fused_groups import setting_groups
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


FUSED_CASES = {  # name: (optimizer, nesterov, each member's (lr, momentum))
    "adam": ("adam", False, [(0.1, 0.0), (0.01, 0.0), (0.1, 0.0), (0.01, 0.0)]),
    "adamw": ("adamw", False, [(0.1, 0.0), (0.01, 0.0), (0.1, 0.0), (0.01, 0.0)]),
    "sgd": ("sgd", False, [(0.1, 0.9), (0.01, 0.9), (0.1, 0.9), (0.01, 0.0)]),
    "nesterov": ("sgd", True, [(0.1, 0.9), (0.01, 0.5), (0.1, 0.9), (0.01, 0.5)]),
}


def _fused_reference(name: str, nesterov: bool, params: list, lr: float, momentum: float) -> torch.optim.Optimizer:
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, nesterov=nesterov, fused=True)
    return (torch.optim.Adam if name == "adam" else torch.optim.AdamW)(params, lr=lr, weight_decay=0.0, fused=True)


@pytest.mark.parametrize("case", list(FUSED_CASES))
def test_members_sharing_settings_move_exactly_as_torch_fused_optimizers(case):
    """Members large enough to be moved by rows (one fused call per (lr, momentum), on their
    rows of the stacked tensors) move bit for bit as the fused `torch.optim` optimizer moves
    one run, also after a member leaves the stacked tensors."""
    name, nesterov, settings = FUSED_CASES[case]  # members sharing settings are not side by side
    configs = [
        load_config(overrides=[f"optimizer.name={name}", f"optimizer.lr={lr}", f"optimizer.momentum={momentum}", "optimizer.weight_decay=0"])
        for lr, momentum in settings
    ]
    hyper = MemberHyperparameters.from_configs(configs, torch.device("cpu"))
    generator = torch.Generator().manual_seed(0)
    start = {"w": torch.randn(4, 64, 64, generator=generator), "b": torch.randn(4, 64, generator=generator)}
    stacked = {key: value.clone().requires_grad_(True) for key, value in start.items()}
    optimizer = StackedOptimizer(stacked, decayed={"w"}, hyper=hyper, name=name, nesterov=nesterov)
    by_rows = setting_groups(list(stacked.values()), hyper.lr, *([hyper.momentum] if name == "sgd" else []))
    assert by_rows is not None and sorted(rows for _, rows in by_rows) == ([[0, 2], [1], [3]] if case == "sgd" else [[0, 2], [1, 3]])
    singles = [[torch.nn.Parameter(start[key][k].clone()) for key in ("w", "b")] for k in range(4)]
    # each single run gets the rate its member holds (float32, as every member's settings)
    references = [
        _fused_reference(name, nesterov, params, lr, momentum)
        for params, lr, momentum in zip(singles, hyper.lr.tolist(), hyper.momentum.tolist())
    ]
    members = [0, 1, 2, 3]
    for step in range(12):
        if step == 6:  # member 1 leaves: the optimizer keeps the others' state, its row views follow
            members = [0, 2, 3]
            keep = torch.tensor(members)
            stacked = {key: value.detach().index_select(0, keep).requires_grad_(True) for key, value in stacked.items()}
            hyper = hyper.select(members)
            optimizer.select(keep, stacked, hyper)
        grads = {key: torch.randn(len(members), *value.shape[1:], generator=generator) for key, value in stacked.items()}
        optimizer.step(grads, hyper.lr, hyper)
        for row, member in enumerate(members):
            for param, key in zip(singles[member], ("w", "b")):
                param.grad = grads[key][row].clone()
            references[member].step()
    for row, member in enumerate(members):
        assert torch.equal(stacked["w"][row], singles[member][0].detach())
        assert torch.equal(stacked["b"][row], singles[member][1].detach())
    assert not torch.equal(stacked["w"][0], stacked["w"][1])


def test_the_members_shapes_alone_choose_the_kernel_calls():
    """Members of at least 2,048 elements per tensor are moved by rows, in groups of equal
    settings; smaller ones by per-member tensor operations (None), also alone (K = 1) or all
    at one setting, so that a member computes the same numbers alone as among others."""
    large, small = torch.zeros(3, 64, 64), torch.zeros(3, 4, 5)
    assert setting_groups([large], torch.tensor([0.1, 0.2, 0.1])) == [((pytest.approx(0.1),), [0, 2]), ((pytest.approx(0.2),), [1])]
    assert setting_groups([large], torch.tensor([0.1, 0.1, 0.1])) == [((pytest.approx(0.1),), [0, 1, 2])]
    assert setting_groups([large[:1]], torch.tensor([0.1])) == [((pytest.approx(0.1),), [0])]
    for lr in ([0.1, 0.2, 0.1], [0.1, 0.1, 0.1]):
        assert setting_groups([small], torch.tensor(lr)) is None
    assert setting_groups([small[:1]], torch.tensor([0.1])) is None
