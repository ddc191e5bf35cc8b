"""Reports: figures of stored runs (PNG, SVG, GIF) and one self-contained HTML file.

Public API:
    write_report(store, run_ids, out, title, notes, figures_dir) -> Path
    render_report(runs, figures, title, notes) -> str
    report_figures(runs) -> list[ReportFigure]; write_figures(figures, folder)
    load_report_runs(store, run_ids) -> list[ReportRun]; config_differences(runs)
    the figure builders in `reglab.report.plots` and `predictions_gif`.
"""

from reglab.report.figures import ReportFigure, report_figures, write_figures
from reglab.report.gif import RegressionFrames, predictions_gif, regression_predictions
from reglab.report.html import ReportNote, default_report_path, render_report, write_report
from reglab.report.runs import ReportRun, config_differences, load_report_runs

__all__ = [
    "RegressionFrames",
    "ReportFigure",
    "ReportNote",
    "ReportRun",
    "config_differences",
    "default_report_path",
    "load_report_runs",
    "predictions_gif",
    "regression_predictions",
    "render_report",
    "report_figures",
    "write_figures",
    "write_report",
]
