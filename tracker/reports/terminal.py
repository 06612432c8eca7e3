"""Scores made readable: rich renderables for the terminal, built on the scores.

Text from articles and from the paper is data: it enters rich only as `Text` objects (never
parsed as markup) after `clean` has replaced control characters, so a quote holding `[bold]`
or an escape sequence shows literally. Exports to files live in `report_export.py`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from tracker.domain.config import ScoringConfig
from tracker.domain.scoring import NodeScore

STATUS_STYLE = {
    "achieved": "bold green",
    "progressing": "green",
    "contested": "magenta",
    "stalled": "yellow",
    "regressing": "red",
    "insufficient": "dim",
}
STATUS_SYMBOL = {
    "achieved": "✔",
    "progressing": "▲",
    "contested": "◆",
    "stalled": "■",
    "regressing": "▼",
    "insufficient": "·",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def clean(text: str, *, one_line: bool = False) -> str:
    """Text safe for a terminal: control and bidi-override characters become visible U+FFFD."""
    text = text.replace("\r\n", "\n")
    if one_line:
        text = " ".join(text.split())
    return _CONTROL.sub("\ufffd", text)


def data(text: str, style: str = "", *, one_line: bool = True) -> Text:
    """Article or paper text as a rich Text: never interpreted as markup."""
    return Text(clean(text, one_line=one_line), style=style)


def rounded_parts(values: Sequence[float], digits: int) -> list[float]:
    """Round so the rounded parts add up to the rounded total (largest remainder)."""
    if not values:
        return []
    scale = 10**digits
    target = round(math.fsum(values) * scale)
    floors = [math.floor(v * scale) for v in values]
    rest = target - sum(floors)
    order = sorted(range(len(values)), key=lambda i: -(values[i] * scale - floors[i]))
    if rest >= 0:
        for i in order[:rest]:
            floors[i] += 1
    else:  # cannot happen with exact arithmetic; guard against float edges
        for i in order[::-1][:-rest]:
            floors[i] -= 1
    return [f / scale for f in floors]


def status_text(score: NodeScore) -> Text:
    return Text(f"{STATUS_SYMBOL[score.status]} {score.status}", style=STATUS_STYLE[score.status])


def status_table(
    scores: Sequence[NodeScore], *, title: str | None = None, width: int | None = None
) -> Table:
    """The tree with score, status, trend and evidence count: what `tracker status` prints.

    `width`: the terminal's; when the table does not fit, the least needed columns are left
    out (the caption says which) and then the ids fold, so that the recommendations keep
    room to be read.
    """
    rows = []
    for s in scores:
        label = Text("  " * s.depth)
        label.append_text(data(s.title, "bold" if s.kind == "section" else ""))
        coverage = f"{s.children_scored}/{s.children_total}" if s.children_total is not None else ""
        trend = f"{s.trend_arrow} {s.trend:+.2f}" if s.trend_arrow else ""
        trend_style = {"↑": "green", "↓": "red"}.get(s.trend_arrow, "")
        rows.append(
            {
                "recommendation": label,
                "id": Text(s.node_id),
                "score": Text(f"{s.score:+.2f}", style=STATUS_STYLE[s.status]),
                "status": status_text(s),
                "trend": Text(trend, style=trend_style),
                "evidence": Text(str(s.evidence_count))
                if s.evidence_count
                else Text("0", style="dim"),
                "weight": Text(f"{s.total_weight:.2f}"),
                "coverage": Text(coverage),
            }
        )
    # Each column of figures is as wide as its widest cell, set here so that rich need not
    # measure every cell again (that was most of the time the table took to draw).
    widths = {
        name: max([len(name), *(row[name].cell_len for row in rows)]) for name in FIGURE_COLUMNS
    }
    shown, id_width = _fit(widths, width)
    table = Table(title=title, title_justify="left", expand=False, pad_edge=False)
    table.add_column("recommendation", overflow="fold", min_width=TITLE_MIN_WIDTH)
    for name in shown:
        folds = name == "id" and id_width < widths["id"]
        table.add_column(
            name,
            justify=FIGURE_COLUMNS[name],
            no_wrap=name in ("id", "status", "trend") and not folds,
            overflow="fold",
            width=id_width if name == "id" else widths[name],
            style="dim" if name == "id" else "",
        )
    left_out = [name for name in FIGURE_COLUMNS if name not in shown]
    if left_out:
        table.caption = (
            f"{', '.join(left_out)}: left out to fit the terminal "
            "(a wider one shows them, as does --format json)"
        )
        table.caption_justify = "left"
    for row in rows:
        table.add_row(row["recommendation"], *(row[name] for name in shown))
    return table


TITLE_MIN_WIDTH = 28  # the recommendation column's least width, before columns are left out
ID_MIN_WIDTH = 12  # an id folded narrower than this is hard to copy: leave the column out
FIGURE_COLUMNS = {
    "id": "left",
    "score": "right",
    "status": "left",
    "trend": "right",
    "evidence": "right",
    "weight": "right",
    "coverage": "right",
}
LEAVE_OUT = ("coverage", "weight", "evidence", "trend")  # in this order, as room runs out


def _fit(widths: dict[str, int], width: int | None) -> tuple[list[str], int]:
    """The figure columns that fit beside the recommendations, and the ids' width."""
    shown = list(FIGURE_COLUMNS)

    def room(columns: list[str]) -> int:
        # Each column has a space either side but at the table's edges, and a rule between.
        count = len(columns) + 1
        return TITLE_MIN_WIDTH + sum(widths[c] for c in columns) + 2 * count - 2 + count + 1

    if width is None:
        return shown, widths["id"]
    for name in LEAVE_OUT:
        if room(shown) <= width:
            break
        shown.remove(name)
    over = room(shown) - width
    if over <= 0:
        return shown, widths["id"]
    if widths["id"] - over >= ID_MIN_WIDTH:
        return shown, widths["id"] - over
    shown.remove("id")
    return shown, 0


def explain(score: NodeScore, config: ScoringConfig, limit: int | None = None) -> RenderableType:
    """Every piece of evidence behind one score, adding up visibly to it, and what was left out.

    `limit`: list at most this many rows per table; the rest are summed in one row (they still
    add up to the score) and counted by reason. A table of thousands of rows is unreadable on
    a terminal and takes seconds to draw; JSON always carries every row.
    """
    parts: list[RenderableType] = []
    head = Text()
    head.append(f"{score.node_id}", style="bold")
    head.append("  ")
    head.append_text(data(score.title, "bold"))
    head.append(f"   as of {score.as_of}", style="dim")
    parts.append(head)
    line = Text("score ")
    line.append(f"{score.score:+.3f}", style=STATUS_STYLE[score.status] + " bold")
    line.append("   status ")
    line.append_text(status_text(score))
    line.append(f" ({score.status_reason})", style="dim")
    parts.append(line)
    parts.append(
        Text(
            f"trend {score.trend_arrow or '-'} {score.trend:+.3f}: "
            f"from {score.previous_score:+.3f} on {score.window_start} "
            f"({config.window_days}-day window)   "
            f"evidence {score.evidence_count}, weight sum(w d) {score.total_weight:.3f}"
        )
    )
    if score.children_total is not None:
        parts.append(_rollup_table(score))
    if score.contributions:
        parts.append(_contribution_table(score, config, limit))
    else:
        parts.append(Text("No evidence counts at this date.", style="italic"))
    if score.excluded:
        parts.append(_excluded_table(score, limit))
    parts.append(
        Text(
            f"M = sum(share * w d s) / (w0 + sum(w d |s|) / 5); w = R x C x K; "
            f"d = 2^(-age / {config.half_life_days:g} days); w0 = {config.prior_weight:g}. "
            "Reports of one event count once (the strongest); several analysts' assessments "
            "of one item are averaged. Method: docs/scoring.md",
            style="dim",
        )
    )
    return Group(*parts)


def _rollup_table(score: NodeScore) -> Table:
    table = Table(
        title=f"rollup: importance-weighted mean of the parts with evidence "
        f"(coverage {score.children_scored}/{score.children_total} sub-measures)",
        title_justify="left",
    )
    for name, just in [
        ("part", "left"),
        ("importance", "right"),
        ("evidence", "right"),
        ("score", "right"),
        ("status", "left"),
        ("share", "right"),
    ]:
        table.add_column(name, justify=just)  # type: ignore[arg-type]
    for part in score.children:
        label = Text(part.node_id)
        if part.node_id != "(direct)":
            label.append("  ")
            label.append_text(data(part.title, "dim"))
        table.add_row(
            label,
            f"{part.importance:g}",
            str(part.evidence_count),
            f"{part.score:+.3f}" if part.included else "-",
            Text(part.status, style=STATUS_STYLE[part.status])
            if part.node_id != "(direct)"
            else "",
            f"{part.share:.3f}" if part.included else Text("no evidence", style="dim"),
        )
    return table


def _contribution_table(score: NodeScore, config: ScoringConfig, limit: int | None) -> Table:
    table = Table(
        title="evidence that counts (largest first)", title_justify="left", show_footer=True
    )
    # Rows not built (a limit at scoring) are summed in `rest`: rounded with the rest, the
    # shown figures still add up to the shown total.
    unlisted = score.contribution_count - len(score.contributions)
    values = [c.contribution for c in score.contributions]
    rounded = rounded_parts([*values, score.rest] if unlisted > 0 else values, 3)
    total = f"{math.fsum(rounded):+.3f}"
    rest_value = rounded.pop() if unlisted > 0 else 0.0
    columns = [
        ("date", "left", ""),
        ("evidence", "left", ""),
        ("source", "left", ""),
        ("w = R x C x K", "right", ""),
        ("age", "right", ""),
        ("decay", "right", ""),
        ("impact", "right", ""),
        ("share", "right", "score"),
        ("contribution", "right", total),
    ]
    for name, just, footer in columns:
        table.add_column(name, justify=just, footer=footer, overflow="fold")  # type: ignore[arg-type]
    rows = list(zip(score.contributions, rounded, strict=True))
    rest = rows[limit:] if limit is not None else []
    more = len(rest) + max(unlisted, 0)
    for c, shown in rows[: len(rows) - len(rest)]:
        evidence = Text(c.evidence_id, style="bold")
        evidence.append("\n")
        evidence.append_text(data(c.title, "dim"))
        if c.node_id != score.node_id:
            evidence.append(f"\nvia {c.node_id}", style="cyan")
        if c.corroborated_by:
            evidence.append(f"\nalso reported by {', '.join(c.corroborated_by)}", style="green")
        if c.assessments > 1:
            evidence.append(
                f"\n{c.assessments} assessments averaged"
                + (f" ({', '.join(c.analysts)})" if c.analysts else ""),
                style="dim",
            )
        if c.verdict:
            evidence.append("\nverdict: achieved", style="bold green")
        date = c.date.isoformat() + ("" if c.date_precision == "day" else f"\n({c.date_precision})")
        source = data(c.publisher)
        source.append(f"\n{c.reliability}{c.credibility}, {c.confidence}", style="dim")
        table.add_row(
            date,
            evidence,
            source,
            f"{c.reliability_weight:g} x {c.credibility_weight:g} x {c.confidence_weight:.3g}"
            f"\n= {c.weight:.3f}",
            f"{c.age_days}d",
            f"{c.decay:.3f}",
            f"{c.impact:+g}",
            f"{c.share:.3f}",
            Text(f"{shown:+.3f}", style="green" if shown > 0 else "red" if shown < 0 else ""),
        )
    if more:
        remainder = math.fsum([*(shown for _, shown in rest), rest_value])
        table.add_row(
            "",
            Text(f"… {more} more, each smaller (--all lists them)", style="italic"),
            *[""] * 6,
            f"{remainder:+.3f}",
        )
    return table


def _excluded_table(score: NodeScore, limit: int | None) -> Table:
    shown = score.excluded if limit is None else score.excluded[:limit]
    title = "evidence that does not count"
    total = max(score.excluded_count, len(score.excluded))
    if len(shown) < total:
        counts = dict(score.excluded_reasons)
        if not counts:
            for e in score.excluded:
                counts[e.reason] = counts.get(e.reason, 0) + 1
        summary = ", ".join(f"{n} {r.replace('_', ' ')}" for r, n in sorted(counts.items()))
        title += f" ({total}: {summary}; the first {len(shown)}, --all lists all)"
    table = Table(title=title, title_justify="left")
    for name in ("date", "evidence", "node", "reason", "detail"):
        table.add_column(name, overflow="fold")
    for e in shown:
        table.add_row(
            e.date.isoformat(),
            Text(e.evidence_id),
            e.node_id,
            e.reason.replace("_", " "),
            data(e.detail),
        )
    return table


SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], scale: float | None = None) -> str:
    """One character per value on a scale symmetric around zero (zero is the middle)."""
    if not values:
        return ""
    top = scale or max(0.25, max(abs(v) for v in values))
    out = []
    for v in values:
        position = (v / top + 1) / 2 * (len(SPARK) - 1)
        out.append(SPARK[max(0, min(len(SPARK) - 1, round(position)))])
    return "".join(out)


def history_table(scores: Sequence[NodeScore], dates, series) -> Table:
    table = Table(
        title=f"scores from {dates[0]} to {dates[-1]} ({len(dates)} steps; zero is mid-height)",
        title_justify="left",
    )
    for name, just in [
        ("recommendation", "left"),
        ("id", "left"),
        ("over time", "left"),
        ("first", "right"),
        ("last", "right"),
        ("min", "right"),
        ("max", "right"),
    ]:
        table.add_column(name, justify=just, overflow="fold")  # type: ignore[arg-type]
    for s in scores:
        values = series[s.node_id]
        table.add_row(
            Text("  " * s.depth).append_text(data(s.title)),
            Text(s.node_id, style="dim"),
            Text(sparkline(values), style=STATUS_STYLE[s.status]),
            f"{values[0]:+.2f}",
            f"{values[-1]:+.2f}",
            f"{min(values):+.2f}",
            f"{max(values):+.2f}",
        )
    return table


NEW_EVIDENCE_SHOWN = 30  # a terminal briefing lists the latest; the exports list them all


def changes_view(result, *, shown: int | None = NEW_EVIDENCE_SHOWN) -> RenderableType:
    parts: list[RenderableType] = [
        Text(f"What changed from {result.since} to {result.until}", style="bold")
    ]
    listed = result.new_evidence
    if shown is not None and len(listed) > shown:
        listed = listed[-shown:]
        title = f"new evidence ({len(result.new_evidence)}; the latest {shown})"
    else:
        title = f"new evidence ({len(result.new_evidence)})"
    new = Table(title=title, title_justify="left")
    for name in ("date", "evidence", "source", "bears on"):
        new.add_column(name, overflow="fold")
    for e in listed:
        new.add_row(
            e.date.isoformat(),
            Text(e.evidence_id, style="bold").append("\n").append_text(data(e.title, "dim")),
            data(f"{e.publisher} ({e.reliability}{e.credibility})"),
            ", ".join(e.recommendations),
        )
    parts.append(new if result.new_evidence else Text("No new evidence.", style="italic"))
    if len(listed) < len(result.new_evidence):
        parts.append(
            Text(
                f"{len(result.new_evidence) - len(listed)} earlier items not listed: "
                "--all lists them here, --format md, csv or json in a file",
                style="dim",
            )
        )
    for heading, moves in (
        ("status changes", result.status_changes),
        ("biggest movers up", result.up),
        ("biggest movers down", result.down),
    ):
        table = Table(title=heading, title_justify="left")
        for name in ("recommendation", "score", "status", "moved by"):
            table.add_column(name, overflow="fold")
        for m in moves:
            moved = Text()
            for c in sorted(m.evidence, key=lambda c: -abs(c.contribution))[:4]:
                moved.append(
                    f"{c.contribution:+.3f} ", style="green" if c.contribution > 0 else "red"
                )
                moved.append(c.evidence_id + "\n")
            table.add_row(
                Text(m.node_id, style="bold").append("\n").append_text(data(m.title, "dim")),
                f"{m.before:+.2f} → {m.after:+.2f}\n({m.delta:+.2f})",
                f"{m.before_status} → {m.after_status}",
                moved if m.evidence else Text("decay only", style="dim"),
            )
        parts.append(table if moves else Text(f"{heading}: none", style="italic"))
    return Group(*parts)
