"""Benchmark: what the default trajectory recorder adds to an epoch, side by side in one process.

Same engine (`reglab.train`, a population of one), same model (`mlp_seed000`, 784-16-32-24-10),
same random data held in memory (60,000 × 1 × 28 × 28, batch 256, no val/test split so
that the epoch is training alone and the ratio is conservative); the only difference is
the trajectory family (`trajectory.*` defaults: every metric set, gradients of the last
step, no snapshots) switched on or off. Each round trains once with it off and once
with it on; each epoch is timed from one epoch end to the next (so it includes every
callback and the trajectory's measures at the epoch end); the first epoch of each fit is
warm-up and dropped. Printed: the median epochs and the median of the per-round ratios.

Budget: on ≤ 1.05 × off.
Usage: python benchmarks/trajectory_overhead.py [--epochs 4] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import torch

import reglab
from reglab.config import load_config
from reglab.contract.events import Callback
from reglab.data.bundle import DataSplits


def splits_from_tensors(inputs: torch.Tensor, labels: torch.Tensor, num_classes: int) -> DataSplits:
    """DataSplits for training only, from tensors already in memory (empty val and test)."""
    empty_x, empty_y = inputs[:0], labels[:0]
    return DataSplits(
        name="random", task="classification", num_classes=num_classes, input_shape=tuple(inputs.shape[1:]),
        output_dim=num_classes, train_x=inputs, train_y=labels, val_x=empty_x, val_y=empty_y,
        test_x=empty_x, test_y=empty_y, info={},
    )


class EpochClock(Callback):
    """A sink (runs after every other callback): wall time from one epoch end to the next."""

    kind = "sink"

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def on_fit_start(self, record) -> None:
        self._last = time.perf_counter()

    def on_epoch_end(self, record) -> None:
        now = time.perf_counter()
        self.seconds.append(now - self._last)
        self._last = now


def timed_fit(data: DataSplits, recorder_on: bool, epochs: int, store: str) -> list[float]:
    """Per-epoch seconds, the warm-up epoch dropped."""
    overrides = ["model.preset=mlp_seed000", "data.batch_size=256", "data.eval_batch_size=1024", "optimizer.lr=0.1",
                 "optimizer.momentum=0.9", f"epochs={epochs}", f"trajectory.enabled={recorder_on}", "device=cpu"]
    clock = EpochClock()
    reglab.train(load_config(overrides=overrides), data=data, store=store, callbacks=[clock])
    return clock.seconds[1:]  # the first epoch warms up


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    generator = torch.Generator().manual_seed(0)
    data = splits_from_tensors(torch.rand(60_000, 1, 28, 28, generator=generator),
                               torch.randint(0, 10, (60_000,), generator=generator), 10)
    times: dict[bool, list[float]] = {True: [], False: []}
    ratios = []
    with tempfile.TemporaryDirectory(prefix="reglab-bench-") as store:
        for _ in range(arguments.rounds):
            off_epochs = timed_fit(data, False, arguments.epochs, store)
            on_epochs = timed_fit(data, True, arguments.epochs, store)
            times[False].extend(off_epochs)
            times[True].extend(on_epochs)
            ratios.append(statistics.median(on_epochs) / statistics.median(off_epochs))
    off, on = statistics.median(times[False]), statistics.median(times[True])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {len(times[True])} timed epochs each")
    print(f"recorder off: median epoch {off:.4f} s")
    print(f"recorder on : median epoch {on:.4f} s")
    print(f"ratio on/off: {on / off:.3f} (pooled medians), {statistics.median(ratios):.3f} (median of per-round ratios); budget 1.05")


if __name__ == "__main__":
    main()
