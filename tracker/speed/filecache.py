"""The load cache: what each evidence file yielded, so a warm run reads only what changed.

One SQLite database per project in the user's cache folder (`location`), never in the
project: a row per evidence file holds its findings and facts (never code, never a pickle:
SQLite rows of text and numbers, JSON inside), keyed by the file's and its archived copy's
size, modification time and inode. A change rewrites the rows of the files that changed, not
the whole cache.

A row is trusted only under the fingerprint of the code that wrote it: the evidence model's
JSON schema, the source of the modules that turn a file into findings and facts, and this
module's format. Add a field to the model, change a check, and every row is dropped on the
next run, with nothing to bump by hand.

A file modified within two seconds of being cached could change again within the same clock
tick and keep its size and time (git calls this "racy"); such a row is checked against the
file's sha256 before it is used, and marked checked afterwards, so a fresh clone's second run
is warm too.

Whatever goes wrong with the cache (corrupt, foreign, truncated, locked, read-only, two
commands writing at once) costs speed, never a wrong result or an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tracker.domain.facts import ItemFacts, facts_from_plain, facts_to_plain
from tracker.domain.problems import Code, Problem
from tracker.speed.location import project_cache_dir

FORMAT = 1
FILE = "load.sqlite"
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
    "tracker.domain.urls",
    "tracker.store.reader",
    "tracker.store.toml_read",
    "tracker.speed.filecache",
)

Stamp = str  # "size:mtime_ns:inode|size:mtime_ns:inode" of the file and its archived copy


@dataclass(frozen=True)
class Entry:
    """A cached result: what the file yielded when it had this stamp."""

    stamp: Stamp
    checked: float  # when the row was last known to match the files
    newest: float  # the newer modification time of the file and its copy, in seconds
    sha256: str
    archive_sha256: str | None
    problems: list[Problem]
    facts: ItemFacts | None


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

        digest = hashlib.sha256()
        digest.update(f"format {FORMAT} tracker {__version__} pydantic {pydantic.VERSION}".encode())
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


def stamp_of(own: tuple[int, int, int] | None, archive: tuple[int, int, int] | None) -> Stamp:
    a = own or (-1, -1, -1)
    b = archive or (-1, -1, -1)
    return f"{a[0]}:{a[1]}:{a[2]}|{b[0]}:{b[1]}:{b[2]}"


def newest_of(own: tuple[int, int, int] | None, archive: tuple[int, int, int] | None) -> float:
    return max((own or (0, 0, 0))[1], (archive or (0, 0, 0))[1]) / 1e9


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
                "CREATE TABLE IF NOT EXISTS files ("
                " rel TEXT PRIMARY KEY, stamp TEXT NOT NULL, checked REAL NOT NULL,"
                " newest REAL NOT NULL, sha256 TEXT NOT NULL, archive_sha256 TEXT,"
                " problems TEXT, facts TEXT)"
            )
            found = db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
            mark = fingerprint()
            if found is None or found[0] != mark:
                with _transaction(db):
                    db.execute("DELETE FROM files")
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

    def entries(self) -> dict[str, Entry]:
        """Every row, decoded; a row that does not decode is left out (a miss)."""
        db = self._connect()
        if db is None:
            return {}
        try:
            rows = db.execute(
                "SELECT rel, stamp, checked, newest, sha256, archive_sha256, problems, facts"
                " FROM files"
            ).fetchall()
        except sqlite3.Error:
            return {}
        out: dict[str, Entry] = {}
        for rel, stamp, checked, newest, sha256, archive_sha256, problems, facts in rows:
            try:
                out[rel] = Entry(
                    stamp,
                    float(checked),
                    float(newest),
                    sha256,
                    archive_sha256,
                    _problems_from(problems, rel),
                    facts_from_plain(json.loads(facts)) if facts else None,
                )
            except (TypeError, ValueError, KeyError, IndexError):
                continue
        return out

    def store(
        self,
        rows: Iterable[tuple[str, Entry]],
        *,
        drop: Iterable[str] = (),
        checked: Iterable[str] = (),
    ) -> None:
        """Upsert rows, drop the rows of files that are gone, and mark rows `checked` now
        (racy ones, once verified by content)."""
        db = self._connect()
        if db is None:
            return
        now = time.time()
        encoded = [
            (
                rel,
                row.stamp,
                now,
                row.newest,
                row.sha256,
                row.archive_sha256,
                _problems_to(row.problems) if row.problems else None,
                json.dumps(facts_to_plain(row.facts), ensure_ascii=False) if row.facts else None,
            )
            for rel, row in rows
        ]
        gone = [(rel,) for rel in drop]
        fresh = [(now, rel) for rel in checked]
        if not (encoded or gone or fresh):
            return
        try:
            with _transaction(db):
                if encoded:
                    db.executemany(
                        "INSERT OR REPLACE INTO files"
                        " (rel, stamp, checked, newest, sha256, archive_sha256, problems, facts)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        encoded,
                    )
                if gone:
                    db.executemany("DELETE FROM files WHERE rel = ?", gone)
                if fresh:
                    db.executemany("UPDATE files SET checked = ? WHERE rel = ?", fresh)
        except sqlite3.Error:  # locked by another writer, read-only, full: only slower
            return

    def clear(self) -> bool:
        """Remove the cache; True when there was one."""
        self.close()
        existed = self.path.exists()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
        return existed


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


def _problems_to(problems: list[Problem]) -> str:
    return json.dumps(
        [[p.path, str(p.code), p.message, p.line, p.severity] for p in problems],
        ensure_ascii=False,
    )


def _problems_from(text: str | None, rel: str) -> list[Problem]:
    if not text:
        return []
    out = []
    for path, code, message, line, severity in json.loads(text):
        if not isinstance(path, str) or not isinstance(message, str):
            raise TypeError("not a finding")
        if severity not in ("error", "warning"):
            raise ValueError("not a severity")
        out.append(Problem(path, Code(code), message, line, severity))
    return out


def is_racy(entry: Entry) -> bool:
    """Whether the files may have changed within the clock tick the row was checked in."""
    return entry.newest >= entry.checked - RACY_SECONDS


def content_sha256(path: str) -> str | None:
    """The sha256 of a regular file's bytes; None when there is none (or it is a link)."""
    from tracker.store.files import FileReadError, read_bounded

    try:
        return hashlib.sha256(read_bounded(path, 64 << 20)).hexdigest()
    except FileReadError:
        return None


def still_true(entry: Entry, toml_path: str) -> bool:
    """Whether a racy row still matches its files, by content."""
    if content_sha256(toml_path) != entry.sha256:
        return False
    archive = toml_path[:-5] + ".txt"
    if entry.archive_sha256 is None:
        return not os.path.lexists(archive) or content_sha256(archive) is None
    return content_sha256(archive) == entry.archive_sha256
