"""Mixup and CutMix against the papers' definitions, with the sampled λ and partners."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from reglab.augment import AugmentPipeline, as_probabilities, cutmix, cutmix_box_mask, draw_mixing, mixup, sample_mix_weights
from reglab.config.augment import AugmentConfig


def test_mixup_is_the_convex_combination_by_hand() -> None:
    inputs = torch.tensor([[1.0, 2.0], [3.0, 5.0], [-1.0, 0.0]])
    targets = F.one_hot(torch.tensor([0, 1, 2]), 3).float()
    weights = torch.tensor([0.9, 0.5, 0.25])
    partners = torch.tensor([2, 0, 1])
    mixed, soft = mixup(inputs, targets, weights, partners)
    expected = torch.tensor([[0.9 * 1 + 0.1 * -1, 0.9 * 2 + 0.1 * 0], [2.0, 3.5], [0.25 * -1 + 0.75 * 3, 0.75 * 5]])
    torch.testing.assert_close(mixed, expected)
    torch.testing.assert_close(soft, torch.tensor([[0.9, 0.0, 0.1], [0.5, 0.5, 0.0], [0.0, 0.75, 0.25]]))


def test_mixup_pipeline_uses_its_sampled_lambda_and_permutation() -> None:
    mixer = AugmentPipeline(AugmentConfig(mixup_alpha=0.4), (1, 6, 6), num_classes=5)
    torch.manual_seed(3)
    inputs, labels = torch.randn(64, 1, 6, 6), torch.randint(0, 5, (64,))
    torch.manual_seed(4)
    weights, partners, centers = draw_mixing("mixup", 64, 0.4, 1.0, "cpu")
    assert centers is None
    torch.manual_seed(4)
    mixed, soft = mixer(inputs, labels)
    lam = weights.view(-1, 1, 1, 1)
    torch.testing.assert_close(mixed, lam * inputs + (1 - lam) * inputs[partners])
    onehot = F.one_hot(labels, 5).float()
    torch.testing.assert_close(soft, weights[:, None] * onehot + (1 - weights[:, None]) * onehot[partners])
    torch.testing.assert_close(soft.sum(dim=1), torch.ones(64))
    assert torch.equal(partners.sort().values, torch.arange(64))  # a permutation
    assert weights.unique().numel() == 64  # λ per sample


def test_mix_weights_follow_beta_and_the_batch_gate() -> None:
    torch.manual_seed(0)
    weights = sample_mix_weights(20000, 0.4, 1.0, "cpu")
    # Beta(α, α): mean 1/2, variance 1 / (4(2α + 1)) = 0.1389 for α = 0.4.
    assert abs(weights.mean().item() - 0.5) < 0.01
    assert abs(weights.var().item() - 1 / (4 * 1.8)) < 0.005
    gated = torch.stack([sample_mix_weights(8, 1.0, 0.3, "cpu") for _ in range(400)])
    unmixed_batches = (gated == 1).all(dim=1)
    assert abs(unmixed_batches.float().mean().item() - 0.7) < 0.08
    assert (gated[~unmixed_batches] < 1).all()  # a mixed batch mixes every sample


def test_vector_inputs_mix_too() -> None:
    torch.manual_seed(0)
    mixed, soft = AugmentPipeline(AugmentConfig(mixup_alpha=1.0), (40,), num_classes=3)(torch.randn(10, 40), torch.randint(0, 3, (10,)))
    assert mixed.shape == (10, 40) and soft.shape == (10, 3)


def test_cutmix_box_lambda_is_the_exact_kept_area() -> None:
    weights = torch.tensor([0.75, 0.75, 1.0, 0.0])
    centers = torch.tensor([[4, 4], [0, 0], [3, 3], [4, 4]])
    mask, adjusted = cutmix_box_mask(8, 8, weights, centers)
    # λ = 0.75: side ⌊8·0.5⌋ = 4, half 2 → rows/columns 2..5 (4×4 = 16 pixels of 64).
    assert torch.equal(mask[0, 0].nonzero().amin(0), torch.tensor([2, 2]))
    assert torch.equal(mask[0, 0].nonzero().amax(0), torch.tensor([5, 5]))
    # At the corner the box is clipped to 2×2: λ' = 1 − 4/64 instead of 0.75.
    # λ = 1 pastes nothing; λ = 0 pastes the whole 8×8 image.
    torch.testing.assert_close(adjusted, torch.tensor([1 - 16 / 64, 1 - 4 / 64, 1.0, 0.0]))
    torch.testing.assert_close(adjusted, 1 - mask.flatten(1).float().mean(dim=1))


def test_cutmix_pastes_the_partner_and_targets_follow_the_pasted_area() -> None:
    count, classes = 32, 32
    images = torch.arange(1.0, count + 1).view(count, 1, 1, 1).expand(count, 2, 9, 11).clone()
    labels = torch.arange(count)  # distinct labels: target mass per class is readable
    mixer = AugmentPipeline(AugmentConfig(cutmix_alpha=1.0), (2, 9, 11), num_classes=classes)
    torch.manual_seed(5)
    weights, partners, centers = draw_mixing("cutmix", count, 1.0, 1.0, "cpu", None, 9, 11)
    torch.manual_seed(5)
    mixed, soft = mixer(images, labels)
    mask, adjusted = cutmix_box_mask(9, 11, weights, centers)
    torch.testing.assert_close(mixed, torch.where(mask, images[partners], images), rtol=0, atol=0)
    own_area = (mixed[:, 0] == images[:, 0]).flatten(1).float().mean(dim=1)
    moved = partners != torch.arange(count)
    torch.testing.assert_close(soft[torch.arange(count), labels][moved], own_area[moved])
    torch.testing.assert_close(soft[torch.arange(count), labels[partners]][moved], 1 - own_area[moved])
    torch.testing.assert_close(soft[moved].sum(dim=1), torch.ones(int(moved.sum())))
    torch.testing.assert_close(own_area[moved], adjusted[moved])
    assert (adjusted < 1).any() and (adjusted > 0).any()


def test_cutmix_function_accepts_soft_targets() -> None:
    images = torch.zeros(2, 1, 2, 2)
    images[1] = 1.0
    mask = torch.tensor([[[[True, False], [False, False]]], [[[False, False], [False, False]]]])
    mixed, soft = cutmix(images, as_probabilities(torch.tensor([0, 1]), 2), mask, torch.tensor([1, 0]))
    assert mixed[0, 0].tolist() == [[1.0, 0.0], [0.0, 0.0]]
    torch.testing.assert_close(soft, torch.tensor([[0.75, 0.25], [0.0, 1.0]]))


def test_beta_draw_is_torchs_and_comes_from_the_given_generator() -> None:
    torch.manual_seed(6)
    reference = torch.distributions.Beta(torch.tensor(0.4), torch.tensor(0.4)).sample((50,))
    generator = torch.Generator().manual_seed(6)
    assert torch.equal(sample_mix_weights(50, 0.4, 1.0, "cpu", generator), reference)
