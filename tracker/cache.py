"""Loading evidence files, one result per file, in the order given."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def load_files(
    root: Path,
    paths: list[Path],
    loader: Callable,
    *,
    enabled: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> list:
    results = []
    total = len(paths)
    for index, path in enumerate(paths):
        results.append(loader(root, path))
        if progress and index % 500 == 0:
            progress(index, total)
    return results
