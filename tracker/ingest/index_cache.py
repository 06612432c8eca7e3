"""The same-event index, kept between runs: building it reads every archived text and costs
seconds a thousand items, but it depends only on the evidence, which rarely changes between two
imports.

The index (which also carries what the suggestion ranking's "similar assessed articles vote"
needs) is stored as its flat columns in `.tracker-cache/similarity.pickle`, beside the load
cache, under a key over every evidence file: after a warm load the snapshot's digest (the path,
size and modification time of every entry below `evidence/`), else every loaded evidence file in
load order with its path, the sha256 of its TOML and the size and modification time of its
archived text. Any edited, added, removed or renamed item changes the key, and the index is
rebuilt.

The file is a plain header (magic, version tag, key: a stale cache is refused unread), a table
of contents (each column's type, place, length and CRC-32, itself checksummed), then the raw
columns. A suggestion reads only the columns its ranking needs (terms, norms, ids, what each
item assessed: about half the file), each checked against its CRC before use; the same-event
columns are read when an import asks for them. Nothing is unpickled, so opening costs about
what reading those bytes costs. A corrupt, truncated or foreign file is ignored and rebuilt,
never trusted. Writes are atomic. As in the load cache, an archived text modified in the last
seconds keeps the index from being stored: a second edit in the same clock tick could leave
size and time unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
import weakref
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

import numpy as np

from tracker.domain.model import EvidenceItem
from tracker.ingest.similar import (
    COLUMN_TYPES,
    EVENT_COLUMNS,
    SHINGLE,
    SHINGLE_SAMPLE,
    VOTE_COLUMNS,
    DamagedIndex,
    SimilarityIndex,
)
from tracker.ingest.suggest import (
    SEARCH_TERM_WEIGHT,
    TITLE_WEIGHT,
    NodeCorpus,
    NodeIndex,
    node_corpus,
)
from tracker.speed.cachefile import no_gc, write_cache_file
from tracker.store import CACHE_DIR, EvidenceFile, Project

CACHE_FILE = "similarity.pickle"
MAGIC = b"tracker-similarity-cache\n"
FORMAT = 3  # bump when SimilarityIndex.build or the file layout changes what is stored
ALIGN = 8
TOC_MAX = 1 << 20
RACY_SECONDS = 2.0


def _version_tag() -> str:
    import numpy

    from tracker import __version__

    return (
        f"tracker {__version__} similarity v{FORMAT} shingle {SHINGLE}/{SHINGLE_SAMPLE} "
        f"numpy {numpy.__version__.split('.')[0]} {sys.byteorder}"
    )


def cache_path(root: Path) -> Path:
    return root / CACHE_DIR / CACHE_FILE


class ArchiveTexts(Mapping[str, str]):
    """The archived full texts beside evidence items, by id, each read when asked for: the
    index build reads one at a time, so 100,000 texts are never held at once."""

    def __init__(self, root: Path, evidence: list[EvidenceFile]) -> None:
        self._root = root
        self._paths: dict[str, Path] = {}
        for ev in evidence:
            self.add(ev)

    def add(self, ev: EvidenceFile) -> None:
        """Know where this item's text is (an item that declares one)."""
        if ev.item.source.archive_sha256:
            self._paths[ev.item.id] = (self._root / ev.path).with_suffix(".txt")

    def __getitem__(self, evidence_id: str) -> str:
        path = self._paths[evidence_id]
        try:
            return path.read_text("utf-8", errors="replace")
        except OSError:  # missing or unreadable: the item's quote stands in
            raise KeyError(evidence_id) from None

    def __iter__(self) -> Iterator[str]:
        return (i for i, path in self._paths.items() if path.is_file())

    def __len__(self) -> int:
        return sum(1 for _ in self)


def archive_texts(root: Path, evidence: list[EvidenceFile]) -> Mapping[str, str]:
    """The archived full texts beside evidence items, by id: same-event detection reads them."""
    return ArchiveTexts(root, evidence)


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


class _Damaged(Exception):
    """The file is not an index we wrote for this key."""


class _CacheFile:
    """An open cache file whose header and table of contents passed their checks; columns
    and term runs are read from it (by position: a file replaced since is not read from)."""

    def __init__(self, path: Path, header: bytes) -> None:
        self.fd = os.open(path, os.O_RDONLY)
        self._closer = weakref.finalize(self, os.close, self.fd)
        try:
            self.table = self._contents(header)
        except BaseException:
            self._closer()
            raise

    def close(self) -> None:
        self._closer()

    def _read(self, offset: int, length: int) -> bytes:
        data = os.pread(self.fd, length, offset)
        if len(data) != length:
            raise _Damaged
        return data

    def _contents(self, header: bytes) -> dict[str, tuple[int, int, int]]:
        """Each column's (offset, length, crc)."""
        if self._read(0, len(header)) != header:
            raise _Damaged
        head = self._read(len(header), 12)
        size = int.from_bytes(head[:8], "little")
        if size > TOC_MAX:
            raise _Damaged
        raw = self._read(len(header) + 12, size)
        if zlib.crc32(raw) != int.from_bytes(head[8:], "little"):
            raise _Damaged
        try:
            entries = json.loads(raw)
            table = {
                name: (int(offset), int(length), int(crc))
                for name, kind, offset, length, crc in entries
                if COLUMN_TYPES.get(name) == kind
            }
        except (ValueError, TypeError):
            raise _Damaged from None
        if set(table) != set(COLUMN_TYPES) or len(entries) != len(table):
            raise _Damaged
        end = os.fstat(self.fd).st_size
        for name, (offset, length, _) in table.items():
            itemsize = np.dtype(COLUMN_TYPES[name]).itemsize
            if offset < len(header) or length < 0 or offset + length > end or length % itemsize:
                raise _Damaged
        return table

    def columns(self, names) -> dict[str, np.ndarray]:
        out = {}
        for name in names:
            offset, length, crc = self.table[name]
            data = self._read(offset, length)
            if zlib.crc32(data) != crc:
                raise _Damaged
            out[name] = np.frombuffer(data, COLUMN_TYPES[name])
        return out

    def length(self, name: str) -> int:
        return self.table[name][1] // np.dtype(COLUMN_TYPES[name]).itemsize

    def term_run(self, start: int, end: int) -> tuple[bytes, bytes]:
        """Positions and values [start:end] of the term postings (checked by the caller)."""
        positions, _, _ = self.table["term_positions"]
        values, _, _ = self.table["term_values"]
        try:
            return (
                os.pread(self.fd, 4 * (end - start), positions + 4 * start),
                os.pread(self.fd, 8 * (end - start), values + 8 * start),
            )
        except OSError:
            raise DamagedIndex("the stored index cannot be read") from None


# A suggestion reads these from the file term by term, when a query needs them.
_LAZY_TERMS = ("term_positions", "term_values")


def read_cached(root: Path, key: str, *, same_event: bool = True) -> SimilarityIndex | None:
    """The stored index for this key, or None (absent, stale, corrupt or foreign).

    `same_event=False` (suggestions) reads only what the suggestion ranking needs, and term
    postings one term at a time as a query asks (each checked against its own CRC; a failed
    check raises `DamagedIndex`); the same-event columns are then read (and checked) on first
    use. Everything comes from the file as it was opened, even if it is replaced meanwhile.
    """
    path = cache_path(root)
    try:
        cached = _CacheFile(path, _header(key))
        if same_event:
            columns = cached.columns([*VOTE_COLUMNS, *EVENT_COLUMNS])
            cached.close()
        else:
            columns = cached.columns(n for n in VOTE_COLUMNS if n not in _LAZY_TERMS)
    except (OSError, _Damaged):
        return None
    if same_event:
        more = runs = None
    else:

        def more() -> dict[str, np.ndarray]:
            try:
                return cached.columns(EVENT_COLUMNS)
            except (OSError, _Damaged):
                raise DamagedIndex(f"{path} is damaged: run the command again") from None

        runs = (cached.term_run, cached.length("term_positions"))
        if cached.length("term_values") != runs[1]:
            return None
    try:
        return SimilarityIndex(columns, more, runs)
    except (ValueError, KeyError, IndexError, TypeError):  # damaged: rebuilt, never trusted
        return None


def drop_cached(root: Path) -> None:
    """Forget a stored index found damaged late (see `DamagedIndex`): the next run rebuilds."""
    with contextlib.suppress(OSError):
        cache_path(root).unlink()


def write_cached(root: Path, key: str, index: SimilarityIndex) -> None:
    """Store the index's columns atomically, column by column (no second copy in memory); a
    read-only project is no error (it is only slower next time)."""
    path = cache_path(root)
    header = _header(key)
    columns = {name: np.ascontiguousarray(index.columns[name]) for name in COLUMN_TYPES}
    order = [*VOTE_COLUMNS, *EVENT_COLUMNS]  # a suggestion reads one stretch of the file
    entries = []
    toc_size = len(json.dumps([[n, COLUMN_TYPES[n], 2**62, 2**62, 2**32] for n in order]))
    offset = _aligned(len(header) + 12 + toc_size)
    for name in order:
        data = memoryview(columns[name]).cast("B")
        entries.append([name, COLUMN_TYPES[name], offset, data.nbytes, zlib.crc32(data)])
        offset = _aligned(offset + data.nbytes)
    toc = json.dumps(entries).encode()

    def write(handle: BinaryIO) -> None:
        handle.write(header)
        handle.write(len(toc).to_bytes(8, "little") + zlib.crc32(toc).to_bytes(4, "little"))
        handle.write(toc)
        for name, _, start, _, _ in entries:
            handle.write(b"\0" * (start - handle.tell()))
            handle.write(memoryview(columns[name]).cast("B"))

    write_cache_file(path, write, ".similarity-")


def _aligned(offset: int) -> int:
    return -(-offset // ALIGN) * ALIGN


def index_key(root: Path, project: Project) -> tuple[str, float]:
    """The cache key of the project's index, and the newest file time it covers."""
    state = project.state
    if state is not None and project.root == root:
        key = hashlib.sha256(f"{_version_tag()}\n{state.digest}".encode()).hexdigest()
        return key, state.newest
    return evidence_key(root, project.evidence)


def similarity_index(
    root: Path, project: Project, *, use_cache: bool = True, same_event: bool = True
) -> SimilarityIndex:
    """The same-event index over the project's evidence: from the cache when nothing changed.

    After a warm load the key is the snapshot's digest over every file below `evidence/`
    (which covers each TOML and its archived text), so a cached index is used without
    loading a single item; otherwise the key is computed from the loaded evidence.
    `same_event=False` (suggestions): read only the columns the suggestion ranking needs.
    """
    if not use_cache:
        return _build(root, project)
    with no_gc():
        key, newest = index_key(root, project)
        index = read_cached(root, key, same_event=same_event)
    if index is not None:
        return index
    index = _build(root, project)
    if time.time() - newest > RACY_SECONDS:
        write_cached(root, key, index)
    return index


def _build(root: Path, project: Project) -> SimilarityIndex:
    """One pass over the evidence, each item unpacked as it is reached and dropped after
    (`Project.iter_evidence`), each archived text read when its item is reached."""
    texts = ArchiveTexts(root, [])

    def items() -> Iterator[EvidenceItem]:
        for ev in project.iter_evidence():
            texts.add(ev)
            yield ev.item

    with no_gc():
        return SimilarityIndex.build(items(), texts)


# --- the stemmed paper --------------------------------------------------------------------------
# Stemming the paper's text and search terms (pure-Python Snowball) is most of what a warm
# suggestion spends outside loading; it depends only on recommendations.toml and the tokenizer,
# so it is kept in `nodes.json` under the file's sha256, with a CRC over the payload.

NODES_FILE = "nodes.json"
NODES_MAGIC = b"tracker-node-corpus\n"


def _nodes_tag() -> str:
    from tracker import __version__
    from tracker.ingest.tokens import STOP_WORDS, tokens

    words = hashlib.sha256(" ".join(sorted(STOP_WORDS)).encode()).hexdigest()[:16]
    probe = " ".join(tokens("Ministries diplomatic appointing дипломатов Мінску Belarus's"))
    return (
        f"tracker {__version__} corpus v{FORMAT} weights {TITLE_WEIGHT}/{SEARCH_TERM_WEIGHT} "
        f"stop {words} stems {probe}"
    )


def _nodes_header(key: str) -> bytes:
    return NODES_MAGIC + f"{_nodes_tag()}\n{key}\n".encode()


def _read_corpus(path: Path, header: bytes, count: int) -> NodeCorpus | None:
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if not raw.startswith(header):
        return None
    crc, _, payload = raw[len(header) :].partition(b"\n")
    try:
        if int(crc) != zlib.crc32(payload):
            return None
        documents, phrases = json.loads(payload)
        ok = (
            len(documents) == len(phrases) == count
            and all(isinstance(w, str) for doc in documents for w in doc)
            and all(
                isinstance(term, str) and stems and all(isinstance(w, str) for w in stems)
                for node in phrases
                for term, stems in node
            )
        )
    except (ValueError, TypeError):
        return None
    return (documents, phrases) if ok else None


def node_index(root: Path, project: Project, *, use_cache: bool = True) -> NodeIndex:
    """BM25 over the paper's nodes, its stemmed text kept between runs."""
    key = project.recommendations_sha256
    if not use_cache or key is None:
        return NodeIndex.build(project.nodes)
    path = root / CACHE_DIR / NODES_FILE
    header = _nodes_header(key)
    corpus = _read_corpus(path, header, len(project.nodes))
    if corpus is None:
        corpus = node_corpus(project.nodes)
        payload = json.dumps(corpus, ensure_ascii=False).encode()
        write_cache_file(path, header + b"%d\n" % zlib.crc32(payload) + payload, ".nodes-")
    return NodeIndex.build(project.nodes, corpus)
