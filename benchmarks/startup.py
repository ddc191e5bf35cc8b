"""Start-up time of the `reglab` command: `reglab --help`, and `reglab runs list` on a store of 1,000 runs.

    .venv/bin/python benchmarks/startup.py [--runs 1000] [--repeats 7]

Each command runs as a fresh process (`python -m reglab ...`, stdout to a pipe), as a
person runs it; the median wall time of `--repeats` launches is printed beside the goal
(0.5 s) and beside a bare `python -c pass` (the interpreter's own start-up). The store is
filled through `RunStore` with a full default config and 20 epochs of metrics per run,
no training. `runs list --limit 20` reads the same 1,000 runs and draws 20 rows, which
separates start-up and reading from drawing the table. The machine's CPU count and load
are printed with the figures: on shared cores the medians move with the load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


if __name__ == "__main__":
    main()
