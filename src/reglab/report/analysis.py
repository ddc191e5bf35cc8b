"""Read trajectory analysis results from a run's `analysis/` folder for plotting.

Provisional: filled in once `reglab.trajectory` fixes its file format.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

__all__ = ["PcaPathData", "InterpolationData", "LossSurfaceData", "read_pca_path", "read_interpolation", "read_loss_surface"]


@dataclass(frozen=True)
class PcaPathData:
    coordinates: np.ndarray
    epochs: Sequence[float]
    explained: Sequence[float] | None


@dataclass(frozen=True)
class InterpolationData:
    alphas: np.ndarray
    curves: Mapping[str, np.ndarray]
    start_label: str = "θ₀ (initial)"
    end_label: str = "θ_T (final)"


@dataclass(frozen=True)
class LossSurfaceData:
    x: np.ndarray
    y: np.ndarray
    losses: np.ndarray
    path: np.ndarray | None
    x_label: str = "direction 1"
    y_label: str = "direction 2"


def read_pca_path(run_dir: Path) -> PcaPathData | None:
    return None


def read_interpolation(run_dir: Path) -> InterpolationData | None:
    return None


def read_loss_surface(run_dir: Path) -> LossSurfaceData | None:
    return None
