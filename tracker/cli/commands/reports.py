"""`tracker history` and `tracker changes`: how the scores moved, for the quarterly briefing."""

from __future__ import annotations

import argparse

from tracker.cli import Exit, UsageError, add_command, date_options, open_project, parse_date
from tracker.cli.commands.scoring import (
    FORMATS,
    commit_of,
    console,
    output_format,
    scored,
)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    history = add_command(
        subparsers,
        "history",
        "A recommendation's score over time (or every one's): a sparkline per row.",
        parents=[common, date_options()],
        details="Scores at each step from --from to --to (default: the last two years up to\n"
        "--as-of or today), computed in one sweep over the evidence.",
        examples=[
            "tracker history balance-west-east",
            "tracker history --from 2024-01 --step quarter",
            "tracker history balance-west-east --step week --format csv > scores.csv",
            "tracker history -o history.html",
        ],
    )
    history.add_argument("id", nargs="?", help="one recommendation (default: all)")
    history.add_argument("--from", dest="start", metavar="DATE", type=parse_date)
    history.add_argument("--to", dest="end", metavar="DATE", type=parse_date)
    history.add_argument("--step", choices=["week", "month", "quarter"], default="month")
    history.add_argument("--format", choices=FORMATS)
    history.add_argument("-o", "--output", metavar="FILE")
    history.set_defaults(run=run_history)

    changes = add_command(
        subparsers,
        "changes",
        "What moved between two dates: new evidence, status changes, the biggest movers.",
        parents=[common],
        details="The quarterly briefing: each mover is shown with the new evidence that moved it.\n"
        "--format md gives a document to paste into a report.",
        examples=[
            "tracker changes --since 2025-07-01",
            "tracker changes --since 2025-01-01 --until 2025-12-31 --format md > q.md",
            "tracker changes --since 2025-07 --format json",
        ],
    )
    changes.add_argument("--since", metavar="DATE", type=parse_date, required=True)
    changes.add_argument("--until", metavar="DATE", type=parse_date, help="default: today")
    changes.add_argument("--top", type=int, default=5, help="movers each way (default 5)")
    changes.add_argument(
        "--all",
        action="store_true",
        help="on the terminal, list every new item (default: the latest 30; exports list all)",
    )
    changes.add_argument("--format", choices=FORMATS)
    changes.add_argument("-o", "--output", metavar="FILE")
    changes.set_defaults(run=run_changes, as_of=None, known_as_of=None)


def run_history(args: argparse.Namespace) -> int:
    from tracker.reports import export as rx

    fmt = output_format(args)
    ws, as_of, scores = scored(args, detail=())
    end = args.end or as_of
    start = args.start or rx.shift_months(end, -24)
    if start > end:
        raise UsageError(f"--from {start} is after --to {end}")
    if args.id and args.id not in scores:
        raise UsageError(f"no recommendation '{args.id}'; see 'tracker status'")
    dates = rx.steps(start, end, args.step)
    if len(dates) < 2:
        dates = [start, end] if start < end else [end]
    ids = [args.id] if args.id else list(scores)
    series = ws.history(dates, ids if args.id else None)
    if fmt == "text" and not args.output:
        from tracker.reports import terminal as report

        console().print(report.history_table([scores[i] for i in ids], dates, series))
        return Exit.OK
    meta = rx.Meta.make(ws, ws.config, end, commit_of(ws.root), args)
    text = rx.history(fmt, [scores[i] for i in ids], dates, series, meta)
    rx.emit(text, args.output)
    return Exit.OK


def run_changes(args: argparse.Namespace) -> int:
    from tracker.reports import export as rx
    from tracker.reports.changes import changes

    fmt = output_format(args)
    ws = open_project(args)
    until = args.until or ws.today
    if args.since >= until:
        raise UsageError(f"--since {args.since} must be before --until {until}")
    terminal = fmt == "text" and not args.output
    from tracker.reports import terminal as report

    listed = None if (args.all or not terminal) else report.NEW_EVIDENCE_SHOWN
    result = changes(ws, args.since, until, top=args.top, listed=listed)
    if terminal:
        console().print(report.changes_view(result, shown=None if args.all else listed))
        return Exit.OK
    meta = rx.Meta.make(ws, ws.config, until, commit_of(ws.root), args)  # what a file records
    rx.emit(rx.changes_export(fmt, result, meta), args.output)
    return Exit.OK
