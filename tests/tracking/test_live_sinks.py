"""`tracking.mlflow.uri` and `tracking.tensorboard.dir` mirror runs while they train:
a single run through the sinks, population members as each is recorded."""

from __future__ import annotations

import pytest

pytest.importorskip("mlflow")

# MLflow's own SQLAlchemy store uses a loader strategy SQLAlchemy deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy")
pytest.importorskip("tensorboard")

from mlflow import MlflowClient
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from reglab.config import load_config
from reglab.engine.run import train
from reglab.store import RunStore, config_hash
from reglab.sweep import load_sweep, run_sweep
from tests.conftest import tiny_digits


def test_a_single_run_is_mirrored_live(tmp_path, store_dir, mlflow_uri):
    uri = mlflow_uri
    config = tiny_digits(**{"tracking.mlflow.uri": uri, "tracking.tensorboard.dir": str(tmp_path / "tb"), "trajectory.snapshot_epochs": [2]})
    run = train(config, store=store_dir, sweep="live")

    client = MlflowClient(tracking_uri=uri)
    [copy] = client.search_runs([client.get_experiment_by_name("live").experiment_id])
    assert copy.data.tags["reglab.run_id"] == run.id and copy.data.tags["status"] == "completed"
    assert [point.value for point in client.get_metric_history(copy.info.run_id, "val/acc")] == pytest.approx([row["val/acc"] for row in run.history])
    assert {item.path for item in client.list_artifacts(copy.info.run_id)} == {"model.safetensors"}

    events = EventAccumulator(str(tmp_path / "tb" / run.id), size_guidance={"scalars": 0, "histograms": 0})
    events.Reload()
    assert [event.value for event in events.Scalars("test/acc")] == pytest.approx([row["test/acc"] for row in run.history], rel=1e-6)
    assert [event.step for event in events.Histograms("weights/" + next(iter(dict(run.model.named_parameters()))))] == [0, 2]


def test_tracking_does_not_change_the_config_hash():
    plain = load_config(base=tiny_digits())
    tracked = load_config(base=tiny_digits(**{"tracking.tensorboard.dir": "tb"}))
    assert config_hash(plain.to_dict()) == config_hash(tracked.to_dict())


def test_population_members_are_mirrored_as_they_are_recorded(tmp_path, store_dir):
    base = tiny_digits(**{"tracking.tensorboard.dir": str(tmp_path / "tb")})
    spec = load_sweep({"name": "pop", "base": base, "parameters": {"optimizer.lr": [0.1, 0.05]}})
    assert run_sweep(spec, backend="population", store=store_dir, quiet=True).statuses == {"completed": 2}
    with RunStore(store_dir) as store:
        for run in store.runs(sweep="pop"):
            assert run.summary["population"]["size"] == 2
            events = EventAccumulator(str(tmp_path / "tb" / run.id), size_guidance={"scalars": 0})
            events.Reload()
            assert [event.value for event in events.Scalars("val/acc")] == pytest.approx([row["val/acc"] for row in store.history(run.id)], rel=1e-6)
