"""`reglab runs export --format tensorboard`, read back with TensorBoard's event reader:
scalars per epoch, per-layer weight histograms at the snapshot epochs, hparams of the sweep."""

from __future__ import annotations

import pytest

pytest.importorskip("tensorboard")

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData

from tests.tracking.conftest import run_cli
from reglab.store import RunStore


def _events(folder):
    accumulator = EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0, "tensors": 0})
    accumulator.Reload()
    return accumulator


def test_runs_read_back_from_tensorboard_events(tracked_store, tmp_path, capsys):
    out = tmp_path / "tb"
    code, output = run_cli(capsys, "runs", "export", "--format", "tensorboard", "--out", str(out), "--store", str(tracked_store))
    assert code == 0, output
    assert "2 runs written, 0 already there" in output
    with RunStore(tracked_store) as store:
        for run in store.runs(sweep="tiny"):
            events = _events(out / run.id)
            history = store.history(run.id)
            for key in ("train/loss", "val/acc", "param/dist_init/total"):
                scalars = events.Scalars(key)
                assert [event.step for event in scalars] == [1, 2]
                assert [event.value for event in scalars] == pytest.approx([row[key] for row in history], rel=1e-6)
            histograms = [tag for tag in events.Tags()["histograms"] if tag.startswith("weights/")]
            assert len(histograms) == 4  # two layers: weight and bias each
            for tag in histograms:
                assert [event.step for event in events.Histograms(tag)] == [0, 1, 2]  # initial + snapshot epochs
                assert events.Histograms(tag)[-1].histogram_value.num > 1
            content = events.PluginTagToContent("hparams")
            start = HParamsPluginData.FromString(content["_hparams_/session_start_info"]).session_start_info
            assert start.hparams["optimizer.lr"].number_value == pytest.approx(run.config["optimizer"]["lr"])
            assert "seed" not in start.hparams  # only the keys that vary across the sweep
            assert events.Scalars("final/val/acc")[0].value == pytest.approx(history[-1]["val/acc"], rel=1e-6)

    code, output = run_cli(capsys, "runs", "export", "--format", "tensorboard", "--out", str(out), "--store", str(tracked_store))
    assert code == 0 and "0 runs written, 2 already there" in output
    assert len(list(out.iterdir())) == 2


def test_tensorboard_export_needs_a_folder(tracked_store, capsys):
    code, output = run_cli(capsys, "runs", "export", "--format", "tensorboard", "--store", str(tracked_store))
    assert code == 2 and "--out: got None; allowed: the TensorBoard log folder" in output
