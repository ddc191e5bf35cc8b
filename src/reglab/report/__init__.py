"""Reports: figures of stored runs (PNG, SVG, GIF) and one self-contained HTML file.

Public API:
    write_report(store, run_ids, out, title, notes, figures_dir) -> Path
    render_report(runs, figures, title, notes) -> str
    report_figures(runs) -> list[ReportFigure]; write_figures(figures, folder)
    load_report_runs(store, run_ids) -> list[ReportRun]; config_differences(runs)
    the figure builders in `reglab.report.plots` and `predictions_gif`.

The names are imported on first use (PEP 562): the figure code imports matplotlib and
PyTorch, and the dashboard (`reglab ui`) reads the small rules it shares with the
reports (`reglab.report.line_widths`, `reglab.report.pruned_weights`,
`reglab.report.stop_reason`) without loading either.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

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

_MODULES = {
    "ReportFigure": "figures",
    "report_figures": "figures",
    "write_figures": "figures",
    "RegressionFrames": "gif",
    "predictions_gif": "gif",
    "regression_predictions": "gif",
    "ReportNote": "html",
    "default_report_path": "html",
    "render_report": "html",
    "write_report": "html",
    "ReportRun": "runs",
    "config_differences": "runs",
    "load_report_runs": "runs",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module 'reglab.report' has no attribute {name!r}")
    value = getattr(import_module(f"reglab.report.{_MODULES[name]}"), name)
    globals()[name] = value  # later lookups (and monkeypatch.setattr) see a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
