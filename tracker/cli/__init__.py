"""The command line: one parser, commands registered from `tracker.cli.commands`, lazy imports.

Only argparse is imported at start-up; each command imports what it needs when it runs, so
`tracker --help` and `tracker check` start fast and never load the TUI.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from enum import IntEnum

from tracker.errors import DataError, TrackerError, UsageError

__all__ = ["DataError", "Exit", "UsageError"]

# Modules under tracker/commands/, each with `register(subparsers, common)`.
COMMAND_MODULES = [
    "check",
    "fmt",
    "scoring",
    "reports",
    "ingest",
    "git",
    "project",
    "tui",
    "inbox",
]


class Exit(IntEnum):
    OK = 0
    DATA = 1  # the data has problems, or an operation on it was refused
    USAGE = 2  # the command was used wrongly: bad flag, no project, missing file
    INTERNAL = 3  # a bug in tracker


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30)


def add_command(
    subparsers: argparse._SubParsersAction,
    name: str,
    summary: str,
    *,
    parents: Sequence[argparse.ArgumentParser] = (),
    details: str = "",
    examples: Sequence[str] = (),
) -> argparse.ArgumentParser:
    """A sub-command whose --help teaches: a one-line summary, details, then examples."""
    epilog = ""
    if examples:
        epilog = "examples:\n" + "\n".join(f"  {e}" for e in examples)
    return subparsers.add_parser(
        name,
        help=summary,
        description=summary + ("\n\n" + details if details else ""),
        epilog=epilog,
        parents=list(parents),
        formatter_class=HelpFormatter,
    )


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-C",
        "--root",
        metavar="DIR",
        help="the tracking project (default: the folder holding recommendations.toml, "
        "at or above the current folder)",
    )
    common.add_argument(
        "--no-cache", action="store_true", help="read every file afresh, bypassing the load cache"
    )
    parser = argparse.ArgumentParser(
        prog="tracker",
        description="Track whether reality moves toward or away from a policy paper's "
        "recommendations, and show why.\n\nWith no command, opens the workbench (the TUI).",
        epilog="examples:\n  tracker check            validate every data file\n"
        "  tracker status           the tree with scores, statuses and trends\n"
        "  tracker COMMAND --help   what a command does, with examples",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tracker {_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(f"tracker.cli.commands.{module_name}")
        module.register(subparsers, common)
    return parser


def _version() -> str:
    from tracker import __version__

    return __version__


def entry() -> None:
    """The console command: `main`, then the process ends without freeing what the command
    loaded (`tracker.speed.leave`)."""
    from tracker.speed import leave

    leave.enable()
    leave.leave(main())


def main(argv: Sequence[str] | None = None) -> int:
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:  # started with it closed (`>&-`): written to nowhere
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv = ["tui", *argv]  # `tracker --no-cache`, `tracker -C DIR`: the workbench's options
    args = parser.parse_args(argv)
    run = getattr(args, "run", None)
    if run is None:
        if "tui" in COMMAND_MODULES:
            args = parser.parse_args(["tui", *argv])
            run = args.run
        else:
            parser.print_help()
            return Exit.OK
    if _reads_evidence(args) and not getattr(args, "no_cache", False):
        _head_start(args)
    if args.command != "tui":
        # A command is a short process: its objects live until it exits, and searching them
        # for cycles costs it a third of its time (tracker.speed.collector) and frees nothing.
        import gc

        gc.disable()
    try:
        return int(run(args))
    except UsageError as err:
        say(str(err))
        return Exit.USAGE
    except TrackerError as err:  # the data, or an operation on it, refused: never a traceback
        say(str(err))
        return Exit.DATA
    except KeyboardInterrupt:
        print("tracker: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`tracker status | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return Exit.OK
    except Exception as err:  # no traceback reaches a user, unless asked for
        if os.environ.get("TRACKER_DEBUG"):
            raise
        print(
            f"tracker: internal error: {type(err).__name__}: {err}\n"
            "This is a bug in tracker; run again with TRACKER_DEBUG=1 for the details.",
            file=sys.stderr,
        )
        return Exit.INTERNAL
    finally:
        if _reads_evidence(args):
            from tracker.speed import headstart

            headstart.forget()  # a head start is for this command only


# Commands that load the project: the listing of evidence/ starts beside them
# (tracker.speed.headstart) while they import.
READS_EVIDENCE = {"check", "status", "explain", "history", "changes", "suggest", "import", "fmt"}
# Commands that need each file's identity only: the listing is shared between the head start
# and the command, which has little else to do meanwhile.
IDENTITIES_ONLY = {"suggest", "import"}


def _reads_evidence(args: argparse.Namespace) -> bool:
    """Whether the command loads the project: `inbox fetch` does once its feeds bring
    something new (the listing starts beside the fetch, and is dropped if nothing came)."""
    if args.command == "inbox":
        return getattr(args, "inbox_action", None) == "fetch"
    return args.command in READS_EVIDENCE


def _head_start(args: argparse.Namespace) -> None:
    if getattr(args, "known_as_of", None) is not None:
        return
    from pathlib import Path

    from tracker.speed import headstart

    start = Path(args.root) if getattr(args, "root", None) else Path.cwd()
    for folder in (start.resolve(), *start.resolve().parents):
        if (folder / "recommendations.toml").is_file():
            if args.command in IDENTITIES_ONLY:
                shares = 3
            elif args.command == "inbox":  # the feeds are fetched meanwhile
                shares = 1
            else:  # a first run has no rows to unpack meanwhile: it lists half the folders
                from tracker.speed.location import has_load_cache

                shares = 1 if has_load_cache(folder) else 2
            headstart.start(folder, shares=shares)
            return


def say(message: str) -> None:
    """A message to the user on stderr, with anything a terminal could take as a command made
    visible (`tracker.textclean.visible_controls`)."""
    from tracker.textclean import visible_controls

    print(f"tracker: {visible_controls(message)}", file=sys.stderr)


def project_root(args: argparse.Namespace):
    """The project the command works on; a wrong --root or no project is a usage error."""
    from pathlib import Path

    from tracker.store.layout import find_root

    start = Path(args.root) if getattr(args, "root", None) else None
    if start is not None and not start.is_dir():
        raise UsageError(f"--root {start}: no such folder")
    return find_root(start)


def parse_date(text: str):
    """A date for --as-of and friends: YYYY-MM-DD, YYYY-MM (the month's last day) or YYYY."""
    import calendar
    import datetime as dt

    try:
        if len(text) == 4 and text.isdigit():
            return dt.date(int(text), 12, 31)
        if len(text) == 7 and text[4] == "-":
            year, month = int(text[:4]), int(text[5:])
            return dt.date(year, month, calendar.monthrange(year, month)[1])
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: use YYYY-MM-DD, YYYY-MM or YYYY"
        ) from None


def date_options() -> argparse.ArgumentParser:
    """--as-of and --known-as-of: the two clocks, shared by every command that scores."""
    clocks = argparse.ArgumentParser(add_help=False)
    clocks.add_argument(
        "--as-of",
        metavar="DATE",
        type=parse_date,
        help="score what had happened by DATE (default: today)",
    )
    clocks.add_argument(
        "--known-as-of",
        metavar="DATE",
        type=parse_date,
        help="score only the evidence committed to git by DATE: what was known then",
    )
    return clocks


def open_project(
    args: argparse.Namespace, *, progress: bool = True, paper: bool = True, facts: bool = True
):
    """The workspace a command works on: the work tree, or what git knew on --known-as-of.

    Data problems are not an error here: each command decides how to show them; but a
    command that needs the paper (`paper=True`) stops with exit 1, naming each line of
    `recommendations.toml` that keeps it from loading. `facts=False`: import and suggest,
    which need each file's identity only (`workspace.open_workspace`)."""
    from tracker.speed import leave
    from tracker.workspace import open_workspace

    root = project_root(args)
    known_as_of = getattr(args, "known_as_of", None)
    if known_as_of is not None:
        from tracker.git import gitops

        try:
            known = gitops.workspace_known_as_of(root, known_as_of)
        except gitops.GitError as err:  # no repository, nothing committed by then
            raise UsageError(str(err)) from None
        leave.keep(known)
        return known
    bar = LoadProgress() if progress else None
    try:
        ws = open_workspace(
            root, cache=not getattr(args, "no_cache", False), progress=bar, facts=facts
        )
    finally:
        if bar is not None:
            bar.close()
    leave.keep(ws)  # freed by the operating system when the command ends
    for note in ws.notes:
        say(note)
    if paper and ws.paper is None:
        from tracker.store.layout import RECOMMENDATIONS

        for problem in ws.problems:
            if problem.path == RECOMMENDATIONS and problem.is_error:
                say(problem.render())
        raise DataError(
            f"{RECOMMENDATIONS} does not load, and this command needs the paper: fix the "
            "lines above (tracker check lists every problem)"
        )
    return ws


class LoadProgress:
    """A progress bar on stderr for a long load (many files to read); silent otherwise."""

    THRESHOLD = 2000

    def __init__(self) -> None:
        self._bar = None
        self._task = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            if total < self.THRESHOLD or not sys.stderr.isatty():
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            self._bar = Progress(
                "reading evidence",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task("load", total=total)
        self._bar.update(self._task, completed=done)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
