"""Fetching feeds politely, a few at once, each failure one line and the others going on.

Politely: a conditional request with the validators the last answer gave (ETag,
Last-Modified), so a feed with nothing new costs one request and a `304 Not Modified`; a
deadline for the whole answer and a size limit (`tracker.net.fetch`); at most `jobs` feeds at
once; and an answer that is byte for byte the last one is not parsed again. A feed the analyst
lists is theirs to point anywhere (`user_given`: a feed on the intranet works); an address
found inside a feed is not, unless it is on the feed's own host, as a redirect within the host
typed would be.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from tracker.inbox.config import FeedSpec
from tracker.inbox.parse import FeedError, ParsedFeed, parse_feed
from tracker.inbox.store import FeedState

MAX_FEED_BYTES = 10_000_000  # a busy feed is well under 1 MB
READ_APART_FROM = 10  # feeds fetched: from this many on, they are read once all are fetched,
READ_IN_WORKERS_FROM = 4  # in worker processes when this many have something new
PAGE_TIMEOUT = 15.0
ACCEPT_FEEDS = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)

Status = Literal["new", "not_modified", "unchanged", "failed"]


@dataclass(frozen=True)
class FeedOutcome:
    """What fetching one feed gave: its entries, nothing new, or the line saying why not."""

    spec: FeedSpec
    status: Status
    state: FeedState  # what to remember for the next fetch
    feed: ParsedFeed | None = None
    failure: str | None = None

    @property
    def name(self) -> str:
        return self.spec.name or self.state.title or host_of(self.spec.url) or self.spec.url


def host_of(url: str | None) -> str | None:
    try:
        return (urlsplit(url or "").hostname or "").lower() or None
    except ValueError:
        return None


@dataclass(frozen=True)
class _Answer:
    """A feed's new answer, fetched and not yet parsed."""

    spec: FeedSpec
    previous: FeedState
    body: bytes
    url: str
    content_type: str
    charset: str | None
    state: FeedState  # the validators of this answer, remembered once it is read


def fetch_feed(
    spec: FeedSpec,
    previous: FeedState | None,
    *,
    timeout: float,
    max_bytes: int = MAX_FEED_BYTES,
    cancel: object | None = None,
) -> FeedOutcome:
    """One feed: a conditional request, then its entries if the answer is new."""
    found = _request(spec, previous, timeout=timeout, max_bytes=max_bytes, cancel=cancel)
    return found if isinstance(found, FeedOutcome) else _read(found)


def _request(
    spec: FeedSpec,
    previous: FeedState | None,
    *,
    timeout: float,
    max_bytes: int,
    cancel: object | None,
) -> FeedOutcome | _Answer:
    """The conditional request: what came of it, or a new answer still to be read."""
    from tracker.net import FetchError, fetch

    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    previous = previous or FeedState(spec.url)
    requests = previous.requests + 1
    try:
        response = fetch(
            spec.url,
            timeout=timeout,
            max_bytes=max_bytes,
            accept=ACCEPT_FEEDS,
            etag=previous.etag,
            last_modified=previous.last_modified,
            user_given=True,
            cancel=cancel,
        )
    except FetchError as err:
        line = err.what if err.url == spec.url else str(err)
        state = _with(previous, checked=now, failure=line, requests=requests)
        return FeedOutcome(spec, "failed", state, failure=line)
    if response.not_modified:
        state = _with(previous, checked=now, failure=None, requests=requests)
        return FeedOutcome(spec, "not_modified", state)
    digest = hashlib.sha256(response.body).hexdigest()
    validators = {
        "etag": response.etag,
        "last_modified": response.last_modified,
        "body_sha256": digest,
        "checked": now,
        "failure": None,
        "requests": requests,
    }
    if digest == previous.body_sha256:
        return FeedOutcome(spec, "unchanged", _with(previous, **validators))
    return _Answer(
        spec,
        previous,
        response.body,
        response.url,
        response.content_type,
        response.charset,
        _with(previous, changed=now, **validators),
    )


def _read(answer: _Answer) -> FeedOutcome:
    """A new answer parsed: the feed's entries, or the line saying why there are none."""
    try:
        feed = parse_feed(
            answer.body,
            url=answer.url,
            content_type=answer.content_type,
            charset=answer.charset,
        )
    except FeedError as err:
        # Not remembered as read: the next fetch asks for the whole feed again.
        previous, state = answer.previous, answer.state
        failed = _with(previous, checked=state.checked, failure=str(err), requests=state.requests)
        return FeedOutcome(answer.spec, "failed", failed, failure=str(err))
    state = _with(answer.state, title=feed.title or answer.previous.title)
    return FeedOutcome(answer.spec, "new", state, feed=feed)


def _with(state: FeedState, **changes: object) -> FeedState:
    from dataclasses import replace

    return replace(state, **changes)


def fetch_feeds(
    specs: Sequence[FeedSpec],
    previous: Callable[[str], FeedState | None],
    *,
    jobs: int,
    timeout: float,
    max_bytes: int = MAX_FEED_BYTES,
    cancel: object | None = None,
    done: Callable[[FeedOutcome], None] | None = None,
    processes: int = 1,
) -> list[FeedOutcome]:
    """Every feed, `jobs` at once; `done` hears of each as it ends (from this thread).
    The outcomes come back in the order of `specs`.

    With `processes` > 1 (the command line; not the workbench, which never forks), many
    feeds (`READ_APART_FROM`) are read in forked worker processes once all are fetched and
    the fetching threads are gone: reading a feed is Python work (50 feeds of 100 entries:
    1.4 s), which threads share one core for."""
    from tracker.speed.parallel import workers

    states = {spec.url: previous(spec.url) for spec in specs}
    results: dict[int, FeedOutcome] = {}
    apart = processes > 1 and len(specs) >= READ_APART_FROM and workers() >= 2
    answers: dict[int, _Answer] = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="feed") as pool:
        futures = {
            pool.submit(
                _request if apart else fetch_feed,
                spec,
                states[spec.url],
                timeout=timeout,
                max_bytes=max_bytes,
                cancel=cancel,
            ): index
            for index, spec in enumerate(specs)
        }
        try:
            for index, found in _as_they_end(futures, specs, states):
                if isinstance(found, _Answer):
                    answers[index] = found
                    continue
                results[index] = found
                if done is not None:
                    done(found)
        except KeyboardInterrupt:
            _stop(cancel)  # the threads stop at once instead of waiting out their deadlines
            raise
    for index, outcome in zip(answers, _read_all(list(answers.values())), strict=True):
        results[index] = outcome
        if done is not None:
            done(outcome)
    return [results[i] for i in range(len(specs))]


def _read_all(answers: list[_Answer]) -> list[FeedOutcome]:
    """The answers read, in order: in worker processes when there are a few, else here."""
    from tracker.speed.parallel import in_workers

    def read(chunk: list[_Answer]) -> list[FeedOutcome]:
        return [_read_or_say(answer) for answer in chunk]

    found = in_workers(read, answers, least=READ_IN_WORKERS_FROM, chunk=1, smallest=1)
    if found is not None:
        try:
            return list(found)
        except (OSError, RuntimeError):  # no worker processes here after all
            pass
    return read(answers)


def _read_or_say(answer: _Answer) -> FeedOutcome:
    try:
        return _read(answer)
    except Exception as err:  # a bug below must not cost the other feeds
        return _failed(answer.spec, answer.previous, err)


def _failed(spec: FeedSpec, previous: FeedState | None, err: Exception) -> FeedOutcome:
    line = f"could not be read ({type(err).__name__}: {err})"
    state = _with(previous or FeedState(spec.url), failure=line)
    return FeedOutcome(spec, "failed", state, failure=line)


def _stop(cancel: object | None) -> None:
    stop = getattr(cancel, "cancel", None)
    if callable(stop):
        stop()


def _as_they_end(futures, specs, states) -> Iterator[tuple[int, FeedOutcome | _Answer]]:
    for future in as_completed(futures):
        index = futures[future]
        try:
            found = future.result()
        except Exception as err:  # a bug below must not cost the other feeds
            spec = specs[index]
            found = _failed(spec, states[spec.url], err)
        yield index, found


# --- article pages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """An article's page as fetched for triage: its article, or why there is none."""

    article: object | None  # tracker.ingest.extract.Article
    note: str | None = None


def fetch_page(
    url: str, feed_url: str, *, timeout: float = PAGE_TIMEOUT, cancel: object | None = None
) -> Page:
    """The article at `url` (a link found in the feed at `feed_url`), extracted as import
    would; a failure is a note, never an exception."""
    from tracker.ingest.extract import IngestError, fetch_url

    same_host = host_of(url) is not None and host_of(url) == host_of(feed_url)
    try:
        article = fetch_url(url, timeout=timeout, user_given=same_host, cancel=cancel)
    except IngestError as err:
        return Page(None, f"the article's page could not be read: {err}")
    except Exception as err:  # the extractor failing on a hostile page: a note, not a crash
        return Page(None, f"the article's page could not be read ({type(err).__name__})")
    return Page(article)


def fetch_pages(
    wanted: Sequence[tuple[str, str]],
    *,
    jobs: int,
    timeout: float = PAGE_TIMEOUT,
    cancel: object | None = None,
    done: Callable[[int], None] | None = None,
) -> list[Page]:
    """Pages for (url, feed url) pairs, `jobs` at once, in the order given."""
    pages: dict[int, Page] = {}
    if not wanted:
        return []
    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="page") as pool:
        futures = {
            pool.submit(fetch_page, url, feed, timeout=timeout, cancel=cancel): index
            for index, (url, feed) in enumerate(wanted)
        }
        try:
            for count, future in enumerate(as_completed(futures), start=1):
                pages[futures[future]] = future.result()
                if done is not None:
                    done(count)
        except KeyboardInterrupt:
            _stop(cancel)
            raise
    return [pages[i] for i in range(len(wanted))]
