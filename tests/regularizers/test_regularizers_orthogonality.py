"""The orthogonality penalty against cosines computed by hand and Keras's OrthogonalRegularizer formula."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from reglab.regularizers import orthogonality_penalty
from tests.regularizers.step_units_helpers import assert_same_weights, fit_with, reference_loop


def keras_orthogonal_regularizer(kernel: np.ndarray, factor: float, mode: str) -> float:
    """Keras's formula on a kernel stored (in, out): normalise rows or columns, mean |off-diagonal| / 2 per pair."""
    if mode == "rows":
        vectors = kernel / np.linalg.norm(kernel, axis=1, keepdims=True)
        product, size = vectors @ vectors.T, kernel.shape[0]
    else:
        vectors = kernel / np.linalg.norm(kernel, axis=0, keepdims=True)
        product, size = vectors.T @ vectors, kernel.shape[1]
    off_diagonal = product * (1.0 - np.eye(size))
    return factor * 0.5 * np.abs(off_diagonal).sum() / (size * (size - 1) / 2)


def test_orthogonal_and_parallel_vectors():
    assert orthogonality_penalty(torch.eye(4).unsqueeze(0)).item() == 0.0
    # rows (1, 0) and (1, 1): one pair with |cos| = 1/√2, counted twice then halved
    assert orthogonality_penalty(torch.tensor([[[1.0, 0.0], [1.0, 1.0]]])).item() == pytest.approx(1 / math.sqrt(2))
    # three identical rows: every pair has cos 1
    assert orthogonality_penalty(torch.ones(1, 3, 5)).item() == pytest.approx(1.0)
    # one vector has no pair
    assert orthogonality_penalty(torch.randn(2, 1, 4)).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_matches_keras_on_the_transposed_kernel(mode):
    weight = torch.randn(6, 4, generator=torch.Generator().manual_seed(1), dtype=torch.float64)  # torch (out, in)
    keras_mode = {"rows": "columns", "columns": "rows"}[mode]  # Keras kernels are (in, out)
    expected = keras_orthogonal_regularizer(weight.T.numpy(), 0.3, keras_mode)
    assert 0.3 * orthogonality_penalty(weight.unsqueeze(0), mode).item() == pytest.approx(expected, rel=1e-12)


def test_members_are_penalised_alone():
    stacked = torch.randn(3, 5, 4, generator=torch.Generator().manual_seed(2))
    each = [orthogonality_penalty(member.unsqueeze(0)).item() for member in stacked]
    assert orthogonality_penalty(stacked).tolist() == pytest.approx(each, rel=1e-6)


def test_a_conv_weight_is_flattened_per_output_channel():
    conv = torch.randn(4, 2, 3, 3, generator=torch.Generator().manual_seed(3))
    assert orthogonality_penalty(conv.unsqueeze(0)).item() == pytest.approx(orthogonality_penalty(conv.reshape(1, 4, 18)).item())


def test_a_penalised_run_equals_the_hand_written_loop():
    strength = 0.5

    def gradient_of(model, x, y):
        penalty = sum(orthogonality_penalty(layer.weight.unsqueeze(0))[0] for layer in (model[0], model[2]))
        (F.cross_entropy(model(x), y) + strength * penalty).backward()

    model, history = fit_with({"regularization.orthogonality": strength})
    assert_same_weights(model, reference_loop(gradient_of))
    assert history[-1]["loss/orthogonality"] > 0
