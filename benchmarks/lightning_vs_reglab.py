"""Benchmark (d): PyTorch Lightning's Trainer vs one reglab run on the same model, side by side.

Seed 000's MLP (784-16-32-24-10) on 60,000 MNIST-shaped images, batch 256,
SGD lr 0.1 momentum 0.9, cross-entropy. Lightning is used idiomatically: a
LightningModule, a shuffled DataLoader over a TensorDataset (the images already in
memory, so file decoding is not counted against it), `Trainer(max_epochs=...)` with
logging, checkpointing, progress bar and model summary off. reglab is `reglab.train`
with default settings (trajectory recorder on). Both time training epochs only; the
median epoch is compared.

Lightning is not a reglab dependency: install it yourself (`pip install lightning`);
without it this script says so and exits.

Usage: python benchmarks/lightning_vs_reglab.py [--epochs 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

import reglab
from mnist_idx import write_mnist_idx


def lightning_epochs(images: torch.Tensor, labels: torch.Tensor, epochs: int) -> list[float]:
    import lightning as L

    class SeedZeroMLP(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = nn.Sequential(
                nn.Flatten(), nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 32), nn.ReLU(),
                nn.Linear(32, 24), nn.ReLU(), nn.Linear(24, 10),
            )
            self.loss = nn.CrossEntropyLoss()

        def training_step(self, batch, batch_index):
            inputs, targets = batch
            return self.loss(self.net(inputs), targets)

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.9)

    class EpochTimer(L.Callback):
        def __init__(self) -> None:
            self.times: list[float] = []

        def on_train_epoch_start(self, trainer, module) -> None:
            self.started = time.perf_counter()

        def on_train_epoch_end(self, trainer, module) -> None:
            self.times.append(time.perf_counter() - self.started)

    torch.manual_seed(0)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels), batch_size=256, shuffle=True)
    timer = EpochTimer()
    trainer = L.Trainer(
        max_epochs=epochs, accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, callbacks=[timer],
    )
    trainer.fit(SeedZeroMLP(), loader)
    return timer.times


def reglab_epochs(root: Path, store: Path, epochs: int) -> tuple[list[float], reglab.Run]:
    config = reglab.load_config(
        overrides=[
            "data.dataset=mnist", f"data.root={root}", "data.val_size=0", "data.batch_size=256",
            "model.preset=mlp_seed000", "optimizer.lr=0.1", "optimizer.momentum=0.9",
            f"epochs={epochs}", "device=cpu",
        ]
    )
    run = reglab.train(config, store=store)
    return [row["time/epoch"] for row in run.history], run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2, help="alternate reglab and Lightning this many times")
    args = parser.parse_args()
    if importlib.util.find_spec("lightning") is None:
        print("lightning is not installed (pip install lightning); nothing to compare. Skipped.")
        return
    import lightning

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"torch {torch.__version__}, lightning {lightning.__version__}, {torch.get_num_threads()} threads, load average {load:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        root = write_mnist_idx(Path(folder) / "data")
        ours, theirs = [], []
        for _ in range(args.rounds):  # alternating, so a burst of load on this shared machine hits both
            times, run = reglab_epochs(root, Path(folder) / "store", args.epochs)
            ours.extend(times)
            # the same 60,000 images, already tensors
            theirs.extend(lightning_epochs(run.data.train_x, run.data.train_y, args.epochs))
    ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
    print(f"Lightning Trainer (DataLoader): {theirs_median:.3f} s/epoch median, {min(theirs):.3f} best  (epochs: {', '.join(f'{t:.3f}' for t in theirs)})")
    print(f"reglab single run:              {ours_median:.3f} s/epoch median, {min(ours):.3f} best  (epochs: {', '.join(f'{t:.3f}' for t in ours)})")
    print(f"reglab is {theirs_median / ours_median:.1f}x faster than Lightning by the median, "
          f"{min(theirs) / min(ours):.1f}x by the best epoch (goal: >= 2x)")


if __name__ == "__main__":
    main()
