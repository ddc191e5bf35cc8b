"""`robustness.*`: accuracy under attack of the weights a run (or each population member) ends with."""

from __future__ import annotations

import pytest
import torch

import reglab
from reglab.config import ConfigError, validate_config
from reglab.objective.losses import make_objective
from reglab.population import train_population
from reglab.robustness import AttackGrid, fgsm, metric_key, robust_metrics
from tests.conftest import tiny_digits

ROBUST = {"robustness.eps": [0.1, 0.5], "robustness.norms": ["linf", "l2"], "robustness.pgd_steps": 3, "robustness.examples": 100}


def _robust(summary_or_row) -> dict[str, float]:
    return {key: value for key, value in summary_or_row.items() if key.startswith("robust/")}


def test_a_run_records_every_attack_norm_and_radius_and_trains_as_without_them(store_dir):
    plain = reglab.train(tiny_digits(**{"model.dropout": 0.2}), store=store_dir)
    run = reglab.train(tiny_digits(**{"model.dropout": 0.2, **ROBUST, "robustness.every": 1}), store=store_dir)
    expected = {"robust/clean/acc", "robust/clean/loss"} | {
        metric_key(attack, norm, eps, quantity)
        for attack in ("fgsm", "pgd") for norm in ("linf", "l2") for eps in (0.1, 0.5) for quantity in ("acc", "loss")
    }
    assert set(_robust(run.summary)) == expected
    assert all(set(_robust(row)) == expected for row in run.history)
    # measuring rebuilds a network but leaves the run's random stream (dropout draws) alone
    assert [row["train/loss"] for row in run.history] == [row["train/loss"] for row in plain.history]
    # the final weights measured at fit_end are those of the last epoch's row
    assert _robust(run.summary) == pytest.approx(_robust(run.history[-1]), rel=1e-6)
    # clean accuracy is the test accuracy on those 100 examples; attacks only lower it
    summary = run.summary
    assert summary["robust/fgsm/linf/0.5/acc"] <= summary["robust/fgsm/linf/0.1/acc"] <= summary["robust/clean/acc"]
    assert summary["robust/pgd/linf/0.5/loss"] > summary["robust/clean/loss"]


def test_fgsm_accuracy_is_that_of_the_formula_applied_to_the_final_model(store_dir):
    run = reglab.train(tiny_digits(**ROBUST), store=store_dir)
    model, data = run.model.eval(), run.data
    inputs, labels = data.test_x[:100], data.test_y[:100]

    def loss(stack):
        return torch.nn.functional.cross_entropy(model(stack[0]), labels, reduction="sum")

    attacked = fgsm(loss, inputs.unsqueeze(0), torch.tensor([0.1]), "linf")[0]
    with torch.no_grad():
        accuracy = int((model(attacked).argmax(dim=1) == labels).sum()) / 100
    assert run.summary["robust/fgsm/linf/0.1/acc"] == pytest.approx(accuracy, abs=1e-9)
    objective = make_objective("auto", data.task, data.num_classes)
    direct = robust_metrics(model, objective, inputs, labels, AttackGrid(eps=(0.1,), attacks=("fgsm",)))
    assert direct["robust/fgsm/linf/0.1/acc"] == pytest.approx(accuracy, abs=1e-9)


def test_each_population_member_is_measured_as_its_single_run(store_dir):
    configs = [
        validate_config(tiny_digits(seed=seed, **{"optimizer.lr": 0.05 * (seed + 1), "robustness.every": 1}, **ROBUST)) for seed in range(2)
    ]
    members = train_population(configs, store=store_dir, data_order="independent")
    for config, member in zip(configs, members):
        single = reglab.train(config, store=store_dir)
        assert len(_robust(member.summary)) == 2 + 2 * 2 * 2 * 2
        assert _robust(member.summary) == pytest.approx(_robust(single.summary), rel=1e-4, abs=1e-5)
        for got, expected in zip(member.history, single.history):  # every epoch too (robustness.every)
            assert _robust(got) and _robust(got) == pytest.approx(_robust(expected), rel=1e-4, abs=1e-5)


def test_no_radii_no_unit():
    from reglab.robustness.technique import build_technique

    assert build_technique(validate_config(tiny_digits()), None, None) is None


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"robustness.eps": [0.1, -0.2]}, "robustness.eps"),
        ({"robustness.eps": [0.1], "robustness.norms": ["l3"]}, "robustness.norms"),
        ({"robustness.eps": [0.1], "robustness.attacks": []}, "robustness.attacks"),
        ({"robustness.eps": [0.1], "robustness.examples": 0}, "robustness.examples"),
    ],
)
def test_bad_robustness_keys_name_the_key(overrides, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        validate_config(tiny_digits(**overrides))


def test_a_regression_run_is_refused_in_one_line(store_dir):
    config = tiny_digits(**{"data.dataset": "toy_regression", "data.train_size": None, "robustness.eps": [0.1]})
    with pytest.raises(ConfigError, match=r"robustness\.eps.*regression"):
        reglab.train(config, store=store_dir)


def test_the_last_row_carries_the_final_measurement_and_restored_weights_are_measured_again(store_dir):
    from reglab.store import RunStore
    from reglab.store.export import run_row

    run = reglab.train(tiny_digits(epochs=3, **ROBUST), store=store_dir)
    assert [bool(_robust(row)) for row in run.history] == [False, False, True]
    assert _robust(run.summary) == _robust(run.history[-1])
    assert run_row(RunStore(store_dir).get_run(run.id))["robust/pgd/l2/0.5/acc"] == run.summary["robust/pgd/l2/0.5/acc"]
    # restore_best: the run ends with its best epoch's weights, which fit_end measures
    restored = reglab.train(tiny_digits(epochs=3, **{"optimizer.lr": 2.0, "early_stopping.criterion": "patience",
                                                     "early_stopping.restore_best": True, "early_stopping.monitor": "val/loss",
                                                     "data.val_size": 0.2}, **ROBUST), store=store_dir)
    objective = make_objective("auto", "classification", 10)
    data = restored.data
    direct = robust_metrics(restored.model, objective, data.test_x[:100], data.test_y[:100], AttackGrid(eps=(0.1,), attacks=("fgsm",)))
    assert restored.summary["robust/fgsm/linf/0.1/acc"] == pytest.approx(direct["robust/fgsm/linf/0.1/acc"], abs=1e-9)
    assert restored.summary["restored_epoch"] == 1  # lr 2: epoch 1 has the lowest val loss
    assert restored.summary["robust/fgsm/linf/0.1/acc"] != restored.history[-1]["robust/fgsm/linf/0.1/acc"]
