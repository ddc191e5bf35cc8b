"""Weight histograms of a run at its snapshot epochs (and of its final weights).

Snapshots are `runs/<id>/snapshots/epoch_NNNN.safetensors` (see docs/trajectory.md);
the final weights are `runs/<id>/model.safetensors`. Files are read with safetensors'
`safe_open` into NumPy (read-only; never pickle). Every weight matrix or kernel
(tensors with two or more dimensions) gets one histogram per epoch over shared bin edges,
so the epochs of one layer overlay. Weights that are exactly 0 (pruned) are counted, not
drawn: their spike flattened the weights that remain (`reglab.presentation.pruned_weights`, the
reports' rule); the layer's `note` says how many there are.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import safe_open

from reglab.presentation.pruned_weights import LEFT_OUT, pruned_note, split_pruned

__all__ = ["snapshot_files", "weight_histograms"]

SNAPSHOT = re.compile(r"epoch_(\d+)\.safetensors")
MAX_EPOCHS = 8
MAX_LAYERS = 8
BINS = 40


def snapshot_files(folder: Path) -> list[tuple[str, Path]]:
    """(label, file) for at most 8 snapshot epochs (first and last kept), then `final`."""
    snapshots = sorted(
        (int(match[1]), path)
        for path in (folder / "snapshots").glob("epoch_*.safetensors")
        if (match := SNAPSHOT.fullmatch(path.name))
    )
    if len(snapshots) > MAX_EPOCHS:
        picks = np.linspace(0, len(snapshots) - 1, MAX_EPOCHS).round().astype(int)
        snapshots = [snapshots[index] for index in sorted(set(picks.tolist()))]
    files = [(f"epoch {epoch}", path) for epoch, path in snapshots]
    final = folder / "model.safetensors"
    if final.is_file():
        files.append(("final", final))
    return files


def _read_weights(path: Path) -> dict[str, np.ndarray]:
    weights = {}
    with safe_open(str(path), framework="np") as handle:
        for name in handle.keys():
            if len(weights) >= MAX_LAYERS * 2:
                break
            tensor = handle.get_tensor(name)
            if tensor.ndim >= 2 and np.issubdtype(tensor.dtype, np.floating):
                weights[name] = tensor.astype(np.float64, copy=False).ravel()
    return weights


@lru_cache(maxsize=64)
def _cached_histograms(files: tuple[tuple[str, str, int, int], ...]) -> dict[str, Any]:
    by_label = {label: _read_weights(Path(path)) for label, path, _, _ in files}
    layers: list[str] = []
    for weights in by_label.values():
        layers.extend(name for name in weights if name not in layers)
    result: dict[str, Any] = {"labels": [label for label, *_ in files], "layers": []}
    for layer in layers[:MAX_LAYERS]:
        present = {label: weights[layer] for label, weights in by_label.items() if layer in weights}
        split = {label: split_pruned(values) for label, values in present.items()}
        low = min((kept.min() for kept, _ in split.values() if kept.size), default=-1.0)
        high = max((kept.max() for kept, _ in split.values() if kept.size), default=1.0)
        if high <= low:
            low, high = low - 0.5, high + 0.5
        edges = np.linspace(low, high, BINS + 1)
        histograms = []
        for label, (kept, zeros) in split.items():
            counts, _ = np.histogram(kept, bins=edges)
            histograms.append({"label": label, "counts": counts.tolist(), "size": int(present[label].size), "zeros": zeros})
        # the latest epoch with exact zeros: pruning only adds them
        pruned = [histogram for histogram in histograms if histogram["zeros"]]
        note = pruned_note(pruned[-1]["label"], pruned[-1]["zeros"], pruned[-1]["size"]) if pruned else ""
        result["layers"].append({"name": layer, "edges": edges.tolist(), "histograms": histograms, "note": note})
    result["left_out"] = LEFT_OUT if any(layer["note"] for layer in result["layers"]) else ""
    return result


def weight_histograms(folder: Path) -> dict[str, Any]:
    """`{labels, layers: [{name, edges, histograms: [{label, counts, size, zeros}], note}], left_out}`:
    `counts` of the weights that are not exactly 0 over the layer's `edges`, `zeros` of
    those that are, `note` the latest of them in words ("" when none), `left_out` the
    line that says zeros are not drawn ("" when no layer has any)."""
    files = []
    for label, path in snapshot_files(folder):
        stat = path.stat()
        files.append((label, str(path), stat.st_mtime_ns, stat.st_size))
    if not files:
        return {"labels": [], "layers": [], "left_out": ""}
    return _cached_histograms(tuple(files))
