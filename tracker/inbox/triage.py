"""Triage: what a new entry is about, before anyone reads it.

Each entry becomes an `Article` as import would make it: its date by the import rules (the
entry's own date as the metadata, then the URL, the dateline, the text; never a deadline or a
future date), its text the feed's summary or content. Then the workspace says which
recommendations it may bear on (`Workspace.suggest`: an empty list is "bears on none") and
which evidence may report the same event (`find_same_event` over the workspace's index); a
draft holding the same address is found by its URL.

A summary is often too short to judge: an article that bears on the paper may not show it in
two sentences. An entry whose feed text is short (`MIN_JUDGE_WORDS`) and bears on nothing is
judged again on its page, fetched once (the inbox remembers the attempt, and its failure).

Many entries are judged in worker processes forked from this one, which share its indexes: on
two cores, twice as many entries a second.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tracker.inbox.config import FeedSpec
from tracker.inbox.parse import FeedEntry
from tracker.inbox.store import CandidateRef, SuggestionRef

if TYPE_CHECKING:
    from tracker.inbox.fetching import Page
    from tracker.ingest.extract import Article

MIN_JUDGE_WORDS = 150  # of feed text: below this, "bears on none" is not trusted without the page
TOP_SUGGESTIONS = 5
JUDGE_WORDS = 400  # of an article's text judged
PARALLEL_FROM = 300  # entries: below this, starting worker processes costs more than it saves
CHUNK = 100
KNOWN_LANGUAGES = ("en", "ru", "be")


@dataclass
class Arrival:
    """A new entry on its way into the inbox: where it came from and how it is recognised."""

    spec: FeedSpec
    source: str  # how the inbox names the outlet
    entry: FeedEntry
    url_key: str | None
    content_key: str
    feed_language: str | None = None
    page_article: Article | None = None
    page: str | None = None  # None (not tried), "fetched", "failed", "skipped"
    page_note: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Judgement:
    """What triage says of one article."""

    suggestions: list[SuggestionRef]
    same_event: list[CandidateRef]

    @property
    def strength(self) -> float:
        return max((s.score for s in self.suggestions), default=0.0)


def content_key(feed_url: str, title: str, text: str) -> str:
    """The same title and text in the same feed, whatever id or address it carries today."""
    shown = " ".join(f"{title}\n{text[:600]}".casefold().split())
    return hashlib.sha256(f"{feed_url}\0{shown}".encode("utf-8", "surrogatepass")).hexdigest()


def arrival(spec: FeedSpec, source: str, entry: FeedEntry, language: str | None) -> Arrival:
    from tracker.domain.urls import normalize_url

    return Arrival(
        spec=spec,
        source=source,
        entry=entry,
        url_key=normalize_url(entry.url) if entry.url else None,
        content_key=content_key(spec.url, entry.title, entry.text),
        feed_language=language,
        notes=list(entry.notes),
    )


def too_short(text: str) -> bool:
    return len(text.split()) < MIN_JUDGE_WORDS


def article_of(item: Arrival, today: dt.date | None = None) -> Article:
    """The entry as import sees an article: the page's when it was fetched, else the feed's
    text; the feed's own date is the metadata either way."""
    from tracker.ingest.dates import metadata_date, publication_date
    from tracker.ingest.extract import Article, guess_language
    from tracker.textclean import clean_line

    entry = item.entry
    page = item.page_article
    text = page.text if page is not None else entry.text
    metadata: object = None
    if entry.date_raw and metadata_date(entry.date_raw) is not None:
        metadata = entry.date_raw
    elif entry.date is not None:
        metadata = entry.date
    notes = list(item.notes)
    if metadata is None and page is not None and page.published is not None:
        fields = {
            "published": page.published,
            "date_precision": page.date_precision,
            "date_source": page.date_source,
            "date_snippet": page.date_snippet,
        }
        notes += [n for n in page.notes if "date" in n]
    else:
        found = publication_date(
            text=text or entry.title, header="", url=entry.url, metadata=metadata, today=today
        )
        fields = {
            "published": found.date,
            "date_precision": found.precision,
            "date_source": found.source,
            "date_snippet": (clean_line(found.snippet)[:200] or None) if found.date else None,
        }
        notes += list(found.notes)
    language = _language(item, text)
    publisher = better_publisher(
        page.publisher if page is not None else None, item.source, entry.url
    )
    return Article(
        title=entry.title or (page.title if page is not None else "") or "(untitled)",
        **fields,
        publisher=publisher,
        author=entry.author or (page.author if page is not None else None),
        url=entry.url,
        text=text or entry.title,
        language=language or guess_language(text),
        source_kind="url",
        notes=notes,
    )


def better_publisher(from_page: str | None, source: str, url: str | None) -> str:
    """The page's own name for its publisher ("WTOP (AP)"), unless all the page gives is its
    host: then the name the inbox knows the feed by."""
    from tracker.ingest.extract import publisher_from_url

    host = publisher_from_url(url)
    bare = (from_page or "").lower().removeprefix("www.").split(":")[0]
    if from_page and bare != host:
        return from_page
    return source or from_page or host or ""


def _language(item: Arrival, text: str) -> str | None:
    """The analyst's word for the feed first, then the text's own letters, then the feed's."""
    from tracker.ingest.extract import guess_language

    declared = item.spec.language.split("-")[0] if item.spec.language else None
    if declared in KNOWN_LANGUAGES:
        return declared
    guessed = guess_language(text)
    if guessed != "und":
        return guessed
    for other in (item.entry.language, item.feed_language):
        if other in KNOWN_LANGUAGES:
            return other
    return None


def judge(article: Article, ws) -> Judgement:
    """Suggestions and same-event candidates among the evidence, for one article (its first
    `JUDGE_WORDS` words: a page's lead says what it is about, and its tail costs time)."""
    from tracker.ingest.similar import find_same_event

    words = article.text.split()
    if len(words) > JUDGE_WORDS:
        article = article.model_copy(update={"text": " ".join(words[:JUDGE_WORDS])})
    suggestions = [
        SuggestionRef(s.node_id, round(float(s.score), 4), tuple(s.matched[:8]))
        for s in ws.suggest(article, top=TOP_SUGGESTIONS)
    ]
    candidates = [
        CandidateRef(
            c.evidence_id,
            c.kind,
            round(float(c.similarity), 3),
            c.reason[:300],
            bool(getattr(c, "draft", False)),
        )
        for c in find_same_event(article, (), ws.similarity_index())
    ]
    return Judgement(suggestions, candidates)


@dataclass(frozen=True)
class Triaged:
    """What triage makes of one entry: the article, its judgement, its story words."""

    article: Article
    judgement: Judgement
    terms: dict[str, float]


def triage_one(item: Arrival, ws, today: dt.date | None) -> Triaged:
    from tracker.inbox.stories import story_terms

    article = article_of(item, today)
    terms = story_terms(article.title, article.text)
    return Triaged(article, judge(article, ws), terms)


# --- many at once ---------------------------------------------------------------------------------

# What the forked workers read: (workspace, arrivals, today). Set only while they run.
_SHARED: tuple[object, Sequence[Arrival], dt.date | None] | None = None


def _triage_range(start: int, end: int) -> list[Triaged]:
    import gc

    gc.disable()  # a worker makes many small objects and keeps none
    assert _SHARED is not None
    ws, arrivals, today = _SHARED
    return [triage_one(arrivals[i], ws, today) for i in range(start, end)]


def triage_many(
    arrivals: Sequence[Arrival],
    ws,
    *,
    today: dt.date | None = None,
    processes: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> list[Triaged]:
    """(article, judgement) per arrival, in order; with `processes` > 1 and enough entries,
    in worker processes forked from this one (Linux), which inherit the workspace's indexes
    (built here first) instead of building their own."""
    global _SHARED
    total = len(arrivals)
    if not total:
        return []
    ws.similarity_index()  # built here, once, before any worker is forked
    ws.node_index()
    workers = min(processes, _cores())
    if workers < 2 or total < PARALLEL_FROM or sys.platform != "linux":
        return _serial(arrivals, ws, today, progress)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    ranges = [(i, min(i + CHUNK, total)) for i in range(0, total, CHUNK)]
    results: dict[int, list[Triaged]] = {}
    _SHARED = (ws, arrivals, today)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = {pool.submit(_triage_range, a, b): (a, b) for a, b in ranges}
            done = 0
            for future in as_completed(futures):
                start, end = futures[future]
                results[start] = future.result()
                done += end - start
                if progress is not None:
                    progress(done, total)
    except (OSError, RuntimeError, ImportError):
        return _serial(arrivals, ws, today, progress)  # no worker processes here
    finally:
        _SHARED = None
    return [pair for start, _ in ranges for pair in results[start]]


PAGES_APART_FROM = 20  # pages: below this, starting worker processes costs more than it saves
PAGES_CHUNK = 10


def pages_in_workers(
    arrivals: Sequence[Arrival],
    ws,
    *,
    jobs: int,
    done: Callable[[int], None] | None = None,
) -> list[tuple[Page, Triaged | None]] | None:
    """Each arrival's page fetched, read and, when it was read, judged, in worker processes
    forked from this one (`jobs` pages fetched at once across them); in order. None when
    there are too few pages, or no worker processes here: the caller does it itself."""
    import dataclasses

    from tracker.inbox.fetching import fetch_pages
    from tracker.speed.parallel import in_workers, workers

    ws.similarity_index()  # built here, once, before any worker is forked
    ws.node_index()
    today = ws.today
    each = max(1, jobs // workers())

    def task(chunk: list[Arrival]) -> list[tuple[Page, Triaged | None]]:
        pages = fetch_pages([(a.entry.url, a.spec.url) for a in chunk], jobs=each)
        out: list[tuple[Page, Triaged | None]] = []
        for item, page in zip(chunk, pages, strict=True):
            if page.article is None:
                out.append((page, None))
                continue
            fetched = dataclasses.replace(item, page="fetched", page_article=page.article)
            out.append((page, triage_one(fetched, ws, today)))
        return out

    found = in_workers(task, arrivals, least=PAGES_APART_FROM, chunk=PAGES_CHUNK, smallest=1)
    if found is None:
        return None
    out = []
    try:
        for pair in found:
            out.append(pair)
            if done is not None:
                done(len(out))
    except (OSError, RuntimeError):  # no worker processes here after all
        if out:
            raise
        return None
    return out


def _serial(arrivals, ws, today, progress) -> list[Triaged]:
    out = []
    total = len(arrivals)
    for index, item in enumerate(arrivals, start=1):
        out.append(triage_one(item, ws, today))
        if progress is not None and (index % 25 == 0 or index == total):
            progress(index, total)
    return out


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


# --- drafts ---------------------------------------------------------------------------------------


def drafts_by_url(root) -> dict[str, str]:
    """Each draft's normalized address -> its id: an entry already imported by hand."""
    from tracker.domain.urls import normalize_url
    from tracker.ingest.drafts import DraftError, list_drafts, load_draft

    out: dict[str, str] = {}
    for draft_id in list_drafts(root):
        try:
            draft, _ = load_draft(root, draft_id)
        except DraftError:
            continue
        url = draft.source.get("url")
        if isinstance(url, str) and url:
            out.setdefault(normalize_url(url), draft_id)
    return out


def with_drafts(judgement: Judgement, url_key: str | None, drafts: dict[str, str]) -> Judgement:
    """Add the draft that holds the same address, unless the index named it already."""
    draft_id = drafts.get(url_key) if url_key else None
    if draft_id is None or any(c.id == draft_id for c in judgement.same_event):
        return judgement
    draft = CandidateRef(draft_id, "same_url", 1.0, "a draft holds the same address", True)
    return Judgement(judgement.suggestions, [draft, *judgement.same_event])
