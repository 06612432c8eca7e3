"""Where a project's own state lives outside it: write locks and the journals of changes in
progress, in the user's state folder (platformdirs), one folder per project (named from its
resolved path). Nothing a repository holds can pose as either. `TRACKER_STATE_DIR` moves it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def state_home() -> Path:
    override = os.environ.get("TRACKER_STATE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_state_dir

    return Path(user_state_dir("tracker", appauthor=False))


def project_state_dir(root: Path) -> Path:
    """Per-project state that is not a cache (write locks, journals of interrupted writes):
    kept outside the project, so nothing a repository holds can pose as one."""
    resolved = os.fspath(Path(root).resolve())
    digest = hashlib.sha256(resolved.encode("utf-8", "surrogateescape")).hexdigest()[:24]
    return state_home() / digest
