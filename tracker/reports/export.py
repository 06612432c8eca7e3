"""Reports as files: JSON, CSV, Markdown and plain text (the HTML pages in `html.py`).

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

from pydantic import BaseModel, Field

from tracker.domain.config import ScoringConfig
from tracker.domain.scoring import Contribution, NodeScore
from tracker.reports.changes import Changes, Move
from tracker.reports.figures import clean, signed

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
    legend: Any = None  # tracker.domain.scoring.words.Legend, shown under text tables
    # The paper and its tree, for the published pages (byline, summary, titles of the nodes a
    # briefing names); not part of the exports' meta.
    paper_details: Any = Field(default=None, exclude=True)  # tracker.domain.model.Paper
    outline: list[Any] = Field(default=[], exclude=True)  # tracker.domain.model.Node, in order

    @classmethod
    def make(cls, project, config: ScoringConfig, as_of: dt.date, commit: str | None, args=None):
        from tracker import __version__
        from tracker.clock import today
        from tracker.domain.scoring.words import legend

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
            legend=legend(config.window_days, config.stale_days),
            paper_details=getattr(project, "paper", None),
            outline=list(getattr(project, "nodes", None) or []),
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
    from tracker.errors import UsageError
    from tracker.store.files import replace_file

    path = Path(output)
    if not path.parent.is_dir():
        raise UsageError(f"-o {output}: no such folder {str(path.parent)!r}")
    if path.is_dir():
        raise UsageError(f"-o {output}: that is a folder; name the report's file")
    if path.is_symlink():
        raise UsageError(f"-o {output}: that is a link; name the report's file itself")
    if _project_data(path):
        raise UsageError(
            f"-o {output}: that is one of the project's data files; write reports elsewhere"
        )
    replace_file(path, text.encode("utf-8"))  # a report replaces the last one of its name
    print(f"wrote {output}", file=sys.stderr)


def _project_data(path: Path) -> bool:
    """True for a file a tracking project keeps its data in (or git its history)."""
    from tracker.store.layout import RECOMMENDATIONS

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
    text = clean(text, one_line=True)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LINE_START.sub(r"\1\2\\\3", text)


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A CSV cell: text a spreadsheet would evaluate gets a leading apostrophe."""
    if isinstance(value, str):
        value = clean(value)
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
    "band",
    "status",
    "status_label",
    "status_reason",
    "trend",
    "trend_arrow",
    "window_start",
    "evidence_count",
    "movement_count",
    "last_evidence",
    "stale",
    "thin",
    "strength",
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
    "treatment",
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
    "in_movement",
    "countered_by",
    "corroborated_by",
    "verdict",
    "quote",
]


def status_row(score: NodeScore, parents: dict[str, str | None]) -> list[Any]:
    values = score.model_dump(include=set(STATUS_COLUMNS))
    values["parent"] = parents.get(score.node_id)
    return [values[c] for c in STATUS_COLUMNS]


def contribution_values(c: Contribution) -> dict[str, Any]:
    """A contribution's figures and its item's fields, flat: an evidence row."""
    item = c.evidence
    values = c.model_dump(exclude={"evidence"})
    values.update(
        title=item.title,
        date=item.date,
        date_precision=item.date_precision,
        event=item.event,
        publisher=item.source.publisher,
        url=item.source.url,
        reliability=item.source.reliability,
        credibility=item.source.credibility,
        quote=item.source.quote,
    )
    return values


def evidence_rows(scores: Sequence[NodeScore]) -> list[list[Any]]:
    """One row per counted assessment: each node's own evidence, not repeated for its parents."""
    rows = []
    for s in scores:
        for c in sorted(s.contributions, key=lambda c: (c.evidence.date, c.evidence_id)):
            if c.node_id == s.node_id:
                values = contribution_values(c)
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
        "| recommendation | id | standing | status | movement | evidence | newest | coverage |",
        "|---|---|---:|---|---:|---:|---|---:|",
    ]
    for s in scores:
        indent = "&nbsp;&nbsp;" * s.depth
        title = f"**{md(s.title)}**" if s.kind == "section" else md(s.title)
        coverage = f"{s.children_scored}/{s.children_total}" if s.children_total is not None else ""
        trend = f"{s.trend_arrow} {signed(s.trend)}" if s.trend_arrow else ""
        standing = f"{signed(s.score)} ({s.band})" if s.evidence_count else ""
        newest = str(s.last_evidence) if s.last_evidence else ""
        lines.append(
            f"| {indent}{title} | `{s.node_id}` | {standing} | {s.status_label} | {trend} "
            f"| {s.evidence_count} | {newest} | {coverage} |"
        )
    if not scores:
        lines.append("| _no recommendation matches the filters_ | | | | | | | |")
    if evidence:
        lines += ["", "## Evidence", ""]
        for s in scores:
            direct = sorted(
                (c for c in s.contributions if c.node_id == s.node_id),
                key=lambda c: (c.evidence.date, c.evidence_id),
            )
            if direct:
                lines += [f"### {md(s.title)} (`{s.node_id}`)", ""]
                for c in direct:
                    lines += [f"- {contribution_md(c)}", ""]
                    lines += ["  " + q for q in quote_md(c.evidence.source.quote)] + [""]
    return "\n".join(lines) + "\n"


def status_plain(scores: Sequence[NodeScore], meta: Meta) -> str:
    """The terminal table without colour, for a file."""
    from rich.console import Console

    buffer = io.StringIO()
    width = 200  # a file has no terminal to fit: room for every column
    console = Console(file=buffer, width=width, color_system=None, highlight=False, emoji=False)
    title = clean(meta.line(), one_line=True)
    console.print(_terminal().status_table(scores, title=title, width=width))
    if meta.legend is not None:
        console.print(_terminal().legend_text(meta.legend))
    return buffer.getvalue()


def quote_md(text: str) -> list[str]:
    return ["> " + md(line) if line.strip() else ">" for line in clean(text).splitlines()]


def contribution_md(c: Contribution, node_id: str | None = None) -> str:
    item = c.evidence
    via = f" via `{c.node_id}`" if node_id and c.node_id != node_id else ""
    return (
        f"{item.date} · {md(item.source.publisher)} "
        f"({item.source.reliability}{item.source.credibility}) · impact {c.impact:+g} "
        f"({c.treatment}){via} · contribution {c.contribution:+.3f}: {md(item.title)} "
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


def page_history(ws, as_of: dt.date):
    """The standings the page's charts draw: from a step before the first evidence to as_of,
    weekly over a year or less (a step shows as a step), monthly over longer spans."""
    firsts = [r.facts.midpoint for r in ws.records if r.facts.midpoint <= as_of]
    start = min(firsts) if firsts else (ws.paper.published if ws.paper else as_of)
    start = min(start, as_of)
    weekly = (as_of - start).days <= 366
    if weekly:
        dates = steps(start - dt.timedelta(weeks=1), as_of, "week", limit=60)
    else:
        dates = steps(shift_months(start, -1), as_of, "month", limit=180)
    if len(dates) < 2:
        dates = [shift_months(as_of, -1), as_of]
    return dates, ws.history(dates)


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
            _terminal().history_table(scores, dates, series)
        )
        return buffer.getvalue()
    if fmt == "html":
        from tracker.reports import html as report_html

        return report_html.history_page(scores, dates, series, meta)
    raise ValueError(f"unknown format {fmt!r}")


# --- changes --------------------------------------------------------------------------------


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
            "movement",
            "before",
            "after",
            "before_status",
            "after_status",
            "new_evidence",
        ]
        rows = [
            [
                m.node_id,
                m.title,
                m.movement,
                m.before,
                m.after,
                m.before_status,
                m.after_status,
                sorted({c.evidence_id for c in m.evidence}),
            ]
            for m in seen.values()
        ]
        return csv_text(header, rows)
    if fmt == "md":
        return changes_markdown(result, meta)
    if fmt == "html":
        from tracker.reports import html as report_html

        return report_html.briefing_page(result, meta)
    if fmt == "text":
        from rich.console import Console

        buffer = io.StringIO()
        Console(file=buffer, width=140, color_system=None, highlight=False).print(
            _terminal().changes_view(result)
        )
        return buffer.getvalue()
    raise ValueError(f"unknown format {fmt!r}")


def changes_markdown(result: Changes, meta: Meta) -> str:
    """The briefing as a Markdown document (`tracker.reports.briefing`)."""
    from tracker.reports.briefing import markdown_briefing

    return markdown_briefing(result, meta)


def _terminal():
    """The terminal's tables, for the plain-text exports (imported only for those)."""
    from tracker.reports import terminal

    return terminal
