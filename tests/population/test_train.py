"""End to end: population members against single runs of the same configs (the reference)."""

from __future__ import annotations

import math

import pytest
import torch

import reglab
from reglab.population import PopulationUnsupported, train_population
from reglab.store import RunStore, load_weights


def digits(seed: int = 0, lr: float = 0.1, **keys) -> dict:
    config = {
        "seed": seed,
        "epochs": 3,
        "device": "cpu",
        "data": {"dataset": "digits", "train_size": 200, "batch_size": 32},
        "model": {"hidden": [12, 8]},
        "optimizer": {"lr": lr, "momentum": 0.9, "weight_decay": 1e-3},
    }
    for dotted, value in keys.items():
        node = config
        *parents, last = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return config


def assert_same_history(member, single, rtol=1e-5):
    assert len(member.history) == len(single.history)
    for got, expected in zip(member.history, single.history):
        assert set(got) == set(expected)
        for key, value in expected.items():
            if key.startswith("time/") or not math.isfinite(value):
                continue
            assert got[key] == pytest.approx(value, rel=rtol, abs=1e-5), key


def assert_same_weights(got, expected, rtol=1e-5):
    """Two state dicts equal to `rtol`, each tensor's absolute slack `rtol` times its largest
    weight: a weight near zero carries the rounding drift of its neighbours, which grows with
    the epochs and differs between CPU models."""
    assert set(got) == set(expected)
    for name, tensor in expected.items():
        scale = float(tensor.float().abs().max()) if tensor.numel() else 0.0
        torch.testing.assert_close(got[name].float(), tensor.float(), rtol=rtol, atol=rtol * scale, msg=lambda m: f"{name}: {m}")


def assert_close_bounded(member, single):
    """Adam with batch norm amplifies last-bit differences of the stacked kernels (which
    differ between CPU models): compare what stays bounded. Accuracies may differ by one
    sample's worth, losses and norms by 1e-3 relative."""
    assert len(member.history) == len(single.history)
    for got, expected in zip(member.history, single.history):
        assert set(got) == set(expected)
        for key in ("train/loss", "val/loss", "test/loss", "param/l2/total"):
            assert got[key] == pytest.approx(expected[key], rel=1e-3), key
        for key in ("train/acc", "val/acc", "test/acc"):
            assert got[key] == pytest.approx(expected[key], abs=0.02), key


@pytest.mark.parametrize(
    "configs",
    [
        # SGD with momentum and weight decay; members differ in seed, lr, momentum, decay, L2
        [
            digits(0, 0.1),
            digits(1, 0.05, **{"optimizer.momentum": 0.5}),
            digits(2, 0.2, **{"optimizer.weight_decay": 0.0, "regularization.l2": 1e-3}),
            digits(1, 0.1, **{"data.label_noise": 0.3, "model.init": "kaiming_normal"}),
        ],
        # flooding and the orthogonality penalty, each member with its own level and strength
        [
            digits(0, 0.1, **{"regularization.flooding": 0.6}),
            digits(1, 0.1, **{"regularization.orthogonality": 0.05}),
            digits(2, 0.05, **{"regularization.flooding": 0.3, "regularization.orthogonality": 0.2}),
            digits(3, 0.1),
        ],
        # sharpness-aware minimization, each member with its own radius
        [
            digits(0, 0.1, **{"regularization.sam_rho": 0.05}),
            digits(1, 0.05, **{"regularization.sam_rho": 0.2, "optimizer.momentum": 0.5}),
        ],
        # Adam, with batch norm and an L1 penalty on one member
        [
            digits(0, 0.01, **{"optimizer.name": "adam", "model.norm": "batch"}),
            digits(3, 0.003, **{"optimizer.name": "adam", "model.norm": "batch", "regularization.l1": 1e-4}),
        ],
    ],
    ids=["sgd", "flooding-orthogonality", "sam", "adam"],
)
def test_members_reproduce_their_single_runs(store_dir, configs):
    members = train_population(configs, store=store_dir, data_order="independent")
    amplifies_rounding = configs[0]["optimizer"].get("name") == "adam"
    for config, member in zip(configs, members):
        single = reglab.train(config, store=store_dir)
        assert member.status == single.status == "completed"
        if amplifies_rounding:
            assert_close_bounded(member, single)
        else:
            assert_same_history(member, single)
            assert member.summary["final_eval"] == pytest.approx(single.summary["final_eval"], rel=1e-5)
    # different learning rates really give different trajectories
    assert members[0].history[-1]["train/loss"] != pytest.approx(members[1].history[-1]["train/loss"], rel=1e-3)


def test_shared_order_reproduces_members_with_the_order_seed(store_dir):
    configs = [digits(4, 0.1), digits(4, 0.03), digits(5, 0.1)]
    members = train_population(configs, store=store_dir, data_order="shared")
    assert members[0].summary["population"]["order_seed"] == 4
    for config, member in zip(configs[:2], members[:2]):
        assert_same_history(member, reglab.train(config, store=store_dir))
    other = reglab.train(configs[2], store=store_dir)  # seed 5 saw seed 4's order: a different run
    assert member.history[-1]["train/loss"] != pytest.approx(other.history[-1]["train/loss"], rel=1e-4)


def test_stored_members_are_ordinary_runs(store_dir):
    configs = [digits(0, 0.1, **{"model.norm": "batch"}), digits(1, 0.05, **{"model.norm": "batch"})]
    members = train_population(configs, store=store_dir, sweep="grid")
    single = reglab.train(configs[0], store=store_dir)
    with RunStore(store_dir) as store:
        stored = store.runs(sweep="grid")
        assert [run.id for run in stored] == [member.id for member in members]
        for run, member in zip(stored, members):
            assert run.status == "completed" and run.epochs == 3
            history = store.history(run.id)
            assert set(history[-1]) == set(store.history(single.id)[-1])
            folder = store.run_dir(run.id)
            assert {path.name for path in folder.iterdir()} >= {"config.yaml", "metrics.csv", "summary.json", "model.safetensors"}
            weights = load_weights(folder / "model.safetensors")
            assert set(weights) == set(single.model.state_dict())
            assert torch.equal(weights["head.weight"], member.model.state_dict()["head.weight"])
        assert set(single.summary) == set(members[0].summary)
        assert single.summary["population"]["size"] == 1 and members[0].summary["population"]["size"] == len(members)


def test_a_stopped_member_is_frozen_and_dropped(store_dir):
    stopping = {"early_stopping.criterion": "patience", "early_stopping.patience": 1, "epochs": 8}
    # lr 0 never improves val/loss after epoch 1: patience 1 stops it after epoch 2
    configs = [digits(0, 1e-12, **stopping), digits(1, 0.05, **stopping)]
    epochs_seen: list[int] = []
    members = train_population(configs, store=store_dir, on_member_end=lambda run: epochs_seen.append(len(run.history)))
    frozen, running = members
    assert frozen.status == "stopped_early" and len(frozen.history) < 8
    single = reglab.train(configs[0], store=store_dir)
    assert single.status == "stopped_early"
    assert_same_history(frozen, single)
    assert_same_weights(frozen.model.state_dict(), single.model.state_dict())
    assert frozen.summary["stop_epoch"] == single.summary["stop_epoch"]
    assert epochs_seen[0] == len(frozen.history)  # recorded (and dropped) as soon as it stopped
    assert len(running.history) >= len(frozen.history)


def test_unsupported_configs_are_refused_before_the_store(store_dir, monkeypatch):
    """A technique whose unit reads the model (not only its records) is refused, never dropped."""
    from reglab.contract import technique as registry
    from reglab.contract.events import Callback

    class ReadsTheModel(Callback):
        def on_epoch_end(self, record):
            return {"weights": float(sum(p.sum() for p in record.model.parameters()))}

    monkeypatch.setitem(registry._REGISTRY, "tests.reads_the_model", (99, lambda config, model, data: registry.Technique(callbacks=[ReadsTheModel()]), None))
    with pytest.raises(PopulationUnsupported, match="ReadsTheModel"):
        train_population([digits(0), digits(1)], store=store_dir)
    with pytest.raises(PopulationUnsupported, match="share"):
        train_population([digits(0), digits(1, **{"model.hidden": [4]})], store=store_dir)
    assert not (store_dir / "reglab.db").exists()


def test_vmap_engine_matches_the_stacked_engine(store_dir):
    configs = [digits(seed, 0.1 * (seed + 1), **{"model.norm": "batch"}) for seed in range(3)]
    stacked = train_population(configs, store=store_dir, engine="stacked")
    vmapped = train_population(configs, store=store_dir, engine="vmap")
    for a, b in zip(stacked, vmapped):
        assert_same_history(a, b, rtol=1e-4)  # two batch-norm kernels: float32 rounding differs


def test_a_diverging_member_does_not_disturb_the_others(store_dir):
    configs = [digits(0, 1e6, **{"optimizer.momentum": 0.0}), digits(1, 0.05)]
    blown, healthy = train_population(configs, store=store_dir, data_order="independent")
    single_blown = reglab.train(configs[0], store=store_dir)
    assert blown.status == single_blown.status == "diverged"
    assert len(blown.history) == len(single_blown.history) < 3
    assert healthy.status == "completed"
    assert_same_history(healthy, reglab.train(configs[1], store=store_dir))


@pytest.mark.parametrize("schedule", [{"schedule.name": "cosine", "schedule.min_lr": 0.001}, {"schedule.name": "step", "schedule.step_size": 1, "schedule.gamma": 0.5}])
def test_schedules_follow_each_members_learning_rate(store_dir, schedule):
    configs = [digits(0, 0.2, **schedule), digits(1, 0.05, **{**schedule, "augment.label_smoothing": 0.1})]
    configs[0]["augment"] = {"label_smoothing": 0.1}
    members = train_population(configs, store=store_dir, data_order="independent")
    for config, member in zip(configs, members):
        single = reglab.train(config, store=store_dir)
        assert_same_history(member, single)
        assert [row["lr"] for row in member.history] == pytest.approx([row["lr"] for row in single.history], rel=1e-7)
    assert members[0].history[-1]["lr"] < 0.2 and members[1].history[-1]["lr"] < 0.05


def test_a_member_trains_the_same_alone_and_among_others(store_dir):
    """Independent of K and of its neighbours: each member's draws (init, order, dropout) are its own."""
    configs = [digits(seed, 0.05 * (seed + 1), **{"model.dropout": 0.1 * seed, "data.label_noise": 0.05 * seed}) for seed in range(5)]
    together = train_population(configs, store=store_dir, data_order="independent")
    alone = train_population([configs[3]], store=store_dir, data_order="independent")[0]
    assert_same_history(together[3], alone)
    assert_same_history(together[3], reglab.train(configs[3], store=store_dir))


def test_restore_best_ends_each_member_with_its_best_weights(store_dir):
    keys = {"early_stopping.criterion": "patience", "early_stopping.patience": 2, "early_stopping.restore_best": True,
            "epochs": 8, "data.train_size": 60}
    configs = [digits(seed, lr, **keys) for seed, lr in ((0, 0.5), (1, 0.3), (2, 0.05))]
    members = train_population(configs, store=store_dir, data_order="independent")
    restored = [member for member in members if member.summary["restored_epoch"] < len(member.history)]
    assert restored, "no member's best epoch came before its last: the test would not see a restore"
    for config, member in zip(configs, members):
        single = reglab.train(config, store=store_dir)
        assert member.summary["restored_epoch"] == single.summary["restored_epoch"] == single.summary["best_epoch"]
        assert member.summary["final_eval"] == pytest.approx(single.summary["final_eval"], rel=1e-5)
        assert_same_weights(member.model.state_dict(), single.model.state_dict())


@pytest.mark.parametrize("optimizer", [{"optimizer.name": "sgd"}, {"optimizer.name": "adam", "optimizer.momentum": 0.0}])
def test_members_moved_by_rows_equal_their_single_runs(store_dir, optimizer):
    """Members large enough for the fused kernels' row calls (`reglab.population.fused_groups`)
    end with the weights of their single runs, whatever their group of settings (to rel 1e-5:
    a population's batched products may round differently from one run's on another CPU;
    test_optim checks the row calls bit for bit)."""
    from reglab.population.fused_groups import ROW_CALL_ELEMENTS

    large = {"model.hidden": [128, 64], **optimizer}
    configs = [
        digits(0, 0.05, **large),
        digits(1, 0.02, **large, **({"optimizer.momentum": 0.0} if optimizer["optimizer.name"] == "sgd" else {})),
        digits(2, 0.05, **large),
    ]
    members = train_population(configs, store=store_dir, data_order="independent")
    weights = [tensor for name, tensor in members[0].model.named_parameters()]
    assert sum(tensor.numel() for tensor in weights) >= ROW_CALL_ELEMENTS * len(weights)
    for config, member in zip(configs, members):
        single = reglab.train(config, store=store_dir)
        assert_same_weights(member.model.state_dict(), single.model.state_dict())
        assert_same_history(member, single)
    assert not torch.equal(members[0].model.state_dict()["head.weight"], members[2].model.state_dict()["head.weight"])


def test_a_plain_run_imports_neither_scikit_learn_nor_torch_dynamo(tmp_path):
    """A run's start-up pays for neither: the digits are read from scikit-learn's bundled file
    and the schedules' stand-in optimizer never runs torch.optim's first-call import of
    torch._dynamo (each about a second of CPU)."""
    import subprocess
    import sys

    program = (
        "import sys, reglab; "
        f"reglab.train(reglab.load_config(overrides=['data.dataset=digits', 'epochs=1', 'schedule.name=onecycle']), store={str(tmp_path)!r}); "
        "print(sorted(name for name in ('sklearn', 'torch._dynamo', 'torchvision') if name in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"
