"""Living with torch's pruning reparametrization: optimizer, zeros under training, copies, saving."""

from __future__ import annotations

import copy

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from reglab.pruning import (
    make_pruning_permanent,
    prune_magnitude,
    pruned_state_dict,
    sparsity_by_tensor,
    zero_pruned_parameters,
)
from reglab.store import load_weights, save_weights


def small_model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))


def train_steps(model, optimizer, steps, keep_zero=False):
    generator = torch.Generator().manual_seed(1)
    for _ in range(steps):
        inputs = torch.randn(16, 5, generator=generator)
        targets = torch.randint(0, 3, (16,), generator=generator)
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(inputs), targets).backward()
        optimizer.step()
        if keep_zero:  # weight_orig · mask after the step, as a run keeps its pruned weights
            zero_pruned_parameters(model)


def test_the_optimizer_keeps_the_same_parameter_object_after_pruning():
    model = small_model()
    weight = model[0].weight
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    prune_magnitude(model, 0.5)
    assert model[0].weight_orig is weight
    assert any(p is weight for p in optimizer.param_groups[0]["params"])
    before = weight.detach().clone()
    train_steps(model, optimizer, 1)
    assert not torch.equal(weight, before)  # the optimizer still updates it


def test_pruned_weights_stay_exactly_zero_under_momentum_and_weight_decay():
    model = small_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-2)
    train_steps(model, optimizer, 3)  # momentum buffers are full of history
    masks = prune_magnitude(model, 0.6)
    train_steps(model, optimizer, 10)
    for name, module in (("0.weight", model[0]), ("3.weight", model[3])):
        assert torch.all(module.weight[masks[name] == 0] == 0), name
    # torch alone lets weight_orig drift where masked (momentum); zero_pruned_parameters keeps it zero
    assert torch.any(model[0].weight_orig[masks["0.weight"] == 0] != 0)
    hooked = small_model()
    optimizer = torch.optim.SGD(hooked.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-2)
    train_steps(hooked, optimizer, 3)
    masks = prune_magnitude(hooked, 0.6)
    zero_pruned_parameters(hooked, optimizer)
    train_steps(hooked, optimizer, 10, keep_zero=True)
    for name, module in (("0.weight", hooked[0]), ("3.weight", hooked[3])):
        assert torch.all(module.weight_orig[masks[name] == 0] == 0), name
        assert torch.equal(module.weight, module.weight_orig)  # the attribute is current
        assert torch.all(optimizer.state[module.weight_orig]["momentum_buffer"][masks[name] == 0] == 0)


def test_a_pruned_model_can_be_deep_copied_between_steps():
    model = small_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    prune_magnitude(model, 0.5)
    copy.deepcopy(model)  # right after pruning
    train_steps(model, optimizer, 2, keep_zero=True)
    twin = copy.deepcopy(model)  # after a training step (SWA/EMA copy here)
    inputs = torch.randn(4, 5)
    model.eval(), twin.eval()
    assert torch.equal(twin(inputs), model(inputs))
    assert twin[0].weight_mask is not model[0].weight_mask


def test_pruned_state_dict_loads_into_a_plain_model_and_saves_with_safetensors(tmp_path):
    model = small_model()
    train_steps(model, torch.optim.SGD(model.parameters(), lr=0.1), 2)  # batch-norm statistics move
    prune_magnitude(model, 0.5, include_biases=True)
    state = pruned_state_dict(model)
    assert "0.weight" in state and not any(key.endswith(("_orig", "_mask")) for key in state)
    plain = small_model(seed=1)
    plain.load_state_dict(state)
    save_file({key: value.contiguous() for key, value in state.items()}, str(tmp_path / "plain.safetensors"))
    reloaded = small_model(seed=2)
    reloaded.load_state_dict(load_file(str(tmp_path / "plain.safetensors")))
    inputs = torch.randn(6, 5)
    for network in (model, plain, reloaded):
        network.eval()
    assert torch.equal(plain(inputs), model(inputs)) and torch.equal(reloaded(inputs), model(inputs))
    # the store's save_weights writes the reparametrized form, which loads into a pruned twin
    save_weights(tmp_path / "pruned.safetensors", model)
    twin = small_model(seed=3)
    prune_magnitude(twin, 0.5, include_biases=True)
    twin.load_state_dict(load_weights(tmp_path / "pruned.safetensors"))
    twin.eval()
    assert torch.equal(twin(inputs), model(inputs))


def test_make_pruning_permanent_gives_a_plain_model_with_the_same_parameters():
    model = small_model()
    names_before = [name for name, _ in model.named_parameters()]
    weight = model[0].weight
    prune_magnitude(model, 0.5)
    zeros = int((model[0].weight == 0).sum())
    assert make_pruning_permanent(model) == ["0.weight", "3.weight"]
    assert [name for name, _ in model.named_parameters()] == names_before
    assert model[0].weight is weight and isinstance(model[0].weight, nn.Parameter)
    assert int((model[0].weight == 0).sum()) == zeros
    assert not any(name.endswith("_mask") for name, _ in model.named_buffers())
    assert not model[0]._forward_pre_hooks


def test_sparsity_counts_zeros_of_the_effective_tensors():
    model = small_model()
    with torch.no_grad():
        model[3].weight[0].zero_()  # 8 natural zeros in a 24-entry tensor
    prune_magnitude(model, 0.25, names=["0.weight"], scope="layer")  # 10 of 40
    total, per_tensor = sparsity_by_tensor(model, ["0.weight", "3.weight"])
    assert per_tensor == {"0.weight": 10 / 40, "3.weight": 8 / 24}
    assert total == 18 / 64
