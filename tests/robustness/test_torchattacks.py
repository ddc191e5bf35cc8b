"""FGSM and PGD against torchattacks, where it is installed (it is not a dependency: see docs/robustness.md)."""

from __future__ import annotations

import pytest
import torch

from reglab.robustness.attacks import fgsm, pgd

torchattacks = pytest.importorskip("torchattacks")


def _setup():
    """A small image classifier and images in [0.3, 0.7], so torchattacks' clamp to [0, 1] never binds."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 12), torch.nn.Tanh(), torch.nn.Linear(12, 4)).double()
    images = (0.3 + 0.4 * torch.rand(32, 1, 4, 4)).double()
    labels = torch.randint(0, 4, (32,))

    def loss(stack):
        outputs = model(stack.flatten(0, 1))
        return torch.nn.functional.cross_entropy(outputs, labels.repeat(stack.shape[0]), reduction="sum")

    return model, images, labels, loss


def test_fgsm_equals_torchattacks_fgsm():
    model, images, labels, loss = _setup()
    expected = torchattacks.FGSM(model, eps=0.05)(images, labels)
    got = fgsm(loss, images.unsqueeze(0), torch.tensor([0.05], dtype=torch.float64), "linf")[0]
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-12)


def test_pgd_linf_equals_torchattacks_pgd_from_the_clean_point():
    model, images, labels, loss = _setup()
    expected = torchattacks.PGD(model, eps=0.1, alpha=0.025, steps=7, random_start=False)(images, labels)
    got = pgd(loss, images.unsqueeze(0), torch.tensor([0.1], dtype=torch.float64), "linf", 7, 0.25, random_start=False)[0]
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-12)


def test_pgd_l2_equals_torchattacks_pgdl2_from_the_clean_point():
    model, images, labels, loss = _setup()
    expected = torchattacks.PGDL2(model, eps=0.15, alpha=0.05, steps=6, random_start=False)(images, labels)
    got = pgd(loss, images.unsqueeze(0), torch.tensor([0.15], dtype=torch.float64), "l2", 6, 1 / 3, random_start=False)[0]
    torch.testing.assert_close(got, expected, rtol=1e-6, atol=1e-9)
