"""Benchmark: what the default trajectory recorder adds to an epoch, side by side in one process.

Same engine (`reglab.engine.loop.fit`), same model (`mlp_seed000`, 784-16-32-24-10),
same random data held in memory (60,000 × 1 × 28 × 28, batch 256, no val/test split so
that the epoch is training alone and the ratio is conservative); the only difference is
the trajectory family (`trajectory.*` defaults: every metric set, gradients of the last
step, no snapshots) switched on or off. Each round trains once with it off and once
with it on; each epoch is timed from one epoch end to the next (so it includes every
callback); the first epoch of each fit is warm-up and dropped. Printed: the median
epochs, the median of the per-round ratios, and, as a load-independent cross-check,
the time spent inside the recorder's callbacks and hook (CPU: exact; on CUDA the
recorder's one sync also waits for queued work, so it over-counts there).

Budget: on ≤ 1.05 × off.
Usage: python benchmarks/trajectory_overhead.py [--epochs 4] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from reglab.config import load_config
from reglab.data.bundle import DataSplits
from reglab.contract.events import Callback
from reglab.engine.loop import FitPlan, fit
from reglab.objective.losses import make_objective
from reglab.models import build_model
from reglab.trajectory.technique import build_technique


def splits_from_tensors(inputs: torch.Tensor, labels: torch.Tensor, num_classes: int) -> DataSplits:
    """DataSplits for training only, from tensors already in memory (empty val and test)."""
    empty_x, empty_y = inputs[:0], labels[:0]
    return DataSplits(
        name="random", task="classification", num_classes=num_classes, input_shape=tuple(inputs.shape[1:]),
        output_dim=num_classes, train_x=inputs, train_y=labels, val_x=empty_x, val_y=empty_y,
        test_x=empty_x, test_y=empty_y, info={},
    )


class EpochClock(Callback):
    """A sink (runs after every other callback): wall time from one epoch end to the next."""

    kind = "sink"

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def on_fit_start(self, record) -> None:
        self._last = time.perf_counter()

    def on_epoch_end(self, record) -> None:
        now = time.perf_counter()
        self.seconds.append(now - self._last)
        self._last = now


class Stopwatch:
    """Wraps methods of an object so that the seconds spent inside them add up in `total`."""

    def __init__(self) -> None:
        self.total = 0.0

    def wrap(self, target: object, names: tuple[str, ...]) -> None:
        for name in names:
            method = getattr(target, name)

            def timed(*args, _method=method, **kwargs):
                started = time.perf_counter()
                try:
                    return _method(*args, **kwargs)
                finally:
                    self.total += time.perf_counter() - started

            setattr(target, name, timed)


def timed_fit(data: DataSplits, recorder_on: bool, epochs: int) -> tuple[list[float], float]:
    """Per-epoch seconds (warm-up epoch dropped) and seconds spent inside the recorder."""
    config = load_config(overrides=["model.preset=mlp_seed000", "data.batch_size=256", f"trajectory.enabled={recorder_on}"])
    torch.manual_seed(0)
    model = build_model(config.model, data.input_shape, data.output_dim)
    technique = build_technique(config, model, data)
    stopwatch = Stopwatch()
    if technique is not None:
        for callback in technique.callbacks:
            stopwatch.wrap(callback, ("on_fit_start", "on_epoch_start", "on_step_end", "on_epoch_end", "on_fit_end"))
        for hook in technique.hooks:
            stopwatch.wrap(hook, ("before_step",))
    clock = EpochClock()
    plan = FitPlan(
        model=model, data=data, objective=make_objective("auto", "classification", 10),
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9), epochs=epochs,
        batch_size=256, eval_batch_size=1024, generator=torch.Generator().manual_seed(0),
        hooks=technique.hooks if technique else [], callbacks=[*(technique.callbacks if technique else []), clock],
    )
    fit(plan)
    return clock.seconds[1:], stopwatch.total / epochs  # the first epoch warms up


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    generator = torch.Generator().manual_seed(0)
    data = splits_from_tensors(torch.rand(60_000, 1, 28, 28, generator=generator),
                               torch.randint(0, 10, (60_000,), generator=generator), 10)
    times: dict[bool, list[float]] = {True: [], False: []}
    ratios, inside = [], []
    for _ in range(arguments.rounds):
        off_epochs, _ = timed_fit(data, False, arguments.epochs)
        on_epochs, recorder_seconds = timed_fit(data, True, arguments.epochs)
        times[False].extend(off_epochs)
        times[True].extend(on_epochs)
        ratios.append(statistics.median(on_epochs) / statistics.median(off_epochs))
        inside.append(recorder_seconds)
    off, on = statistics.median(times[False]), statistics.median(times[True])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {len(times[True])} timed epochs each")
    print(f"recorder off: median epoch {off:.4f} s")
    print(f"recorder on : median epoch {on:.4f} s")
    print(f"ratio on/off: {on / off:.3f} (pooled medians), {statistics.median(ratios):.3f} (median of per-round ratios); budget 1.05")
    print(f"inside the recorder: {statistics.median(inside) * 1e3:.2f} ms per epoch = {statistics.median(inside) / off:.2%} of an epoch without it")


if __name__ == "__main__":
    main()
