"""Benchmark: how fast `reglab ui` answers on a store of 10,000 runs.

A store of N runs (default 10,000: one grid sweep over optimizer.lr × weight decay ×
dropout × seed, 5 epochs each with curves and trajectory keys) is written through the
store's own API with made-up histories, then `reglab ui` is started in a child process
on a free loopback port and each request is timed from this process, cold (the first
request after start-up) and warm (median of 10 repeats):

- the runs page `/`: the HTML with the first 100 rows of the table embedded;
- the same with a key filter and a metric sort, and grouped by a key (mean ± std);
- the API's sweep table `/api/sweeps/<sweep>/table` (every run of the sweep);
- one run's page and its history.

Budgets: runs page first response < 0.3 s; API sweep table < 0.5 s.
Usage: python benchmarks/ui_latency.py [--runs 10000] [--store DIR (kept; reused if it holds the runs)]
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

try:
    import plotly  # noqa: F401
    import starlette  # noqa: F401
    import uvicorn  # noqa: F401
except ImportError:
    print("ui_latency: skipped, the dashboard's web stack is not installed (pip install 'reglab[ui]')")
    raise SystemExit(0) from None

from reglab.config import load_config  # noqa: E402
from reglab.store import RunStore  # noqa: E402
from tests.ui.synthetic_store import synthetic_history, synthetic_summary  # noqa: E402

SWEEP = "bench"
PAGE_BUDGET_S = 0.3
SWEEP_BUDGET_S = 0.5


def grid(runs: int) -> list[tuple[float, float, float, int]]:
    """(lr, weight decay, dropout, seed) for `runs` runs: a 10 × 10 × 10 × k grid, cut to `runs`."""
    lrs = [0.003 * 1.6**i for i in range(10)]
    decays = [0.0] + [1e-5 * 2.5**i for i in range(9)]
    dropouts = [round(0.05 * i, 2) for i in range(10)]
    seeds = range(max(1, -(-runs // 1000)))
    points = [(lr, wd, p, seed) for seed in seeds for lr in lrs for wd in decays for p in dropouts]
    return points[:runs]


def write_store(directory: Path, runs: int) -> float:
    """Write the runs (skipped when the store already holds them); returns the seconds taken."""
    start = time.perf_counter()
    with RunStore(directory) as store:
        if len(store.runs(sweep=SWEEP)) >= runs:
            return 0.0
        base = load_config(overrides=[("device", "cpu"), ("epochs", 5)]).to_dict()
        for index, (lr, decay, dropout, seed) in enumerate(grid(runs)):
            config = copy.deepcopy(base)
            config["optimizer"].update(lr=lr, weight_decay=decay)
            config["model"]["dropout"] = dropout
            config["seed"] = seed
            config["name"] = f"{SWEEP}-{index}"
            history = synthetic_history(5, lr, decay, seed)
            run_id = store.start_run(config["name"], config, sweep=SWEEP)
            for row in history:
                store.log_epoch(run_id, row["epoch"], {key: value for key, value in row.items() if key != "epoch"})
            store.finish_run(run_id, "completed", synthetic_summary(history, "completed"))
            if index % 1000 == 999:
                print(f"  wrote {index + 1:,} runs ({time.perf_counter() - start:.0f} s)", flush=True)
    return time.perf_counter() - start


def start_server(directory: Path) -> tuple[subprocess.Popen, str, float]:
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "reglab", "ui", "--store", str(directory), "--port", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    while True:
        ready, _, _ = select.select([process.stderr], [], [], 120)
        line = process.stderr.readline() if ready else ""
        match = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
        if match:
            return process, match[1], time.perf_counter() - start
        if not line:
            process.kill()
            raise SystemExit(f"reglab ui did not start: {line}")


def server_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed_get(url: str) -> tuple[float, int]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        body = response.read()
        assert response.status == 200, url
    return time.perf_counter() - start, len(body)


def measure(url: str, repeats: int = 10) -> tuple[float, float, int]:
    cold, size = timed_get(url)
    warm = statistics.median(timed_get(url)[0] for _ in range(repeats))
    return cold, warm, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--store", type=Path, default=None)
    args = parser.parse_args()
    directory = args.store or Path(tempfile.mkdtemp(prefix="reglab-ui-bench-")) / "store"
    print(f"store {directory}: {args.runs:,} runs of sweep {SWEEP!r}; {os.cpu_count()} CPUs")
    seconds = write_store(directory, args.runs)
    print(f"written in {seconds:.1f} s" if seconds else "reused the runs already stored")
    process, base, startup = start_server(directory)
    try:
        print(f"reglab ui ready in {startup:.1f} s (imports, reading and indexing every run)\n")
        with urllib.request.urlopen(base + "api/runs?limit=1", timeout=60) as response:
            first_id = re.search(rb'"id":"([^"]+)"', response.read())[1].decode()
        checks = [
            ("runs page /", "", PAGE_BUDGET_S),
            ("runs page, filter + sort", "?q=optimizer.lr%3E0.01%20model.dropout%3C0.3&sort=val%2Facc", PAGE_BUDGET_S),
            ("runs page, grouped (mean ± std)", "?group=optimizer.lr,optimizer.weight_decay", PAGE_BUDGET_S),
            ("API sweep table", f"api/sweeps/{SWEEP}/table", SWEEP_BUDGET_S),
            ("API runs, page 50", "api/runs?offset=4900&limit=100&sort=test%2Facc", None),
            ("API sweep heatmap", f"api/sweeps/{SWEEP}/heatmap?x=optimizer.lr&y=model.dropout&metric=val%2Facc", None),
            ("API version (live poll)", "api/version", None),
            ("run page", f"runs/{first_id}", None),
            ("API run history", f"api/runs/{first_id}/history", None),
        ]
        print(f"{'request':34} {'cold s':>8} {'warm s':>8} {'bytes':>10}  budget")
        failed = False
        for label, path, budget in checks:
            cold, warm, size = measure(base + path.lstrip("/"))
            verdict = ""
            if budget is not None:
                ok = max(cold, warm) < budget
                failed |= not ok
                verdict = f"< {budget} s: {'yes' if ok else 'NO'} ({max(cold, warm) / budget:.2f} of it)"
            print(f"{label:34} {cold:8.3f} {warm:8.3f} {size:10,}  {verdict}")
        print(f"\nserver memory (VmRSS): {server_memory_mb(process.pid):.0f} MB")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)
        if args.store is None:
            shutil.rmtree(directory.parent, ignore_errors=True)
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
