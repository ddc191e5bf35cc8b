"""PCA of the trajectory against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA

from reglab.config import ConfigError
from reglab.config.trajectory import SnapshotEvery
from reglab.trajectory.projection import pca_path, principal_components
from reglab.trajectory.snapshots import SnapshotWriter


def test_principal_components_match_sklearn():
    generator = torch.Generator().manual_seed(0)
    # a drifting path in 30 dimensions: a strong direction, a weaker one, noise
    steps = torch.linspace(0, 1, 12)[:, None]
    matrix = steps * torch.randn(1, 30, generator=generator) * 5 + torch.sin(6 * steps) * torch.randn(1, 30, generator=generator)
    matrix = matrix + 0.05 * torch.randn(12, 30, generator=generator)
    ours = principal_components(matrix, 2)
    reference = PCA(n_components=2, svd_solver="full").fit(matrix.double().numpy())
    np.testing.assert_allclose(ours.explained_variance_ratio.numpy(), reference.explained_variance_ratio_, rtol=1e-8)
    coordinates = reference.transform(matrix.double().numpy())
    for k in range(2):  # equal up to the sign of each component
        sign = np.sign(np.dot(coordinates[:, k], ours.coordinates[:, k].numpy()))
        np.testing.assert_allclose(sign * ours.coordinates[:, k].numpy(), coordinates[:, k], atol=1e-8)
        np.testing.assert_allclose(sign * ours.components[k].numpy(), reference.components_[k], atol=1e-8)
    np.testing.assert_allclose(ours.mean.numpy(), reference.mean_, atol=1e-10)


def write_straight_path(folder, count: int):
    """Snapshots of a Linear(3, 2) moving along a straight line: one direction explains everything."""
    model = torch.nn.Linear(3, 2)
    step = torch.randn(2, 3, generator=torch.Generator().manual_seed(1))
    writer = SnapshotWriter(folder / "snapshots", SnapshotEvery(every=1), None, 100.0, ["weight", "bias"])
    writer.start(model)
    for epoch in range(1, count):
        with torch.no_grad():
            model.weight.add_(step)
        writer.on_epoch(model, epoch, epoch)
    writer.finish()
    return step


def test_pca_path_of_a_straight_line(tmp_path):
    step = write_straight_path(tmp_path, 5)
    path = pca_path(tmp_path)
    assert path.epochs == [0, 1, 2, 3, 4]
    assert path.explained_variance_ratio[0].item() == pytest.approx(1.0)
    first = path.coordinates[:, 0]
    gaps = (first[1:] - first[:-1]).abs()
    assert torch.allclose(gaps, torch.full_like(gaps, step.norm().item()), rtol=1e-5)
    assert path.coordinates[:, 1].abs().max().item() < 1e-5
    assert path.components.shape == (2, 8)


def test_pca_path_needs_three_snapshots(tmp_path):
    write_straight_path(tmp_path, 2)
    with pytest.raises(ConfigError, match="trajectory.snapshot_epochs"):
        pca_path(tmp_path)
