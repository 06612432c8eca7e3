"""A project to triage against (the bundled paper and evidence) and a fetch helper."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.inbox.feeds import site, without_the_dev_articles
from tracker.inbox import FeedSpec, Inbox
from tracker.workspace import open_workspace


@pytest.fixture
def project(bundled: Path) -> Path:
    return without_the_dev_articles(bundled)


@pytest.fixture
def web():
    with site() as served:
        yield served


def fetch(root: Path, *urls_or_specs, **options):
    """Fetch these feeds into the project's inbox; the report and the inbox's rows after."""
    specs = [s if isinstance(s, FeedSpec) else FeedSpec(s) for s in urls_or_specs]
    options.setdefault("timeout", 5)
    workspace = options.pop("workspace", None) or (lambda: open_workspace(root))
    with Inbox.open(root) as inbox:
        report = inbox.fetch(specs, workspace=workspace, **options)
        rows = inbox.rows()
    return report, rows


def never_opened():
    raise AssertionError("the workspace was opened although nothing was new")
