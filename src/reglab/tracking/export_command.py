"""The mlflow and tensorboard branches of `reglab runs export`: check the arguments, export, one line back."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from reglab.config import ConfigError
from reglab.store import RunStore, StoredRun

__all__ = ["export_to_tracker"]


def export_to_tracker(store: RunStore, runs: Sequence[StoredRun], format_: str, uri: str | None, experiment: str | None, out: Path | None) -> str:
    """Export `runs`; return the line to print.

    Raises:
        ConfigError: a missing --uri / --out, an argument of the other format, or a missing extra.
    """
    runs = list(runs)
    if format_ == "mlflow":
        if not uri:
            raise ConfigError("--uri", uri, "an MLflow tracking URI, e.g. sqlite:///mlflow.db or http://127.0.0.1:5000")
        if out is not None:
            raise ConfigError("--out", str(out), "no --out with --format mlflow (the runs go to --uri)")
        from reglab.tracking.mlflow_export import export_to_mlflow

        result = export_to_mlflow(store, runs, uri, experiment)
        return f"mlflow {uri}: {result.written} runs written, {result.unchanged} already there"
    if out is None:
        raise ConfigError("--out", None, "the TensorBoard log folder (tensorboard --logdir DIR)")
    if uri is not None or experiment is not None:
        raise ConfigError("--uri" if uri is not None else "--experiment", uri or experiment, "only with --format mlflow")
    if out.exists() and not out.is_dir():
        raise ConfigError("--out", str(out), "a folder (created when missing)")
    from reglab.tracking.tensorboard_export import export_to_tensorboard

    written, unchanged = export_to_tensorboard(store, runs, out)
    return f"tensorboard {out}: {written} runs written, {unchanged} already there; see: tensorboard --logdir {out}"
