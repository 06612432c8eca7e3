"""The project's similarity index and lemmatized paper, kept between runs outside the project.

Building the index reads every evidence item and archived text (tens of seconds at 100,000
items); an import needs it on every run, and between two imports little changes. So the
index lives in SQLite in the user's cache folder (`tracker.speed.similarity`), and each run
brings it up to date file by file: a file is known by its path and identity (for evidence,
the sha256 its load recorded; for a draft, the size and modification time of its two files),
and only the rows of files added, changed or removed since are rewritten. Drafts are in it
too, so an import is compared with what was imported before and not yet promoted.

The interface to the store is narrow: `update_index` takes the list of `SourceFile`s (path and
identity: no file is read to make it) and a function that reads the documents of the paths it
is given. `similarity_index` makes both from a `Workspace`.

Nothing in the project folder is read as a cache; a cache that cannot be opened, written or
trusted makes the index be built in memory instead (slower, same answers).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import time
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tracker.domain.model import EvidenceItem
from tracker.ingest.similar import IndexedDoc, SimilarityIndex, item_doc, record_of
from tracker.ingest.suggest import (
    SEARCH_TERM_WEIGHT,
    TITLE_WEIGHT,
    NodeIndex,
    Subject,
    node_corpus,
)
from tracker.speed.similarity import DamagedIndex, DocRecord, SimilarityStore, db_path, remove

RACY_SECONDS = 2.0  # a file changed this recently may change again within its clock tick
MAX_TEXT_BYTES = 20_000_000
DRAFTS_DIR = "drafts"


@dataclass(frozen=True)
class SourceFile:
    """A file the index covers: its path (relative, posix) and what identifies its content."""

    path: str
    identity: str


Reader = Callable[[list[str]], Iterable[IndexedDoc]]


def _identity(toml: tuple[int, int] | None, text: tuple[int, int] | None, now: float) -> str:
    """Size and modification time of the TOML and of its text; a file changed in the last
    seconds gets an identity no later run repeats, so it is read again next time."""
    parts = [f"{toml[0]}:{toml[1]}" if toml else "-", f"{text[0]}:{text[1]}" if text else "-"]
    newest = max((s[1] for s in (toml, text) if s), default=0) / 1e9
    if now - newest < RACY_SECONDS:
        parts.append(uuid.uuid4().hex)
    return "/".join(parts)


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def update_index(
    root: Path,
    files: Sequence[SourceFile] | Callable[[], Sequence[SourceFile]],
    read: Reader,
    *,
    state: str | None = None,
    background: Iterable[str] = (),
    use_cache: bool = True,
) -> SimilarityIndex:
    """The index over `files`, from the cache with only the changed files re-read.

    `files` may be a function that lists them, called only when needed. `state`: a digest
    over every file's identity, if the caller has one (a warm load's snapshot): when the
    cache recorded the same, the files are not even listed.
    Any trouble with the cache (corrupt, foreign, locked, read-only) builds it in memory.
    """
    background = frozenset(background)
    listing = files if callable(files) else (lambda: files)
    if use_cache:
        with contextlib.suppress(sqlite3.Error, OSError, DamagedIndex):
            return _update(db_path(root), listing, read, state, background)
    return SimilarityIndex.of_docs(read([f.path for f in listing()]), background)


def _update(
    path: Path,
    listing: Callable[[], Sequence[SourceFile]],
    read: Reader,
    state: str | None,
    background: frozenset[str],
) -> SimilarityIndex:
    store = SimilarityStore.open(path)
    try:
        if state is not None and store.meta("state") == state:
            return SimilarityIndex(store, background)
        stored = store.identities()
        current = {f.path: f.identity for f in listing()}
        changed = [p for p, identity in current.items() if stored.get(p) != identity]
        removed = [p for p in stored if p not in current]
        if changed or removed:
            store.replace(removed, _records(read, changed))
        store.set_meta("state", state or "")
        return SimilarityIndex(store, background)
    except sqlite3.DatabaseError as err:
        store.close()
        if not isinstance(err, sqlite3.OperationalError):
            remove(path)  # damaged: the next run starts it over
        raise
    except BaseException:
        store.close()
        raise


def _records(read: Reader, paths: list[str]) -> Iterator[DocRecord]:
    """The index rows of `paths`, made by worker processes when there are thousands (a
    first import after a clone indexes every item)."""
    from tracker.speed.parallel import in_workers

    def task(chunk: list[str]) -> list[DocRecord]:
        return [record_of(doc) for doc in read(chunk)]

    found = in_workers(task, paths)
    return found if found is not None else (record_of(doc) for doc in read(paths))


def drop_cached(root: Path) -> None:
    """Forget a stored index found damaged late (see `DamagedIndex`): the next run rebuilds."""
    remove(db_path(root))


# --- a workspace's files ---------------------------------------------------------------------


def _draft_files(root: Path, now: float) -> list[SourceFile]:
    folder = root / DRAFTS_DIR
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    out = []
    for name in names:
        if name.endswith(".toml") and not name.startswith("."):
            toml = _stat(folder / name)
            text = _stat(folder / (name[:-5] + ".txt"))
            out.append(SourceFile(f"{DRAFTS_DIR}/{name}", _identity(toml, text, now)))
    return out


def evidence_files(ws) -> list[SourceFile]:
    """Every evidence file the workspace loaded, identified by the sha256 of the TOML it read
    (which names its archived text's sha256 too): no file is read or even stat'ed again."""
    return [SourceFile(r.path, r.sha256) for r in ws.records]


def _draft_doc(root: Path, rel: str, identity: str) -> IndexedDoc | None:
    """A draft as the index reads it; one that cannot be read is left out (check reports it
    elsewhere, and it is no evidence)."""
    from tracker.ingest.drafts import DraftError, load_draft

    draft_id = rel[len(DRAFTS_DIR) + 1 : -5]
    try:
        draft, _ = load_draft(root, draft_id)
    except (DraftError, OSError, ValueError):
        return None
    url = draft.source.get("url")
    return IndexedDoc(
        path=rel,
        identity=identity,
        id=draft.id,
        title=draft.title,
        text=draft.text,
        date=draft.date,
        date_precision=draft.date_precision,
        url=url if isinstance(url, str) else None,
        event=draft.event,
        draft=True,
    )


def workspace_reader(
    ws, files: Sequence[SourceFile] | Callable[[], Sequence[SourceFile]]
) -> Reader:
    """Reads the documents of the given paths: evidence through the workspace (all of them
    in one streaming pass when most are wanted), drafts from drafts/. `files` (or the
    function that lists them) gives each document its identity."""
    from tracker.store.files import FileChangedError

    identities: dict[str, str] = {}

    def identity_of(path: str) -> str:
        if not identities:
            listed = files() if callable(files) else files
            identities.update({f.path: f.identity for f in listed})
        return identities.get(path, "")

    def evidence_doc(path: str, item: EvidenceItem) -> IndexedDoc:
        text = ws.archive_text(path) if item.source.archive_sha256 else None
        return item_doc(item, text, path=path, identity=identity_of(path))

    def read(paths: list[str]) -> Iterator[IndexedDoc]:
        drafts = [p for p in paths if p.startswith(DRAFTS_DIR + "/")]
        evidence = [p for p in paths if not p.startswith(DRAFTS_DIR + "/")]
        if evidence:
            if len(evidence) > len(ws.records) // 2:
                wanted = set(evidence)
                for ev in ws.iter_items():
                    if ev.path in wanted:
                        yield evidence_doc(ev.path, ev.item)
            else:
                for path in evidence:
                    try:
                        ev = ws.read(path)
                    except FileChangedError:
                        continue
                    yield evidence_doc(path, ev.item)
        for path in drafts:
            doc = _draft_doc(ws.data, path, identity_of(path))
            if doc is not None:
                yield doc

    return read


def _cached(ws) -> bool:
    """The cache serves the work tree only: a past tree rebuilt in a temporary folder (and
    `--no-cache`) is indexed in memory."""
    return bool(ws.cache) and Path(ws.data) == Path(ws.root)


def similarity_index(ws, *, background: Iterable[str] | None = None) -> SimilarityIndex:
    """The index over the workspace's evidence and drafts, brought up to date from the cache.

    `background`: what the paper's subject makes common (`Subject.background`); by default
    taken from the workspace's node index.
    """
    now = time.time()
    drafts = _draft_files(ws.data, now)
    state = None
    if not any(len(f.identity.split("/")) > 2 for f in drafts):  # none changed just now
        digest = hashlib.sha256()
        every = [f"{r.path}\0{r.sha256}\n" for r in ws.records]
        every += [f"{f.path}\0{f.identity}\n" for f in drafts]
        digest.update("".join(every).encode("utf-8", "surrogateescape"))
        state = digest.hexdigest()
    if background is None:
        background = node_index(ws).subject.background()
    files: list[SourceFile] = []

    def listing() -> list[SourceFile]:  # only when the index's state is not this one
        if not files:
            files.extend(evidence_files(ws) + drafts)
        return files

    return update_index(
        ws.root,
        listing,
        workspace_reader(ws, listing),
        state=state,
        background=background,
        use_cache=_cached(ws),
    )


# --- the lemmatized paper ----------------------------------------------------------------------
# Lemmatizing the paper's text and search terms is most of what a warm suggestion spends
# outside loading (and it needs the Russian dictionary, which an English article does not);
# it depends only on recommendations.toml and the tokenizer, so it is kept as JSON in the
# cache folder under the file's sha256, with a CRC over the payload.

NODES_FILE = "nodes.json"
NODES_MAGIC = b"tracker-node-corpus 2\n"


def _nodes_tag() -> str:
    """What the lemmatized paper depends on besides the file: this code and the lemmatizers'
    versions (read from the installed packages' metadata, without importing them)."""
    import sys
    from importlib.metadata import PackageNotFoundError, version

    from tracker import __version__

    code = hashlib.sha256()
    for name in ("tracker.ingest.tokens", "tracker.ingest.suggest"):
        with contextlib.suppress(OSError, TypeError, KeyError):
            code.update(Path(str(sys.modules[name].__file__)).read_bytes())
    versions = []
    for package in ("pymorphy3", "pymorphy3-dicts-ru", "snowballstemmer"):
        try:
            versions.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            versions.append(f"{package} none")
    return (
        f"tracker {__version__} weights {TITLE_WEIGHT}/{SEARCH_TERM_WEIGHT} "
        f"code {code.hexdigest()[:16]} {' '.join(versions)}"
    )


def _read_corpus(
    path: Path, header: bytes, count: int
) -> tuple[list[list[str]], list[list[tuple[str, list[str]]]], Subject] | None:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(50_000_000)
    except OSError:
        return None
    if not raw.startswith(header):
        return None
    crc, _, payload = raw[len(header) :].partition(b"\n")
    try:
        if int(crc) != zlib.crc32(payload):
            return None
        documents, phrases, lemmas, keys = json.loads(payload)
        ok = (
            all(isinstance(w, str) for w in [*lemmas, *keys])
            and len(documents) == len(phrases) == count
            and all(isinstance(w, str) for doc in documents for w in doc)
            and all(
                isinstance(term, str) and seq and all(isinstance(w, str) for w in seq)
                for node in phrases
                for term, seq in node
            )
        )
    except (ValueError, TypeError):
        return None
    return (documents, phrases, Subject(frozenset(lemmas), frozenset(keys))) if ok else None


def _write_corpus(path: Path, data: bytes) -> None:
    import tempfile

    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".nodes-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


_NODE_INDEXES: dict[tuple[str, str | None], NodeIndex] = {}


@dataclass
class KeptNodeIndex(NodeIndex):
    """A `NodeIndex` that remembers each term's BM25 weights once asked: the paper does not
    change while it is kept, and a fetch of 5,000 entries asks the same few thousand terms
    400,000 times. Callers read the lists and never change them."""

    weights: dict[str, list[tuple[int, float]]] = field(default_factory=dict)

    def bm25(self, term: str) -> list[tuple[int, float]]:
        found = self.weights.get(term)
        if found is None:
            found = self.weights[term] = super().bm25(term)
        return found


def node_index(ws) -> NodeIndex:
    """BM25 over the paper's nodes, its lemmatized text (and subject) kept between runs and
    within one run."""
    paper = ws.paper
    subject_terms = list(paper.subject_terms) if paper is not None else []
    key = ws.paper_sha256
    if not _cached(ws) or key is None:
        return NodeIndex.build(ws.nodes, subject_terms=subject_terms)
    root = ws.root
    memo = (str(Path(root).resolve()), key)
    if memo in _NODE_INDEXES and _NODE_INDEXES[memo].nodes == ws.nodes:
        return _NODE_INDEXES[memo]
    from tracker.speed.location import project_cache_dir

    path = project_cache_dir(root) / NODES_FILE
    header = NODES_MAGIC + f"{_nodes_tag()}\n{key}\n".encode()
    cached = _read_corpus(path, header, len(ws.nodes))
    if cached is None:
        corpus = node_corpus(ws.nodes, subject_terms)
        subject = Subject.of(subject_terms)
        payload = json.dumps(
            [*corpus, sorted(subject.lemmas), sorted(subject.keys)], ensure_ascii=False
        ).encode()
        _write_corpus(path, header + b"%d\n" % zlib.crc32(payload) + payload)
    else:
        documents, phrases, subject = cached
        corpus = (documents, phrases)
    index = KeptNodeIndex.build(ws.nodes, corpus, subject=subject)
    _NODE_INDEXES.clear()
    _NODE_INDEXES[memo] = index
    return index


def rebuilt_in_memory(ws, *, background: Iterable[str] = ()) -> SimilarityIndex:
    """The index built afresh in memory, the cache not consulted (after a damaged row)."""
    files = evidence_files(ws) + _draft_files(ws.data, time.time())
    reader = workspace_reader(ws, files)
    return SimilarityIndex.of_docs(reader([f.path for f in files]), background)
