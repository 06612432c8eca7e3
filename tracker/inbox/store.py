"""Where an analyst's inbox lives: one SQLite file in the user's state folder, per project.

Why there, and not in the project:
- the inbox is one analyst's reading list: what *they* dismissed or drafted is their
  judgement of their morning, not the team's evidence; two analysts following the same feeds
  each keep their own decisions;
- it changes on every fetch (validators, new entries): in the repository it would be a merge
  conflict every morning and noise in every review;
- it is not a cache: a dismissal must survive a cleared cache folder, so it sits beside the
  project's other state (`tracker.store.state.project_state_dir`), outside the project, where
  nothing a repository holds can pose as it.
The feeds themselves are shared: `[[inbox.feed]]` in `tracker.toml`.

Everything kept is plain values (text, numbers, JSON text); nothing read back is ever
unpickled or executed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tracker.errors import TrackerError

FILE_NAME = "inbox.sqlite3"
SCHEMA_VERSION = 1
State = Literal["new", "drafted", "dismissed"]
STATES: tuple[State, ...] = ("new", "drafted", "dismissed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feed (
    url TEXT PRIMARY KEY,
    title TEXT,
    etag TEXT,
    last_modified TEXT,
    body_sha256 TEXT,
    checked TEXT,
    changed TEXT,
    failure TEXT,
    requests INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS story (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    state TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'drafted', 'dismissed')),
    draft TEXT,
    decided TEXT
);
CREATE TABLE IF NOT EXISTS entry (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    story INTEGER NOT NULL REFERENCES story(n),
    feed TEXT NOT NULL,
    source TEXT NOT NULL,
    guid TEXT,
    url TEXT,
    url_key TEXT,
    content_key TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    page TEXT,
    page_text TEXT,
    page_note TEXT,
    published TEXT,
    date_precision TEXT NOT NULL DEFAULT 'day',
    date_source TEXT,
    publisher TEXT,
    author TEXT,
    language TEXT NOT NULL DEFAULT 'und',
    seen TEXT NOT NULL,
    strength REAL NOT NULL DEFAULT 0,
    suggestions TEXT NOT NULL DEFAULT '[]',
    same_event TEXT NOT NULL DEFAULT '[]',
    terms TEXT NOT NULL DEFAULT '{}',
    notes TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS entry_story ON entry(story);
CREATE INDEX IF NOT EXISTS entry_url ON entry(url_key);
CREATE INDEX IF NOT EXISTS entry_content ON entry(content_key);
CREATE INDEX IF NOT EXISTS entry_guid ON entry(feed, guid);
CREATE INDEX IF NOT EXISTS entry_seen ON entry(seen);
"""


class InboxStoreError(TrackerError):
    """The inbox's file cannot be used; the message names it and says what to do."""


@dataclass(frozen=True)
class FeedState:
    """What the last fetch of a feed left: its validators, and how it went."""

    url: str
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_sha256: str | None = None
    checked: str | None = None
    changed: str | None = None
    failure: str | None = None
    requests: int = 0


@dataclass(frozen=True)
class SuggestionRef:
    """A recommendation an entry may bear on, its score and the words that matched."""

    id: str
    score: float
    matched: tuple[str, ...] = ()


@dataclass(frozen=True)
class CandidateRef:
    """Evidence or a draft that may report the entry's event (or be the same article)."""

    id: str
    kind: str  # same_url, same_text, same_event
    similarity: float
    reason: str = ""
    draft: bool = False


@dataclass
class Entry:
    """One article from one feed, triaged; a story holds one or more of them."""

    feed: str  # the feed's URL
    source: str  # how the inbox names the outlet
    guid: str | None
    url: str | None
    url_key: str | None
    content_key: str
    title: str
    text: str  # the feed's summary or content, as plain text
    seen: str  # the day it first arrived (ISO)
    page: str | None = None  # None (not tried), "fetched", "failed", "skipped"
    page_text: str | None = None
    page_note: str | None = None
    published: str | None = None
    date_precision: str = "day"
    date_source: str | None = None
    publisher: str | None = None
    author: str | None = None
    language: str = "und"
    strength: float = 0.0  # the best suggestion's score; 0 when it bears on none
    suggestions: list[SuggestionRef] = field(default_factory=list)
    same_event: list[CandidateRef] = field(default_factory=list)
    terms: dict[str, float] = field(default_factory=dict)  # what story matching compares
    notes: list[str] = field(default_factory=list)
    id: int | None = None
    story: int | None = None

    @property
    def best_text(self) -> str:
        """The article's page text when it was fetched, else the feed's own text."""
        return self.page_text or self.text

    @property
    def published_date(self) -> dt.date | None:
        return dt.date.fromisoformat(self.published) if self.published else None


@dataclass
class Story:
    """An inbox row: one event, reported by one or more entries (sources)."""

    n: int
    state: State
    draft: str | None
    decided: str | None
    entries: list[Entry]


def inbox_path(root: Path) -> Path:
    from tracker.store.state import project_state_dir

    return project_state_dir(root) / FILE_NAME


class InboxStore:
    """The inbox's SQLite file: feeds' validators, entries, stories and decisions."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.db = sqlite3.connect(os.fspath(path), timeout=15, isolation_level=None)
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise InboxStoreError(
                    f"{path}: written by a newer tracker (inbox format {version}); "
                    "update tracker to read it"
                )
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            if version < SCHEMA_VERSION:
                with self.transaction():
                    self._create()
        except sqlite3.DatabaseError as err:
            raise InboxStoreError(
                f"{path}: the inbox cannot be read ({err}); move the file aside to start an "
                "empty inbox"
            ) from None
        except OSError as err:
            raise InboxStoreError(f"{path}: cannot open the inbox ({err.strerror})") from None

    def _create(self) -> None:
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                self.db.execute(statement)
        self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @classmethod
    def open(cls, root: Path) -> InboxStore:
        return cls(inbox_path(root))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> InboxStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic change: all of it is kept, or none of it."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- feeds ---------------------------------------------------------------------------------

    def feed_state(self, url: str) -> FeedState | None:
        row = self.db.execute(
            "SELECT url, title, etag, last_modified, body_sha256, checked, changed, failure, "
            "requests FROM feed WHERE url = ?",
            (url,),
        ).fetchone()
        return FeedState(*row) if row else None

    def feed_states(self) -> list[FeedState]:
        rows = self.db.execute(
            "SELECT url, title, etag, last_modified, body_sha256, checked, changed, failure, "
            "requests FROM feed ORDER BY url"
        ).fetchall()
        return [FeedState(*row) for row in rows]

    def save_feed(self, state: FeedState) -> None:
        self.db.execute(
            "INSERT INTO feed (url, title, etag, last_modified, body_sha256, checked, changed, "
            "failure, requests) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET "
            "title = excluded.title, etag = excluded.etag, last_modified = excluded.last_modified, "
            "body_sha256 = excluded.body_sha256, checked = excluded.checked, "
            "changed = excluded.changed, failure = excluded.failure, requests = excluded.requests",
            (
                state.url,
                state.title,
                state.etag,
                state.last_modified,
                state.body_sha256,
                state.checked,
                state.changed,
                state.failure,
                state.requests,
            ),
        )

    # --- entries -------------------------------------------------------------------------------

    def known(self, feed: str, guid: str | None, url_key: str | None, content_key: str) -> bool:
        """Whether the inbox has this entry already: the same address (from any feed), the
        same id in the same feed, or the same title and text in the same feed (a feed that
        changes its ids on every fetch)."""
        if (
            url_key is not None
            and self.db.execute(
                "SELECT 1 FROM entry WHERE url_key = ? LIMIT 1", (url_key,)
            ).fetchone()
        ):
            return True
        if (
            guid is not None
            and self.db.execute(
                "SELECT 1 FROM entry WHERE feed = ? AND guid = ? LIMIT 1", (feed, guid)
            ).fetchone()
        ):
            return True
        return bool(
            self.db.execute(
                "SELECT 1 FROM entry WHERE content_key = ? LIMIT 1", (content_key,)
            ).fetchone()
        )

    def add(self, entry: Entry, story: int | None) -> tuple[int, int]:
        """Store a new entry, in `story` or in a new story of its own; (entry id, story n)."""
        if story is None:
            story = self.db.execute("INSERT INTO story (state) VALUES ('new')").lastrowid
        cursor = self.db.execute(
            "INSERT INTO entry (story, feed, source, guid, url, url_key, content_key, title, "
            "text, page, page_text, page_note, published, date_precision, date_source, "
            "publisher, author, language, seen, strength, suggestions, same_event, terms, notes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                story,
                entry.feed,
                entry.source,
                entry.guid,
                entry.url,
                entry.url_key,
                entry.content_key,
                entry.title,
                entry.text,
                entry.page,
                entry.page_text,
                entry.page_note,
                entry.published,
                entry.date_precision,
                entry.date_source,
                entry.publisher,
                entry.author,
                entry.language,
                entry.seen,
                entry.strength,
                _dump([s.__dict__ for s in entry.suggestions]),
                _dump([c.__dict__ for c in entry.same_event]),
                _dump(entry.terms),
                _dump(entry.notes),
            ),
        )
        entry.id, entry.story = cursor.lastrowid, story
        return cursor.lastrowid, story

    def set_page(self, entry_id: int, page: str, text: str | None, note: str | None) -> None:
        """Remember a page fetch (done or failed) so it is never tried again."""
        self.db.execute(
            "UPDATE entry SET page = ?, page_text = ?, page_note = ? WHERE id = ?",
            (page, text, note, entry_id),
        )

    def recent_terms(self, since: str) -> list[tuple[int, str, str | None, str, dict]]:
        """(story, feed, published, seen, terms) of entries seen or published since `since`:
        what a new entry may be another report of."""
        rows = self.db.execute(
            "SELECT story, feed, published, seen, terms FROM entry "
            "WHERE seen >= ? OR published >= ?",
            (since, since),
        ).fetchall()
        return [(s, f, p, seen, _load(t, {})) for s, f, p, seen, t in rows]

    # --- stories -------------------------------------------------------------------------------

    def stories(self, states: Iterable[State] = STATES) -> list[Story]:
        wanted = [s for s in states if s in STATES]
        if not wanted:
            return []
        marks = ", ".join("?" for _ in wanted)
        heads = self.db.execute(
            f"SELECT n, state, draft, decided FROM story WHERE state IN ({marks})", wanted
        ).fetchall()
        by_story: dict[int, Story] = {n: Story(n, st, d, dec, []) for n, st, d, dec in heads}
        if not by_story:
            return []
        rows = self.db.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM entry WHERE story IN "
            f"(SELECT n FROM story WHERE state IN ({marks})) ORDER BY id",
            wanted,
        )
        for row in rows:
            entry = _entry(row)
            story = by_story.get(entry.story or -1)
            if story is not None:
                story.entries.append(entry)
        return [s for s in by_story.values() if s.entries]

    def story(self, n: int) -> Story | None:
        head = self.db.execute(
            "SELECT n, state, draft, decided FROM story WHERE n = ?", (n,)
        ).fetchone()
        if head is None:
            return None
        rows = self.db.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM entry WHERE story = ? ORDER BY id", (n,)
        ).fetchall()
        return Story(*head, [_entry(row) for row in rows]) if rows else None

    def decide(self, n: int, state: State, draft: str | None = None) -> None:
        self.db.execute(
            "UPDATE story SET state = ?, draft = COALESCE(?, draft), decided = ? WHERE n = ?",
            (state, draft, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), n),
        )

    def counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, COUNT(*) FROM story GROUP BY state").fetchall()
        return {state: count for state, count in rows}


_ENTRY_COLUMNS = (
    "id, story, feed, source, guid, url, url_key, content_key, title, text, page, page_text, "
    "page_note, published, date_precision, date_source, publisher, author, language, seen, "
    "strength, suggestions, same_event, terms, notes"
)


def _entry(row: tuple) -> Entry:
    (
        id_,
        story,
        feed,
        source,
        guid,
        url,
        url_key,
        content_key,
        title,
        text,
        page,
        page_text,
        page_note,
        published,
        precision,
        date_source,
        publisher,
        author,
        language,
        seen,
        strength,
        suggestions,
        same_event,
        terms,
        notes,
    ) = row
    return Entry(
        feed=feed,
        source=source,
        guid=guid,
        url=url,
        url_key=url_key,
        content_key=content_key,
        title=title,
        text=text,
        seen=seen,
        page=page,
        page_text=page_text,
        page_note=page_note,
        published=published,
        date_precision=precision,
        date_source=date_source,
        publisher=publisher,
        author=author,
        language=language,
        strength=float(strength),
        suggestions=[_suggestion(s) for s in _load(suggestions, []) if isinstance(s, dict)],
        same_event=[_candidate(c) for c in _load(same_event, []) if isinstance(c, dict)],
        terms=_load(terms, {}),
        notes=[n for n in _load(notes, []) if isinstance(n, str)],
        id=id_,
        story=story,
    )


def _suggestion(data: dict) -> SuggestionRef:
    return SuggestionRef(
        str(data.get("id", "")),
        float(data.get("score", 0.0)),
        tuple(str(m) for m in data.get("matched", ()) if isinstance(m, str)),
    )


def _candidate(data: dict) -> CandidateRef:
    return CandidateRef(
        str(data.get("id", "")),
        str(data.get("kind", "same_event")),
        float(data.get("similarity", 0.0)),
        str(data.get("reason", "")),
        bool(data.get("draft", False)),
    )


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _load(text: str | None, default):
    if not text:
        return default
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return default
    return value if isinstance(value, type(default)) else default
