"""Start-up time of the `reglab` command: `reglab --help`, and `reglab runs list` on a store of 1,000 runs.

    .venv/bin/python benchmarks/startup.py [--runs 1000] [--repeats 7] [--train-repeats 3]

Each command runs as a fresh process (`python -m reglab ...`, stdout to a pipe), as a
person runs it; the median wall time of `--repeats` launches is printed beside the goal
(0.5 s) and beside a bare `python -c pass` (the interpreter's own start-up). The store is
filled through `RunStore` with a full default config and 20 epochs of metrics per run,
no training. `runs list --limit 20` reads the same 1,000 runs and draws 20 rows, which
separates start-up and reading from drawing the table. The machine's CPU count and load
are printed with the figures: on shared cores the medians move with the load.

Then the cost of a run beyond its training: `reglab train` of one epoch of seed 000's
MLP on 60,000 MNIST-shaped images (IDX files, `benchmarks/mnist_idx.py`), its wall time
beside the epoch's own time, and beside `import torch` and `import torch, torchvision`
(reglab reads the IDX files itself; torchvision, which it imports only to download them,
would cost the difference on every run).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mnist_idx import write_mnist_idx

GOAL_S = 0.5


def fill_store(directory: Path, runs: int, epochs: int = 20) -> None:
    """`runs` finished runs of the default config (seeds and learning rates varying)."""
    from reglab.config import load_config
    from reglab.store import RunStore

    with RunStore(directory) as store:
        for index in range(runs):
            config = load_config(overrides=[f"seed={index % 10}", f"optimizer.lr={0.01 * (1 + index % 7)}"]).to_dict()
            run_id = store.start_run(f"run{index % 5}", config, sweep="bench" if index % 2 else None)
            for epoch in range(1, epochs + 1):
                store.log_epoch(run_id, epoch, {"train/loss": 1 / epoch, "train/acc": 0.9, "val/loss": 1.1 / epoch,
                                                "val/acc": 0.85, "test/loss": 1.2 / epoch, "test/acc": 0.84})
            final = {"train/acc": 0.9, "val/acc": 0.85, "test/acc": 0.84, "test/loss": 0.06}
            store.finish_run(run_id, "completed", {"final": final, "best_epoch": epochs})


def median_seconds(command: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--train-repeats", type=int, default=3)
    options = parser.parse_args()
    reglab = [sys.executable, "-m", "reglab"]
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "store"
        fill_store(store, options.runs)
        bare = median_seconds([sys.executable, "-c", "pass"], options.repeats)
        rows = [
            ("reglab --help", median_seconds([*reglab, "--help"], options.repeats)),
            (f"reglab runs list ({options.runs} runs)", median_seconds([*reglab, "runs", "list", "--store", str(store)], options.repeats)),
            # the same store read, the table cut to 20 rows: start-up and reading without the drawing
            ("reglab runs list --limit 20", median_seconds([*reglab, "runs", "list", "--limit", "20", "--store", str(store)], options.repeats)),
        ]
    load = os.getloadavg()[0]
    print(f"start-up, median of {options.repeats} launches; {os.cpu_count()} CPUs, load average {load:.1f}")
    print(f"{'command':<32} {'seconds':>8} {'goal':>6} {'x goal':>7}")
    print(f"{'python -c pass':<32} {bare:>8.3f} {'':>6} {'':>7}")
    for name, seconds in rows:
        print(f"{name:<32} {seconds:>8.3f} {GOAL_S:>6.1f} {seconds / GOAL_S:>7.2f}  {'ok' if seconds < GOAL_S else 'SLOW'}")
    print_train_cost(options.train_repeats)


def train_seconds(root: Path, store: Path) -> tuple[float, float]:
    """Wall seconds of `reglab train` (one epoch on the IDX files in `root`) and its epoch's seconds."""
    started = time.perf_counter()
    overrides = ["data.dataset=mnist", f"data.root={root}", "data.val_size=0", "data.batch_size=256",
                 "model.preset=mlp_seed000", "optimizer.momentum=0.9", "epochs=1", "device=cpu"]
    command = [sys.executable, "-m", "reglab", "train", "--json", "--store", str(store)]
    result = subprocess.run([*command, *[item for key in overrides for item in ("--set", key)]],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True, text=True)
    wall = time.perf_counter() - started
    return wall, float(json.loads(result.stdout)["metrics"]["time/epoch"])


def print_train_cost(repeats: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = write_mnist_idx(Path(folder) / "data")
        runs = [train_seconds(root, Path(folder) / "store") for _ in range(repeats)]
    wall, epoch = statistics.median(run[0] for run in runs), statistics.median(run[1] for run in runs)
    torch_import = median_seconds([sys.executable, "-c", "import torch"], repeats)
    torchvision_import = median_seconds([sys.executable, "-c", "import torch, torchvision"], repeats)
    print(f"\nreglab train, 1 epoch of mlp_seed000 on 60,000 MNIST-shaped images, median of {repeats}:")
    print(f"  wall {wall:.2f} s, of which the epoch {epoch:.2f} s: {wall - epoch:.2f} s before and after training")
    print(f"  import torch {torch_import:.2f} s; import torch, torchvision {torchvision_import:.2f} s "
          f"(+{torchvision_import - torch_import:.2f} s, not paid: reglab reads IDX files itself)")


if __name__ == "__main__":
    main()
