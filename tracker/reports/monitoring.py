"""The monitoring page (`tracker status --format html`): what a think tank publishes and
readers come back to.

From the top: the paper (title, authors, date, summary); the headline (how many
recommendations progress, regress, stall or have no evidence, and what moved in the last
window); the tree with each node's status in words and colour, standing, movement and the age
of its newest evidence, where a node without evidence is one quiet line; then a card per
recommendation with evidence (its chart, the evidence that moved it with quotes, sources and
links); the legend; the method. One file, no script, nothing fetched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from tracker.domain.scoring import Contribution, NodeScore
from tracker.reports import charts
from tracker.reports.method import config_of, legend_html, method_html
from tracker.reports.page import (
    STATUS_COLOUR,
    arrow,
    document,
    esc_line,
    evidence_entry,
    footer,
    link,
    masthead,
    nav,
    pill,
)
from tracker.reports.prose import age_ago, count, long_date, signed, step_words

CARD_ITEMS = 8  # the evidence listed in full on a card; the rest is summed in one line
MOVERS = 8  # the headline's list of what moved
MARKS = 40  # evidence marked on a chart: the node's own, largest first

TILES = (
    ("achieved", "achieved"),
    ("progressing", "progressing"),
    ("regressing", "regressing"),
    ("contested", "contested"),
    ("stalled", "no clear movement"),
    ("no-evidence", "no evidence yet"),
)


def page(
    scores: Sequence[NodeScore],
    meta,
    *,
    project=None,
    history: tuple[list[dt.date], dict[str, list[float]]] | None = None,
) -> str:
    config = config_of(meta)
    paper = getattr(meta, "paper_details", None) or getattr(project, "paper", None)
    outline = {n.id: n for n in (getattr(meta, "outline", None) or getattr(project, "nodes", []))}
    dates, series = history if history else ([], {})
    carded = {s.node_id for s in scores if _has_card(s)}
    title = esc_line(paper.title if paper else meta.paper or "Recommendations")
    as_of = long_date(meta.as_of)
    body = [
        masthead(
            f"Monitoring the recommendations · as of {as_of}",
            title,
            paper,
            nav=nav(
                [
                    ("glance", "At a glance"),
                    ("tree", "All recommendations"),
                    ("evidence", "The evidence"),
                    ("legend", "Legend"),
                    ("method", "Method"),
                ]
            ),
        ),
        "<main>",
        _glance(scores, meta, config.window_days, carded),
        _tree(scores, carded, config.window_days),
        '<section id="evidence"><h2>The evidence, recommendation by recommendation</h2>',
    ]
    anchors: set[str] = set()
    cards = [
        _card(s, outline, dates, series.get(s.node_id), carded, anchors, project, config)
        for s in scores
        if s.node_id in carded
    ]
    body += cards or ['<p class="muted">No recommendation shown here has evidence yet.</p>']
    body += [
        "</section>",
        '<section id="legend"><h2>Legend</h2>',
        legend_html(meta.legend, config),
        "</section>",
        '<section id="method"><h2>Method</h2>',
        method_html(config),
        "</section>",
        "</main>",
        footer(meta),
    ]
    lang = paper.language if paper else "en"
    return document(
        f"{paper.title if paper else meta.paper}: monitoring, as of {as_of}", body, lang=lang
    )


def _has_card(s: NodeScore) -> bool:
    return s.kind != "section" and s.evidence_count > 0


def _units(scores: Sequence[NodeScore]) -> tuple[list[NodeScore], str]:
    """What the headline counts: the recommendations (else whatever nodes are shown)."""
    recs = [s for s in scores if s.kind == "recommendation"]
    if recs:
        return recs, "recommendation"
    leaves = [s for s in scores if s.kind != "section"]
    if leaves:
        return leaves, "measure"
    return list(scores), "section"


def _glance(scores: Sequence[NodeScore], meta, window_days: int, carded: set[str]) -> str:
    units, noun = _units(scores)
    out = ['<section class="glance" id="glance"><h2>At a glance</h2>']
    if not scores:
        out.append('<p class="muted">No recommendation matches the filters.</p></section>')
        return "".join(out)
    by_status: dict[str, int] = {}
    for s in units:
        by_status[s.status] = by_status.get(s.status, 0) + 1
    tiles = []
    for status, words in TILES:
        n = by_status.get(status, 0)
        if n or status in ("progressing", "regressing", "stalled", "no-evidence"):
            tiles.append(
                f'<li class="tile s-{status}"">'
                f'<span class="n">{n}</span><span class="w">{esc_line(words)}</span></li>'
            )
    with_evidence = sum(1 for s in units if s.evidence_count)
    phrases = {
        "achieved": "achieved",
        "progressing": "progressing",
        "regressing": "regressing",
        "contested": "contested",
        "stalled": "with no clear movement",
    }
    spread = [
        f"{n} {words}" for status, words in phrases.items() if (n := by_status.get(status, 0))
    ]
    whose = "shown" if meta.filters else "in the paper"
    lead = (
        f"Of the {count(len(units), noun)} {whose}, {with_evidence} "
        f"{'has' if with_evidence == 1 else 'have'} evidence as of {long_date(meta.as_of)}"
    )
    lead += ": " + ", ".join(spread) + "." if spread else "."
    missing = len(units) - with_evidence
    if not with_evidence:
        lead = (
            f"None of the {count(len(units), noun)} {whose} has evidence yet, as of "
            f"{long_date(meta.as_of)}."
        )
    elif missing:
        lead += f" {missing} {'has' if missing == 1 else 'have'} no evidence yet."
    out.append(f'<ul class="tiles" aria-label="{noun}s by status">{"".join(tiles)}</ul>')
    out.append(f'<p class="lead">{esc_line(lead)}</p>')
    start = scores[0].window_start
    moved = sorted(
        (s for s in scores if s.kind != "section" and s.movement_count and abs(s.trend) >= 0.005),
        key=lambda s: (-abs(s.trend), s.node_id),
    )
    out.append(
        f"<h3>What moved in the last {window_days} days</h3>"
        f'<p class="muted">Evidence dated after {long_date(start)}.</p>'
    )
    if moved:
        items = []
        for s in moved[:MOVERS]:
            name = esc_line(s.title)
            if s.node_id in carded:
                name = f'<a href="#n-{s.node_id}">{name}</a>'
            direction = "toward it" if s.trend > 0 else "away from it"
            items.append(
                f"<li>{arrow(s.trend_arrow or '→', s.trend)} {name}: moved {direction}, "
                f"{esc_line(count(s.movement_count, 'new item'))}; now "
                f"{pill(s.status, s.status_label)}</li>"
            )
        if len(moved) > MOVERS:
            items.append(f"<li class='muted'>and {len(moved) - MOVERS} more below</li>")
        out.append(f'<ul class="moved">{"".join(items)}</ul>')
    else:
        out.append("<p>No evidence dated in this window moved any recommendation shown.</p>")
    newest = max((s.last_evidence for s in scores if s.last_evidence), default=None)
    items_counted = len({c.evidence_id for s in scores for c in s.contributions})
    if newest:
        out.append(
            f'<p class="muted">{esc_line(count(items_counted, "evidence item"))} '
            f"{'counts' if items_counted == 1 else 'count'} at this date; the newest is from "
            f"{long_date(newest)}.</p>"
        )
    out.append("</section>")
    return "".join(out)


def _tree(scores: Sequence[NodeScore], carded: set[str], window_days: int) -> str:
    out = [
        '<section id="tree"><h2>All recommendations</h2>',
        '<ol class="tree">',
        '<li class="row head" aria-hidden="true"><span>Recommendation</span><span>Status</span>'
        f"<span>Standing</span><span>Movement, {window_days} days</span>"
        "<span>Newest evidence</span></li>",
    ]
    for s in scores:
        cls = f"row k-{s.kind}"
        name = esc_line(s.title)
        if s.node_id in carded:
            name = f'<a href="#n-{s.node_id}">{name}</a>'
        style = f' style="--d:{s.depth}"'
        if not s.evidence_count:
            out.append(
                f'<li class="{cls} quiet"{style}><span class="t">{name}</span>'
                '<span class="none-note">no evidence yet</span></li>'
            )
            continue
        flags = ""
        if s.stale:
            flags += ' <span class="flag stale" title="the newest evidence is old">stale</span>'
        if s.thin:
            flags += (
                ' <span class="flag" title="too little evidence to call a direction">thin</span>'
            )
        newest = ""
        if s.last_evidence:
            newest = (
                f'<span class="age" title="{long_date(s.last_evidence)}">'
                f'<span class="cell-l">newest</span>{esc_line(age_ago(s.evidence_age_days))}</span>'
            )
        out.append(
            f'<li class="{cls}"{style}><span class="t">{name}</span>'
            f"<span>{pill(s.status, s.status_label)}{flags}</span>"
            f'<span class="sd"><span class="cell-l">standing</span>{signed(s.score)}'
            f'<span class="band">{esc_line(s.band)}</span></span>'
            f'<span><span class="cell-l">movement</span>{arrow(s.trend_arrow, s.trend)}</span>'
            f"{newest}</li>"
        )
    out.append("</ol></section>")
    return "\n".join(out)


def _crumbs(node_id: str, outline: dict) -> str:
    chain = []
    node = outline.get(node_id)
    while node is not None and node.parent:
        node = outline.get(node.parent)
        if node is not None:
            chain.append(esc_line(node.title))
    return " › ".join(reversed(chain))


def _also(project, ids: Sequence[str]) -> list[str]:
    """The other reports of an event, by publisher and linked; their ids if unreadable."""
    if not ids:
        return []
    out = []
    for evidence_id in ids:
        found = project.evidence_file(evidence_id) if project is not None else None
        if found is None:
            out.append(f"<code>{esc_line(evidence_id)}</code>")
            continue
        src = found.item.source
        out.append(link(src.url, esc_line(src.publisher)))
    return out


def _card(
    s: NodeScore,
    outline: dict,
    dates: list[dt.date],
    values: list[float] | None,
    carded: set[str],
    anchors: set[str],
    project,
    config,
) -> str:
    colour = STATUS_COLOUR[s.status]
    out = [f'<article class="card s-{s.status}" id="n-{s.node_id}">']
    crumbs = _crumbs(s.node_id, outline)
    if crumbs:
        out.append(f'<p class="crumbs">{crumbs}</p>')
    out.append(f"<h3>{esc_line(s.title)}</h3>")
    reason = esc_line(_sentence(s.status_reason))
    out.append(f'<p class="reason">{pill(s.status, s.status_label)} {reason}</p>')
    new_items = esc_line(count(s.movement_count, "new item"))
    figs = [
        ("Standing", f"{signed(s.score)} <small>{esc_line(s.band)}</small>"),
        (
            f"Movement, {config.window_days} days",
            f"{arrow(s.trend_arrow, s.trend)} <small>{new_items}</small>",
        ),
        ("Evidence", esc_line(count(s.evidence_count, "item"))),
    ]
    if s.children_total is not None:
        noun = "sub-measure" if s.kind != "section" else "recommendation"
        figs.append(
            ("Coverage", f"{s.children_scored} of {esc_line(count(s.children_total, noun))}")
        )
    if s.last_evidence:
        age = esc_line(age_ago(s.evidence_age_days))
        figs.append(("Newest", f"{long_date(s.last_evidence)} <small>{age}</small>"))
    out.append(
        '<dl class="figs">'
        + "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in figs)
        + "</dl>"
    )
    if values and len(values) >= 2:
        own_first = [c for c in s.contributions if c.node_id == s.node_id] or s.contributions
        marks = [
            charts.Mark(
                c.counts_from,
                c.contribution if c.impact else 0.0,
                f"{long_date(c.evidence.date)}: {c.evidence.title} ({signed(c.contribution)})",
            )
            for c in _biggest(own_first)[:MARKS]
        ]
        caption = (
            f"Standing {step_words(dates)}, {long_date(dates[0])} to {long_date(dates[-1])}; "
            "the grey band is no clear movement. Hover a point for its value, a mark for its "
            "evidence."
        )
        out.append(
            '<figure class="trend">'
            + charts.standing_chart(
                dates,
                values,
                title=f"Standing of {s.title} over time",
                colour=colour,
                marks=marks,
            )
            + f"<figcaption>{esc_line(caption)}</figcaption></figure>"
        )
        out.append(charts.values_table(dates, values, caption=f"The values, {step_words(dates)}"))
    own = [c for c in s.contributions if c.node_id == s.node_id]
    via = [c for c in s.contributions if c.node_id != s.node_id]
    if own:
        out.append("<h4>The evidence that moved it</h4>")
        out += [_entry(c, anchors, project, config) for c in _biggest(own)[:CARD_ITEMS]]
        out.append(_rest(_biggest(own)[CARD_ITEMS:]))
    if via:
        out.append('<h4>Through its sub-measures</h4><ul class="via">')
        for c in _biggest(via)[:CARD_ITEMS]:
            child = outline.get(c.node_id)
            name = esc_line(child.title if child else c.node_id)
            if c.node_id in carded:
                name = f'<a href="#n-{c.node_id}">{name}</a>'
            cls = "up" if c.contribution > 0 else "down" if c.contribution < 0 else "flat"
            out.append(
                f'<li><span class="effect {cls}">{signed(c.contribution)}</span> {name}: '
                f"{link(c.evidence.source.url, esc_line(c.evidence.title))} "
                f'<span class="muted">({long_date(c.evidence.date)}, '
                f"{esc_line(c.evidence.source.publisher)})</span></li>"
            )
        out.append("</ul>")
        out.append(_rest(_biggest(via)[CARD_ITEMS:]))
    if s.rest:
        out.append(f'<p class="more">Evidence not listed adds {signed(s.rest)}.</p>')
    out.append("</article>")
    return "\n".join(out)


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _biggest(contributions: Sequence[Contribution]) -> list[Contribution]:
    return sorted(
        contributions, key=lambda c: (-abs(c.contribution), c.evidence.date, c.evidence_id)
    )


def _rest(rest: Sequence[Contribution]) -> str:
    if not rest:
        return ""
    total = sum(c.contribution for c in rest)
    return (
        f'<p class="more">and {esc_line(count(len(rest), "more item"))} with smaller effects, '
        f"{signed(total)} together.</p>"
    )


def _entry(c: Contribution, anchors: set[str], project, config) -> str:
    anchor = None
    if c.evidence_id not in anchors:
        anchors.add(c.evidence_id)
        anchor = f"ev-{c.evidence_id}"
    return evidence_entry(
        c.evidence,
        node_id=c.node_id,
        contribution=c.contribution,
        treatment=c.treatment,
        half_life_days=config.half_life_days,
        new=f"new: dated in the last {config.window_days} days" if c.in_movement else "",
        also=_also(project, c.corroborated_by),
        anchor=anchor,
    )
