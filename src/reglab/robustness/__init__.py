"""Adversarial robustness: FGSM and PGD on stacked inputs, accuracy under attack per run.

| module     | what                                                                   |
|------------|------------------------------------------------------------------------|
| attacks    | `fgsm`, `pgd`, `project`: the math, on (K, B, ...) inputs with (K,) ε   |
| evaluate   | `robust_metrics`: clean and attacked accuracy over an ε grid            |
| callback   | `RobustnessMonitor`: the record-only unit that measures a run's weights |
| technique  | `robustness.*` as a technique family                                   |

Adversarial training, the regularizer, is `reglab.regularizers.adversarial`.
"""

from reglab.robustness.attacks import ascent_direction, fgsm, pgd, project
from reglab.robustness.evaluate import AttackGrid, metric_key, robust_metrics

__all__ = ["AttackGrid", "ascent_direction", "fgsm", "metric_key", "pgd", "project", "robust_metrics"]
