"""Grid search: every combination of the swept values (the Cartesian product).

Keys vary in the order they are written, the last one fastest, as in
`itertools.product` (the well-kept tool used here) and in seed 004's run table.
"""

from __future__ import annotations

import itertools
from typing import Any, Sequence

from reglab.config import ConfigError
from reglab.sweep.spec import Parameter

__all__ = ["grid_points"]


def grid_points(parameters: Sequence[Parameter]) -> list[dict[str, Any]]:
    """One `{key: value}` dict per combination, in product order.

    Raises:
        ConfigError: a continuous distribution (uniform, loguniform), which has no grid.

    Example:
        >>> grid_points([parse_parameter("a", [1, 2]), parse_parameter("b", ["x", "y"])])
        [{'a': 1, 'b': 'x'}, {'a': 1, 'b': 'y'}, {'a': 2, 'b': 'x'}, {'a': 2, 'b': 'y'}]
    """
    for parameter in parameters:
        if parameter.values is None:
            raise ConfigError(
                f"parameters.{parameter.key}", {parameter.distribution: [parameter.low, parameter.high]},
                "a list, {choice: ...} or {range: [lo, hi, step]} for method grid (distributions need method: random)",
            )
    keys = [parameter.key for parameter in parameters]
    return [dict(zip(keys, combination)) for combination in itertools.product(*(p.values for p in parameters))]
