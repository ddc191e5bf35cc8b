"""The run store: SQLite database plus an artifacts folder per run."""

from reglab.store.artifacts import (
    UnreadableArtifact,
    child_path,
    load_weights,
    save_weights,
    write_config,
    write_metrics_csv,
    write_summary,
)
from reglab.store.schema import FINAL_STATUSES, RUN_STATUSES
from reglab.store.sqlite import RunStore, StoredRun, config_hash, default_store_dir

__all__ = [
    "FINAL_STATUSES",
    "RUN_STATUSES",
    "RunStore",
    "StoredRun",
    "UnreadableArtifact",
    "child_path",
    "config_hash",
    "default_store_dir",
    "load_weights",
    "save_weights",
    "write_config",
    "write_metrics_csv",
    "write_summary",
]
