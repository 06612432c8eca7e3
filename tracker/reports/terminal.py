"""Scores made readable on a terminal: rich renderables built from the workspace's scores.

Text from articles and from the paper is data: it enters rich only as `Text` objects (never
parsed as markup) after `clean` has made control characters visible, so a quote holding
`[bold]` or an escape sequence shows literally. Exports to files live in `export.py`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from tracker.domain.config import ScoringConfig
from tracker.domain.scoring import NodeScore
from tracker.domain.scoring.words import STATUS_SYMBOL, Legend, age_short, age_words
from tracker.reports.figures import clean, signed

STATUS_STYLE = {
    "achieved": "bold green",
    "progressing": "green",
    "contested": "magenta",
    "stalled": "yellow",
    "regressing": "red",
    "no-evidence": "dim",
}
ARROW_STYLE = {"↑": "green", "↓": "red", "→": "dim"}


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
    return Text(
        f"{STATUS_SYMBOL[score.status]} {score.status_label}", style=STATUS_STYLE[score.status]
    )


def evidence_age(score: NodeScore) -> Text:
    if score.evidence_age_days is None:
        return Text("")
    words = age_short(score.evidence_age_days)
    text = Text(words if words == "today" else f"{words} ago")
    if score.stale:
        text.stylize("yellow")
    return text


def status_table(
    scores: Sequence[NodeScore], *, title: str | None = None, width: int | None = None
) -> Table:
    """The tree with standing, status, movement and evidence: what `tracker status` prints.

    `width`: the terminal's; when the table does not fit, the least needed columns are left
    out (the caption says which) and then the ids fold, so that the recommendations keep
    room to be read.
    """
    rows = []
    for s in scores:
        label = Text("  " * s.depth)
        label.append_text(data(s.title, "bold" if s.kind == "section" else ""))
        coverage = f"{s.children_scored}/{s.children_total}" if s.children_total is not None else ""
        counted = s.evidence_count > 0
        movement = (
            Text(f"{s.trend_arrow} {signed(s.trend)}", style=ARROW_STYLE.get(s.trend_arrow, ""))
            if s.trend_arrow
            else Text("")
        )
        rows.append(
            {
                "recommendation": label,
                "id": Text(s.node_id),
                "standing": Text(signed(s.score), style=STATUS_STYLE[s.status])
                if counted
                else Text("", style="dim"),
                "status": status_text(s),
                "movement": movement,
                "evidence": Text(str(s.evidence_count)) if counted else Text("0", style="dim"),
                "newest": evidence_age(s),
                "coverage": Text(coverage),
            }
        )
    widths = {
        name: max([len(name), *(row[name].cell_len for row in rows)]) for name in FIGURE_COLUMNS
    }
    shown, id_width, title_width = _fit(widths, width)
    table = Table(title=title, title_justify="left", expand=False, pad_edge=False)
    table.add_column("recommendation", overflow="fold", min_width=title_width)
    for name in shown:
        folds = name == "id" and id_width < widths["id"]
        table.add_column(
            name,
            justify=FIGURE_COLUMNS[name],
            no_wrap=name in ("id", "status", "movement", "newest") and not folds,
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
    "standing": "right",
    "status": "left",
    "movement": "right",
    "evidence": "right",
    "newest": "right",
    "coverage": "right",
}
LEAVE_OUT = ("coverage", "evidence", "newest", "movement")  # in this order, as room runs out


def _fit(widths: dict[str, int], width: int | None) -> tuple[list[str], int, int]:
    """The figure columns that fit beside the recommendations, the ids' width, and the
    recommendations' least width (narrower than usual only on a very narrow terminal)."""
    shown = list(FIGURE_COLUMNS)

    def room(columns: list[str], title: int = TITLE_MIN_WIDTH) -> int:
        count = len(columns) + 1
        return title + sum(widths[c] for c in columns) + 2 * count - 2 + count + 1

    if width is None:
        return shown, widths["id"], TITLE_MIN_WIDTH
    for name in LEAVE_OUT:
        if room(shown) <= width:
            break
        shown.remove(name)
    over = room(shown) - width
    if over <= 0:
        return shown, widths["id"], TITLE_MIN_WIDTH
    if widths["id"] - over >= ID_MIN_WIDTH:
        return shown, widths["id"] - over, TITLE_MIN_WIDTH
    shown.remove("id")
    over = room(shown) - width
    return shown, 0, max(TITLE_MIN_WIDTH - max(over, 0), 12)


def legend_text(legend: Legend, *, compact: bool = True) -> Text:
    """What the words and figures mean, under a table."""
    out = Text()
    out.append("standing ", style="bold")
    out.append("(-5 reversed … +5 achieved): ")
    out.append("; ".join(f"{span} {words}" for span, words in legend.bands), style="dim")
    out.append("\nstatus ", style="bold")
    symbols = {label: STATUS_SYMBOL[key] for key, label in _LABEL_KEYS.items()}
    if compact:
        out.append("; ".join(f"{symbols.get(label, '')} {label}" for label, _ in legend.statuses))
    else:
        for label, meaning in legend.statuses:
            out.append(f"\n  {symbols.get(label, '')} {label}: ", style="")
            out.append(meaning, style="dim")
    out.append("\nmovement ", style="bold")
    out.append(legend.movement.removeprefix("movement: "), style="dim")
    out.append("; ↑ toward, ↓ away, → none", style="dim")
    out.append("\nnewest ", style="bold")
    out.append("the newest counted evidence; yellow: older than a year (stale)", style="dim")
    return out


_LABEL_KEYS = {
    "achieved": "achieved",
    "progressing": "progressing",
    "contested": "contested",
    "stalled": "no clear movement",
    "regressing": "regressing",
    "no-evidence": "no evidence",
}


def explain(score: NodeScore, config: ScoringConfig, limit: int | None = None) -> RenderableType:
    """Every piece of evidence behind a node's standing and movement, adding up visibly to
    both, and what does not count and why.

    `limit`: list at most this many rows; the rest are summed in one row (they still add up).
    """
    parts: list[RenderableType] = []
    head = Text()
    head.append(f"{score.node_id}", style="bold")
    head.append("  ")
    head.append_text(data(score.title, "bold"))
    head.append(f"   as of {score.as_of}", style="dim")
    parts.append(head)
    line = Text("standing ")
    line.append(signed(score.score, 3), style=STATUS_STYLE[score.status] + " bold")
    line.append(f" ({score.band})   status ")
    line.append_text(status_text(score))
    parts.append(line)
    parts.append(data(score.status_reason, "dim", one_line=False))
    movement = Text("movement ")
    movement.append(
        f"{score.trend_arrow or '-'} {signed(score.trend, 3)}",
        style=ARROW_STYLE.get(score.trend_arrow, ""),
    )
    movement.append(
        f": evidence dated {score.window_start} to {score.as_of} "
        f"({score.movement_count} item{'s' if score.movement_count != 1 else ''})"
    )
    parts.append(movement)
    facts = Text(
        f"evidence {score.evidence_count}; weight sum(w) {score.strength:.3f}", style="dim"
    )
    if score.last_evidence is not None:
        facts.append(
            f"; newest {score.last_evidence} ({age_words(score.evidence_age_days or 0)} old"
            f"{', stale' if score.stale else ''})",
            style="dim",
        )
    if score.thin:
        facts.append("; thin evidence", style="yellow")
    parts.append(facts)
    if score.children_total is not None:
        parts.append(_rollup_table(score))
    if score.contributions and len(score.contributions) > LONG_TABLE and limit is None:
        parts.append(_contribution_lines(score))
    elif score.contributions:
        parts.append(_contribution_table(score, config, limit))
    else:
        parts.append(Text("No evidence counts at this date.", style="italic"))
    if score.excluded or score.excluded_count:
        parts.append(_excluded_table(score, limit))
    parts.append(
        Text(
            f"M = sum(share * w d s) / (w0 + sum(w d |s|) / 5); w = R x C x K; transient: "
            f"d = 2^(-age / {config.half_life_days:g} days); lasting: d = 1 until a later "
            f"lasting change the other way, then it fades from that date; w0 = "
            f"{config.prior_weight:g}. Movement: the contributions of evidence dated in the "
            f"last {config.window_days} days. Reports of one event count once (the "
            "strongest). Method: docs/scoring.md",
            style="dim",
        )
    )
    return Group(*parts)


def _rollup_table(score: NodeScore) -> Table:
    table = Table(
        title=f"rollup: importance-weighted mean of the parts with evidence "
        f"(coverage {score.children_scored}/{score.children_total})",
        title_justify="left",
    )
    for name, just in [
        ("part", "left"),
        ("importance", "right"),
        ("evidence", "right"),
        ("standing", "right"),
        ("movement", "right"),
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
            signed(part.score, 3) if part.included else "-",
            signed(part.movement, 3) if part.included else "-",
            Text(_LABEL_KEYS[part.status], style=STATUS_STYLE[part.status])
            if part.node_id != "(direct)"
            else "",
            f"{part.share:.3f}" if part.included else Text("no evidence", style="dim"),
        )
    return table


LONG_TABLE = 60  # more rows than this (--all): one plain line a row, no table to measure


def _contribution_lines(score: NodeScore) -> Text:
    """Every contribution on one line each: a node with thousands of items is listed in
    seconds (a rich table measures every cell and wraps every title), and still adds up."""
    values = [c.contribution for c in score.contributions]
    rounded = rounded_parts(values, 3)
    moving = rounded_parts(
        [c.contribution if c.in_movement else 0.0 for c in score.contributions], 3
    )
    out = Text(
        f"evidence that counts ({len(values)}, largest first; one line each)\n", style="italic"
    )
    header = (
        f"{'date':<10}  {'evidence':<44}  {'source':<8}  {'w':>5}  {'treatment':<17}  "
        f"{'age':>5}  {'d':>5}  {'impact':>6}  {'share':>5}  {'standing':>8}  {'movement':>8}"
    )
    out.append(header + "\n", style="bold")
    for c, value, moved in zip(score.contributions, rounded, moving, strict=True):
        item = c.evidence
        evidence = clean(c.evidence_id, one_line=True)
        evidence = evidence if len(evidence) <= 44 else evidence[:43] + "…"
        grade = f"{item.source.reliability}{item.source.credibility}"
        out.append(
            f"{item.date.isoformat():<10}  {evidence:<44}  {grade:<8}  {c.weight:5.3f}  "
            f"{c.treatment:<17}  {c.age_days:>4}d  {c.decay:5.3f}  {c.impact:+6g}  "
            f"{c.share:5.3f}  "
        )
        out.append(f"{value:+8.3f}", style="green" if value > 0 else "red" if value < 0 else "")
        out.append(f"  {moved:+8.3f}\n" if c.in_movement else f"  {'-':>8}\n")
    total = math.fsum(rounded)
    out.append(
        f"{'':<10}  {'total':<44}  {'':<8}  {'':>5}  {'':<17}  {'':>5}  {'':>5}  {'':>6}  "
        f"{'':>5}  {total:+8.3f}  {math.fsum(moving):+8.3f}",
        style="bold",
    )
    return out


def _contribution_table(score: NodeScore, config: ScoringConfig, limit: int | None) -> Table:
    table = Table(
        title="evidence that counts (largest first)", title_justify="left", show_footer=True
    )
    unlisted = score.contribution_count - len(score.contributions)
    values = [c.contribution for c in score.contributions]
    rounded = rounded_parts([*values, score.rest] if unlisted > 0 else values, 3)
    total = f"{math.fsum(rounded):+.3f}"
    rest_value = rounded.pop() if unlisted > 0 else 0.0
    moving = [c.contribution if c.in_movement else 0.0 for c in score.contributions]
    moving_rounded = rounded_parts([*moving, score.rest_movement] if unlisted > 0 else moving, 3)
    moving_total = f"{math.fsum(moving_rounded):+.3f}"
    rest_moving = moving_rounded.pop() if unlisted > 0 else 0.0
    columns = [
        ("date", "left", ""),
        ("evidence", "left", ""),
        ("source", "left", ""),
        ("w = R x C x K", "right", ""),
        ("treatment", "left", ""),
        ("age", "right", ""),
        ("d", "right", ""),
        ("impact", "right", ""),
        ("share", "right", "totals"),
        ("standing", "right", total),
        ("movement", "right", moving_total),
    ]
    for name, just, footer in columns:
        table.add_column(name, justify=just, footer=footer, overflow="fold")  # type: ignore[arg-type]
    rows = list(zip(score.contributions, rounded, moving_rounded, strict=True))
    rest = rows[limit:] if limit is not None else []
    more = len(rest) + max(unlisted, 0)
    if rest:  # rounded as one part with whatever a limit left unbuilt: the same either way
        kept = score.contributions[: len(rows) - len(rest)]
        beyond = score.contributions[len(rows) - len(rest) :]
        whole = rounded_parts(
            [
                *(c.contribution for c in kept),
                math.fsum(c.contribution for c in beyond) + score.rest,
            ],
            3,
        )
        moving_whole = rounded_parts(
            [
                *(c.contribution if c.in_movement else 0.0 for c in kept),
                math.fsum(c.contribution for c in beyond if c.in_movement) + score.rest_movement,
            ],
            3,
        )
        rows = [(c, whole[i], moving_whole[i]) for i, c in enumerate(kept)]
        rest_value, rest_moving = whole[-1], moving_whole[-1]
        rest = []
    for c, shown, moved in rows:
        item = c.evidence
        evidence = Text(c.evidence_id, style="bold")
        evidence.append("\n")
        evidence.append_text(data(item.title, "dim"))
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
        date = item.date.isoformat() + (
            "" if item.date_precision == "day" else f"\n({item.date_precision})"
        )
        source = data(item.source.publisher)
        source.append(
            f"\n{item.source.reliability}{item.source.credibility}, {c.confidence}", style="dim"
        )
        treatment = Text(c.treatment)
        if c.countered_by:
            treatment.append(f"\nby {c.countered_by}", style="dim")
        table.add_row(
            date,
            evidence,
            source,
            f"{c.reliability_weight:g} x {c.credibility_weight:g} x {c.confidence_weight:.3g}"
            f"\n= {c.weight:.3f}",
            treatment,
            f"{c.age_days}d",
            f"{c.decay:.3f}",
            f"{c.impact:+g}",
            f"{c.share:.3f}",
            Text(f"{shown:+.3f}", style="green" if shown > 0 else "red" if shown < 0 else ""),
            Text(f"{moved:+.3f}", style="") if c.in_movement else Text("-", style="dim"),
        )
    if more:
        remainder = rest_value
        moving_rest = rest_moving
        table.add_row(
            "",
            Text(f"… {more} more, each smaller (--all lists them)", style="italic"),
            *[""] * 7,
            f"{remainder:+.3f}",
            f"{moving_rest:+.3f}",
        )
    return table


def _excluded_table(score: NodeScore, limit: int | None) -> RenderableType:
    shown = score.excluded if limit is None else score.excluded[:limit]
    if len(shown) > LONG_TABLE:
        out = Text(f"evidence that does not count ({len(shown)}; one line each)\n", style="italic")
        for e in shown:
            out.append(
                f"{e.date.isoformat():<10}  {clean(e.evidence_id, one_line=True):<44}  "
                f"{e.node_id:<28}  {e.reason.replace('_', ' '):<15}  "
            )
            out.append_text(data(e.detail))
            out.append("\n")
        return out
    title = "evidence that does not count"
    total = max(score.excluded_count, len(score.excluded))
    if len(shown) < total:
        counts = dict(score.excluded_reasons)
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
        title=f"standing from {dates[0]} to {dates[-1]} ({len(dates)} steps; zero is mid-height)",
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
            signed(values[0]),
            signed(values[-1]),
            signed(min(values)),
            signed(max(values)),
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
    total = max(result.new_count, len(result.new_evidence))
    if len(listed) < total:
        title = f"new evidence ({total}; the latest {len(listed)})"
    else:
        title = f"new evidence ({total})"
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
    if len(listed) < total:
        parts.append(
            Text(
                f"{total - len(listed)} earlier items not listed: "
                "--all lists them here, --format md, csv or json in a file",
                style="dim",
            )
        )
    for heading, moves in (
        ("status changes", result.status_changes),
        ("moved toward", result.up),
        ("moved away", result.down),
    ):
        table = Table(title=heading, title_justify="left")
        for name in ("recommendation", "movement", "standing", "status", "moved by"):
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
                signed(m.movement),
                f"{signed(m.before)} → {signed(m.after)}",
                f"{_LABEL_KEYS[m.before_status]} → {_LABEL_KEYS[m.after_status]}",
                moved,
            )
        parts.append(table if moves else Text(f"{heading}: none", style="italic"))
    if result.faded:
        names = ", ".join(
            f"{m.node_id} ({_LABEL_KEYS[m.before_status]} → {_LABEL_KEYS[m.after_status]})"
            for m in result.faded
        )
        parts.append(
            Text(f"statuses that changed only as old statements faded: {names}", style="dim")
        )
    return Group(*parts)
