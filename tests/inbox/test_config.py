"""`[inbox]` in tracker.toml: the feeds read, and every bad entry a finding on its line."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tracker.domain.problems import Code
from tracker.inbox.config import (
    DEFAULT_JOBS,
    DEFAULT_TIMEOUT,
    FeedSpec,
    config_problems,
    feed_url_problem,
    read_settings,
)
from tracker.workspace import open_workspace

GOOD = textwrap.dedent("""\
    [scoring]
    half_life_days = 180.0

    [inbox]
    timeout = 12
    jobs = 2

    [[inbox.feed]]
    url = "https://eng.belta.by/rss"
    name = "BelTA"
    language = "en"

    [[inbox.feed]]
    url = "https://news.example.org/feed.json"
    """)

BAD = textwrap.dedent("""\
    [inbox]
    timeout = "soon"
    jobz = 3

    [[inbox.feed]]
    url = "https://eng.belta.by/rss"

    [[inbox.feed]]
    url = "ftp://files.example.org/feed.xml"

    [[inbox.feed]]
    name = "No address"

    [[inbox.feed]]
    url = "https://ok.example.org/rss"
    langauge = "ru"
    language = "Russian"

    [[inbox.feed]]
    url = "https://eng.belta.by/rss"

    [[inbox.feed]]
    url = "https://spaced.example.org/a feed"
    """)


def write(root: Path, text: str) -> None:
    (root / "tracker.toml").write_text(text, "utf-8")


def test_good_settings_are_read(mini: Path):
    write(mini, GOOD)
    ws = open_workspace(mini)
    settings = read_settings(ws.settings)
    assert settings.timeout == 12.0 and settings.jobs == 2
    assert settings.feeds == (
        FeedSpec("https://eng.belta.by/rss", "BelTA", "en"),
        FeedSpec("https://news.example.org/feed.json", None, None),
    )
    assert config_problems(mini, ws.settings) == []


def test_no_inbox_table_means_no_feeds_and_no_findings(mini: Path):
    ws = open_workspace(mini)
    assert read_settings(ws.settings).feeds == ()
    assert read_settings(ws.settings).timeout == DEFAULT_TIMEOUT
    assert config_problems(mini, ws.settings) == []


def test_each_bad_entry_is_a_finding_on_its_line_and_the_good_feeds_stay(mini: Path):
    write(mini, BAD)
    ws = open_workspace(mini)
    # The one call the workspace makes (the integrator adds it to open_workspace):
    found = config_problems(mini, ws.settings)
    rendered = [p.render() for p in found]
    assert rendered == [
        "tracker.toml:2: inbox.timeout must be a number from 1 to 300; using 20.0",
        "tracker.toml:3: warning: inbox.jobz: unknown key; did you mean 'jobs'?",
        "tracker.toml:9: inbox.feed[2].url 'ftp://files.example.org/feed.xml' is not an "
        "http(s) address; this feed is skipped",
        'tracker.toml:11: inbox.feed[3] has no url: add url = "https://…"; it is skipped',
        "tracker.toml:16: warning: inbox.feed[4].langauge: unknown key; did you mean 'language'?",
        'tracker.toml:17: inbox.feed[4].language must be a language code such as "en", "ru" '
        'or "be"; the language is guessed from the text',
        "tracker.toml:20: warning: inbox.feed[5].url repeats inbox.feed[1]; it is read once",
        "tracker.toml:23: inbox.feed[6].url holds a space or a control character: give the "
        "address alone; this feed is skipped",
    ]
    assert {p.code for p in found} == {Code.CONFIG_VALUE, Code.CONFIG_UNKNOWN, Code.MISSING_KEY}
    settings = read_settings(ws.settings)
    assert [f.url for f in settings.feeds] == [
        "https://eng.belta.by/rss",
        "https://ok.example.org/rss",
    ]
    assert settings.timeout == DEFAULT_TIMEOUT and settings.jobs == DEFAULT_JOBS


def test_inbox_that_is_not_a_table(mini: Path):
    write(mini, 'inbox = "https://eng.belta.by/rss"\n')
    ws = open_workspace(mini)
    [problem] = config_problems(mini, ws.settings)
    assert problem.code == Code.CONFIG_NOT_TABLE and problem.line == 1


def test_feed_that_is_not_a_list_of_tables(mini: Path):
    write(mini, '[inbox]\nfeed = "https://eng.belta.by/rss"\n')
    ws = open_workspace(mini)
    [problem] = config_problems(mini, ws.settings)
    assert problem.line == 2 and "[[inbox.feed]]" in problem.message


def test_feed_addresses():
    assert feed_url_problem("https://eng.belta.by/rss") is None
    assert feed_url_problem("http://127.0.0.1:8080/feed") is None
    assert "not an http(s)" in feed_url_problem("file:///etc/passwd")
    assert "not an http(s)" in feed_url_problem("javascript:alert(1)")
    assert "no host" in feed_url_problem("https:///rss")
    assert "control character" in feed_url_problem("https://x.example/\x1b[31m")
    assert "not a valid address" in feed_url_problem("https://x.example:99999999/")
    assert "text string" in feed_url_problem(42)
    assert "empty" in feed_url_problem("  ")
