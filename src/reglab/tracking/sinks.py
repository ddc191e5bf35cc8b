"""Live tracking sinks: callbacks that mirror a run into MLflow or TensorBoard as it trains.

In the style of `reglab.engine.sinks`: they read only the record they are given.

| sink            | fit_start                        | epoch_end                       | fit_end                                 |
|-----------------|----------------------------------|---------------------------------|-----------------------------------------|
| MlflowSink      | run created: params, tags        | the epoch's metrics, step=epoch | weights artifact, status tag, terminated |
| TensorboardSink | writer at DIR/<run id>           | scalars; histograms at snapshot epochs | hparams (runs of a sweep), closed  |

`tracking_sinks(config, sweep)` builds them from `tracking.*`; `reglab.train` adds
them. Population members and Ray runs are mirrored as each is recorded
(`track_recorded`), with the exporters of `reglab runs export`.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from reglab.contract.events import Callback, EpochRecord, FitRecord
from reglab.tracking.extras import require_mlflow, require_tensorboard
from reglab.tracking.fields import epoch_metrics, run_tags

__all__ = ["MlflowSink", "TensorboardSink", "tracking_sinks", "track_recorded", "wants_tracking"]


class MlflowSink(Callback):
    """Logs a run to MLflow while it trains (see the module docstring)."""

    kind = "sink"
    one_run = True  # one run's state: a population copies it per member

    def __init__(self, uri: str, experiment: str | None, sweep: str | None) -> None:
        require_mlflow("tracking.mlflow.uri")
        self.uri, self.experiment, self.sweep = uri, experiment or sweep or "reglab", sweep
        self.client: Any = None
        self.mlflow_run: str | None = None

    def on_fit_start(self, record: FitRecord) -> None:
        from mlflow import MlflowClient

        from reglab.tracking.mlflow_export import find_mlflow_run, log_params, mlflow_experiment

        self.client = MlflowClient(tracking_uri=self.uri)
        experiment = mlflow_experiment(self.client, self.uri, self.experiment)
        run_id = record.run_id or "unstored"
        existing = find_mlflow_run(self.client, experiment, run_id)
        if existing is not None:
            self.client.delete_run(existing.info.run_id)
        name = getattr(record.config, "name", "run")
        created = self.client.create_run(experiment, tags=run_tags(run_id, name, "running", self.sweep), run_name=f"{name}-{run_id[:6]}")
        self.mlflow_run = created.info.run_id
        log_params(self.client, self.mlflow_run, record.config.to_dict())
        return None

    def on_epoch_end(self, record: EpochRecord) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        metrics = [Metric(key, value, now, record.epoch) for key, value in epoch_metrics(record.metrics).items()]
        for start in range(0, len(metrics), 1000):
            self.client.log_batch(self.mlflow_run, metrics=metrics[start : start + 1000])
        return None

    def on_fit_end(self, record: FitRecord) -> None:
        from safetensors.torch import save_file

        from reglab.tracking.mlflow_export import mlflow_status

        status = record.stop.status if record.stop else "completed"
        with tempfile.TemporaryDirectory(prefix="reglab-mlflow-") as scratch:
            path = Path(scratch) / "model.safetensors"
            save_file({key: value.detach().cpu().contiguous().clone() for key, value in record.model.state_dict().items()}, str(path))
            self.client.log_artifact(self.mlflow_run, str(path))
        self.client.set_tag(self.mlflow_run, "status", status)
        self.client.set_terminated(self.mlflow_run, mlflow_status(status))
        return None


class TensorboardSink(Callback):
    """Writes a run's TensorBoard events while it trains (see the module docstring)."""

    kind = "sink"
    one_run = True  # one run's state: a population copies it per member

    def __init__(self, directory: str, sweep: str | None) -> None:
        self.writer_type = require_tensorboard("tracking.tensorboard.dir")
        self.directory, self.sweep = Path(directory), sweep
        self.writer: Any = None
        self.schedule: Any = None
        self.config: Any = None

    def on_fit_start(self, record: FitRecord) -> None:
        from reglab.tracking.tensorboard_export import write_histograms

        self.config = record.config
        self.schedule = record.config.trajectory.snapshot_epochs
        self.writer = self.writer_type(log_dir=str(self.directory / (record.run_id or "unstored")))
        if self.schedule is not None:
            write_histograms(self.writer, dict(record.model.named_parameters()), 0)
        return None

    def on_epoch_end(self, record: EpochRecord) -> None:
        from reglab.trajectory.snapshots import is_due
        from reglab.tracking.tensorboard_export import write_histograms

        for key, value in epoch_metrics(record.metrics).items():
            self.writer.add_scalar(key, value, record.epoch)
        if is_due(self.schedule, record.epoch):
            write_histograms(self.writer, dict(record.model.named_parameters()), record.epoch)
        return None

    def on_fit_end(self, record: FitRecord) -> None:
        from reglab.tracking.tensorboard_export import final_metrics, hparam_values, scalar_keys

        if self.sweep:
            config = self.config.to_dict()
            self.writer.add_hparams(hparam_values(config, scalar_keys(config)), final_metrics(list(record.history)), run_name=".")
        self.writer.close()
        return None


def tracking_sinks(config: Any, sweep: str | None = None) -> list[Callback]:
    """The live sinks `config.tracking` asks for (none by default).

    Raises:
        ConfigError: a tracker whose extra is not installed.
    """
    sinks: list[Callback] = []
    if config.tracking.mlflow.uri:
        sinks.append(MlflowSink(config.tracking.mlflow.uri, config.tracking.mlflow.experiment, sweep))
    if config.tracking.tensorboard.dir:
        sinks.append(TensorboardSink(config.tracking.tensorboard.dir, sweep))
    return sinks


def wants_tracking(config: Any) -> bool:
    """Does this config (a Config or its dict) name a tracker?"""
    tracking = config.get("tracking") if isinstance(config, dict) else config.tracking.model_dump()
    tracking = tracking or {}
    return bool((tracking.get("mlflow") or {}).get("uri") or (tracking.get("tensorboard") or {}).get("dir"))


def track_recorded(store: Any, run_id: str) -> None:
    """Mirror one recorded run (a population member, a Ray run) into the trackers its config names."""
    run = store.get_run(run_id)
    tracking = (run.config.get("tracking") or {}) if run is not None else {}
    mlflow, tensorboard = tracking.get("mlflow") or {}, tracking.get("tensorboard") or {}
    if mlflow.get("uri"):
        from reglab.tracking.mlflow_export import export_to_mlflow

        export_to_mlflow(store, [run], mlflow["uri"], mlflow.get("experiment"), report=False)
    if tensorboard.get("dir"):
        from reglab.tracking.tensorboard_export import export_to_tensorboard

        export_to_tensorboard(store, [run], Path(tensorboard["dir"]), every_key=True)
