"""What every published page shares: escaping, links, the document around the content, the
masthead with the paper, status pills, an evidence entry, and the footer saying where the page
came from.

A page is one self-contained file: the stylesheet (`page.css`, screen and print) is inlined, the
charts are inline SVG, there is no script and nothing is fetched, so it opens offline, from an
e-mail attachment or an archive, exactly as published. Every text from the data goes through
`esc` (control characters made visible, then HTML-escaped); only http(s) URLs become links.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from functools import cache
from typing import Any

from tracker.domain.scoring.words import STATUS_SYMBOL
from tracker.reports.figures import clean
from tracker.reports.prose import (
    count,
    impact_words,
    long_date,
    names,
    paper_date,
    signed,
    source_words,
    treatment_words,
)

# Status colours: text on a tint, each at least 4.5:1, and never the only cue (the word is
# always there too).
STATUS_COLOUR = {
    "achieved": "#0f5323",
    "progressing": "#1a7f37",
    "contested": "#6639ba",
    "stalled": "#7d4e00",
    "regressing": "#b3122b",
    "no-evidence": "#59636e",
}


@cache
def stylesheet() -> str:
    from importlib.resources import files

    return files("tracker.reports").joinpath("page.css").read_text("utf-8")


def esc(text: Any) -> str:
    """Data as text in HTML: control characters made visible, markup characters escaped."""
    return html.escape(clean(str(text)), quote=True)


def esc_line(text: Any) -> str:
    """Like `esc`, on one line (titles, names)."""
    return html.escape(clean(str(text), one_line=True), quote=True)


def safe_href(url: str | None) -> str | None:
    """An attribute value for a link, for http(s) URLs only (never javascript:, data:, file:)."""
    if not url:
        return None
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")):
        return None
    if any(ch.isspace() or ord(ch) < 32 or ch in "<>\"'`" for ch in url):
        return None
    return html.escape(clean(url, one_line=True), quote=True)


def link(url: str | None, text: str) -> str:
    """`text` (already HTML) linked to `url` when it is a safe http(s) URL."""
    href = safe_href(url)
    if href is None:
        return text
    return f'<a href="{href}" rel="noopener noreferrer external">{text}</a>'


def pill(status: str, label: str) -> str:
    return (
        f'<span class="pill s-{status}"><span aria-hidden="true">{STATUS_SYMBOL[status]}</span> '
        f"{esc_line(label)}</span>"
    )


def arrow(arrow_sign: str, value: float) -> str:
    """The movement: ↑ +0.43 in green, ↓ −0.23 in red, → 0.00 in grey."""
    if not arrow_sign:
        return '<span class="mv none">—</span>'
    cls = {"↑": "up", "↓": "down"}.get(arrow_sign, "flat")
    return f'<span class="mv {cls}">{arrow_sign}&#8239;{signed(value)}</span>'


def document(title: str, body: Iterable[str], *, lang: str = "en") -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{esc_line(lang or "en")}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="referrer" content="no-referrer">',
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'; img-src data:\">",
            '<meta name="generator" content="tracker">',
            f"<title>{esc_line(title)}</title>",
            f"<style>{stylesheet()}</style>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )


def masthead(
    kicker: str,
    heading: str,
    paper,
    *,
    summary: bool = True,
    paper_title: bool = False,
    nav: str = "",
) -> str:
    """The page's top: what it is, the paper's title, authors, date and summary. `kicker` and
    `heading` are HTML; `paper_title`: the heading is not the paper's, so name it in the byline."""
    parts = ['<header class="masthead">', f'<p class="kicker">{kicker}</p>', f"<h1>{heading}</h1>"]
    if paper is not None:
        byline = []
        if paper_title:
            byline.append(f"<cite>{esc_line(paper.title)}</cite>")
        if paper.authors:
            byline.append(esc_line(names(paper.authors)))
        byline.append(esc_line(paper_date(paper.year, paper.month)))
        if paper.publisher:
            byline.append(esc_line(paper.publisher))
        line = " · ".join(byline)
        if paper.url:
            line += " · " + link(paper.url, "the paper")
        parts.append(f'<p class="byline">{line}</p>')
        if summary and paper.summary.strip():
            parts.append(f'<p class="summary">{esc_line(paper.summary)}</p>')
    if nav:
        parts.append(nav)
    parts.append("</header>")
    return "".join(parts)


def nav(entries: Iterable[tuple[str, str]]) -> str:
    items = "".join(f'<li><a href="#{anchor}">{text}</a></li>' for anchor, text in entries)
    return f'<nav aria-label="On this page"><ul>{items}</ul></nav>'


def footer(meta) -> str:
    """Where the page came from, so it can be reproduced."""
    made = f"Made on {long_date(meta.generated)} by tracker {esc_line(meta.version)}"
    if meta.commit:
        made += f" from commit <code>{esc_line(meta.commit[:12])}</code>"
    else:
        made += " (not from a git commit)"
    known = ""
    if meta.known_as_of:
        known = f" Only the evidence committed by {long_date(meta.known_as_of)} is counted."
    filters = ""
    if meta.filters:
        shown = "; ".join(
            f"{esc_line(k)}: {esc_line(', '.join(v) if isinstance(v, list) else v)}"
            for k, v in meta.filters.items()
        )
        filters = f" Filtered ({shown}): figures cover only what is shown."
    return (
        f'<footer class="colophon"><p>{made}.{known}{filters} '
        "The scoring parameters are in the project's <code>tracker.toml</code>.</p></footer>"
    )


def evidence_entry(
    item,
    *,
    node_id: str,
    contribution: float | None = None,
    treatment: str | None = None,
    half_life_days: float = 180.0,
    new: str = "",
    also: Iterable[str] = (),
    anchor: str | None = None,
    quote: bool = True,
    heading_level: int = 4,
) -> str:
    """One evidence item as a reader meets it: what happened (title, linked to the source),
    when, who says so and how far to trust it, how the analyst read it for this node, what it
    added, and the quote."""
    src = item.source
    assessment = [a for a in item.assessments if a.recommendation == node_id]
    title = link(src.url, esc_line(item.title))
    effect = ""
    if contribution is not None:
        cls = "up" if contribution > 0 else "down" if contribution < 0 else "flat"
        effect = (
            f'<span class="effect {cls}" title="its part in the standing">'
            f"{signed(contribution)}</span> "
        )
    new = f' <span class="new" title="{esc_line(new)}">new</span>' if new else ""
    h = f"h{heading_level}"
    id_attr = f' id="{esc_line(anchor)}"' if anchor else ""
    when = long_date(item.date)
    if item.date_precision != "day":
        when = f"the {item.date_precision} of {when}"
    who = esc_line(src.publisher)
    if src.claimant:
        who += f", citing {esc_line(src.claimant)}"
    meta = [when, who, esc_line(source_words(src.reliability, src.credibility))]
    parts = [
        f'<article class="evidence"{id_attr}>',
        f'<{h} class="ev-title">{effect}{title}{new}</{h}>',
        f'<p class="ev-meta">{" · ".join(meta)}</p>',
    ]
    if assessment:
        reading = []
        for a in assessment:
            who_read = f" ({esc_line(a.analyst)})" if a.analyst else ""
            reading.append(
                f'<p class="reading"><span class="lbl">The analyst\'s reading{who_read}:</span> '
                f"{esc_line(impact_words(a.impact))}, impact {signed(a.impact, 0)} of ±5, "
                f"{esc_line(a.confidence)} confidence. {esc_line(a.rationale)}</p>"
            )
        parts += reading
    if treatment:
        parts.append(f'<p class="treatment">{esc_line(treatment_words(treatment, half_life_days))}')
        also = list(also)
        if also:
            parts.append(f"; the same event, also reported by {', '.join(also)}, is counted once")
        parts.append(".</p>")
    if quote and src.quote.strip():
        parts.append(f"<blockquote>{esc(src.quote.strip())}</blockquote>")
    parts.append("</article>")
    return "".join(parts)


def count_text(n: int, one: str, many: str | None = None) -> str:
    return esc_line(count(n, one, many))
