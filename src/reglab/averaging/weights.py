"""The batches that refresh batch-norm statistics after SWA."""

from __future__ import annotations

import torch

from reglab.contract.batches import batch_starts

__all__ = ["input_batches"]


def input_batches(inputs: torch.Tensor, batch_size: int) -> list[tuple[torch.Tensor]]:
    """`[(x_batch,), ...]` index slices of `inputs`, the loader `torch.optim.swa_utils.update_bn`
    expects (it calls the model on the first element of each tuple). A trailing batch of
    one sample is dropped, as in training: batch norm cannot normalise a single sample.

    Example:
        >>> update_bn(input_batches(data.train_x, 256), model)
    """
    count = inputs.shape[0]
    return [(inputs[start : start + batch_size],) for start in batch_starts(count, batch_size)]
