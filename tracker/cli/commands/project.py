"""Starting a project for another paper: `tracker init` and `tracker guide`.

`init` writes a complete starting project (the paper with an example tree, the scoring
parameters, an empty `evidence/`, a README for the team, `.gitignore`), makes it a git
repository if it is not in one, and commits it. Every example value carries the placeholder
"(replace)", which `tracker check` warns about until it is gone. `guide` prints the encoding
guide that ships with tracker, since a pip user has no `docs/` folder.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tracker.cli import DataError, Exit, UsageError, add_command

GITIGNORE = "# tracker's load cache: rebuilt on demand, never shared\n.tracker-cache/\n"

CONFIG_HEADER = (
    "# Scoring parameters: the defaults, written out so a change is a reviewable diff.\n"
    "# What each one does: 'tracker guide' (section 5) and the method on the published page.\n\n"
)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = add_command(
        subparsers,
        "init",
        "Start a project for a paper: recommendations.toml with an example tree, tracker.toml, "
        "evidence/, a README, .gitignore, git, a first commit.",
        details="Every example value in recommendations.toml carries the placeholder\n"
        "'(replace)': 'tracker check' warns about each one left. How to encode the paper\n"
        "(the tree, ids, evidence, grades, publishing): 'tracker guide', which prints the\n"
        "guide shipped with tracker ('tracker guide --path': where it is).\n"
        "Refuses a folder that already holds a project.",
        examples=[
            "tracker init my-paper",
            'tracker init my-paper --title "A new foreign policy for Belarus" --year 2022 '
            "--month 12",
            "tracker init            # the current folder",
            "tracker guide           # then: how to encode the paper",
        ],
    )
    parser.add_argument(
        "dir",
        nargs="?",
        default=".",
        metavar="DIR",
        help="the folder (created if needed; default: the current folder)",
    )
    parser.add_argument("--title", help="the paper's title (default: a placeholder)")
    parser.add_argument("--year", type=int, help="the paper's year (default: this year)")
    parser.add_argument(
        "--month", type=int, choices=range(1, 13), metavar="1-12", help="the paper's month"
    )
    parser.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text (default) or json on stdout",
    )
    parser.set_defaults(run=run_init)

    parser = add_command(
        subparsers,
        "guide",
        "How to encode a paper and its evidence, and publish: the guide shipped with tracker.",
        details="Prints the guide (Markdown) to standard output; --path prints where the file\n"
        "is instead, to open it in an editor or a Markdown viewer.",
        examples=[
            "tracker guide | less",
            "tracker guide --path",
        ],
    )
    parser.add_argument("--path", action="store_true", help="print the guide's file path")
    parser.set_defaults(run=run_guide)


# --- guide -----------------------------------------------------------------------------------


def run_guide(args: argparse.Namespace) -> int:
    from tracker import guide

    if args.path:
        print(guide.path())
    else:
        sys.stdout.write(guide.text())
    return Exit.OK


# --- init ------------------------------------------------------------------------------------


def toml_string(value: str) -> str:
    """A value as a TOML string (escaped by the TOML writer, never by hand)."""
    import tomli_w

    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()


def skeleton(title: str | None, year: int, month: int | None = None) -> str:
    """A recommendations.toml that passes `tracker check` (with a warning per placeholder):
    the paper's data and an example tree of a section, two recommendations and a measure,
    each field explained where it stands."""
    month_line = f"month = {month}\n" if month else "# month = 12                     # optional\n"
    return f'''# The paper, encoded. Replace every "(replace)": 'tracker check' warns about each one
# left. One [[node]] per section, recommendation and measure, in the paper's order; how to
# cut a paper into them: 'tracker guide'. Ids are stable: never renumber or reuse them once
# evidence refers to them.
schema = 1

[paper]
title = {toml_string(title or "Title of the paper (replace)")}
authors = ["Author Name (replace)"]
publisher = "Publisher (replace)"
year = {year}
{month_line}# url = "https://..."            # optional: where the paper is published
language = "en"
summary = """
Two to four sentences on what the paper argues, in its own terms (replace)."""

# A section: one of the paper's headings over its recommendations (no parent).
[[node]]
id = "first-section"
kind = "section"
title = "First section: the paper's heading (replace)"

# A recommendation: a short title for tables and cards, the paper's own words in text.
[[node]]
id = "first-recommendation"
parent = "first-section"
kind = "recommendation"
title = "First recommendation: a short title (replace)"
text = """
The paper's own words for this recommendation, verbatim (replace)."""
importance = 1.0
search_terms = []  # what analysts search for, in every language the sources use

# A measure: a concrete step the paper names under a recommendation.
[[node]]
id = "first-measure"
parent = "first-recommendation"
kind = "measure"
title = "A concrete step under the first recommendation (replace)"
text = """
The paper's own words for this step (replace)."""

[[node]]
id = "second-recommendation"
parent = "first-section"
kind = "recommendation"
title = "Second recommendation: a short title (replace)"
text = """
The paper's own words for this recommendation, verbatim (replace)."""
'''


def config_text() -> str:
    """tracker.toml with every scoring parameter at its default, written out."""
    from tracker.domain.config import ScoringConfig
    from tracker.store.toml_write import dumps

    return CONFIG_HEADER + dumps({"scoring": ScoringConfig().model_dump(by_alias=True)})


def readme(title: str | None) -> str:
    """How the team works, for whoever joins later."""
    name = f"“{title}”" if title else "the paper"
    return f"""# Tracking {name}

This folder follows the recommendations of {name} with tracker: year after year,
whether reality moves toward or away from each of them, and why. Everything is plain text in
git: every change is reviewed, and every published page can be traced to the commit it was
made from.

## The files

- `recommendations.toml`: the paper (title, authors, date, summary) and its recommendations
  as a tree of sections, recommendations and measures.
- `tracker.toml`: the scoring parameters, defaults written out; change them in a commit of
  their own.
- `evidence/YYYY/ID.toml`: one piece of evidence each (a dated event, its source, a quote,
  the analysts' assessments), with the archived article beside it as `ID.txt`.
- `drafts/`: imported articles not yet assessed.

## Getting started

1. Read the guide once: `tracker guide` (or open the file `tracker guide --path` names).
2. Encode the paper in `recommendations.toml`: replace every `(replace)`, one `[[node]]` per
   section, recommendation and measure, in the paper's own words.
3. `tracker check` until it reports no errors and no placeholder left.
4. `tracker commit`.

## Every week

- Import an article: `tracker import URL` (or a file, or `-` to paste), complete the draft in
  `drafts/`, then `tracker draft promote ID`. Or use the workbench: `tracker`.
- `tracker check`, then `tracker commit`.

## Publishing

- The monitoring page: `tracker status -o status.html`.
- The quarterly briefing: `tracker changes --since 2025-07-01 --until 2025-09-30 -o briefing.html`
  (or `briefing.md`).
- Standing over time: `tracker history -o history.html`.

Each page is one self-contained file that opens offline and prints cleanly ("Save as PDF").
"""


def run_init(args: argparse.Namespace) -> int:
    from tracker.clock import today
    from tracker.git import gitops
    from tracker.store import layout as store
    from tracker.store.files import replace_file
    from tracker.workspace import open_workspace

    folder = Path(args.dir).resolve()
    if (folder / store.RECOMMENDATIONS).exists():
        raise UsageError(
            f"{folder} already holds a project ({store.RECOMMENDATIONS}); nothing was changed"
        )
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file, not a folder")
    existing = [p for p in (folder / store.EVIDENCE_DIR, folder / store.CONFIG) if p.exists()]
    if existing:
        raise UsageError(
            f"{existing[0]} already exists: this folder holds part of a project; "
            "nothing was changed"
        )
    probe = folder if folder.is_dir() else next(p for p in folder.parents if p.is_dir())
    try:
        gitops.run(probe, "--version")
        gitops.identity(probe)
    except gitops.GitError as err:
        raise _git_error(err) from None
    folder.mkdir(parents=True, exist_ok=True)
    year = args.year or today().year
    month = getattr(args, "month", None)
    files = [store.RECOMMENDATIONS, store.CONFIG, f"{store.EVIDENCE_DIR}/.gitkeep"]
    replace_file(folder / store.RECOMMENDATIONS, skeleton(args.title, year, month).encode())
    replace_file(folder / store.CONFIG, config_text().encode("utf-8"))
    (folder / store.EVIDENCE_DIR).mkdir()
    replace_file(folder / store.EVIDENCE_DIR / ".gitkeep", b"")
    if not (folder / "README.md").exists():  # a README already there is the team's own
        replace_file(folder / "README.md", readme(args.title).encode("utf-8"))
        files.append("README.md")
    ignore = folder / ".gitignore"
    if ignore.exists():
        text = ignore.read_text("utf-8")
        if ".tracker-cache/" not in text.split():
            replace_file(ignore, (text.rstrip("\n") + "\n" + GITIGNORE).encode("utf-8"))
    else:
        replace_file(ignore, GITIGNORE.encode("utf-8"))
    files.append(".gitignore")
    try:
        try:
            where = gitops.repo(folder)
            created = False
        except gitops.GitError:
            gitops.init(folder)
            where = gitops.repo(folder)
            created = True
        problems = open_workspace(folder, cache=False).errors
        if problems:  # pragma: no cover - the skeleton is tested to be valid
            raise DataError(
                "the skeleton does not pass tracker check: "
                + "; ".join(p.render() for p in problems)
            )
        specs = [f":(top,literal){where.to_git(f)}" for f in files]
        gitops.run(where.top, "add", "--", *specs)
        gitops.commit_files(  # the repository's hooks run, within the same timeout as commits
            where.top,
            specs,
            "tracker: start the project",
            timeout=gitops.hook_timeout(),
            before=gitops.head_commit(folder),
        )
        sha = gitops.head_commit(folder) or ""
    except gitops.GitError as err:
        raise _git_error(err) from None
    if args.format == "json":
        import json

        payload = {"root": str(folder), "commit": sha, "git_init": created, "files": files}
        print(json.dumps({"version": 1, **payload}, ensure_ascii=False, indent=2))
        return Exit.OK
    from tracker.textclean import visible_controls

    print(
        f"started a tracking project in {visible_controls(str(folder))}"
        + (" (new git repository)" if created else " (in the existing git repository)")
    )
    for name in files:
        print(f"  {name}")
    print(
        f"first commit {sha[:10]}\n\n"
        "next: read the guide ('tracker guide'), replace every '(replace)' in "
        f"{store.RECOMMENDATIONS} with the paper's own words, run 'tracker check' until no "
        "placeholder is left, then 'tracker commit'"
    )
    return Exit.OK


def _git_error(err) -> Exception:
    """A GitError as the CLI's exit codes see it: bad data is 1, everything else a usage error."""
    if err.kind == "invalid-data":
        return DataError(str(err))
    return UsageError(str(err))
