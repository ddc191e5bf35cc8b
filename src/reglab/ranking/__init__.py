"""Which measure predicts generalization: `reglab analyze --sweep NAME`.

| module  | what                                                                  |
|---------|-----------------------------------------------------------------------|
| kendall | `kendall_tau`, `granulated_tau` (Jiang et al. 2019's Ψ)               |
| collect | a sweep's runs as gaps, `measure/*` values and varied hyperparameters |
| rank    | `rank_measures`: every measure scored and sorted                     |
| report  | the 80-column table and the HTML page with a scatter per measure      |
"""

from reglab.ranking.collect import SweepRuns, collect_sweep
from reglab.ranking.kendall import GranulatedTau, granulated_tau, kendall_tau
from reglab.ranking.rank import MeasureRank, rank_measures
from reglab.ranking.report import ranking_table, render_ranking_page, write_ranking_page

__all__ = [
    "GranulatedTau",
    "MeasureRank",
    "SweepRuns",
    "collect_sweep",
    "granulated_tau",
    "kendall_tau",
    "rank_measures",
    "ranking_table",
    "render_ranking_page",
    "write_ranking_page",
]
