"""`reglab runs export --format mlflow`, read back with MlflowClient: params, every epoch's
metrics with step = epoch, tags, artifacts; exporting twice adds nothing."""

from __future__ import annotations

import sys

import pytest

pytest.importorskip("mlflow")

# MLflow's own SQLAlchemy store uses a loader strategy SQLAlchemy deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy")

from mlflow import MlflowClient

from tests.tracking.conftest import run_cli
from reglab.config import ConfigError
from reglab.store import RunStore
from reglab.tracking import export_to_mlflow


def _export(capsys, store_dir, uri, *extra):
    return run_cli(capsys, "runs", "export", "--format", "mlflow", "--uri", uri, "--store", str(store_dir), *extra)


def test_runs_read_back_from_mlflow_with_params_metrics_tags_and_artifacts(tracked_store, mlflow_uri, capsys):
    uri = mlflow_uri
    code, output = _export(capsys, tracked_store, uri, "--experiment", "digits")
    assert code == 0, output
    assert "2 runs written, 0 already there" in output

    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("digits")
    exported = {run.data.tags["reglab.run_id"]: run for run in client.search_runs([experiment.experiment_id])}
    with RunStore(tracked_store) as store:
        runs = store.runs(sweep="tiny")
        assert set(exported) == {run.id for run in runs}
        for run in runs:
            copy = exported[run.id]
            assert copy.data.tags["status"] == "completed" and copy.data.tags["sweep"] == "tiny" and copy.data.tags["name"] == run.name
            assert copy.info.status == "FINISHED"
            assert float(copy.data.params["optimizer.lr"]) == run.config["optimizer"]["lr"]
            assert copy.data.params["model.hidden"] == "[16]"
            assert "tracking.mlflow.uri" not in copy.data.params
            history = store.history(run.id)
            for key in ("train/loss", "val/acc", "test/acc", "param/l2/total"):
                points = client.get_metric_history(copy.info.run_id, key)
                assert [point.step for point in points] == [row["epoch"] for row in history] == [1, 2]
                assert [point.value for point in points] == pytest.approx([row[key] for row in history])
            artifacts = {item.path for item in client.list_artifacts(copy.info.run_id)}
            assert artifacts == {"model.safetensors", "report.html"}

    code, output = _export(capsys, tracked_store, uri, "--experiment", "digits")
    assert code == 0 and "0 runs written, 2 already there" in output
    assert len(client.search_runs([experiment.experiment_id])) == 2


def test_mlflow_export_arguments_and_missing_extra(tracked_store, tmp_path, monkeypatch, capsys):
    code, output = run_cli(capsys, "runs", "export", "--format", "mlflow", "--store", str(tracked_store))
    assert code == 2 and "--uri: got None; allowed: an MLflow tracking URI" in output
    monkeypatch.setitem(sys.modules, "mlflow", None)
    with RunStore(tracked_store) as store, pytest.raises(ConfigError, match=r'pip install "reglab\[mlflow\]"'):
        export_to_mlflow(store, store.runs(), f"sqlite:///{tmp_path / 'never.db'}")
    assert not (tmp_path / "never.db").exists()
