"""The trajectory of a run (`trajectory.*`), checked against its own tensors by hand: the
weights a probe saw, and the gradients recomputed by autograd at the weights each step began with."""

from __future__ import annotations

import csv
import math

import pytest
import torch
import torch.nn.functional as F

from reglab.contract.events import Callback
from tests.trajectory.trajectory_helpers import StepWeights, batches, gradient_at, run_recorder, tiny_data, tiny_model


def _flat(weights: dict[str, torch.Tensor]) -> torch.Tensor:
    return torch.cat([tensor.reshape(-1) for tensor in weights.values()])


def test_epoch_metrics_match_the_weights_by_hand(tmp_path):
    model, data, probe = tiny_model(), tiny_data(), StepWeights()
    run, _ = run_recorder(model, tmp_path, extra_callbacks=[probe])
    row = run.history[-1]
    final = {name: tensor.detach() for name, tensor in run.model.named_parameters()}
    steps = batches(data, epochs=2, batch_size=16)
    last_gradient = gradient_at(tiny_model(), probe.before_step(len(steps)), data, steps[-1])
    for name, w in final.items():
        w0 = probe.initial[name]
        assert row[f"param/l2/{name}"] == pytest.approx(torch.linalg.norm(w).item(), rel=1e-5)
        assert row[f"param/l1/{name}"] == pytest.approx(w.abs().sum().item(), rel=1e-5)
        assert row[f"param/dist_init/{name}"] == pytest.approx((w - w0).norm().item(), rel=1e-5)
        assert row[f"param/dist_init_rel/{name}"] == pytest.approx(((w - w0).norm() / w0.norm()).item(), rel=1e-5)
        cosine = F.cosine_similarity(w.reshape(-1), w0.reshape(-1), dim=0).item()
        assert row[f"param/cos_init/{name}"] == pytest.approx(cosine, abs=1e-5)
        ratio = ((w - probe.epoch_start[2][name]).norm() / w.norm()).item()
        assert row[f"update_ratio/{name}"] == pytest.approx(ratio, rel=1e-5)
        # `last_step`: the gradient of the epoch's last step
        assert row[f"grad/l2/{name}"] == pytest.approx(last_gradient[name].norm().item(), rel=1e-4)
    flat, flat0 = _flat(final), _flat(probe.initial)
    assert row["param/l2/total"] == pytest.approx(flat.norm().item(), rel=1e-5)
    assert row["param/dist_init/total"] == pytest.approx((flat - flat0).norm().item(), rel=1e-5)
    assert row["grad/l2/total"] == pytest.approx(_flat(last_gradient).norm().item(), rel=1e-4)
    assert row["param/sparsity/total"] == 0.0
    assert row["param/near_zero/total"] == pytest.approx((flat.abs() < 1e-3).float().mean().item())


def test_epoch_mean_gradient_mode_averages_every_step(tmp_path):
    data, probe = tiny_data(), StepWeights()
    run, _ = run_recorder(tiny_model(), tmp_path, epochs=1, gradient_mode="epoch_mean", extra_callbacks=[probe])
    steps = batches(data, epochs=1, batch_size=16)
    assert len(steps) == len(probe.after_step) == 3
    gradients = [gradient_at(tiny_model(), probe.before_step(step), data, rows) for step, rows in enumerate(steps, 1)]
    for name in gradients[0]:
        mean = sum(gradient[name].norm().item() for gradient in gradients) / 3
        assert run.history[0][f"grad/l2/{name}"] == pytest.approx(mean, rel=1e-4)


def test_sparsity_sees_zeros_written_into_the_weights(tmp_path):
    class ZeroHalf(Callback):
        """Zeroes 10 of the first layer's 20 weights through the member's module after every step."""

        step_every = 1

        def on_step_end(self, record):
            with torch.no_grad():
                record.model[0].weight[:2] = 0.0

    run, _ = run_recorder(tiny_model(), tmp_path, epochs=1, extra_callbacks=[ZeroHalf()])
    row = run.history[0]
    assert row["param/sparsity/0.weight"] == 0.5
    assert row["param/sparsity/2.weight"] == 0.0
    total = sum(p.numel() for p in tiny_model().parameters())
    assert row["param/sparsity/total"] == pytest.approx(10 / total)


def test_batchnorm_keys_follow_the_running_statistics(tmp_path):
    run, _ = run_recorder(tiny_model(batchnorm=True), tmp_path)
    row, norm = run.history[-1], run.model[1]
    assert row["bn/running_mean/1"] == pytest.approx(norm.running_mean.mean().item(), rel=1e-5)
    assert row["bn/running_var/1"] == pytest.approx(norm.running_var.mean().item(), rel=1e-5)
    assert row["bn/weight/1"] == pytest.approx(norm.weight.mean().item(), rel=1e-5)
    assert row["bn/bias/1"] == pytest.approx(norm.bias.mean().item(), rel=1e-5)


def test_metric_sets_can_be_switched_off(tmp_path):
    run, _ = run_recorder(tiny_model(), tmp_path, epochs=1, metrics=("norms",))
    keys = {key for key in run.history[0] if "/" in key and key.split("/")[0] in ("param", "grad", "update_ratio", "bn")}
    assert keys and all(key.startswith(("param/l2/", "param/l1/")) for key in keys)


def test_every_steps_rows_go_to_a_csv_in_the_run_folder(tmp_path):
    data, probe = tiny_data(), StepWeights()
    run, folder = run_recorder(tiny_model(), tmp_path, epochs=2, every_steps=2, extra_callbacks=[probe])
    with (folder / "trajectory_steps.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    # 3 steps per epoch, 6 in all: a row at step 0, then at steps 2, 4, 6
    assert [(int(row["epoch"]), int(row["step"])) for row in rows] == [(0, 0), (1, 2), (2, 4), (2, 6)]
    assert rows[0]["grad/l2/total"] == ""  # no gradient before the first step
    assert float(rows[0]["param/dist_init/0.weight"]) == 0.0
    assert math.isfinite(float(rows[1]["update_ratio/total"]))
    last, name = rows[-1], "0.weight"
    steps = batches(data, epochs=2, batch_size=16)
    gradient = gradient_at(tiny_model(), probe.before_step(6), data, steps[5])
    assert float(last[f"grad/l2/{name}"]) == pytest.approx(gradient[name].norm().item(), rel=1e-4)
    assert float(last[f"param/l2/{name}"]) == pytest.approx(run.model[0].weight.norm().item(), rel=1e-5)


def test_initial_metrics_go_to_the_summary(tmp_path):
    initial_l2 = torch.cat([p.detach().reshape(-1) for p in tiny_model().parameters()]).norm().item()
    run, _ = run_recorder(tiny_model(), tmp_path, epochs=1)
    summary = run.summary["trajectory"]["initial"]
    assert summary["param/l2/total"] == pytest.approx(initial_l2, rel=1e-5)
    assert summary["param/dist_init/total"] == 0.0


def test_a_recorder_passed_to_train_reads_the_members_module(store_dir):
    import reglab
    from reglab.trajectory import TrajectoryRecorder
    from tests.conftest import tiny_digits

    recorder = TrajectoryRecorder(metrics=["norms"])
    run = reglab.train(tiny_digits(**{"trajectory.enabled": False}), store=store_dir, callbacks=[recorder])
    weights = torch.cat([p.detach().reshape(-1) for p in run.model.parameters()])
    assert run.history[-1]["param/l2/total"] == pytest.approx(weights.norm().item(), rel=1e-5)
    assert "param/l2/head.weight" in run.history[-1] and "param/dist_init/total" not in run.history[-1]


@pytest.mark.parametrize("shards", [1, 3])
def test_one_recorder_tracks_every_member_of_a_population_as_the_built_in_trajectory(tmp_path, shards):
    """Each member's own weights at fit start, epoch start and its last step's gradients: the
    recorder's keys equal the trajectory unit's, in one piece or in shards (which move the
    members' tensors), and whichever member stops first."""
    from reglab.config import validate_config
    from reglab.population import train_population
    from reglab.trajectory import TrajectoryRecorder
    from tests.conftest import tiny_digits

    from reglab.contract.events import Stop

    class StopSecondMember(Callback):
        def on_epoch_end(self, record):
            return Stop("leaves after epoch 1") if record.member == 1 and record.epoch == 1 else None

    sets = ["norms", "distance", "gradients", "updates"]

    def configs(**keys):
        return [validate_config(tiny_digits(seed=seed, epochs=3, **{"optimizer.lr": 0.05 * (seed + 1), **keys})) for seed in range(3)]

    built_in = train_population(
        configs(**{"trajectory.metrics": sets}), store=tmp_path / "a", shards=shards, callbacks=[StopSecondMember()]
    )
    recorder = TrajectoryRecorder(metrics=sets)
    recorded = train_population(
        configs(**{"trajectory.enabled": False}), store=tmp_path / "b", shards=shards, callbacks=[StopSecondMember(), recorder]
    )
    assert [len(run.history) for run in recorded] == [3, 1, 3]
    assert sorted(recorder.tracks) == [0, 1, 2]
    for expected, got in zip(built_in, recorded):
        assert len(got.history) == len(expected.history)
        for row, reference in zip(got.history, expected.history):
            keys = [key for key in reference if key.split("/")[0] in ("param", "grad", "update_ratio")]
            assert keys and all(key in row for key in keys)
            for key in keys:
                assert row[key] == pytest.approx(reference[key], rel=1e-5, abs=1e-7, nan_ok=True), key
    distances = [run.history[-1]["param/dist_init/total"] for run in recorded]
    assert len(set(distances)) == 3 and min(distances) > 0


def test_a_recorders_state_is_one_runs_and_comes_back():
    from reglab.contract.events import FitRecord
    from reglab.trajectory import TrajectoryRecorder

    model = torch.nn.Sequential(torch.nn.Linear(3, 2))
    recorder = TrajectoryRecorder(metrics=["norms", "distance"])
    recorder.on_fit_start(FitRecord(model, None, None, None, member=0))
    state = recorder.state_dict()
    other = TrajectoryRecorder(metrics=["norms", "distance"])
    other.on_fit_start(FitRecord(torch.nn.Sequential(torch.nn.Linear(3, 2)), None, None, None, member=0))
    other.load_state_dict(state)
    assert torch.equal(other.tracks[0].initial_weights[0], model[0].weight) and other.initial == recorder.initial
    recorder.on_fit_start(FitRecord(model, None, None, None, member=1))  # a population's second member
    with pytest.raises(RuntimeError, match="tracks 2 members"):
        recorder.state_dict()
