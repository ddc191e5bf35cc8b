"""Evaluation passes: eval mode, no gradients, chunked, one sync per split."""

from __future__ import annotations

import torch

from reglab.objective.losses import Objective

__all__ = ["evaluate"]


@torch.no_grad()
def evaluate(
    model: torch.nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    objective: Objective,
    batch_size: int,
    prefix: str,
) -> dict[str, float]:
    """`{prefix}/loss` (mean data loss) and `{prefix}/acc`; empty for an empty split.

    The model's train/eval mode is restored afterwards.
    """
    count = inputs.shape[0]
    if count == 0:
        return {}
    was_training = model.training
    model.eval()
    loss_sum = torch.zeros((), device=inputs.device)
    correct = torch.zeros((), device=inputs.device)
    for start in range(0, count, batch_size):
        x = inputs[start : start + batch_size]
        y = targets[start : start + batch_size]
        outputs = model(x)
        loss_sum += objective.loss(outputs, y) * x.shape[0]
        if objective.correct is not None:
            correct += objective.correct(outputs, y)
    model.train(was_training)
    loss, hits = torch.stack([loss_sum, correct]).tolist()
    metrics = {f"{prefix}/loss": loss / count}
    if objective.correct is not None:
        metrics[f"{prefix}/acc"] = hits / count
    return metrics
