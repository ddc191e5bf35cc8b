"""The 1-D toy regression of the dropout lab: a line observed through heavy noise.

Train: 10 points x ~ U(0, 1), y = 2x + 2·ε with ε ~ N(0, 1). Test: a noise-free
grid of 40 points on [0, 1] with y = 2x, so test loss measures distance to the
true line. Validation is empty unless `data.val_size` is set; `data.test_size`
is ignored (the grid is the test set).

The draws use a generator seeded with the run seed itself, in the lab's order
(`torch.rand` then `normal_`), so `seed` s reproduces the lab's
`set_seed(s); X = torch.rand((10, 1)); Y = 2*X + 2*torch.empty(10, 1).normal_()`.
"""

from __future__ import annotations

import torch

from reglab.config.data import DataConfig
from reglab.data.bundle import SourceData
from reglab.data.registry import DatasetInfo, register_dataset

__all__ = ["TRAIN_POINTS", "TEST_POINTS", "NOISE_SCALE", "load_toy_regression"]

TRAIN_POINTS = 10
TEST_POINTS = 40
NOISE_SCALE = 2.0
SLOPE = 2.0


@register_dataset(
    DatasetInfo(
        "toy_regression",
        TRAIN_POINTS + TEST_POINTS,
        (1,),
        0,
        True,
        "y = 2x + 2N(0,1) on 10 points; test = noise-free grid of 40 (regression)",
    )
)
def load_toy_regression(config: DataConfig, seed: int) -> SourceData:
    """Ten noisy training points and a 40-point noise-free test grid, shapes (N, 1)."""
    generator = torch.Generator().manual_seed(seed)
    train_x = torch.rand((TRAIN_POINTS, 1), generator=generator)
    noise = torch.empty((TRAIN_POINTS, 1)).normal_(mean=0.0, std=1.0, generator=generator)
    train_y = SLOPE * train_x + NOISE_SCALE * noise
    test_x = torch.linspace(0.0, 1.0, TEST_POINTS).unsqueeze(1)
    test_y = SLOPE * test_x
    return SourceData(
        task="regression",
        num_classes=0,
        train_x=train_x,
        train_y=train_y,
        test_x=test_x,
        test_y=test_y,
        default_val_size=0,
        info={"source": "generated: y = 2x + 2N(0,1); test y = 2x", "noise_scale": NOISE_SCALE},
    )
