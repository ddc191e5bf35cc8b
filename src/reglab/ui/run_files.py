"""A run's folder as the dashboard sees it: the list of its files, and safe paths into it.

Only regular files inside `<store>/runs/<id>/` are ever served: a path with `..`, an
absolute path, or a link leading outside the folder resolves to nothing (404).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = ["RUN_ID_PATTERN", "run_folder", "list_run_files", "resolve_run_file"]

RUN_ID_PATTERN = re.compile(r"[A-Za-z0-9_\-]{1,64}")
MAX_LISTED_FILES = 500


def run_folder(store_dir: Path, run_id: str) -> Path | None:
    if not RUN_ID_PATTERN.fullmatch(run_id):
        return None
    return store_dir / "runs" / run_id


def resolve_run_file(store_dir: Path, run_id: str, relative: str) -> Path | None:
    """The file `relative` inside the run's folder, or None when it is not one."""
    folder = run_folder(store_dir, run_id)
    if folder is None or not relative:
        return None
    parts = relative.replace("\\", "/").split("/")
    if relative.startswith("/") or any(part in ("..", "") or ":" in part for part in parts):
        return None
    root = folder.resolve()
    candidate = (root / Path(*parts)).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def list_run_files(store_dir: Path, run_id: str) -> list[dict[str, Any]]:
    """Every regular file of the run's folder (at most 500), as `{path, size}`, sorted."""
    folder = run_folder(store_dir, run_id)
    if folder is None or not folder.is_dir():
        return []
    root = folder.resolve()
    files = []
    for path in sorted(folder.rglob("*")):
        if len(files) >= MAX_LISTED_FILES:
            break
        if path.is_file() and path.resolve().is_relative_to(root):
            files.append({"path": path.relative_to(folder).as_posix(), "size": path.stat().st_size})
    return files
