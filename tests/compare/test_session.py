"""Planning a comparison (validated before anything runs) and running it to a report."""

from __future__ import annotations

import pytest
import yaml

from reglab.compare.session import plan_comparison, run_comparison
from reglab.config import ConfigError
from reglab.store import RunStore
from tests.conftest import tiny_digits


def _write(path, tree):
    path.write_text(yaml.safe_dump(tree))
    return path


def test_files_are_runs_labelled_by_name_and_set_wins(tmp_path):
    first = _write(tmp_path / "plain.yaml", tiny_digits(epochs=5))
    second = _write(tmp_path / "decay.yaml", tiny_digits(**{"epochs": 5, "optimizer.weight_decay": 1e-3}))
    plan = plan_comparison([first, second], sets=["epochs=1"])
    assert [config.name for config in plan.configs] == ["plain", "decay"]
    assert [config.epochs for config in plan.configs] == [1, 1]
    assert plan.configs[1].optimizer.weight_decay == 1e-3
    assert plan.title == "reglab compare: plain, decay"


def test_files_crossed_with_vary(tmp_path):
    first = _write(tmp_path / "a.yaml", tiny_digits())
    plan = plan_comparison([first], varies=["optimizer.lr=0.1,0.01"])
    assert [config.name for config in plan.configs] == ["a | optimizer.lr=0.1", "a | optimizer.lr=0.01"]
    assert [config.optimizer.lr for config in plan.configs] == [0.1, 0.01]


def test_preset_with_set_applies_to_every_variant():
    plan = plan_comparison(preset="seed000-lab", sets=[("epochs", 2), "pruning.start_epoch=1"])
    assert all(config.epochs == 2 for config in plan.configs)
    assert plan.configs[1].optimizer.weight_decay == 5e-4 and plan.configs[0].optimizer.weight_decay == 0.0
    assert plan.title == "Seed 000's regularization lab on digits"


@pytest.mark.parametrize(
    ("arguments", "start"),
    [
        ({}, "compare: got 'nothing to compare'; allowed: config files, --vary"),
        ({"preset": "nope"}, "--preset: got 'nope'; allowed: seed000-lab"),
        ({"varies": ["optimizer.lr=-1,0.1"]}, "optimizer.lr: got -1"),
        ({"varies": ["optimizer.lrr=0.1"]}, "optimizer.lrr: got 0.1; allowed: known keys under optimizer"),
    ],
)
def test_bad_input_fails_before_anything_runs(arguments, start):
    with pytest.raises(ConfigError) as error:
        plan_comparison(**arguments)
    assert str(error.value).startswith(start)


def test_configs_with_different_seeds_are_refused_unless_seed_is_varied(tmp_path):
    first = _write(tmp_path / "a.yaml", tiny_digits(seed=0))
    second = _write(tmp_path / "b.yaml", tiny_digits(seed=1))
    with pytest.raises(ConfigError) as error:
        plan_comparison([first, second])
    assert str(error.value).startswith("seed: got [0, 1]; allowed: one seed for every compared run")
    assert len(plan_comparison([first], varies=["seed=0,1"]).configs) == 2
    assert plan_comparison([first, second], sets=["seed=3"]).configs[1].seed == 3


def test_comparison_trains_stores_and_reports(tmp_path):
    source = _write(tmp_path / "base.yaml", tiny_digits(epochs=3))
    plan = plan_comparison([source], varies=["optimizer.weight_decay=0.0,0.05"], sets=["device=cpu"])
    store = RunStore(tmp_path / "store")
    seen = []
    result = run_comparison(plan, store, on_run=lambda run: seen.append(run.name))
    assert seen == ["base | optimizer.weight_decay=0.0", "base | optimizer.weight_decay=0.05"]
    assert [run.name for run in store.runs()] == seen
    assert result.report.parent == tmp_path / "store" / "reports" and result.report.suffix == ".html"
    text = result.report.read_text()
    assert '<td><span class="word">optimizer.weight_decay</span></td><td>0</td><td>0.05</td>' in text
    assert text.count("<img ") >= 6
    plain, decayed = result.runs
    # Same seed and split: identical data, and the decayed run ends with the smaller norm.
    assert plain.data.train_y.tolist() == decayed.data.train_y.tolist()
    assert decayed.history[-1]["param/l2/total"] < plain.history[-1]["param/l2/total"]


def test_population_backend_reproduces_the_sequential_comparison(tmp_path):
    source = _write(tmp_path / "base.yaml", tiny_digits(epochs=3))
    plan = plan_comparison(
        [source],
        varies=["optimizer.weight_decay=0.0,0.05", "seed=0,1"],
        sets=["device=cpu", "model.hidden=[12]"],
    )
    sequential = run_comparison(plan, RunStore(tmp_path / "one-by-one"))
    seen = []
    together = run_comparison(plan, RunStore(tmp_path / "together"), on_run=lambda run: seen.append(run.name), backend="population")
    assert [run.name for run in together.runs] == [run.name for run in sequential.runs] and len(seen) == 4
    for single, member in zip(sequential.runs, together.runs):
        assert member.summary["population"]["size"] == 4  # one population: the same shape
        assert member.data.train_y.tolist() == single.data.train_y.tolist()
        for key in ("train/loss", "test/acc", "param/l2/total"):
            assert member.history[-1][key] == pytest.approx(single.history[-1][key], rel=1e-5), key


def test_population_backend_trains_a_config_alone_in_its_group_as_a_population_of_one(tmp_path):
    source = _write(tmp_path / "base.yaml", tiny_digits(epochs=1))
    plan = plan_comparison([source], varies=["augment.mixup_alpha=0.0,0.2,0.4"], sets=["device=cpu"])
    runs = run_comparison(plan, RunStore(tmp_path / "store"), backend="population").runs
    # the two mixup strengths share a population; the plain config (labels, not mixed
    # targets) is alone in its group: a population of one
    assert [run.summary["population"]["size"] for run in runs] == [1, 2, 2]
    assert [run.name for run in runs] == [f"base | augment.mixup_alpha={value}" for value in ("0.0", "0.2", "0.4")]
