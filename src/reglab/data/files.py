"""Shared checks for file-based datasets: which files are expected, one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from reglab.config.errors import ConfigError

__all__ = ["missing_files", "missing_files_error", "download_failed_error"]


def missing_files(root: str | Path, relative_paths: Iterable[str]) -> list[str]:
    """The paths (relative to `root`) that are not regular files."""
    return [path for path in relative_paths if not (Path(root) / path).is_file()]


def missing_files_error(root: str | Path, layout: str) -> ConfigError:
    """`data.root` does not hold the dataset and downloading is off.

    Example:
        >>> str(missing_files_error("data", "MNIST/raw/train-images-idx3-ubyte"))[:38]
        "data.root: got 'data'; allowed: a fol"
    """
    return ConfigError(
        "data.root",
        str(root),
        f"a folder holding {layout} (set data.download=true to fetch it when online)",
    )


def download_failed_error(root: str | Path, dataset: str, layout: str, error: BaseException) -> ConfigError:
    """Downloading was on but failed (offline, server down, bad checksum)."""
    reason = " ".join(str(error).split())[:160] or type(error).__name__
    return ConfigError(
        "data.download",
        True,
        f"a network connection to fetch {dataset} into {root} (download failed: {reason}); "
        f"or place the files there yourself: {layout}",
    )
