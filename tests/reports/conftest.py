"""A real browser for the published pages: Debian's chromium, driven by Playwright.

The pages are looked at as a reader sees them: what text is on screen, whether anything runs
off the side at a phone's width, whether the page asked the network for anything. Chromium
comes from the system (`apt-get install chromium`; `.ci/run` installs it in CI); Playwright's
Python package drives it, and never downloads a browser of its own. Without Chromium the
browser tests skip, saying why. Screenshots go to $TRACKER_SCREENSHOTS when it names a folder.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

FLAGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module. Not per session: Playwright's sync API keeps its event
    loop running while it is open, and the workbench's tests start loops of their own."""
    executable = chromium()
    if executable is None:
        pytest.skip("no Chromium installed (apt-get install chromium) to render the pages")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright's Python package drives Chromium (test extra)"
    )
    with sync_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=executable, args=FLAGS)
        yield launched
        launched.close()


@dataclass
class Seen:
    """A page as the browser showed it."""

    text: str  # what a reader can read (innerText: hidden elements left out)
    first_screen: str  # the text of the elements that start within the first screen
    overflow: int  # how far the page runs off the side (0: it fits)
    requests: list[str]  # every request but the page itself
    scripts: int
    shot: Path


def look(browser, page_file: Path, width: int, shots: Path, *, height: int = 900) -> Seen:
    """Open `page_file` at `width` CSS pixels, take a screenshot of the first screen."""
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(page_file.as_uri(), wait_until="load")
        measured = page.evaluate(
            """() => {
                const h = window.innerHeight;
                const first = [...document.querySelectorAll('h1,h2,h3,p,li,dt,dd,span')]
                    .filter(e => { const r = e.getBoundingClientRect();
                                   return r.top < h && r.bottom > 0 && r.height > 0; })
                    .map(e => e.innerText).join('\\n');
                return {
                    text: document.body.innerText,
                    first: first,
                    overflow: document.documentElement.scrollWidth - window.innerWidth,
                    scripts: document.scripts.length,
                };
            }"""
        )
        name = f"{page_file.stem}-{width}.png"
        shot = shots / name
        page.screenshot(path=str(shot))
        keep = os.environ.get("TRACKER_SCREENSHOTS")
        if keep and Path(keep).is_dir():
            shutil.copy(shot, Path(keep) / name)
            page.screenshot(
                path=str(Path(keep) / f"{page_file.stem}-{width}-full.png"), full_page=True
            )
        own = page_file.as_uri()
        return Seen(
            text=measured["text"],
            first_screen=measured["first"],
            overflow=measured["overflow"],
            requests=[r for r in requests if r != own],
            scripts=measured["scripts"],
            shot=shot,
        )
    finally:
        context.close()
