"""Article import: from a paste, a file or a URL to an evidence draft the analyst finishes.

- `extract`: one `Article` (metadata and main text) from a paste, a file, a page or a URL;
- `similar`: same address, same text, same event among the evidence and drafts;
- `suggest`: the recommendations an article bears on, ranked and explained;
- `drafts`: drafts on disk, and promoting a finished one to evidence;
- `index_cache`: the indexes the two above search, built from a workspace.

The names below are importable from `tracker.ingest` itself; each is loaded on first use, so
importing the package costs nothing.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "Article": "extract",
    "IngestError": "extract",
    "MAX_FILE_BYTES": "extract",
    "MAX_TEXT_CHARS": "extract",
    "extract_bytes": "extract",
    "extract_file": "extract",
    "extract_html": "extract",
    "extract_text": "extract",
    "fetch_url": "extract",
    "find_date": "extract",
    "guess_language": "extract",
    "trim_boilerplate": "extract",
    "SameEventCandidate": "similar",
    "SimilarityIndex": "similar",
    "find_same_event": "similar",
    "NodeIndex": "suggest",
    "Suggestion": "suggest",
    "similarity_index": "index_cache",
    "node_index": "index_cache",
    "Draft": "drafts",
    "DraftError": "drafts",
    "make_draft": "drafts",
    "save_draft": "drafts",
    "load_draft": "drafts",
    "list_drafts": "drafts",
    "promote": "drafts",
    "slugify": "drafts",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'tracker.ingest' has no attribute {name!r}")
    return getattr(importlib.import_module(f"tracker.ingest.{module}"), name)
