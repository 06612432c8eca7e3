"""`tracker check`: the compiler for the data."""

from __future__ import annotations

import argparse

from tracker.cli import Exit, add_command, open_project


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = add_command(
        subparsers,
        "check",
        "Validate every data file; print one 'path:line: message' line per problem.",
        parents=[common],
        details="Checks syntax, types and ranges, ids and references, dates, duplicate URLs,\n"
        "the evidence/ layout, merge-conflict leftovers, and archived copies (hash and quote).\n"
        "Exit status: 0 clean (warnings allowed), 1 problems in the data, 2 wrong usage.",
        examples=[
            "tracker check",
            "tracker check --format json > findings.json",
            "tracker check --no-cache      # a cold run, reading every file",
            "tracker check -q || echo 'fix the data first'",
        ],
    )
    parser.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text (default) or json on stdout",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary line when clean")
    parser.add_argument(
        "--codes", action="store_true", help="list every finding's code and what it means"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.codes:
        from tracker.domain.problems import CODES

        width = max(len(code) for code in CODES)
        for code, meaning in CODES.items():
            print(f"{code:<{width}}  {meaning}")
        return Exit.OK
    from tracker.textclean import visible_controls

    project = open_project(args, paper=False)
    problems = sorted(project.problems, key=lambda p: (p.path, p.line or 0, p.message))
    errors = [p for p in problems if p.severity == "error"]
    warnings = len(problems) - len(errors)
    if args.format == "json":
        import json

        print(
            json.dumps(
                {
                    "version": 1,
                    "root": str(project.root),
                    "ok": not errors,
                    "errors": len(errors),
                    "warnings": warnings,
                    "problems": [p.as_dict() for p in problems],
                    "files": project.evidence_count + 1,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for problem in problems:
            print(visible_controls(problem.render()))
        summary = (
            f"{len(errors)} error{'s' * (len(errors) != 1)}, "
            f"{warnings} warning{'s' * (warnings != 1)} in "
            f"{project.evidence_count} evidence items and {len(project.nodes)} recommendations"
        )
        if problems or not args.quiet:
            print(("ok: " if not errors else "") + summary)
    return Exit.DATA if errors else Exit.OK
