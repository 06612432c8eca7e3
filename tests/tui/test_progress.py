"""Progress in the workbench: a bar while a load reads many files, gone when the load ends."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Label, ProgressBar, TextArea

from tests.conftest import evidence_toml, write_evidence
from tests.tui.helpers import SIZE, settle, text_of, tree_ids
from tracker.tui import progress
from tracker.tui.app import WorkbenchApp

FILES = 40


@pytest.fixture
def many(mini: Path, monkeypatch) -> Path:
    """A project whose load reads more files than the (lowered) threshold for a bar."""
    an_hour_ago = time.time() - 3600  # settled files: a second load may take them from caches
    for n in range(FILES):
        path = write_evidence(mini, evidence_toml(f"2025-03-01-event-{n:03d}"))
        os.utime(path, (an_hour_ago, an_hour_ago))
    monkeypatch.setattr(progress, "SHOW_FROM_TOTAL", 10)
    monkeypatch.setattr(progress, "MIN_INTERVAL", 0.0)
    return mini


class Watch:
    """Every label the load's bar showed, seen from the UI thread as each message arrives."""

    def __init__(self) -> None:
        self.app: WorkbenchApp | None = None
        self.labels: list[str] = []
        self.bars: list[float | None] = []
        self.panel_seen = False
        self._messages: list = []
        self.counts: list[tuple[int, int]] = []  # what the loading thread reported

    def __call__(self, message) -> None:
        if isinstance(message, progress.Progress) and message not in self._messages:
            self._messages.append(message)  # (the hook may see a message more than once)
            self.counts.append((message.done, message.total))
        if self.app is None or not self.app.screen_stack:
            return
        for panel in self.app.screen.query("#load-progress").results(progress.ProgressPanel):
            self.panel_seen = True
            if not self.labels or self.labels[-1] != panel.label:
                self.labels.append(panel.label)
                self.bars.append(panel.total)


def panels(app: WorkbenchApp) -> int:
    return len(app.screen.query(progress.ProgressPanel))


async def test_a_load_that_reads_many_files_shows_a_bar_then_the_screen_as_before(
    many: Path,
) -> None:
    watch = Watch()
    app = watch.app = WorkbenchApp(many)
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        await settle(pilot)
        assert watch.counts == [(0, FILES), (FILES, FILES)]
        assert watch.labels[-1] == f"checking {FILES} files and scoring…"
        assert watch.bars[-1] is None  # what follows the reading has no count
        assert panels(app) == 0
        assert "reboot" in tree_ids(app)
        assert "Loading" not in text_of(app, "#banner")

        # A reload with nothing changed reads no file (the snapshot answers): no bar at all.
        watch.labels.clear()
        watch.counts.clear()
        await pilot.press("r")
        await settle(pilot)
        assert watch.labels == [] and watch.counts == []
        assert panels(app) == 0

        # A reload that reads the files again (no cache) shows it again, and it goes again.
        watch.counts.clear()
        app.session.use_cache = False
        await pilot.press("r")
        await settle(pilot)
        assert watch.labels and watch.counts[-1] == (FILES, FILES)
        assert panels(app) == 0


async def test_a_load_of_few_files_shows_no_bar(mini: Path) -> None:
    for n in range(5):
        write_evidence(mini, evidence_toml(f"2025-03-01-event-{n:03d}"))
    watch = Watch()
    app = watch.app = WorkbenchApp(mini, use_cache=False)
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        await settle(pilot)
        assert watch.labels == [] and watch.counts == []
        assert len(tree_ids(app)) > 1


async def test_the_bar_goes_when_the_load_fails(many: Path, monkeypatch) -> None:
    watch = Watch()
    app = watch.app = WorkbenchApp(many, use_cache=False)
    # The checks across files, after every file was read, need today's date: a bad pinned
    # date makes the load fail there, with the bar up.
    monkeypatch.setenv("TRACKER_TODAY", "not-a-date")
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        await settle(pilot)
        assert watch.panel_seen and watch.counts == [(0, FILES), (FILES, FILES)]
        assert panels(app) == 0
        banner = text_of(app, "#banner")
        assert "could not load the project" in banner
        assert "Traceback" not in banner


def test_the_reporter_waits_for_long_work_and_throttles() -> None:
    class Target:
        def __init__(self) -> None:
            self.posted: list[tuple[int, int]] = []

        def post_message(self, message) -> bool:
            self.posted.append((message.done, message.total))
            return True

    quick = Target()
    reporter = progress.Reporter(quick, show_from=2000, after=60)
    for done in range(0, 500, 250):
        reporter(done, 500)
    reporter(500, 500)
    assert quick.posted == []  # few files, read fast: nothing shown

    big = Target()
    reporter = progress.Reporter(big, show_from=2000, after=60, interval=60)
    for done in range(0, 10_000, 250):
        reporter(done, 10_000)
    reporter(10_000, 10_000)
    assert big.posted == [(0, 10_000), (10_000, 10_000)]  # the first, then the end

    reporter.closed = True
    reporter(10_000, 10_000)
    assert big.posted[-1] == (10_000, 10_000) and len(big.posted) == 2


async def test_the_panel_says_what_happens_and_fills_its_bar() -> None:
    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield progress.ProgressPanel("reading evidence 0 / 10,000", done=0, total=10_000)

    async with Host().run_test(size=SIZE) as pilot:
        panel = pilot.app.query_one(progress.ProgressPanel)
        panel.show(progress.count_label("reading evidence", 3500, 10_000), 3500, 10_000)
        await pilot.pause()
        label = panel.query_one("ProgressPanel > Label", Label)
        bar = panel.query_one(ProgressBar)
        assert str(label.render()) == "reading evidence 3,500 / 10,000"
        assert (bar.total, bar.progress, bar.percentage) == (10_000, 3500, 0.35)
        # A stage without a count: the bar turns indeterminate, the label says what it is.
        panel.post_message(progress.ProgressPanel.Stage("finding same-event candidates…"))
        await pilot.pause()
        assert str(label.render()) == "finding same-event candidates…"
        assert bar.total is None
        assert not bar.query_one("#percentage").display
        panel.post_message(progress.ProgressPanel.Done())
        await pilot.pause()
        assert not pilot.app.query(progress.ProgressPanel)


class ImportWatch:
    """What the import's panel said, seen from the UI thread as each message arrives."""

    def __init__(self) -> None:
        self.app: WorkbenchApp | None = None
        self.labels: list[str] = []

    def __call__(self, message) -> None:
        if self.app is None or not self.app.screen_stack:
            return
        for panel in self.app.screen.query("#import-progress").results(progress.ProgressPanel):
            if panel.display and (not self.labels or self.labels[-1] != panel.label):
                self.labels.append(panel.label)


@contextlib.asynccontextmanager
async def form_watched(root: Path, monkeypatch):
    """The workbench on `root` with the evidence form open, its import panel watched (shown
    however fast an import is): yields the app, the pilot and the watch."""
    monkeypatch.setattr(progress, "SHOW_AFTER", 0.0)
    watch = ImportWatch()
    app = watch.app = WorkbenchApp(root)
    async with app.run_test(size=SIZE, message_hook=watch) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        yield app, pilot, watch


ARTICLE = """Minsk releases political prisoners

BELTA, 12 March 2025. The president pardoned 23 political prisoners on Tuesday."""


async def test_an_import_says_what_it_does_then_the_indicator_goes(many: Path, monkeypatch) -> None:
    async with form_watched(many, monkeypatch) as (app, pilot, watch):
        app.post_message(events.Paste(ARTICLE))  # as the terminal delivers a paste
        await settle(pilot)
        await settle(pilot)
        assert watch.labels[0] == "reading the article… (escape cancels)"
        assert f"indexing {FILES} items and their archived texts… (escape cancels)" in watch.labels
        assert (
            "looking for the same event, suggesting recommendations… (escape cancels)"
            in watch.labels
        )
        assert not app.screen.query("#import-progress")
        assert app.screen.query_one("#f-title", TextArea).text  # filled from the article

        # A second import: the index is built, so that step is not announced again.
        watch.labels.clear()
        from tracker import ingest
        from tracker.tui.screens.importing import run_import

        run_import(app.screen, lambda cancel: ingest.extract_text(ARTICLE), ingest)
        await settle(pilot)
        await settle(pilot)
        assert not any(label.startswith("indexing") for label in watch.labels)
        assert not app.screen.query("#import-progress")


async def test_a_failed_import_takes_its_indicator_away(mini: Path, monkeypatch) -> None:
    from tracker import ingest
    from tracker.tui.screens.importing import run_import

    async with form_watched(mini, monkeypatch) as (app, pilot, watch):
        missing = mini / "no-such-article.html"
        run_import(app.screen, lambda cancel: ingest.extract_file(missing), ingest)
        await settle(pilot)
        await settle(pilot)
        assert watch.labels == ["reading the article… (escape cancels)"]
        assert not app.screen.query("#import-progress")
        assert type(app.screen).__name__ == "EvidenceForm"  # still there, nothing lost
