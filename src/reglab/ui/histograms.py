"""Weight histograms of a run at its snapshot epochs (and of its final weights).

Snapshots are `runs/<id>/snapshots/epoch_NNNN.safetensors` (see docs/trajectory.md);
the final weights are `runs/<id>/model.safetensors`. Files are read with safetensors'
`safe_open` into NumPy (read-only; never pickle). Every weight matrix or kernel
(tensors with two or more dimensions) gets one histogram per epoch over shared bin edges,
so the epochs of one layer overlay.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import safe_open

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
        finite = [values[np.isfinite(values)] for values in present.values()]
        low = min((values.min() for values in finite if values.size), default=-1.0)
        high = max((values.max() for values in finite if values.size), default=1.0)
        if high <= low:
            low, high = low - 0.5, high + 0.5
        edges = np.linspace(low, high, BINS + 1)
        histograms = []
        for label, values in present.items():
            counts, _ = np.histogram(values[np.isfinite(values)], bins=edges)
            zeros = int(np.count_nonzero(values == 0.0))
            histograms.append({"label": label, "counts": counts.tolist(), "size": int(values.size), "zeros": zeros})
        result["layers"].append({"name": layer, "edges": edges.tolist(), "histograms": histograms})
    return result


def weight_histograms(folder: Path) -> dict[str, Any]:
    """`{labels, layers: [{name, edges, histograms: [{label, counts, size, zeros}]}]}`."""
    files = []
    for label, path in snapshot_files(folder):
        stat = path.stat()
        files.append((label, str(path), stat.st_mtime_ns, stat.st_size))
    if not files:
        return {"labels": [], "layers": []}
    return _cached_histograms(tuple(files))
