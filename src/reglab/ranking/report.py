"""The ranking as an 80-column terminal table and as an HTML page with one scatter per measure."""

from __future__ import annotations

import base64
import html
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

from reglab.ranking.collect import MEASURE_PREFIX, SweepRuns
from reglab.ranking.rank import MeasureRank
from reglab.report.html import STYLESHEET
from reglab.text_table import Column, TextTable, render_table

__all__ = ["ranking_table", "render_ranking_page", "write_ranking_page", "gap_label"]

_GRID_STYLE = """
.scatters { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: .6rem; }
.scatters figure { margin: .4rem 0; }
table.ranking td:nth-child(2), table.ranking th:nth-child(2) { text-align: left; }
"""


def gap_label(kind: str) -> str:
    """What the gap is, in words."""
    return "train acc − test acc" if kind == "acc" else "test loss − train loss"


def _short(name: str) -> str:
    return name[len(MEASURE_PREFIX):] if name.startswith(MEASURE_PREFIX) else name


def _number(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:+.3f}"


def ranking_table(sweep: SweepRuns, ranks: Sequence[MeasureRank], width: int = 80) -> str:
    """The ranking as text at most `width` columns wide."""
    table = TextTable(
        [
            Column("#", [str(index + 1) for index in range(len(ranks))], optional=False),
            Column("measure", [_short(rank.name) for rank in ranks], align="left", wrap=True, identity=True, optional=False),
            Column("τ", [_number(rank.tau) for rank in ranks], optional=False),
            Column("Ψ", [_number(rank.granulated.psi) for rank in ranks], optional=False),
            Column("runs", [str(rank.runs) for rank in ranks], optional=False),
        ],
        title=f"sweep {sweep.sweep}: {len(ranks)} measures over {len(sweep.run_ids)} runs, gap = {gap_label(sweep.gap_kind)}",
        notes=_notes(sweep),
    )
    return render_table(table, width)


def _notes(sweep: SweepRuns) -> list[str]:
    notes = [
        "τ: Kendall's τ of measure and gap over all runs; Ψ: granulated τ, the mean over "
        "hyperparameters of the mean τ where only that one varies (Jiang et al. 2019).",
        f"hyperparameters: {', '.join(sweep.varied) if sweep.varied else 'none vary (Ψ undefined)'}",
    ]
    if sweep.skipped:
        notes.append("left out: " + ", ".join(f"{count} ({reason})" for reason, count in sorted(sweep.skipped.items())))
    return notes


def _scatter_png(sweep: SweepRuns, rank: MeasureRank) -> bytes:
    from matplotlib.ticker import MaxNLocator

    from reglab.report.plots.style import figure_bytes, figure_style, new_figure

    values = sweep.measures[rank.name]
    points = [(value, gap) for value, gap in zip(values, sweep.gaps) if math.isfinite(value)]
    with figure_style():
        figure = new_figure(4.2, 3.2)
        axes = figure.add_subplot()
        axes.scatter([x for x, _ in points], [y for _, y in points], s=12, alpha=0.6, color="#1f6fb4", linewidths=0)
        positive = [x for x, _ in points if x > 0]
        if len(positive) == len(points) and positive and max(positive) / min(positive) > 100:
            axes.set_xscale("log")  # norm products span decades; τ depends on the order only
        else:
            axes.xaxis.set_major_locator(MaxNLocator(5))
        axes.set_xlabel(_short(rank.name))
        axes.set_ylabel(f"gap ({gap_label(sweep.gap_kind)})")
        axes.set_title(f"τ = {_number(rank.tau)}   Ψ = {_number(rank.granulated.psi)}")
        return figure_bytes(figure, "png")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<div class="scroll"><table class="ranking"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def render_ranking_page(sweep: SweepRuns, ranks: Sequence[MeasureRank]) -> str:
    """The HTML page: what was measured, the ranking with each hyperparameter's mean τ, the scatters."""
    from reglab import __version__

    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    header = ["#", "measure", "τ", "Ψ", *(f"τ | {key}" for key in sweep.varied), "runs"]
    rows = [
        [str(index + 1), _short(rank.name), _number(rank.tau), _number(rank.granulated.psi),
         *(_number(rank.granulated.per_hyperparameter.get(key, math.nan)) for key in sweep.varied), str(rank.runs)]
        for index, rank in enumerate(ranks)
    ]
    figures = []
    for rank in ranks:
        source = "data:image/png;base64," + base64.b64encode(_scatter_png(sweep, rank)).decode("ascii")
        label = html.escape(_short(rank.name))
        figures.append(f'<figure><img src="{source}" alt="{label} against the gap"></figure>')
    title = f"Which measure predicts generalization: sweep {sweep.sweep}"
    notes = "".join(f"<p>{html.escape(note)}</p>" for note in _notes(sweep))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{STYLESHEET}{_GRID_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">{len(sweep.run_ids)} runs · {len(ranks)} measures · gap = {html.escape(gap_label(sweep.gap_kind))}'
        f" · reglab {html.escape(__version__)} · made {stamp}</p>",
        '<h2 id="ranking">Ranking</h2>',
        "<p>Measures ordered by Kendall's τ with the generalization gap, highest first: a measure "
        "that grows with the gap scores near +1, one that falls as the gap grows near −1. "
        "<em>τ | key</em> is the mean τ over the groups of runs in which only that key varies.</p>",
        notes,
        _table(header, rows),
        f'<h2 id="scatters">Measure against gap ({len(ranks)})</h2>',
        '<div class="scatters">',
        *figures,
        "</div></body></html>",
    ]
    return "\n".join(parts)


def write_ranking_page(sweep: SweepRuns, ranks: Sequence[MeasureRank], path: str | Path) -> Path:
    """Write `render_ranking_page` to `path` (folders created); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_ranking_page(sweep, ranks), encoding="utf-8")
    return path
