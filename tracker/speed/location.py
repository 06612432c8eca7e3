"""Where a project's caches live: in the user's cache folder, never inside the project.

A project folder is shared (cloned, reviewed, pulled): nothing in it is trusted as a cache.
Each project gets its own folder under the user cache directory (platformdirs), named from its
resolved path, so two checkouts never share or overwrite each other's caches.
`TRACKER_CACHE_DIR` moves the whole cache elsewhere (tests, read-only homes).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

LOAD_CACHE = "load.sqlite"  # the load cache's database in a project's folder (`filecache`)


def cache_home() -> Path:
    override = os.environ.get("TRACKER_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("tracker", appauthor=False))


def project_cache_dir(root: Path) -> Path:
    """The cache folder of the project at `root` (not created here)."""
    resolved = os.fspath(Path(root).resolve())
    digest = hashlib.sha256(resolved.encode("utf-8", "surrogateescape")).hexdigest()[:24]
    return cache_home() / digest


def has_load_cache(root: Path) -> bool:
    """Whether the project at `root` has a load cache yet (False: its first run)."""
    return (project_cache_dir(root) / LOAD_CACHE).exists()
