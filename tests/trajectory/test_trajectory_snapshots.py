"""Snapshots: files, schedules, and thinning within the disk budget."""

from __future__ import annotations

import json

import torch

from reglab.config.trajectory import SnapshotEvery
from reglab.store import load_weights
from reglab.trajectory.snapshots import SnapshotEntry, SnapshotWriter, fit_budget, is_due, thin_to_stride
from tests.trajectory.trajectory_helpers import StepWeights, run_recorder, snapshot_files, tiny_model


def entries(count: int, size: int = 10) -> list[SnapshotEntry]:
    return [SnapshotEntry(f"s{k}", k, k, k, size) for k in range(count)]


def test_schedules():
    assert [n for n in range(10) if is_due(SnapshotEvery(every=3), n)] == [0, 3, 6, 9]
    assert [n for n in range(10) if is_due([2, 5], n)] == [2, 5]
    assert not is_due(None, 0)


def test_thin_to_stride_keeps_first_newest_and_multiples():
    kept, dropped = thin_to_stride(entries(6), 2)
    assert [e.ordinal for e in kept] == [0, 2, 4, 5]
    assert [e.ordinal for e in dropped] == [1, 3]


def test_fit_budget_doubles_the_stride_until_it_fits():
    kept, dropped, stride = fit_budget(entries(9), 1, budget_bytes=50)
    assert stride == 2 and [e.ordinal for e in kept] == [0, 2, 4, 6, 8]
    kept, _, stride = fit_budget(entries(9), 1, budget_bytes=30)
    assert stride == 4 and [e.ordinal for e in kept] == [0, 4, 8]
    kept, _, _ = fit_budget(entries(9), 1, budget_bytes=1)  # never fewer than first and newest
    assert [e.ordinal for e in kept] == [0, 8]


def test_writer_thins_evenly_and_keeps_the_budget(tmp_path):
    model = torch.nn.Linear(50, 20)  # 1020 floats, ~4.2 kB per snapshot
    folder = tmp_path / "snapshots"
    writer = SnapshotWriter(folder, SnapshotEvery(every=1), None, budget_mb=0.025, parameter_names=["weight", "bias"])
    writer.start(model)
    size = writer.entries[0].bytes
    for epoch in range(1, 21):
        with torch.no_grad():
            model.weight.add_(1.0)
        writer.on_epoch(model, epoch, epoch * 10)
    writer.finish()
    files = sorted(path.name for path in folder.glob("*.safetensors"))
    assert sum((folder / name).stat().st_size for name in files) <= 0.025e6
    epochs = [entry.epoch for entry in writer.entries]
    assert epochs[0] == 0 and epochs[-1] == 20
    # evenly spaced at the final stride; only the gap to the newest may be shorter
    gaps = [b - a for a, b in zip(epochs, epochs[1:])]
    assert set(gaps[:-1]) == {writer.stride} and 0 < gaps[-1] <= writer.stride, epochs
    assert epochs == [0, 8, 16, 20] and len(epochs) * size <= 0.025e6 < (len(epochs) + 2) * size
    assert files == sorted(entry.file for entry in writer.entries)
    index = json.loads((folder / "index.json").read_text())
    assert [s["epoch"] for s in index["snapshots"]] == epochs and index["parameters"] == ["weight", "bias"]
    # each file holds the weights of its epoch: weight = initial + epoch
    first = load_weights(folder / "epoch_0000.safetensors")["weight"]
    last = load_weights(folder / "epoch_0020.safetensors")["weight"]
    assert torch.allclose(last, first + 20.0)


def test_last_epoch_is_saved_even_when_the_schedule_skips_it(tmp_path):
    run, folder = run_recorder(tiny_model(), tmp_path, epochs=5, snapshot_epochs={"every": 2})
    names = snapshot_files(folder)
    assert names == ["epoch_0000.safetensors", "epoch_0002.safetensors", "epoch_0004.safetensors", "epoch_0005.safetensors"]
    final = load_weights(folder / "snapshots" / "epoch_0005.safetensors")
    assert all(torch.equal(final[name], tensor) for name, tensor in run.model.state_dict().items())


def test_initial_weights_and_step_snapshots(tmp_path):
    initial = {name: tensor.clone() for name, tensor in tiny_model().state_dict().items()}
    probe = StepWeights()
    _, folder = run_recorder(tiny_model(), tmp_path, epochs=2, snapshot_steps=[2, 4], extra_callbacks=[probe])
    names = snapshot_files(folder)
    assert names == ["epoch_0000.safetensors", "step_00000002.safetensors", "step_00000004.safetensors", "epoch_0002.safetensors"]
    saved = load_weights(folder / "snapshots" / "epoch_0000.safetensors")
    assert all(torch.equal(saved[name], tensor) for name, tensor in initial.items())
    at_step_4 = load_weights(folder / "snapshots" / "step_00000004.safetensors")
    assert all(torch.equal(at_step_4[name], tensor) for name, tensor in probe.after_step[3].items())
