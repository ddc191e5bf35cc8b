"""One self-contained HTML report: notes, metric table, config differences, figures.

Figures are embedded as base64 PNG (animations as base64 GIF) and the stylesheet is
inline, so the file opens anywhere without a network or the store beside it.
Written by hand with `html.escape` rather than a template engine: the page is
small and fixed, and a dependency would buy nothing.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

from reglab.report.config_table import config_table
from reglab.report.figures import ReportFigure, report_figures, write_figures
from reglab.report.runs import ReportRun, load_report_runs
from reglab.report.tables import BEST_COLUMNS, FINAL_COLUMNS, group_rows, metrics_rows, run_names_note
from reglab.store import RunStore

__all__ = ["ReportNote", "render_report", "write_report", "default_report_path"]

STYLESHEET = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto;
       max-width: 1200px; padding: 0 1rem; color: #1d1d1f; background: #fff; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
.meta { color: #666; font-size: .9rem; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .85rem; }
th, td { border: 1px solid #ddd; padding: .3rem .55rem; text-align: right; vertical-align: top; }
td + td, .word { white-space: nowrap; }
td.long { white-space: normal; text-align: left; min-width: 14rem; }
th { background: #f4f4f6; }
td:first-child, th:first-child { text-align: left; }
td:first-child { min-width: 9rem; } /* run and config names keep two words a line when the table scrolls */
.scroll { overflow-x: auto; }
figure { margin: 1.6rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #444; font-size: .9rem; margin-top: .3rem; }
pre { background: #f7f7f9; padding: .8rem; overflow-x: auto; font-size: .85rem; }
nav a { margin-right: .8rem; }
"""


@dataclass(frozen=True)
class ReportNote:
    """Free text shown before the tables (a preset's description, learned weights...).

    Attributes:
        title: the heading.
        text: the body.
        preformatted: keep spacing and line breaks (tables of numbers).
        figure: a figure shown under the text (a preset's own plot); also saved by `--figures`.
    """

    title: str
    text: str
    preformatted: bool = False
    figure: ReportFigure | None = None


def _words(text: str) -> str:
    """A first-column cell that may wrap between words only: a narrow column had broken
    `l2=1e-4` after its hyphen."""
    return " ".join(f'<span class="word">{html.escape(word)}</span>' for word in text.split(" "))


# A value longer than this (a list of 13 pruning fractions) wraps between its words: on
# one line it made its column as wide as the page and squeezed the run names.
LONG_CELL = 40


def _cell(index: int, text: str) -> str:
    if index == 0:
        return f"<td>{_words(text)}</td>"
    if len(text) > LONG_CELL:
        return f'<td class="long">{_words(text)}</td>'
    return f"<td>{html.escape(text)}</td>"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(_cell(index, cell) for index, cell in enumerate(row)) + "</tr>" for row in rows)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _figure(figure: ReportFigure) -> str:
    if figure.gif is not None:
        source = "data:image/gif;base64," + base64.b64encode(figure.gif).decode("ascii")
    else:
        source = "data:image/png;base64," + base64.b64encode(figure.png()).decode("ascii")
    return (
        f'<figure id="{html.escape(figure.key)}"><h3>{html.escape(figure.title)}</h3>'
        f'<img src="{source}" alt="{html.escape(figure.title)}">'
        f"<figcaption>{html.escape(figure.caption)}</figcaption></figure>"
    )


def _note(note: ReportNote) -> str:
    body = f"<pre>{html.escape(note.text)}</pre>" if note.preformatted else f"<p>{html.escape(note.text)}</p>"
    if note.figure is not None:
        body += _figure(note.figure)
    return f"<h2>{html.escape(note.title)}</h2>{body}"


def render_report(
    runs: Sequence[ReportRun],
    figures: Sequence[ReportFigure],
    title: str = "reglab report",
    notes: Sequence[ReportNote] = (),
) -> str:
    """The report as one HTML string (see the module docstring for what it holds)."""
    from reglab import __version__

    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    final_header, final_rows = metrics_rows(runs, FINAL_COLUMNS)
    best_header, best_rows = metrics_rows(runs, BEST_COLUMNS, identity=False)
    config = config_table(runs)
    group_header, groups = group_rows(runs)
    group_section = [
        '<h2 id="seeds">Configs over seeds</h2>',
        "<p>Runs that share a config name differ only by seed: mean ± sample standard deviation (n − 1) "
        "over them. The figures draw such a group as its mean curve with a ±1 std band.</p>",
        _table(group_header, groups),
    ] if groups else []
    config_section = (
        f"<p>{html.escape(config.intro)}</p>"
        + (_table(config.header, config.rows) if config.rows else "")
        + (f'<p class="meta" id="config-notes">{"<br>".join(html.escape(note) for note in config.notes)}</p>' if config.notes else "")
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{STYLESHEET}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">{len(runs)} run{"s" if len(runs) != 1 else ""} · reglab {html.escape(__version__)}'
        f" · made {stamp}</p>",
        '<nav><a href="#metrics">metrics</a><a href="#config">config</a><a href="#figures">figures</a></nav>',
        *(_note(note) for note in notes),
        '<h2 id="metrics">Final and best metrics</h2>',
        "<p>Each run's figures, the same as in <code>reglab compare</code> and <code>reglab runs list</code>: "
        "train metrics, ‖θ‖ (the norm of all parameters) and sparsity (the fraction of zero weights) at the "
        "<em>last epoch</em>; validation and test metrics of the <em>weights kept</em>, the weights the run "
        "ended with (after restoring the best epoch, averaging or pruning; the last epoch's otherwise).</p>",
        _table(final_header, final_rows),
        *([f'<p class="meta" id="run-names">{html.escape(note)}</p>'] if (note := run_names_note(runs)) else []),
        "<p>At the best epoch, chosen by the metric named in <em>chosen by</em> (the metrics logged during "
        "that epoch).</p>",
        _table(best_header, best_rows),
        *group_section,
        '<h2 id="config">Config differences</h2>',
        config_section,
        f'<h2 id="figures">Figures ({len(figures)})</h2>',
        *(_figure(figure) for figure in figures),
        "</body></html>",
    ]
    return "\n".join(parts)


def default_report_path(store: RunStore, stem: str) -> Path:
    """`<store>/reports/<stem>-<UTC timestamp>.html`."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    safe = "".join(char if char.isalnum() or char in "-_" else "-" for char in stem).strip("-") or "report"
    return store.reports_dir() / f"{safe}-{stamp}.html"


def write_report(
    store: RunStore | str | Path,
    run_ids: Sequence[str],
    out: str | Path | None = None,
    title: str = "reglab report",
    notes: Sequence[ReportNote] = (),
    figures_dir: str | Path | None = None,
) -> Path:
    """Read runs from the store, build every figure that applies, write the HTML file.

    Args:
        store: the run store.
        run_ids: run ids (unique prefixes are enough), in the order to show them.
        out: the HTML file; default `<store>/reports/<title>-<timestamp>.html`.
        title: the page title.
        notes: text sections shown first.
        figures_dir: also save every figure there as PNG + SVG (GIF for animations).

    Returns:
        The path of the HTML file.

    Example:
        >>> write_report(RunStore("reglab-runs"), ["3f2a", "9b1c"], "compare.html")
    """
    store = RunStore.of(store)  # a folder is accepted wherever a store is
    runs: list[ReportRun] = load_report_runs(store, run_ids)
    figures = report_figures(runs)
    path = Path(out) if out is not None else default_report_path(store, title)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(runs, figures, title, notes), encoding="utf-8")
    if figures_dir is not None:
        write_figures([*(note.figure for note in notes if note.figure is not None), *figures], figures_dir)
    return path
