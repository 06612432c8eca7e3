"""`tracker inbox`: fetch, list, show, draft, dismiss and feeds through the real command line,
against feeds served locally from real articles."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.inbox.feeds import Item, dev_articles, from_real, page, site, without_the_dev_articles
from tracker.cli import main

ARTICLES = dev_articles()
HOSTILE = "[bold]Belarus[/bold] <script>alert(1)</script> \x1b]0;owned\x07\x1b[31mred \u202eevil"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def web():
    with site() as served:
        yield served


@pytest.fixture
def feeds(bundled: Path, web) -> Path:
    """The bundled project with three feeds in tracker.toml: RSS 2.0, Atom, JSON Feed."""
    a = ARTICLES
    web.put("/art/tennis", page(a["029"]))
    web.feed(
        "/wire.xml",
        "rss20",
        [
            from_real(
                a["009"], f"{web.base}/wire/009", words=120, date="Mon, 04 Nov 2024 14:05:00 +0300"
            ),
            from_real(a["023"], f"{web.base}/wire/023", date="Wed, 28 Feb 2024 11:06:00 +0300"),
            from_real(
                a["029"], f"{web.base}/art/tennis", words=30, date="Sun, 07 Sep 2025 22:00:00 +0000"
            ),
        ],
        title="Wire",
        etag='"w1"',
    )
    web.feed(
        "/europe.atom",
        "atom",
        [from_real(a["010"], f"{web.base}/europe/010", words=120, date="2024-11-04T18:00:00Z")],
        title="The Europe Today",
        last_modified="Mon, 04 Nov 2024 18:00:00 GMT",
    )
    web.feed(
        "/border.json",
        "json",
        [
            from_real(a["014"], f"{web.base}/json/014", date="2025-09-12T08:00:00+00:00"),
            Item(
                HOSTILE, f"{web.base}/json/hostile", "Poland and Lithuania closed the border " * 30
            ),
        ],
        title="Border watch",
    )
    without_the_dev_articles(bundled)
    config = (bundled / "tracker.toml").read_text("utf-8")
    config += (
        f'\n[inbox]\ntimeout = 5\n\n[[inbox.feed]]\nurl = "{web.base}/wire.xml"\nname = "Wire"\n'
        f'\n[[inbox.feed]]\nurl = "{web.base}/europe.atom"\n'
        f'\n[[inbox.feed]]\nurl = "{web.base}/border.json"\nlanguage = "en"\n'
    )
    (bundled / "tracker.toml").write_text(config, "utf-8")
    return bundled


def test_fetch_then_list_as_text_and_json(feeds: Path, capsys, web):
    code, out, err = run(capsys, "inbox", "fetch", "-C", str(feeds))
    assert code == 0, err
    assert out.startswith("Fetched 3 feeds: 3 with something new.")
    assert "New: 6 entries in 5 new stories (1 bears on none)." in out
    assert "Article pages for short summaries: 1 fetched" in out

    code, out, _ = run(capsys, "inbox", "-C", str(feeds))
    assert code == 0
    assert "Inbox: 5 new rows" in out
    lines = out.splitlines()
    story = (ARTICLES["009"].title, ARTICLES["010"].title)  # one event, two outlets: one row
    rotation = [line for line in lines if any(title in line for title in story)]
    assert len(rotation) == 1 and ("Wire +1" in rotation[0] or "Today +1" in rotation[0])
    assert out.index("Bears on none") < out.index(ARTICLES["029"].title)

    code, out, _ = run(capsys, "inbox", "--format", "json", "-C", str(feeds))
    data = json.loads(out)
    assert data["version"] == 1 and data["total"] == 5
    row = data["rows"][0]
    assert set(row) >= {
        "n",
        "title",
        "url",
        "published",
        "source",
        "relevance",
        "suggestions",
        "same_event",
        "state",
        "sources",
    }
    assert row["state"] == "new" and row["relevance"] > 0
    relevances = [r["relevance"] for r in data["rows"] if not r["bears_on_none"]]
    assert relevances == sorted(relevances, reverse=True)
    assert data["rows"][-1]["suggestions"] == [] and data["rows"][-1]["bears_on_none"]
    rotation = next(r for r in data["rows"] if r["title"] in story)
    assert sorted(s["source"] for s in rotation["sources"]) == ["The Europe Today", "Wire"]
    assert rotation["published"] == "2024-11-04"


def test_hostile_titles_are_shown_as_text(feeds: Path, capsys):
    run(capsys, "inbox", "fetch", "-C", str(feeds))
    out = run(capsys, "inbox", "--limit", "0", "-C", str(feeds))[1]
    assert "\x1b" not in out and "\u202e" not in out
    assert "[bold]Belarus[/bold] <script>alert(1)</script>" in out
    assert "red evil" in out  # the direction override was dropped when the feed was read
    out = run(capsys, "inbox", "--format", "json", "-C", str(feeds))[1]
    titles = [r["title"] for r in json.loads(out)["rows"]]
    assert "[bold]Belarus[/bold] <script>alert(1)</script> red evil" in titles


def test_a_second_fetch_asks_each_feed_once_and_finds_nothing_new(feeds: Path, capsys, web):
    run(capsys, "inbox", "fetch", "-C", str(feeds))
    before = len(web.requests)
    code, out, _ = run(capsys, "inbox", "fetch", "--format", "json", "-C", str(feeds))
    assert code == 0
    data = json.loads(out)
    assert [f["status"] for f in data["feeds"]] == ["not_modified", "not_modified", "unchanged"]
    assert data["new_entries"] == 0
    assert sorted(p for p, _ in web.requests[before:]) == [
        "/border.json",
        "/europe.atom",
        "/wire.xml",
    ]


def test_show_draft_and_dismiss(feeds: Path, capsys, web):
    run(capsys, "inbox", "fetch", "-C", str(feeds))
    data = json.loads(run(capsys, "inbox", "--format", "json", "-C", str(feeds))[1])
    wto = next(r for r in data["rows"] if r["title"] == ARTICLES["023"].title)
    tennis = next(r for r in data["rows"] if r["bears_on_none"])

    code, out, _ = run(capsys, "inbox", "show", str(wto["n"]), "-C", str(feeds))
    assert code == 0
    assert "open-belarus-wto" in out and "matched:" in out
    assert "Text (the feed's summary" in out

    web.put("/wire/023", page(ARTICLES["023"]))
    code, out, err = run(capsys, "inbox", "draft", str(wto["n"]), "-C", str(feeds))
    assert code == 0, err
    assert "Wrote drafts/2024-02-28-belarus-urges-wto" in out
    [toml] = (feeds / "drafts").glob("*.toml")
    assert 'recommendation = "open-belarus-wto"' in toml.read_text("utf-8")
    code, _, err = run(capsys, "inbox", "draft", str(wto["n"]), "-C", str(feeds))
    assert code == 1 and "drafted already" in err

    code, out, _ = run(capsys, "inbox", "dismiss", str(tennis["n"]), "-C", str(feeds))
    assert code == 0 and f"Dismissed row #{tennis['n']}" in out
    data = json.loads(run(capsys, "inbox", "--format", "json", "-C", str(feeds))[1])
    numbers = [r["n"] for r in data["rows"]]
    assert wto["n"] not in numbers and tennis["n"] not in numbers
    everything = json.loads(
        run(capsys, "inbox", "--state", "all", "--format", "json", "-C", str(feeds))[1]
    )
    states = {r["n"]: r["state"] for r in everything["rows"]}
    assert states[wto["n"]] == "drafted" and states[tennis["n"]] == "dismissed"
    assert everything["counts"] == {"new": 3, "drafted": 1, "dismissed": 1}

    code, _, err = run(capsys, "inbox", "dismiss", "999", "-C", str(feeds))
    assert code == 2 and "no inbox row 999" in err


def test_a_failing_feed_is_one_line_on_stderr_and_exit_1(feeds: Path, capsys, web):
    web.put("/wire.xml", "<html><body>moved</body></html>", etag='"w2"')
    code, out, err = run(capsys, "inbox", "fetch", "-C", str(feeds))
    assert code == 1
    assert err.strip().splitlines() == [
        f"tracker: feed Wire ({web.base}/wire.xml): this is a web page (HTML), not a feed: "
        "give the address of its RSS, Atom or JSON feed"
    ]
    assert "2 with something new, 1 failed (above)" in out


def test_fetch_urls_from_the_command_line(bundled: Path, capsys, web):
    url = web.feed(
        "/f.xml", "rss10", [from_real(ARTICLES["023"], f"{web.base}/x", date="2024-02-28")]
    )
    code, out, _ = run(capsys, "inbox", "fetch", url, "-C", str(bundled))
    assert code == 0 and "New: 1 entry" in out
    code, _, err = run(capsys, "inbox", "fetch", "file:///etc/passwd", "-C", str(bundled))
    assert code == 2 and "not an http(s) address" in err


def test_no_feeds_is_a_usage_error_and_an_empty_inbox_says_what_to_do(bundled, capsys):
    code, _, err = run(capsys, "inbox", "fetch", "-C", str(bundled))
    assert code == 2 and "[[inbox.feed]]" in err
    code, out, _ = run(capsys, "inbox", "-C", str(bundled))
    assert code == 0 and "The inbox is empty" in out


def test_feeds_lists_each_feed_and_its_last_fetch(feeds: Path, capsys, web):
    web.put("/europe.atom", "", status=500)
    run(capsys, "inbox", "fetch", "-C", str(feeds))
    out = run(capsys, "inbox", "feeds", "--format", "json", "-C", str(feeds))[1]
    data = json.loads(out)
    assert [f["name"] for f in data["feeds"]] == ["Wire", None, "Border watch"]
    assert data["feeds"][1]["failure"] == "the server answered HTTP 500 Internal Server Error"
    out = run(capsys, "inbox", "feeds", "-C", str(feeds))[1]
    assert "failed: the server answered HTTP 500" in out


def test_root_and_format_before_or_after_the_action(feeds: Path, capsys, monkeypatch):
    monkeypatch.chdir(feeds.parent)
    assert run(capsys, "inbox", "-C", str(feeds), "fetch")[0] == 0
    code, out, _ = run(capsys, "inbox", "--format", "json", "-C", str(feeds), "feeds")
    assert code == 0 and json.loads(out)["version"] == 1


def test_help_teaches_and_start_up_stays_light():
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from tracker.cli import main\n"
            "try:\n    main(['inbox', '--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('feedparser', 'sqlite3', 'lxml', 'tracker.inbox.service') "
            "if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    assert "tracker inbox fetch" in done.stdout and "examples:" in done.stdout
    assert done.stdout.strip().endswith("[]")
