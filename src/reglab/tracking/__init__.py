"""Tracking: reglab runs in the tools people already watch, MLflow and TensorBoard.

Public API:
    export_to_mlflow(store, runs, uri, experiment) -> MlflowExport     (`reglab runs export --format mlflow`)
    export_to_tensorboard(store, runs, out) -> (written, unchanged)    (`reglab runs export --format tensorboard`)
    tracking_sinks(config, sweep) -> [MlflowSink, TensorboardSink]     (live, from `tracking.*`)
    track_recorded(store, run_id)                                      (population members and Ray runs)
"""

from reglab.tracking.mlflow_export import MlflowExport, export_to_mlflow
from reglab.tracking.sinks import MlflowSink, TensorboardSink, track_recorded, tracking_sinks
from reglab.tracking.tensorboard_export import export_to_tensorboard

__all__ = ["MlflowExport", "MlflowSink", "TensorboardSink", "export_to_mlflow", "export_to_tensorboard", "track_recorded", "tracking_sinks"]
