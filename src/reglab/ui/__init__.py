"""`reglab ui`: a local, read-only dashboard of the run store.

Pages: the runs table (sort, filter by text and key, group with mean ± std, live
progress), one run (config against the defaults, curves, trajectory, weight histograms,
files), a comparison of selected runs, and sweeps (parallel coordinates, heatmap, best
runs); a JSON API under `/api/` (docs/ui.md). The store is opened read-only and every
script, style and figure library is served by the dashboard itself.

The web stack (Starlette, uvicorn, plotly) is the optional `ui` extra; import
`reglab.ui.app` or `reglab.ui.serve` only where it is installed.
"""

__all__ = ["create_app", "serve"]


def __getattr__(name: str):
    if name == "create_app":
        from reglab.ui.app import create_app

        return create_app
    if name == "serve":
        from reglab.ui.serve import serve

        return serve
    raise AttributeError(name)
