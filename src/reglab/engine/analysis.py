"""`analyze_run`: PCA path, linear interpolation and loss surface of a stored run.

What `reglab analyze RUN_ID` does, as a Python function. The model, data and
objective are rebuilt from the stored config (`reglab.engine.setup.build_setup`);
the final weights are the run's `model.safetensors`; the initial weights are the
snapshot `epoch_0000` when the run kept snapshots, else the seeded initialisation
rebuilt from the config (identical on the same device type). Evaluation uses a
fixed, seeded subset of one split.

Files written under `runs/<id>/analysis/`:

| file               | content                                                              |
|--------------------|----------------------------------------------------------------------|
| interpolation.json | alphas, loss, accuracy along (1 − α)·θ₀ + α·θ₁                       |
| pca.json           | explained_variance_ratio, coordinates, epochs, steps (≥ 3 snapshots) |
| pca.npz            | components (2, D), mean (D,), coordinates                            |
| surface.json       | directions, xs, ys, loss[i][j], accuracy, path (PCA plane only)      |
| surface.npz        | xs, ys, loss, accuracy, trajectory (= path) for numpy                |

JSON files are strict: a non-finite value (a loss that overflowed far from θ*)
is written as null; the npz files keep it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from reglab.config import ConfigError, validate_config
from reglab.store import RunStore, default_store_dir, load_weights
from reglab.trajectory.interpolation import default_alphas, interpolate
from reglab.trajectory.landscape import loss_surface, pca_directions, random_directions, symmetric_grid
from reglab.trajectory.projection import PCAPath, flatten_parameters, pca_path
from reglab.trajectory.snapshots import read_index

__all__ = ["Analysis", "analyze_run", "evaluation_subset", "path_in_plane", "DIRECTION_CHOICES", "SPLIT_CHOICES"]

DIRECTION_CHOICES = ("auto", "pca", "random")
SPLIT_CHOICES = ("train", "val", "test")
# The PCA plane is drawn a little wider than the path so its ends are not on the border.
PCA_MARGIN = 1.25


@dataclass
class Analysis:
    """Where the results went, and what was chosen."""

    run_id: str
    folder: Path
    directions: str
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def evaluation_subset(inputs: Tensor, targets: Tensor, samples: int, seed: int) -> tuple[Tensor, Tensor]:
    """A fixed random subset of `samples` rows (all rows when fewer), chosen on the CPU from `seed`."""
    count = inputs.shape[0]
    if samples >= count:
        return inputs, targets
    order = torch.randperm(count, generator=torch.Generator().manual_seed(seed))[:samples].to(inputs.device)
    return inputs[order], targets[order]


def path_in_plane(path: PCAPath, center: dict[str, Tensor]) -> Tensor:
    """(n, 2) coordinates of the snapshots relative to `center`, in the PCA plane."""
    origin = flatten_parameters(center, path.parameter_names)
    offset = (path.mean - origin) @ path.components[:2].T
    return path.coordinates[:, :2] + offset


def analyze_run(
    run_id: str,
    store: RunStore | str | Path | None = None,
    grid: int = 21,
    samples: int = 512,
    directions: str = "auto",
    split: str = "train",
    seed: int | None = None,
) -> Analysis:
    """Run the PCA path, the interpolation and the loss surface of a stored run.

    Args:
        run_id: the run id (or a unique prefix).
        store: the run store or its folder.
        grid: points per axis of the loss surface (odd keeps the origin on the grid).
        samples: size of the fixed evaluation subset.
        directions: pca | random | auto (pca when the run kept ≥ 3 snapshots).
        split: which split the subset is drawn from.
        seed: subset and random-direction seed (default: the run's seed).

    Example:
        >>> analysis = analyze_run(run.id, store="reglab-runs", grid=11)
        >>> [path.name for path in analysis.files]
    """
    from reglab.engine.setup import build_setup

    _check_arguments(grid, samples, directions, split)
    full_id, run_dir, stored_config = _find_run(run_id, store)
    weights_path = run_dir / "model.safetensors"
    if not weights_path.is_file():
        raise ConfigError("run id", full_id, "a finished run with model.safetensors in its folder")
    snapshot_count = len(read_index(run_dir / "snapshots")["snapshots"])
    if directions == "pca" and snapshot_count < 3:
        raise ConfigError("--directions", "pca", f"random (run {full_id} kept {snapshot_count} snapshots; PCA needs >= 3)")
    config = validate_config(stored_config)
    seed = config.seed if seed is None else seed
    setup = build_setup(config)
    model, objective = setup.model, setup.objective
    rebuilt_initial = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}
    final = load_weights(weights_path)
    initial_file = run_dir / "snapshots" / "epoch_0000.safetensors"
    initial = load_weights(initial_file) if initial_file.is_file() else rebuilt_initial
    data = evaluation_subset(*_split(setup.data, split), samples, seed)
    batch = config.data.eval_batch_size
    analysis = Analysis(full_id, run_dir / "analysis", directions)
    analysis.folder.mkdir(parents=True, exist_ok=True)
    analysis.notes.append(
        f"initial weights: {'snapshots/epoch_0000.safetensors' if initial_file.is_file() else 'rebuilt from the config seed'}"
    )
    common = {"run_id": full_id, "split": split, "samples": int(data[0].shape[0]), "seed": seed}

    curve = interpolate(model, initial, final, data, objective, default_alphas(), batch)
    analysis.files.append(_write_json(analysis.folder / "interpolation.json", {**common, **curve.to_json()}))

    path = None
    if snapshot_count >= 3:
        path = pca_path(run_dir)
        analysis.files.append(_write_json(analysis.folder / "pca.json", {**common, **path.to_json()}))
        analysis.files.append(_write_npz(analysis.folder / "pca.npz", components=path.components.float(),
                                         mean=path.mean.float(), coordinates=path.coordinates))
    else:
        analysis.notes.append(f"PCA skipped: {snapshot_count} snapshots (needs >= 3; set trajectory.snapshot_epochs)")

    chosen = "pca" if (directions == "pca" or (directions == "auto" and path is not None)) else "random"
    analysis.directions = chosen
    center = {name: tensor.to(setup.device) for name, tensor in final.items()}
    extra: dict[str, Any] = {}
    if chosen == "pca":
        assert path is not None
        plane = path_in_plane(path, center)
        extent_x, extent_y = (PCA_MARGIN * plane.abs().max(dim=0).values.clamp_min(1e-8)).tolist()
        xs, ys = symmetric_grid(grid, extent_x), symmetric_grid(grid, extent_y)
        planes = pca_directions(path, center)
        extra = {"path": plane.tolist(), "explained_variance_ratio": path.explained_variance_ratio.tolist()}
    else:
        xs = ys = symmetric_grid(grid, 1.0)
        planes = random_directions(model, center, seed)
    surface = loss_surface(model, center, planes, data, objective, xs, ys, batch)
    payload = {**common, "directions": chosen, **surface.to_json(), **extra}
    analysis.files.append(_write_json(analysis.folder / "surface.json", payload))
    arrays = {"xs": surface.xs, "ys": surface.ys, "loss": surface.loss}
    if surface.accuracy is not None:
        arrays["accuracy"] = surface.accuracy
    if "path" in extra:
        arrays["trajectory"] = extra["path"]
    analysis.files.append(_write_npz(analysis.folder / "surface.npz", **arrays))
    return analysis


def _find_run(run_id: str, store: RunStore | str | Path | None) -> tuple[str, Path, dict[str, Any]]:
    """(full id, artifact folder, stored config) of a run; a store opened here is closed again."""
    if isinstance(store, RunStore):
        run_store, owned = store, False
    else:
        directory = Path(store) if store is not None else default_store_dir()
        if not (directory / "reglab.db").is_file():
            raise ConfigError("store", str(directory), "a folder made by 'reglab train' (or set REGLAB_STORE)")
        run_store, owned = RunStore(directory), True
    try:
        full_id = run_store.resolve_id(run_id)
        if full_id is None:
            raise ConfigError("run id", run_id, "the id (or a unique prefix) of a stored run; see 'reglab runs list'")
        return full_id, run_store.run_dir(full_id), run_store.get_run(full_id).config
    finally:
        if owned:
            run_store.close()


def _check_arguments(grid: int, samples: int, directions: str, split: str) -> None:
    if grid < 3:
        raise ConfigError("--grid", grid, "an integer >= 3 (odd keeps the final weights on the grid)")
    if samples < 1:
        raise ConfigError("--samples", samples, "an integer >= 1")
    if directions not in DIRECTION_CHOICES:
        raise ConfigError("--directions", directions, " | ".join(DIRECTION_CHOICES))
    if split not in SPLIT_CHOICES:
        raise ConfigError("--split", split, " | ".join(SPLIT_CHOICES))


def _split(data: Any, split: str) -> tuple[Tensor, Tensor]:
    inputs, targets = getattr(data, f"{split}_x"), getattr(data, f"{split}_y")
    if inputs.shape[0] == 0:
        raise ConfigError("--split", split, "a split with samples (this run's is empty); try train")
    return inputs, targets


def _write_json(path: Path, payload: dict) -> Path:
    """Strict JSON: a non-finite loss (far out on the surface) is written as null."""
    path.write_text(json.dumps(_finite(payload), indent=1, allow_nan=False))
    return path


def _finite(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _write_npz(destination: Path, **arrays: Any) -> Path:
    np.savez(destination, **{name: np.asarray(torch.as_tensor(value).cpu()) for name, value in arrays.items()})
    return destination
