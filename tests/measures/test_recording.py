"""Measures in runs: recorded per epoch and at the end, the same per population member as
in its single run, refused in one line when misconfigured, and absent (no work) when off."""

from __future__ import annotations

import pytest
import torch

import reglab
from reglab.config import ConfigError, load_config, validate_config
from reglab.engine.setup import build_setup
from reglab.measures import distance_from_init
from reglab.measures.callback import MeasureRecorder
from reglab.population import train_population
from tests.conftest import tiny_digits

FAMILIES = ["distance", "norms", "path_norm", "margin", "flatness", "sharpness", "hessian", "spectra"]
KEYS = {"measure/dist_init", "measure/dist_init/hidden.0.linear", "measure/log_prod_spec", "measure/sum_fro",
        "measure/path_norm", "measure/margin", "measure/pacbayes_flatness", "measure/pacbayes_mag_flatness",
        "measure/sharpness", "measure/hessian_top", "measure/hessian_trace", "measure/alpha", "measure/alpha/hidden.0.linear"}


def _config(**overrides):
    settings = {"measures.names": FAMILIES, "measures.samples": 100, "measures.hessian_iterations": 5,
                "measures.trace_samples": 2, "measures.flatness_steps": 6, "measures.flatness_draws": 4}
    settings.update(overrides)
    return validate_config(tiny_digits(**settings))


def _measures(mapping) -> dict[str, float]:
    return {key: value for key, value in mapping.items() if key.startswith("measure/")}


def test_a_run_records_its_measures_every_n_epochs_and_at_the_end(store_dir):
    config = _config(epochs=2, **{"measures.every": 1})
    run = reglab.train(config, store=store_dir)
    for row in run.history:
        assert KEYS <= set(row)
    final = _measures(run.summary)
    assert KEYS <= set(final)
    # the last epoch measured the final weights: the summary repeats its values
    assert final == pytest.approx(_measures(run.history[-1]))
    # and they are those weights' values: the distance from the seeded initial weights
    initial = build_setup(config).model.state_dict()
    expected = distance_from_init(run.model.state_dict(), initial)
    assert final["measure/dist_init"] == pytest.approx(expected["dist_init"], rel=1e-6)
    assert final["measure/dist_init"] > run.history[0]["measure/dist_init"] > 0  # the weights move away
    assert final["measure/hessian_top"] > 0 and final["measure/pacbayes_sigma"] > 0


def test_the_default_measures_only_the_final_weights(store_dir):
    run = reglab.train(_config(epochs=2, **{"measures.names": ["norms"]}), store=store_dir)
    assert all(not _measures(row) for row in run.history)
    assert set(_measures(run.summary)) == {"measure/log_prod_spec", "measure/sum_spec", "measure/log_prod_fro",
                                           "measure/sum_fro", "measure/fro_over_spec"}


def test_a_population_records_each_members_single_run_values(store_dir):
    configs = [_config(seed=seed, epochs=2, **{"optimizer.lr": 0.1 / (seed + 1), "measures.every": 2}) for seed in range(3)]
    runs = train_population(configs, store=store_dir, data_order="independent")
    for config, run in zip(configs, runs):
        alone = reglab.train(config, store=store_dir)
        got, expected = _measures(run.summary), _measures(alone.summary)
        assert set(got) == set(expected) and KEYS <= set(got)
        for key in expected:
            assert got[key] == pytest.approx(expected[key], rel=2e-3, abs=1e-5), key
        assert _measures(run.history[-1]) == pytest.approx(_measures(alone.history[-1]), rel=2e-3, abs=1e-5)
    # different members, different values
    assert len({run.summary["measure/dist_init"] for run in runs}) == 3


def test_a_run_without_the_section_does_no_measure_work(store_dir, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a measure was computed")

    monkeypatch.setattr(MeasureRecorder, "measure", refuse)
    monkeypatch.setattr("reglab.measures.callback.compute_measures", refuse)
    config = validate_config(tiny_digits(epochs=1))
    setup = build_setup(config)
    assert not any(isinstance(callback, MeasureRecorder) for callback in setup.technique.callbacks)
    run = reglab.train(config, store=store_dir)
    assert not _measures(run.summary) and not _measures(run.history[-1])
    train_population([config, validate_config(tiny_digits(epochs=1, seed=1))], store=store_dir)


def test_the_recorder_carries_its_initial_weights_through_a_checkpoint():
    unit = MeasureRecorder(None, 0, torch.nn.Linear(2, 2), None, None)
    unit.initial = {"weight": torch.ones(2, 2)}
    other = MeasureRecorder(None, 0, torch.nn.Linear(2, 2), None, None)
    other.load_state_dict(unit.state_dict())
    torch.testing.assert_close(other.initial["weight"], torch.ones(2, 2))


def test_a_copy_of_the_recorder_shares_what_it_reads_and_copies_its_weights():
    """A population copies a recorder for each member (`Callback.one_run`): never its data."""
    import copy

    data = object()
    unit = MeasureRecorder(None, 0, torch.nn.Linear(2, 2), data, None)
    unit.initial = {"weight": torch.ones(2, 2)}
    twin = copy.deepcopy(unit)
    assert twin.data is data and twin.module is unit.module and MeasureRecorder.one_run
    twin.initial["weight"].zero_()
    assert unit.initial["weight"].eq(1).all()


@pytest.mark.parametrize(
    ("overrides", "key", "allowed"),
    [
        (["measures.names=[norms, curvature]"], "measures.names.1", "'distance'"),
        (["measures.every=0"], "measures.every", "greater than or equal to 1"),
        (["measures.flatness_target=1.5"], "measures.flatness_target", "less than 1"),
        (["measures.colour=red"], "measures.colour", "known keys under measures"),
    ],
)
def test_bad_measures_keys_are_refused_in_one_line(overrides, key, allowed):
    with pytest.raises(ConfigError) as caught:
        load_config(overrides=overrides)
    message = str(caught.value)
    assert message.startswith(f"{key}: got") and allowed in message and "\n" not in message


def test_measures_a_run_cannot_compute_are_refused_before_training(store_dir):
    with pytest.raises(ConfigError, match=r"^measures.names: got 'margin'; allowed: .*regression"):
        reglab.train(validate_config(tiny_digits(**{"data.dataset": "toy_regression", "data.train_size": None, "measures.names": ["margin"]})), store=store_dir)
    with pytest.raises(ConfigError, match=r"^measures.every: got 5; allowed: 1 to 2"):
        reglab.train(_config(epochs=2, **{"measures.every": 5}), store=store_dir)


class _InterruptAt(reglab.Callback):
    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_start(self, record) -> None:
        if record.epoch == self.epoch:
            raise KeyboardInterrupt


def test_a_resumed_run_measures_the_distance_from_its_first_initial_weights(store_dir):
    from reglab.store import RunStore

    config = _config(epochs=3, **{"measures.names": ["distance"], "measures.every": 1})
    whole = reglab.train(config, store=store_dir)
    with pytest.raises(KeyboardInterrupt):
        reglab.train(config, store=store_dir, callbacks=[_InterruptAt(3)])
    stopped = next(run for run in RunStore(store_dir).runs() if run.status == "interrupted")
    resumed = reglab.resume(stopped.id, store=store_dir)
    assert [row["measure/dist_init"] for row in resumed.history] == pytest.approx([row["measure/dist_init"] for row in whole.history])
    assert resumed.summary["measure/dist_init"] == pytest.approx(whole.summary["measure/dist_init"])


def test_a_diverged_run_still_ends_as_diverged(store_dir):
    """Huge finite weights are measured as they are (an infinite loss gives no crash);
    non-finite weights, on which no measure is defined, give no values."""
    config = {"data": {"dataset": "toy_regression"}, "epochs": 30, "device": "cpu", "optimizer": {"lr": 5.0, "momentum": 0.9},
              "measures": {"names": ["distance", "norms", "sharpness", "hessian", "spectra"], "samples": 20}}
    run = reglab.train(config, store=store_dir)
    assert run.status == "diverged"
    assert run.summary["measure/dist_init"] > 1e6
    unit = MeasureRecorder(validate_config(config).measures, 0, torch.nn.Linear(2, 2), None, None)
    assert unit.measure({"weight": torch.full((2, 2), float("nan")), "bias": torch.zeros(2)}) == {}
