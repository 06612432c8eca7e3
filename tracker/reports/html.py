"""The published page: one self-contained HTML file (inline styles, inline SVG, no scripts).

It opens offline, prints well, and links both ways: each recommendation lists its evidence,
each evidence item lists the recommendations it bears on. All data text goes through
`html.escape`; only http(s) URLs become links.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from typing import Any

from tracker.domain.scoring import NodeScore
from tracker.reports.figures import clean

STATUS_COLOUR = {
    "achieved": "#1a7f37",
    "progressing": "#2da44e",
    "contested": "#8250df",
    "stalled": "#bf8700",
    "regressing": "#cf222e",
    "no-evidence": "#6e7781",
}

CSS = """
:root { --ink:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#f6f8fa; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  max-width: 1100px; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
h2 { margin-top: 2.5rem; border-bottom: 1px solid var(--line); }
h3 { margin: 1.6rem 0 .3rem; font-size: 1.1rem; }
.meta, .muted { color: var(--muted); font-size: .9rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { background: var(--bg); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; color: #fff;
  font-size: .8rem; white-space: nowrap; }
.section td { font-weight: 600; background: #fbfcfd; }
.node, .evidence { border: 1px solid var(--line); border-radius: 6px; padding: .6rem 1rem;
  margin: 1rem 0; break-inside: avoid; }
.evidence blockquote { margin: .5rem 0; padding: .2rem .8rem; border-left: 3px solid var(--line);
  color: #424a53; white-space: pre-wrap; }
.up { color: #1a7f37; } .down { color: #cf222e; }
a { color: #0969da; text-decoration: none; } a:hover { text-decoration: underline; }
code { font-size: .85em; color: var(--muted); }
svg.chart { display: block; max-width: 100%; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; } a { color: inherit; }
  h2 { break-before: page; } .node, .evidence, tr { break-inside: avoid; }
  .badge { border: 1px solid #000; color: #000 !important; background: none !important; }
}
"""


def esc(text: Any) -> str:
    return html.escape(clean(str(text)), quote=True)


def safe_href(url: str | None) -> str | None:
    if url and url.lower().startswith(("http://", "https://")):
        return html.escape(clean(url, one_line=True), quote=True)
    return None


def badge(status: str) -> str:
    return f'<span class="badge" style="background:{STATUS_COLOUR[status]}">{status}</span>'


def chart(
    dates: Sequence[dt.date], values: Sequence[float], *, width: int = 640, height: int = 120
) -> str:
    """Score over time as an inline SVG line on a fixed -5..+5 scale with a zero line."""
    if len(values) < 2:
        return ""
    top = max(1.0, max(abs(v) for v in values) * 1.15)
    pad = 30

    def x(i: int) -> float:
        return pad + i * (width - pad - 6) / (len(values) - 1)

    def y(v: float) -> float:
        return height / 2 - v / top * (height / 2 - 8)

    points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    small = 'font-size="10" fill="#59636e"'
    last = values[-1]
    colour = "#1a7f37" if last > 0 else "#cf222e" if last < 0 else "#6e7781"
    labels = (
        f'<text x="{pad}" y="{height - 1}" font-size="10" fill="#59636e">{dates[0]}</text>'
        f'<text x="{width - 6}" y="{height - 1}" font-size="10" fill="#59636e" '
        f'text-anchor="end">{dates[-1]}</text>'
        f'<text x="2" y="{y(top * 0.9) + 4:.1f}" {small}>+{top * 0.9:.1f}</text>'
        f'<text x="2" y="{y(-top * 0.9) + 4:.1f}" {small}>-{top * 0.9:.1f}</text>'
    )
    return (
        f'<svg class="chart" role="img" aria-label="score over time" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        f'<line x1="{pad}" x2="{width - 6}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#d1d9e0"/>'
        f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
        f"{labels}</svg>"
    )


def spark(values: Sequence[float], width: int = 90, height: int = 20) -> str:
    if len(values) < 2:
        return ""
    top = max(0.5, max(abs(v) for v in values))
    points = " ".join(
        f"{i * width / (len(values) - 1):.1f},{height / 2 - v / top * (height / 2 - 2):.1f}"
        for i, v in enumerate(values)
    )
    return (
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg"><line x1="0" x2="{width}" y1="{height / 2}" '
        f'y2="{height / 2}" stroke="#d1d9e0"/><polyline fill="none" stroke="#0969da" '
        f'stroke-width="1.5" points="{points}"/></svg>'
    )


def page(
    scores: Sequence[NodeScore],
    meta,
    *,
    project=None,
    history: tuple[list[dt.date], dict[str, list[float]]] | None = None,
) -> str:
    dates, series = history if history else ([], {})
    shown = {s.node_id for s in scores}
    bears_on: dict[str, list[str]] = {}
    items = {}
    for s in scores:
        for c in s.contributions:
            if c.node_id == s.node_id:
                bears_on.setdefault(c.evidence_id, []).append(s.node_id)
                items[c.evidence_id] = c.evidence
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(meta.paper or 'tracker')}: status as of {meta.as_of}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{esc(meta.paper or 'Recommendations')}</h1>",
        f'<p class="meta">{esc(meta.line())}</p>',
        '<h2 id="overview" style="break-before:avoid">Status</h2>',
        "<table><thead><tr><th>recommendation</th><th>status</th><th class='num'>score</th>"
        "<th class='num'>trend</th><th class='num'>evidence</th><th class='num'>coverage</th>"
        "<th>over time</th></tr></thead><tbody>",
    ]
    for s in scores:
        indent = f"padding-left:{0.5 + 1.2 * s.depth:.1f}rem"
        cls = ' class="section"' if s.kind == "section" else ""
        trend_cls = {"↑": "up", "↓": "down"}.get(s.trend_arrow, "")
        coverage = f"{s.children_scored}/{s.children_total}" if s.children_total is not None else ""
        out.append(
            f'<tr{cls}><td style="{indent}"><a href="#node-{s.node_id}">{esc(s.title)}</a></td>'
            f"<td>{badge(s.status)}</td><td class='num'>{s.score:+.2f}</td>"
            f"<td class='num {trend_cls}'>{s.trend_arrow} {s.trend:+.2f}</td>"
            f"<td class='num'>{s.evidence_count}</td><td class='num'>{coverage}</td>"
            f"<td>{spark(series.get(s.node_id, []))}</td></tr>"
        )
    if not scores:
        out.append('<tr><td colspan="7"><em>No recommendation matches the filters.</em></td></tr>')
    out.append("</tbody></table>")
    out.append('<h2 id="recommendations">Recommendations</h2>')
    for s in scores:
        out.append(f'<section class="node" id="node-{s.node_id}">')
        out.append(f"<h3>{esc(s.title)} {badge(s.status)}</h3>")
        out.append(
            f'<p class="muted"><code>{s.node_id}</code> · score {s.score:+.3f} · trend '
            f"{s.trend_arrow} {s.trend:+.3f} since {s.window_start} · {esc(s.status_reason)}</p>"
        )
        if s.node_id in series:
            out.append(chart(dates, series[s.node_id]))
        if s.children_total is not None:
            out.append(
                f'<p class="muted">coverage: {s.children_scored} of {s.children_total} '
                "sub-measures have evidence</p>"
            )
        direct = [c for c in s.contributions if c.node_id == s.node_id]
        if direct:
            out.append(
                "<table><thead><tr><th>date</th><th>evidence</th><th>source</th>"
                "<th class='num'>impact</th><th class='num'>weight</th>"
                "<th class='num'>decay</th><th class='num'>contribution</th></tr></thead><tbody>"
            )
            for c in sorted(direct, key=lambda c: (c.evidence.date, c.evidence_id)):
                item = c.evidence
                also = (
                    "<br><span class='muted'>also reported by "
                    + ", ".join(f'<a href="#ev-{o}">{o}</a>' for o in c.corroborated_by)
                    + "</span>"
                    if c.corroborated_by
                    else ""
                )
                out.append(
                    f"<tr><td>{item.date}</td><td><a href='#ev-{c.evidence_id}'>"
                    f"{esc(item.title)}</a>{also}</td><td>{esc(item.source.publisher)} "
                    f"({item.source.reliability}{item.source.credibility})</td>"
                    f"<td class='num'>{c.impact:+g}</td><td class='num'>{c.weight:.3f}</td>"
                    f"<td class='num'>{c.decay:.3f}</td>"
                    f"<td class='num'>{c.contribution:+.3f}</td></tr>"
                )
            out.append("</tbody></table>")
        elif s.children_total is None:
            out.append('<p class="muted"><em>No evidence counts at this date.</em></p>')
        out.append("</section>")
    out.append('<h2 id="evidence">Evidence</h2>')
    listed = sorted(
        (items[e] for e in bears_on if e in items), key=lambda i: (i.date, i.id), reverse=True
    )
    if not listed:
        out.append('<p class="muted"><em>No evidence counts at this date.</em></p>')
    for item in listed:
        src = item.source
        href = safe_href(src.url)
        url = (
            f' · <a href="{href}" rel="noopener noreferrer">{esc(src.url)}</a>'
            if href
            else (f" · {esc(src.url)}" if src.url else "")
        )
        claimant = f" · claim by {esc(src.claimant)}" if src.claimant else ""
        links = ", ".join(
            f'<a href="#node-{n}">{n}</a>' for n in sorted(set(bears_on[item.id])) if n in shown
        )
        assessed = "".join(
            f"<li><a href='#node-{a.recommendation}'>{a.recommendation}</a>: impact "
            f"{a.impact:+d}, {a.confidence} confidence — {esc(a.rationale)}</li>"
            for a in item.assessments
        )
        out.append(
            f'<article class="evidence" id="ev-{item.id}"><h3>{esc(item.title)}</h3>'
            f'<p class="muted">{item.date}'
            f"{'' if item.date_precision == 'day' else ' (' + item.date_precision + ')'} · "
            f"{esc(src.publisher)} · reliability {src.reliability}, credibility "
            f"{src.credibility}{claimant}{url}</p>"
            f"<blockquote>{esc(src.quote.strip())}</blockquote>"
            f"<p class='muted'>bears on: {links}</p><ul>{assessed}</ul></article>"
        )
    out.append("</body></html>\n")
    return "\n".join(out)


def history_page(scores: Sequence[NodeScore], dates, series, meta) -> str:
    out = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(meta.paper or 'tracker')}: scores over time</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{esc(meta.paper or 'Recommendations')}: scores over time</h1>",
        f'<p class="meta">{esc(meta.line())}</p>',
    ]
    for s in scores:
        out.append(
            f'<section class="node" id="node-{s.node_id}"><h3>{esc(s.title)} '
            f"{badge(s.status)}</h3><p class='muted'><code>{s.node_id}</code></p>"
            f"{chart(dates, series[s.node_id])}</section>"
        )
    out.append("</body></html>\n")
    return "\n".join(out)
