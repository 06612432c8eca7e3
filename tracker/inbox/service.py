"""The inbox as the command line, the workbench and the tests use it: fetch, list, draft, dismiss.

`Inbox.fetch` reads the feeds, keeps what is new, triages it against the workspace (opened
only when something is new: a fetch with nothing new costs one conditional request per feed
and no load of the evidence), groups reports of one event into one story, and stores it all in
one transaction together with the feeds' validators, so an interrupted fetch leaves the inbox
as it was and the next one asks for the same entries again.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.errors import TrackerError, UsageError
from tracker.inbox import stories
from tracker.inbox.config import DEFAULT_JOBS, DEFAULT_PAGES, DEFAULT_TIMEOUT, FeedSpec
from tracker.inbox.fetching import FeedOutcome, fetch_feeds, fetch_page
from tracker.inbox.queue import InboxRow, ranked, row_of
from tracker.inbox.store import STATES, Entry, InboxStore, State, Story
from tracker.inbox.triage import (
    Arrival,
    Judgement,
    arrival,
    better_publisher,
    drafts_by_url,
    pages_in_workers,
    too_short,
    triage_many,
    with_drafts,
)

if TYPE_CHECKING:
    from tracker.ingest.extract import Article

# progress(stage, done, total): stage is "feeds", "index", "triage", "pages" or "saving";
# total 0 means no count is known.
Progress = Callable[[str, int, int], None]
RECENT_DAYS = 60  # how far back an arriving entry looks for its story


class InboxError(TrackerError):
    """An inbox operation that cannot be done (no such row, a row already decided)."""


@dataclass
class FetchReport:
    """What one fetch did, feed by feed and in all."""

    outcomes: list[FeedOutcome]
    new_entries: int = 0
    duplicates: int = 0  # entries the inbox had already (or twice in one fetch)
    new_stories: int = 0
    joined: int = 0  # new entries that joined a story already in the inbox
    pages_fetched: int = 0
    pages_failed: int = 0
    pages_skipped: int = 0  # short entries left unfetched: over this fetch's page budget
    bears_on_none: int = 0  # of the new stories
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> list[FeedOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def requests(self) -> int:
        return len(self.outcomes)


class Inbox:
    """One analyst's inbox for one project."""

    def __init__(self, root: Path, store: InboxStore) -> None:
        self.root = root
        self.store = store

    @classmethod
    def open(cls, root: Path) -> Inbox:
        return cls(Path(root), InboxStore.open(root))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Inbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- fetching ------------------------------------------------------------------------------

    def fetch(
        self,
        feeds: Sequence[FeedSpec],
        *,
        workspace: Callable[[], object],
        jobs: int = DEFAULT_JOBS,
        timeout: float = DEFAULT_TIMEOUT,
        pages: int = DEFAULT_PAGES,
        processes: int = 1,
        cancel: object | None = None,
        progress: Progress | None = None,
    ) -> FetchReport:
        """Fetch `feeds`, triage what is new and store it; `workspace()` opens the project
        (called only when there is something new). `processes` > 1 reads many feeds and
        judges many entries in forked worker processes (the command line; the workbench
        does both in its own)."""
        say = progress or (lambda stage, done, total: None)
        clock = _Clock()
        done_feeds = 0

        def feed_done(outcome: FeedOutcome) -> None:
            nonlocal done_feeds
            done_feeds += 1
            say("feeds", done_feeds, len(feeds))

        say("feeds", 0, len(feeds))
        outcomes = fetch_feeds(
            feeds,
            self.store.feed_state,
            jobs=jobs,
            timeout=timeout,
            cancel=cancel,
            done=feed_done,
            processes=processes,
        )
        report = FetchReport(outcomes)
        clock.lap(report, "fetch")
        arrivals = self._arrivals(outcomes, report)
        if not arrivals:
            with self.store.transaction():
                for outcome in outcomes:
                    self.store.save_feed(outcome.state)
            return report

        ws = workspace()
        clock.lap(report, "open")
        today = ws.today
        say("index", 0, 0)
        ws.similarity_index()
        ws.node_index()
        clock.lap(report, "index")
        triaged = triage_many(
            arrivals,
            ws,
            today=today,
            processes=processes,
            progress=lambda d, t: say("triage", d, t),
        )
        articles = [t.article for t in triaged]
        judgements = [t.judgement for t in triaged]
        terms = [t.terms for t in triaged]
        clock.lap(report, "triage")
        self._pages(
            arrivals, articles, judgements, terms, ws, report, pages, jobs, cancel, say, processes
        )
        clock.lap(report, "pages")
        drafts = drafts_by_url(ws.data)
        judgements = [
            with_drafts(j, a.url_key, drafts) for j, a in zip(judgements, arrivals, strict=True)
        ]
        say("saving", 0, 0)
        self._store(arrivals, articles, judgements, terms, outcomes, today, report)
        clock.lap(report, "store")
        return report

    def _arrivals(self, outcomes: list[FeedOutcome], report: FetchReport) -> list[Arrival]:
        """The entries the inbox has not seen: by address, by the feed's id, and by title and
        text (a feed that changes its ids on every fetch), within this fetch too."""
        out: list[Arrival] = []
        urls: set[str] = set()
        guids: set[tuple[str, str]] = set()
        contents: set[str] = set()
        for outcome in outcomes:
            if outcome.feed is None:
                continue
            source = outcome.name
            for entry in outcome.feed.entries:
                item = arrival(outcome.spec, source, entry, outcome.feed.language)
                guid = (outcome.spec.url, entry.guid) if entry.guid else None
                seen = (
                    (item.url_key is not None and item.url_key in urls)
                    or (guid is not None and guid in guids)
                    or item.content_key in contents
                    or self.store.known(
                        outcome.spec.url, entry.guid, item.url_key, item.content_key
                    )
                )
                if item.url_key:
                    urls.add(item.url_key)
                if guid:
                    guids.add(guid)
                contents.add(item.content_key)
                if seen:
                    report.duplicates += 1
                    continue
                out.append(item)
        return out

    def _pages(
        self,
        arrivals,
        articles,
        judgements,
        terms,
        ws,
        report,
        budget,
        jobs,
        cancel,
        say,
        processes,
    ):
        """Judge again, on its page, each short entry that bears on nothing by its summary;
        with `processes` > 1 and many pages, each fetched, read and judged in forked worker
        processes (reading a page and judging it is Python work: 200 pages, 1 s on one core)."""
        from tracker.inbox.fetching import fetch_pages

        wanted = [
            i
            for i, (item, judgement) in enumerate(zip(arrivals, judgements, strict=True))
            if item.entry.url and too_short(item.entry.text) and not judgement.suggestions
        ]
        for i in wanted[budget:]:
            arrivals[i].page = "skipped"
            arrivals[
                i
            ].page_note = "judged on the feed's summary only: this fetch's page budget was spent"
        wanted = wanted[:budget]
        report.pages_skipped = sum(1 for a in arrivals if a.page == "skipped")
        if not wanted:
            return
        say("pages", 0, len(wanted))
        judged = None
        if processes > 1:
            judged = pages_in_workers(
                [arrivals[i] for i in wanted],
                ws,
                jobs=jobs,
                done=lambda count: say("pages", count, len(wanted)),
            )
        if judged is None:
            pages = fetch_pages(
                [(arrivals[i].entry.url, arrivals[i].spec.url) for i in wanted],
                jobs=jobs,
                cancel=cancel,
                done=lambda count: say("pages", count, len(wanted)),
            )
            judged = [(page, None) for page in pages]
        again = []
        for i, (page, done) in zip(wanted, judged, strict=True):
            item = arrivals[i]
            if page.article is None:
                item.page, item.page_note = "failed", page.note
                report.pages_failed += 1
                continue
            item.page, item.page_article = "fetched", page.article
            report.pages_fetched += 1
            if done is not None:
                articles[i], judgements[i], terms[i] = done.article, done.judgement, done.terms
            else:
                again.append(i)
        redone = triage_many([arrivals[i] for i in again], ws, today=ws.today)
        for i, done in zip(again, redone, strict=True):
            articles[i], judgements[i], terms[i] = done.article, done.judgement, done.terms

    def _store(self, arrivals, articles, judgements, terms, outcomes, today, report) -> None:
        since = max(
            min((a.published or today for a in articles), default=today),
            today - dt.timedelta(days=RECENT_DAYS),
        ) - dt.timedelta(days=stories.WINDOW_DAYS)
        known = [
            stories.Known(story, feed, _date(published) or _date(seen), terms)
            for story, feed, published, seen, terms in self.store.recent_terms(since.isoformat())
        ]
        arriving = [
            stories.Arriving(item.spec.url, article.published or today, t)
            for item, article, t in zip(arrivals, articles, terms, strict=True)
        ]
        matches = stories.match_stories(arriving, known)
        story_of: list[int | None] = []
        stored = 0
        new_stories: set[int] = set()
        bearing: set[int] = set()  # the new stories that bear on a recommendation
        with self.store.transaction():
            for outcome in outcomes:
                self.store.save_feed(outcome.state)
            for index, item in enumerate(arrivals):
                if self.store.known(item.spec.url, item.entry.guid, item.url_key, item.content_key):
                    # Stored meanwhile by another fetch (the workbench's and a command's)
                    story_of.append(None)
                    report.duplicates += 1
                    continue
                story, earlier, _ = matches[index]
                if story is None and earlier is not None:
                    story = story_of[earlier]
                entry = _entry(item, articles[index], judgements[index], terms[index], today)
                _, n = self.store.add(entry, story)
                stored += 1
                story_of.append(n)
                if judgements[index].suggestions:
                    bearing.add(n)
                if story is None:
                    new_stories.add(n)
                    report.new_stories += 1
                elif n not in new_stories:
                    report.joined += 1
        report.new_entries = stored
        report.bears_on_none = len(new_stories - bearing)

    # --- the queue -----------------------------------------------------------------------------

    def rows(
        self, states: Sequence[State] = ("new",), today: dt.date | None = None
    ) -> list[InboxRow]:
        from tracker.clock import today as clock_today

        return ranked(self.store.stories(states), today or clock_today())

    def row(self, n: int, today: dt.date | None = None) -> InboxRow:
        from tracker.clock import today as clock_today

        story = self._story(n)
        return row_of(story, today or clock_today())

    def _story(self, n: int) -> Story:
        story = self.store.story(n)
        if story is None:
            raise UsageError(f"no inbox row {n}: 'tracker inbox' lists the rows and their numbers")
        return story

    def dismiss(self, n: int) -> Story:
        """Remember that this story needs nothing: it never returns, nor do new reports of it."""
        story = self._story(n)
        with self.store.transaction():
            self.store.decide(n, "dismissed")
        return story

    def restore(self, n: int) -> Story:
        """Undo a dismissal (or a draft's mark): the story is new again."""
        story = self._story(n)
        with self.store.transaction():
            self.store.decide(n, "new")
        return story

    def mark_drafted(self, n: int, draft_id: str) -> None:
        with self.store.transaction():
            self.store.decide(n, "drafted", draft_id)

    def article(
        self,
        n: int,
        *,
        source: int | None = None,
        fetch: bool = True,
        timeout: float = 15.0,
        cancel: object | None = None,
    ) -> tuple[Article, Entry]:
        """The article a row stands for, as import would make it: its page's full text when
        the page can be had (fetched now if it never was; a page that failed once is not
        tried again), else the feed's text, with a note saying so. `source` is the report's
        1-based place in the row (default: the row's first)."""
        row = self.row(n)
        if source is not None and not 1 <= source <= len(row.entries):
            raise UsageError(
                f"row {n} has {len(row.entries)} source(s): --source must be 1 to "
                f"{len(row.entries)}"
            )
        entry = row.entries[(source or 1) - 1]
        if fetch and entry.page in (None, "skipped") and entry.url:
            page = fetch_page(entry.url, entry.feed, timeout=timeout, cancel=cancel)
            text = page.article.text if page.article is not None else None
            state = "fetched" if page.article is not None else "failed"
            with self.store.transaction():
                self.store.set_page(entry.id or 0, state, text, page.note)
            entry = replace(entry, page=state, page_text=text, page_note=page.note)
            if page.article is not None and not entry.published and page.article.published:
                entry = replace(
                    entry,
                    published=page.article.published.isoformat(),
                    date_precision=page.article.date_precision,
                    date_source=page.article.date_source,
                )
            if page.article is not None:
                publisher = better_publisher(page.article.publisher, entry.source, entry.url)
                entry = replace(entry, publisher=publisher)
        return entry_article(entry), entry

    def draft(self, n: int, ws, *, source: int | None = None, cancel: object | None = None):
        """Turn a row into an import draft, as `tracker import` would (same-event check,
        suggestions), and mark it drafted. Returns the workspace's `ImportResult`."""
        article, _ = self.article(n, source=source, cancel=cancel)
        result = ws.import_article(article)
        made = result.already or (result.draft.id if result.path else None)
        if made:
            self.mark_drafted(n, made)
        return result

    def counts(self) -> dict[str, int]:
        found = self.store.counts()
        return {state: found.get(state, 0) for state in STATES}


def entry_article(entry: Entry) -> Article:
    """A stored entry as the `Article` import works on."""
    from tracker.ingest.extract import Article

    notes = list(entry.notes)
    if entry.page != "fetched":
        notes.append(
            "the text is the feed's summary, not the whole article"
            + (f" ({entry.page_note})" if entry.page_note else "")
            + ": open the address and paste the article's text before choosing a quote"
        )
    return Article(
        title=entry.title,
        published=entry.published_date,
        date_precision=entry.date_precision,  # type: ignore[arg-type]
        date_source=entry.date_source,  # type: ignore[arg-type]
        publisher=entry.publisher or entry.source,
        author=entry.author,
        url=entry.url,
        text=entry.best_text or entry.title,
        language=entry.language,
        source_kind="url",
        notes=notes,
    )


def _entry(item: Arrival, article: Article, judgement: Judgement, terms, today) -> Entry:
    page_text = item.page_article.text if item.page_article is not None else None
    notes = [n for n in article.notes if n not in item.entry.notes] + list(item.entry.notes)
    return Entry(
        feed=item.spec.url,
        source=item.source,
        guid=item.entry.guid,
        url=item.entry.url,
        url_key=item.url_key,
        content_key=item.content_key,
        title=article.title,
        text=item.entry.text,
        seen=today.isoformat(),
        page=item.page,
        page_text=page_text,
        page_note=item.page_note,
        published=article.published.isoformat() if article.published else None,
        date_precision=article.date_precision,
        date_source=article.date_source,
        publisher=article.publisher,
        author=article.author,
        language=article.language,
        strength=judgement.strength,
        suggestions=judgement.suggestions,
        same_event=judgement.same_event,
        terms=terms,
        notes=notes,
    )


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


class _Clock:
    def __init__(self) -> None:
        self.last = time.perf_counter()

    def lap(self, report: FetchReport, name: str) -> None:
        now = time.perf_counter()
        report.seconds[name] = round(now - self.last, 3)
        self.last = now


__all__ = ["FetchReport", "Inbox", "InboxError", "entry_article"]
