"""`reglab compare --preset fantastic-measures`: Jiang et al.'s grid as a population sweep, ranked.

The full grid (1,296 configs) is only counted and validated here; a tiny version of it
(4 configs, 1 epoch, via --set and --vary) is trained and ranked.
"""

from __future__ import annotations

import json
import math
import re

import pytest

from reglab.cli import main
from reglab.compare.presets import SWEEP_PRESETS, get_preset
from reglab.compare.presets.fantastic import FANTASTIC_MEASURES
from reglab.compare.presets.sweep_preset import sweep_spec
from reglab.compare.sweep_ranking import network_level
from reglab.config import ConfigError, validate_config
from reglab.population import group_configs
from reglab.ranking import SweepRuns, collect_sweep
from reglab.ranking.architecture import split_hidden
from reglab.ranking.fitted import fitted_runs
from reglab.store import RunStore
from reglab.sweep.expand import expand_sweep
from tests.conftest import tiny_digits

# 4 configs: two depths × two weight decays, one epoch on 200 signals; two populations of 2.
TINY = [
    "--set", "epochs=1", "--set", "data.train_size=200", "--set", "measures.samples=64",
    "--set", "data.batch_size=64", "--set", "optimizer.name=adam", "--set", "optimizer.lr=0.01",
    "--set", "model.dropout=0.0",
    "--vary", "model.hidden=[8],[8,8]", "--vary", "optimizer.weight_decay=0,0.001",
]


def test_the_grid_crosses_jiangs_seven_hyperparameters_in_over_1000_configs():
    assert SWEEP_PRESETS["fantastic-measures"] is FANTASTIC_MEASURES
    spec = sweep_spec(FANTASTIC_MEASURES)
    assert spec.name == "fantastic-measures" and spec.backend == "population"
    assert spec.config_count() == FANTASTIC_MEASURES.size == 9 * 2 * 2 * 3 * 3 * 4 == 1296
    grid = spec.parameters
    values = {
        "width": {max(hidden) for hidden in grid["model.hidden"]},
        "depth": {len(hidden) for hidden in grid["model.hidden"]},
        "batch size": set(grid["data.batch_size"]),
        "learning rate": set(grid["optimizer.lr"]),
        "weight decay": set(grid["optimizer.weight_decay"]),
        "dropout": set(grid["model.dropout"]),
        "optimizer": set(grid["optimizer.name"]),
    }
    assert values["width"] == {32, 64, 128} and values["depth"] == {1, 2, 3}
    assert values["optimizer"] == {"sgd", "adam"}
    assert all(len(seen) >= 2 for seen in values.values()), values
    assert len(grid) == 6  # width and depth are both model.hidden
    # Width, depth, batch size and optimizer set a population apart (36 shapes); one
    # config of each shape is validated here, the rest differ only in member keys.
    members = ["optimizer.lr=0.01", "optimizer.weight_decay=0.0", "model.dropout=0.0"]
    shapes = [point.config for point in expand_sweep(sweep_spec(FANTASTIC_MEASURES, members))]
    assert len(shapes) == 36 and len(group_configs(shapes, 64)) == 36
    assert {config.data.dataset for config in shapes} == {"mnist1d"}
    assert all(config.measures.names for config in shapes)


def test_set_and_vary_reshape_the_grid_under_its_own_sweep_name():
    spec = sweep_spec(FANTASTIC_MEASURES, ["optimizer.lr=0.01"], ["model.dropout=0,0.5"])
    assert "optimizer.lr" not in spec.parameters and spec.base["optimizer"]["lr"] == 0.01
    assert spec.parameters["model.dropout"] == [0, 0.5]
    assert spec.config_count() == 1296 // 3 // 4 * 2
    assert re.fullmatch(r"fantastic-measures-[0-9a-f]{8}", spec.name)
    with pytest.raises(ConfigError):
        sweep_spec(FANTASTIC_MEASURES, varies=["model.dropout"])
    with pytest.raises(ConfigError, match="fantastic-measures"):
        get_preset("fantastic")  # the error lists the sweep presets too


def test_width_and_depth_are_ranked_as_two_hyperparameters():
    runs = SweepRuns(
        "s", "acc", run_ids=["a", "b", "c"], gaps=[0.1, 0.2, 0.3],
        measures={"measure/x": [1.0, 2.0, 3.0], "measure/alpha/hidden.0.linear": [1.0, 1.0, 1.0]},
        hyperparameters=[{"model.hidden": json.dumps(hidden), "optimizer.lr": 0.1} for hidden in ([8], [8, 8], [16, 16])],
        varied=["model.hidden", "optimizer.lr"],
    )
    split = network_level(split_hidden(runs))
    assert split.varied == ["model.width", "model.depth", "optimizer.lr"]
    assert [(row["model.width"], row["model.depth"]) for row in split.hyperparameters] == [(8, 1), (8, 2), (16, 2)]
    assert list(split.measures) == ["measure/x"]  # per-layer values left out


def test_only_the_runs_that_fit_their_training_set_are_kept(store_dir):
    store = RunStore(store_dir)
    ids = []
    for index, accuracy in enumerate([1.0, 0.5, 0.99, 0.98]):
        run_id = store.start_run("r", validate_config(tiny_digits(seed=index)).to_dict(), sweep="s")
        store.log_epoch(run_id, 1, {"train/acc": accuracy, "test/acc": 0.4, "train/loss": 0.1, "test/loss": 1.0})
        store.finish_run(run_id, "completed", {"measure/x": float(index)})
        ids.append(run_id)
    runs = collect_sweep(store, "s")
    fitted = fitted_runs(runs, store, 0.99)
    assert fitted.run_ids == [ids[0], ids[2]]
    assert fitted.gaps == pytest.approx([0.6, 0.59]) and fitted.measures == {"measure/x": [0.0, 2.0]}
    assert fitted.skipped == {"train acc below 0.99": 2}
    assert len(runs.run_ids) == 4  # the full set is left as it was


def test_tiny_preset_trains_the_grid_as_populations_and_ranks_the_measures(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out = tmp_path / "ranking.html"
    main(["compare", "--preset", "fantastic-measures", *TINY, "--out", str(out), "--store", str(tmp_path / "s")])
    printed = capsys.readouterr().out
    lines = printed.strip().splitlines()
    assert lines[-1] == str(out)
    assert all(len(line) <= 80 for line in lines[:-1])
    runs = RunStore(tmp_path / "s").runs()
    assert len(runs) == 4 and {run.status for run in runs} == {"completed"}
    (sweep,) = {run.sweep for run in runs}
    assert sweep.startswith("fantastic-measures-")
    assert all("measure/pacbayes_sigma" in run.summary and "measure/log_prod_spec" in run.summary for run in runs)
    # The ranking table: one row per network-level measure with a τ and a Ψ over the 4 runs.
    rows = {
        match.group(1): (float(match.group(2)), match.group(3))
        for match in re.finditer(r"^\s*\d+\s+(\S+)\s+([+-]\d\.\d{3})\s+([+-]\d\.\d{3}|—)\s+4$", printed, re.MULTILINE)
    }
    for measure in ("dist_init", "log_prod_spec", "log_prod_fro", "path_norm", "sharpness", "pacbayes_sigma", "alpha"):
        assert measure in rows and -1.0 <= rows[measure][0] <= 1.0
    assert not any("/" in name for name in rows)
    assert f"sweep {sweep}: {len(rows)} measures over 4 runs" in printed
    assert "hyperparameters: model.depth, optimizer.weight_decay" in printed
    page = out.read_text()
    assert '<table class="ranking">' in page and "τ | model.depth" in page
    cells = re.findall(r"<td>([+-]\d\.\d{3})</td>", page)
    assert len(cells) >= 2 * len(rows) and all(math.isfinite(float(cell)) for cell in cells)


@pytest.mark.parametrize(
    ("arguments", "start"),
    [
        (["--vary", "model.dropout"], "error: --vary: got 'model.dropout'; allowed: KEY=V1,V2"),
        (["--set", "optimizer.lr=-1"], "error: optimizer.lr: got -1"),
        (["--vary", "optimizer.lr=abc"], "error: optimizer.lr: got 'abc'"),
        (["{tmp}/a.yaml"], "error: --preset: got 'fantastic-measures' with config files"),
        (["--seeds", "3"], "error: --seeds: got it with --preset fantastic-measures; allowed: --set, --vary"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, arguments, start):
    arguments = [argument.format(tmp=tmp_path) for argument in arguments]
    with pytest.raises(SystemExit) as exit_:
        main(["compare", "--preset", "fantastic-measures", *arguments, "--store", str(tmp_path / "s")])
    assert exit_.value.code == 2
    printed = capsys.readouterr()
    assert printed.err.startswith(start) and printed.err.count("\n") == 1 and printed.out == ""
    assert not (tmp_path / "s").exists()
