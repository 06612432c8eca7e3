"""`tracker status` and `tracker explain`: the scores, and why each is what it is.

Only argparse at import time: rich, pydantic and the scoring model load inside `run`, and
textual never does, so the commands start fast.
"""

from __future__ import annotations

import argparse
import sys

from tracker.cli import Exit, UsageError, add_command, date_options, open_project, say

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
        "Where each recommendation stands today and what moved it lately, in figures and words.",
        parents=[common, date_options()],
        details="Standing lies in (-5, +5): where the recommendation stands since the paper,\n"
        "from every piece of evidence; lasting changes (laws, memberships, closures) keep their\n"
        "weight until reversed, statements and visits fade. Status says it in words:\n"
        "achieved, progressing, contested, no clear movement (stalled), regressing, or no\n"
        "evidence. Movement is what evidence dated in the last window (tracker.toml,\n"
        "default 90 days) brought: ↑ toward, ↓ away, → nothing new. 'newest' is the age of\n"
        "the newest evidence; old evidence is flagged, never hidden. A legend follows the\n"
        "table. The method: docs/scoring.md. Columns of the exports: docs/reports.md.",
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
            "no-evidence",
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
        "Why a recommendation stands where it does: every piece of evidence, weighed, adding up.",
        parents=[common, date_options()],
        details="Lists each counted item with its date, source, reliability (R), credibility (C),\n"
        "confidence (K), weight w = R x C x K, its treatment (lasting or transient), age,\n"
        "decay d, impact and contribution; the contributions add up to the standing, and\n"
        "those dated in the window to the movement. Then the evidence that does not count,\n"
        "and why: after the as-of date, a duplicate report of an event already counted, or\n"
        "a transient report older than the horizon.",
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


def scored(args: argparse.Namespace, *, detail=(), limit=None):
    """Open the project, warn about data problems on stderr, and score: what every report
    starts from. `detail`: the nodes explained (None: all). Returns the workspace, the as-of
    date and the scores."""
    ws = open_project(args)
    errors = ws.errors
    for problem in ws.problems:
        if problem.path == "tracker.toml":
            say(problem.render())
    if errors:
        say(
            f"warning: {len(errors)} problem(s) in the data; files that do not load are not "
            "scored (run 'tracker check')"
        )
    as_of = args.as_of or ws.today
    scores = ws.scores(as_of, detail=detail, limit=limit)
    return ws, as_of, scores


def console(file=None):
    from rich.console import Console

    class Terminal(Console):
        def on_broken_pipe(self) -> None:
            # rich exits with 1; a reader gone (`tracker status | head`) is not an error of
            # ours: `main` takes it and exits 0.
            self.quiet = True
            raise BrokenPipeError

    out = file or sys.stdout
    width = None if out.isatty() else 160
    return Terminal(file=out, highlight=False, emoji=False, width=width, soft_wrap=False)


def commit_of(root) -> str | None:
    """The commit a report was made from, so it can be reproduced; None outside git."""
    try:
        from tracker.git import gitops

        return gitops.head_commit(root)
    except Exception:  # no git, not a repository, or gitops not there: a report still works
        return None


def select(scores, ws, args) -> list:
    """The nodes a report covers: by id prefix, section and status, in the paper's order."""
    chosen = list(scores.values())
    if args.prefix:
        chosen = [s for s in chosen if s.node_id.startswith(args.prefix)]
    if args.section:
        sections = {n.id for n in ws.nodes if n.kind == "section"}
        unknown = [s for s in args.section if s not in sections]
        if unknown:
            raise UsageError(
                f"--section {unknown[0]}: no such section; sections: {', '.join(sorted(sections))}"
            )
        chosen = [s for s in chosen if ws.tree.section_of(s.node_id) in args.section]
    if args.statuses:
        chosen = [s for s in chosen if s.status in args.statuses]
    return chosen


def run_status(args: argparse.Namespace) -> int:
    fmt = output_format(args)
    explained = fmt == "html" or args.evidence
    ws, as_of, scores = scored(args, detail=None if explained else ())
    chosen = select(scores, ws, args)
    if fmt == "text" and not args.output:
        from tracker.domain.scoring.words import legend
        from tracker.reports import terminal as report
        from tracker.reports.figures import clean

        title = f"{ws.paper.title if ws.paper else 'tracker'} — as of {as_of}"
        out = console()
        if not chosen:
            out.print("No recommendation matches the filters.", style="italic")
            return Exit.OK
        title = clean(title, one_line=True)
        out.print(report.status_table(chosen, title=title, width=out.width))
        out.print(report.legend_text(legend(ws.config.window_days, ws.config.stale_days)))
        return Exit.OK
    from tracker.reports import export as report_export

    meta = report_export.Meta.make(ws, ws.config, as_of, commit_of(ws.root), args)
    history = None
    if fmt == "html":
        history = report_export.page_history(ws, as_of)
    text = report_export.status(
        fmt, chosen, meta, project=ws, evidence=args.evidence, history=history
    )
    report_export.emit(text, args.output)
    return Exit.OK


EXPLAIN_ROWS = 40  # on a terminal; --all and JSON list every row


def run_explain(args: argparse.Namespace) -> int:
    # On the terminal without --all, only the rows shown are built (and their items read).
    limit = None if args.all or args.format == "json" else EXPLAIN_ROWS
    ws = open_project(args)
    if ws.node(args.id) is None:
        import difflib

        known = [n.id for n in ws.nodes]
        close = difflib.get_close_matches(args.id, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see 'tracker status'"
        raise UsageError(f"no recommendation '{args.id}'{hint}")
    score = ws.explain(args.id, args.as_of or ws.today, limit=limit)
    if args.format == "json":
        import json

        payload = {"version": 2, "commit": commit_of(ws.root), **score.model_dump(mode="json")}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return Exit.OK
    from tracker.reports import terminal as report

    console().print(report.explain(score, ws.config, limit=limit))
    return Exit.OK
