"""`tracker tui` (and `tracker` alone): open the analyst's workbench."""

from __future__ import annotations

import argparse

from tracker.cli import Exit, UsageError, add_command, parse_date, project_root


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = add_command(
        subparsers,
        "tui",
        "Open the workbench: browse, read, add, score, save and commit evidence.",
        parents=[common],
        details="Keyboard-first; F1 lists the keys, ctrl+p finds any action by name.\n"
        "Running 'tracker' with no command opens it too. See docs/workbench.md.",
        examples=["tracker", "tracker tui --as-of 2025-06", "tracker -C ~/belarus-tracker"],
    )
    parser.add_argument(
        "--as-of",
        metavar="DATE",
        type=parse_date,
        help="open with scores as they stood on DATE (default: today)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import sys

    root = project_root(args)
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise UsageError(
            "the workbench needs a terminal; for scripts use 'tracker status' or 'tracker check'"
        )
    from tracker.tui.app import WorkbenchApp

    WorkbenchApp(root, as_of=args.as_of, use_cache=not args.no_cache).run()
    return Exit.OK
