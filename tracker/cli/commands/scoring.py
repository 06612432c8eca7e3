"""`tracker status` and `tracker explain`: the scores, and why each is what it is.

Only argparse at import time: rich, pydantic and the scoring model load inside `run`, and
textual never does, so the commands start fast.
"""

from __future__ import annotations

import argparse
import sys

from tracker.cli import Exit, UsageError, add_command, date_options, load

FORMATS = ["text", "md", "html", "json", "csv"]
EXTENSIONS = {
    ".txt": "text",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".csv": "csv",
}


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    status = add_command(
        subparsers,
        "status",
        "The tree of recommendations with score, status, trend and evidence per node.",
        parents=[common, date_options()],
        details="Score M lies in (-5, +5): positive moves toward the recommendation. Status is\n"
        "achieved, progressing, contested, stalled, regressing or insufficient (too little\n"
        "evidence). Trend is the change of M over the window (tracker.toml, default 90 days).\n"
        "The method: docs/scoring.md. Columns of the exports: docs/reports.md.",
        examples=[
            "tracker status",
            "tracker status --as-of 2025-10-01",
            "tracker status --status regressing --status contested",
            "tracker status --section geographical-priorities",
            "tracker status balance-         # ids starting with balance-",
            "tracker status -o status.html   # a self-contained page (format from the extension)",
            "tracker status --format csv --evidence > assessments.csv",
            "tracker status --known-as-of 2025-06-30   # only what git knew then",
        ],
    )
    status.add_argument("prefix", nargs="?", help="only nodes whose id starts with PREFIX")
    status.add_argument(
        "--section", metavar="ID", action="append", help="only this section (repeatable)"
    )
    status.add_argument(
        "--status",
        dest="statuses",
        metavar="STATUS",
        action="append",
        choices=[
            "achieved",
            "progressing",
            "contested",
            "stalled",
            "regressing",
            "insufficient",
        ],
        help="only nodes with this status (repeatable)",
    )
    _output_options(status)
    status.add_argument(
        "--evidence",
        action="store_true",
        help="json/csv: also one row per counted assessment (csv: only those rows)",
    )
    status.set_defaults(run=run_status)

    explain = add_command(
        subparsers,
        "explain",
        "Why a recommendation has its score: every piece of evidence, weighed, adding up to it.",
        parents=[common, date_options()],
        details="Lists each counted item with its date, source, reliability (R), credibility (C),\n"
        "confidence (K), weight w = R x C x K, age, decay d, impact and contribution; the\n"
        "contributions add up to the score. Then the evidence that does not count, and why:\n"
        "after the as-of date, a duplicate report of an event already counted, or outside\n"
        "the horizon.",
        examples=[
            "tracker explain balance-west-east",
            "tracker explain balance-west-east --as-of 2025-10-01",
            "tracker explain open-belarus --format json | jq .contributions",
        ],
    )
    explain.add_argument("id", help="the recommendation's id (see tracker status)")
    explain.add_argument("--format", choices=["text", "json"], default="text")
    explain.add_argument(
        "--all",
        action="store_true",
        help="list every row in the terminal (default: the 40 largest, the rest summed)",
    )
    explain.set_defaults(run=run_explain)


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="text (default on a terminal), md, html, json or csv; with -o, from the extension",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically)")


def output_format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    if args.output:
        from pathlib import Path

        suffix = Path(args.output).suffix.lower()
        if suffix not in EXTENSIONS:
            raise UsageError(
                f"cannot tell the format of {args.output!r} from its extension; "
                f"add --format ({', '.join(FORMATS)})"
            )
        return EXTENSIONS[suffix]
    return "text"


SCORING_MODULES = ("tracker.domain.scoring", "tracker.speed.snapshot", "tracker.domain.config")


def report_modules(args: argparse.Namespace, fmt: str) -> tuple[str, ...]:
    """What a report command imports after its load: the terminal's views or the exports."""
    if fmt == "text" and not getattr(args, "output", None):
        return ("tracker.reports.terminal", "rich.console")
    return ("tracker.reports.export",)


def scored(
    args: argparse.Namespace,
    *,
    detail=None,
    items: bool = True,
    detail_limit=None,
    then: tuple[str, ...] = (),
):
    """Load, warn about data problems on stderr, and score: what every report starts from.

    `detail`: the nodes whose explanation (contributions, exclusions) the report shows; None
    for all. `then`: the modules the report needs after scoring, imported while the load
    waits. Returns the project, config, as-of date, scores and the date-free preparation.
    """
    project = load(args, items=items, then=(*SCORING_MODULES, *then))
    from tracker.clock import today
    from tracker.domain import scoring
    from tracker.domain.config import load_config
    from tracker.speed import snapshot

    config, config_problems = load_config(project.root)
    problems = [*project.problems, *config_problems]
    errors = [p for p in problems if p.severity == "error"]
    for problem in config_problems:
        print(f"tracker: {problem.render()}", file=sys.stderr)
    if errors:
        print(
            f"tracker: warning: {len(errors)} problem(s) in the data; files that do not load "
            "are not scored (run 'tracker check')",
            file=sys.stderr,
        )
    as_of = args.as_of or today()
    prepared = snapshot.prepared(project, config)
    scores = scoring.score_all(
        project.nodes,
        prepared.items,
        as_of,
        config,
        detail=detail,
        detail_limit=detail_limit,
        prepared=prepared,
    )
    return project, config, as_of, scores, prepared


def console(file=None):
    from rich.console import Console

    out = file or sys.stdout
    width = None if out.isatty() else 160
    return Console(file=out, highlight=False, emoji=False, width=width, soft_wrap=False)


def commit_of(root) -> str | None:
    """The commit a report was made from, so it can be reproduced; None outside git."""
    try:
        from tracker.git import gitops

        return gitops.head_commit(root)
    except Exception:  # no git, not a repository, or gitops not there: a report still works
        return None


def select(scores, project, args) -> list:
    """The nodes a report covers: by id prefix, section and status, in the paper's order."""
    chosen = list(scores.values())
    if args.prefix:
        chosen = [s for s in chosen if s.node_id.startswith(args.prefix)]
    if args.section:
        sections = {n.id for n in project.nodes if n.kind == "section"}
        unknown = [s for s in args.section if s not in sections]
        if unknown:
            raise UsageError(
                f"--section {unknown[0]}: no such section; sections: {', '.join(sorted(sections))}"
            )
        parents = {n.id: n.parent for n in project.nodes}

        def section_of(node_id: str) -> str:
            seen = set()
            while parents.get(node_id) and node_id not in seen:
                seen.add(node_id)
                node_id = parents[node_id]
            return node_id

        chosen = [s for s in chosen if section_of(s.node_id) in args.section]
    if args.statuses:
        chosen = [s for s in chosen if s.status in args.statuses]
    return chosen


def run_status(args: argparse.Namespace) -> int:
    fmt = output_format(args)
    explained = fmt == "html" or args.evidence
    project, config, as_of, scores, prepared = scored(
        args, detail=None if explained else (), items=explained, then=report_modules(args, fmt)
    )
    chosen = select(scores, project, args)
    if fmt == "text" and not args.output:
        from tracker.reports import terminal as report

        title = f"{project.paper.title if project.paper else 'tracker'} — as of {as_of}"
        out = console()
        if not chosen:
            out.print("No recommendation matches the filters.", style="italic")
            return Exit.OK
        title = report.clean(title, one_line=True)
        out.print(report.status_table(chosen, title=title, width=out.width))
        return Exit.OK
    from tracker.reports import export as report_export

    meta = report_export.Meta.make(project, config, as_of, commit_of(project.root), args)
    history = None
    if fmt == "html":
        history = report_export.page_history(project, config, as_of, prepared)
    text = report_export.status(
        fmt, chosen, meta, project=project, evidence=args.evidence, history=history
    )
    report_export.emit(text, args.output)
    return Exit.OK


EXPLAIN_ROWS = 40  # on a terminal; --all and JSON list every row


def run_explain(args: argparse.Namespace) -> int:
    # On the terminal without --all, only the rows shown are built (and their items read).
    limit = None if args.all or args.format == "json" else EXPLAIN_ROWS
    shows = () if args.format == "json" else ("tracker.reports.terminal", "rich.console")
    project, config, _, scores, _ = scored(args, detail=(args.id,), detail_limit=limit, then=shows)
    if args.id not in scores:
        import difflib

        close = difflib.get_close_matches(args.id, list(scores), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see 'tracker status'"
        raise UsageError(f"no recommendation '{args.id}'{hint}")
    score = scores[args.id]
    if args.format == "json":
        import json

        payload = {"version": 1, "commit": commit_of(project.root), **score.model_dump(mode="json")}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return Exit.OK
    from tracker.reports import terminal as report

    console().print(report.explain(score, config, limit=limit))
    return Exit.OK
