"""The similarity index on disk: SQLite in the user's cache folder, updated file by file.

What import compares an article with (each evidence item's and each draft's weighted terms,
address, text fingerprint, sampled word 5-grams, date, event key and assessed nodes) is kept
in one SQLite database per project, in `tracker.speed.location.project_cache_dir(root)`:
never inside the project folder, and nothing in it is ever unpickled or run. Each row is
keyed by the file's path and identity (the TOML's size and modification time, and its
archived text's), so an edit, an addition or a removal changes the rows of that file alone.

Trust: the database is a cache, not a source. Its format tag is checked on opening; each
document row carries a CRC-32 over its fields, checked whenever a row is used for an answer
(a candidate's similarity is recomputed from its checked row, never taken from the postings
alone); any SQLite error (corrupt, truncated, foreign, locked, read-only) makes the caller
fall back to an index built in memory. A damaged cache costs time, never a wrong answer.

Rows once checked and decoded are kept in memory (`KEPT_ROWS`, least recently used dropped
first): the entries of one fetch, or the two questions asked of one article, mostly meet the
same few hundred candidates (a fetch of 1,000 entries against 100,000 items asks for 39,000
rows, of 1,000 documents). What is kept is forgotten at this connection's own writes and as
soon as SQLite says another connection has written (`PRAGMA data_version`).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sqlite3
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

FORMAT = "tracker-similarity 7"
DB_FILE = "similarity.sqlite3"
LOCK_TIMEOUT = 0.2  # seconds to wait for another tracker writing the cache, then go without
KEPT_ROWS = 4096  # checked rows kept decoded in memory, the least recently used dropped first

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS doc(
    id INTEGER PRIMARY KEY,
    path TEXT UNIQUE NOT NULL,
    identity TEXT NOT NULL,
    item_id TEXT NOT NULL,
    draft INTEGER NOT NULL,
    day INTEGER,
    span INTEGER NOT NULL,
    url TEXT,
    text_hash TEXT,
    event TEXT,
    assessed TEXT NOT NULL,
    vector TEXT NOT NULL,
    norm REAL NOT NULL,
    shingles BLOB NOT NULL,
    crc INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS doc_url ON doc(url);
CREATE INDEX IF NOT EXISTS doc_text ON doc(text_hash);
CREATE INDEX IF NOT EXISTS doc_event ON doc(event);
CREATE TABLE IF NOT EXISTS term(id INTEGER PRIMARY KEY, text TEXT UNIQUE NOT NULL,
    df INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS posting(term INTEGER NOT NULL, doc INTEGER NOT NULL,
    weight REAL NOT NULL, PRIMARY KEY(term, doc)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS shingle(hash INTEGER NOT NULL, doc INTEGER NOT NULL,
    PRIMARY KEY(hash, doc)) WITHOUT ROWID;
"""


class DamagedIndex(Exception):
    """A row failed its checksum or SQLite reported damage: rebuild, never trust it."""


@dataclass(frozen=True)
class DocRecord:
    """What the index keeps of one evidence item or draft (see `tracker.ingest.similar`)."""

    path: str
    identity: str
    item_id: str
    draft: bool
    day: int | None  # first day the report can be from (date.toordinal()), None: unknown
    span: int  # days after `day` it can also be from (0: known to the day; 30: a month)
    url: str | None  # normalized
    text_hash: str | None
    event: str | None
    assessed: tuple[str, ...]
    vector: tuple[tuple[str, float], ...]  # (term, weight), heaviest first
    norm: float
    shingles: tuple[int, ...]


@dataclass(frozen=True)
class Stored:
    """A document row as read back: its record and its row id."""

    rowid: int
    record: DocRecord


def db_path(root: Path) -> Path:
    from tracker.speed.location import project_cache_dir

    return project_cache_dir(root) / DB_FILE


class SimilarityStore:
    """One open index database (a file in the cache folder, or in memory)."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None = None) -> None:
        self.conn = conn
        self.path = path
        self._count: int | None = None
        self._version = 0  # counts the writes seen: what was read before one is stale after
        self._data_version: int | None = None
        self._rows: OrderedDict[int, Stored] = OrderedDict()

    # --- opening ---------------------------------------------------------------------------

    @classmethod
    def in_memory(cls) -> SimilarityStore:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        conn.executescript(_SCHEMA)
        conn.execute("INSERT INTO meta VALUES ('format', ?)", (FORMAT,))
        return cls(conn)

    @classmethod
    def open(cls, path: Path) -> SimilarityStore:
        """The database at `path`, made if absent; a foreign or damaged file is replaced.
        Raises sqlite3.Error or OSError when neither works (the caller goes in memory)."""
        for attempt in range(2):
            fresh = not path.exists()
            if fresh:
                path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=LOCK_TIMEOUT, isolation_level=None)
            try:
                if fresh:
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.executescript(_SCHEMA)
                    conn.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (FORMAT,))
                row = conn.execute("SELECT value FROM meta WHERE key='format'").fetchone()
                if row is None or row[0] != FORMAT:
                    raise sqlite3.DatabaseError("not a tracker similarity index of this format")
                return cls(conn, path)
            except sqlite3.DatabaseError:
                conn.close()
                if attempt or fresh:
                    raise
                remove(path)  # foreign, damaged or older: start over
        raise sqlite3.DatabaseError("unreachable")

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()

    # --- state ----------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def identities(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT path, identity FROM doc"))

    @property
    def version(self) -> int:
        """Changes whenever the rows may have changed (a write here or by another connection):
        an answer computed from the rows is good while this stays the same."""
        self._check_version()
        return self._version

    def _check_version(self) -> None:
        data_version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if data_version != self._data_version:
            if self._data_version is not None:
                self._forget()
            self._data_version = data_version

    def _forget(self) -> None:
        self._version += 1
        self._count = None
        self._rows.clear()

    def __len__(self) -> int:
        if self._count is None:
            self._count = int(self.conn.execute("SELECT COUNT(*) FROM doc").fetchone()[0])
        return self._count

    # --- writing ---------------------------------------------------------------------------

    def replace(self, removed: Iterable[str], added: Iterable[DocRecord]) -> None:
        """Drop the rows of `removed` paths, add `added` (whose paths are also dropped first),
        in one transaction; the term counts move with them."""
        conn = self.conn
        self._forget()
        conn.execute("BEGIN IMMEDIATE")
        try:
            df: dict[str, int] = {}
            for path in removed:
                self._remove(path, df)
            term_ids = self._term_ids()
            next_term = max(term_ids.values(), default=0) + 1
            postings: list[tuple[int, int, float]] = []
            shingles: list[tuple[int, int]] = []
            for record in added:
                self._remove(record.path, df)
                cursor = conn.execute(
                    "INSERT INTO doc(path, identity, item_id, draft, day, span, url, text_hash,"
                    " event, assessed, vector, norm, shingles, crc)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    _row(record),
                )
                rowid = int(cursor.lastrowid or 0)
                for term, weight in record.vector:
                    slot = term_ids.get(term)
                    if slot is None:
                        slot = term_ids[term] = next_term
                        next_term += 1
                        conn.execute("INSERT INTO term VALUES (?, ?, 0)", (slot, term))
                    postings.append((slot, rowid, weight))
                    df[term] = df.get(term, 0) + 1
                shingles.extend((h, rowid) for h in record.shingles)
                if len(postings) > 200_000:
                    conn.executemany("INSERT INTO posting VALUES (?,?,?)", postings)
                    conn.executemany("INSERT OR IGNORE INTO shingle VALUES (?,?)", shingles)
                    postings, shingles = [], []
            conn.executemany("INSERT INTO posting VALUES (?,?,?)", postings)
            conn.executemany("INSERT OR IGNORE INTO shingle VALUES (?,?)", shingles)
            conn.executemany(
                "UPDATE term SET df = df + ? WHERE text = ?",
                [(delta, term) for term, delta in df.items() if delta],
            )
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise

    def _term_ids(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT text, id FROM term"))

    def _remove(self, path: str, df: dict[str, int]) -> None:
        conn = self.conn
        row = conn.execute("SELECT id, vector, shingles FROM doc WHERE path=?", (path,)).fetchone()
        if row is None:
            return
        rowid, vector, packed = row
        terms = [t for t, _ in _vector(vector)]
        for term in terms:
            df[term] = df.get(term, 0) - 1
        conn.executemany(
            "DELETE FROM posting WHERE term=(SELECT id FROM term WHERE text=?) AND doc=?",
            [(t, rowid) for t in terms],
        )
        conn.executemany(
            "DELETE FROM shingle WHERE hash=? AND doc=?", [(h, rowid) for h in _hashes(packed)]
        )
        conn.execute("DELETE FROM doc WHERE id=?", (rowid,))

    # --- reading ---------------------------------------------------------------------------

    def document_frequencies(self, terms: Sequence[str]) -> dict[str, tuple[int, int]]:
        """(term id, number of documents holding it) for each of `terms` the index knows."""
        out: dict[str, tuple[int, int]] = {}
        unique = list(dict.fromkeys(terms))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for text, slot, df in self.conn.execute(
                f"SELECT text, id, df FROM term WHERE text IN ({marks})", chunk
            ):
                out[text] = (int(slot), int(df))
        return out

    def postings(self, term_id: int) -> Iterator[tuple[int, float]]:
        return self.conn.execute("SELECT doc, weight FROM posting WHERE term=?", (term_id,))

    def documents(self, rowids: Iterable[int]) -> dict[int, Stored]:
        """The checked rows of these documents; a row that fails its CRC raises DamagedIndex.
        Rows read before are answered from memory (see the module's notes)."""
        self._check_version()
        kept = self._rows
        out: dict[int, Stored] = {}
        wanted = []
        for rowid in dict.fromkeys(rowids):
            stored = kept.get(rowid)
            if stored is None:
                wanted.append(rowid)
            else:
                kept.move_to_end(rowid)
                out[rowid] = stored
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(f"{_SELECT} WHERE id IN ({marks})", chunk):
                stored = _stored(row)
                out[stored.rowid] = kept[stored.rowid] = stored
        while len(kept) > KEPT_ROWS:
            kept.popitem(last=False)
        return {rowid: out[rowid] for rowid in sorted(out)}  # in row order, as SQLite gives

    def where(self, column: str, value: str) -> list[Stored]:
        """Documents whose url, text_hash or event equals `value`."""
        if column not in ("url", "text_hash", "event"):
            raise ValueError(column)
        return [_stored(r) for r in self.conn.execute(f"{_SELECT} WHERE {column}=?", (value,))]

    def shingle_counts(self, hashes: Iterable[int]) -> dict[int, int]:
        """For each document sharing any of `hashes`, how many it shares."""
        counts: dict[int, int] = {}
        unique = list(dict.fromkeys(hashes))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for (doc,) in self.conn.execute(
                f"SELECT doc FROM shingle WHERE hash IN ({marks})", chunk
            ):
                counts[doc] = counts.get(doc, 0) + 1
        return counts


_SELECT = (
    "SELECT id, path, identity, item_id, draft, day, span, url, text_hash, event, assessed,"
    " vector, norm, shingles, crc FROM doc"
)


def _row(record: DocRecord) -> tuple:
    values = (
        record.path,
        record.identity,
        record.item_id,
        int(record.draft),
        record.day,
        record.span,
        record.url,
        record.text_hash,
        record.event,
        "\n".join(record.assessed),
        json.dumps([[t, w] for t, w in record.vector], ensure_ascii=False),
        record.norm,
        array("I", record.shingles).tobytes(),
    )
    return (*values, _crc(values))


def _crc(values: tuple) -> int:
    """A CRC-32 over a row's columns as SQLite stores them: checked when a row is read,
    before anything is decoded (a check that re-encoded the decoded row cost a third of a
    suggestion against 100,000 items)."""
    crc = 0
    for value in values:
        if value is None:
            raw = b"\x00"
        elif isinstance(value, bytes):
            raw = value
        elif isinstance(value, float):
            raw = repr(value).encode()
        else:
            raw = str(value).encode("utf-8", "surrogatepass")
        crc = zlib.crc32(raw + b"\x1f", crc)
    return crc


def _vector(raw: str) -> list[tuple[str, float]]:
    try:
        data = json.loads(raw)
        return [(str(t), float(w)) for t, w in data]
    except (ValueError, TypeError):
        raise DamagedIndex("a document's terms cannot be read") from None


def _hashes(packed: bytes) -> tuple[int, ...]:
    if len(packed) % 4:
        raise DamagedIndex("a document's word sequences are cut short")
    values = array("I")
    values.frombytes(packed)
    return tuple(values)


def _stored(row: tuple) -> Stored:
    rowid, path, identity, item_id, draft, day, span, url, text_hash, event = row[:10]
    assessed, vector, norm, packed, crc = row[10:]
    try:
        if isinstance(packed, memoryview):
            packed = bytes(packed)
        if _crc((*row[1:13], packed)) != crc:
            raise DamagedIndex(f"the index row of {path} fails its checksum")
    except (TypeError, ValueError, AttributeError, UnicodeError):
        raise DamagedIndex("a document row has the wrong shape") from None
    try:
        record = DocRecord(
            path=str(path),
            identity=str(identity),
            item_id=str(item_id),
            draft=bool(draft),
            day=None if day is None else int(day),
            span=int(span),
            url=url,
            text_hash=text_hash,
            event=event,
            assessed=tuple(assessed.split("\n")) if assessed else (),
            vector=tuple(_vector(vector)),
            norm=float(norm),
            shingles=_hashes(bytes(packed)),
        )
    except (TypeError, ValueError, AttributeError):
        raise DamagedIndex("a document row has the wrong shape") from None
    if not math.isfinite(record.norm):
        raise DamagedIndex(f"the index row of {path} fails its checksum")
    return Stored(int(rowid), record)


def remove(path: Path) -> None:
    """Forget a damaged or foreign database (and its journal files); silent when it cannot."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(OSError):
            os.unlink(f"{path}{suffix}")
