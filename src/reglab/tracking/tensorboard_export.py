"""Stored runs -> TensorBoard event files: `OUT/<run id>/` per run.

Per run: every epoch's metrics as scalars (step = epoch), a histogram of every
layer's weights at each snapshot epoch (`trajectory.snapshot_epochs`; without
snapshots, the final weights at the last epoch), and, for runs of a sweep, the
hparams plugin: the keys that vary across the exported runs of that sweep with the
run's final val/test metrics, so TensorBoard's HPARAMS tab compares them.

A run folder carries `reglab-export.json` (run id and status); exporting again
skips a run with the same status and rewrites one whose status changed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from reglab.store import RunStore, StoredRun, load_weights
from reglab.tracking.extras import require_tensorboard
from reglab.tracking.fields import epoch_metrics, run_params, varying_keys

__all__ = ["export_to_tensorboard", "write_histograms", "hparam_values", "final_metrics", "scalar_keys", "MARKER"]

MARKER = "reglab-export.json"


def snapshot_weights(folder: Path) -> list[tuple[int, dict[str, Any]]]:
    """(epoch, weights) of the run's epoch snapshots, else its final weights at epoch -1."""
    from reglab.trajectory.snapshots import read_index

    entries = [entry for entry in read_index(folder / "snapshots")["snapshots"] if entry["file"].startswith("epoch_")]
    if entries:
        return [(entry["epoch"], load_weights(folder / "snapshots" / entry["file"])) for entry in entries]
    final = folder / "model.safetensors"
    return [(-1, load_weights(final))] if final.is_file() else []


def write_histograms(writer: Any, weights: Mapping[str, Any], epoch: int) -> None:
    """One histogram per floating-point tensor (tag `weights/<name>`)."""
    for name, tensor in weights.items():
        if tensor.is_floating_point() and tensor.numel() > 1:
            writer.add_histogram(f"weights/{name}", tensor.detach().float().cpu(), epoch)


def hparam_values(config: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """The chosen flat config keys as values the hparams plugin takes (numbers, bools, text)."""
    flat = run_params(config)
    values: dict[str, Any] = {}
    for key in keys:
        text = flat.get(key)
        if text is None:
            continue
        try:
            value = json.loads(text)
        except ValueError:
            value = text
        values[key] = value if isinstance(value, (bool, int, float, str)) else text
    return values


def final_metrics(history: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """The last epoch's val/* and test/* metrics, as `final/<key>`."""
    if not history:
        return {}
    return {f"final/{key}": value for key, value in epoch_metrics(history[-1]).items() if key.split("/")[0] in ("val", "test")}


def _write_run(writer_type: Any, folder: Path, store: RunStore, run: StoredRun, hparams: Sequence[str] | None) -> None:
    history = store.history(run.id)
    with writer_type(log_dir=str(folder)) as writer:
        for row in history:
            for key, value in epoch_metrics(row).items():
                writer.add_scalar(key, value, int(row["epoch"]))
        for epoch, weights in snapshot_weights(store.run_dir(run.id)):
            write_histograms(writer, weights, epoch if epoch >= 0 else len(history))
        writer.add_text("reglab/run", f"run {run.id} ({run.name}): {run.status}" + (f", sweep {run.sweep}" if run.sweep else ""), 0)
        if hparams is not None:
            writer.add_hparams(hparam_values(run.config, hparams), final_metrics(history), run_name=".")
    (folder / MARKER).write_text(json.dumps({"run_id": run.id, "status": run.status}))


def _exported_status(folder: Path) -> str | None:
    try:
        return json.loads((folder / MARKER).read_text()).get("status")
    except (OSError, ValueError):
        return None


def scalar_keys(config: Mapping[str, Any]) -> list[str]:
    """Flat config keys with a number, bool or short text value (the hparams of a run seen alone)."""
    return [key for key, value in hparam_values(config, list(run_params(config))).items() if not isinstance(value, str) or len(value) <= 40]


def export_to_tensorboard(store: RunStore, runs: Iterable[StoredRun], out: Path, every_key: bool = False) -> tuple[int, int]:
    """Write `runs` under `out`; returns (written, unchanged).

    `every_key`: hparams of sweep runs are all their scalar config keys, not only the
    keys that vary among `runs` (a run exported alone, as it finishes).

    Raises:
        ConfigError: TensorBoard is not installed (one line naming the extra).
    """
    writer_type = require_tensorboard()
    runs = list(runs)
    by_sweep: dict[str, list[StoredRun]] = {}
    for run in runs:
        if run.sweep:
            by_sweep.setdefault(run.sweep, []).append(run)
    swept = {sweep: varying_keys([run.config for run in members]) or ["name"] for sweep, members in by_sweep.items()}
    written = unchanged = 0
    for run in runs:
        folder = Path(out) / run.id
        if _exported_status(folder) == run.status:
            unchanged += 1
            continue
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        keys = (scalar_keys(run.config) if every_key else swept.get(run.sweep)) if run.sweep else None
        _write_run(writer_type, folder, store, run, keys)
        written += 1
    return written, unchanged
