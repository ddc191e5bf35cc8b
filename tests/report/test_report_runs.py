"""Reading runs back for a report: labels, series, config differences, layer order."""

from __future__ import annotations

import math

import pytest

from reglab.config import ConfigError
from reglab.report import config_differences, load_report_runs
from reglab.report.runs import layer_names, network_order
from tests.report.conftest import make_history, store_run


def test_runs_read_back_with_history_and_unique_labels(store):
    first = store_run(store, "same", make_history(1.0))
    second = store_run(store, "same", make_history(2.0))
    other = store_run(store, "other", make_history(1.0))
    runs = load_report_runs(store, [first[:6], second, other])
    assert [run.id for run in runs] == [first, second, other]
    assert runs[0].label == f"same ({first[:6]})" and runs[1].label == f"same ({second[:6]})"
    assert runs[2].label == "other"
    epochs, values = runs[1].series("param/l2/total")
    assert epochs.tolist() == [1, 2, 3, 4, 5, 6]
    assert values[-1] == pytest.approx(2.0 * math.sqrt(3.8**2 + 1.6**2))
    assert runs[0].last("train/acc") == pytest.approx(0.98)
    assert not runs[0].has("val/missing")


def test_unknown_run_id_is_a_one_line_config_error(store):
    store_run(store, "a", make_history())
    with pytest.raises(ConfigError) as error:
        load_report_runs(store, ["nope"])
    assert str(error.value).startswith("run id: got 'nope'; allowed:")


def test_config_differences_between_runs_and_against_defaults(store):
    plain = store_run(store, "plain", make_history())
    decayed = store_run(store, "decay", make_history(), [("optimizer.weight_decay", 5e-4), ("model.hidden", [32, 16])])
    against, rows = config_differences(load_report_runs(store, [plain, decayed]))
    assert against == "each other"
    assert dict(rows) == {"optimizer.weight_decay": [0.0, 5e-4], "model.hidden": [[64], [32, 16]]}
    against, rows = config_differences(load_report_runs(store, [decayed]))
    assert against == "reglab's defaults"
    # device=cpu is set by the fixture; name is never a difference.
    assert dict(rows) == {"device": ["cpu"], "optimizer.weight_decay": [5e-4], "model.hidden": [[32, 16]]}


def test_layers_come_in_network_order_not_alphabetical(store):
    run = load_report_runs(store, [store_run(store, "a", make_history())])
    assert layer_names(run, "param/l2/") == ["hidden.0.linear.weight", "head.weight"]
    names = ["head.weight", "hidden.10.linear.weight", "hidden.2.linear.weight", "hidden.2.linear.bias"]
    assert sorted(names, key=network_order) == [
        "hidden.2.linear.bias", "hidden.2.linear.weight", "hidden.10.linear.weight", "head.weight",
    ]
