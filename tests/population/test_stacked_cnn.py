"""The stacked CNN pass against the members' own CNN modules (the single-run models)."""

from __future__ import annotations

import pytest
import torch

from reglab.config import ModelConfig
from reglab.models import build_model
from reglab.population.rates import MemberRates
from reglab.population.stacked import stack_states, unstack_state
from reglab.population.stacked_cnn import describe_cnn, describe_stacked, stacked_cnn_forward


def _members(input_shape, count: int = 3, **keys) -> list[torch.nn.Module]:
    models = []
    for seed in range(count):
        torch.manual_seed(seed)
        models.append(build_model(ModelConfig(kind="cnn", **{"channels": [4, 6], "hidden": [5], **keys}), input_shape, 3))
    return models


@pytest.mark.parametrize(
    ("keys", "input_shape"),
    [
        ({"norm": "batch"}, (1, 8, 8)),
        ({"norm": "group", "norm_groups": 2, "activation": "tanh", "hidden": [6]}, (2, 8, 8)),
        ({"norm": "layer", "hidden": []}, (12,)),
        ({"norm": "batch", "output_activation": "log_softmax"}, (2, 16)),
    ],
)
@pytest.mark.parametrize("shared", [True, False])
def test_outputs_and_running_statistics_match_each_member(keys, input_shape, shared):
    models = _members(input_shape, **keys)
    architecture = describe_cnn(models[0])
    params, buffers = stack_states(models)
    generator = torch.Generator().manual_seed(1)
    inputs = torch.randn(5, *input_shape, generator=generator) if shared else torch.randn(3, 5, *input_shape, generator=generator)
    rates = MemberRates.dropout_only([None] * len(models[0].hidden))
    for training in (True, False):
        outputs = stacked_cnn_forward(architecture, params, buffers, inputs, rates, training, shared)
        for k, model in enumerate(models):
            model.train(training)
            expected = model(inputs if shared else inputs[k])
            torch.testing.assert_close(outputs[k], expected, rtol=1e-5, atol=1e-6)
    for k, model in enumerate(models):
        state = unstack_state(params, buffers, k)
        for name, tensor in model.state_dict().items():
            torch.testing.assert_close(state[name], tensor, rtol=1e-5, atol=1e-6)


def test_each_member_draws_its_single_runs_channel_and_hidden_masks():
    rates = (0.3, 0.0, 0.5)
    models = _members((1, 8, 8), channels=[4], hidden=[6])
    for model, rate in zip(models, rates):
        model.conv[0].dropout.p = rate
        model.hidden[0].dropout.p = rate
    architecture = describe_cnn(models[0])
    params, buffers = stack_states(models)
    inputs = torch.randn(3, 7, 1, 8, 8)
    member_rates = MemberRates(dropout=(rates,), drop_path=(None,), channel_dropout=(rates,))
    generators = [torch.Generator().manual_seed(10 + k) for k in range(3)]
    outputs = stacked_cnn_forward(architecture, params, buffers, inputs, member_rates, True, False, generators)
    for k, model in enumerate(models):
        torch.manual_seed(10 + k)
        torch.testing.assert_close(outputs[k], model.train()(inputs[k]), rtol=1e-5, atol=1e-6)


def test_hidden_outputs_are_handed_over():
    models = _members((1, 8, 8), hidden=[5, 4])
    params, buffers = stack_states(models)
    hidden: list[torch.Tensor] = []
    stacked_cnn_forward(describe_cnn(models[0]), params, buffers, torch.randn(6, 1, 8, 8), [None, None], True, True, hidden=hidden)
    assert [tuple(output.shape) for output in hidden] == [(3, 6, 5), (3, 6, 4)]


def test_modules_of_ones_own_are_not_described():
    with pytest.raises(ValueError, match="only reglab MLPs"):
        describe_stacked(torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3)))
    models = _members((1, 8, 8))
    models[0].conv[0].norm = torch.nn.InstanceNorm2d(4)
    with pytest.raises(ValueError, match="InstanceNorm2d"):
        describe_stacked(models[0])


def test_evaluation_in_slices_equals_one_pass(monkeypatch):
    from reglab.population import stacked_cnn

    models = _members((1, 8, 8), norm="batch")
    architecture = describe_cnn(models[0])
    params, buffers = stack_states(models)
    inputs = torch.randn(3, 10, 1, 8, 8)
    whole = stacked_cnn_forward(architecture, params, buffers, inputs, [None], False, False)
    monkeypatch.setattr(stacked_cnn, "EVAL_FEATURE_FLOATS", 3 * 4 * 64 * 3)  # slices of 3 samples
    sliced = stacked_cnn_forward(architecture, params, buffers, inputs, [None], False, False)
    torch.testing.assert_close(sliced, whole, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("shared", [True, False])
def test_feature_maps_are_channels_last_also_for_one_input_channel(monkeypatch, shared):
    # A one-channel batch holds the same bytes in both layouts, and its convolutions used
    # to return NCHW maps (max-pool and batch norm then ran several times slower).
    import reglab.population.stacked_cnn as stacked_cnn

    layouts = []
    convolve = stacked_cnn._conv

    def recording_conv(*args):
        maps = convolve(*args)
        layouts.append(maps.is_contiguous(memory_format=torch.channels_last) and maps.stride(1) == 1)
        return maps

    monkeypatch.setattr(stacked_cnn, "_conv", recording_conv)
    models = _members((1, 8, 8), norm="batch")
    params, buffers = stack_states(models)
    inputs = torch.randn(5, 1, 8, 8) if shared else torch.randn(3, 5, 1, 8, 8)
    rates = MemberRates.dropout_only([None] * len(models[0].hidden))
    stacked_cnn_forward(describe_cnn(models[0]), params, buffers, inputs, rates, True, shared)
    assert layouts == [True, True]


def test_the_pooled_maps_gradient_comes_back_channels_last(monkeypatch):
    # The flatten reads the last pooled maps in the single run's (C, H, W) order; their
    # gradient used to come back NCHW, and max-pool's backward copied its input to match.
    import torch.nn.functional as F

    gradients = []
    pool = F.max_pool2d

    def recording_pool(*args, **kwargs):
        pooled = pool(*args, **kwargs)
        if pooled.requires_grad:
            pooled.register_hook(lambda gradient: gradients.append(gradient.stride(1) == 1))
        return pooled

    monkeypatch.setattr(F, "max_pool2d", recording_pool)
    models = _members((1, 8, 8), norm="batch")
    params, buffers = stack_states(models)
    rates = MemberRates.dropout_only([None] * len(models[0].hidden))
    stacked_cnn_forward(describe_cnn(models[0]), params, buffers, torch.randn(5, 1, 8, 8), rates, True, True).sum().backward()
    assert gradients == [True, True]  # both blocks' pooled maps (the hooks fire last block first)
