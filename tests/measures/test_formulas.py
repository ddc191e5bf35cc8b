"""Every measure against a case computed by hand (or, for the Hessian, a dense eigendecomposition)."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from reglab.config import ModelConfig
from reglab.measures import (
    Network,
    distance_from_init,
    fit_power_law,
    flatness_sigma,
    hessian_top_eigenvalue,
    hessian_trace,
    hessian_vector_product,
    layer_eigenvalues,
    layer_matrices,
    norm_measures,
    norm_over_margin,
    output_margin,
    path_norm,
    sharpness,
    spectral_measures,
)
from reglab.models import build_model


def _generator(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_distance_from_init_per_layer_and_total():
    initial = {"a.weight": torch.zeros(2, 2), "a.bias": torch.zeros(2), "b.weight": torch.zeros(1, 2)}
    now = {"a.weight": torch.tensor([[3.0, 0.0], [0.0, 4.0]]), "a.bias": torch.ones(2), "b.weight": torch.tensor([[0.0, 12.0]])}
    values = distance_from_init(now, initial)
    assert values == pytest.approx({"dist_init/a": 5.0, "dist_init/b": 12.0, "dist_init": 13.0})  # biases are not layers


def test_layer_matrices_reshape_convolutions_and_skip_biases():
    weights = {"conv.weight": torch.ones(4, 3, 2, 2), "conv.bias": torch.ones(4), "norm.weight": torch.ones(4)}
    matrices = layer_matrices(weights)
    assert list(matrices) == ["conv"] and matrices["conv"].shape == (4, 12) and matrices["conv"].dtype == torch.float64


def test_norm_measures_of_diagonal_layers():
    # spectral norms 4 and 2, Frobenius norms 5 and √5: squared 16, 4 and 25, 5
    matrices = {"one": torch.diag(torch.tensor([3.0, 4.0])), "two": torch.diag(torch.tensor([1.0, 2.0]))}
    values = norm_measures(matrices)
    assert values["log_prod_spec"] == pytest.approx(math.log(16 * 4))
    assert values["sum_spec"] == pytest.approx(2 * math.sqrt(64))
    assert values["log_prod_fro"] == pytest.approx(math.log(25 * 5))
    assert values["sum_fro"] == pytest.approx(2 * math.sqrt(125))
    assert values["fro_over_spec"] == pytest.approx(25 / 16 + 5 / 4)


def _two_layer_net(bias: bool) -> torch.nn.Module:
    model = build_model(ModelConfig(hidden=[2], activation="relu"), (2,), 1)
    with torch.no_grad():
        model.hidden[0].linear.weight.copy_(torch.tensor([[1.0, -2.0], [3.0, 0.0]]))
        model.head.weight.copy_(torch.tensor([[1.0, 2.0]]))
        model.hidden[0].linear.bias.copy_(torch.tensor([1.0, 0.0]) if bias else torch.zeros(2))
        model.head.bias.copy_(torch.tensor([2.0]) if bias else torch.zeros(1))
    return model


@pytest.mark.parametrize(("bias", "expected"), [(False, 1 * (1 + 4) + 4 * (9 + 0)), (True, 41 + 1 * 1 + 4 * 0 + 4)])
def test_path_norm_of_a_two_layer_relu_net_by_hand(bias, expected):
    """Σ over paths of Π w²: 1²·(1² + (−2)²) + 2²·(3² + 0²) = 41; biases add b1_j²·W2_j² and b2²."""
    model = _two_layer_net(bias)
    network, params = Network.of(model, model.state_dict(), torch.randn(5, 2), torch.zeros(5, 1), F.mse_loss)
    assert path_norm(network, params) == pytest.approx(expected)


def test_output_margin_is_the_tenth_percentile():
    # margins 1, 2, …, 10: true-class output i + 5 against a runner-up of 5
    outputs = torch.stack([torch.tensor([float(i + 5), 5.0, 0.0]) for i in range(1, 11)])
    targets = torch.zeros(10, dtype=torch.long)
    assert output_margin(outputs, targets) == pytest.approx(1.9)  # linear interpolation at 0.1·9 = 0.9
    assert output_margin(torch.tensor([[1.0, 4.0, 2.0]]), torch.tensor([1]), quantile=0.0) == pytest.approx(2.0)
    # one output: (2y − 1)·f(x)
    assert output_margin(torch.tensor([[0.5], [-3.0]]), torch.tensor([[1.0], [0.0]]), quantile=0.0) == pytest.approx(0.5)
    # one probability output: measured from the 0.5 where the prediction flips (0.4 and 0.3)
    assert output_margin(torch.tensor([[0.9], [0.2]]), torch.tensor([[1.0], [0.0]]), quantile=0.0, threshold=0.5) == pytest.approx(0.3)


def test_norm_over_margin_divides_by_the_squared_margin():
    norms = {"log_prod_spec": math.log(64.0), "log_prod_fro": math.log(125.0), "fro_over_spec": 2.8125}
    values = norm_over_margin(2.0, norms, path=41.0)
    assert values == pytest.approx({
        "inverse_margin": 0.25,
        "log_prod_spec_margin": math.log(16.0),
        "log_prod_fro_margin": math.log(125.0 / 4),
        "log_spec_orig": math.log(64.0 * 2.8125 / 4),
        "path_norm_margin": 41.0 / 4,
    })
    assert norm_over_margin(-0.5, norms, path=41.0) == {}  # undefined for a margin ≤ 0


def test_flatness_sigma_of_a_one_weight_classifier():
    """Error 1 when w + u ≤ 0: E[error] = Φ(−w/σ); the target 0.1 is reached at σ = w / 1.2816.
    Magnitude-aware noise has std σ′·|w|, so σ′ = 1 / 1.2816 whatever w is."""
    z = 1.2815515655446004  # Φ⁻¹(0.9)

    def error_at(params):
        return (params["w"] <= 0).float().mean()

    params = {"w": torch.tensor([2.0])}
    sigma = flatness_sigma(error_at, params, target=0.1, draws=40000, steps=20, generator=_generator())
    magnitude = flatness_sigma(error_at, params, target=0.1, draws=40000, steps=20, magnitude_aware=True, generator=_generator())
    assert sigma == pytest.approx(2.0 / z, rel=0.02)
    assert magnitude == pytest.approx(1.0 / z, rel=0.02)


def test_sharpness_of_a_quadratic_reaches_the_ball_edge():
    """L(w) = ½·c·w² at w = d: the worst point of the ball |δ| ≤ ρ is δ = ρ, an increase of ½c((d + ρ)² − d²)."""
    c, d, rho = 3.0, 0.5, 0.1

    def loss_at(params):
        return 0.5 * c * (params["w"] ** 2).sum()

    value = sharpness(loss_at, {"w": torch.tensor([d], dtype=torch.float64)}, radius=rho, steps=5, generator=_generator())
    assert value == pytest.approx(0.5 * c * ((d + rho) ** 2 - d**2), rel=1e-6)


def _linear_regression(inputs: torch.Tensor, targets: torch.Tensor):
    def loss_at(params):
        return ((inputs @ params["w"] - targets) ** 2).mean()

    return loss_at


def test_hessian_of_linear_regression_in_closed_form():
    """L(w) = (1/n)‖Xw − y‖²: H = (2/n) XᵀX. Orthogonal columns of norms 1, 2, 3 make it diag(0.5, 2, 4.5)."""
    inputs = torch.tensor([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 3.0], [0.0, 0.0, 0.0]], dtype=torch.float64)
    loss_at = _linear_regression(inputs, torch.tensor([1.0, -1.0, 2.0, 0.5], dtype=torch.float64))
    params = {"w": torch.tensor([0.3, -0.2, 0.1], dtype=torch.float64)}
    top = hessian_top_eigenvalue(loss_at, params, iterations=200, tolerance=1e-12, generator=_generator())
    assert top == pytest.approx(4.5, rel=1e-6)
    # Rademacher vᵀHv = Σ H_ii v_i² = tr H exactly for a diagonal Hessian
    assert hessian_trace(loss_at, params, samples=3, generator=_generator()) == pytest.approx(7.0, rel=1e-12)
    # the same through a module and F.mse_loss (whose forward-over-reverse Hessian PyTorch cannot take)
    module = torch.nn.Linear(3, 1, bias=False).double()
    network, module_params = Network.of(module, {"weight": params["w"].reshape(1, 3)}, inputs,
                                        torch.tensor([[1.0], [-1.0], [2.0], [0.5]], dtype=torch.float64), F.mse_loss)
    assert hessian_top_eigenvalue(network.loss, module_params, iterations=200, tolerance=1e-12,
                                  generator=_generator()) == pytest.approx(4.5, rel=1e-6)
    assert hessian_trace(network.loss, module_params, samples=3, generator=_generator()) == pytest.approx(7.0, rel=1e-12)


def _small_mlp_loss():
    torch.manual_seed(0)
    model = build_model(ModelConfig(hidden=[6], activation="tanh"), (4,), 3).double()
    inputs = torch.randn(32, 4, dtype=torch.float64)
    targets = torch.randint(0, 3, (32,))
    network, params = Network.of(model, model.state_dict(), inputs, targets, F.cross_entropy)
    names = list(params)
    shapes = [params[name].shape for name in names]
    sizes = [params[name].numel() for name in names]

    def flat_loss(vector):
        pieces = vector.split(sizes)
        return network.loss({name: piece.reshape(shape) for name, piece, shape in zip(names, pieces, shapes)})

    flat = torch.cat([params[name].flatten() for name in names])
    dense = torch.autograd.functional.hessian(flat_loss, flat)
    return network, params, names, dense


def test_hessian_top_eigenvalue_matches_a_dense_eigendecomposition():
    network, params, names, dense = _small_mlp_loss()
    eigenvalues = torch.linalg.eigvalsh(dense)
    expected = float(eigenvalues[eigenvalues.abs().argmax()])
    top = hessian_top_eigenvalue(network.loss, params, iterations=100, tolerance=1e-9, generator=_generator())
    assert top == pytest.approx(expected, rel=1e-3)
    # each product is the dense Hessian times the vector
    vector = {name: torch.randn(tensor.shape, generator=_generator(1), dtype=torch.float64) for name, tensor in params.items()}
    product = hessian_vector_product(network.loss, params, vector)
    flat = lambda tensors: torch.cat([tensors[name].flatten() for name in names])  # noqa: E731
    torch.testing.assert_close(flat(product), dense @ flat(vector), rtol=1e-9, atol=1e-12)
    # Hutchinson is unbiased: many samples come near the dense trace
    trace = hessian_trace(network.loss, params, samples=200, generator=_generator())
    assert trace == pytest.approx(float(dense.trace()), rel=0.1)


def test_layer_eigenvalues_of_a_diagonal_matrix():
    """X = WᵀW / N of diag(1, 2, 3): eigenvalues 1/3, 4/3, 9/3; a 2 × 4 matrix is transposed (N = 4)."""
    assert layer_eigenvalues(torch.diag(torch.tensor([1.0, 2.0, 3.0]))).tolist() == pytest.approx([1 / 3, 4 / 3, 3.0])
    wide = torch.tensor([[2.0, 0.0, 0.0, 0.0], [0.0, 4.0, 0.0, 0.0]])
    assert layer_eigenvalues(wide).tolist() == pytest.approx([1.0, 4.0])


def test_power_law_fit_by_hand():
    """Values 1, e, e²: x_min = 1 gives α = 1 + 3/(0 + 1 + 2) = 2 and D = max|i/3 − (1 − 1/x_i)| = 1 − 1/e − 1/3;
    x_min = e gives α = 1 + 2/1 = 3 and D = 1 − e⁻² − 1/2, a worse fit."""
    fit = fit_power_law(torch.tensor([math.e**2, 1.0, math.e]))
    assert fit.alpha == pytest.approx(2.0)
    assert fit.xmin == pytest.approx(1.0)
    assert fit.ks_distance == pytest.approx(1 - 1 / math.e - 1 / 3)


def _pareto(alpha: float, xmin: float, count: int) -> torch.Tensor:
    uniform = torch.rand(count, generator=_generator(), dtype=torch.float64)
    return xmin * (1 - uniform) ** (-1 / (alpha - 1))


def test_power_law_fit_recovers_a_pareto_exponent():
    fit = fit_power_law(_pareto(2.5, 0.5, 2000))
    assert fit.alpha == pytest.approx(2.5, abs=0.1)
    assert fit.xmin == pytest.approx(0.5, rel=0.1)


def test_power_law_fit_agrees_with_the_powerlaw_package():
    powerlaw = pytest.importorskip("powerlaw")
    values = _pareto(2.5, 0.5, 3000)
    reference = powerlaw.Fit(values.numpy(), verbose=False)
    fit = fit_power_law(values)
    assert fit.alpha == pytest.approx(reference.alpha, rel=1e-9)
    assert fit.xmin == pytest.approx(reference.xmin, rel=1e-9)


def test_spectral_measures_per_layer_mean_and_weighted():
    torch.manual_seed(0)
    matrices = {"big": torch.randn(40, 20).double(), "tiny": torch.randn(1, 20).double()}
    values = spectral_measures(matrices)
    assert "alpha/tiny" not in values  # one eigenvalue: no fit
    eigenvalues = layer_eigenvalues(matrices["big"])
    assert values["alpha/big"] == fit_power_law(eigenvalues).alpha == values["alpha"]
    assert values["alpha_weighted"] == pytest.approx(values["alpha"] * math.log10(float(eigenvalues[-1])))
