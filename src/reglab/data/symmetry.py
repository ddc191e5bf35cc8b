"""The mirror-symmetry task of Rumelhart, Hinton & Williams (1986).

All 64 binary vectors of length 6; the target is 1 iff the vector reads the same
backwards (x_i = x_{7−i}), which holds for 2³ = 8 of them. The paper trains on
all 64 patterns, so here train = test = all 64 and validation is empty unless
`data.val_size` is set (then it is carved from train; test stays the full set).
`data.test_size` is ignored: the test set is the whole task.

Reference:
    D. E. Rumelhart, G. E. Hinton, R. J. Williams. "Learning representations by
    back-propagating errors." Nature 323, 533–536 (1986).
"""

from __future__ import annotations

import torch

from reglab.config.data import DataConfig
from reglab.data.bundle import SourceData
from reglab.data.registry import DatasetInfo, register_dataset

__all__ = ["symmetry_patterns", "load_symmetry"]

_BITS = 6


def symmetry_patterns(bits: int = _BITS) -> tuple[torch.Tensor, torch.Tensor]:
    """Every `bits`-bit vector (row i is i in binary, most significant bit first) and
    its label: 1 when it equals its mirror image, else 0.

    Example:
        >>> vectors, labels = symmetry_patterns(2)
        >>> vectors.tolist(), labels.tolist()
        ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [1, 0, 0, 1])
    """
    numbers = torch.arange(2**bits).unsqueeze(1)
    weights = 2 ** torch.arange(bits - 1, -1, -1)
    vectors = ((numbers // weights) % 2).to(torch.float32)
    labels = (vectors == vectors.flip(1)).all(dim=1).to(torch.int64)
    return vectors, labels


@register_dataset(
    DatasetInfo("symmetry", 64, (_BITS,), 2, True, "64 six-bit vectors, 1 iff mirror-symmetric (binary); train = test")
)
def load_symmetry(config: DataConfig, seed: int) -> SourceData:
    """Train and test are both the 64 patterns; no validation unless asked for."""
    vectors, labels = symmetry_patterns()
    return SourceData(
        task="binary",
        num_classes=2,
        train_x=vectors,
        train_y=labels,
        test_x=vectors.clone(),
        test_y=labels.clone(),
        default_val_size=0,
        info={"source": "generated: all 2^6 binary vectors", "test_is_full_set": True},
    )
