"""Label smoothing (applied by reglab.objective.losses) against (1−ε)·onehot + ε/K and PyTorch."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from reglab.objective.losses import make_objective

EPSILON, CLASSES = 0.1, 4


def _smoothed(labels: torch.Tensor) -> torch.Tensor:
    return (1 - EPSILON) * F.one_hot(labels, CLASSES).float() + EPSILON / CLASSES


@pytest.fixture()
def batch() -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    return torch.randn(16, CLASSES), torch.randint(0, CLASSES, (16,))


def test_cross_entropy_matches_formula_and_pytorch(batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    logits, labels = batch
    loss = make_objective("cross_entropy", "classification", CLASSES, label_smoothing=EPSILON).loss(logits, labels)
    by_hand = -(_smoothed(labels) * F.log_softmax(logits, dim=1)).sum(dim=1).mean()
    torch.testing.assert_close(loss, by_hand)
    torch.testing.assert_close(loss, F.cross_entropy(logits, labels, label_smoothing=EPSILON))
    plain = make_objective("cross_entropy", "classification", CLASSES).loss(logits, labels)
    assert not torch.allclose(loss, plain)  # smoothing really changes the loss


def test_nll_and_mse_use_the_same_smoothed_targets(batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    logits, labels = batch
    nll = make_objective("nll", "classification", CLASSES, label_smoothing=EPSILON).loss(logits, labels)
    torch.testing.assert_close(nll, -(_smoothed(labels) * F.log_softmax(logits, dim=1)).sum(dim=1).mean())
    mse = make_objective("mse", "classification", CLASSES, label_smoothing=EPSILON).loss(logits, labels)
    torch.testing.assert_close(mse, ((logits - _smoothed(labels)) ** 2).mean())


def test_smoothing_applies_to_mixed_soft_targets(batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    logits, labels = batch
    soft = 0.7 * F.one_hot(labels, CLASSES).float() + 0.3 * F.one_hot(labels.roll(1), CLASSES).float()
    loss = make_objective("cross_entropy", "classification", CLASSES, label_smoothing=EPSILON).loss(logits, soft)
    target = (1 - EPSILON) * soft + EPSILON / CLASSES
    torch.testing.assert_close(loss, -(target * F.log_softmax(logits, dim=1)).sum(dim=1).mean())
