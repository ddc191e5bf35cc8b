"""Two-dimensional toy classification: scikit-learn's moons and circles.

`data.n_samples` points with Gaussian noise of standard deviation `data.noise`,
generated with `random_state` = the run seed, 2 classes (int64 labels, so
`loss: auto` picks cross-entropy over 2 logits). No published test split:
test is carved from the points (`data.test_size`, default 0.2).
"""

from __future__ import annotations

import torch

from reglab.config.data import DataConfig
from reglab.data.bundle import SourceData
from reglab.data.registry import DatasetInfo, register_dataset

__all__ = ["load_moons", "load_circles"]

def _as_source(points, labels, generator_call: str) -> SourceData:
    return SourceData(
        task="classification",
        num_classes=2,
        train_x=torch.as_tensor(points, dtype=torch.float32),
        train_y=torch.as_tensor(labels, dtype=torch.int64),
        default_test_size=0.2,
        info={"source": generator_call},
    )


@register_dataset(
    DatasetInfo("moons", 1000, (2,), 2, True, "sklearn make_moons, data.n_samples points (default 1000); test 0.2")
)
def load_moons(config: DataConfig, seed: int) -> SourceData:
    """Two interleaving half circles (`sklearn.datasets.make_moons`)."""
    from sklearn.datasets import make_moons

    points, labels = make_moons(n_samples=config.n_samples, noise=config.noise, random_state=seed % 2**32)
    call = f"sklearn.datasets.make_moons(n_samples={config.n_samples}, noise={config.noise})"
    return _as_source(points, labels, call)


@register_dataset(
    DatasetInfo("circles", 1000, (2,), 2, True, "sklearn make_circles, data.n_samples points (default 1000); test 0.2")
)
def load_circles(config: DataConfig, seed: int) -> SourceData:
    """A circle inside a larger one (`sklearn.datasets.make_circles`, its default factor 0.8)."""
    from sklearn.datasets import make_circles

    points, labels = make_circles(n_samples=config.n_samples, noise=config.noise, random_state=seed % 2**32)
    call = f"sklearn.datasets.make_circles(n_samples={config.n_samples}, noise={config.noise})"
    return _as_source(points, labels, call)
