"""A second paper in minutes, end to end: `tracker init`, the paper encoded with two
recommendations, one evidence item, `tracker check` clean, `tracker status`, and the
monitoring page looked at in a real browser."""

from __future__ import annotations

import os
import stat
import textwrap

import pytest

from tests.conftest import write_evidence
from tests.git_helpers import git, isolated_git  # noqa: F401
from tests.reports.conftest import look
from tracker.cli import main

PAPER = textwrap.dedent('''\
    schema = 1

    [paper]
    title = "Open Budgets: A Policy Brief"
    authors = ["M. Example", "J. Sample"]
    publisher = "Civic Institute"
    year = 2024
    month = 5
    language = "en"
    summary = """
    Budget data that citizens can read is a condition of accountable government. The brief asks
    the finance ministry to publish monthly budget execution data and to open the procurement
    register."""

    [[node]]
    id = "transparency"
    kind = "section"
    title = "Budget transparency"

    [[node]]
    id = "monthly-budget-data"
    parent = "transparency"
    kind = "recommendation"
    title = "Publish budget execution data every month"
    text = """The ministry should publish budget execution data monthly, in open formats."""
    search_terms = ["budget execution", "open data"]

    [[node]]
    id = "open-procurement"
    parent = "transparency"
    kind = "recommendation"
    title = "Open the procurement register"
    text = """All public contracts should be published in an open register."""
    search_terms = ["procurement register"]
    ''')

EVIDENCE = textwrap.dedent('''\
    id = "2024-09-02-monthly-budget-portal"
    title = "Finance ministry launches a monthly budget data portal"
    date = 2024-09-02
    date_precision = "day"

    [source]
    url = "https://example.org/news/budget-portal"
    publisher = "Example News"
    reliability = "B"
    credibility = 2
    quote = """The ministry will publish budget execution figures every month as open data."""

    [[assessment]]
    recommendation = "monthly-budget-data"
    impact = 3
    confidence = "high"
    rationale = """The portal is launched and the first monthly release is out: adopted."""
    analyst = "M. Example"
    ''')


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def second_paper(tmp_path, capsys):
    """init, the paper encoded, one evidence item, checked and committed; the page written."""
    project = tmp_path / "open-budgets"
    assert main(["init", str(project), "--title", "Open Budgets", "--year", "2024"]) == 0
    # the team encodes the paper: every placeholder replaced, two recommendations
    (project / "recommendations.toml").write_text(PAPER, "utf-8")
    write_evidence(project, EVIDENCE)
    capsys.readouterr()
    assert main(["check", "-C", str(project)]) == 0
    assert "0 errors, 0 warnings" in capsys.readouterr().out  # no placeholder left
    assert main(["commit", "-C", str(project), "-m", "Encode the paper; first evidence"]) == 0
    assert git(project, "status", "--porcelain").strip() == ""
    # where things stand, on the terminal
    assert main(["status", "-C", str(project), "--as-of", "2024-10-01"]) == 0
    out = capsys.readouterr().out
    assert "Publish budget execution data every month" in out and "progressing" in out
    page = tmp_path / "open-budgets.html"
    assert main(["status", "-C", str(project), "--as-of", "2024-10-01", "-o", str(page)]) == 0
    return page


def test_a_second_paper_from_init_to_its_page(tmp_path, capsys, umask_022):
    page = second_paper(tmp_path, capsys)
    assert stat.S_IMODE(page.stat().st_mode) == 0o644
    html = page.read_text("utf-8")
    assert "Open Budgets: A Policy Brief" in html and "M. Example and J. Sample" in html
    assert "Civic Institute" in html and "accountable government" in html
    assert 'href="https://example.org/news/budget-portal"' in html
    assert "Of the 2 recommendations in the paper, 1 has evidence" in html


@pytest.mark.parametrize("width", [390, 1280])
def test_the_second_papers_page_in_a_browser(browser, tmp_path, capsys, width):
    page = second_paper(tmp_path, capsys)
    seen = look(browser, page, width, tmp_path)
    assert seen.overflow <= 0 and seen.requests == [] and seen.scripts == 0
    assert "Open Budgets: A Policy Brief" in seen.first_screen
    assert "May 2024" in seen.first_screen
    for words in (
        "progressing",
        "no evidence yet",
        "Legend",
        "Method",
        "Finance ministry launches a monthly budget data portal",
    ):
        assert words in seen.text, words
