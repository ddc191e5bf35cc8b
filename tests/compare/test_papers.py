"""The papers' presets: each measurement checked on hand-made histories, and each preset's
report, on a tiny version of its own config, holding the paper's table."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import reglab
from reglab.compare.papers import criterion_table, fit_time_table, stop_on_history, ticket_points, ticket_table
from reglab.compare.papers.prechelt import criterion_rows
from reglab.compare.papers.tickets import CONTROL_ARM, nearest_rounds
from reglab.compare.notes import preset_notes
from reglab.compare.session import plan_comparison, run_comparison
from reglab.compare.training import train_runs
from reglab.store import RunStore
from tests.conftest import tiny_digits


def _rows(val, test, train=None):
    train = train or [0.5 + 0.01 * epoch for epoch in range(len(val))]
    return [{"epoch": epoch + 1, "train/acc": tr, "val/acc": va, "test/acc": te}
            for epoch, (tr, va, te) in enumerate(zip(train, val, test))]


# ---------------------------------------------------------------- Prechelt 1998

def test_replayed_criteria_stop_where_the_live_stopper_stops():
    """The offline replay is the live `EarlyStopping`: on the history of a run trained to the
    end it stops at the epoch (and keeps the epoch) where a live run of the same config stopped."""
    base = tiny_digits(epochs=20, **{"data.label_noise": 0.4, "data.val_size": 0.3, "model.hidden": [64],
                                     "optimizer.name": "adam", "optimizer.lr": 3e-3})
    full = reglab.train(reglab.load_config(base=base))
    fired = 0
    for keys in ({"criterion": "gl", "alpha": 1.0}, {"criterion": "pq", "alpha": 0.5, "strip": 2},
                 {"criterion": "up", "successive_strips": 2, "strip": 2}):
        live = reglab.train(reglab.load_config(base=base, overrides=[
            *((f"early_stopping.{key}", value) for key, value in keys.items()), ("early_stopping.monitor", "val/acc")]))
        replayed = stop_on_history(full.history, keys)
        live_stop = live.summary["stop_epoch"]
        assert replayed.fired == (live_stop is not None)
        assert replayed.stop_epoch == (live_stop or 20) == len(live.history)
        assert replayed.kept_epoch == live.summary["best_epoch"]
        fired += replayed.fired
    assert fired >= 2  # the check compares real stops, not two runs that never stopped


def test_criterion_rows_by_hand():
    # val acc peaks at epoch 3 (error 0.1), GL_1 fires at epoch 4 (error 0.2: GL = 100)
    one = _rows(val=[0.7, 0.8, 0.9, 0.8, 0.8, 0.8], test=[0.6, 0.7, 0.8, 0.75, 0.75, 0.75])
    # val keeps improving: nothing fires, t_s = 6 = t_opt
    two = _rows(val=[0.5, 0.6, 0.7, 0.8, 0.85, 0.9], test=[0.5, 0.6, 0.7, 0.8, 0.85, 0.9])
    rows = {row["criterion"]: row for row in criterion_rows([one, two], [("GL_1", {"criterion": "gl", "alpha": 1.0})])}
    best, last, gl = rows["t_opt (best val)"], rows["no stopping"], rows["GL_1"]
    assert best["epochs"] == 4.5 and best["slowness_opt"] == 1.0 and best["error_ratio"] == 1.0
    assert last["epochs"] == 6.0 and last["slowness_opt"] == pytest.approx((6 / 3 + 1) / 2)
    assert last["error_ratio"] == pytest.approx((0.25 / 0.2 + 1) / 2)
    assert gl["fired"] == 0.5 and gl["epochs"] == 5.0 and gl["slowness_opt"] == pytest.approx((4 / 3 + 1) / 2)
    assert gl["error_ratio"] == pytest.approx(1.0) and gl["found_opt"] == 1.0 and gl["slowness_fastest"] == 1.0
    assert gl["test_acc"] == pytest.approx((0.8 + 0.9) / 2)
    text = criterion_table([one, two], [("GL_1", {"criterion": "gl", "alpha": 1.0})])
    assert text.splitlines()[0].startswith("2 runs")
    assert [line.split()[0] for line in text.splitlines()[2:5]] == ["t_opt", "no", "GL_1"]
    assert max(len(line) for line in text.splitlines()) <= 80


def test_early_stopping_preset_plans_256_population_runs():
    plan = plan_comparison(preset="early-stopping")
    assert len(plan.configs) == 256 and plan.preset.backend == "population"
    assert sorted({config.seed for config in plan.configs}) == list(range(16))
    assert {config.data.label_noise for config in plan.configs} == {0.1, 0.2, 0.3, 0.4}
    assert all(config.early_stopping.criterion == "none" for config in plan.configs)


def _test_at_best_val(run):
    accuracies = [row["val/acc"] for row in run.history]
    return run.history[accuracies.index(max(accuracies))]["test/acc"]


def test_early_stopping_notes_hold_prechelts_table(tmp_path):
    plan = plan_comparison(preset="early-stopping", sets=["epochs=10", "data.train_size=100", "device=cpu"], seeds=2)
    runs = train_runs(plan.configs[:4], RunStore(tmp_path / "store"), "population")  # 2 configs × 2 seeds
    notes = preset_notes(plan.preset, runs)
    table = notes[1].text
    assert notes[1].title == "Measured: Prechelt's criteria replayed on every run"
    assert notes[1].figure.key == "early-stopping-tradeoff" and notes[1].figure.figure is not None
    assert table.startswith("4 runs")
    lines = {line.split()[0]: line.split() for line in table.splitlines()[2:16]}
    assert set(lines) >= {"t_opt", "no", "GL_1", "GL_5", "PQ_0.5", "PQ_3", "UP_2", "UP_4"}
    assert float(lines["t_opt"][-1]) == pytest.approx(sum(_test_at_best_val(run) for run in runs) / 4, abs=5e-4)
    assert float(lines["no"][-1]) == pytest.approx(sum(run.history[-1]["test/acc"] for run in runs) / 4, abs=5e-4)


# ---------------------------------------------------------------- Frankle & Carbin 2019

def _lottery_run(name, accuracies, fractions=None):
    fractions = fractions or [0.8 ** index for index in range(len(accuracies))]
    rounds = [{"round": index, "sparsity": 1 - fraction, "final_test/acc": acc}
              for index, (fraction, acc) in enumerate(zip(fractions, accuracies))]
    lottery = SimpleNamespace(method="lottery", control="rewind", mask_round=None)
    return SimpleNamespace(name=name, summary={"lottery": rounds}, config=SimpleNamespace(pruning=lottery), history=[])


def _control_run(round_index, fraction, accuracy):
    pruning = SimpleNamespace(method="fixed_mask", mask_round=round_index)
    return SimpleNamespace(name=f"re-init, round {round_index} mask", summary={"sparsity": 1 - fraction},
                           config=SimpleNamespace(pruning=pruning), history=[{"epoch": 10, "test/acc": accuracy}])


def test_ticket_points_take_medians_and_mark_the_nearest_rounds():
    runs = [_lottery_run("ticket", [0.9] * 11 + [0.8] * 4), _lottery_run("ticket", [0.95] * 15),
            _lottery_run("ticket", [0.92] * 15), _lottery_run("control", [0.9] * 15)]
    points = ticket_points(runs)
    assert [point.median for point in points["ticket"]][:2] == [0.92, 0.92]
    assert points["ticket"][13].median == 0.92 and points["ticket"][13].accuracies == (0.8, 0.95, 0.92)
    marked = nearest_rounds(points["ticket"])
    assert [marked[target].round for target in (0.2, 0.1, 0.05)] == [7, 10, 13]
    text = ticket_table(points, "ticket", "control")
    assert "20 % (round 7, 21.0% left): ticket 0.920, +0.0 pt vs dense, +2.0 pt vs control" in text
    assert "5 % (round 13, 5.5% left)" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_same_mask_controls_are_keyed_by_round_and_the_claims_are_checked():
    """Tickets on the exact schedule; the control's rounds come from separate runs (two seeds each)."""
    fractions = [1.0, 0.5, 0.2, 0.1, 0.05]
    runs = [_lottery_run("ticket", [0.95, 0.95, 0.945, 0.93, 0.90], fractions),
            _lottery_run("ticket", [0.97, 0.96, 0.955, 0.94, 0.91], fractions)]
    # seeds of one round out of order, and round 4 before round 1: keyed by mask_round
    runs += [_control_run(4, 0.05, 0.70), _control_run(4, 0.05, 0.80), _control_run(1, 0.5, 0.96),
             _control_run(1, 0.5, 0.94), _control_run(2, 0.2, 0.93), _control_run(2, 0.2, 0.91),
             _control_run(3, 0.1, 0.85), _control_run(3, 0.1, 0.87)]
    points = ticket_points(runs)
    assert list(points) == ["ticket", CONTROL_ARM]
    control = points[CONTROL_ARM]
    assert [point.round for point in control] == [1, 2, 3, 4]
    assert control[3].accuracies == (0.70, 0.80) and control[3].median == pytest.approx(0.75)
    assert control[1].remaining == pytest.approx(0.2)
    lines = ticket_table(points, "ticket", CONTROL_ARM).splitlines()
    assert lines[5].split() == ["2", "20.0%", "0.950", "(0.945–0.955)", "0.920", "(0.910–0.930)", "+3.0", "pt", "←", "20", "%"]
    assert lines[3].split()[4:6] == ["–", "–"]  # round 0: the dense network, no control run
    text = "\n".join(lines)
    assert "claim 1, ticket within 1 pt of dense at 20 %: holds (-1.0 pt)" in text  # 0.950 vs dense 0.960
    assert "claim 2, ticket above control at 5 %: holds (+15.5 pt)" in text  # 0.905 vs 0.750
    worse = [_lottery_run("ticket", [0.95, 0.95, 0.90, 0.85, 0.60], fractions), *runs[2:]]
    text = ticket_table(ticket_points(worse), "ticket", CONTROL_ARM)
    assert "claim 1, ticket within 1 pt of dense at 20 %: does not hold (-5.0 pt)" in text
    assert "claim 2, ticket above control at 5 %: does not hold (-15.0 pt)" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_lottery_preset_trains_tickets_then_same_mask_controls_and_reports_them(tmp_path, monkeypatch):
    import reglab.report

    real = reglab.report.write_report  # the note's figure only: the runs' own figures cost seconds here
    monkeypatch.setattr("reglab.report.write_report", lambda store, ids, *rest: real(store, [], *rest))
    plan = plan_comparison(preset="lottery-ticket", seeds=2, sets=[
        "epochs=1", "pruning.remaining=[0.5,0.2,0.1]", "model.hidden=[32,16]", "data.train_size=200", "device=cpu"])
    assert [config.name for config in plan.configs] == ["rewind to init (ticket)"] * 2
    store = RunStore(tmp_path / "store")
    result = run_comparison(plan, store, figures_dir=tmp_path / "figures")
    tickets, controls = result.runs[:2], result.runs[2:]
    assert [run.name for run in controls] == [f"re-init, round {r} mask ({p} %)" for r, p in ((1, 50), (2, 20), (3, 10)) for _ in (0, 1)]
    assert [(run.config.seed, run.config.pruning.mask_round) for run in controls] == [(0, 1), (1, 1), (0, 2), (1, 2), (0, 3), (1, 3)]
    assert {run.summary["population"]["size"] for run in controls} == {6}  # one population of controls
    for run in controls:  # each control trains under its own ticket's mask of its round
        ticket = tickets[run.config.seed]
        kept = 1 - ticket.summary["lottery"][run.config.pruning.mask_round]["sparsity"]
        assert 1 - run.summary["sparsity"] == pytest.approx(kept, abs=1e-12)
        assert run.config.pruning.mask_file == str(store.run_dir(ticket.id).resolve())
    note = result.notes[1]
    assert note.title == "Measured: test accuracy at the end of each round" and note.figure is not None
    lines = note.text.splitlines()
    assert lines[0] == "test accuracy, median over 2 seeds (min–max)"
    assert lines[1] == f"ticket: rewind to init (ticket); control: {CONTROL_ARM}"
    ticket = sorted(run.summary["lottery"][2]["final_test/acc"] for run in tickets)
    control = sorted(run.history[-1]["test/acc"] for run in controls[2:4])
    assert lines[5].split()[:6] == ["2", "20.0%", f"{(ticket[0] + ticket[1]) / 2:.3f}", f"({ticket[0]:.3f}–{ticket[1]:.3f})",
                                    f"{(control[0] + control[1]) / 2:.3f}", f"({control[0]:.3f}–{control[1]:.3f})"]
    assert "dense network (round 0, 100 % of the weights)" in note.text
    # the note's figure is embedded in the report and saved with the others
    assert 'alt="Test accuracy vs weights remaining"' in result.report.read_text()
    assert (tmp_path / "figures" / "lottery-tickets.png").exists()


def test_the_presets_fractions_land_on_20_10_and_5_percent():
    from reglab.compare.presets.seed000 import LOTTERY_FRACTIONS
    from reglab.pruning.schedule import fraction_schedule

    assert LOTTERY_FRACTIONS == fraction_schedule(0.2, (0.2, 0.1, 0.05))
    assert [LOTTERY_FRACTIONS[index] for index in (6, 9, 12)] == [0.2, 0.1, 0.05]


# ---------------------------------------------------------------- Zhang et al. 2017

def test_fit_time_table_by_hand():
    true = SimpleNamespace(name="true labels", summary={}, history=[
        {"epoch": 1, "train/acc": 0.9, "test/acc": 0.8}, {"epoch": 2, "train/acc": 1.0, "test/acc": 0.9}])
    noisy = SimpleNamespace(name="random labels", summary={}, history=[
        {"epoch": e, "train/acc": a, "test/acc": 0.1} for e, a in enumerate([0.1, 0.5, 0.96, 0.99, 0.99, 1.0], 1)])
    lines = fit_time_table([true, noisy], classes=10).splitlines()
    assert lines[1].split() == ["true", "labels", "2", "2", "1.0", "1.000", "0.900", "0.100"]
    assert lines[2].split() == ["random", "labels", "3", "6", "3.0", "1.000", "0.100", "0.900"]
    assert lines[-1] == "chance level: 1/10 = 0.100 test accuracy"


def test_rethinking_notes_state_fit_time_and_test_accuracy(tmp_path):
    plan = plan_comparison(preset="rethinking-generalization",
                           sets=["epochs=3", "data.train_size=100", "model.hidden=[32]", "device=cpu"])
    runs = train_runs(plan.configs, RunStore(tmp_path / "store"))
    note = preset_notes(plan.preset, runs)[1]
    assert note.title == "Measured: fit time and test accuracy (Zhang et al., Fig. 1)"
    rows = note.text.splitlines()[1:8]
    assert [row[:20].strip() for row in rows] == [run.name for run in runs]
    for row, run in zip(rows, runs):
        assert row.split()[-2] == f"{run.summary['final_eval']['test/acc']:.3f}"


# ---------------------------------------------------------------- presets with their own seeds and backend

def test_a_preset_sets_its_seeds_and_backend_unless_they_are_given(tmp_path, monkeypatch):
    import reglab.compare.session as session

    plan = plan_comparison(preset="lottery-ticket")
    assert [config.seed for config in plan.configs] == [0, 1, 2, 3, 4]  # the tickets; controls follow them
    assert len(plan_comparison(preset="lottery-ticket", seeds=1).configs) == 1
    assert len(plan_comparison(preset="seed000-lab").configs) == 6
    used = []
    monkeypatch.setattr(session, "train_runs", lambda configs, store, backend, **options: used.append(backend) or [])
    monkeypatch.setattr("reglab.report.write_report", lambda *arguments, **options: tmp_path / "report.html")
    store = RunStore(tmp_path / "store")
    run_comparison(plan, store)
    run_comparison(plan, store, backend="sequential")
    run_comparison(plan_comparison(preset="seed000-lab"), store)
    assert used == ["population", "sequential", "sequential"]
