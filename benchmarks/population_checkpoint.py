"""What a population's per-epoch checkpoints cost: writing every member's checkpoint vs one epoch.

The population is seed 000's MLP (`model.preset=mlp_seed000`, SGD with momentum) with K
members on 60,000 MNIST-shaped images (IDX files written by `mnist_idx.py`, no download).
After training one epoch it times `save_member_checkpoints` (K files, one per run folder)
against the epoch's training time, both in this process.

Usage: python benchmarks/population_checkpoint.py [--members 64] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch

from mnist_idx import write_mnist_idx
from population_vs_sequential import member_configs
from reglab.population.build import build_population
from reglab.population.checkpoint import save_member_checkpoints
from reglab.population.loop import fit_population


class _Measured(Exception):
    """Ends the population once the checkpoint has been timed."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {load:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        root = write_mnist_idx(Path(folder) / "data")
        configs = member_configs(root, args.members, epochs=2)
        state, _ = build_population(configs, "shared", "stacked", None, None)
        folders = {member: Path(folder) / "runs" / str(member) for member in range(args.members)}
        for path in folders.values():
            path.mkdir(parents=True)
        times: list[float] = []
        epoch_seconds: list[float] = []

        def checkpoint(current, epoch, histories) -> None:
            """After epoch 1 (momentum buffers filled): time the writes, then end the run."""
            epoch_seconds.append(time.perf_counter() - started)
            for _ in range(args.repeats):
                begun = time.perf_counter()
                save_member_checkpoints(current, epoch, histories, folders)
                times.append(time.perf_counter() - begun)
            raise _Measured

        started = time.perf_counter()
        try:
            fit_population([state], lambda member, metrics: None, lambda *ended: None, checkpoint=checkpoint)
        except _Measured:
            pass
        epoch = epoch_seconds[0]
        size = sum(path.stat().st_size for path in (Path(folder) / "runs").rglob("checkpoint.safetensors"))
    saving = statistics.median(times)
    print(f"{args.members} members: one epoch (training + evaluation) {epoch:.3f} s; "
          f"writing their checkpoints {saving:.3f} s ({size / 1e6:.1f} MB) = {saving / epoch:.1%} of the epoch")


if __name__ == "__main__":
    main()
