"""`tracker fmt`: every data file in the one canonical layout."""

from __future__ import annotations

import argparse

from tracker.cli import Exit, add_command, open_project


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = add_command(
        subparsers,
        "fmt",
        "Rewrite the paper and every evidence file in the canonical layout.",
        parents=[common],
        details="The layout tracker writes: keys in a fixed order, text with line breaks in\n"
        '""" blocks, nothing unset. One layout keeps every diff to what changed. Files that\n'
        "do not load (see 'tracker check') and files holding comments are left as they are\n"
        "and listed. --check changes nothing: it lists what would change and exits 1 if\n"
        "anything would (for CI and pre-commit).",
        examples=["tracker fmt", "tracker fmt --check", "tracker fmt --check --format json"],
    )
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a file would change"
    )
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tracker.textclean import visible_controls
    from tracker.workspace.fmt import format_files

    ws = open_project(args, paper=False)
    found = format_files(ws, check=args.check)
    changed = [f for f in found if f.state == "changes"]
    skipped = [f for f in found if f.state == "skipped"]
    if args.format == "json":
        import json

        print(
            json.dumps(
                {
                    "version": 1,
                    "check": args.check,
                    "changed": [f.rel for f in changed],
                    "skipped": [{"path": f.rel, "reason": f.reason} for f in skipped],
                    "files": len(found),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for f in changed:
            print(f"{'would reformat' if args.check else 'reformatted'} {visible_controls(f.rel)}")
        for f in skipped:
            print(f"left as it is: {visible_controls(f.rel)}: {f.reason}")
        outcome = "would be reformatted" if args.check else "reformatted"
        print(
            f"{len(changed)} file{'s' * (len(changed) != 1)} {outcome}, "
            f"{len(found) - len(changed) - len(skipped)} already canonical"
            + (f", {len(skipped)} left as they are" if skipped else "")
        )
    return Exit.DATA if args.check and changed else Exit.OK
