"""On-device running sums of an epoch's losses and hits: one host sync per epoch."""

from __future__ import annotations

import torch

__all__ = ["EpochTotals"]


class EpochTotals:
    """Accumulates Σ loss·batch_size, Σ correct and Σ penalty terms as device tensors.

    `compute()` is the one place values leave the device (`.tolist()` once).
    """

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.samples = 0
        self.loss_sum = torch.zeros((), device=device)
        self.correct = torch.zeros((), device=device)
        self.terms: dict[str, torch.Tensor] = {}
        self.batches = 0

    def add(
        self,
        data_loss: torch.Tensor,
        penalties: dict[str, torch.Tensor],
        correct: torch.Tensor | None,
        batch_size: int,
    ) -> None:
        self.samples += batch_size
        self.batches += 1
        self.loss_sum += data_loss.detach() * batch_size
        if correct is not None:
            self.correct += correct
        for name, term in penalties.items():
            if name in self.terms:
                self.terms[name] += term.detach()
            else:
                self.terms[name] = term.detach().clone()

    def compute(self, with_accuracy: bool) -> dict[str, float]:
        """Epoch means: train/loss (data loss), train/acc, loss/data, loss/<penalty>, loss/total."""
        names = list(self.terms)
        values = torch.stack([self.loss_sum, self.correct, *(self.terms[name] for name in names)]).tolist()
        samples = max(self.samples, 1)
        batches = max(self.batches, 1)
        data_loss = values[0] / samples
        metrics = {"train/loss": data_loss, "loss/data": data_loss}
        if with_accuracy:
            metrics["train/acc"] = values[1] / samples
        penalty_total = 0.0
        for name, total in zip(names, values[2:]):
            metrics[f"loss/{name}"] = total / batches
            penalty_total += total / batches
        metrics["loss/total"] = data_loss + penalty_total
        metrics["train/loss_sum"] = values[0]
        return metrics
