"""The `[inbox]` table of `tracker.toml`: the feeds a team follows, and how politely to fetch.

    [inbox]
    timeout = 20      # seconds for one feed, redirects and body included
    jobs = 4          # feeds fetched at once
    pages = 200       # at most this many article pages fetched by one `tracker inbox fetch`

    [[inbox.feed]]
    url = "https://eng.belta.by/rss"
    name = "BelTA"    # optional: how the inbox names the source (else the feed's own title)
    language = "en"   # optional: the feed's language, when its text is too short to tell

The feeds are shared (they live in the project, reviewed like the paper); what each analyst
has read, drafted or dismissed is not (see `tracker.inbox.store`). A bad entry never stops
the others: it is a finding with its line (`config_problems`, which `tracker check` reports)
and the feed is left out of fetching.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tracker.domain.problems import Code, Problem, Severity

CONFIG_FILE = "tracker.toml"
TABLE = "inbox"
DEFAULT_TIMEOUT = 20.0
DEFAULT_JOBS = 4
DEFAULT_PAGES = 200
MAX_URL = 2000
MAX_NAME = 100
FEED_KEYS = ("url", "name", "language")
SETTING_KEYS = ("feed", "timeout", "jobs", "pages")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]")

Locate = Callable[[tuple[str | int, ...]], int | None]


@dataclass(frozen=True)
class FeedSpec:
    """One feed to read: its address, the name the inbox shows, its language if declared."""

    url: str
    name: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class InboxSettings:
    """What `[inbox]` says, each bad value replaced by its default (and reported)."""

    feeds: tuple[FeedSpec, ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    jobs: int = DEFAULT_JOBS
    pages: int = DEFAULT_PAGES


def feed_url_problem(url: object) -> str | None:
    """Why `url` cannot be a feed's address (a sentence), or None when it can."""
    if not isinstance(url, str):
        return "must be a text string: the feed's http(s) address"
    text = url.strip()
    if not text:
        return "is empty: give the feed's http(s) address"
    if len(text) > MAX_URL:
        return f"is longer than {MAX_URL} characters"
    if _CONTROL.search(text):
        return "holds a space or a control character: give the address alone"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return "is not a valid address"
    if parts.scheme.lower() not in ("http", "https"):
        return f"{text[:60]!r} is not an http(s) address"
    if not parts.hostname:
        return f"{text[:60]!r} has no host name"
    return None


def read_settings(data: dict[str, Any] | None, locate: Locate | None = None) -> InboxSettings:
    """The usable settings in a parsed `tracker.toml` (bad values left out or defaulted)."""
    settings, _ = _read(data or {}, locate or (lambda loc: None), CONFIG_FILE)
    return settings


def settings_problems(
    data: dict[str, Any] | None, locate: Locate, rel: str = CONFIG_FILE
) -> list[Problem]:
    """Every finding about `[inbox]` in a parsed `tracker.toml`, each with its line."""
    _, problems = _read(data or {}, locate, rel)
    return problems


def config_problems(root: Path, data: dict[str, Any] | None) -> list[Problem]:
    """The findings `tracker check` reports about `[inbox]`: `data` is the parsed
    `tracker.toml` the workspace already holds; the file's text is read again only when
    `[inbox]` is there, to point each finding at its line."""
    if not data or TABLE not in data:
        return []
    from tracker.store.files import FileReadError, read_bounded
    from tracker.store.toml_read import key_lines, line_of

    try:
        text = read_bounded(Path(root) / CONFIG_FILE, 1 << 20, what="configuration file")
        lines = key_lines(text.decode("utf-8", errors="replace"))
    except FileReadError:
        lines = {}
    return settings_problems(data, lambda loc: line_of(lines, loc))


def _read(data: dict[str, Any], locate: Locate, rel: str) -> tuple[InboxSettings, list[Problem]]:
    problems: list[Problem] = []

    def report(
        loc: tuple[str | int, ...],
        message: str,
        code: Code = Code.CONFIG_VALUE,
        severity: Severity | None = None,
    ) -> None:
        if severity is None:
            severity = "warning" if code is Code.CONFIG_UNKNOWN else "error"
        problems.append(Problem(rel, code, message, locate(loc), severity))

    table = data.get(TABLE)
    if table is None:
        return InboxSettings(), []
    if not isinstance(table, dict):
        report(
            (TABLE,),
            "'inbox' must be a table ([inbox], with [[inbox.feed]] entries); no feed is read",
            Code.CONFIG_NOT_TABLE,
        )
        return InboxSettings(), problems
    for key in table:
        if key not in SETTING_KEYS:
            report(
                (TABLE, key),
                f"inbox.{key}: unknown key; {_hint(key, SETTING_KEYS)}",
                Code.CONFIG_UNKNOWN,
            )
    timeout = _number(table, "timeout", DEFAULT_TIMEOUT, 1, 300, float, report)
    jobs = int(_number(table, "jobs", DEFAULT_JOBS, 1, 16, int, report))
    pages = int(_number(table, "pages", DEFAULT_PAGES, 0, 10_000, int, report))
    feeds = _feeds(table.get("feed", []), report)
    problems.sort(key=lambda p: p.line or 0)
    return InboxSettings(tuple(feeds), timeout, jobs, pages), problems


def _feeds(raw: object, report) -> list[FeedSpec]:
    if not isinstance(raw, list):
        report(
            (TABLE, "feed"),
            "inbox.feed must be a list of tables: write each feed as [[inbox.feed]] "
            'with url = "https://…"; no feed is read',
        )
        return []
    feeds: list[FeedSpec] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(raw):
        where = (TABLE, "feed", index)
        label = f"inbox.feed[{index + 1}]"
        if not isinstance(entry, dict):
            report(where, f'{label} must be a table with url = "https://…"; it is skipped')
            continue
        for key in entry:
            if key not in FEED_KEYS:
                report(
                    (*where, key),
                    f"{label}.{key}: unknown key; {_hint(key, FEED_KEYS)}",
                    Code.CONFIG_UNKNOWN,
                )
        if "url" not in entry:
            report(
                where, f'{label} has no url: add url = "https://…"; it is skipped', Code.MISSING_KEY
            )
            continue
        why = feed_url_problem(entry["url"])
        if why is not None:
            report((*where, "url"), f"{label}.url {why}; this feed is skipped")
            continue
        url = entry["url"].strip()
        name = entry.get("name")
        if name is not None and not _good_name(name):
            report(
                (*where, "name"),
                f"{label}.name must be a short text (at most {MAX_NAME} characters, no control "
                "characters); the feed's own title is used",
            )
            name = None
        language = entry.get("language")
        if language is not None and not (
            isinstance(language, str) and _LANGUAGE.fullmatch(language)
        ):
            report(
                (*where, "language"),
                f'{label}.language must be a language code such as "en", "ru" or "be"; '
                "the language is guessed from the text",
            )
            language = None
        key = url.lower().rstrip("/")
        if key in seen:
            report(
                (*where, "url"),
                f"{label}.url repeats inbox.feed[{seen[key] + 1}]; it is read once",
                severity="warning",
            )
            continue
        seen[key] = index
        feeds.append(FeedSpec(url, name.strip() if name else None, language))
    return feeds


def _good_name(name: object) -> bool:
    return (
        isinstance(name, str)
        and bool(name.strip())
        and len(name) <= MAX_NAME
        and not _CONTROL.search(name.replace(" ", ""))
    )


def _number(table: dict, key: str, default, low, high, kind, report):
    if key not in table:
        return default
    value = table[key]
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if kind is int:
        ok = ok and isinstance(value, int)
    if ok and low <= value <= high:
        return kind(value)
    what = "an integer" if kind is int else "a number"
    report((TABLE, key), f"inbox.{key} must be {what} from {low} to {high}; using {default}")
    return default


def _hint(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    return f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(known)}"
