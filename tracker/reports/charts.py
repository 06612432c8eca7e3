"""Standing over time as inline SVG a reader can read: labelled axes, values on hover.

No script: each point carries an SVG `<title>`, which every browser shows as a tooltip on
hover, and the same values are listed in a table beside the chart (for a phone, a screen
reader and print). The scale is symmetric around zero and rounded to a step a reader can
check (0.5, 1, 2, 3, 5), so a small standing is visible without being blown up: the grey band
is "no clear movement".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from tracker.domain.scoring.words import band
from tracker.reports.page import esc
from tracker.reports.prose import day_month, long_date, short_month, signed

SCALES = (0.5, 1.0, 2.0, 3.0, 5.0)
CALM = 0.2  # the "no clear movement" band around zero (words.BANDS)

WIDTH, HEIGHT = 480, 210
LEFT, RIGHT, TOP, BOTTOM = 58, 16, 14, 44


@dataclass(frozen=True)
class Mark:
    """An evidence item on the time axis: where it counts from, and which way it pushed."""

    day: dt.date
    value: float  # its contribution to the standing (sign: direction)
    label: str  # plain text, escaped here


def tick_label(value: float) -> str:
    """+1, +0.25, 0, −0.5: as many digits as the tick has."""
    return "0" if value == 0 else f"{value:+g}".replace("-", "−")


def scale_for(values: Sequence[float]) -> float:
    top = max((abs(v) for v in values), default=0.0) * 1.15
    return next((s for s in SCALES if top <= s), SCALES[-1])


def _ticks(dates: Sequence[dt.date], most: int = 5) -> list[int]:
    """Indexes of the dates to label: the first, the last, and evenly spaced ones between."""
    n = len(dates)
    if n <= most:
        return list(range(n))
    step = -(-(n - 1) // (most - 1))
    chosen = list(range(0, n - 1, step))
    if n - 1 - chosen[-1] < step / 2 and len(chosen) > 1:
        chosen.pop()
    return [*chosen, n - 1]


def standing_chart(
    dates: Sequence[dt.date],
    values: Sequence[float],
    *,
    title: str,
    colour: str = "#0969da",
    marks: Sequence[Mark] = (),
) -> str:
    """A line of the standing at each date on a symmetric scale, a dot per date with its
    value on hover, and the evidence as marks along the bottom (▲ toward, ▼ away)."""
    if len(values) < 2 or len(dates) != len(values):
        return ""
    top = scale_for(values)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    first, last = dates[0].toordinal(), dates[-1].toordinal()
    span = max(last - first, 1)

    def x_of(day: dt.date) -> float:
        return LEFT + (day.toordinal() - first) / span * plot_w

    def y_of(v: float) -> float:
        return TOP + (top - v) / (2 * top) * plot_h

    out = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{esc(title)}">',
        f"<title>{esc(title)}</title>",
        f'<rect class="calm" x="{LEFT}" y="{y_of(CALM):.1f}" width="{plot_w}" '
        f'height="{y_of(-CALM) - y_of(CALM):.1f}"/>',
    ]
    for tick in (top, top / 2, 0.0, -top / 2, -top):
        y = y_of(tick)
        cls = "zero" if tick == 0 else "grid"
        out.append(
            f'<line class="{cls}" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        out.append(
            f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{tick_label(tick)}</text>"
        )
    middle = TOP + plot_h / 2
    out.append(
        f'<text class="axis-title" transform="rotate(-90)" x="{-middle:.1f}" y="12" '
        'text-anchor="middle">standing</text>'
    )
    base = HEIGHT - BOTTOM
    ticks = _ticks(dates)
    fine = len({short_month(dates[i]) for i in ticks}) < len(ticks)  # weekly steps
    for i in ticks:
        x = x_of(dates[i])
        anchor = "start" if i == 0 else "end" if i == len(dates) - 1 else "middle"
        inner = " inner" if anchor == "middle" else ""  # a phone shows only the two ends
        out.append(f'<line class="tick" x1="{x:.1f}" x2="{x:.1f}" y1="{base}" y2="{base + 4}"/>')
        out.append(
            f'<text class="axis{inner}" x="{x:.1f}" y="{base + 17}" text-anchor="{anchor}">'
            f"{day_month(dates[i]) if fine else short_month(dates[i])}</text>"
        )
    points = " ".join(f"{x_of(d):.1f},{y_of(v):.1f}" for d, v in zip(dates, values, strict=True))
    out.append(f'<polyline class="line" stroke="{colour}" points="{points}"/>')
    dot = 3 if len(values) <= 60 else 1.5  # many dates: the line speaks, the dots only mark
    reach = min(18.0, max(6.0, plot_w / len(values)))  # a transparent ring to hover over
    for d, v in zip(dates, values, strict=True):
        tip = f"{long_date(d)}: standing {signed(v)} ({band(v)})"
        out.append(
            f'<circle class="point" cx="{x_of(d):.1f}" cy="{y_of(v):.1f}" r="{dot:g}" '
            f'fill="{colour}" stroke-width="{reach:g}"><title>{esc(tip)}</title></circle>'
        )
    out.append(
        f'<text class="end-label" x="{WIDTH - RIGHT:.1f}" y="{y_of(values[-1]) - 8:.1f}" '
        f'text-anchor="end">{signed(values[-1])}</text>'
    )
    lane = base + 30
    if marks:
        out.append(
            f'<text class="axis lane-label" x="{LEFT - 6}" y="{lane + 4}" text-anchor="end">'
            "evidence</text>"
        )
    for mark in marks:
        if not first <= mark.day.toordinal() <= last:
            continue
        x = x_of(mark.day)
        if mark.value > 0:
            shape, cls = f"{x - 5:.1f},{lane + 4} {x + 5:.1f},{lane + 4} {x:.1f},{lane - 5}", "up"
        elif mark.value < 0:
            shape, cls = f"{x - 5:.1f},{lane - 5} {x + 5:.1f},{lane - 5} {x:.1f},{lane + 4}", "down"
        else:
            shape = f"{x - 4:.1f},{lane} {x:.1f},{lane - 4} {x + 4:.1f},{lane} {x:.1f},{lane + 4}"
            cls = "flat"
        out.append(
            f'<g class="mark {cls}"><title>{esc(mark.label)}</title><polygon points="{shape}"/></g>'
        )
    out.append("</svg>")
    return "".join(out)


def values_table(
    dates: Sequence[dt.date], values: Sequence[float], *, caption: str = "Values"
) -> str:
    """The chart's numbers, for whoever cannot hover: folded away until opened."""
    rows = "".join(
        f"<tr><td>{long_date(d)}</td><td class='num'>{signed(v)}</td><td>{esc(band(v))}</td></tr>"
        for d, v in zip(dates, values, strict=True)
    )
    return (
        f'<details class="values"><summary>{esc(caption)}</summary>'
        "<table><thead><tr><th>date</th><th class='num'>standing</th><th>in words</th></tr>"
        f"</thead><tbody>{rows}</tbody></table></details>"
    )
