"""The stacked forward pass against the members' own modules (the single-run models)."""

from __future__ import annotations

import pytest
import torch

from reglab.config import ModelConfig
from reglab.models import build_model
from reglab.models.member_noise import dropout_members
from reglab.population.stacked import describe_architecture, stack_states, stacked_forward, unstack_state


def _members(count: int = 3, **keys) -> list[torch.nn.Module]:
    models = []
    for seed in range(count):
        torch.manual_seed(seed)
        models.append(build_model(ModelConfig(**{"hidden": [6, 5], **keys}), (2, 4), 3))
    return models


@pytest.mark.parametrize(
    "keys",
    [
        {},
        {"norm": "batch"},
        {"norm": "batch", "norm_position": "before", "activation": "tanh"},
        {"norm": "layer", "hidden": [5, 5], "residual": True},
        {"norm": "group", "norm_groups": 2, "hidden": [6, 6], "residual": True},
        {"output_activation": "log_softmax"},
    ],
)
@pytest.mark.parametrize("shared", [True, False])
def test_outputs_and_batchnorm_statistics_match_each_member(keys, shared):
    models = _members(**keys)
    architecture = describe_architecture(models[0])
    params, buffers = stack_states(models)
    generator = torch.Generator().manual_seed(1)
    inputs = torch.randn(7, 2, 4, generator=generator) if shared else torch.randn(3, 7, 2, 4, generator=generator)
    for training in (True, False):
        outputs = stacked_forward(architecture, params, buffers, inputs, [None, None], training, shared)
        for k, model in enumerate(models):
            model.train(training)
            expected = model(inputs if shared else inputs[k])
            torch.testing.assert_close(outputs[k], expected, rtol=1e-5, atol=1e-6)
    for k, model in enumerate(models):
        state = unstack_state(params, buffers, k)
        for name, tensor in model.state_dict().items():
            torch.testing.assert_close(state[name], tensor, rtol=1e-5, atol=1e-6)


def test_unstacked_state_loads_into_the_single_run_model():
    models = _members(norm="batch")
    params, buffers = stack_states(models)
    torch.manual_seed(0)
    fresh = build_model(ModelConfig(hidden=[6, 5], norm="batch"), (2, 4), 3)
    fresh.load_state_dict(unstack_state(params, buffers, 2))
    assert torch.equal(fresh.hidden[0].linear.weight, models[2].hidden[0].linear.weight)


def test_dropout_rates_are_per_member():
    models = _members()
    architecture = describe_architecture(models[0])
    params, buffers = stack_states(models)
    with torch.no_grad():
        for name in ("hidden.0.linear.weight", "hidden.0.linear.bias"):
            params[name].zero_()
        params["hidden.0.linear.bias"].fill_(1.0)  # layer-0 activations are exactly 1
    rates = (0.0, 0.5, 0.8)
    torch.manual_seed(3)
    x = torch.randn(4000, 8)
    h = torch.ones(3, 4000, 6)
    dropped = dropout_members(h, "standard", rates, [None, None, None])
    assert torch.equal(dropped[0], h[0])  # p = 0: the identity, exactly
    for k, rate in enumerate(rates[1:], start=1):
        kept = dropped[k] != 0
        assert abs(kept.float().mean().item() - (1 - rate)) < 0.02
        torch.testing.assert_close(dropped[k][kept], torch.full_like(dropped[k][kept], 1 / (1 - rate)))
    outputs = stacked_forward(architecture, params, buffers, x, [rates, None], True, True)
    assert outputs.shape == (3, 4000, 3)


def test_unsupported_modules_are_named():
    model = torch.nn.Sequential(torch.nn.Linear(3, 2))
    with pytest.raises(ValueError, match="only reglab MLPs"):
        describe_architecture(model)
    torch.manual_seed(0)
    mlp = build_model(ModelConfig(hidden=[4]), (3,), 2)
    mlp.hidden[0].norm = torch.nn.InstanceNorm1d(4)
    with pytest.raises(ValueError, match="InstanceNorm1d"):
        describe_architecture(mlp)


def test_each_member_draws_the_masks_of_f_dropout_from_its_own_generator():
    h = torch.randn(3, 50, 7)
    generators = [torch.Generator().manual_seed(seed) for seed in (4, 5, 6)]
    dropped = dropout_members(h, "standard", (0.3, 0.0, 0.6), generators)
    for member, (seed, rate) in enumerate(((4, 0.3), (5, 0.0), (6, 0.6))):
        torch.manual_seed(seed)
        expected = torch.nn.functional.dropout(h[member].clone(), rate, training=True)
        assert torch.equal(dropped[member], expected), member


def test_hidden_outputs_are_the_single_runs_block_outputs():
    models = _members(hidden=[6, 6], residual=True, norm="layer")
    architecture = describe_architecture(models[0])
    params, buffers = stack_states(models)
    inputs = torch.randn(3, 7, 2, 4)
    hidden: list[torch.Tensor] = []
    stacked_forward(architecture, params, buffers, inputs, [None, None], True, False, hidden=hidden)
    assert len(hidden) == 2
    for k, model in enumerate(models):
        captured = []
        handles = [block.register_forward_hook(lambda module, args, output: captured.append(output)) for block in model.hidden]
        model.train()(inputs[k])
        for handle in handles:
            handle.remove()
        for stacked, single in zip(hidden, captured):
            torch.testing.assert_close(stacked[k], single, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize(("batch", "inputs", "outputs"), [(32, 64, 10), (256, 24, 10), (32, 16, 3), (32, 128, 64)])
def test_a_members_products_round_alike_at_every_population_size(batch, inputs, outputs, shared):
    """Member k's outputs and gradients through a layer of K = 1 and of K = 4 members: bit for
    bit with inputs of its own, each member's product having the same shape at every K (BLAS
    libraries choose kernels by shape: on AVX2 CPUs a plain product for K = 1 rounded weight
    gradients differently from the batched one); to float rounding with shared inputs, whose
    one wide product may round a member's columns by K (layers up to 11 wide on an AMD EPYC)."""
    from reglab.population.stacked import _linear

    generator = torch.Generator().manual_seed(batch + inputs + outputs)
    x = torch.randn(4, batch, inputs, generator=generator)
    weight = torch.randn(4, outputs, inputs, generator=generator)
    bias = torch.randn(4, outputs, generator=generator)
    upstream = torch.randn(4, batch, outputs, generator=generator)

    def forward_and_gradients(rows: slice):
        w, b = weight[rows].clone().requires_grad_(True), bias[rows].clone().requires_grad_(True)
        out = _linear(x[0] if shared else x[rows], w, b)
        return (out, *torch.autograd.grad(out, [w, b], upstream[rows]))

    together = forward_and_gradients(slice(0, 4))
    for member in range(4):
        alone = forward_and_gradients(slice(member, member + 1))
        for mine, theirs in zip(alone, together):
            if shared:
                torch.testing.assert_close(mine[0], theirs[member], rtol=1e-6, atol=1e-5)
            else:
                assert torch.equal(mine[0], theirs[member])
