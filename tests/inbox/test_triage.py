"""Triage on real articles: dates by the import rules, suggestions, same event among evidence,
drafts and earlier entries (one story from several outlets is one row), pages fetched only for
short summaries that bear on nothing, and never twice; then the queue's decisions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import evidence_toml, write_evidence
from tests.inbox.conftest import fetch
from tests.inbox.feeds import Item, dev_articles, from_real, page, seed_article
from tracker.inbox import Inbox
from tracker.ingest.drafts import list_drafts, load_draft
from tracker.workspace import open_workspace

ARTICLES = dev_articles()


def test_each_entry_is_dated_by_the_import_rules(project: Path, web):
    a = ARTICLES
    items = [
        # the entry's own date is the metadata
        from_real(a["009"], f"{web.base}/n/1", words=200, date="Mon, 04 Nov 2024 23:30:00 -0500"),
        # no date in the feed: the address says the month (the text names only "Thursday")
        from_real(a["005"], f"{web.base}/2024/06/belarus-reshuffle/", words=200),
        # a date after today is never taken; the text's dateline is
        from_real(a["023"], f"{web.base}/n/3", words=200, date="Fri, 01 Jan 2027 10:00:00 +0000"),
        # nothing at all: no date, said in a note
        Item("Belarus and its neighbours", f"{web.base}/n/4", "Talks on the border went on. " * 40),
    ]
    _, rows = fetch(project, web.feed("/feed.xml", "rss20", items))
    by_title = {r.title: r for r in rows}
    first = by_title[a["009"].title].lead
    assert (first.published, first.date_source) == ("2024-11-04", "metadata")  # the local day
    second = by_title[a["005"].title].lead
    assert (second.published, second.date_precision, second.date_source) == (
        "2024-06-01",
        "month",
        "url",
    )
    third = by_title[a["023"].title].lead
    assert third.published == "2024-02-28" and third.date_source == "dateline"
    assert any("in the future (2027-01-01)" in note for note in third.notes)
    fourth = by_title["Belarus and its neighbours"].lead
    assert fourth.published is None
    assert any("no publication date found" in note for note in fourth.notes)


def test_one_story_from_several_outlets_is_one_row_and_one_outlets_two_stories_are_two(
    project: Path, web
):
    a = ARTICLES
    when = "Mon, 04 Nov 2024 14:05:00 +0300"
    belta = web.feed(
        "/belta.xml",
        "rss20",
        [
            from_real(a["009"], f"{web.base}/belta/009", words=120, date=when),
            # the same outlet, the same day, another meeting: never merged with its sibling
            from_real(a["006"], f"{web.base}/belta/006", words=120, date=when),
            from_real(a["007"], f"{web.base}/belta/007", words=120, date=when),
        ],
        title="BelTA",
    )
    europe = web.feed(
        "/europe.xml",
        "atom",
        [from_real(a["010"], f"{web.base}/europe/010", words=120, date="2024-11-04T18:00:00Z")],
        title="The Europe Today",
    )
    report, rows = fetch(project, belta, europe)
    assert report.new_entries == 4 and report.new_stories == 3
    rotation = next(r for r in rows if len(r.sources) > 1)
    assert sorted(s.source for s in rotation.sources) == ["BelTA", "The Europe Today"]
    assert {s.title for s in rotation.sources} == {a["009"].title, a["010"].title}
    singles = sorted(r.title for r in rows if len(r.sources) == 1)
    assert singles == sorted([a["006"].title, a["007"].title])

    # A third outlet's report, fetched the next day, joins the story already in the inbox.
    later = web.feed(
        "/third.xml",
        "json",
        [from_real(a["009"], f"{web.base}/third/x", words=150, date="2024-11-05T08:00:00Z")],
        title="Third outlet",
    )
    report, rows = fetch(project, later)
    assert report.joined == 1 and report.new_stories == 0
    assert [len(r.sources) for r in rows if r.n == rotation.n] == [3]


def test_stories_days_apart_are_not_merged(project: Path, web):
    a = ARTICLES
    first = web.feed(
        "/a.xml",
        "rss20",
        [from_real(a["009"], f"{web.base}/a/1", words=120, date="Mon, 04 Nov 2024 10:00:00 +0000")],
    )
    second = web.feed(
        "/b.xml",
        "rss20",
        [from_real(a["010"], f"{web.base}/b/1", words=120, date="Mon, 25 Nov 2024 10:00:00 +0000")],
    )
    _, rows = fetch(project, first, second)
    assert len(rows) == 2


def test_rows_that_bear_on_none_sink_and_the_others_rank_by_relevance(project: Path, web):
    a = ARTICLES
    items = [
        from_real(a["029"], f"{web.base}/n/tennis", date="Sun, 07 Sep 2025 22:00:00 +0000"),
        from_real(a["023"], f"{web.base}/n/wto", date="Wed, 28 Feb 2024 11:06:00 +0300"),
        from_real(a["014"], f"{web.base}/n/border", date="Fri, 12 Sep 2025 08:00:00 +0000"),
    ]
    _, rows = fetch(project, web.feed("/feed.xml", "rss20", items))
    assert [r.title for r in rows] == [a["014"].title, a["023"].title, a["029"].title]
    assert rows[-1].bears_on_none and rows[-1].relevance == 0.0 and rows[-1].suggestions == []
    assert "balance-western-neighbours" in [s.id for s in rows[0].suggestions]
    assert "open-belarus-wto" in [s.id for s in rows[1].suggestions]
    assert rows[0].relevance > rows[1].relevance > 0  # the older one counts less


def test_a_short_summary_that_bears_on_nothing_is_judged_on_its_page_once(project: Path, web):
    a = ARTICLES
    web.put("/art/mgimo", page(a["007"]))
    web.put("/art/tennis", page(a["029"]))
    web.put("/art/wto", page(a["023"]))
    items = [
        # the opening of a report on recruiting diplomats: too short to see what it bears on
        from_real(
            a["007"], f"{web.base}/art/mgimo", words=35, date="Thu, 31 Jul 2025 09:00:00 +0000"
        ),
        from_real(
            a["029"], f"{web.base}/art/tennis", words=35, date="Sun, 07 Sep 2025 22:00:00 +0000"
        ),
        # short, but it bears on the WTO recommendation already: no page needed
        from_real(
            a["023"], f"{web.base}/art/wto", words=60, date="Wed, 28 Feb 2024 11:06:00 +0300"
        ),
        # a link to another host (not the feed's): never fetched with the feed's trust
        Item("A week in Minsk", "http://localhost:9/art/elsewhere", "Notes from the capital."),
    ]
    report, rows = fetch(project, web.feed("/feed.xml", "rss20", items))
    assert len(web.asked("/art/mgimo")) == 1 and len(web.asked("/art/tennis")) == 1
    assert web.asked("/art/wto") == []
    assert report.pages_fetched == 2 and report.pages_failed == 1
    by_title = {r.title: r for r in rows}
    sco = by_title[a["007"].title]
    assert sco.lead.page == "fetched" and sco.suggestions  # the page shows what it bears on
    assert sco.lead.publisher == "Feed"  # the page names only its host: the feed's name stands
    tennis = by_title[a["029"].title]
    assert tennis.lead.page == "fetched" and tennis.bears_on_none
    elsewhere = by_title["A week in Minsk"].lead
    assert elsewhere.page == "failed"
    assert "localhost is a loopback address" in elsewhere.page_note

    # Drafting uses the page already fetched: never a second time.
    with Inbox.open(project) as inbox:
        article, entry = inbox.article(sco.n)
        assert entry.page == "fetched" and article.text == sco.lead.page_text
        inbox.article(tennis.n)
        _, failed = inbox.article(next(r.n for r in rows if r.lead.page == "failed"))
        assert failed.page == "failed"
    assert len(web.asked("/art/mgimo")) == 1 and len(web.asked("/art/tennis")) == 1


def test_the_page_budget_is_kept(project: Path, web):
    items = []
    for k in ("007", "029"):  # openings too short to judge
        web.put(f"/art/{k}", page(ARTICLES[k]))
        items.append(from_real(ARTICLES[k], f"{web.base}/art/{k}", words=30))
    report, rows = fetch(project, web.feed("/feed.xml", "rss20", items), pages=1)
    assert report.pages_fetched == 1 and report.pages_skipped == 1
    skipped = [r.lead for r in rows if r.lead.page == "skipped"]
    assert len(skipped) == 1 and "page budget" in skipped[0].page_note


def test_same_event_among_the_evidence_and_the_drafts(project: Path, web):
    # Seed 004 retells the Kherson story the bundled evidence holds (from seed 001).
    kherson = seed_article(
        "004_0a8ee5d5f454f577.txt", "Minsk bets on trade with Russian-looted goods"
    )
    write_evidence(
        project,
        evidence_toml(
            "2024-11-04-rotation-wire",
            date="2024-11-04",
            recommendation="training-personnel-circulation",
            url="https://eng.belta.by/politics/view/rotation",
        ),
    )
    items = [
        from_real(kherson, f"{web.base}/kherson", date="Wed, 24 Sep 2025 10:00:00 +0000"),
        # the very article the evidence cites
        from_real(
            ARTICLES["009"],
            "https://eng.belta.by/politics/view/rotation",
            words=200,
            date="Mon, 04 Nov 2024 14:05:00 +0300",
        ),
        # an article an analyst imported by hand: a draft holds it
        from_real(ARTICLES["023"], f"{web.base}/wto", date="Wed, 28 Feb 2024 11:06:00 +0300"),
    ]
    ws = open_workspace(project)
    from tracker.ingest.extract import extract_text

    wto = extract_text(ARTICLES["023"].title + "\n" + f"{web.base}/wto\n" + ARTICLES["023"].text)
    assert ws.import_article(wto).path is not None

    _, rows = fetch(project, web.feed("/feed.xml", "rss20", items))
    by_title = {r.title: r for r in rows}
    kherson_row = by_title[kherson.title]
    assert {c.id for c in kherson_row.same_event} >= {
        "2025-09-15-kherson-occupation-head-minsk-menafn",
        "2025-09-15-kherson-occupation-head-minsk-euromaidan",
    }
    cited = by_title[ARTICLES["009"].title]
    assert cited.same_event[0].id == "2024-11-04-rotation-wire"
    assert cited.same_event[0].kind == "same_url" and not cited.same_event[0].draft
    assert "already evidence" in cited.why
    drafted = by_title[ARTICLES["023"].title]
    [draft_id] = list_drafts(project)
    assert (drafted.same_event[0].id, drafted.same_event[0].draft) == (draft_id, True)
    assert "already a draft" in drafted.why
    fresh = by_title[kherson.title]
    assert cited.relevance < 0.5 * max(fresh.relevance, 0.01) or cited.relevance < 0.3


def test_draft_makes_an_import_draft_with_suggestions_and_marks_the_row(project: Path, web):
    a = ARTICLES
    web.put("/art/wto", page(a["023"]))
    url = web.feed(
        "/feed.xml",
        "rss20",
        [
            from_real(
                a["023"], f"{web.base}/art/wto", words=60, date="Wed, 28 Feb 2024 11:06:00 +0300"
            )
        ],
    )
    _, [row] = fetch(project, url)
    assert row.lead.page is None  # it bore on the WTO recommendation by its summary alone
    ws = open_workspace(project)
    with Inbox.open(project) as inbox:
        result = inbox.draft(row.n, ws)
        assert inbox.rows() == []
        [drafted] = inbox.rows(("drafted",))
    assert len(web.asked("/art/wto")) == 1  # the page, fetched now for the draft's full text
    draft, _ = load_draft(project, result.draft.id)
    assert drafted.draft == draft.id and drafted.state == "drafted"
    assert draft.source["url"] == f"{web.base}/art/wto"
    assert draft.date == dt.date(2024, 2, 28)
    assert "open-belarus-wto" in [s.recommendation for s in draft.suggestion]
    assert "accession" in draft.text and len(draft.text) > 1500  # the whole article


def test_dismissed_rows_never_return_nor_do_new_reports_of_them(project: Path, web):
    a = ARTICLES
    first = web.feed(
        "/a.xml",
        "rss20",
        [
            from_real(
                a["009"], f"{web.base}/a/1", words=120, date="Mon, 04 Nov 2024 10:00:00 +0000"
            ),
            from_real(
                a["023"], f"{web.base}/a/2", words=120, date="Wed, 28 Feb 2024 11:06:00 +0300"
            ),
        ],
        etag='"1"',
    )
    _, rows = fetch(project, first)
    rotation = next(r for r in rows if r.title == a["009"].title)
    with Inbox.open(project) as inbox:
        inbox.dismiss(rotation.n)
    web.feed(
        "/a.xml",
        "rss20",
        [
            from_real(
                a["009"], f"{web.base}/a/1", words=120, date="Mon, 04 Nov 2024 10:00:00 +0000"
            ),
            from_real(
                a["023"], f"{web.base}/a/2", words=120, date="Wed, 28 Feb 2024 11:06:00 +0300"
            ),
        ],
        etag='"2"',
    )
    second = web.feed(
        "/b.xml",
        "atom",
        [
            from_real(a["010"], f"{web.base}/b/1", words=120, date="2024-11-04T18:00:00Z"),
        ],
    )
    report, rows = fetch(project, first, second)
    assert report.joined == 1
    assert [r.title for r in rows] == [a["023"].title]
    with Inbox.open(project) as inbox:
        [dismissed] = inbox.rows(("dismissed",))
        assert len(dismissed.sources) == 2
        inbox.restore(dismissed.n)
        assert len(inbox.rows()) == 2


def test_an_unknown_row_number_is_a_usage_error(project: Path):
    from tracker.errors import UsageError

    with Inbox.open(project) as inbox, pytest.raises(UsageError, match="no inbox row 99"):
        inbox.dismiss(99)


def test_worker_processes_judge_as_this_process_does(project: Path):
    from tracker.inbox import FeedSpec
    from tracker.inbox.parse import FeedEntry
    from tracker.inbox.triage import PARALLEL_FROM, arrival, triage_many

    spec = FeedSpec("https://feed.example.org/rss")
    arrivals = []
    keys = sorted(ARTICLES)
    for number in range(PARALLEL_FROM + 20):
        real = ARTICLES[keys[number % len(keys)]]
        words = real.text.split()
        start = number % 50
        entry = FeedEntry(
            guid=f"g{number}",
            url=f"https://feed.example.org/{number}",
            title=real.title,
            text=" ".join(words[start : start + 160]),
            date_raw="Mon, 04 Nov 2024 14:05:00 +0300",
        )
        arrivals.append(arrival(spec, "Feed", entry, None))
    ws = open_workspace(project)
    seen: list[tuple[int, int]] = []
    forked = triage_many(arrivals, ws, processes=2, progress=lambda d, t: seen.append((d, t)))
    here = triage_many(arrivals, ws, processes=1)
    assert forked == here
    assert seen[-1] == (len(arrivals), len(arrivals))
    assert any(t.judgement.suggestions for t in forked)
    assert any(not t.judgement.suggestions for t in forked)


PAGES_APART = """
import json, os, sys
from pathlib import Path
from tracker.inbox import FeedSpec, Inbox
from tracker.workspace import open_workspace

root, feed, first, second = sys.argv[1:]

def fetched(state, processes):
    os.environ["TRACKER_STATE_DIR"] = state
    with Inbox.open(Path(root)) as inbox:
        report = inbox.fetch(
            [FeedSpec(feed)], workspace=lambda: open_workspace(Path(root)), processes=processes
        )
        rows = inbox.rows()
    leads = sorted(
        [r.title, r.lead.page, r.lead.page_note, r.lead.page_text, [s.id for s in r.suggestions]]
        for r in rows
    )
    return [report.pages_fetched, report.pages_failed, leads]

print(json.dumps([fetched(first, 2), fetched(second, 1)]))
"""


def test_pages_read_and_judged_in_worker_processes_as_in_this_one(project: Path, web, tmp_path):
    """Many short entries that bear on nothing by their summaries: the command line fetches,
    reads and judges their pages in forked workers, with the same outcome as in one process.
    In a process of its own: this test session runs threads (the local web site's)."""
    from tests.conftest import python_json
    from tracker.inbox.triage import PAGES_APART_FROM

    keys = sorted(ARTICLES)
    items = []
    for number in range(PAGES_APART_FROM + 16):
        real = ARTICLES[keys[number % len(keys)]]
        web.put(f"/art/{number}", page(real))
        item = from_real(real, f"{web.base}/art/{number}", words=5 + number % 3)
        items.append(Item(f"Report number {number}", item.link, item.text, item.date))
    items.append(Item("A week in Minsk", "http://localhost:9/art/elsewhere", "Notes."))
    feed = web.feed("/feed.xml", "rss20", items)
    first, second = tmp_path / "state-1", tmp_path / "state-2"
    apart, here = python_json(PAGES_APART, str(project), feed, str(first), str(second))
    assert apart == here
    fetched, failed, leads = here
    assert failed == 1 and fetched >= PAGES_APART_FROM
    assert any(suggested for *_, suggested in leads)  # a page showed what it bears on
