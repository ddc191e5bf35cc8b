"""The learned weights of the 6-2-1 symmetry network beside the paper's solution.

The paper's Fig. 1 caption describes the solution found: for each hidden unit,
weights from inputs symmetric about the middle are equal in magnitude and opposite
in sign, so a symmetric pattern gives both hidden units zero net input; the
magnitudes on each side of the midpoint are in the ratio 1:2:4, so no two of the
eight half-patterns give the same sum; the two hidden units carry the same weights
with opposite signs; the hidden biases are negative and the output bias positive,
so the output is on for symmetric patterns and any other pattern turns one hidden
unit on, which suppresses the output. The checks below test exactly these
properties (the paper's individual weight values are not compared: any scaling of
the same pattern is an equally good solution).

Reference:
    D. E. Rumelhart, G. E. Hinton, R. J. Williams. "Learning representations by
    back-propagating errors." Nature 323, 533–536 (1986).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["SymmetrySolution", "symmetry_solution", "format_solution", "PAPER_PATTERN"]

PAPER_PATTERN = (
    "Paper (Fig. 1 caption): mirror weights equal in size, opposite in sign; magnitudes 1:2:4 on each side "
    "of the midpoint; the two hidden units have the same weights with opposite signs; hidden biases "
    "negative, output bias positive; output weights negative. Found in 1,425 sweeps with ε = 0.1, α = 0.9."
)


@dataclass(frozen=True)
class SymmetrySolution:
    """The properties of the paper's solution, measured on learned weights.

    Attributes:
        antisymmetry_error: max over hidden units of max_i |w_i + w_{7−i}| / max_i |w_i|
            (0 when mirror weights are exactly opposite).
        pair_ratio: magnitudes of the three mirror pairs, smallest first, divided by the smallest.
        opposite_units_error: max |w¹ + w²| / max |w| over the two hidden units' weights.
        hidden_biases_negative, output_bias_positive, output_weights_negative: signs as in the paper.
    """

    antisymmetry_error: float
    pair_ratio: tuple[float, float, float]
    opposite_units_error: float
    hidden_biases_negative: bool
    output_bias_positive: bool
    output_weights_negative: bool

    def matches_paper(self, tolerance: float = 0.1) -> bool:
        """True when every property holds within `tolerance` (ratio within 2·tolerance relative)."""
        ratio_ok = abs(self.pair_ratio[1] / 2 - 1) < 2 * tolerance and abs(self.pair_ratio[2] / 4 - 1) < 2 * tolerance
        return (
            self.antisymmetry_error < tolerance
            and ratio_ok
            and self.opposite_units_error < tolerance
            and self.hidden_biases_negative
            and self.output_bias_positive
            and self.output_weights_negative
        )


def symmetry_solution(
    hidden_weight: torch.Tensor, hidden_bias: torch.Tensor, output_weight: torch.Tensor, output_bias: torch.Tensor
) -> SymmetrySolution:
    """Measure the paper's properties on (2, 6), (2,), (1, 2), (1,) weights.

    Example:
        >>> w = torch.tensor([[1.0, 2, 4, -4, -2, -1], [-1.0, -2, -4, 4, 2, 1]])
        >>> symmetry_solution(w, -torch.ones(2), -torch.ones(1, 2), torch.ones(1)).pair_ratio
        (1.0, 2.0, 4.0)
    """
    weights = hidden_weight.detach().double()
    scale = weights.abs().amax(dim=1).clamp_min(1e-12)
    antisymmetry = ((weights + weights.flip(1)).abs().amax(dim=1) / scale).max().item()
    half = weights.shape[1] // 2
    pairs = (weights[:, :half].abs() + weights[:, half:].flip(1).abs()) / 2
    magnitudes = sorted(pairs.mean(dim=0).tolist())
    ratio = tuple(value / max(magnitudes[0], 1e-12) for value in magnitudes)
    opposite = ((weights[0] + weights[1]).abs().max() / weights.abs().max().clamp_min(1e-12)).item()
    return SymmetrySolution(
        antisymmetry_error=antisymmetry,
        pair_ratio=ratio,  # type: ignore[arg-type]
        opposite_units_error=opposite,
        hidden_biases_negative=bool((hidden_bias < 0).all()),
        output_bias_positive=bool((output_bias > 0).all()),
        output_weights_negative=bool((output_weight < 0).all()),
    )


def format_solution(state: dict[str, torch.Tensor]) -> str:
    """The learned weights as a table and each property checked, for a 6-2-1 MLP state dict
    (`hidden.0.linear.weight`, `hidden.0.linear.bias`, `head.weight`, `head.bias`)."""
    hidden_weight, hidden_bias = state["hidden.0.linear.weight"], state["hidden.0.linear.bias"]
    output_weight, output_bias = state["head.weight"], state["head.bias"]
    header = "          " + "".join(f"{f'in{i + 1}':>8}" for i in range(hidden_weight.shape[1])) + "    bias"
    lines = [header]
    for unit, (row, bias) in enumerate(zip(hidden_weight.tolist(), hidden_bias.tolist())):
        lines.append(f"hidden {unit + 1:<3}" + "".join(f"{value:+8.2f}" for value in row) + f"{bias:+8.2f}")
    lines.append(
        "output    weights from hidden "
        + " ".join(f"{value:+.2f}" for value in output_weight.flatten().tolist())
        + f", bias {output_bias.item():+.2f}"
    )
    found = symmetry_solution(hidden_weight, hidden_bias, output_weight, output_bias)
    yes = {True: "yes", False: "no"}
    checks = [
        ("mirror weights opposite, w_i = -w_(7-i)",
         f"{yes[found.antisymmetry_error < 0.1]} (largest relative mismatch {found.antisymmetry_error:.3f})"),
        ("pair magnitudes, smallest = 1 (paper 1:2:4)", " : ".join(f"{value:.2f}" for value in found.pair_ratio)),
        ("hidden units opposite to each other",
         f"{yes[found.opposite_units_error < 0.1]} (relative mismatch {found.opposite_units_error:.3f})"),
        ("hidden biases < 0, output bias > 0", yes[found.hidden_biases_negative and found.output_bias_positive]),
        ("output weights < 0", yes[found.output_weights_negative]),
        ("=> the paper's solution", yes[found.matches_paper()]),
    ]
    lines += [""] + [f"{name:<45}{value}" for name, value in checks]
    return "\n".join(lines)
