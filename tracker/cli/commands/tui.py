"""`tracker tui` (and `tracker` alone): open the analyst's workbench."""

from __future__ import annotations

import argparse
from pathlib import Path

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
    session = preloaded_session(root.resolve(), use_cache=not args.no_cache)
    from tracker.tui.app import WorkbenchApp

    app = WorkbenchApp(root, as_of=args.as_of, session=session)
    app.run()
    if app.return_code:  # an unexpected error stopped it: say so, and what was kept
        print(f"tracker: {app.crash_note or 'the workbench stopped on an error.'}", file=sys.stderr)
        return Exit.INTERNAL
    return Exit.OK


def preloaded_session(root: Path, *, use_cache: bool = True):
    """The workbench's session, loaded before the app starts, while Textual is imported: a
    start costs the longer of the two, not their sum. A long load shows its bar on stderr, as
    the CLI's loads do. If the load fails, the session comes back unloaded: the app then
    loads again in its own worker and shows what went wrong."""
    from tracker.cli import LoadProgress
    from tracker.tui.session import Session

    def import_workbench() -> None:
        import tracker.tui.app  # noqa: F401

    session = Session(root, use_cache=use_cache)
    bar = LoadProgress()
    try:
        session.load(progress=bar, meanwhile=import_workbench)
    except Exception:  # the app loads again in its own worker and says what went wrong
        session.project = None
    finally:
        bar.close()
    return session
