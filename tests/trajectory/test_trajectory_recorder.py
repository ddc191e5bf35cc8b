"""The recorder inside the engine's loop, checked against the model's own tensors."""

from __future__ import annotations

import csv
import math

import pytest
import torch
import torch.nn.functional as F
from tests.trajectory.trajectory_helpers import run_recorder, tiny_model

from reglab.contract.events import Callback


class WeightsAt(Callback):
    """Test probe: weights at fit start and at each epoch start, gradient norms at every step."""

    step_every = 1

    def on_fit_start(self, record):
        self.initial = {n: p.detach().clone() for n, p in record.model.named_parameters()}

    def on_epoch_start(self, record):
        self.epoch_start = {n: p.detach().clone() for n, p in record.model.named_parameters()}
        self.step_grads = []

    def on_step_end(self, record):
        self.step_grads.append({n: p.grad.norm().item() for n, p in record.model.named_parameters()})


def test_epoch_metrics_match_the_weights_by_hand():
    model = tiny_model()
    probe = WeightsAt()
    result, _ = run_recorder(model, extra_callbacks=[probe])
    row = result.history[-1]
    flat = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    flat0 = torch.cat([w.reshape(-1) for w in probe.initial.values()])
    for name, parameter in model.named_parameters():
        w, w0 = parameter.detach(), probe.initial[name]
        assert row[f"param/l2/{name}"] == pytest.approx(torch.linalg.norm(w).item(), rel=1e-5)
        assert row[f"param/l1/{name}"] == pytest.approx(w.abs().sum().item(), rel=1e-5)
        assert row[f"param/dist_init/{name}"] == pytest.approx((w - w0).norm().item(), rel=1e-5)
        assert row[f"param/dist_init_rel/{name}"] == pytest.approx(((w - w0).norm() / w0.norm()).item(), rel=1e-5)
        cosine = F.cosine_similarity(w.reshape(-1), w0.reshape(-1), dim=0).item()
        assert row[f"param/cos_init/{name}"] == pytest.approx(cosine, abs=1e-5)
        ratio = ((w - probe.epoch_start[name]).norm() / w.norm()).item()
        assert row[f"update_ratio/{name}"] == pytest.approx(ratio, rel=1e-5)
        # the last step's gradient is still on the parameters after fit
        assert row[f"grad/l2/{name}"] == pytest.approx(parameter.grad.norm().item(), rel=1e-5)
    assert row["param/l2/total"] == pytest.approx(flat.norm().item(), rel=1e-5)
    assert row["param/dist_init/total"] == pytest.approx((flat - flat0).norm().item(), rel=1e-5)
    grads = torch.cat([p.grad.reshape(-1) for p in model.parameters()])
    assert row["grad/l2/total"] == pytest.approx(grads.norm().item(), rel=1e-5)
    assert row["param/sparsity/total"] == 0.0
    assert row["param/near_zero/total"] == pytest.approx((flat.abs() < 1e-3).float().mean().item())


def test_epoch_mean_gradient_mode_averages_every_step():
    model = tiny_model()
    probe = WeightsAt()
    result, _ = run_recorder(model, epochs=1, gradient_mode="epoch_mean", extra_callbacks=[probe])
    assert len(probe.step_grads) == 3
    for name, _ in model.named_parameters():
        mean = sum(step[name] for step in probe.step_grads) / 3
        assert result.history[0][f"grad/l2/{name}"] == pytest.approx(mean, rel=1e-5)


def test_sparsity_sees_zeros_written_into_the_weights():
    model = tiny_model()

    class ZeroHalf(Callback):
        kind = "modifier"  # runs before the recorder, like a pruning step

        def on_epoch_end(self, record):
            with torch.no_grad():
                record.model[0].weight[:2] = 0.0  # 10 of 20 entries

    result, _ = run_recorder(model, epochs=1, extra_callbacks=[ZeroHalf()])
    row = result.history[0]
    assert row["param/sparsity/0.weight"] == 0.5
    assert row["param/sparsity/2.weight"] == 0.0
    total = sum(p.numel() for p in model.parameters())
    assert row["param/sparsity/total"] == pytest.approx(10 / total)


def test_batchnorm_keys_follow_the_running_statistics():
    model = tiny_model(batchnorm=True)
    result, _ = run_recorder(model)
    row, norm = result.history[-1], model[1]
    assert row["bn/running_mean/1"] == pytest.approx(norm.running_mean.mean().item(), rel=1e-5)
    assert row["bn/running_var/1"] == pytest.approx(norm.running_var.mean().item(), rel=1e-5)
    assert row["bn/weight/1"] == pytest.approx(norm.weight.mean().item(), rel=1e-5)
    assert row["bn/bias/1"] == pytest.approx(norm.bias.mean().item(), rel=1e-5)


def test_metric_sets_can_be_switched_off():
    result, recorder = run_recorder(tiny_model(), epochs=1, metrics=("norms",))
    keys = {key for key in result.history[0] if "/" in key and key.split("/")[0] in ("param", "grad", "update_ratio", "bn")}
    assert keys and all(key.startswith(("param/l2/", "param/l1/")) for key in keys)
    assert recorder.gradient_hook is None


def test_every_steps_rows_in_memory_without_a_run_folder():
    model = tiny_model()
    probe = WeightsAt()
    _, recorder = run_recorder(model, epochs=2, every_steps=2, extra_callbacks=[probe])
    # 3 steps per epoch, 6 in all: a row at step 0, then at steps 2, 4, 6
    assert [(row["epoch"], row["step"]) for row in recorder.step_rows] == [(0, 0), (1, 2), (2, 4), (2, 6)]
    last = recorder.step_rows[-1]
    name = "0.weight"
    assert last[f"grad/l2/{name}"] == pytest.approx(model[0].weight.grad.norm().item(), rel=1e-5)
    assert last[f"param/l2/{name}"] == pytest.approx(model[0].weight.norm().item(), rel=1e-5)
    assert recorder.step_rows[0][f"param/dist_init/{name}"] == 0.0


def test_every_steps_rows_go_to_a_csv_in_the_run_folder(tmp_path):
    _, recorder = run_recorder(tiny_model(), epochs=2, every_steps=3, directory=tmp_path)
    with (tmp_path / "trajectory_steps.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(int(row["epoch"]), int(row["step"])) for row in rows] == [(0, 0), (1, 3), (2, 6)]
    assert rows[0]["grad/l2/total"] == ""  # no gradient before the first step
    assert float(rows[2]["grad/l2/total"]) > 0
    assert math.isfinite(float(rows[1]["update_ratio/total"]))
    assert recorder.step_rows == []


def test_initial_metrics_go_to_the_summary():
    model = tiny_model()
    initial_l2 = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).norm().item()
    result, _ = run_recorder(model, epochs=1)
    summary = result.summary["trajectory"]["initial"]
    assert summary["param/l2/total"] == pytest.approx(initial_l2, rel=1e-5)
    assert summary["param/dist_init/total"] == 0.0


def test_a_recorder_passed_to_train_without_a_hook_reads_the_last_gradients(store_dir):
    import reglab
    from reglab.trajectory import TrajectoryRecorder
    from tests.conftest import tiny_digits

    recorder = TrajectoryRecorder(metrics=["gradients", "norms"])
    run = reglab.train(tiny_digits(**{"trajectory.enabled": False}), store=store_dir, callbacks=[recorder])
    grads = torch.cat([p.grad.reshape(-1) for p in run.model.parameters()])
    assert run.history[-1]["grad/l2/total"] == pytest.approx(grads.norm().item(), rel=1e-5)
    assert "param/l2/head.weight" in run.history[-1] and "param/dist_init/total" not in run.history[-1]
