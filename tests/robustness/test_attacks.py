"""FGSM and PGD against their formulas on models whose input gradient is computed by hand."""

from __future__ import annotations

import math

import pytest
import torch

from reglab.robustness.attacks import fgsm, pgd, project


def _close(actual: torch.Tensor, expected) -> None:
    torch.testing.assert_close(actual, torch.as_tensor(expected, dtype=actual.dtype), rtol=1e-6, atol=1e-7)


def _linear_classifier() -> torch.nn.Linear:
    """logits = W x with W = [[1, 2], [-1, 0]], no bias."""
    layer = torch.nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, 2.0], [-1.0, 0.0]]))
    return layer


def _cross_entropy_loss(model, labels):
    def loss(stack):
        outputs = model(stack.flatten(0, 1))
        return torch.nn.functional.cross_entropy(outputs, labels.repeat(stack.shape[0]), reduction="sum")

    return loss


def test_fgsm_linf_on_a_linear_classifier_is_x_plus_eps_sign_of_the_hand_gradient():
    # At x = 0 both logits are 0, p = (½, ½); with y = 0, ∇ₓL = Wᵀ(p − e₀) = Wᵀ(−½, ½) = (−1, −1).
    model = _linear_classifier()
    inputs = torch.zeros(1, 1, 2)
    attacked = fgsm(_cross_entropy_loss(model, torch.tensor([0])), inputs, torch.tensor([0.3]), "linf")
    _close(attacked, [[[-0.3, -0.3]]])


def test_fgsm_l2_moves_eps_along_the_normalized_hand_gradient():
    model = _linear_classifier()
    attacked = fgsm(_cross_entropy_loss(model, torch.tensor([0])), torch.zeros(1, 1, 2), torch.tensor([0.3]), "l2")
    step = 0.3 / math.sqrt(2)
    _close(attacked[0, 0], [-step, -step])


def test_fgsm_gives_each_member_its_own_radius_and_each_example_its_own_gradient():
    # Rows of the stack are members: the loss of member k depends on row k only.
    weights = torch.tensor([[2.0, -3.0], [-1.0, 0.5]])  # member k's linear loss w_k · x

    def loss(stack):
        return (stack * weights[:, None, :]).sum()

    inputs = torch.tensor([[[1.0, 1.0], [0.0, 0.0]], [[5.0, 5.0], [1.0, 2.0]]])
    attacked = fgsm(loss, inputs, torch.tensor([0.1, 0.0]), "linf")
    expected = inputs.clone()
    expected[0] += 0.1 * torch.tensor([1.0, -1.0])
    assert torch.equal(attacked[1], inputs[1])  # ε = 0: untouched, exactly
    _close(attacked, expected.tolist())


def test_projection_onto_the_linf_and_l2_balls_by_hand():
    delta = torch.tensor([[[3.0, -0.5], [0.3, 0.4]]])
    _close(project(delta, torch.tensor([1.0]), "linf"), [[[1.0, -0.5], [0.3, 0.4]]])
    # ‖(3, −0.5)‖ = √9.25 > 1 is scaled to length 1; ‖(0.3, 0.4)‖ = 0.5 ≤ 1 stays
    scale = 1 / math.sqrt(9.25)
    _close(project(delta, torch.tensor([1.0]), "l2"), [[[3 * scale, -0.5 * scale], [0.3, 0.4]]])


def test_pgd_linf_takes_steps_of_alpha_then_stops_at_the_corner():
    w = torch.tensor([2.0, -3.0])

    def loss(stack):
        return (stack * w).sum()

    x = torch.zeros(1, 1, 2)
    # α = 0.25·ε: two steps go half way, five reach the corner ε·sign(w) and stay
    two = pgd(loss, x, torch.tensor([0.4]), "linf", steps=2, step_fraction=0.25, random_start=False)
    five = pgd(loss, x, torch.tensor([0.4]), "linf", steps=5, step_fraction=0.25, random_start=False)
    _close(two, [[[0.2, -0.2]]])
    _close(five, [[[0.4, -0.4]]])


def test_pgd_l2_walks_along_the_gradient_and_is_projected_onto_the_sphere():
    w = torch.tensor([3.0, 4.0])  # unit direction (0.6, 0.8)

    def loss(stack):
        return (stack * w).sum()

    x = torch.zeros(1, 1, 2)
    # α = 0.4: after 2 steps δ = 0.8·(0.6, 0.8); the third would reach length 1.2 and is projected to 1
    two = pgd(loss, x, torch.tensor([1.0]), "l2", steps=2, step_fraction=0.4, random_start=False)
    three = pgd(loss, x, torch.tensor([1.0]), "l2", steps=3, step_fraction=0.4, random_start=False)
    _close(two, [[[0.48, 0.64]]])
    _close(three, [[[0.6, 0.8]]])


@pytest.mark.parametrize("norm", ["linf", "l2"])
def test_pgd_with_a_random_start_stays_in_every_members_ball(norm):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    labels = torch.randint(0, 3, (5,))
    inputs = torch.randn(5, 6).expand(3, 5, 6)
    eps = torch.tensor([0.05, 0.2, 1.0])
    generator = torch.Generator().manual_seed(1)
    attacked = pgd(_cross_entropy_loss(model, labels), inputs, eps, norm, steps=4, step_fraction=0.5, generator=generator)
    delta = (attacked - inputs).flatten(2)
    sizes = delta.abs().amax(dim=2) if norm == "linf" else delta.norm(dim=2)
    assert (sizes <= eps[:, None] * (1 + 1e-5)).all()
    assert (sizes >= eps[:, None] * 0.5).all()  # ascent pushes outwards from the start
    again = pgd(_cross_entropy_loss(model, labels), inputs, eps, norm, steps=4, step_fraction=0.5, generator=torch.Generator().manual_seed(1))
    assert torch.equal(attacked, again)  # the generator makes the attack repeatable


def test_pgd_raises_the_loss_at_least_as_much_as_fgsm_on_a_small_network():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))
    labels = torch.randint(0, 3, (64,))
    inputs = torch.randn(1, 64, 6)
    loss = _cross_entropy_loss(model, labels)
    eps = torch.tensor([0.3])
    one_step_inputs = fgsm(loss, inputs, eps)
    many_steps_inputs = pgd(loss, inputs, eps, steps=20, step_fraction=0.1, random_start=False)
    with torch.no_grad():
        clean, one_step, many = float(loss(inputs)), float(loss(one_step_inputs)), float(loss(many_steps_inputs))
    assert clean < one_step <= many + 1e-4
