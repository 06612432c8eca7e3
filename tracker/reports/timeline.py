"""Standing over time as a page (`tracker history --format html`): a chart per recommendation
with its dates on the axis and its values on hover, the values in a table beside it, and one
line saying where it started, where it ended and how far it went each way. A node that never
had evidence in the period is one quiet line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from tracker.domain.scoring import NodeScore
from tracker.reports import charts
from tracker.reports.method import config_of, legend_html
from tracker.reports.page import STATUS_COLOUR, document, esc_line, footer, masthead, nav, pill
from tracker.reports.prose import long_date, short_month, signed, span


def history_page(
    scores: Sequence[NodeScore], dates: list[dt.date], series: dict[str, list[float]], meta
) -> str:
    paper = getattr(meta, "paper_details", None)
    title = paper.title if paper else meta.paper or "Recommendations"
    period = span(dates[0], dates[-1]) if dates else ""
    body = [
        masthead(
            f"Standing over time · {esc_line(period)}",
            esc_line(title),
            paper,
            summary=False,
            nav=nav([("charts", "The charts"), ("legend", "Legend")]),
        ),
        "<main>",
        '<section id="charts"><h2>Standing over time</h2>',
        f'<p class="lead">Each chart shows where a recommendation stood at {len(dates)} dates '
        f"from {esc_line(period)}. Hover a point for its value; the table under each chart lists "
        "them all. The grey band is no clear movement.</p>",
    ]
    quiet = []
    for s in scores:
        values = series.get(s.node_id, [])
        if not any(values) and not s.evidence_count:
            quiet.append(s)
            continue
        body.append(_chart_card(s, dates, values))
    if quiet:
        rows = "".join(
            f'<li class="row quiet k-{s.kind}" style="--d:{s.depth}"><span class="t">'
            f'{esc_line(s.title)}</span><span class="none-note">no evidence</span></li>'
            for s in quiet
        )
        body.append(f"<h3>No evidence in this period</h3><ol class='tree'>{rows}</ol>")
    body += [
        "</section>",
        '<section id="legend"><h2>Legend</h2>',
        legend_html(meta.legend, config_of(meta)),
        "</section>",
        "</main>",
        footer(meta),
    ]
    lang = paper.language if paper else "en"
    return document(f"{title}: standing over time, {period}", body, lang=lang)


def _chart_card(s: NodeScore, dates: list[dt.date], values: list[float]) -> str:
    """A node's chart. Its status is shown (and colours the line) only when the scores are
    of the chart's last date; otherwise the line takes the colour of where it ends."""
    current = bool(dates) and s.as_of == dates[-1]
    if current:
        colour = STATUS_COLOUR[s.status]
    else:
        last = values[-1] if values else 0.0
        colour = STATUS_COLOUR[
            "progressing" if last >= 0.2 else "regressing" if last <= -0.2 else "stalled"
        ]
    out = [f'<article class="card" id="n-{s.node_id}" style="--c:{colour}">']
    out.append(f"<h3>{esc_line(s.title)}</h3>")
    if current:
        status = pill(s.status, s.status_label)
        out.append(f'<p class="reason">Status on {long_date(s.as_of)}: {status}</p>')
    if values:
        low = min(range(len(values)), key=lambda i: (values[i], i))
        high = max(range(len(values)), key=lambda i: (values[i], -i))
        out.append(
            f"<p>From <strong>{signed(values[0])}</strong> in {short_month(dates[0])} to "
            f"<strong>{signed(values[-1])}</strong> in {short_month(dates[-1])}; lowest "
            f"{signed(values[low])} ({short_month(dates[low])}), highest {signed(values[high])} "
            f"({short_month(dates[high])}).</p>"
        )
    chart = charts.standing_chart(
        dates, values, title=f"Standing of {s.title} over time", colour=colour
    )
    if chart:
        out.append(f'<figure class="trend">{chart}</figure>')
    if values:
        out.append(charts.values_table(dates, values, caption="The values"))
    out.append("</article>")
    return "".join(out)
