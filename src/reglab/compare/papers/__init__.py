"""The papers the presets reproduce, measured on their runs: lottery tickets (Frankle &
Carbin 2019), early-stopping criteria (Prechelt 1998) and memorisation (Zhang et al. 2017).

Each module reads finished runs and states what was measured (a table, a figure); it
never asserts the paper's outcome, so a report shows honestly when an effect is absent.
"""

from reglab.compare.papers.memorisation import fit_time_table, fit_times
from reglab.compare.papers.prechelt import CRITERIA, CriterionStop, criterion_table, stop_on_history
from reglab.compare.papers.tickets import (
    CONTROL_ARM,
    TARGETS,
    TicketPoint,
    control_configs,
    plot_tickets,
    ticket_points,
    ticket_table,
)

__all__ = [
    "CONTROL_ARM",
    "CRITERIA",
    "CriterionStop",
    "TARGETS",
    "TicketPoint",
    "control_configs",
    "criterion_table",
    "fit_time_table",
    "fit_times",
    "plot_tickets",
    "stop_on_history",
    "ticket_points",
    "ticket_table",
]
