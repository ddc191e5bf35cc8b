"""The trajectory's pure math against hand computations and PyTorch built-ins."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from reglab.trajectory.metrics import (
    batchnorm_summaries,
    cosine_from_norms,
    derive_metrics,
    distances,
    fetch,
    near_zero_counts,
    tensor_norms,
    zero_counts,
)

ALL_SETS = ("norms", "distance", "sparsity", "gradients", "updates", "batchnorm")


def tensors():
    generator = torch.Generator().manual_seed(1)
    return [torch.randn(4, 3, generator=generator), torch.randn(5, generator=generator), torch.randn(2, 2, 3, generator=generator)]


def test_norms_match_torch_linalg():
    items = tensors()
    expected_l2 = [torch.linalg.norm(t).item() for t in items]
    expected_l1 = [t.abs().sum().item() for t in items]
    assert tensor_norms(items).tolist() == pytest.approx(expected_l2, rel=1e-6)
    assert tensor_norms(items, 1.0).tolist() == pytest.approx(expected_l1, rel=1e-6)


def test_distance_after_a_manual_change_of_weights():
    start = tensors()
    moved = [t.clone() for t in start]
    moved[0][1, 2] += 3.0  # one entry moved by 3
    moved[2] += 0.5  # every one of 12 entries moved by 0.5 -> sqrt(12 * 0.25)
    assert distances(moved, start).tolist() == pytest.approx([3.0, 0.0, math.sqrt(3.0)], rel=1e-6)


def test_sparsity_counts_known_zeros_and_near_zeros():
    weights = torch.tensor([0.0, 0.0, 1e-4, -5e-4, 2e-3, -1.0, 0.0, 0.5])
    assert zero_counts([weights]).item() == 5  # non-zero entries
    assert near_zero_counts([weights], 1e-3).item() == 3  # |w| >= 1e-3: 2e-3, -1, 0.5
    # the boundary |w| = ε counts as not near zero
    assert near_zero_counts([torch.tensor([1e-3, -1e-3])], 1e-3).item() == 2


def test_cosine_from_norms_matches_cosine_similarity():
    generator = torch.Generator().manual_seed(3)
    for _ in range(5):
        a, b = torch.randn(50, generator=generator), torch.randn(50, generator=generator)
        expected = F.cosine_similarity(a, b, dim=0).item()
        got = cosine_from_norms(a.norm().item(), b.norm().item(), (a - b).norm().item())
        assert got == pytest.approx(expected, abs=1e-5)
    assert cosine_from_norms(1.0, 1.0, 0.0) == 1.0
    assert cosine_from_norms(1.0, 1.0, 2.0) == -1.0
    assert math.isnan(cosine_from_norms(0.0, 1.0, 1.0))


def test_batchnorm_summaries_are_channel_means():
    norm = torch.nn.BatchNorm1d(3)
    norm.running_mean.copy_(torch.tensor([1.0, 2.0, 6.0]))
    norm.running_var.copy_(torch.tensor([0.5, 1.5, 4.0]))
    with torch.no_grad():
        norm.weight.copy_(torch.tensor([1.0, 0.0, 2.0]))
        norm.bias.copy_(torch.tensor([-3.0, 0.0, 0.0]))
    plain = torch.nn.BatchNorm1d(3, affine=False)
    summary = batchnorm_summaries([norm, plain])
    assert summary[0].tolist() == pytest.approx([3.0, 2.0, 1.0, -1.0])
    assert summary[1, :2].tolist() == pytest.approx([0.0, 1.0])
    assert torch.isnan(summary[1, 2:]).all()


def test_fetch_splits_one_transfer_back_by_name():
    fetched = fetch({"a": torch.tensor([1.0, 2.0]), "b": torch.tensor(3.0), "c": torch.ones(2, 2)})
    assert fetched == {"a": [1.0, 2.0], "b": [3.0], "c": [1.0, 1.0, 1.0, 1.0]}


def test_derived_metrics_and_totals_match_the_flat_parameter_vector():
    initial = tensors()
    current = [t * 1.5 + 0.1 for t in initial]
    current[1][:2] = 0.0
    names = ["a.weight", "a.bias", "conv.weight"]
    numels = [t.numel() for t in current]
    raw = {
        "l2": tensor_norms(current).tolist(),
        "l1": tensor_norms(current, 1.0).tolist(),
        "distance": distances(current, initial).tolist(),
        "nonzero": zero_counts(current).tolist(),
        "above_epsilon": near_zero_counts(current, 0.2).tolist(),
        "update": distances(current, initial).tolist(),
        "gradient": [1.0, 2.0, 2.0],
    }
    metrics = derive_metrics(names, numels, raw, ALL_SETS, initial_norms=tensor_norms(initial).tolist(), gradient_names=names)
    flat, flat0 = torch.cat([t.reshape(-1) for t in current]), torch.cat([t.reshape(-1) for t in initial])
    assert metrics["param/l2/total"] == pytest.approx(torch.linalg.norm(flat).item(), rel=1e-6)
    assert metrics["param/l1/total"] == pytest.approx(flat.abs().sum().item(), rel=1e-6)
    assert metrics["param/dist_init/total"] == pytest.approx((flat - flat0).norm().item(), rel=1e-6)
    assert metrics["param/dist_init_rel/total"] == pytest.approx(((flat - flat0).norm() / flat0.norm()).item(), rel=1e-6)
    assert metrics["param/cos_init/total"] == pytest.approx(F.cosine_similarity(flat, flat0, dim=0).item(), abs=1e-5)
    assert metrics["param/cos_init/a.bias"] == pytest.approx(F.cosine_similarity(current[1], initial[1], dim=0).item(), abs=1e-5)
    assert metrics["param/sparsity/a.bias"] == pytest.approx(2 / 5)
    assert metrics["param/sparsity/total"] == pytest.approx(2 / flat.numel())
    assert metrics["param/near_zero/total"] == pytest.approx((flat.abs() < 0.2).float().mean().item())
    assert metrics["grad/l2/total"] == pytest.approx(3.0)
    assert metrics["update_ratio/total"] == pytest.approx(((flat - flat0).norm() / flat.norm()).item(), rel=1e-6)
    assert metrics["update_ratio/conv.weight"] == pytest.approx(((current[2] - initial[2]).norm() / current[2].norm()).item(), rel=1e-6)


def test_zero_initial_weights_give_nan_relative_distance_and_cosine():
    raw = {"l2": [2.0], "distance": [2.0]}
    metrics = derive_metrics(["b"], [4], raw, ["distance"], initial_norms=[0.0])
    assert metrics["param/dist_init/b"] == 2.0
    assert math.isnan(metrics["param/dist_init_rel/b"])
    assert math.isnan(metrics["param/cos_init/b"])


def test_only_the_requested_sets_are_derived():
    raw = {"l2": [1.0], "l1": [1.0], "nonzero": [1.0], "above_epsilon": [1.0]}
    metrics = derive_metrics(["w"], [1], raw, ["sparsity"])
    assert set(metrics) == {"param/sparsity/w", "param/near_zero/w", "param/sparsity/total", "param/near_zero/total"}
