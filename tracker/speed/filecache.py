"""The load cache: what each evidence file yielded, so a warm run reads only what changed.

One SQLite database per project in the user's cache folder (`location`), never in the
project: a row per evidence file holds its findings and facts (never code, never a pickle: a
row is a path, numbers and one JSON text), under the stamp of the file and its archived copy
(size, modification time, inode). A change rewrites the rows of the files that changed, not
the whole cache.

A row is trusted only under the fingerprint of the code that wrote it: the evidence model's
JSON schema, the source of the modules that turn a file into findings and facts, this
module's format and the Python version. Add a field to the model, change a check, and every
row is dropped on the next run, with nothing to bump by hand. Each row also carries a crc of
its text, so a row changed by anything but tracker is a miss, never a wrong fact.

A file modified within two seconds of being cached could change again within the same clock
tick and keep its size and time (git calls this "racy"); such a row is checked against the
file's sha256 before it is used, and marked checked afterwards, so a fresh clone's second run
is warm too.

Beside the rows, a memo (`remembered`, `remember`) keeps results computed from the whole load
(the findings across files, the scores asked for) under a digest of everything they were
computed from (`tracker.speed.memo`).

Whatever goes wrong with the cache (corrupt, foreign, truncated, locked, read-only, two
commands writing at once) costs speed, never a wrong result or an error.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sqlite3
import sys
import time
import zlib
from collections.abc import Iterable
from pathlib import Path

import orjson

from tracker.domain.facts import AssessmentFacts, ItemFacts
from tracker.domain.problems import Code, Problem
from tracker.speed.location import LOAD_CACHE, project_cache_dir

FORMAT = 6
FILE = LOAD_CACHE
USER_VERSION = 0x74720000 + FORMAT  # marks a database as this cache, in this format
RACY_SECONDS = 2.0
BUSY_MS = 200

# The modules whose code decides what a file yields (its findings and facts).
_SOURCES = (
    "tracker.domain.model",
    "tracker.domain.facts",
    "tracker.domain.checks",
    "tracker.domain.validation",
    "tracker.domain.problems",
    "tracker.domain.tree",
    "tracker.domain.urls",
    "tracker.store.reader",
    "tracker.store.toml_read",
    "tracker.speed.filecache",
    "tracker.speed.fasttoml",
)


# What one file yields, packed (what a worker process sends back, and what a row stores):
# (text, crc) where text is the JSON of [sha256, archive_sha256, problems, facts] and crc its
# crc32. Facts are [id, date, midpoint, published (ordinals), url_key, event, reliability,
# credibility, assessments], or null for a file that yields no item.
Packed = tuple[str, int]

_FINGERPRINT: str | None = None


def fingerprint() -> str:
    """A digest of everything that decides a cached row's meaning (see the docstring)."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        import importlib
        import inspect

        import pydantic

        from tracker import __version__
        from tracker.domain.model import EvidenceItem, RecommendationsFile
        from tracker.speed import fasttoml

        digest = hashlib.sha256()
        digest.update(
            f"format {FORMAT} tracker {__version__} pydantic {pydantic.VERSION} "
            f"python {sys.version_info[:3]} rtoml {fasttoml.version()}".encode()
        )
        for model in (EvidenceItem, RecommendationsFile):
            schema = model.model_json_schema(by_alias=True)
            digest.update(json.dumps(schema, sort_keys=True).encode())
        for name in _SOURCES:
            try:
                digest.update(inspect.getsource(importlib.import_module(name)).encode())
            except (OSError, TypeError):  # no source shipped: the version stands for it
                digest.update(name.encode())
        _FINGERPRINT = digest.hexdigest()
    return _FINGERPRINT


class FileCache:
    """The rows of one project's cache. Every method swallows the cache's own failures."""

    def __init__(self, root: Path, *, location: Path | None = None) -> None:
        self.path = (location or project_cache_dir(root)) / FILE
        self._db: sqlite3.Connection | None = None
        self.usable = True

    # --- opening ------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection | None:
        if self._db is not None or not self.usable:
            return self._db
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = self._open()
        except (sqlite3.Error, OSError):
            # Corrupt, foreign or truncated: start afresh once; unusable if even that fails
            # (a read-only home): the run is only slower.
            self._db = None
            with contextlib.suppress(OSError):
                for suffix in ("", "-wal", "-shm"):
                    Path(str(self.path) + suffix).unlink(missing_ok=True)
            try:
                self._db = self._open()
            except (sqlite3.Error, OSError):
                self.usable = False
                self._db = None
        return self._db

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_MS / 1000, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
            if db.execute("PRAGMA user_version").fetchone()[0] != USER_VERSION:
                # Not this cache (another format, another program's file): start it afresh.
                with _transaction(db):
                    names = db.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table'"
                    ).fetchall()
                    for (name,) in names:
                        db.execute(f'DROP TABLE IF EXISTS "{name.replace(chr(34), "")}"')
                    db.execute(f"PRAGMA user_version = {USER_VERSION}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS files (rel TEXT PRIMARY KEY, stamp INT NOT NULL,"
                " checked REAL NOT NULL, newest REAL NOT NULL, packed TEXT NOT NULL,"
                " crc INT NOT NULL, sha256 TEXT NOT NULL, archive_sha256 TEXT,"
                " item INT NOT NULL)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS memo (name TEXT PRIMARY KEY, key TEXT NOT NULL,"
                " value TEXT NOT NULL, crc INT NOT NULL)"
            )
            found = db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
            mark = fingerprint()
            if found is None or found[0] != mark:
                with _transaction(db):
                    db.execute("DELETE FROM files")
                    db.execute("DELETE FROM memo")
                    db.execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES ('fingerprint', ?)",
                        (mark,),
                    )
        except BaseException:
            db.close()
            raise
        return db

    def close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None

    # --- reading and writing -------------------------------------------------------------

    def entries(self) -> dict[str, tuple]:
        """Every row as stored (rel, stamp, checked, newest, packed text, crc), by path:
        unpacked only for the files whose stamp matches, so a changed file's row costs
        nothing."""
        db = self._connect()
        if db is None:
            return {}
        try:
            rows = db.execute("SELECT rel, stamp, checked, newest, packed, crc FROM files")
            return {row[0]: row for row in rows.fetchall()}
        except sqlite3.Error:
            return {}

    def identities(self) -> dict[str, tuple]:
        """Every row's identity alone (rel, stamp, checked, newest, sha256, archive sha256,
        whether the file yields an item), by path: what a load that needs no facts uses,
        without fetching or decoding the packed text."""
        db = self._connect()
        if db is None:
            return {}
        try:
            rows = db.execute(
                "SELECT rel, stamp, checked, newest, sha256, archive_sha256, item FROM files"
            )
            return {row[0]: row for row in rows.fetchall()}
        except sqlite3.Error:
            return {}

    def store(
        self,
        rows: list[tuple],
        *,
        drop: Iterable[str] = (),
        checked: Iterable[str] = (),
    ) -> None:
        """Upsert rows (`row`), drop the rows of files that are gone, and mark rows `checked`
        now (racy ones, once verified by content)."""
        db = self._connect()
        if db is None:
            return
        now = time.time()
        gone = [(rel,) for rel in drop]
        fresh = [(now, rel) for rel in checked]
        if not (rows or gone or fresh):
            return
        try:
            with _transaction(db):
                if rows:
                    db.executemany(_UPSERT, rows)
                _drop_and_mark(db, gone, fresh)
        except sqlite3.Error:  # locked by another writer, read-only, full: only slower
            return

    def writer(self) -> RowWriter:
        """Rows stored as they come (`RowWriter`), for a load that reads many files."""
        return RowWriter(self)

    def remembered(self, name: str, key: str) -> str | None:
        """The text remembered as `name` under `key`; None when it is not there (or not
        as tracker wrote it)."""
        db = self._connect()
        if db is None:
            return None
        try:
            found = db.execute(
                "SELECT key, value, crc FROM memo WHERE name = ?", (name,)
            ).fetchone()
        except sqlite3.Error:
            return None
        if found is None or found[0] != key or not isinstance(found[1], str):
            return None
        if zlib.crc32(found[1].encode("utf-8", "surrogatepass")) != found[2]:
            return None
        return found[1]

    def remember(
        self, name: str, key: str, value: str, *, among: str | None = None, kept: int = 8
    ) -> None:
        """Keep `value` as `name` under `key`, in place of what was there. `among`: a prefix
        of names kept under one key: the others' values, under another key, are dropped, and
        only the `kept` latest of the group stay."""
        db = self._connect()
        if db is None:
            return
        crc = zlib.crc32(value.encode("utf-8", "surrogatepass"))
        try:
            with _transaction(db):
                if among is not None:
                    db.execute(
                        "DELETE FROM memo WHERE substr(name, 1, ?) = ? AND key != ?",
                        (len(among), among, key),
                    )
                db.execute(
                    "INSERT OR REPLACE INTO memo (name, key, value, crc) VALUES (?, ?, ?, ?)",
                    (name, key, value, crc),
                )
                if among is not None:  # a replaced row is a new row: the rowid is its age
                    db.execute(
                        "DELETE FROM memo WHERE substr(name, 1, ?) = ? AND rowid NOT IN"
                        " (SELECT rowid FROM memo WHERE substr(name, 1, ?) = ?"
                        " ORDER BY rowid DESC LIMIT ?)",
                        (len(among), among, len(among), among, kept),
                    )
        except sqlite3.Error:
            return

    def clear(self) -> bool:
        """Remove the cache; True when there was one."""
        self.close()
        existed = self.path.exists()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
        return existed


_UPSERT = (
    "INSERT OR REPLACE INTO files (rel, stamp, checked, newest, packed, crc, sha256,"
    " archive_sha256, item) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _drop_and_mark(db: sqlite3.Connection, gone: list[tuple], fresh: list[tuple]) -> None:
    if gone:
        db.executemany("DELETE FROM files WHERE rel = ?", gone)
    if fresh:
        db.executemany("UPDATE files SET checked = ? WHERE rel = ?", fresh)


class RowWriter:
    """`FileCache.store` in steps: rows put as the workers send them (this process writes
    them while the workers read the rest), then the rows of files that are gone dropped and
    verified rows marked, all in one transaction committed by `finish`. Anything that goes
    wrong with the cache rolls it back: only slower."""

    def __init__(self, cache: FileCache) -> None:
        self._cache = cache
        self._db: sqlite3.Connection | None = None
        self._failed = False

    def put(self, rows: list[tuple]) -> None:
        if not rows or self._failed:
            return
        try:
            if self._db is None:
                db = self._cache._connect()
                if db is None:
                    self._failed = True
                    return
                db.execute("BEGIN IMMEDIATE")
                self._db = db
            self._db.executemany(_UPSERT, rows)
        except sqlite3.Error:  # locked by another writer, read-only, full: only slower
            self.abort()
            self._failed = True

    def finish(self, *, drop: Iterable[str] = (), checked: Iterable[str] = ()) -> None:
        if self._failed:
            return
        if self._db is None:  # no row came: what is left, in a transaction of its own
            self._cache.store([], drop=drop, checked=checked)
            return
        now = time.time()
        try:
            _drop_and_mark(self._db, [(rel,) for rel in drop], [(now, rel) for rel in checked])
            self._db.execute("COMMIT")
        except sqlite3.Error:
            self.abort()
        self._db = None

    def abort(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
        self._db = None


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection):
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        raise
    else:
        db.execute("COMMIT")


# --- packing -------------------------------------------------------------------------------


def pack(result) -> Packed:
    """What a file yielded (`store.reader.EvidenceResult`), as one JSON text and its crc."""
    f = result.facts
    facts = None
    if f is not None:
        facts = [
            f.id,
            f.date.toordinal(),
            f.midpoint.toordinal(),
            f.published.toordinal() if f.published else None,
            f.url_key,
            f.event,
            f.reliability,
            f.credibility,
            [list(a) for a in f.assessments],
        ]
    problems = (
        [[p.path, str(p.code), p.message, p.line, p.severity] for p in result.problems]
        if result.problems
        else None
    )
    value = [result.sha256, result.archive_sha256, problems, facts]
    try:  # orjson: a seventh of the standard library's time, the same JSON for a reader
        data = _dumps(value)
    except TypeError:  # what orjson refuses (a lone surrogate in a finding): the slow way
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return text, zlib.crc32(text.encode("utf-8", "surrogatepass"))
    return data.decode("utf-8"), zlib.crc32(data)


def row(rel: str, stamp: int, checked: float, newest: float, packed: Packed, result) -> tuple:
    """A cache row: the file, its stamp, when it was checked, what it yielded, and its
    identity apart (`FileCache.identities`)."""
    return (
        rel,
        stamp,
        checked,
        newest,
        packed[0],
        packed[1],
        result.sha256,
        result.archive_sha256,
        int(result.facts is not None),
    )


def unpack(
    rel: str, text: str, crc: int
) -> tuple[str, str | None, ItemFacts | None, list[Problem]]:
    """Packed text back to (sha256, archive sha256, facts, findings); raises (TypeError,
    ValueError, ...) on text tracker did not pack (its crc differs), which the loader takes
    as a miss. Lean on purpose: a warm load of 100,000 items unpacks 100,000 rows (orjson
    decodes them in 40% of the standard library's time; tuples are made without the named
    tuples' Python-level constructors)."""
    if _crc32(text.encode("utf-8", "surrogatepass")) != crc:
        raise ValueError("a row changed since tracker wrote it")
    try:
        sha256, archive_sha256, problems, f = _loads(text)
    except ValueError:  # text orjson refuses (a lone surrogate in a finding): the slow way
        sha256, archive_sha256, problems, f = json.loads(text)
    facts = None
    if f is not None:
        published = f[3]
        assessments = f[8]
        for a in assessments:
            if len(a) != _ASSESSMENT_FIELDS:
                raise ValueError("an assessment of the wrong shape")
        facts = _new(
            ItemFacts,
            (
                f[0],
                _day(f[1]),
                _day(f[2]),
                None if published is None else _day(published),
                f[4],
                f[5],
                f[6],
                f[7],
                tuple([_new(AssessmentFacts, a) for a in assessments]),
            ),
        )
    found = [Problem(p[0], Code(p[1]), p[2], p[3], p[4]) for p in problems] if problems else []
    return sha256, archive_sha256, facts, found


_loads = orjson.loads
_dumps = orjson.dumps
_new = tuple.__new__
_crc32 = zlib.crc32
_day = dt.date.fromordinal
_ASSESSMENT_FIELDS = len(AssessmentFacts._fields)


# --- racy rows -------------------------------------------------------------------------------


def content_sha256(path: str) -> str | None:
    """The sha256 of a regular file's bytes; None when there is none (or it is a link)."""
    from tracker.store.files import FileReadError, read_bounded

    try:
        return hashlib.sha256(read_bounded(path, 64 << 20)).hexdigest()
    except FileReadError:
        return None


def still_true(sha256: str, archive_sha256: str | None, toml_path: str) -> bool:
    """Whether a racy row still matches its files, by content."""
    if content_sha256(toml_path) != sha256:
        return False
    archive = toml_path[:-5] + ".txt"
    if archive_sha256 is None:
        return not os.path.lexists(archive) or content_sha256(archive) is None
    return content_sha256(archive) == archive_sha256
