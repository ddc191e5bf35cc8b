"""Random search: configs drawn independently from each parameter's distribution (Bergstra & Bengio 2012).

| form                    | draw                                           |
|-------------------------|------------------------------------------------|
| list / choice / range   | one of the values, uniformly                   |
| uniform: [lo, hi]       | U(lo, hi)                                      |
| loguniform: [lo, hi]    | exp(U(log lo, log hi)): as likely in [1e-4, 1e-3] as in [1e-3, 1e-2] |

Draws come from numpy's `default_rng(seed)`, so a sweep file always expands to
the same configs (needed to resume it). Duplicates are dropped by the caller.

Reference:
    Bergstra & Bengio 2012, Random Search for Hyper-Parameter Optimization, JMLR 13.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from reglab.sweep.spec import Parameter

__all__ = ["random_points", "draw"]


def draw(parameter: Parameter, generator: np.random.Generator) -> Any:
    """One value of `parameter` (plain Python types, so configs stay YAML-clean)."""
    if parameter.values is not None:
        return parameter.values[int(generator.integers(len(parameter.values)))]
    if parameter.distribution == "loguniform":
        return float(math.exp(generator.uniform(math.log(parameter.low), math.log(parameter.high))))
    return float(generator.uniform(parameter.low, parameter.high))


def random_points(parameters: Sequence[Parameter], samples: int, seed: int) -> list[dict[str, Any]]:
    """`samples` dicts `{key: value}`, drawn key by key in file order.

    Example:
        >>> points = random_points([parse_parameter("optimizer.lr", {"loguniform": [1e-4, 1e-1]})], 3, seed=0)
        >>> len(points), all(1e-4 <= p["optimizer.lr"] <= 1e-1 for p in points)
        (3, True)
    """
    generator = np.random.default_rng(seed)
    return [{parameter.key: draw(parameter, generator) for parameter in parameters} for _ in range(samples)]
