"""Read a run's trajectory analysis (`reglab analyze`, `reglab.trajectory.analyze_run`)
from its `analysis/` folder, as arrays ready to plot.

| file               | read as            | keys used                                             |
|--------------------|--------------------|-------------------------------------------------------|
| pca.json           | `PcaPathData`      | coordinates, epochs, explained_variance_ratio         |
| interpolation.json | `InterpolationData`| alphas, loss, accuracy, split                          |
| surface.json       | `LossSurfaceData`  | xs, ys, loss[i][j] (i over ys, j over xs), path, directions |

JSON nulls (non-finite losses far from the minimum) become NaN. A missing or
unreadable file gives None, so its figure is skipped.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

__all__ = [
    "PcaPathData",
    "InterpolationData",
    "LossSurfaceData",
    "read_pca_path",
    "read_interpolation",
    "read_loss_surface",
]

log = logging.getLogger(__name__)


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
    end_label: str = "θ₁ (final)"


@dataclass(frozen=True)
class LossSurfaceData:
    x: np.ndarray
    y: np.ndarray
    losses: np.ndarray
    path: np.ndarray | None
    x_label: str = "direction 1"
    y_label: str = "direction 2"


def _read(run_dir: Path, name: str) -> dict[str, Any] | None:
    path = Path(run_dir) / "analysis" / name
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        log.warning("unreadable analysis file %s: %s", path, error)
        return None


def _array(values: Any) -> np.ndarray:
    """JSON list (nulls allowed) -> float array with NaN for null."""
    return np.array(values, dtype=object).astype(float) if values is not None else np.empty(0)


def read_pca_path(run_dir: Path) -> PcaPathData | None:
    """The snapshots' coordinates on PC1 and PC2, or None when not analysed."""
    payload = _read(run_dir, "pca.json")
    if payload is None or not payload.get("coordinates"):
        return None
    coordinates = _array(payload["coordinates"])
    if coordinates.ndim != 2 or coordinates.shape[1] < 2:
        return None
    epochs = payload.get("epochs") or list(range(len(coordinates)))
    return PcaPathData(coordinates[:, :2], epochs, payload.get("explained_variance_ratio"))


def read_interpolation(run_dir: Path) -> InterpolationData | None:
    """Loss (and accuracy) along (1 − α)·θ₀ + α·θ₁, or None when not analysed."""
    payload = _read(run_dir, "interpolation.json")
    if payload is None or not payload.get("alphas"):
        return None
    split = payload.get("split", "train")
    curves = {f"{split} loss": _array(payload.get("loss"))}
    if payload.get("accuracy"):
        curves[f"{split} accuracy"] = _array(payload["accuracy"])
    return InterpolationData(_array(payload["alphas"]), curves)


def read_loss_surface(run_dir: Path) -> LossSurfaceData | None:
    """The loss on a plane around the final weights (and the path on it), or None."""
    payload = _read(run_dir, "surface.json")
    if payload is None or not payload.get("xs") or not payload.get("loss"):
        return None
    path = _array(payload["path"]) if payload.get("path") else None
    if payload.get("directions") == "pca":
        explained = payload.get("explained_variance_ratio") or []
        labels = [f"PC{index + 1}" + (f" ({100 * explained[index]:.1f} %)" if len(explained) > index else "")
                  for index in range(2)]
    else:
        labels = ["random direction 1 (filter-normalised)", "random direction 2 (filter-normalised)"]
    return LossSurfaceData(_array(payload["xs"]), _array(payload["ys"]), _array(payload["loss"]), path, *labels)
