"""Reports as files: JSON, CSV, Markdown and plain text (HTML in report_html.py).

Every format escapes article text for what reads it: Markdown punctuation and HTML tags are
escaped, CSV text cells that a spreadsheet would run as a formula get a leading apostrophe,
and JSON carries text as JSON strings. Columns are documented in docs/reports.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from tracker.domain.config import ScoringConfig
from tracker.domain.scoring import Contribution, NodeScore, Prepared
from tracker.reports import terminal as report

SCHEMA_VERSION = 1


class Meta(BaseModel):
    """Where a report comes from, so it can be reproduced."""

    tool: str = "tracker"
    version: str
    schema_version: int = SCHEMA_VERSION
    paper: str
    as_of: dt.date
    generated: dt.date
    commit: str | None
    known_as_of: dt.date | None = None
    filters: dict[str, Any] = {}
    parameters: dict[str, Any]

    @classmethod
    def make(cls, project, config: ScoringConfig, as_of: dt.date, commit: str | None, args=None):
        from tracker import __version__
        from tracker.clock import today

        filters = {}
        for key in ("prefix", "section", "statuses"):
            value = getattr(args, key, None)
            if value:
                filters[key] = value
        return cls(
            version=__version__,
            paper=project.paper.title if project.paper else "",
            as_of=as_of,
            generated=today(),
            commit=commit,
            known_as_of=getattr(args, "known_as_of", None),
            filters=filters,
            parameters=config.model_dump(mode="json", by_alias=True),
        )

    def line(self) -> str:
        where = f"commit {self.commit[:12]}" if self.commit else "no git commit"
        known = f", known as of {self.known_as_of}" if self.known_as_of else ""
        made = f"made {self.generated} by tracker {self.version} from {where}"
        return f"as of {self.as_of}{known}; {made}"


def emit(text: str, output: str | None) -> None:
    """To stdout, or atomically to a file (a half-written report is never left behind)."""
    if output is None:
        sys.stdout.write(text)
        return
    from tracker.cli import DataError, UsageError
    from tracker.store import FileChangedError, atomic_write, file_sha256

    path = Path(output)
    if not path.parent.is_dir():
        raise UsageError(f"-o {output}: no such folder {str(path.parent)!r}")
    if path.is_dir():
        raise UsageError(f"-o {output}: that is a folder; name the report's file")
    if _project_data(path):
        raise UsageError(
            f"-o {output}: that is one of the project's data files; write reports elsewhere"
        )
    # A report replaces the previous one of that name (a nightly job writes the same file).
    try:
        atomic_write(path, text.encode("utf-8"), expected_sha256=file_sha256(path))
    except FileChangedError as err:  # it changed between the check and the write
        raise DataError(f"-o {output}: {err}") from None
    print(f"wrote {output}", file=sys.stderr)


def _project_data(path: Path) -> bool:
    """True for a file a tracking project keeps its data in (or git its history)."""
    from tracker.speed.scan import RECOMMENDATIONS

    target = path.resolve()
    for folder in target.parents:
        if (folder / RECOMMENDATIONS).is_file():
            parts = target.relative_to(folder).parts
            return parts[0] in (RECOMMENDATIONS, "tracker.toml", "evidence", "drafts", ".git")
    return False


# --- escaping -------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~$^=:\"'-])")
_MD_LINE_START = re.compile(r"^(\s*)(\d+)([.)])", re.MULTILINE)


def md(text: str) -> str:
    """Literal text in Markdown: HTML as entities, every markup character backslash-escaped."""
    text = report.clean(text, one_line=True)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LINE_START.sub(r"\1\2\\\3", text)


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A CSV cell: text a spreadsheet would evaluate gets a leading apostrophe."""
    if isinstance(value, str):
        value = report.clean(value)
        if value.startswith(_FORMULA):
            return "'" + value
        return value
    if isinstance(value, float):
        return f"{value:.6g}" if math.isfinite(value) else ""
    if isinstance(value, list):
        return cell("; ".join(str(v) for v in value))
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def csv_text(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return buffer.getvalue()


# --- status ---------------------------------------------------------------------------------

STATUS_COLUMNS = [
    "node_id",
    "parent",
    "kind",
    "depth",
    "title",
    "as_of",
    "score",
    "status",
    "status_reason",
    "trend",
    "trend_arrow",
    "previous_score",
    "window_start",
    "evidence_count",
    "total_weight",
    "children_scored",
    "children_total",
    "direct_score",
]
EVIDENCE_COLUMNS = [
    "node_id",
    "evidence_id",
    "title",
    "date",
    "date_precision",
    "counts_from",
    "event",
    "publisher",
    "url",
    "reliability",
    "credibility",
    "confidence",
    "impact",
    "assessments",
    "analysts",
    "reliability_weight",
    "credibility_weight",
    "confidence_weight",
    "weight",
    "age_days",
    "decay",
    "effective_weight",
    "contribution",
    "corroborated_by",
    "verdict",
    "quote",
]


def status_row(score: NodeScore, parents: dict[str, str | None]) -> list[Any]:
    values = score.model_dump()
    values["parent"] = parents.get(score.node_id)
    return [values[c] for c in STATUS_COLUMNS]


def evidence_rows(scores: Sequence[NodeScore]) -> list[list[Any]]:
    """One row per counted assessment: each node's own evidence, not repeated for its parents."""
    rows = []
    for s in scores:
        for c in sorted(s.contributions, key=lambda c: (c.date, c.evidence_id)):
            if c.node_id == s.node_id:
                values = c.model_dump()
                rows.append([values[k] for k in EVIDENCE_COLUMNS])
    return rows


def status(
    fmt: str,
    scores: Sequence[NodeScore],
    meta: Meta,
    *,
    project=None,
    all_scores: dict[str, NodeScore] | None = None,
    evidence: bool = False,
    history: dict | None = None,
    **_: Any,
) -> str:
    parents = {n.id: n.parent for n in project.nodes} if project else {}
    if fmt == "json":
        payload: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "meta": meta.model_dump(mode="json"),
            "columns": STATUS_COLUMNS,
            "nodes": [
                dict(zip(STATUS_COLUMNS, status_row(s, parents), strict=True)) for s in scores
            ],
        }
        payload["nodes"] = json.loads(json.dumps(payload["nodes"], default=str))
        if evidence:
            payload["evidence"] = json.loads(
                json.dumps(
                    [dict(zip(EVIDENCE_COLUMNS, r, strict=True)) for r in evidence_rows(scores)],
                    default=str,
                )
            )
        return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        if evidence:
            return csv_text(EVIDENCE_COLUMNS, evidence_rows(scores))
        return csv_text(STATUS_COLUMNS, [status_row(s, parents) for s in scores])
    if fmt == "md":
        return status_markdown(scores, meta, evidence=evidence)
    if fmt == "text":
        return status_plain(scores, meta)
    if fmt == "html":
        from tracker.reports import html as report_html

        return report_html.page(scores, meta, project=project, history=history)
    raise ValueError(f"unknown format {fmt!r}")


def status_markdown(scores: Sequence[NodeScore], meta: Meta, *, evidence: bool = False) -> str:
    lines = [
        f"# {md(meta.paper or 'Recommendations')}: status",
        "",
        f"_{md(meta.line())}_",
        "",
        "| recommendation | id | score | status | trend | evidence | coverage |",
        "|---|---|---:|---|---:|---:|---:|",
    ]
    for s in scores:
        indent = "&nbsp;&nbsp;" * s.depth
        title = f"**{md(s.title)}**" if s.kind == "section" else md(s.title)
        coverage = f"{s.children_scored}/{s.children_total}" if s.children_total is not None else ""
        trend = f"{s.trend_arrow} {s.trend:+.2f}" if s.trend_arrow else ""
        lines.append(
            f"| {indent}{title} | `{s.node_id}` | {s.score:+.2f} | {s.status} | {trend} "
            f"| {s.evidence_count} | {coverage} |"
        )
    if not scores:
        lines.append("| _no recommendation matches the filters_ | | | | | | |")
    if evidence:
        lines += ["", "## Evidence", ""]
        for s in scores:
            direct = sorted(
                (c for c in s.contributions if c.node_id == s.node_id),
                key=lambda c: (c.date, c.evidence_id),
            )
            if direct:
                lines += [f"### {md(s.title)} (`{s.node_id}`)", ""]
                for c in direct:
                    lines += [f"- {contribution_md(c)}", ""]
                    lines += ["  " + q for q in quote_md(c.quote)] + [""]
    return "\n".join(lines) + "\n"


def status_plain(scores: Sequence[NodeScore], meta: Meta) -> str:
    """The terminal table without colour, for a file."""
    from rich.console import Console

    buffer = io.StringIO()
    width = 200  # a file has no terminal to fit: room for every column
    console = Console(file=buffer, width=width, color_system=None, highlight=False, emoji=False)
    title = report.clean(meta.line(), one_line=True)
    console.print(report.status_table(scores, title=title, width=width))
    return buffer.getvalue()


def quote_md(text: str) -> list[str]:
    return ["> " + md(line) if line.strip() else ">" for line in report.clean(text).splitlines()]


def contribution_md(c: Contribution, node_id: str | None = None) -> str:
    via = f" via `{c.node_id}`" if node_id and c.node_id != node_id else ""
    return (
        f"{c.date} · {md(c.publisher)} ({c.reliability}{c.credibility}) · "
        f"impact {c.impact:+g}{via} · contribution {c.contribution:+.3f}: {md(c.title)} "
        f"(`{c.evidence_id}`)"
    )


# --- dates for history ----------------------------------------------------------------------


def shift_months(day: dt.date, months: int) -> dt.date:
    import calendar

    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def steps(start: dt.date, end: dt.date, step: str, limit: int = 2000) -> list[dt.date]:
    """Dates from start to end, ending exactly on `end`, one step apart (week, month, quarter)."""
    dates: list[dt.date] = []
    k = 0
    while len(dates) < limit:
        if step == "week":
            day = end - dt.timedelta(weeks=k)
        else:
            day = shift_months(end, -k * (3 if step == "quarter" else 1))
        if day < start:
            break
        dates.append(day)
        k += 1
    return dates[::-1]


def page_history(project, config: ScoringConfig, as_of: dt.date, prepared: Prepared):
    """Monthly scores for the page's charts: from the first evidence (or the paper) to as_of."""
    from tracker.domain.scoring import score_history

    firsts = [refs[0] for refs in prepared.refs.values() if refs and refs[0] <= as_of]
    start = min(firsts) if firsts else (project.paper.published if project.paper else as_of)
    start = min(start, as_of)
    dates = steps(shift_months(start, -1), as_of, "month", limit=120)
    if len(dates) < 2:
        dates = [shift_months(as_of, -1), as_of]
    return dates, score_history(project.nodes, prepared.items, dates, config, prepared=prepared)


# --- history --------------------------------------------------------------------------------


def history(
    fmt: str,
    scores: Sequence[NodeScore],
    dates: list[dt.date],
    series: dict[str, list[float]],
    meta: Meta,
) -> str:
    if fmt == "json":
        payload = {
            "schema_version": SCHEMA_VERSION,
            "meta": meta.model_dump(mode="json"),
            "dates": [d.isoformat() for d in dates],
            "series": [
                {"node_id": s.node_id, "title": s.title, "scores": series[s.node_id]}
                for s in scores
            ],
        }
        return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":  # long ("tidy") form: one row per node and date
        rows = [[s.node_id, d, series[s.node_id][i]] for s in scores for i, d in enumerate(dates)]
        return csv_text(["node_id", "date", "score"], rows)
    if fmt == "md":
        lines = [
            f"# {md(meta.paper or 'Recommendations')}: scores over time",
            "",
            f"_{md(meta.line())}_",
            "",
            "| recommendation | " + " | ".join(d.isoformat() for d in dates) + " |",
            "|---|" + "---:|" * len(dates),
        ]
        for s in scores:
            values = " | ".join(f"{v:+.2f}" for v in series[s.node_id])
            lines.append(f"| {md(s.title)} (`{s.node_id}`) | {values} |")
        return "\n".join(lines) + "\n"
    if fmt == "text":
        from rich.console import Console

        buffer = io.StringIO()
        Console(file=buffer, width=140, color_system=None, highlight=False).print(
            report.history_table(scores, dates, series)
        )
        return buffer.getvalue()
    if fmt == "html":
        from tracker.reports import html as report_html

        return report_html.history_page(scores, dates, series, meta)
    raise ValueError(f"unknown format {fmt!r}")


# --- changes --------------------------------------------------------------------------------


class NewEvidence(BaseModel):
    evidence_id: str
    title: str
    date: dt.date
    publisher: str
    reliability: str
    credibility: int
    url: str | None
    recommendations: list[str]


class Move(BaseModel):
    node_id: str
    title: str
    before: float
    after: float
    delta: float
    before_status: str
    after_status: str
    evidence: list[Contribution]  # the new evidence behind the move


class Changes(BaseModel):
    since: dt.date
    until: dt.date
    new_evidence: list[NewEvidence]
    status_changes: list[Move]
    up: list[Move]
    down: list[Move]


def changes(
    prepared: Prepared, before, after, since: dt.date, until: dt.date, *, top: int = 5
) -> Changes:
    """What moved between two dates; each move carries the new evidence that made it."""
    # Readings are in canonical order (date, then id): the period's items are read by rank.
    ranks = sorted(
        {r.rank for rs in prepared.readings.values() for r in rs if since < r.ref <= until}
    )
    prepared.items.fetch(ranks)
    fresh = [prepared.items[rank] for rank in ranks]
    new = [
        NewEvidence(
            evidence_id=i.id,
            title=i.title,
            date=i.date,
            publisher=i.source.publisher,
            reliability=i.source.reliability,
            credibility=i.source.credibility,
            url=i.source.url,
            recommendations=sorted({a.recommendation for a in i.assessments}),
        )
        for i in fresh
    ]
    moves = []
    for node_id, a in after.items():
        b = before[node_id]
        moves.append(
            Move(
                node_id=node_id,
                title=a.title,
                before=b.score,
                after=a.score,
                delta=a.score - b.score,
                before_status=b.status,
                after_status=a.status,
                evidence=[c for c in a.contributions if since < c.counts_from <= until],
            )
        )
    up = sorted((m for m in moves if m.delta > 1e-9), key=lambda m: (-m.delta, m.node_id))
    down = sorted((m for m in moves if m.delta < -1e-9), key=lambda m: (m.delta, m.node_id))
    return Changes(
        since=since,
        until=until,
        new_evidence=new,
        status_changes=[m for m in moves if m.before_status != m.after_status],
        up=up[:top],
        down=down[:top],
    )


def changes_export(fmt: str, result: Changes, meta: Meta) -> str:
    if fmt == "json":
        payload = {
            "schema_version": SCHEMA_VERSION,
            "meta": meta.model_dump(mode="json"),
            **result.model_dump(mode="json"),
        }
        return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":  # one row per recommendation that moved or changed status
        seen: dict[str, Move] = {}
        for m in [*result.status_changes, *result.up, *result.down]:
            seen.setdefault(m.node_id, m)
        header = [
            "node_id",
            "title",
            "before",
            "after",
            "delta",
            "before_status",
            "after_status",
            "new_evidence",
        ]
        rows = [
            [
                m.node_id,
                m.title,
                m.before,
                m.after,
                m.delta,
                m.before_status,
                m.after_status,
                sorted({c.evidence_id for c in m.evidence}),
            ]
            for m in seen.values()
        ]
        return csv_text(header, rows)
    if fmt == "md":
        return changes_markdown(result, meta)
    if fmt in ("text", "html"):
        from rich.console import Console

        buffer = io.StringIO()
        Console(file=buffer, width=140, color_system=None, highlight=False).print(
            report.changes_view(result)
        )
        text = buffer.getvalue()
        if fmt == "html":
            import html as h

            return (
                '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>changes '
                f"{result.since} to {result.until}</title></head><body><pre>"
                f"{h.escape(text)}</pre></body></html>\n"
            )
        return text
    raise ValueError(f"unknown format {fmt!r}")


def _move_md(m: Move) -> list[str]:
    lines = [
        f"- **{md(m.title)}** (`{m.node_id}`): {m.before:+.2f} → {m.after:+.2f} "
        f"({m.delta:+.2f}), {m.before_status} → {m.after_status}"
    ]
    for c in sorted(m.evidence, key=lambda c: -abs(c.contribution)):
        lines.append(f"  - {contribution_md(c, m.node_id)}")
    return lines


def changes_markdown(result: Changes, meta: Meta) -> str:
    lines = [
        f"# What changed, {result.since} to {result.until}",
        "",
        f"_{md(meta.paper)}; {md(meta.line())}_",
        "",
        f"## New evidence ({len(result.new_evidence)})",
        "",
    ]
    for e in result.new_evidence:
        lines.append(
            f"- {e.date} · {md(e.publisher)} ({e.reliability}{e.credibility}): {md(e.title)} "
            f"(`{e.evidence_id}`), bears on {', '.join(f'`{r}`' for r in e.recommendations)}"
        )
    if not result.new_evidence:
        lines.append("_No new evidence in this period._")
    for heading, moves in (
        ("Status changes", result.status_changes),
        ("Biggest movers up", result.up),
        ("Biggest movers down", result.down),
    ):
        lines += ["", f"## {heading}", ""]
        for m in moves:
            lines += _move_md(m)
        if not moves:
            lines.append("_None._")
    return "\n".join(lines) + "\n"
