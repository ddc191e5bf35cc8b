"""Numbers in tables: one format per column, chosen from the column's values.

A column that mixes `0.96`, `1` and `0.9583` (what `{:.4g}` gives cell by cell) makes
a reader compare strings of different lengths; one format per column lines the
decimal points up. Used by the terminal tables (`reglab runs list`, `reglab compare`)
and the HTML report. No heavy imports: the CLI reads this at start-up.
"""

from __future__ import annotations

import json
import math
from typing import Any, Callable, Sequence

__all__ = ["column_formatter", "format_column", "format_plain", "mean_and_std", "mean_std_column", "MISSING"]

MISSING = "–"
SIGNIFICANT = 4
MAX_DECIMALS = 6


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def format_plain(value: Any) -> str:
    """A value that is not part of a numeric column: None as '–', booleans lower case,
    lists and dicts as compact JSON, floats in their shortest form."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(", ", ": "))
    return str(value)


def _decimals(finite: Sequence[float]) -> int | None:
    """Decimals that give the largest value `SIGNIFICANT` digits and the smallest
    non-zero one at least two; None when fixed notation would not serve (scientific)."""
    largest = max(abs(value) for value in finite)
    nonzero = [abs(value) for value in finite if value != 0]
    if largest >= 1e6 or (nonzero and min(nonzero) < 1e-3):
        return None
    integer_digits = len(str(int(largest))) if largest > 1 else 0  # accuracies up to 1.0 keep 4 decimals
    decimals = max(SIGNIFICANT - integer_digits, 1) if integer_digits else SIGNIFICANT
    if nonzero:
        decimals = max(decimals, 1 - math.floor(math.log10(min(nonzero))))
    return min(decimals, MAX_DECIMALS)


def column_formatter(values: Sequence[Any]) -> Callable[[Any], str]:
    """One formatter for a whole column.

    Integers stay integers; floats get the same number of decimals (4 significant
    digits for the largest value, at least 2 for the smallest non-zero one), or
    scientific notation for the whole column when values reach 1e6 or fall below 1e-3.
    Non-numbers go through `format_plain`.

    Example:
        >>> format_column([0.96, 1, 0.9583])
        ['0.9600', '1.0000', '0.9583']
        >>> format_column([3, 40, None])
        ['3', '40', '–']
    """
    numbers = [value for value in values if _is_number(value)]
    finite = [float(value) for value in numbers if math.isfinite(value)]
    if not finite:
        return format_plain
    if all(isinstance(value, int) for value in numbers):
        return lambda value: str(value) if _is_number(value) else format_plain(value)
    decimals = _decimals(finite)

    def formatted(value: Any) -> str:
        if not _is_number(value):
            return format_plain(value)
        if not math.isfinite(value):
            return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        return f"{value:.3e}" if decimals is None else f"{value:.{decimals}f}"

    return formatted


def format_column(values: Sequence[Any]) -> list[str]:
    """The column's values as strings, in one format (see `column_formatter`)."""
    formatter = column_formatter(values)
    return [formatter(value) for value in values]


def mean_and_std(values: Sequence[float]) -> tuple[float, float, int]:
    """(mean, sample standard deviation with n − 1, n) of the finite values; std is NaN
    for fewer than two values, both are NaN for none.

    s = √(Σ (xᵢ − x̄)² / (n − 1)).

    Example:
        >>> mean_and_std([1.0, 2.0, 3.0])
        (2.0, 1.0, 3)
    """
    finite = [float(value) for value in values if _is_number(value) and math.isfinite(value)]
    count = len(finite)
    if not count:
        return float("nan"), float("nan"), 0
    mean = sum(finite) / count
    if count < 2:
        return mean, float("nan"), count
    return mean, math.sqrt(sum((value - mean) ** 2 for value in finite) / (count - 1)), count


def mean_std_column(stats: Sequence[tuple[float, float, int]]) -> list[str]:
    """`mean ± std` cells in one format for a column of (mean, std, n) from `mean_and_std`.

    Both numbers get the decimals that show two significant digits of the column's
    smallest non-zero std (1 to 4 decimals), as results are usually reported; a group
    of one run shows its value alone, an empty group '–'.

    Example:
        >>> mean_std_column([(0.9612, 0.0042, 3), (0.95, float("nan"), 1), (float("nan"), float("nan"), 0)])
        ['0.9612 ± 0.0042', '0.9500', '–']
    """
    spreads = [std for _, std, count in stats if count > 1 and math.isfinite(std) and std > 0]
    means = [abs(mean) for mean, _, count in stats if count]
    if spreads:
        decimals = min(max(1 - math.floor(math.log10(min(spreads))), 1), SIGNIFICANT)
    elif means:
        decimals = _decimals(means) if _decimals(means) is not None else SIGNIFICANT
    else:
        return [MISSING for _ in stats]
    if means and max(means) >= 1e6:
        number = "{:.3e}".format
    else:
        number = f"{{:.{decimals}f}}".format
    cells = []
    for mean, std, count in stats:
        if not count:
            cells.append(MISSING)
        elif count == 1 or not math.isfinite(std):
            cells.append(number(mean))
        else:
            cells.append(f"{number(mean)} ± {number(std)}")
    return cells
