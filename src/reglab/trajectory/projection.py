"""PCA of the weight trajectory: where training went, in the two directions it moved most.

Each snapshot's parameters are flattened into one row θₜ ∈ ℝᴰ (names in the
snapshot index, buffers left out). With the centred matrix X = [θₜ − θ̄] (n × D) and
its thin SVD X = U S Vᵀ, the principal directions are the rows of Vᵀ, the path's
coordinates are U S (= X V), and the explained variance ratio of component k is
sₖ² / Σⱼ sⱼ².

SVD of the n × D matrix rather than scikit-learn: n (snapshots) is small and D
(parameters) large, `torch.linalg.svd` does it in float64 on the tensors we
already hold, and signs follow scikit-learn's `svd_flip` convention (the largest
|entry| of each direction is positive) so results match `sklearn.decomposition.PCA`.

Reference:
    Li et al. 2018, Visualizing the Loss Landscape of Neural Nets, Sec. 7
    (arXiv:1712.09913).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import torch
from torch import Tensor

from reglab.config import ConfigError
from reglab.store import child_path, load_weights
from reglab.trajectory.snapshots import read_index

__all__ = ["PCAResult", "PCAPath", "principal_components", "flatten_parameters", "load_snapshots", "pca_path"]


@dataclass(frozen=True)
class PCAResult:
    """Principal components of the rows of a matrix.

    Attributes:
        coordinates: (n, k) projections of the centred rows.
        components: (k, D) orthonormal directions.
        explained_variance_ratio: (k,) share of the total variance of each direction.
        mean: (D,) the row mean the data was centred on.
    """

    coordinates: Tensor
    components: Tensor
    explained_variance_ratio: Tensor
    mean: Tensor


def principal_components(matrix: Tensor, count: int = 2) -> PCAResult:
    """PCA of the rows of `matrix` by SVD of the centred matrix (float64).

    Example:
        >>> result = principal_components(torch.randn(10, 5), 2)
        >>> result.coordinates.shape, result.explained_variance_ratio.shape
        (torch.Size([10, 2]), torch.Size([2]))
    """
    data = matrix.to(torch.float64)
    mean = data.mean(dim=0)
    left, singular, right_t = torch.linalg.svd(data - mean, full_matrices=False)
    # scikit-learn's svd_flip (v-based): the largest |entry| of each direction is positive.
    largest = right_t.abs().argmax(dim=1)
    signs = torch.sign(right_t[torch.arange(right_t.shape[0]), largest])
    signs[signs == 0] = 1.0
    left, right_t = left * signs, right_t * signs[:, None]
    variance = singular.square()
    total = variance.sum()
    ratio = variance / total if total > 0 else torch.zeros_like(variance)
    count = min(count, singular.shape[0])
    return PCAResult(
        coordinates=(left * singular)[:, :count],
        components=right_t[:count],
        explained_variance_ratio=ratio[:count],
        mean=mean,
    )


def flatten_parameters(state: dict[str, Tensor], names: Sequence[str]) -> Tensor:
    """One float64 vector of the named tensors, in the given order."""
    return torch.cat([state[name].detach().reshape(-1).to("cpu", torch.float64) for name in names])


@dataclass(frozen=True)
class PCAPath:
    """The snapshot trajectory in its top principal plane.

    Attributes:
        coordinates: (n, 2) position of each snapshot.
        explained_variance_ratio: (2,) variance share of the two directions.
        components: (2, D) the directions, over the flattened `parameter_names`.
        mean: (D,) centre of the trajectory.
        epochs, steps, files: where each snapshot was taken, in training order.
        parameter_names: the parameters flattened into D, in order.
    """

    coordinates: Tensor
    explained_variance_ratio: Tensor
    components: Tensor
    mean: Tensor
    epochs: list[int]
    steps: list[int]
    files: list[str]
    parameter_names: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "explained_variance_ratio": self.explained_variance_ratio.tolist(),
            "coordinates": self.coordinates.tolist(),
            "epochs": self.epochs,
            "steps": self.steps,
            "files": self.files,
        }


def load_snapshots(run_dir: str | Path) -> tuple[dict, list[dict[str, Tensor]]]:
    """The snapshot index of a run and its snapshots' state dicts, in training order."""
    folder = Path(run_dir) / "snapshots"
    index = read_index(folder)
    entries = sorted(index["snapshots"], key=lambda entry: (entry["step"], entry["epoch"]))
    index = {**index, "snapshots": entries}
    return index, [load_weights(child_path(folder, entry["file"])) for entry in entries]


def pca_path(run_dir: str | Path, count: int = 2) -> PCAPath:
    """PCA of a stored run's snapshot trajectory (needs at least 3 snapshots).

    Args:
        run_dir: the run's artifact folder (`RunStore.run_dir(id)`).

    Example:
        >>> path = pca_path(store.run_dir(run.id))
        >>> path.explained_variance_ratio  # e.g. tensor([0.93, 0.05])
    """
    index, states = load_snapshots(run_dir)
    if len(states) < 3:
        raise ConfigError(
            "trajectory.snapshot_epochs",
            f"{len(states)} snapshots in {Path(run_dir) / 'snapshots'}",
            "at least 3 snapshots for a PCA path; train with e.g. --set trajectory.snapshot_epochs.every=1",
        )
    names = index["parameters"]
    matrix = torch.stack([flatten_parameters(state, names) for state in states])
    result = principal_components(matrix, count)
    entries = index["snapshots"]
    return PCAPath(
        coordinates=result.coordinates,
        explained_variance_ratio=result.explained_variance_ratio,
        components=result.components,
        mean=result.mean,
        epochs=[entry["epoch"] for entry in entries],
        steps=[entry["step"] for entry in entries],
        files=[entry["file"] for entry in entries],
        parameter_names=list(names),
    )
