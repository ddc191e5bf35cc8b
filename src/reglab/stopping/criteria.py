"""Stopping criteria as small stateful objects: Patience, GL_α, PQ_α, UP_s.

Each criterion is fed once per epoch with `.step(train_error, val_error)` and
answers True when training should stop after this epoch. They only hold numbers;
`reglab.stopping.EarlyStopping` wires them into a run.

Prechelt's definitions, with t the number of epochs the criterion has seen and
a *strip* of length k the epochs t−k+1 … t ending at a multiple of k:

    E_opt(t) = min_{t' ≤ t} E_va(t')                                  lowest validation error so far
    GL(t)    = 100 · (E_va(t) / E_opt(t) − 1)                          generalization loss, percent
    P_k(t)   = 1000 · (Σ_{t'=t−k+1..t} E_tr(t') / (k · min_{t'=t−k+1..t} E_tr(t')) − 1)
                                                                      training progress, per mille

    GL_α: stop after the first epoch with GL(t) > α.
    PQ_α: stop after the first strip end with GL(t) / P_k(t) > α.
    UP_s: stop after the strip end t at which E_va rose in s successive strips
          (E_va(t) > E_va(t−k), E_va(t−k) > E_va(t−2k), …).

Written by hand: no maintained PyTorch library ships Prechelt's GL/PQ/UP (Keras and
Lightning implement patience only); the patience rule follows their semantics.

Reference:
    Prechelt, L. (1998). Early Stopping — But When? In Neural Networks: Tricks of
    the Trade, LNCS 1524, pp. 55–69. Springer.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Literal, Protocol, Sequence

from reglab.config.errors import ConfigError

__all__ = [
    "StoppingCriterion",
    "Patience",
    "GL",
    "PQ",
    "UP",
    "generalization_loss",
    "training_progress",
]


def generalization_loss(val_error: float, best_val_error: float) -> float:
    """GL(t) = 100 · (E_va(t) / E_opt(t) − 1), in percent.

    A best error of 0 (a perfect validation score) gives 0 when the current error
    is 0 too and +inf otherwise, the limit of the ratio.

    Example:
        >>> round(generalization_loss(0.22, 0.20), 6)
        10.0
    """
    if best_val_error == 0.0:
        return 0.0 if val_error == 0.0 else math.inf
    return 100.0 * (val_error / best_val_error - 1.0)


def training_progress(strip_train_errors: Sequence[float]) -> float:
    """P_k(t) = 1000 · (mean of the strip's training errors / their minimum − 1), per mille.

    Large while the training error still falls inside the strip, 0 when it stayed
    flat. A strip whose minimum is 0 gives 0 if every error is 0 (no progress left
    to make) and +inf otherwise.

    Example:
        >>> training_progress([0.5, 0.45, 0.4])
        125.0
    """
    k = len(strip_train_errors)
    smallest = min(strip_train_errors)
    total = sum(strip_train_errors)
    if smallest == 0.0:
        return 0.0 if total == 0.0 else math.inf
    return 1000.0 * (total / (k * smallest) - 1.0)


class StoppingCriterion(Protocol):
    """What `EarlyStopping` needs from a criterion."""

    name: str

    def step(self, train_error: float, val_error: float) -> bool: ...

    def values(self) -> dict[str, float]: ...


def _check_positive(key: str, value: float, strict: bool = True) -> None:
    if not (value > 0 if strict else value >= 0) or not math.isfinite(value):
        raise ConfigError(key, value, "a finite number > 0" if strict else "a finite number >= 0")


class Patience:
    """Stop after `patience` epochs without improvement (Keras / Lightning semantics).

    An epoch improves when its value beats the best so far by more than `min_delta`:
    value < best − min_delta (mode min) or value > best + min_delta (mode max). Only an
    improving epoch becomes the new reference. A NaN never improves.

    Args:
        patience: epochs without improvement that stop training (≥ 1).
        min_delta: the smallest change that counts as an improvement (≥ 0).
        mode: "min" (losses, errors) or "max" (accuracies).

    Example:
        >>> rule = Patience(2)
        >>> [rule.step(0.0, v) for v in (1.0, 0.9, 0.95, 0.91)]
        [False, False, False, True]

    Reference:
        keras.callbacks.EarlyStopping; lightning.pytorch.callbacks.EarlyStopping.
    """

    def __init__(self, patience: int, min_delta: float = 0.0, mode: Literal["min", "max"] = "min") -> None:
        if int(patience) != patience or patience < 1:
            raise ConfigError("early_stopping.patience", patience, "a whole number >= 1")
        _check_positive("early_stopping.min_delta", min_delta, strict=False)
        if mode not in ("min", "max"):
            raise ConfigError("early_stopping.mode", mode, "min | max")
        self.patience, self.min_delta, self.mode = int(patience), float(min_delta), mode
        self.name = "patience"
        self.best = math.inf if mode == "min" else -math.inf
        self.wait = 0

    def improves(self, value: float) -> bool:
        """True when `value` beats the reference by more than `min_delta`."""
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def step(self, train_error: float, val_error: float) -> bool:
        """Feed one epoch; `val_error` is the monitored value (`train_error` is unused)."""
        if self.improves(val_error):
            self.best, self.wait = val_error, 0
        else:
            self.wait += 1
        return self.wait >= self.patience

    def values(self) -> dict[str, float]:
        return {"wait": float(self.wait)}


class GL:
    """GL_α: stop after the first epoch whose generalization loss exceeds α percent.

    Example:
        >>> rule = GL(alpha=5.0)
        >>> [rule.step(0.0, e) for e in (0.30, 0.20, 0.205, 0.22)]
        [False, False, False, True]

    Reference:
        Prechelt 1998, section 2.2 (class 1 criteria).
    """

    def __init__(self, alpha: float) -> None:
        _check_positive("early_stopping.alpha", alpha)
        self.alpha = float(alpha)
        self.name = f"GL_{alpha:g}"
        self.best_val_error = math.inf
        self.gl = math.nan

    def update(self, val_error: float) -> float:
        """Record E_va(t), update E_opt(t) and return GL(t)."""
        self.best_val_error = min(self.best_val_error, val_error)
        self.gl = generalization_loss(val_error, self.best_val_error)
        return self.gl

    def step(self, train_error: float, val_error: float) -> bool:
        return self.update(val_error) > self.alpha

    def values(self) -> dict[str, float]:
        return {"gl": self.gl}


class PQ:
    """PQ_α: stop at the first strip end where GL(t) / P_k(t) exceeds α.

    GL is tracked every epoch (E_opt needs every validation error); the quotient is
    only formed at strip ends t = k, 2k, …, over the last k training errors. A
    training progress of 0 makes the quotient +inf when GL > 0 and 0 when GL = 0.

    Example:
        >>> rule = PQ(alpha=0.5, strip=2)
        >>> [rule.step(tr, va) for tr, va in [(0.5, 0.30), (0.4, 0.20), (0.39, 0.21), (0.389, 0.22)]]
        [False, False, False, True]

    Reference:
        Prechelt 1998, section 2.2 (class 2 criteria).
    """

    def __init__(self, alpha: float, strip: int = 5) -> None:
        _check_positive("early_stopping.alpha", alpha)
        if int(strip) != strip or strip < 1:
            raise ConfigError("early_stopping.strip", strip, "a whole number >= 1")
        self.alpha, self.strip = float(alpha), int(strip)
        self.name = f"PQ_{alpha:g}"
        self.generalization = GL(alpha)
        self.train_errors: deque[float] = deque(maxlen=self.strip)
        self.epochs = 0
        self.progress = math.nan
        self.quotient = math.nan

    def step(self, train_error: float, val_error: float) -> bool:
        self.epochs += 1
        self.train_errors.append(train_error)
        gl = self.generalization.update(val_error)
        self.progress = self.quotient = math.nan
        if self.epochs % self.strip != 0:
            return False
        self.progress = training_progress(list(self.train_errors))
        if self.progress == 0.0:
            self.quotient = math.inf if gl > 0 else 0.0
        else:
            self.quotient = gl / self.progress
        return self.quotient > self.alpha

    def values(self) -> dict[str, float]:
        return {"gl": self.generalization.gl, "progress": self.progress, "pq": self.quotient}


class UP:
    """UP_s: stop when the validation error rose in `s` successive strips.

    At each strip end t (a multiple of k) E_va(t) is compared with E_va(t − k), the
    previous strip end; a rise extends the run of increases, anything else resets
    it. The first comparison is therefore at t = 2k.

    Example:
        >>> rule = UP(s=2, strip=1)
        >>> [rule.step(0.0, e) for e in (0.3, 0.2, 0.25, 0.2, 0.22, 0.23)]
        [False, False, False, False, False, True]

    Reference:
        Prechelt 1998, section 2.2 (class 3 criteria).
    """

    def __init__(self, s: int, strip: int = 5) -> None:
        if int(s) != s or s < 1:
            raise ConfigError("early_stopping.successive_strips", s, "a whole number >= 1")
        if int(strip) != strip or strip < 1:
            raise ConfigError("early_stopping.strip", strip, "a whole number >= 1")
        self.successive, self.strip = int(s), int(strip)
        self.name = f"UP_{s}"
        self.generalization = GL(1.0)  # GL is reported alongside, never used to stop
        self.epochs = 0
        self.previous_strip_error: float | None = None
        self.increases = 0

    def step(self, train_error: float, val_error: float) -> bool:
        self.epochs += 1
        self.generalization.update(val_error)
        if self.epochs % self.strip != 0:
            return False
        if self.previous_strip_error is not None and val_error > self.previous_strip_error:
            self.increases += 1
        else:
            self.increases = 0
        self.previous_strip_error = val_error
        return self.increases >= self.successive

    def values(self) -> dict[str, float]:
        return {"gl": self.generalization.gl, "up_strips": float(self.increases)}
