"""Benchmark (a): one reglab run vs the seed-000 loop, side by side in one process.

The seed-000 way: torchvision's MNIST dataset with ToTensor, a DataLoader (batch 256,
shuffled), the 784-16-32-24-10 MLP, SGD(lr=0.1, momentum=0.9), loss and accuracy
accumulated with `.item()` every step as in the lab's `train_model`.
reglab: `reglab.train` with `model.preset=mlp_seed000` on the same IDX files
(`data.dataset=mnist`), default settings (trajectory recorder on), data resident in
tensors, batches as index slices.

Both time training epochs only (evaluation excluded). The two sides alternate for
`--rounds` rounds so a burst of load on a shared machine hits both; each side's first
epoch of a round is a warm-up and is not counted; the median epochs are compared.
Usage: python benchmarks/single_run_vs_seed000.py [--epochs 3] [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

import reglab
from mnist_idx import write_mnist_idx


def seed000_model() -> nn.Module:
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(28 * 28, 16), nn.ReLU(),
        nn.Linear(16, 32), nn.ReLU(),
        nn.Linear(32, 24), nn.ReLU(),
        nn.Linear(24, 10),
    )


def seed000_epochs(root: Path, epochs: int) -> list[float]:
    """The lab's loop: per-sample Dataset + DataLoader, `.item()` every step."""
    from torchvision import datasets, transforms

    torch.manual_seed(0)
    dataset = datasets.MNIST(root=str(root), train=True, download=False, transform=transforms.ToTensor())
    loader = torch.utils.data.DataLoader(dataset, batch_size=256, shuffle=True)
    model = seed000_model()
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    times = []
    for _ in range(epochs):
        started = time.perf_counter()
        model.train()
        total_loss, correct = 0.0, 0
        for images, labels in loader:
            optimizer.zero_grad()
            outputs = model(images)
            loss = loss_fn(outputs, labels)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * images.shape[0]
            correct += (outputs.argmax(1) == labels).sum().item()
        times.append(time.perf_counter() - started)
    return times


def reglab_epochs(root: Path, store: Path, epochs: int) -> list[float]:
    config = reglab.load_config(
        overrides=[
            "data.dataset=mnist",
            f"data.root={root}",
            "data.val_size=0",
            "data.batch_size=256",
            "model.preset=mlp_seed000",
            "optimizer.lr=0.1",
            "optimizer.momentum=0.9",
            f"epochs={epochs}",
            "device=cpu",
        ]
    )
    run = reglab.train(config, store=store)
    return [row["time/epoch"] for row in run.history]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per side and round")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    reglab_times: list[float] = []
    seed_times: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        root = write_mnist_idx(Path(folder) / "data")
        store = Path(folder) / "store"
        for _ in range(args.rounds):
            reglab_times += reglab_epochs(root, store, args.epochs + 1)[1:]
            seed_times += seed000_epochs(root, args.epochs + 1)[1:]
    seed_median, reglab_median = statistics.median(seed_times), statistics.median(reglab_times)
    print(f"seed-000 loop (Dataset + DataLoader): {seed_median:.3f} s/epoch  (epochs: {', '.join(f'{t:.3f}' for t in seed_times)})")
    print(f"reglab single run:                    {reglab_median:.3f} s/epoch  (epochs: {', '.join(f'{t:.3f}' for t in reglab_times)})")
    print(f"speed-up: {seed_median / reglab_median:.1f}x  (goal: >= 6x)")


if __name__ == "__main__":
    main()
