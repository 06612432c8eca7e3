"""The quarterly briefing (`tracker changes --since DATE --format html` and `md`): a document a
think tank sends out, not a table dump.

In order: the period and the paper; in brief (how much new evidence, how many moved each way,
how many changed status); what moved, and why (each mover with the evidence that moved it);
the status changes (and those that came only from older statements fading); the new evidence,
grouped by recommendation, with quotes and links; how to read the figures. The content is
`tracker.reports.changes.Changes`; this module only arranges it, once for HTML and once for
Markdown, from one plan (`plan`), so both say the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tracker.domain.model import EvidenceItem
from tracker.domain.scoring.words import STATUS_LABEL, STATUS_SYMBOL, band
from tracker.reports.changes import Changes, Move, NewEvidence
from tracker.reports.method import config_of, legend_markdown
from tracker.reports.prose import (
    count,
    impact_words,
    long_date,
    names,
    paper_date,
    signed,
    source_words,
    span,
    treatment_short,
)


@dataclass
class Group:
    """The new evidence bearing on one recommendation."""

    node_id: str
    title: str
    kind: str
    parent_title: str
    items: list[NewEvidence] = field(default_factory=list)


@dataclass
class Plan:
    """What the briefing says, in the order it says it."""

    result: Changes
    toward: list[Move]  # recommendations and measures, largest first
    away: list[Move]
    sections: list[Move]  # sections that moved, by how much
    groups: list[Group]
    items: dict[str, EvidenceItem]  # the full items the moves carry (assessments, rationale)
    retold: dict[str, str]  # a report not counted -> the report of its event that counts
    titles: dict[str, str]
    parents: dict[str, str | None]


def plan(result: Changes, meta) -> Plan:
    outline = list(getattr(meta, "outline", None) or [])
    titles = {n.id: n.title for n in outline}
    node_kinds = {n.id: n.kind for n in outline}
    parents = {n.id: n.parent for n in outline}
    order = {n.id: i for i, n in enumerate(outline)}
    for m in [*result.status_changes, *result.faded, *result.up, *result.down]:
        titles.setdefault(m.node_id, m.title)
    items: dict[str, EvidenceItem] = {}
    retold: dict[str, str] = {}
    for m in [*result.status_changes, *result.up, *result.down]:
        for c in m.evidence:
            items.setdefault(c.evidence_id, c.evidence)
            for other in c.corroborated_by:
                retold.setdefault(other, c.evidence_id)
    groups: dict[str, Group] = {}
    for e in result.new_evidence:
        for rec in e.recommendations:
            if rec not in groups:
                parent = parents.get(rec)
                groups[rec] = Group(
                    rec,
                    titles.get(rec, rec),
                    node_kinds.get(rec, "recommendation"),
                    titles.get(parent, "") if parent else "",
                )
            groups[rec].items.append(e)
    for g in groups.values():
        g.items.sort(key=lambda e: (e.date, e.evidence_id))
    ordered = sorted(groups.values(), key=lambda g: (order.get(g.node_id, len(order)), g.node_id))
    return Plan(
        result=result,
        toward=[m for m in result.up if m.kind != "section"],
        away=[m for m in result.down if m.kind != "section"],
        sections=sorted(
            (m for m in [*result.up, *result.down] if m.kind == "section"),
            key=lambda m: (-abs(m.movement), m.node_id),
        ),
        groups=ordered,
        items=items,
        retold=retold,
        titles=titles,
        parents=parents,
    )


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def kinds(nodes: Sequence[Move | Group]) -> str:
    """'2 recommendations and 1 sub-measure'."""
    recs = sum(1 for m in nodes if m.kind != "measure")
    measures = len(nodes) - recs
    parts = []
    if recs:
        parts.append(count(recs, "recommendation"))
    if measures:
        parts.append(count(measures, "sub-measure"))
    return " and ".join(parts)


def period(result: Changes) -> str:
    return span(result.since, result.until)


def in_brief(p: Plan) -> list[str]:
    """The briefing's first lines, in plain text (each format escapes them)."""
    r = p.result
    total = max(r.new_count, len(r.new_evidence))
    lines = [
        f"{count(total, 'new evidence item')} dated in the period"
        + (f", bearing on {kinds(p.groups)}." if p.groups else ".")
    ]
    for moves, words in ((p.toward, "toward"), (p.away, "away from")):
        if moves:
            top = moves[0]
            lines.append(
                f"{kinds(moves)} moved {words} the paper's aims; the most, "
                f"{top.title} ({signed(top.movement)})."
            )
    if not p.toward and not p.away:
        lines.append("No recommendation moved either way.")
    changed = len(r.status_changes)
    lines.append(
        f"{count(changed, 'status change')} caused by new evidence"
        + (
            f"; {count(len(r.faded), 'other')} only as older statements faded, with no new "
            "evidence."
            if r.faded
            else "."
        )
    )
    return lines


def where(p: Plan, node_id: str, kind: str) -> str:
    parent = p.parents.get(node_id)
    if kind == "section" or not parent:
        return kind
    return f"{kind} under {p.titles.get(parent, parent)}"


def change_line(m: Move) -> str:
    """'standing 0.00 → −0.69 (some regression); no evidence → regressing'."""
    words = band(m.after, m.after_status != "no-evidence")
    text = f"standing {signed(m.before)} → {signed(m.after)} ({words})"
    if m.before_status != m.after_status:
        text += f"; status {STATUS_LABEL[m.before_status]} → {STATUS_LABEL[m.after_status]}"
    else:
        text += f"; still {STATUS_LABEL[m.after_status]}"
    return text


def unlisted(m: Move) -> int:
    """How many of the period's items behind a move the briefing does not list."""
    return max(m.evidence_count - len(m.evidence), 0)


def why_lines(p: Plan, m: Move):
    """The evidence behind a move, largest first: (contribution, item, how it reads, via)."""
    for c in sorted(m.evidence, key=lambda c: (-abs(c.contribution), c.evidence_id)):
        via = p.titles.get(c.node_id, c.node_id) if c.node_id != m.node_id else ""
        reading = impact_words(c.impact)
        yield c, reading, via


# --- Markdown -------------------------------------------------------------------------------


def _md():
    from tracker.reports.export import md

    return md


def _quote_md(text: str) -> list[str]:
    from tracker.reports.export import quote_md

    return quote_md(text)


def md_url(url: str | None) -> str | None:
    """A URL for a Markdown link: http(s) only, no spaces or brackets that would end it."""
    from tracker.reports.page import safe_href

    if safe_href(url) is None:
        return None
    assert url is not None
    return (
        url.strip().replace("(", "%28").replace(")", "%29").replace("[", "%5B").replace("]", "%5D")
    )


def markdown_briefing(result: Changes, meta) -> str:
    md = _md()
    p = plan(result, meta)
    config = config_of(meta)
    paper = getattr(meta, "paper_details", None)
    out = [f"# What changed, {period(result)}", ""]
    title = paper.title if paper else meta.paper
    byline = f"**{md(title or 'Recommendations')}**"
    if paper is not None:
        who = names(paper.authors)
        byline += f", {md(who)}" if who else ""
        byline += f" ({paper_date(paper.year, paper.month)})"
    out += [
        f"A briefing on {byline}: evidence dated after {long_date(result.since)} up to "
        f"{long_date(result.until)}.",
        "",
        f"_{md(meta.line())}_",
        "",
        "## In brief",
        "",
    ]
    out += [f"- {md(line)}" for line in in_brief(p)]
    out += ["", "## What moved, and why", ""]
    for heading, moves in (("Toward the recommendations", p.toward), ("Away from them", p.away)):
        out += [f"### {heading}", ""]
        if not moves:
            out += ["_None._", ""]
        for m in moves:
            out += [
                f"#### {md(m.title)} (`{m.node_id}`)",
                "",
                f"{md(upper_first(where(p, m.node_id, m.kind)))}. Moved **{signed(m.movement)}**: "
                f"{md(change_line(m))}.",
                "",
            ]
            for c, reading, via in why_lines(p, m):
                item = c.evidence
                through = f" (through {md(via)})" if via else ""
                out.append(
                    f"- {signed(c.contribution)}{through}: {md(item.title)}, "
                    f"{md(item.source.publisher)}, {long_date(item.date)}: {md(reading)} "
                    f"({md(treatment_short(c.treatment))})"
                )
            if unlisted(m):
                out.append(f"- … and {unlisted(m)} smaller items of the period")
            out.append("")
    if p.sections:
        out += ["### By section", ""]
        out += [f"- {md(m.title)}: {signed(m.movement)} ({md(change_line(m))})" for m in p.sections]
        out.append("")
    out += ["## Status changes", ""]
    for m in result.status_changes:
        out.append(
            f"- **{md(m.title)}** (`{m.node_id}`): {STATUS_SYMBOL[m.before_status]} "
            f"{STATUS_LABEL[m.before_status]} → {STATUS_SYMBOL[m.after_status]} "
            f"{STATUS_LABEL[m.after_status]}, moved {signed(m.movement)} by new evidence."
        )
    if not result.status_changes:
        out.append("_No status changed because of new evidence._")
    if result.faded:
        out += ["", "Changed only as older statements faded, with no new evidence:", ""]
        out += [
            f"- {md(m.title)} (`{m.node_id}`): {STATUS_LABEL[m.before_status]} → "
            f"{STATUS_LABEL[m.after_status]}"
            for m in result.faded
        ]
    out += ["", "## New evidence, by recommendation", ""]
    if not p.groups:
        out += ["_No new evidence in this period._", ""]
    quoted: set[str] = set()
    for g in p.groups:
        under = f", under {md(g.parent_title)}" if g.parent_title else ""
        out += [f"### {md(g.title)} (`{g.node_id}`{under})", ""]
        for e in g.items:
            out += _md_item(e, g, p, quoted, md)
    shown = len(result.new_evidence)
    if result.new_count > shown:
        out += [f"_{result.new_count - shown} earlier items are not listed._", ""]
    out += ["## How to read this", ""]
    out += legend_markdown(config)
    return "\n".join(out).rstrip("\n") + "\n"


def _md_item(e: NewEvidence, g: Group, p: Plan, quoted: set[str], md) -> list[str]:
    url = md_url(e.url)
    publisher = f"[{md(e.publisher)}]({url})" if url else md(e.publisher)
    lines = [
        f"- **{md(e.title)}** (`{e.evidence_id}`): {publisher}, {long_date(e.date)}; "
        f"{md(source_words(e.reliability, e.credibility))}."
    ]
    if e.evidence_id in p.retold:
        lines.append(f"  Another report of the event in `{p.retold[e.evidence_id]}`, counted once.")
    item = p.items.get(e.evidence_id)
    if item is not None:
        for a in item.assessments:
            if a.recommendation == g.node_id:
                who = f" by {md(a.analyst)}" if a.analyst else ""
                lines.append(
                    f"  Read{who} as {md(impact_words(a.impact))} ({signed(a.impact, 0)}, "
                    f"{md(a.confidence)} confidence): {md(a.rationale)}"
                )
    lines.append("")
    if e.evidence_id in quoted:
        lines += ["  _(quoted above)_", ""]
    else:
        quoted.add(e.evidence_id)
        lines += ["  " + q for q in _quote_md(e.quote)] + [""]
    return lines


# --- HTML -----------------------------------------------------------------------------------


def html_briefing(result: Changes, meta) -> str:
    from tracker.reports import page as h
    from tracker.reports.method import legend_html, method_html

    p = plan(result, meta)
    config = config_of(meta)
    paper = getattr(meta, "paper_details", None)
    title = paper.title if paper else meta.paper or "Recommendations"
    heading = f"What changed, {h.esc_line(period(result))}"
    body = [
        h.masthead(
            "Briefing on the recommendations",
            heading,
            paper,
            summary=False,
            paper_title=True,
            nav=h.nav(
                [
                    ("brief", "In brief"),
                    ("moved", "What moved, and why"),
                    ("status", "Status changes"),
                    ("new", "New evidence"),
                    ("read", "How to read this"),
                ]
            ),
        ),
        "<main>",
        '<section id="brief" class="glance"><h2>In brief</h2>',
        '<ul class="tiles">',
        _tile("new evidence", max(result.new_count, len(result.new_evidence)), "no-evidence"),
        _tile("moved toward", len(p.toward), "progressing"),
        _tile("moved away", len(p.away), "regressing"),
        _tile("status changes", len(result.status_changes), "contested"),
        "</ul>",
        "".join(f'<p class="lead">{h.esc_line(line)}</p>' for line in in_brief(p)),
        f'<p class="muted">Evidence dated after {long_date(result.since)}, up to and including '
        f"{long_date(result.until)}.</p>",
        "</section>",
        '<section id="moved"><h2>What moved, and why</h2>',
    ]
    for heading_text, moves in (
        ("Toward the recommendations", p.toward),
        ("Away from them", p.away),
    ):
        body.append(f"<h3>{heading_text}</h3>")
        if not moves:
            body.append('<p class="muted">None.</p>')
        body += [_mover(p, m, h) for m in moves]
    if p.sections:
        rows = "".join(
            f"<li>{h.arrow('↑' if m.movement > 0 else '↓', m.movement)} {h.esc_line(m.title)}: "
            f"{h.esc_line(change_line(m))}</li>"
            for m in p.sections
        )
        body.append(f'<h3>By section</h3><ul class="moved">{rows}</ul>')
    body.append("</section>")
    body.append('<section id="status"><h2>Status changes</h2>')
    if result.status_changes:
        rows = "".join(
            f"<li><strong>{h.esc_line(m.title)}</strong>: "
            f"{h.pill(m.before_status, STATUS_LABEL[m.before_status])} → "
            f"{h.pill(m.after_status, STATUS_LABEL[m.after_status])}, moved "
            f"{h.arrow('↑' if m.movement > 0 else '↓' if m.movement < 0 else '→', m.movement)} "
            "by new evidence</li>"
            for m in result.status_changes
        )
        body.append(f'<ul class="moved">{rows}</ul>')
    else:
        body.append("<p>No status changed because of new evidence.</p>")
    if result.faded:
        rows = "".join(
            f"<li>{h.esc_line(m.title)}: {h.pill(m.before_status, STATUS_LABEL[m.before_status])}"
            f" → {h.pill(m.after_status, STATUS_LABEL[m.after_status])}</li>"
            for m in result.faded
        )
        body.append(
            "<p>Changed only as older statements faded, with no new evidence:</p>"
            f'<ul class="moved">{rows}</ul>'
        )
    body.append("</section>")
    body.append('<section id="new"><h2>New evidence, by recommendation</h2>')
    if not p.groups:
        body.append('<p class="muted">No new evidence in this period.</p>')
    quoted: set[str] = set()
    for g in p.groups:
        under = f'<p class="crumbs">{h.esc_line(g.parent_title)}</p>' if g.parent_title else ""
        body.append(f'<div class="group" id="r-{g.node_id}">{under}<h3>{h.esc_line(g.title)}</h3>')
        body += [_html_item(e, g, p, quoted, h) for e in g.items]
        body.append("</div>")
    shown = len(result.new_evidence)
    if result.new_count > shown:
        body.append(f'<p class="more">{result.new_count - shown} earlier items are not listed.</p>')
    body += [
        "</section>",
        '<section id="read"><h2>How to read this</h2>',
        legend_html(meta.legend, config),
        '<details class="values"><summary>The method in full</summary>',
        method_html(config),
        "</details>",
        "</section>",
        "</main>",
        h.footer(meta),
    ]
    lang = paper.language if paper else "en"
    return h.document(f"{title}: what changed, {period(result)}", body, lang=lang)


def _tile(words: str, n: int, status: str) -> str:
    return (
        f'<li class="tile s-{status}"><span class="n">{n}</span><span class="w">{words}</span></li>'
    )


def _mover(p: Plan, m: Move, h) -> str:
    sign = "↑" if m.movement > 0 else "↓"
    why = []
    for c, reading, via in why_lines(p, m):
        item = c.evidence
        through = f" <span class='muted'>through {h.esc_line(via)}</span>" if via else ""
        cls = "up" if c.contribution > 0 else "down" if c.contribution < 0 else "flat"
        why.append(
            f'<li><span class="effect {cls}">{signed(c.contribution)}</span>{through} '
            f'<a href="#e-{c.evidence_id}">{h.esc_line(item.title)}</a> '
            f'<span class="muted">({h.esc_line(item.source.publisher)}, {long_date(item.date)})'
            f"</span>: {h.esc_line(reading)} ({h.esc_line(treatment_short(c.treatment))})</li>"
        )
    if unlisted(m):
        why.append(f"<li class='muted'>… and {unlisted(m)} smaller items of the period</li>")
    return (
        f'<div class="mover"><h4>{h.arrow(sign, m.movement)} {h.esc_line(m.title)}</h4>'
        f'<p class="crumbs">{h.esc_line(where(p, m.node_id, m.kind))}</p>'
        f'<p class="change">{h.esc_line(change_line(m))}. '
        f"{h.pill(m.after_status, STATUS_LABEL[m.after_status])}</p>"
        f'<p class="muted">{h.esc_line(m.status_reason[:1].upper() + m.status_reason[1:])}.</p>'
        f'<ul class="because">{"".join(why)}</ul></div>'
    )


def _html_item(e: NewEvidence, g: Group, p: Plan, quoted: set[str], h) -> str:
    first = e.evidence_id not in quoted
    anchor = f' id="e-{e.evidence_id}"' if first else ""
    title = h.link(e.url, h.esc_line(e.title))
    parts = [
        f'<article class="evidence"{anchor}><h4 class="ev-title">{title}</h4>',
        f'<p class="ev-meta">{long_date(e.date)} · {h.esc_line(e.publisher)} · '
        f"{h.esc_line(source_words(e.reliability, e.credibility))}</p>",
    ]
    if e.evidence_id in p.retold:
        counted = p.retold[e.evidence_id]
        parts.append(
            f'<p class="treatment">Another report of <a href="#e-{counted}">the same event</a>; '
            "the event is counted once.</p>"
        )
    item = p.items.get(e.evidence_id)
    if item is not None:
        for a in item.assessments:
            if a.recommendation == g.node_id:
                who = f" ({h.esc_line(a.analyst)})" if a.analyst else ""
                parts.append(
                    f'<p class="reading"><span class="lbl">The analyst\'s reading{who}:</span> '
                    f"{h.esc_line(impact_words(a.impact))}, impact {signed(a.impact, 0)} of ±5, "
                    f"{h.esc_line(a.confidence)} confidence. {h.esc_line(a.rationale)}</p>"
                )
    if first:
        quoted.add(e.evidence_id)
        parts.append(f"<blockquote>{h.esc(e.quote.strip())}</blockquote>")
    else:
        parts.append(f'<p class="more"><a href="#e-{e.evidence_id}">Quoted above.</a></p>')
    parts.append("</article>")
    return "".join(parts)


__all__: Sequence[str] = ["html_briefing", "markdown_briefing", "plan"]
