"""The JSON API under `/api/` (documented in docs/ui.md). Every endpoint only reads."""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from reglab.presentation.line_widths import run_widths
from reglab.text_table import shown_names
from reglab.ui.filters import FilterError
from reglab.ui.histograms import weight_histograms
from reglab.ui.run_detail import config_differences, run_details, run_history
from reglab.ui.run_files import list_run_files, run_folder
from reglab.ui.state import UIState
from reglab.ui.sweeps import sweep_heatmap, sweep_list, sweep_table
from reglab.ui.tables import ColumnError, RunsQuery, run_groups, runs_page

__all__ = ["api_routes", "runs_query", "json_response", "finite", "QueryError"]

MAX_COMPARED = 12
# The compare page's lines in CSS pixels, by the reports' rule (`reglab.presentation.line_widths`).
LINE_WIDTHS_PX = {"thin": 1.6, "thick": 5.0}


class QueryError(ValueError):
    """A bad query-string value; the message names the parameter and what is allowed."""


class StrictJSONResponse(JSONResponse):
    """JSON without NaN (null instead), compact."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, allow_nan=False, separators=(",", ":"), default=_default).encode()


def _default(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return str(value)


def finite(value: Any) -> Any:
    """The same structure with NaN and infinities replaced by None (strict JSON)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def json_response(content: Any, status_code: int = 200) -> Response:
    try:
        return StrictJSONResponse(content, status_code=status_code)
    except ValueError:  # a NaN somewhere deep (a summary, a config): clean it and try again
        return StrictJSONResponse(finite(content), status_code=status_code)


def error(message: str, status_code: int = 400) -> Response:
    return json_response({"error": message}, status_code)


def _integer(params: Any, name: str, default: int, low: int = 0) -> int:
    text = params.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise QueryError(f"{name}: got {text!r}; allowed: a whole number >= {low}") from None
    if value < low:
        raise QueryError(f"{name}: got {text!r}; allowed: a whole number >= {low}")
    return value


def _keys(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def runs_query(params: Any) -> RunsQuery:
    """Read `q, sort, order, offset, limit, columns, group, sweep` of a query string."""
    order = params.get("order") or "desc"
    if order not in ("asc", "desc"):
        raise QueryError(f"order: got {order!r}; allowed: asc, desc")
    return RunsQuery(
        filter=params.get("q") or "",
        sort=params.get("sort") or "started_at",
        descending=order == "desc",
        offset=_integer(params, "offset", 0),
        limit=_integer(params, "limit", 100, low=1),
        columns=_keys(params.get("columns")),
        group_by=_keys(params.get("group")),
        sweep=params.get("sweep") or None,
    )


def _guarded(handler):
    """Bad input → 400 with one line; an unknown run or sweep → 404."""

    def endpoint(request: Request) -> Response:
        try:
            return handler(request, request.app.state.ui)
        except (QueryError, FilterError, ColumnError) as bad:
            return error(str(bad))
        except LookupError as missing:
            return error(f"not found: {missing.args[0] if missing.args else ''}", 404)

    endpoint.__name__ = handler.__name__
    return endpoint


def runs(request: Request, ui: UIState) -> Response:
    query = runs_query(request.query_params)
    snapshot = ui.index.snapshot()
    return json_response(run_groups(snapshot, query) if query.group_by else runs_page(snapshot, query))


def keys(request: Request, ui: UIState) -> Response:
    snapshot = ui.index.snapshot()
    return json_response({"config": snapshot.config_keys, "metrics": snapshot.metric_keys})


def version(request: Request, ui: UIState) -> Response:
    snapshot = ui.index.snapshot()
    running = [record.id for record in snapshot.records if record.status == "running" and not record.stale]
    return json_response({"version": snapshot.version, "runs": len(snapshot.records), "running": running, "live": ui.database.live})


def _run_id(request: Request, ui: UIState) -> str:
    run_id = request.path_params["run_id"]
    if run_folder(ui.store_dir, run_id) is None or not ui.database.query("SELECT 1 FROM runs WHERE id = ?", (run_id,)):
        raise LookupError(f"run {run_id}")
    return run_id


def run(request: Request, ui: UIState) -> Response:
    run_id = _run_id(request, ui)
    details = run_details(ui.database, run_id)
    record = ui.index.snapshot().by_id.get(run_id)
    details["stale"] = bool(record and record.stale)
    details["files"] = list_run_files(ui.store_dir, run_id)
    return json_response(details)


def history(request: Request, ui: UIState) -> Response:
    run_id = _run_id(request, ui)
    after = _integer(request.query_params, "after", -1, low=-1)
    status = ui.database.query("SELECT status, epochs FROM runs WHERE id = ?", (run_id,))[0]
    record = ui.index.snapshot().by_id.get(run_id)
    payload = run_history(ui.database, run_id, after)
    payload.update({"status": "interrupted" if record and record.stale else status[0], "epochs_done": status[1]})
    return json_response(payload)


def histograms(request: Request, ui: UIState) -> Response:
    run_id = _run_id(request, ui)
    return json_response(weight_histograms(run_folder(ui.store_dir, run_id)))


def files(request: Request, ui: UIState) -> Response:
    run_id = _run_id(request, ui)
    return json_response({"files": list_run_files(ui.store_dir, run_id)})


def compare(request: Request, ui: UIState) -> Response:
    ids = list(dict.fromkeys(part.strip() for part in (request.query_params.get("ids") or "").split(",") if part.strip()))
    if not ids or len(ids) > MAX_COMPARED:
        raise QueryError(f"ids: got {len(ids)} run ids; allowed: 1 to {MAX_COMPARED} comma-separated run ids")
    details = []
    for run_id in ids:
        found = run_details(ui.database, run_id) if run_folder(ui.store_dir, run_id) else None
        if found is None:
            raise LookupError(f"run {run_id}")
        details.append(found)
    labels, shown, legend = compared_names([item["name"] for item in details], ids)
    widths = run_widths(len(details), **LINE_WIDTHS_PX)
    return json_response(
        {
            "runs": [
                {key: item[key] for key in ("id", "name", "status", "sweep", "epochs", "epochs_planned", "started_at", "ended_at", "summary")}
                | {"label": label, "shown_name": name, "line_width": width}
                for item, label, name, width in zip(details, labels, shown, widths)
            ],
            "run_names": legend,
            "config_differences": config_differences([item["config"] for item in details]),
        }
    )


def compared_names(names: list[str], ids: list[str]) -> tuple[list[str], list[str], str]:
    """Each compared run's label (its name, with the id's first six characters when two runs
    share the name), the label as shown (`compare --vary` keys by their short names, by
    the rule of the terminal's tables: `reglab.text_table.shown_names`), and the line
    saying what the short keys stand for ("" when nothing was shortened).

    Example:
        >>> compared_names(["optimizer.lr=0.1", "optimizer.lr=0.1"], ["3f2a9b1c", "9b1c3f2a"])
        (['optimizer.lr=0.1 (3f2a9b)', 'optimizer.lr=0.1 (9b1c3f)'], ['lr=0.1 (3f2a9b)', 'lr=0.1 (9b1c3f)'], 'run names: lr = optimizer.lr')
    """
    labels = [f"{name} ({run_id[:6]})" if names.count(name) > 1 else name for name, run_id in zip(names, ids)]
    shown, legend = shown_names(labels)
    return labels, shown, " ".join(legend)


def sweeps(request: Request, ui: UIState) -> Response:
    return json_response({"sweeps": sweep_list(ui.index.snapshot())})


def sweep(request: Request, ui: UIState) -> Response:
    best = _integer(request.query_params, "best", 10, low=1)
    extra = _keys(request.query_params.get("columns"))
    return json_response(sweep_table(ui.index.snapshot(), request.path_params["name"], request.query_params.get("metric"), best, extra))


def heatmap(request: Request, ui: UIState) -> Response:
    params = request.query_params
    missing = [name for name in ("x", "y", "metric") if not params.get(name)]
    if missing:
        raise QueryError(f"{missing[0]}: missing; allowed: a config key (x, y) or a metric key (metric)")
    return json_response(sweep_heatmap(ui.index.snapshot(), request.path_params["name"], params["x"], params["y"], params["metric"]))


def api_routes() -> list[Route]:
    return [
        Route("/api/runs", _guarded(runs)),
        Route("/api/keys", _guarded(keys)),
        Route("/api/version", _guarded(version)),
        Route("/api/runs/{run_id}", _guarded(run)),
        Route("/api/runs/{run_id}/history", _guarded(history)),
        Route("/api/runs/{run_id}/histograms", _guarded(histograms)),
        Route("/api/runs/{run_id}/files", _guarded(files)),
        Route("/api/compare", _guarded(compare)),
        Route("/api/sweeps", _guarded(sweeps)),
        Route("/api/sweeps/{name:path}/table", _guarded(sweep)),
        Route("/api/sweeps/{name:path}/heatmap", _guarded(heatmap)),
    ]
