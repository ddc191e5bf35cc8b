"""The path norm (Neyshabur et al. 2015; Jiang et al. 2019, eq. 44)."""

from __future__ import annotations

from reglab.measures.network import Network, Params

__all__ = ["path_norm"]


def path_norm(network: Network, params: Params) -> float:
    """Σ over every input-output path of the product of its squared weights.

    path_norm = Σ_i f_{w²}(𝟙)[i]

    the network's outputs, summed, with every parameter w replaced by w² and an input
    of ones (Jiang et al.'s definition; it is the square of Neyshabur et al.'s ℓ2 path
    norm). With squared weights every pre-activation is ≥ 0, so a ReLU passes it on
    unchanged and the forward pass sums the paths; biases count as paths from a unit
    of constant 1. Other layers (normalization, a tanh) are evaluated as they are,
    which is the definition's usual extension but no longer a sum over paths.

    Example (a 2-2-1 ReLU network without biases, W1 = [[1, -2], [3, 0]], W2 = [[1, 2]]):
        1²·(1² + 2²) + 2²·(3² + 0²) = 41

    Reference:
        Neyshabur, Tomioka & Srebro 2015, "Norm-based capacity control in neural networks"
        (arXiv:1503.00036); Jiang et al. 2019 (arXiv:1912.02178), eq. 44.
    """
    squared = {name: tensor.detach() ** 2 for name, tensor in params.items()}
    ones = network.inputs[:1].new_ones(network.inputs[:1].shape)
    return float(network.outputs(squared, ones).double().sum())
