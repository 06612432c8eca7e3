"""Fetching feeds from a local server: conditional requests, failures one line each with the
others going on, and the bad inputs a feed reader meets (big, slow, hanging, looping,
duplicated, ids that change on every fetch)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from tests.inbox.conftest import fetch, never_opened
from tests.inbox.feeds import Item, dev_articles, from_real
from tests.net.servers import hold_open, raw_server, trickle
from tracker.inbox import FeedSpec, Inbox

ARTICLES = dev_articles()
DATES = {
    "005": "Thu, 27 Jun 2024 12:00:00 +0000",
    "009": "Mon, 04 Nov 2024 14:05:00 +0300",
    "012": "Thu, 04 Jul 2024 09:00:00 +0000",
    "014": "Fri, 12 Sep 2025 08:00:00 +0000",
    "023": "Wed, 28 Feb 2024 11:06:00 +0300",
    "029": "Sun, 07 Sep 2025 22:00:00 +0000",
}


def wire(web, keys=("009", "014", "023"), words=None) -> list[Item]:
    return [
        from_real(ARTICLES[k], f"{web.base}/news/{k}", words=words, date=DATES[k]) for k in keys
    ]


def test_a_repeated_fetch_with_nothing_new_costs_one_conditional_request_per_feed(
    project: Path, web
):
    etag_feed = web.feed("/etag.xml", "rss20", wire(web), etag='"v1"')
    dated_feed = web.feed(
        "/dated.xml",
        "atom",
        wire(web, ("005", "012")),
        last_modified="Mon, 01 Sep 2025 10:00:00 GMT",
    )
    report, rows = fetch(project, etag_feed, dated_feed)
    assert [o.status for o in report.outcomes] == ["new", "new"]
    assert report.new_entries == 5 and len(rows) == 5
    before = len(web.requests)

    again, rows_again = fetch(project, etag_feed, dated_feed, workspace=never_opened)
    assert [o.status for o in again.outcomes] == ["not_modified", "not_modified"]
    assert again.new_entries == 0 and len(rows_again) == 5
    asked = web.requests[before:]
    assert sorted(path for path, _ in asked) == ["/dated.xml", "/etag.xml"]  # one each, no page
    headers = dict(asked)
    assert headers["/etag.xml"]["if-none-match"] == '"v1"'
    assert headers["/dated.xml"]["if-modified-since"] == "Mon, 01 Sep 2025 10:00:00 GMT"


def test_a_server_without_validators_sending_the_same_bytes_is_not_read_again(project, web):
    url = web.feed("/plain.xml", "rss20", wire(web))
    fetch(project, url)
    again, _ = fetch(project, url, workspace=never_opened)
    assert again.outcomes[0].status == "unchanged"


def test_a_changed_feed_adds_only_its_new_entries(project: Path, web):
    url = web.feed("/feed.xml", "rss20", wire(web, ("009", "023")), etag='"a"')
    fetch(project, url)
    web.feed("/feed.xml", "rss20", wire(web, ("009", "023", "014")), etag='"b"')
    report, rows = fetch(project, url)
    assert report.outcomes[0].status == "new"
    assert report.new_entries == 1 and report.duplicates == 2
    assert len(rows) == 3


def test_each_failing_feed_is_one_line_and_the_others_go_on(project: Path, web):
    good = web.feed("/good.xml", "rss20", wire(web))
    web.put("/page.html", "<html><head></head><body><h1>Front page</h1></body></html>")
    web.put("/loop-a", "", status=302, Location="/loop-b")
    web.put("/loop-b", "", status=302, Location="/loop-a")
    web.put("/broken.xml", "<rss version='2.0'><channel><item><title>cut", "application/rss+xml")
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nobody listens there now
    with (
        raw_server(hold_open(b"", seconds=10)) as hanging,
        raw_server(
            trickle(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n", b"<rss>" * 1000, every=0.1)
        ) as slow,
    ):
        started = time.monotonic()
        report, rows = fetch(
            project,
            good,
            web.base + "/missing.xml",
            web.base + "/page.html",
            web.base + "/loop-a",
            web.base + "/broken.xml",
            f"http://127.0.0.1:{port}/feed",
            hanging.url + "/feed",
            slow.url + "/feed",
            timeout=1.5,
        )
        elapsed = time.monotonic() - started
    failures = {o.spec.url.removeprefix(web.base): o.failure for o in report.failed}
    assert report.outcomes[0].status == "new"
    assert len(rows) == 3
    assert failures["/missing.xml"] == "the server answered HTTP 404 Not Found"
    assert failures["/page.html"].startswith("this is a web page (HTML), not a feed")
    assert "redirect loop" in failures["/loop-a"]
    assert failures["/broken.xml"].startswith("not a feed: the XML is malformed")
    assert "refused the connection" in failures[f"http://127.0.0.1:{port}/feed"]
    assert "no complete answer within" in failures[hanging.url + "/feed"]
    assert "no complete answer within" in failures[slow.url + "/feed"]
    assert all("\n" not in line for line in failures.values())
    assert elapsed < 6, "the feeds are fetched a few at once, each within its deadline"


def test_a_feed_of_50_mb_is_refused_without_reading_it(project: Path, web):
    size = 50_000_000

    def huge(conn, request):
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
            + f"Content-Length: {size}\r\n\r\n".encode()
        )
        chunk = b"<item><title>x</title></item>" * 4000
        for _ in range(size // len(chunk)):
            conn.sendall(chunk)

    def huge_chunked(conn, request):
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"<item><title>x</title></item>" * 4000
        for _ in range(size // len(chunk)):
            conn.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")

    with raw_server(huge) as declared, raw_server(huge_chunked) as undeclared:
        report, _ = fetch(project, declared.url + "/big", undeclared.url + "/big", timeout=10)
    assert [o.failure for o in report.outcomes] == [
        "the server announces 50.0 MB, larger than the 10.0 MB limit",
        "the answer is larger than the 10.0 MB limit",
    ]


def test_duplicate_entries_within_one_feed_are_one_entry(project: Path, web):
    items = wire(web, ("009", "023"))
    url = web.feed("/dup.xml", "rss20", [*items, items[0], items[1], items[0]])
    report, rows = fetch(project, url)
    assert report.new_entries == 2 and report.duplicates == 3
    assert len(rows) == 2


def test_a_feed_that_changes_every_entry_id_on_each_fetch_adds_nothing_new(project: Path, web):
    def items(round_: int, with_links: bool) -> list[Item]:
        out = wire(web, ("009", "023"), words=80)
        for number, item in enumerate(out):
            item.guid = f"urn:uuid:{round_}-{number}-{time.monotonic_ns()}"
            if not with_links:
                item.link = None
        return out

    linked = web.feed("/linked.xml", "rss20", items(1, True))
    unlinked = web.feed("/unlinked.xml", "atom", items(1, False))
    first, _ = fetch(project, linked, unlinked)
    assert first.new_entries == 4
    web.feed("/linked.xml", "rss20", items(2, True))
    web.feed("/unlinked.xml", "atom", items(2, False))
    second, rows = fetch(project, linked, unlinked, workspace=never_opened)
    assert [o.status for o in second.outcomes] == ["new", "new"]  # the bytes changed…
    assert second.new_entries == 0 and second.duplicates == 4  # …but nothing is new
    assert [len(r.sources) for r in rows] == [2, 2]  # two outlets, two stories


def test_one_article_in_two_feeds_is_one_entry(project: Path, web):
    first = web.feed("/one.xml", "rss20", wire(web, ("009",)))
    second = web.feed("/two.xml", "json", wire(web, ("009",)))
    report, rows = fetch(project, first, second)
    assert report.new_entries == 1 and report.duplicates == 1
    assert len(rows) == 1


def test_the_inbox_lives_in_the_state_folder_never_in_the_project(project: Path, web):
    url = web.feed("/feed.xml", "rss20", wire(web))
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    fetch(project, url)
    after = sorted(p.relative_to(project) for p in project.rglob("*"))
    assert after == before
    with Inbox.open(project) as inbox:
        assert inbox.store.path.is_file()
        assert project.resolve() not in inbox.store.path.resolve().parents


def test_a_feed_named_in_the_config_is_shown_by_its_name_else_by_its_title(project, web):
    named = web.feed("/a.xml", "rss20", wire(web, ("009",)), title="Feed Title A")
    untitled = web.feed("/b.xml", "rss20", wire(web, ("023",)), title="Feed Title B")
    _, rows = fetch(project, FeedSpec(named, "BelTA English"), untitled)
    assert sorted(r.source for r in rows) == ["BelTA English", "Feed Title B"]


def test_two_fetches_at_once_store_each_entry_once(project: Path, web):
    """The workbench and a command fetching together: the second to store finds the first's
    entries stored meanwhile and keeps none twice."""
    from tracker.workspace import open_workspace

    url = web.feed("/feed.xml", "rss20", wire(web))
    reports = []

    def meanwhile():
        # Fetch A has found its entries new; fetch B (another process, in life) stores them
        # all before A gets to store.
        with Inbox.open(project) as other:
            reports.append(
                other.fetch([FeedSpec(url)], workspace=lambda: open_workspace(project), timeout=5)
            )
        return open_workspace(project)

    with Inbox.open(project) as inbox:
        first = inbox.fetch([FeedSpec(url)], workspace=meanwhile, timeout=5)
        assert len(inbox.rows()) == 3
    assert reports[0].new_entries == 3
    assert first.new_entries == 0 and first.duplicates == 3


READ_APART = """
import dataclasses, json, sys
from tracker.inbox import FeedSpec
from tracker.inbox.fetching import fetch_feeds

specs = [FeedSpec(url) for url in sys.argv[1:]]

def outcomes(processes):
    heard = []
    found = fetch_feeds(
        specs, lambda url: None, jobs=4, timeout=5, processes=processes, done=heard.append
    )
    assert sorted(o.spec.url for o in heard) == sorted(s.url for s in specs)
    return [
        [
            o.status,
            o.failure,
            repr(o.feed),
            repr(dataclasses.replace(o.state, checked=None, changed=None)),
        ]
        for o in found
    ]

print(json.dumps([outcomes(2), outcomes(1)]))
"""


def test_many_feeds_read_in_worker_processes_read_as_in_this_one(web):
    """From `READ_APART_FROM` feeds on, the command line reads them in forked workers once
    all are fetched: the same outcomes, in the same order, a broken feed one line as ever.
    In a process of its own: this test session runs threads (the local web site's)."""
    from tests.conftest import python_json
    from tracker.inbox.fetching import READ_APART_FROM

    kinds = ("rss20", "atom", "json", "rss10")
    urls = [
        web.feed(f"/f{n}.xml", kinds[n % 4], wire(web, ("005", "009", "014", "023")[: 1 + n % 4]))
        for n in range(READ_APART_FROM)
    ]
    web.put("/broken.xml", "<rss version='2.0'><channel><item><title>cut", "application/rss+xml")
    urls += [web.base + "/broken.xml", web.base + "/missing.xml"]
    apart, here = python_json(READ_APART, *urls)
    assert apart == here
    assert [status for status, *_ in here] == ["new"] * READ_APART_FROM + ["failed", "failed"]
    assert here[-2][1].startswith("not a feed: the XML is malformed")
