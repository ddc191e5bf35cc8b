"""Line widths of runs overlaid on one axis, thick (the first run) to thin (the last).

A run whose curve equals a later run's (E_opt trains exactly like the plain run) would
be hidden under it at one width; thick to thin, it shows as a halo around it. One rule
for the reports' figures (widths in points) and the dashboard's compare page (in CSS
pixels, served by `/api/compare`). No imports, so the dashboard reads it without
matplotlib.
"""

from __future__ import annotations

__all__ = ["run_widths"]


def run_widths(count: int, thin: float = 1.4, thick: float = 3.2) -> list[float]:
    """`count` widths evenly from `thick` down to `thin`; a single run gets `thin + 0.4`.

    w_i = thick − (thick − thin) · i / (count − 1).

    Example:
        >>> run_widths(3, thin=1.6, thick=5.0)
        [5.0, 3.3, 1.6]
        >>> run_widths(1, thin=1.6)
        [2.0]
    """
    if count <= 1:
        return [thin + 0.4] * count
    return [thick - (thick - thin) * index / (count - 1) for index in range(count)]
