"""The published pages, each one self-contained HTML file (inline CSS and SVG, no script,
nothing fetched; readable on a phone and printed):

- `page`: the monitoring page (`tracker status --format html`), in `monitoring`;
- `briefing_page`: the quarterly briefing (`tracker changes --format html`), in `briefing`;
- `history_page`: standings over time (`tracker history --format html`), in `timeline`.

What they share (escaping, the masthead, an evidence entry, the stylesheet) is in `page`.
"""

from __future__ import annotations

from tracker.reports.monitoring import page


def history_page(scores, dates, series, meta) -> str:
    from tracker.reports.timeline import history_page as render

    return render(scores, dates, series, meta)


def briefing_page(result, meta) -> str:
    from tracker.reports.briefing import html_briefing

    return html_briefing(result, meta)


__all__ = ["briefing_page", "history_page", "page"]
