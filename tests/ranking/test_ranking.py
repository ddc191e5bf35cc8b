"""`reglab analyze --sweep`: measures ranked by Kendall's τ on stored runs whose τ is known by hand."""

from __future__ import annotations

import math
import re

import pytest

from reglab.cli import main
from reglab.config import validate_config
from reglab.ranking import collect_sweep, granulated_tau, kendall_tau, rank_measures
from reglab.store import RunStore
from tests.conftest import tiny_digits

# A 2 × 2 grid: (lr, hidden) = (0.1, [8]), (0.1, [16]), (0.2, [8]), (0.2, [16]), gaps 0.1, 0.2, 0.4, 0.3.
GRID = [(0.1, [8]), (0.1, [16]), (0.2, [8]), (0.2, [16])]
GAPS = [0.1, 0.2, 0.4, 0.3]
SUMMARY_MEASURES = {
    "measure/perfect": [10 * gap for gap in GAPS],  # τ = 1, Ψ = 1
    "measure/reversed": [-gap for gap in GAPS],  # τ = −1, Ψ = −1
    "measure/mixed": [1.0, 2.0, 3.0, 4.0],  # τ = (5 − 1)/6 = 2/3; Ψ = (1 + 0)/2
    "measure/tied": [1.0, 1.0, 2.0, 2.0],  # τ-b = 4/√((6 − 2)·6) = 0.8165
}
ROW_MEASURE = [4.0, 3.0, 2.0, 1.0]  # in the last epoch row only: τ = −2/3


def _store_sweep(store: RunStore) -> None:
    for index, ((lr, hidden), gap) in enumerate(zip(GRID, GAPS)):
        config = validate_config(tiny_digits(**{"optimizer.lr": lr, "model.hidden": hidden})).to_dict()
        run_id = store.start_run("grid", config, sweep="grid")
        store.log_epoch(run_id, 1, {"train/acc": 0.5, "test/acc": 0.5, "train/loss": 1.0, "test/loss": 1.0})
        store.log_epoch(run_id, 2, {"train/acc": 0.9, "test/acc": 0.0, "train/loss": 0.2, "test/loss": 0.2 + 2 * gap,
                                     "measure/row_only": ROW_MEASURE[index]})
        summary = {key: values[index] for key, values in SUMMARY_MEASURES.items()}
        summary["final_eval"] = {"test/acc": 0.9 - gap, "test/loss": 0.2 + 2 * gap}  # the weights kept
        store.finish_run(run_id, "completed", summary)
    failed = store.start_run("grid", validate_config(tiny_digits(seed=9)).to_dict(), sweep="grid")
    store.finish_run(failed, "failed", {}, error="boom")
    other = store.start_run("other", validate_config(tiny_digits()).to_dict(), sweep="other")
    store.finish_run(other, "completed", {"measure/perfect": 100.0})


@pytest.fixture
def sweep_store(store_dir):
    store = RunStore(store_dir)
    _store_sweep(store)
    return store


def test_kendall_and_granulated_tau_by_hand():
    assert kendall_tau(SUMMARY_MEASURES["measure/mixed"], GAPS) == pytest.approx(2 / 3)
    assert kendall_tau(SUMMARY_MEASURES["measure/tied"], GAPS) == pytest.approx(4 / math.sqrt(24))
    assert kendall_tau([1.0, 1.0, 1.0], [0.1, 0.2, 0.3]) == 0.0  # a constant measure predicts nothing
    assert math.isnan(kendall_tau([1.0, 2.0, 3.0], [0.1, 0.1, 0.1]))  # nothing to predict
    settings = [{"lr": lr, "hidden": str(hidden)} for lr, hidden in GRID]
    psi = granulated_tau(SUMMARY_MEASURES["measure/mixed"], GAPS, settings, ["lr", "hidden"])
    # only lr varies (hidden fixed): both pairs agree, m = 1; only hidden varies: +1 and −1, m = 0
    assert psi.per_hyperparameter == pytest.approx({"lr": 1.0, "hidden": 0.0})
    assert psi.groups == {"lr": 2, "hidden": 2}
    assert psi.psi == pytest.approx(0.5)


@pytest.mark.parametrize("gap", ["acc", "loss"])
def test_ranking_of_stored_runs_matches_the_hand_computed_tau(sweep_store, gap):
    runs = collect_sweep(sweep_store, "grid", gap)
    scale = 1.0 if gap == "acc" else 2.0  # the loss gap is 2·gap: the same order
    assert runs.gaps == pytest.approx([scale * value for value in GAPS])
    assert runs.skipped == {"status failed": 1}
    assert runs.varied == ["model.hidden", "optimizer.lr"]
    ranks = rank_measures(runs)
    assert [rank.name for rank in ranks] == ["measure/perfect", "measure/tied", "measure/mixed", "measure/row_only", "measure/reversed"]
    by_name = {rank.name: rank for rank in ranks}
    assert by_name["measure/perfect"].tau == pytest.approx(1.0) and by_name["measure/perfect"].granulated.psi == pytest.approx(1.0)
    assert by_name["measure/reversed"].granulated.psi == pytest.approx(-1.0)
    assert by_name["measure/mixed"].tau == pytest.approx(2 / 3)
    assert by_name["measure/mixed"].granulated.psi == pytest.approx(0.5)
    assert by_name["measure/mixed"].granulated.per_hyperparameter == pytest.approx({"optimizer.lr": 1.0, "model.hidden": 0.0})
    # tied: +1 where only lr varies; constant where only hidden varies (τ = 0 there)
    assert by_name["measure/tied"].granulated.psi == pytest.approx(0.5)
    assert by_name["measure/row_only"].tau == pytest.approx(-2 / 3)
    assert all(rank.runs == 4 for rank in ranks)


def test_analyze_sweep_prints_an_80_column_table_and_writes_the_page(sweep_store, store_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out = tmp_path / "ranking.html"
    main(["analyze", "--sweep", "grid", "--store", str(store_dir), "--out", str(out)])
    text = capsys.readouterr().out
    assert all(len(line) <= 80 for line in text.splitlines() if not line.startswith("wrote "))
    table_rows = [line.split() for line in text.splitlines() if re.match(r"\s*\d+\s", line)]
    assert [row[1] for row in table_rows] == ["perfect", "tied", "mixed", "row_only", "reversed"]
    assert [row[2] for row in table_rows] == ["+1.000", "+0.816", "+0.667", "-0.667", "-1.000"]
    assert "left out: 1 (status failed)" in text
    assert f"wrote {out}" in text
    page = out.read_text()
    assert page.count("<img src=\"data:image/png;base64,") == 5
    assert "τ | optimizer.lr" in page and "+0.500" in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sweep", "nope"], "--sweep: got 'nope'; allowed: a sweep of this store (grid, other)"),
        (["--sweep", "grid", "--gap", "error"], "--gap: got 'error'; allowed: acc, loss"),
        (["abc", "--sweep", "grid"], "not both"),
        ([], "run id: missing"),
        (["--sweep", "other"], "at least 2 finished runs"),
    ],
)
def test_analyze_sweep_bad_input_exits_2_with_one_line(sweep_store, store_dir, capsys, args, message):
    with pytest.raises(SystemExit) as exit_:
        main(["analyze", *args, "--store", str(store_dir)])
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert message in error and len(error.strip().splitlines()) == 1
    assert not (store_dir / "reports").exists()


def test_a_sweep_without_measures_is_refused(store_dir, capsys):
    store = RunStore(store_dir)
    for lr in (0.1, 0.2):
        run_id = store.start_run("plain", validate_config(tiny_digits(**{"optimizer.lr": lr})).to_dict(), sweep="plain")
        store.log_epoch(run_id, 1, {"train/acc": 0.9, "test/acc": 0.8})
        store.finish_run(run_id, "completed", {})
    with pytest.raises(SystemExit) as exit_:
        main(["analyze", "--sweep", "plain", "--store", str(store_dir)])
    assert exit_.value.code == 2
    assert "record measure/* metrics" in capsys.readouterr().err


def test_the_pairwise_count_equals_scipys_tau_b_with_ties():
    import numpy as np
    from scipy.stats import kendalltau

    from reglab.ranking.kendall import _pairwise_tau_b

    generator = np.random.default_rng(0)
    for size in (3, 7, 40):
        x, y = generator.integers(0, 4, size).astype(float), generator.normal(size=size).round(1)
        assert _pairwise_tau_b(x, y) == pytest.approx(kendalltau(x, y).statistic, abs=1e-12)
    big_x, big_y = generator.normal(size=200), generator.normal(size=200)  # above the pairwise limit: scipy itself
    assert kendall_tau(list(big_x), list(big_y)) == pytest.approx(kendalltau(big_x, big_y).statistic)
