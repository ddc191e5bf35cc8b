"""Small stored runs made by hand (no training): known histories, snapshots and weights."""

from __future__ import annotations

import math

import pytest
import torch
from safetensors.torch import save_file

from reglab.config import load_config
from reglab.engine.summary import summarize
from reglab.store import RunStore

EPOCHS = 6
LAYERS = ("hidden.0.linear.weight", "head.weight")


def make_history(scale: float = 1.0, sparsity: float = 0.0, with_val: bool = True, classification: bool = True):
    """Six epochs of plausible metrics; `scale` multiplies the parameter norms."""
    history = []
    for epoch in range(1, EPOCHS + 1):
        row = {"epoch": epoch, "train/loss": 1.0 / epoch, "test/loss": 0.5 + 0.4 / epoch, "lr": 0.1}
        if classification:
            row.update({"train/acc": 0.5 + 0.08 * epoch, "test/acc": 0.45 + 0.05 * epoch})
        if with_val:
            row["val/loss"] = 0.6 + 0.05 * (epoch - 3) ** 2
            if classification:
                row["val/acc"] = 0.8 - 0.02 * (epoch - 4) ** 2
        layer_norms = {"hidden.0.linear.weight": scale * (2.0 + 0.3 * epoch), "head.weight": scale * (1.0 + 0.1 * epoch)}
        for layer, value in layer_norms.items():
            row[f"param/l2/{layer}"] = value
            row[f"param/sparsity/{layer}"] = sparsity * epoch / EPOCHS
        row["param/l2/total"] = math.sqrt(sum(value**2 for value in layer_norms.values()))
        row["param/dist_init/total"] = 0.2 * epoch * scale
        row["param/sparsity/total"] = sparsity * epoch / EPOCHS
        history.append(row)
    return history


def store_run(store: RunStore, name: str, history, overrides=(), snapshots: dict | None = None, weights=None) -> str:
    """Record a finished run with `history`; optional snapshots {epoch: state dict} and final weights."""
    config = load_config(overrides=[*overrides, ("name", name), ("device", "cpu")])
    run_id = store.start_run(name, config.to_dict())
    for row in history:
        store.log_epoch(run_id, row["epoch"], {key: value for key, value in row.items() if key != "epoch"})
    final_eval = {key: history[-1][key] for key in ("test/acc", "test/loss") if key in history[-1]}
    store.finish_run(run_id, "completed", summarize(history, "completed", {"final_eval": final_eval}))
    folder = store.run_dir(run_id)
    for epoch, state in (snapshots or {}).items():
        (folder / "snapshots").mkdir(exist_ok=True)
        save_file({key: value.contiguous() for key, value in state.items()}, str(folder / "snapshots" / f"epoch_{epoch:04d}.safetensors"))
    if weights is not None:
        save_file({key: value.contiguous() for key, value in weights.items()}, str(folder / "model.safetensors"))
    return run_id


def tiny_state(seed: int, spread: float = 1.0) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return {
        "hidden.0.linear.weight": spread * torch.randn(8, 4, generator=generator),
        "hidden.0.linear.bias": torch.zeros(8),
        "head.weight": spread * torch.randn(3, 8, generator=generator),
        "head.bias": torch.zeros(3),
    }


@pytest.fixture
def store(tmp_path):
    with RunStore(tmp_path / "store") as opened:
        yield opened


def early_stopping_reason(values, monitor: str = "val/acc") -> str:
    """The stop reason the early-stopping callback writes (patience 1) for these monitored
    values, one per epoch: e.g. 'patience fired after epoch 3 (val/acc = 0.868056)'."""
    from reglab.contract.events import EpochRecord
    from reglab.stopping import EarlyStopping, Patience

    stopper = EarlyStopping(Patience(1, mode="max" if "acc" in monitor else "min"), monitor=monitor, planned_epochs=len(values) + 10)
    for epoch, value in enumerate(values, 1):
        result = stopper.on_epoch_end(EpochRecord(epoch=epoch, step=0, model=None, optimizer=None, metrics={monitor: value}))
    return result.reason
