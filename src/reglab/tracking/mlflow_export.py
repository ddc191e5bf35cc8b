"""Stored runs -> MLflow: one MLflow run per reglab run, keyed by reglab's run id.

Per run: the flat config keys as params, every epoch's metrics with `step = epoch`,
the tags status, sweep, name and `reglab.run_id`, and as artifacts the weights
(`model.safetensors`) and a one-run HTML report. Exporting again skips a run whose
MLflow copy already has the same status; a copy with another status (the run was
still training, or was trained again) is deleted and written anew, so no run is
ever there twice.

The experiment is `--experiment`, else the run's sweep, else "reglab". An experiment
created here in an SQLite URI keeps its artifacts in `mlartifacts/` beside the
database file (MLflow's own default is a folder in the working directory).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from reglab.store import RunStore, StoredRun
from reglab.tracking.extras import require_mlflow
from reglab.tracking.fields import RUN_ID_TAG, epoch_metrics, run_params, run_tags

__all__ = ["MlflowExport", "export_to_mlflow", "mlflow_experiment", "mlflow_status", "find_mlflow_run"]

# reglab status -> MLflow run status
_STATUSES = {"completed": "FINISHED", "stopped_early": "FINISHED", "pruned": "FINISHED", "diverged": "FAILED", "failed": "FAILED", "interrupted": "KILLED"}
_BATCH = 1000


@dataclass
class MlflowExport:
    """What an export did: runs written, runs already there, and the experiment ids used."""

    written: int = 0
    unchanged: int = 0
    experiments: tuple[str, ...] = ()


def mlflow_status(status: str) -> str:
    return _STATUSES.get(status, "RUNNING")


def _artifact_root(uri: str, name: str) -> str | None:
    if uri.startswith("sqlite:///"):
        database = Path(uri.removeprefix("sqlite:///"))
        return (database.resolve().parent / "mlartifacts" / name).as_uri()
    return None


def mlflow_experiment(client: Any, uri: str, name: str) -> str:
    """The id of experiment `name`, created when missing."""
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    # Tagged as model training, so MLflow's UI opens it on the runs table rather than the GenAI view.
    return client.create_experiment(name, artifact_location=_artifact_root(uri, name), tags={"mlflow.experimentKind": "custom_model_development"})


def find_mlflow_run(client: Any, experiment_id: str, run_id: str) -> Any | None:
    """The MLflow copy of reglab run `run_id` in the experiment, if any."""
    found = client.search_runs([experiment_id], filter_string=f"tags.`{RUN_ID_TAG}` = '{run_id}'", max_results=1)
    return found[0] if found else None


def _millis(text: str | None) -> int | None:
    return int(datetime.fromisoformat(text).timestamp() * 1000) if text else None


def log_history(client: Any, mlflow_run: str, history: Iterable[dict[str, float]], timestamp: int) -> None:
    """Every epoch's metrics with step = epoch, in batches MLflow accepts."""
    from mlflow.entities import Metric

    metrics = [Metric(key, value, timestamp, int(row["epoch"])) for row in history for key, value in epoch_metrics(row).items()]
    for start in range(0, len(metrics), _BATCH):
        client.log_batch(mlflow_run, metrics=metrics[start : start + _BATCH])


def log_params(client: Any, mlflow_run: str, config: dict[str, Any]) -> None:
    from mlflow.entities import Param

    params = [Param(key, value[:6000]) for key, value in run_params(config).items()]
    for start in range(0, len(params), 100):
        client.log_batch(mlflow_run, params=params[start : start + 100])


def _export_one(client: Any, store: RunStore, run: StoredRun, experiment_id: str, report: bool) -> None:
    started = _millis(run.started_at) or int(time.time() * 1000)
    created = client.create_run(experiment_id, start_time=started, tags=run_tags(run.id, run.name, run.status, run.sweep), run_name=f"{run.name}-{run.id[:6]}")
    mlflow_run = created.info.run_id
    log_params(client, mlflow_run, run.config)
    log_history(client, mlflow_run, store.history(run.id), started)
    folder = store.run_dir(run.id)
    weights = folder / "model.safetensors"
    if weights.is_file():
        client.log_artifact(mlflow_run, str(weights))
    if report and run.status != "running":
        from reglab.report import write_report

        with tempfile.TemporaryDirectory(prefix="reglab-mlflow-") as scratch:
            page = write_report(store, [run.id], Path(scratch) / "report.html", f"reglab run {run.id}")
            client.log_artifact(mlflow_run, str(page))
    if run.status != "running":
        client.set_terminated(mlflow_run, mlflow_status(run.status), end_time=_millis(run.ended_at))


def export_to_mlflow(store: RunStore, runs: Iterable[StoredRun], uri: str, experiment: str | None = None, report: bool = True) -> MlflowExport:
    """Copy `runs` into the MLflow tracking store at `uri` (see the module docstring).

    Raises:
        ConfigError: MLflow is not installed (one line naming the extra).
    """
    require_mlflow()
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    result = MlflowExport()
    experiments: dict[str, str] = {}
    for run in runs:
        name = experiment or run.sweep or "reglab"
        if name not in experiments:
            experiments[name] = mlflow_experiment(client, uri, name)
        existing = find_mlflow_run(client, experiments[name], run.id)
        if existing is not None and existing.data.tags.get("status") == run.status:
            result.unchanged += 1
            continue
        if existing is not None:
            client.delete_run(existing.info.run_id)
        _export_one(client, store, run, experiments[name], report)
        result.written += 1
    result.experiments = tuple(experiments.values())
    return result
