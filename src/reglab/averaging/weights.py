"""Copy averaged weights into the trained model, and the batches that refresh batch-norm statistics."""

from __future__ import annotations

import torch

from reglab.contract.batches import batch_starts

__all__ = ["copy_weights_", "input_batches"]


@torch.no_grad()
def copy_weights_(source: torch.nn.Module, target: torch.nn.Module, buffers: bool = True) -> None:
    """Copy the parameters (and, if `buffers`, the buffers) of `source` into `target` in place.

    Both modules must have the same structure (the EMA's copy of the model and the model
    it was made from). In-place copies keep the optimizer's references valid.

    Example:
        >>> copy_weights_(ema.module, model)
    """
    pairs = list(zip(source.parameters(), target.parameters(), strict=True))
    if buffers:
        pairs += list(zip(source.buffers(), target.buffers(), strict=True))
    for averaged, trained in pairs:
        trained.copy_(averaged.to(trained.device))


def input_batches(inputs: torch.Tensor, batch_size: int) -> list[tuple[torch.Tensor]]:
    """`[(x_batch,), ...]` index slices of `inputs`, the loader `torch.optim.swa_utils.update_bn`
    expects (it calls the model on the first element of each tuple). A trailing batch of
    one sample is dropped, as in training: batch norm cannot normalise a single sample.

    Example:
        >>> update_bn(input_batches(data.train_x, 256), model)
    """
    count = inputs.shape[0]
    return [(inputs[start : start + batch_size],) for start in batch_starts(count, batch_size)]
