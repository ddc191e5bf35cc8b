"""Stores for the dashboard's tests and benchmark, written through the store's own API with
made-up histories (no training): known values, trajectory keys, snapshots, a sweep."""

from __future__ import annotations

import math
import random
from typing import Any, Iterable

import numpy as np
from safetensors.numpy import save_file

from reglab.config import load_config
from reglab.store import RunStore, write_config, write_metrics_csv, write_summary

__all__ = ["LAYERS", "synthetic_history", "synthetic_summary", "write_run", "write_pruned_run", "write_sweep", "start_running_run"]

LAYERS = ("hidden.0.linear.weight", "hidden.0.linear.bias", "head.weight", "head.bias")
SHAPES = {"hidden.0.linear.weight": (16, 8), "hidden.0.linear.bias": (16,), "head.weight": (4, 16), "head.bias": (4,)}


def final_accuracy(lr: float, weight_decay: float, seed: int) -> float:
    """A smooth made-up response surface: best near lr = 0.03 and small weight decay."""
    noise = random.Random(seed * 7919 + int(lr * 1e6) + int(weight_decay * 1e9)).gauss(0.0, 0.004)
    return 0.93 - 0.05 * (math.log10(lr) + 1.5) ** 2 - 20.0 * weight_decay + noise


def synthetic_history(epochs: int, lr: float = 0.1, weight_decay: float = 0.0, seed: int = 0, trajectory: bool = True) -> list[dict[str, float]]:
    """Per-epoch rows with the engine's metric keys (curves and trajectory)."""
    final = final_accuracy(lr, weight_decay, seed)
    rows = []
    for epoch in range(1, epochs + 1):
        progress = 1.0 - math.exp(-3.0 * epoch / epochs)
        accuracy = 0.1 + (final - 0.1) * progress
        row = {
            "epoch": epoch,
            "train/loss": 2.3 * (1.0 - progress) + (1.0 - final) * 0.5,
            "train/acc": min(1.0, accuracy + 0.04),
            "val/loss": 2.3 * (1.0 - progress) + (1.0 - final) * 2.0,
            "val/acc": accuracy,
            "test/loss": 2.3 * (1.0 - progress) + (1.0 - final) * 2.1,
            "test/acc": accuracy - 0.01,
            "lr": lr * (0.5 ** (epoch // 5)),
            "time/epoch": 0.25,
        }
        if trajectory:
            total_sq = 0.0
            for index, layer in enumerate(LAYERS):
                norm = (1.0 + index) * (1.0 + 0.2 * epoch) / (1.0 + 100 * weight_decay * epoch)
                total_sq += norm**2
                row[f"param/l2/{layer}"] = norm
                row[f"param/dist_init/{layer}"] = 0.3 * epoch / (1 + index)
                row[f"param/cos_init/{layer}"] = math.exp(-0.05 * epoch * (1 + index)) if "weight" in layer else float("nan")
                row[f"param/sparsity/{layer}"] = 0.01 * epoch * index / epochs
                row[f"grad/l2/{layer}"] = 0.5 / epoch / (1 + index)
                row[f"update_ratio/{layer}"] = 0.1 / epoch
            row["param/l2/total"] = math.sqrt(total_sq)
            row["param/dist_init/total"] = 0.4 * epoch
            row["param/cos_init/total"] = math.exp(-0.04 * epoch)
            row["param/sparsity/total"] = 0.005 * epoch
            row["grad/l2/total"] = 0.8 / epoch
            row["update_ratio/total"] = 0.1 / epoch
            row["bn/running_mean/hidden.0.norm"] = 0.1 * epoch
            row["bn/running_var/hidden.0.norm"] = 1.0 + 0.05 * epoch
        rows.append(row)
    return rows


def synthetic_summary(history: list[dict[str, float]], status: str) -> dict[str, Any]:
    """The summary's shape as the engine writes it (best epoch by val/acc, final row)."""
    best = max(history, key=lambda row: row["val/acc"])
    return {
        "status": status,
        "epochs": len(history),
        "best_epoch": int(best["epoch"]),
        "best_monitor": "val/acc",
        "best": dict(best),
        "final": dict(history[-1]),
        "final_eval": {"test/acc": history[-1]["test/acc"], "test/loss": history[-1]["test/loss"]},
        "time/total": 0.25 * len(history),
    }


def snapshot_state(seed: int, spread: float) -> dict[str, np.ndarray]:
    generator = np.random.default_rng(seed)
    return {layer: (spread * generator.standard_normal(shape)).astype(np.float32) for layer, shape in SHAPES.items()}


def write_run(
    store: RunStore,
    name: str,
    overrides: Iterable[tuple[str, Any]] = (),
    epochs: int = 6,
    sweep: str | None = None,
    snapshots: Iterable[int] = (),
    files: bool = True,
    trajectory: bool = True,
) -> str:
    """One finished run with a synthetic history; optional snapshot files and final weights."""
    config = load_config(overrides=[*overrides, ("name", name), ("device", "cpu"), ("epochs", epochs)]).to_dict()
    history = synthetic_history(
        epochs, config["optimizer"]["lr"], config["optimizer"]["weight_decay"], config["seed"], trajectory
    )
    run_id = store.start_run(name, config, sweep=sweep)
    for row in history:
        store.log_epoch(run_id, row["epoch"], {key: value for key, value in row.items() if key != "epoch"})
    summary = synthetic_summary(history, "completed")
    store.finish_run(run_id, "completed", summary)
    folder = store.run_dir(run_id)
    if files:
        write_config(folder, config)
        write_metrics_csv(folder, history)
        write_summary(folder, summary)
        save_file(snapshot_state(config["seed"] + 1000, 0.6), str(folder / "model.safetensors"))
    for epoch in snapshots:
        (folder / "snapshots").mkdir(exist_ok=True)
        spread = 0.3 + 0.05 * epoch
        save_file(snapshot_state(config["seed"] + epoch, spread), str(folder / "snapshots" / f"epoch_{epoch:04d}.safetensors"))
    return run_id


def zero_smallest(weights: np.ndarray, fraction: float) -> np.ndarray:
    """`weights` with the round(fraction · size) smallest magnitudes set to exactly 0 (pruned)."""
    pruned = weights.copy().ravel()
    pruned[np.argsort(np.abs(pruned), kind="stable")[: round(fraction * pruned.size)]] = 0.0
    return pruned.reshape(weights.shape)


def write_pruned_run(store: RunStore, name: str, remaining: float = 0.25, epochs: int = 6) -> str:
    """A run with snapshots at epochs 0, epochs / 2 and epochs whose weight matrices lose
    (1 − remaining) · epoch / epochs of their weights to exact zeros, the final weights as
    many as the last snapshot."""
    from safetensors.numpy import load_file

    run_id = write_run(store, name, epochs=epochs, snapshots=[0, epochs // 2, epochs])
    folder = store.run_dir(run_id)
    for path in [*sorted((folder / "snapshots").glob("epoch_*.safetensors")), folder / "model.safetensors"]:
        epoch = int(path.stem.split("_")[1]) if path.stem.startswith("epoch_") else epochs
        fraction = (1.0 - remaining) * epoch / epochs
        state = {key: zero_smallest(value, fraction) if value.ndim >= 2 else value for key, value in load_file(str(path)).items()}
        save_file(state, str(path))
    return run_id


def start_running_run(store: RunStore, name: str, epochs_planned: int, epochs_done: int) -> tuple[str, list[dict[str, float]]]:
    """A run left `running` (this process is alive), with `epochs_done` epochs logged; returns
    its id and the full planned history, so a test can log the next epoch itself."""
    config = load_config(overrides=[("name", name), ("device", "cpu"), ("epochs", epochs_planned)]).to_dict()
    history = synthetic_history(epochs_planned)
    run_id = store.start_run(name, config)
    for row in history[:epochs_done]:
        store.log_epoch(run_id, row["epoch"], {key: value for key, value in row.items() if key != "epoch"})
    return run_id, history


def write_sweep(store: RunStore, sweep: str, lrs: Iterable[float], weight_decays: Iterable[float], seeds: Iterable[int], epochs: int = 4, trajectory: bool = False, files: bool = False) -> list[str]:
    """A grid sweep over optimizer.lr × optimizer.weight_decay × seed."""
    ids = []
    for lr in lrs:
        for weight_decay in weight_decays:
            for seed in seeds:
                ids.append(
                    write_run(
                        store,
                        f"{sweep}-lr{lr:g}-wd{weight_decay:g}-s{seed}",
                        [("optimizer.lr", lr), ("optimizer.weight_decay", weight_decay), ("seed", seed)],
                        epochs=epochs,
                        sweep=sweep,
                        files=files,
                        trajectory=trajectory,
                    )
                )
    return ids
