"""Stores that are not what they seem: files, foreign or damaged databases, read-only
stores, old schemas; ambiguous id prefixes; the thread count recorded with each run."""

from __future__ import annotations

import os
import sqlite3

import pytest
import torch

from reglab.config import ConfigError
from reglab.store import RunStore, UnreadableArtifact, child_path, load_weights
import reglab.store.opening as opening


def a_run(store: RunStore, name: str = "r") -> str:
    run_id = store.start_run(name, {"seed": 0})
    store.log_epoch(run_id, 1, {"train/loss": 0.5})
    store.finish_run(run_id, "completed", {"final": {"train/loss": 0.5}})
    return run_id


def test_a_file_is_not_a_store(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(ConfigError, match=r"a folder \(this path is a file\)"):
        RunStore(tmp_path / "f")
    with pytest.raises(ConfigError, match="under the file"):
        RunStore(tmp_path / "f" / "store")


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"hello" * 200, "not an SQLite database"), (b"SQLite format 3\x00" + b"\x00" * 50, "the file is truncated")],
)
def test_damaged_databases_are_not_a_reglab_store(tmp_path, content, reason):
    (tmp_path / "reglab.db").write_bytes(content)
    with pytest.raises(ConfigError, match=f"is not a reglab store \\({reason}\\)"):
        RunStore(tmp_path)
    assert (tmp_path / "reglab.db").read_bytes() == content


def test_a_foreign_sqlite_database_is_left_untouched(tmp_path):
    connection = sqlite3.connect(tmp_path / "reglab.db")
    connection.execute("CREATE TABLE notes (text TEXT)")
    connection.commit()
    connection.close()
    with pytest.raises(ConfigError, match="without reglab's runs table"):
        RunStore(tmp_path)
    tables = sqlite3.connect(tmp_path / "reglab.db").execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == [("notes",)]


def test_a_read_only_store_reads_but_refuses_writes(tmp_path, monkeypatch):
    with RunStore(tmp_path) as store:
        run_id = a_run(store)
    # root may write anything, so the permission answer is simulated where every check asks it
    monkeypatch.setattr(opening, "may_write", lambda path: False)
    store = RunStore(tmp_path)
    assert store.read_only
    assert [run.id for run in store.runs()] == [run_id] and store.history(run_id)[0]["train/loss"] == 0.5
    with pytest.raises(ConfigError, match="read-only store"):
        store.start_run("x", {})
    with pytest.raises(ConfigError, match="read-only store"):
        store.claim("s", ["h"])


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write read-only files")
def test_a_store_with_read_only_permissions_lists_runs(tmp_path):
    with RunStore(tmp_path / "store") as store:
        run_id = a_run(store)
    (tmp_path / "store" / "reglab.db").chmod(0o444)
    (tmp_path / "store").chmod(0o555)
    try:
        with RunStore(tmp_path / "store") as store:
            assert store.read_only and [run.id for run in store.runs()] == [run_id]
    finally:
        (tmp_path / "store").chmod(0o755)


def test_runs_list_works_on_a_read_only_store(tmp_path, monkeypatch, capsys):
    from reglab.cli import main
    import reglab.cli.paths as paths  # binds `may_write` when first imported: patched here too

    with RunStore(tmp_path) as store:
        run_id = a_run(store)
    monkeypatch.setattr(opening, "may_write", lambda path: False)
    monkeypatch.setattr(paths, "may_write", lambda path: False)
    main(["runs", "list", "--store", str(tmp_path)])
    assert run_id[:7] in capsys.readouterr().out  # ids show as their shortest unique prefix of 7 or more
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--store", str(tmp_path)])
    assert exit_.value.code == 2 and "read-only store" in capsys.readouterr().err


def test_an_old_store_gains_the_new_columns_and_tables(tmp_path):
    old = sqlite3.connect(tmp_path / "reglab.db")
    old.executescript(
        "CREATE TABLE runs (id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, config TEXT NOT NULL,"
        " config_hash TEXT NOT NULL, summary TEXT, error TEXT, sweep TEXT, epochs INTEGER NOT NULL DEFAULT 0,"
        " started_at TEXT NOT NULL, ended_at TEXT, reglab_version TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL);"
        "INSERT INTO runs VALUES ('abc', 'old', 'completed', '{}', 'h', NULL, NULL, NULL, 1, '2026', NULL, '0.1', 'h', 1);"
    )
    old.commit()
    old.close()
    with RunStore(tmp_path) as store:
        (run,) = store.runs()
        assert run.id == "abc" and run.threads is None
        assert store.claim("s", ["h1"]) == ["h1"]


def test_every_run_records_its_torch_thread_count(tmp_path):
    with RunStore(tmp_path) as store:
        run_id = a_run(store)
        assert store.get_run(run_id).threads == torch.get_num_threads()


def test_an_ambiguous_prefix_names_its_matches(tmp_path):
    with RunStore(tmp_path) as store:
        for new_id in ("2a24aaaaaaaa", "2a13bbbbbbbb"):
            made = a_run(store)
            with store._transaction() as cursor:
                cursor.execute("PRAGMA defer_foreign_keys = ON")
                cursor.execute("UPDATE runs SET id = ? WHERE id = ?", (new_id, made))
                cursor.execute("UPDATE metrics SET run_id = ? WHERE run_id = ?", (new_id, made))
        with pytest.raises(ConfigError, match="ambiguous: matches 2a24aa…, 2a13bb…"):
            store.resolve_id("2a")
        assert store.resolve_id("2a1") == "2a13bbbbbbbb"
        assert store.resolve_id("zz") is None and store.resolve_id("%") is None


def test_unreadable_weights_and_escaping_names(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"garbage" * 20)
    with pytest.raises(UnreadableArtifact, match="unreadable"):
        load_weights(tmp_path / "model.safetensors")
    assert isinstance(UnreadableArtifact(tmp_path, "x"), ValueError)  # a report skips the figure
    assert child_path(tmp_path, "epoch_0001.safetensors") == tmp_path / "epoch_0001.safetensors"
    for name in ("../../etc/hostname", "/etc/hostname", "..", "a/b", ""):
        with pytest.raises(UnreadableArtifact, match="leaves its run folder"):
            child_path(tmp_path, name)


def test_a_transaction_that_ctrl_c_cut_short_is_rolled_back_by_the_next_write(tmp_path):
    """A Ctrl-C that lands just after BEGIN returned (or just before COMMIT) leaves the
    connection inside a transaction the store never finished; the write that records
    the interruption must still go through, and nothing of the cut transaction stays."""
    store = RunStore(tmp_path)
    run_id = store.start_run("r", {"seed": 0})
    store.log_epoch(run_id, 1, {"train/loss": 0.5})
    store._connection.execute("BEGIN IMMEDIATE")  # what the interrupt leaves behind
    store._connection.execute("INSERT INTO metrics (run_id, epoch, key, value) VALUES (?, 2, 'train/loss', 0.25)", (run_id,))
    store.finish_run(run_id, "interrupted", {}, error="interrupted by the user")
    assert not store._connection.in_transaction
    store.close()
    with RunStore(tmp_path, read_only=True) as reader:
        assert reader.get_run(run_id).status == "interrupted"
        assert reader.history(run_id) == [{"epoch": 1, "train/loss": 0.5}]


def test_a_store_transaction_inside_another_is_refused_instead_of_rolling_it_back(tmp_path):
    store = RunStore(tmp_path)
    with pytest.raises(RuntimeError, match="inside another"):
        with store._transaction():
            store.start_run("r", {"seed": 0})
    assert store.runs() == [] and not store._connection.in_transaction
    run_id = store.start_run("r", {"seed": 0})  # the store writes again afterwards
    assert [run.id for run in store.runs()] == [run_id]
    store.close()
