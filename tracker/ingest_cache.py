"""The same-event index, kept between runs: building it reads every archived text and costs
seconds a thousand items, but it depends only on the evidence, which rarely changes between two
imports.

The index (which also carries what the suggestion ranking's "similar assessed articles vote"
needs) is stored packed in `.tracker-cache/similarity.pickle`, beside the load cache, under a
key over every evidence file: after a warm load the snapshot's digest (the path, size and
modification time of every entry below `evidence/`), else every loaded evidence file in load
order with its path, the sha256 of its TOML and the size and modification time of its archived
text. Any edited, added, removed or renamed item
changes the key, and the index is rebuilt. The key and a version tag sit in a plain header, so
a stale cache is refused without unpickling it; a corrupt or foreign file is ignored, never
trusted. Writes are atomic. As in the load cache, an archived text modified in the last seconds
keeps the index from being stored: a second edit in the same clock tick could leave size and
time unchanged.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import time
from pathlib import Path

from tracker.cachefile import no_gc, write_cache_file
from tracker.ingest_similar import SHINGLE, SHINGLE_SAMPLE, SimilarityIndex
from tracker.store import CACHE_DIR, EvidenceFile, Project

CACHE_FILE = "similarity.pickle"
MAGIC = b"tracker-similarity-cache\n"
FORMAT = 2  # bump when SimilarityIndex.build or pack changes what they produce
RACY_SECONDS = 2.0


def _version_tag() -> str:
    import numpy

    from tracker import __version__

    return (
        f"tracker {__version__} similarity v{FORMAT} shingle {SHINGLE}/{SHINGLE_SAMPLE} "
        f"numpy {numpy.__version__.split('.')[0]}"
    )


def cache_path(root: Path) -> Path:
    return root / CACHE_DIR / CACHE_FILE


def archive_texts(root: Path, evidence: list[EvidenceFile]) -> dict[str, str]:
    """The archived full texts beside evidence items, by id: same-event detection reads them."""
    texts = {}
    for ev in evidence:
        path = (root / ev.path).with_suffix(".txt")
        if ev.item.source.archive_sha256 and path.is_file():
            try:
                texts[ev.item.id] = path.read_text("utf-8", errors="replace")
            except OSError:
                continue
    return texts


def evidence_key(root: Path, evidence: list[EvidenceFile]) -> tuple[str, float]:
    """A digest of everything the index reads, and the newest archived text's mtime."""
    lines = [_version_tag()]
    newest = 0.0
    base = os.fspath(root) + os.sep
    stat = os.stat
    for ev in evidence:
        if ev.item.source.archive_sha256:  # archive_texts reads the text only then
            try:
                st = stat(base + ev.path[:-5] + ".txt")
            except OSError:
                lines.append(f"{ev.path}\0{ev.sha256}\0-")
                continue
            newest = max(newest, st.st_mtime)
            lines.append(f"{ev.path}\0{ev.sha256}\0{st.st_size}\0{st.st_mtime_ns}")
        else:
            lines.append(f"{ev.path}\0{ev.sha256}")
    return hashlib.sha256("\n".join(lines).encode()).hexdigest(), newest


def _header(key: str) -> bytes:
    return MAGIC + f"{_version_tag()}\n{key}\n".encode()


def read_cached(root: Path, key: str) -> SimilarityIndex | None:
    """The stored index for this key, or None (absent, stale, corrupt or foreign)."""
    header = _header(key)
    try:
        with open(cache_path(root), "rb") as handle:
            if handle.read(len(header)) != header:
                return None
            raw = handle.read()
    except OSError:
        return None
    try:
        return SimilarityIndex.unpack(pickle.loads(raw))
    except Exception:  # a damaged cache is rebuilt, never trusted
        return None


def write_cached(root: Path, key: str, index: SimilarityIndex) -> None:
    path = cache_path(root)
    data = _header(key) + pickle.dumps(index.pack(), protocol=pickle.HIGHEST_PROTOCOL)
    write_cache_file(path, data, ".similarity-")


def index_key(root: Path, project: Project) -> tuple[str, float]:
    """The cache key of the project's index, and the newest file time it covers."""
    state = project.state
    if state is not None and project.root == root:
        key = hashlib.sha256(f"{_version_tag()}\n{state.digest}".encode()).hexdigest()
        return key, state.newest
    return evidence_key(root, project.evidence)


def similarity_index(root: Path, project: Project, *, use_cache: bool = True) -> SimilarityIndex:
    """The same-event index over the project's evidence: from the cache when nothing changed.

    After a warm load the key is the snapshot's digest over every file below `evidence/`
    (which covers each TOML and its archived text), so a cached index is used without
    loading a single item; otherwise the key is computed from the loaded evidence.
    """
    if not use_cache:
        evidence = project.evidence
        return SimilarityIndex.build([ev.item for ev in evidence], archive_texts(root, evidence))
    with no_gc():
        key, newest = index_key(root, project)
        index = read_cached(root, key)
    if index is not None:
        return index
    evidence = project.evidence
    index = SimilarityIndex.build([ev.item for ev in evidence], archive_texts(root, evidence))
    if time.time() - newest > RACY_SECONDS:
        write_cached(root, key, index)
    return index
