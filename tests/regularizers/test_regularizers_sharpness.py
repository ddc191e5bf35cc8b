"""Sharpness-aware minimization (Foret et al. 2021) against ρ·g/‖g‖ by hand and a hand-written two-pass loop."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from reglab.regularizers import SharpnessAware, sam_perturbation
from tests.regularizers.member_steps import member_hyper, member_step
from tests.regularizers.step_units_helpers import assert_same_weights, fit_with, reference_loop


def test_the_perturbation_has_length_rho_along_the_gradient():
    gradients = [torch.tensor([[3.0, 0.0]]), torch.tensor([[[4.0]]])]  # ‖g‖ = 5
    offsets = sam_perturbation(gradients, torch.tensor([0.5]))
    assert torch.allclose(offsets[0], torch.tensor([[0.3, 0.0]])) and torch.allclose(offsets[1], torch.tensor([[[0.4]]]))


def test_each_member_is_scaled_by_its_own_norm_and_rho():
    gradients = [torch.tensor([[3.0, 4.0], [0.0, 2.0]])]
    offsets = sam_perturbation(gradients, torch.tensor([1.0, 0.1]))
    assert torch.allclose(offsets[0], torch.tensor([[0.6, 0.8], [0.0, 0.1]]))
    assert sam_perturbation([torch.zeros(1, 3)], torch.tensor([0.5]))[0].tolist() == [[0.0, 0.0, 0.0]]


def test_the_unit_takes_the_second_gradient_at_the_perturbed_weights_and_restores_them():
    weight = torch.tensor([[1.0, 2.0], [3.0, -1.0]])
    params = {"w": weight.clone()}
    seen = []

    def regradient():
        seen.append(params["w"].clone())
        return {"w": 2 * params["w"]}  # the gradient of Σw² at the weights it is asked at

    gradients = {"w": torch.tensor([[3.0, 4.0], [0.0, 2.0]])}
    step = member_step(params, member_hyper(2, sam_rho=[1.0, 0.0]), regradient=regradient)
    again = SharpnessAware().transform_gradients(gradients, step)
    perturbed = weight + torch.tensor([[0.6, 0.8], [0.0, 0.0]])  # ρ_k·g_k/‖g_k‖; ρ = 0 does not move
    assert torch.allclose(seen[0], perturbed) and torch.allclose(again["w"], 2 * perturbed)
    assert torch.equal(params["w"], weight)


def test_a_sam_run_equals_the_hand_written_two_pass_loop():
    rho = 0.2

    def gradient_of(model, x, y):
        F.cross_entropy(model(x), y).backward()
        params = list(model.parameters())
        norm = torch.sqrt(sum(param.grad.pow(2).sum() for param in params))
        offsets = [rho * param.grad / (norm + 1e-12) for param in params]
        with torch.no_grad():
            for param, offset in zip(params, offsets):
                param += offset
        for param in params:
            param.grad = None
        F.cross_entropy(model(x), y).backward()
        with torch.no_grad():
            for param, offset in zip(params, offsets):
                param -= offset

    model, history = fit_with({"regularization.sam_rho": rho})
    assert_same_weights(model, reference_loop(gradient_of))
    plain, _ = fit_with({})
    assert not torch.allclose(model[0].weight, plain[0].weight, atol=1e-4)  # the second pass changed the steps
