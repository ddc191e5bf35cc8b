"""A run killed with SIGKILL mid-training keeps its finished epochs and reads as interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from reglab.store import RunStore

SCRIPT = textwrap.dedent(
    """
    import sys, time
    import reglab
    from reglab.engine import Callback

    class Slow(Callback):
        kind = "observer"
        def on_epoch_end(self, record):
            time.sleep(0.3)

    config = {"epochs": 200, "device": "cpu", "data": {"dataset": "digits", "train_size": 100},
              "model": {"hidden": [8]}}
    reglab.train(config, store=sys.argv[1], callbacks=[Slow()])
    """
)


def test_sigkill_keeps_finished_epochs(store_dir):
    process = subprocess.Popen([sys.executable, "-c", SCRIPT, str(store_dir)])
    try:
        deadline = time.monotonic() + 120
        epochs = 0
        while time.monotonic() < deadline and epochs < 3:
            time.sleep(0.2)
            if (store_dir / "reglab.db").exists():
                store = RunStore(store_dir)
                runs = store.runs()
                epochs = len(store.history(runs[0].id)) if runs else 0
                store.close()
        assert epochs >= 3, "the run never recorded three epochs"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    store = RunStore(store_dir)
    (run,) = store.runs()
    assert run.status == "interrupted"
    history = store.history(run.id)
    assert len(history) >= 3
    assert [row["epoch"] for row in history] == list(range(1, len(history) + 1))
    assert all("train/loss" in row for row in history)
