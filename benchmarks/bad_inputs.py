"""Bad input at the terminal: every case must be refused in one line, exit 2, nothing written.

    .venv/bin/python benchmarks/bad_inputs.py          # prints one line per failing case and the totals

Each case runs `reglab` in this process (`reglab.cli.app.run`, no subprocess) in a
fresh folder that is also the working directory and `$REGLAB_STORE`'s parent, after
its own setup (config files, sweep files, valid or damaged stores). A case passes when

* the exit code is 2,
* stderr is exactly one line starting `error: ` and no traceback was raised,
* no file under the folder was created, changed or deleted (SQLite's `-wal`/`-shm`
  side files excepted: they come and go with any reader),
* it finished within `CASE_TIMEOUT_S` (a hang counts as a failure).

A read-only folder or store cannot be made for root (the machine's CI user), so those
cases make `reglab.store.opening.may_write` answer False for the paths involved: the
same function every write check goes through.

`tests/cli/test_bad_inputs.py` runs every case and asserts the totals.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import signal
import sqlite3
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

__all__ = ["Case", "Outcome", "CASES", "run_case", "run_all", "main"]

CASE_TIMEOUT_S = 60
CONFIG_KINDS = ("config", "config file", "sweep", "cli", "output path", "store")
TINY = ["--set", "device=cpu", "--set", "data.train_size=100", "--set", "model.hidden=[8]", "--set", "epochs=1"]


@dataclass(frozen=True)
class Case:
    """One bad input: the command line (`{dir}` is the case's folder) and what to prepare."""

    name: str
    kind: str
    args: tuple[str, ...]
    setup: Callable[[Path], None] | None = None
    read_only: tuple[str, ...] = ()  # paths (relative to the folder) reported as not writable


@dataclass
class Outcome:
    case: Case
    code: int | None
    stdout: str
    stderr: str
    crash: str | None = None  # a traceback, when the command raised
    hung: bool = False
    changed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def refused_cleanly(self) -> bool:
        lines = self.stderr.splitlines()
        return (
            self.code == 2 and self.crash is None and not self.hung and not self.changed
            and len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in self.stderr + self.stdout
        )


# -- setups -------------------------------------------------------------------------------


def write(relative: str, text: str | bytes) -> Callable[[Path], None]:
    def setup(folder: Path) -> None:
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())

    return setup


def both(*setups: Callable[[Path], None]) -> Callable[[Path], None]:
    def setup(folder: Path) -> None:
        for each in setups:
            each(folder)

    return setup


def fake_store(relative: str = "store", ids: tuple[str, ...] = ("a1b2c3d4e5f6",), weights: bytes | None = None,
               index: str | None = None) -> Callable[[Path], None]:
    """A store with finished runs of a tiny valid config (no training), optional artifacts."""

    def setup(folder: Path) -> None:
        from reglab.config import load_config
        from reglab.store import RunStore

        config = load_config(overrides=["device=cpu", "data.train_size=100", "model.hidden=[8]", "epochs=1"]).to_dict()
        with RunStore(folder / relative) as store:
            for run_id in ids:
                made = store.start_run("fake", config)
                store.log_epoch(made, 1, {"train/loss": 1.0, "test/acc": 0.5})
                store.finish_run(made, "completed", {"final": {"test/acc": 0.5}})
                with store._transaction() as cursor:
                    cursor.execute("PRAGMA defer_foreign_keys = ON")
                    cursor.execute("UPDATE runs SET id = ? WHERE id = ?", (run_id, made))
                    cursor.execute("UPDATE metrics SET run_id = ? WHERE run_id = ?", (run_id, made))
                store.run_dir(made).rename(store.run_dir(run_id))
                if weights is not None:
                    (store.run_dir(run_id) / "model.safetensors").write_bytes(weights)
                if index is not None:
                    (store.run_dir(run_id) / "snapshots").mkdir()
                    (store.run_dir(run_id) / "snapshots" / "index.json").write_text(index)

    return setup


def garbage_db(content: bytes) -> Callable[[Path], None]:
    return write("store/reglab.db", content)


def truncated_db(folder: Path) -> None:
    fake_store()(folder)
    path = folder / "store" / "reglab.db"
    path.write_bytes(path.read_bytes()[:300])


def foreign_db(folder: Path) -> None:
    (folder / "store").mkdir()
    connection = sqlite3.connect(folder / "store" / "reglab.db")
    connection.execute("CREATE TABLE notes (text TEXT)")
    connection.commit()
    connection.close()


def sweep_file(tree: dict | str, name: str = "s.yaml") -> Callable[[Path], None]:
    import yaml

    text = tree if isinstance(tree, str) else yaml.safe_dump(tree)
    return write(name, text)


BASE = {"device": "cpu", "epochs": 1, "data": {"train_size": 100}, "model": {"hidden": [8]}}
LATIN1 = "name: caf\u00e9\nepochs: 1\n".encode("latin-1")


def sweep(**parameters) -> dict:
    return {"name": "s", "base": BASE, "parameters": parameters}


def train(*sets: str) -> tuple[str, ...]:
    args: list[str] = ["train", *TINY]
    for item in sets:
        args += ["--set", item]
    return (*args, "--store", "{dir}/store")


# -- the catalogue --------------------------------------------------------------------------

CASES: list[Case] = []


def case(name: str, kind: str, *args: str, setup=None, read_only: tuple[str, ...] = ()) -> None:
    CASES.append(Case(name, kind, tuple(args), setup, read_only))


# Non-finite numbers: never a valid strength, rate or size.
for key, value in [
    ("optimizer.lr", "inf"), ("optimizer.lr", ".nan"), ("optimizer.lr", "-.inf"), ("regularization.l2", ".inf"),
    ("regularization.l1", ".nan"), ("optimizer.weight_decay", "inf"), ("optimizer.momentum", ".nan"),
    ("optimizer.eps", "inf"), ("optimizer.betas", "[0.9, .nan]"), ("schedule.gamma", ".nan"),
    ("schedule.min_lr", ".inf"), ("regularization.max_norm", ".inf"), ("regularization.grad_clip_norm", ".nan"),
    ("regularization.per_layer", "{'hidden.*': .inf}"), ("model.dropout", ".nan"), ("data.noise", ".inf"),
    ("early_stopping.threshold", ".nan"), ("early_stopping.min_delta", ".inf"), ("augment.noise_std", ".inf"),
    ("trajectory.snapshot_budget_mb", ".inf"), ("model.init_std", ".nan"), ("data.val_size", ".nan"),
    ("regularization.activity_l2", "inf"), ("augment.mixup_alpha", ".nan"),
]:
    case(f"{key}={value}", "config", *train(f"{key}={value}"))

# Values out of range, unknown names and keys.
for item in [
    "optimizer.lr=0", "optimizer.lr=-1", "optimizer.name=adagrad", "epochs=0", "epochs=abc", "seed=1.5",
    "device=tpu", "data.dataset=nope", "optimiser.lr=0.1", "optimizer.learning_rate=0.1", "model.hidden=[0]",
    "model.dropout=1.5", "data.label_noise=2", "schedule.name=exponential", "model.dropout=[0.1, 0.2]",
    "model.activation=swish", "regularization.l1_mode=lasso", "data.batch_size=0", "loss=hinge",
    "model.norm=instance", "data.train_size=0", "regularization.ema_decay=1.0",
]:
    case(item, "config", *train(item))
case("mnist without its files", "config", *train("data.dataset=mnist", "data.root={dir}/nowhere"))

# Combinations that cannot train (checked before anything is built).
case("model of 10^12 units", "config", *train("model.hidden=[1000000000000]"))
case("model of 10^10 weights", "config", *train("model.hidden=[100000, 100000]"))
case("cnn of 10^10 weights", "config", *train("model.kind=cnn", "model.channels=[100000]", "model.hidden=[100000]"))
case("bce on 10 classes", "config", *train("loss=bce"))
case("monitor val/accuracy", "config", *train("early_stopping.criterion=patience", "early_stopping.monitor=val/accuracy"))
case("monitor valid/loss with restore_best", "config", *train("early_stopping.restore_best=true", "early_stopping.monitor=valid/loss"))
case("monitor val/acc on a regression without val", "config",
     *train("data.dataset=toy_regression", "data.batch_size=10", "early_stopping.criterion=patience", "early_stopping.monitor=val/acc"))
case("monitor val/loss without a val split", "config", *train("data.dataset=symmetry", "early_stopping.criterion=patience"))
case("monitor with val_size 0", "config", *train("data.val_size=0", "early_stopping.threshold=0.1"))

# --set syntax.
case("--set without =", "config", "train", "--set", "epochs", "--store", "{dir}/store")
case("--set without key", "config", "train", "--set", "=3", "--store", "{dir}/store")
case("--set bad YAML", "config", "train", "--set", "model.hidden=[1,", "--store", "{dir}/store")
case("--set into a value", "config", "train", "--set", "epochs.x=3", "--store", "{dir}/store")

# Config files.
case("config missing", "config file", "train", "{dir}/missing.yaml", "--store", "{dir}/store")
case("config is a folder", "config file", "train", "{dir}", "--store", "{dir}/store")
case("config not UTF-8", "config file", "train", "{dir}/c.yaml", "--store", "{dir}/store", setup=write("c.yaml", LATIN1))
case("config random bytes", "config file", "train", "{dir}/c.yaml", "--store", "{dir}/store",
     setup=write("c.yaml", bytes(range(128, 256)) * 4))
case("config YAML mapping error", "config file", "train", "{dir}/c.yaml", "--store", "{dir}/store",
     setup=write("c.yaml", "epochs: 1\n  data: x: y\n"))
case("config YAML tab", "config file", "train", "{dir}/c.yaml", "--store", "{dir}/store", setup=write("c.yaml", "data:\n\tdataset: digits\n"))
case("config unclosed quote", "config file", "train", "{dir}/c.yaml", "--store", "{dir}/store", setup=write("c.yaml", 'name: "abc\n'))
case("config top-level list", "config file", "train", "{dir}/c.yaml", "--store", "{dir}/store", setup=write("c.yaml", "- 1\n- 2\n"))
case("config unknown key", "config file", "train", "{dir}/c.yaml", "--store", "{dir}/store", setup=write("c.yaml", "epoch: 3\n"))
case("config with .inf", "config file", "train", "{dir}/c.yaml", "--store", "{dir}/store", setup=write("c.yaml", "optimizer: {lr: .inf}\n"))
case("compare config not UTF-8", "config file", "compare", "{dir}/c.yaml", "--store", "{dir}/store", setup=write("c.yaml", LATIN1))

# Sweep files.
SWEEP_ARGS = ("sweep", "{dir}/s.yaml", "--store", "{dir}/store")
case("sweep missing", "sweep", *SWEEP_ARGS)
case("sweep not UTF-8", "sweep", *SWEEP_ARGS, setup=write("s.yaml", LATIN1))
case("sweep bad YAML", "sweep", *SWEEP_ARGS, setup=write("s.yaml", "name: s\nparameters: [a: b\n"))
case("sweep base not UTF-8", "sweep", *SWEEP_ARGS, setup=both(write("b.yaml", LATIN1), sweep_file({"name": "s", "base": "b.yaml"})))
case("sweep base bad YAML", "sweep", *SWEEP_ARGS, setup=both(write("b.yaml", "a: b: c\n"), sweep_file({"name": "s", "base": "b.yaml"})))
case("sweep base missing", "sweep", *SWEEP_ARGS, setup=sweep_file({"name": "s", "base": "nope.yaml"}))
case("sweep base a list", "sweep", *SWEEP_ARGS, setup=both(write("b.yaml", "- 1\n"), sweep_file({"name": "s", "base": "b.yaml"})))
case("sweep range of 10^12", "sweep", *SWEEP_ARGS, setup=sweep_file(sweep(seed={"range": [0, 1000000000000, 1]})))
case("sweep grid of 10^10", "sweep", *SWEEP_ARGS,
     setup=sweep_file({"name": "s", "base": BASE, "parameters": {f"k{i}": list(range(10)) for i in range(10)}}))
case("sweep 10^9 samples", "sweep", *SWEEP_ARGS,
     setup=sweep_file({"name": "s", "method": "random", "samples": 10**9, "base": BASE, "parameters": {"seed": [0, 1]}}))
case("sweep unknown key", "sweep", *SWEEP_ARGS, setup=sweep_file({"name": "s", "base": BASE, "grid": {}}))
case("sweep method bayes", "sweep", *SWEEP_ARGS, setup=sweep_file({"name": "s", "method": "bayes"}))
case("sweep parameters a list", "sweep", *SWEEP_ARGS, setup=sweep_file({"name": "s", "parameters": ["lr"]}))
case("sweep loguniform one number", "sweep", *SWEEP_ARGS, setup=sweep_file(sweep(**{"optimizer.lr": {"loguniform": [0.001]}})))
case("sweep loguniform from 0", "sweep", *SWEEP_ARGS, setup=sweep_file(sweep(**{"optimizer.lr": {"loguniform": [0, 1]}})))
case("sweep uniform reversed", "sweep", *SWEEP_ARGS, setup=sweep_file(sweep(**{"model.dropout": {"uniform": [0.5, 0.1]}})))
case("sweep range step 0", "sweep", *SWEEP_ARGS, setup=sweep_file(sweep(**{"model.dropout": {"range": [0, 0.5, 0]}})))
case("sweep range of words", "sweep", *SWEEP_ARGS, setup=sweep_file(sweep(**{"model.dropout": {"range": ["a", 1, 0.1]}})))
case("sweep loguniform NaN", "sweep", *SWEEP_ARGS, setup=sweep_file("name: s\nmethod: random\nsamples: 2\nparameters:\n  optimizer.lr: {loguniform: [.nan, 1]}\n"))
case("sweep grid with a distribution", "sweep", *SWEEP_ARGS, setup=sweep_file(sweep(**{"optimizer.lr": {"loguniform": [0.001, 0.1]}})))
case("sweep random without samples", "sweep", *SWEEP_ARGS, setup=sweep_file({"name": "s", "method": "random", "parameters": {"seed": [0, 1]}}))
case("sweep bad swept value", "sweep", *SWEEP_ARGS, setup=sweep_file(sweep(**{"optimizer.lr": [0.1, -1]})))
case("sweep infinite swept value", "sweep", *SWEEP_ARGS, setup=sweep_file("name: s\nparameters:\n  optimizer.lr: [.inf]\n"))
case("sweep unknown swept key", "sweep", *SWEEP_ARGS, setup=sweep_file(sweep(**{"optimizer.learning_rate": [0.1]})))
case("sweep name with a slash", "sweep", *SWEEP_ARGS, setup=sweep_file({"name": "a/b", "base": BASE}))
case("sweep top-level list", "sweep", *SWEEP_ARGS, setup=write("s.yaml", "- name\n"))
case("sweep vmap with shards", "sweep", *SWEEP_ARGS, setup=sweep_file({"name": "s", "base": BASE, "population": {"engine": "vmap", "shards": 2}}))
case("sweep base with a huge model", "sweep", *SWEEP_ARGS,
     setup=sweep_file({"name": "s", "base": {**BASE, "model": {"hidden": [10**12]}}, "parameters": {"seed": [0, 1]}}))
case("sweep --backend bogus", "sweep", *SWEEP_ARGS, "--backend", "bogus", setup=sweep_file(sweep(seed=[0])))
case("sweep --workers 0", "sweep", *SWEEP_ARGS, "--workers", "0", setup=sweep_file(sweep(seed=[0])))
case("sweep --set inf", "sweep", *SWEEP_ARGS, "--set", "optimizer.lr=inf", setup=sweep_file(sweep(seed=[0])))

# Command-line arguments.
case("unknown option", "cli", "--bogus")
case("unknown command", "cli", "nosuchcommand")
case("train two configs", "cli", "train", "a.yaml", "b.yaml")
case("runs list --limit 0", "cli", "runs", "list", "--limit", "0", "--store", "{dir}/store", setup=fake_store())
case("runs list --limit abc", "cli", "runs", "list", "--limit", "abc", "--store", "{dir}/store", setup=fake_store())
case("runs list --sort unknown", "cli", "runs", "list", "--sort", "no/such", "--store", "{dir}/store", setup=fake_store())
case("runs export --format xml", "cli", "runs", "export", "--format", "xml", "--store", "{dir}/store", setup=fake_store())
case("runs show without id", "cli", "runs", "show", "--store", "{dir}/store", setup=fake_store())
case("runs show unknown id", "cli", "runs", "show", "zzzz", "--store", "{dir}/store", setup=fake_store())
case("runs show ambiguous prefix", "cli", "runs", "show", "2a", "--store", "{dir}/store",
     setup=fake_store(ids=("2a24aaaaaaaa", "2a13bbbbbbbb")))
# Bytes that are not UTF-8 (`reglab runs show $'\xff'`) reach Python as lone surrogates (PEP 383).
case("runs show id not UTF-8", "cli", "runs", "show", "\udcff\udcfe", "--store", "{dir}/store", setup=fake_store())
case("sweep filter not UTF-8", "cli", "runs", "list", "--sweep", "caf\udce9", "--store", "{dir}/store", setup=fake_store())
case("report ambiguous prefix", "cli", "report", "2a", "--out", "{dir}/r.html", "--store", "{dir}/store",
     setup=fake_store(ids=("2a24aaaaaaaa", "2a13bbbbbbbb")))
case("report unknown id", "cli", "report", "zzzz", "--out", "{dir}/r.html", "--store", "{dir}/store", setup=fake_store())
case("analyze --grid 1", "cli", "analyze", "a1b2", "--grid", "1", "--store", "{dir}/store", setup=fake_store())
case("analyze --directions diagonal", "cli", "analyze", "a1b2", "--directions", "diagonal", "--store", "{dir}/store", setup=fake_store())
case("analyze --split holdout", "cli", "analyze", "a1b2", "--split", "holdout", "--store", "{dir}/store", setup=fake_store())
case("analyze unknown id", "cli", "analyze", "zzzz", "--store", "{dir}/store", setup=fake_store())
case("compare --backend bogus", "cli", "compare", "--backend", "bogus", "--store", "{dir}/store")
case("compare --preset unknown", "cli", "compare", "--preset", "nosuch", "--store", "{dir}/store")
case("compare --vary without =", "cli", "compare", "--vary", "optimizer.lr", "--store", "{dir}/store")
case("compare --threads 0", "cli", "compare", "--threads", "0", "--store", "{dir}/store")
case("demo --epochs 0", "cli", "demo", "--epochs", "0", "--store", "{dir}/store")

# Output paths, checked before any work.
case("export --out a folder", "output path", "runs", "export", "--out", "{dir}/out", "--store", "{dir}/store",
     setup=both(fake_store(), write("out/keep", "")))
case("export --out missing folder", "output path", "runs", "export", "--out", "{dir}/nowhere/x.csv", "--store", "{dir}/store", setup=fake_store())
case("export --out under a file", "output path", "runs", "export", "--out", "{dir}/f/x.csv", "--store", "{dir}/store",
     setup=both(fake_store(), write("f", "x")))
case("export --out read-only folder", "output path", "runs", "export", "--out", "{dir}/ro/x.csv", "--store", "{dir}/store",
     setup=both(fake_store(), write("ro/keep", "")), read_only=("ro",))
case("report --out .txt", "output path", "report", "a1b2", "--out", "{dir}/r.txt", "--store", "{dir}/store", setup=fake_store())
case("report --out missing folder", "output path", "report", "a1b2", "--out", "{dir}/nowhere/r.html", "--store", "{dir}/store", setup=fake_store())
case("report --out a folder", "output path", "report", "a1b2", "--out", "{dir}/r.html", "--store", "{dir}/store",
     setup=both(fake_store(), write("r.html/keep", "")))
case("report --out read-only folder", "output path", "report", "a1b2", "--out", "{dir}/ro/r.html", "--store", "{dir}/store",
     setup=both(fake_store(), write("ro/keep", "")), read_only=("ro",))
case("report --figures a file", "output path", "report", "a1b2", "--out", "{dir}/r.html", "--figures", "{dir}/f", "--store", "{dir}/store",
     setup=both(fake_store(), write("f", "x")))
case("report --figures under a file", "output path", "report", "a1b2", "--out", "{dir}/r.html", "--figures", "{dir}/f/sub",
     "--store", "{dir}/store", setup=both(fake_store(), write("f", "x")))
case("report --figures read-only", "output path", "report", "a1b2", "--out", "{dir}/r.html", "--figures", "{dir}/ro/figs",
     "--store", "{dir}/store", setup=both(fake_store(), write("ro/keep", "")), read_only=("ro",))
case("compare --out .txt", "output path", "compare", "--vary", "seed=0,1", *TINY, "--out", "{dir}/r.txt", "--store", "{dir}/store")
case("compare --out missing folder", "output path", "compare", "--vary", "seed=0,1", *TINY, "--out", "{dir}/no/r.html", "--store", "{dir}/store")
case("compare --figures under a file", "output path", "compare", "--vary", "seed=0,1", *TINY, "--figures", "{dir}/f/sub",
     "--store", "{dir}/store", setup=write("f", "x"))

# Stores: files, damaged or foreign databases, read-only stores.
case("train --store a file", "store", "train", *TINY, "--store", "{dir}/f", setup=write("f", "x"))
case("train --store under a file", "store", "train", *TINY, "--store", "{dir}/f/store", setup=write("f", "x"))
case("sweep --store a file", "store", *SWEEP_ARGS[:2], "--store", "{dir}/f", setup=both(write("f", "x"), sweep_file(sweep(seed=[0]))))
case("compare --store a file", "store", "compare", "--vary", "seed=0,1", *TINY, "--store", "{dir}/f", setup=write("f", "x"))
case("runs list --store a file", "store", "runs", "list", "--store", "{dir}/f", setup=write("f", "x"))
case("runs list --store missing", "store", "runs", "list", "--store", "{dir}/nowhere")
case("train on a non-SQLite db", "store", "train", *TINY, "--store", "{dir}/store", setup=garbage_db(b"hello, not a database" * 100))
case("runs list on a non-SQLite db", "store", "runs", "list", "--store", "{dir}/store", setup=garbage_db(b"\x00\x01garbage" * 200))
case("runs list on a truncated db", "store", "runs", "list", "--store", "{dir}/store", setup=truncated_db)
case("runs show on a truncated db", "store", "runs", "show", "a1b2", "--store", "{dir}/store", setup=truncated_db)
case("runs list on a foreign SQLite db", "store", "runs", "list", "--store", "{dir}/store", setup=foreign_db)
case("train on a foreign SQLite db", "store", "train", *TINY, "--store", "{dir}/store", setup=foreign_db)
case("reglab.db is a folder", "store", "runs", "list", "--store", "{dir}/store", setup=write("store/reglab.db/x", ""))
case("train on a read-only store", "store", "train", *TINY, "--store", "{dir}/store", setup=fake_store(), read_only=("store", "store/reglab.db"))
case("sweep on a read-only store", "store", *SWEEP_ARGS, setup=both(fake_store(), sweep_file(sweep(seed=[0]))),
     read_only=("store", "store/reglab.db"))
case("train under a read-only folder", "store", "train", *TINY, "--store", "{dir}/ro/store", setup=write("ro/keep", ""), read_only=("ro",))
case("report on a read-only store", "store", "report", "a1b2", "--store", "{dir}/store", setup=fake_store(),
     read_only=("store", "store/reglab.db"))
case("analyze on a read-only store", "store", "analyze", "a1b2", "--store", "{dir}/store", setup=fake_store(),
     read_only=("store", "store/reglab.db"))
case("analyze garbage weights", "store", "analyze", "a1b2", "--store", "{dir}/store", setup=fake_store(weights=b"garbage" * 50))
case("analyze snapshot index leaving the run", "store", "analyze", "a1b2", "--store", "{dir}/store",
     setup=fake_store(weights=b"x", index=json.dumps({"parameters": [], "snapshots": [{"epoch": 0, "step": 0, "file": "../../../etc/hostname"}]})))
case("analyze garbage snapshot index", "store", "analyze", "a1b2", "--store", "{dir}/store", setup=fake_store(weights=b"x", index="{not json"))


# -- running a case -----------------------------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, str]:
    """Path -> content hash (or 'dir') of everything under `folder`, SQLite side files left out."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        relative = str(path.relative_to(folder))
        if relative.endswith(("-wal", "-shm", "-journal")):
            continue
        found[relative] = "dir" if path.is_dir() else hashlib.sha1(path.read_bytes()).hexdigest()
    return found


class _Hang(Exception):
    pass


def _alarm(signum, frame):  # noqa: ARG001
    raise _Hang


@contextlib.contextmanager
def _read_only_paths(folder: Path, relatives: tuple[str, ...]):
    """Make `may_write` answer False for these paths (root may write anything)."""
    if not relatives:
        yield
        return
    import reglab.store.opening as opening

    blocked = {os.path.abspath(folder / relative) for relative in relatives}
    original = opening.may_write

    def may_write(path: Path) -> bool:
        return os.path.abspath(path) not in blocked and original(path)

    opening.may_write = may_write
    import reglab.cli.paths as paths

    paths_original = paths.may_write
    paths.may_write = may_write
    try:
        yield
    finally:
        opening.may_write = original
        paths.may_write = paths_original


def run_case(case: Case, folder: Path) -> Outcome:
    """Run one case in `folder` (created empty by the caller)."""
    from reglab.cli.app import run

    if case.setup is not None:
        case.setup(folder)
    args = [arg.replace("{dir}", str(folder)) for arg in case.args]
    before = _snapshot(folder)
    stdout, stderr = io.StringIO(), io.StringIO()
    outcome = Outcome(case, None, "", "")
    previous_dir, previous_store = os.getcwd(), os.environ.get("REGLAB_STORE")
    os.chdir(folder)
    os.environ["REGLAB_STORE"] = str(folder / "default-store")
    handler = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(CASE_TIMEOUT_S)
    started = time.perf_counter()
    try:
        with _read_only_paths(folder, case.read_only), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            outcome.code = run(args)
    except _Hang:
        outcome.hung = True
    except BaseException:  # noqa: BLE001  (a crash is what this script looks for)
        outcome.crash = traceback.format_exc()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, handler)
        outcome.seconds = time.perf_counter() - started
        os.chdir(previous_dir)
        if previous_store is None:
            os.environ.pop("REGLAB_STORE", None)
        else:
            os.environ["REGLAB_STORE"] = previous_store
    outcome.stdout, outcome.stderr = stdout.getvalue(), stderr.getvalue()
    after = _snapshot(folder)
    outcome.changed = sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))
    return outcome


def describe(outcome: Outcome) -> str:
    """One line: why a case did not pass."""
    if outcome.hung:
        return "hung"
    if outcome.crash:
        return "traceback: " + outcome.crash.strip().splitlines()[-1]
    problems = []
    if outcome.code != 2:
        problems.append(f"exit {outcome.code}")
    lines = outcome.stderr.splitlines()
    if len(lines) != 1 or not lines[0].startswith("error: "):
        problems.append(f"stderr {lines!r:.200}")
    if outcome.changed:
        problems.append(f"wrote {outcome.changed[:4]}")
    return "; ".join(problems)


def run_all(root: Path) -> list[Outcome]:
    outcomes = []
    for number, each in enumerate(CASES):
        folder = root / f"case{number:03d}"
        folder.mkdir(parents=True)
        outcomes.append(run_case(each, folder))
    return outcomes


def main() -> None:
    import tempfile

    import torch

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as root:
        started = time.perf_counter()
        outcomes = run_all(Path(root))
        seconds = time.perf_counter() - started
    clean = [outcome for outcome in outcomes if outcome.refused_cleanly]
    for outcome in outcomes:
        if not outcome.refused_cleanly:
            print(f"FAIL {outcome.case.kind:<12} {outcome.case.name}: {describe(outcome)}")
    print(f"{'kind':<12} {'cases':>5} {'refused cleanly':>16}")
    for kind in CONFIG_KINDS:
        mine = [outcome for outcome in outcomes if outcome.case.kind == kind]
        print(f"{kind:<12} {len(mine):>5} {sum(o.refused_cleanly for o in mine):>16}")
    print(
        f"{len(outcomes)} bad inputs: refused in one line with exit 2 and nothing written "
        f"{len(clean)}/{len(outcomes)} = {100 * len(clean) / len(outcomes):.0f}%; "
        f"tracebacks {sum(o.crash is not None for o in outcomes)}, hangs {sum(o.hung for o in outcomes)}; "
        f"{seconds:.1f} s in one process, torch threads {torch.get_num_threads()}"
    )
    sys.exit(0 if len(clean) == len(outcomes) else 1)


if __name__ == "__main__":
    main()
