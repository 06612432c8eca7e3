"""Git commands: `commit`, `log`, `blame`, `agreement`. Thin shells over gitops/history.
(`init`, which starts a project, is in `project`.)"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from tracker.cli import DataError, Exit, UsageError, add_command, open_project, project_root
from tracker.textclean import visible_controls


def safe(text: object) -> str:
    """Names, ids, subjects and messages come from git and from data: every control character
    (an escape sequence's ESC, a bidirectional override) is shown as `\\xNN`, never obeyed."""
    return visible_controls(str(text))


# JSON escapes C0 controls itself; C1 controls and bidirectional overrides it would print raw.
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _json(payload: dict) -> None:
    text = json.dumps({"version": 1, **payload}, ensure_ascii=False, indent=2, default=str)
    print(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def _format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text (default) or json on stdout",
    )


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = add_command(
        subparsers,
        "commit",
        "Validate, then commit tracker's data files with a message written from what changed.",
        parents=[common],
        details="Stages only recommendations.toml, tracker.toml and evidence/ (never other files,\n"
        "even ones already staged) and refuses when 'tracker check' finds errors. Without -m,\n"
        "the message names each item and its assessments, e.g.\n"
        "  evidence: add 2025-09-15-kherson-saldo-visit (balance-west-east -2)\n"
        "Nothing changed: a message and exit 0, no empty commit. During a merge it concludes\n"
        "the merge, unless files other than data are staged (then finish it with git). On a\n"
        "detached HEAD it refuses unless --detached. The commit's hooks get\n"
        "TRACKER_GIT_TIMEOUT seconds (default 300), then git and they are stopped.\n"
        "Exit 1 when the data, git or a hook refused the commit; 2 for a wrong use.",
        examples=[
            "tracker commit                               # every pending data change",
            "tracker commit evidence/2025/2025-09-15-kherson-saldo-visit.toml",
            "tracker commit 2025-09-15-kherson-saldo-visit   # an evidence id works too",
            'tracker commit -m "Recalibrate after the team meeting"',
            "tracker commit --dry-run          # what would be committed, and the message",
        ],
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="data files or folders, or evidence ids (default: all pending)",
    )
    parser.add_argument("-m", "--message", help="the commit message (default: written for you)")
    parser.add_argument(
        "-n",
        "--dry-run",
        action="store_true",
        help="show what would be committed and the message; commit nothing",
    )
    parser.add_argument(
        "--detached",
        action="store_true",
        help="commit even on a detached HEAD (the commit will be on no branch)",
    )
    _format_option(parser)
    parser.set_defaults(run=run_commit)

    parser = add_command(
        subparsers,
        "log",
        "History from git: of a recommendation (its evidence, by whom, and how its score moved) "
        "or of an evidence item.",
        parents=[common],
        details="For a recommendation (measures included): every commit that added, changed or\n"
        "removed an assessment of it, with the score just before and just after that commit,\n"
        "both on the commit's date. For an evidence id: every commit that touched its file.\n"
        "Without an id: the commits that changed data files.",
        examples=[
            "tracker log balance-west-east",
            "tracker log 2025-09-15-kherson-saldo-visit",
            "tracker log -n 20",
            "tracker log balance-west-east --format json",
        ],
    )
    parser.add_argument("id", nargs="?", metavar="ID", help="a recommendation or evidence id")
    parser.add_argument("-n", "--max-count", type=int, metavar="N", help="at most N commits")
    _format_option(parser)
    parser.set_defaults(run=run_log)

    parser = add_command(
        subparsers,
        "blame",
        "Who last changed each assessment of an evidence item, and in which commit.",
        parents=[common],
        details="Each [[assessment]] block (header to last line) is traced with\n"
        "'git blame --line-porcelain'; the newest line decides. 'rater' is the author of the\n"
        "impact line, which 'tracker agreement' uses where the analyst field is missing.",
        examples=[
            "tracker blame 2025-09-15-kherson-saldo-visit",
            "tracker blame 2025-09-15-kherson-saldo-visit --format json",
        ],
    )
    parser.add_argument("evidence_id", metavar="EVIDENCE_ID")
    _format_option(parser)
    parser.set_defaults(run=run_blame)

    parser = add_command(
        subparsers,
        "agreement",
        "Inter-rater agreement (Krippendorff's alpha, interval level) where analysts assessed "
        "the same evidence.",
        parents=[common],
        details="A unit is one (evidence, recommendation); raters are the 'analyst' values\n"
        "(or, where missing, the git author of the assessment's impact line). Alpha is shown\n"
        "per recommendation (where two analysts overlap) and overall: 1 perfect, 0 chance,\n"
        "below 0 systematic disagreement; >= 0.8 reliable, 0.667-0.8 tentative.\n"
        "Then the widest gaps, and each pair of analysts' mean gap, to calibrate on.",
        examples=[
            "tracker agreement",
            "tracker agreement --top 20",
            "tracker agreement --format json",
        ],
    )
    parser.add_argument(
        "--top",
        type=int,
        default=10,
        metavar="N",
        help="list the N widest disagreements (default 10)",
    )
    _format_option(parser)
    parser.set_defaults(run=run_agreement)


# A wrong use of tracker or of its surroundings (exit 2); every other GitError means the data,
# git or a hook refused what was asked, rightly asked (exit 1).
USAGE_KINDS = frozenset({"missing", "not-a-repo", "no-identity", "not-data", "no-commit", "usage"})


def _git_error(err) -> Exception:
    """A GitError as the CLI's exit codes see it, its text (git's, a hook's) made inert."""
    message = safe(str(err))
    if err.kind in USAGE_KINDS:
        return UsageError(message)
    return DataError(message)


# --- commit ------------------------------------------------------------------------------------


def _resolve_paths(root: Path, names: list[str]) -> list[Path]:
    """Paths as given, or an evidence id's files when no such path exists."""
    from tracker.store import layout as store

    out: list[Path] = []
    for name in names:
        path = Path(name)
        if path.exists() or "/" in name or name.endswith(".toml"):
            out.append(path)
            continue
        matches = sorted((root / store.EVIDENCE_DIR).glob(f"*/{name}.toml"))
        if not matches:
            raise UsageError(f"{safe(name)}: no such file, and no evidence item with that id")
        out.extend([matches[0], matches[0].with_suffix(".txt")])
    return out


def run_commit(args: argparse.Namespace) -> int:
    from tracker.git import gitops

    root = project_root(args)
    paths = _resolve_paths(root, args.paths) if args.paths else None
    try:
        if args.dry_run:
            return _dry_run(root, paths, args)
        state = gitops.head_state(root)
        if state.detached and args.detached:  # said before committing, not after
            print(f"tracker: {safe(gitops.detached_message(state))}", file=sys.stderr)
        result = gitops.commit(root, paths, args.message, allow_detached=args.detached)
    except gitops.GitError as err:
        if err.kind == "nothing-to-commit":
            if args.format == "json":
                _json({"committed": False, "reason": str(err)})
            else:
                print(f"tracker: {safe(err)}", file=sys.stderr)
            return Exit.OK
        raise _git_error(err) from None
    if args.format == "json":
        _json({"committed": True, **result.model_dump()})
        return Exit.OK
    where = f" on {safe(result.branch)}" if result.branch else " on no branch (detached HEAD)"
    first = " (the repository's first commit)" if result.root_commit else ""
    merge = " (concluding the merge)" if result.merge else ""
    subject = safe(result.message.splitlines()[0])
    print(f"committed {result.commit[:10]}{where}{first}{merge}: {subject}")
    for path in result.files:
        print(f"  {safe(path)}")
    return Exit.OK


def _dry_run(root: Path, paths: list[Path] | None, args: argparse.Namespace) -> int:
    from tracker.git import gitops

    changes = gitops.pending_changes(root)
    if paths:
        wanted = [gitops.data_rel(root.resolve(), p) for p in paths]
        if "" not in wanted:
            changes = [
                c
                for c in changes
                if any(c.path == w or c.path.startswith(w.rstrip("/") + "/") for w in wanted)
            ]
    message = args.message or (gitops.default_message(root, changes) if changes else "")
    state = gitops.head_state(root)
    if args.format == "json":
        _json(
            {
                "changes": [c.model_dump() for c in changes],
                "message": message,
                "branch": state.branch,
                "operation": state.operation,
            }
        )
        return Exit.OK
    if state.detached:
        print(f"note: {safe(gitops.detached_message(state))}")
    elif state.operation:
        print(f"note: a {state.operation} is in progress")
    if not changes:
        print("nothing to commit: tracker's data files are as in the last commit")
        return Exit.OK
    for change in changes:
        print(f"  {change.status:<8} {safe(change.path)}")
    print("\nmessage:\n" + "\n".join("  " + safe(line) for line in message.splitlines()))
    return Exit.OK


# --- log ---------------------------------------------------------------------------------------


def _did_you_mean(value: str, known: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"


def run_log(args: argparse.Namespace) -> int:
    from tracker.git import gitops, history

    project = open_project(args, progress=False, paper=False)
    try:
        if args.id is None:
            commits = gitops.log(project.root, max_count=args.max_count)
            return _print_commits(commits, args)
        if project.node(args.id) is not None:
            result = history.recommendation_history(project, args.id, limit=args.max_count)
        elif project.evidence_file(args.id) is not None or args.id[:4].isdigit():
            result = history.evidence_history(project, args.id)
        else:
            known = [n.id for n in project.nodes] + [r.facts.id for r in project.records]
            raise UsageError(
                f"{safe(args.id)}: no recommendation or evidence item has this id"
                + safe(_did_you_mean(args.id, known))
            )
    except gitops.GitError as err:
        raise _git_error(err) from None
    entries = result.entries[: args.max_count] if args.max_count else result.entries
    if args.format == "json":
        _json(
            {
                **result.model_dump(mode="json"),
                "entries": [e.model_dump(mode="json") for e in entries],
            }
        )
        return Exit.OK
    title = ""
    if result.kind == "recommendation":
        node = project.node(args.id)
        title = f" — {node.title}" if node else ""
    print(f"history of {result.kind} {safe(result.target)}{safe(title)}")
    if not entries:
        print(
            "  no commits yet"
            + (" touch its evidence" if result.kind == "recommendation" else " touch this item")
        )
    for entry in entries:
        when = entry.date.date().isoformat()
        if entry.boundary:
            print(f"{entry.commit[:10]}  {when}  {CUT_HERE}")
        else:
            print(f"{entry.commit[:10]}  {when}  {safe(entry.author)}  {safe(entry.subject)}")
        if result.scored:
            moved = f"score {_score(entry.score_before)} → {_score(entry.score_after)}"
            status = ""
            if entry.status_before != entry.status_after:
                status = f", {entry.status_before or '—'} → {entry.status_after or '—'}"
            print(f"    {moved}{status}")
        for change in entry.changes:
            detail = f": {change.detail}" if change.detail else ""
            print(f"    {change.action} {safe(change.evidence_id)}{safe(detail)}")
    if result.note:
        print(f"note: {result.note}")
    if result.shallow:
        print(f"note: {history.SHALLOW_NOTE}")
    return Exit.OK


# A shallow clone's boundary commit seems to add everything before it: it is credited with none.
CUT_HERE = "history cut here (shallow clone): holds everything committed before it"


def _print_commits(commits, args: argparse.Namespace) -> int:
    from tracker.git import history

    if args.format == "json":
        _json({"commits": [c.model_dump(mode="json") for c in commits]})
        return Exit.OK
    if not commits:
        print("no commits of data files yet (tracker commit makes the first)")
    for c in commits:
        when = c.date.date().isoformat()
        if c.boundary:
            print(f"{c.commit[:10]}  {when}  {CUT_HERE}")
        else:
            print(f"{c.commit[:10]}  {when}  {safe(c.author)}  {safe(c.subject)}")
    if any(c.boundary for c in commits):
        print(f"note: {history.SHALLOW_NOTE}")
    return Exit.OK


# --- blame -------------------------------------------------------------------------------------


def run_blame(args: argparse.Namespace) -> int:
    from tracker.git import gitops, history

    project = open_project(args, progress=False, paper=False)
    evidence = project.evidence_file(args.evidence_id)
    if evidence is None:
        raise UsageError(
            f"{safe(args.evidence_id)}: no such evidence item"
            + safe(_did_you_mean(args.evidence_id, [r.facts.id for r in project.records]))
        )
    try:
        blamed = history.blame_assessments(project.root, evidence)
    except gitops.GitError as err:
        raise _git_error(err) from None
    if args.format == "json":
        _json(
            {
                "evidence_id": evidence.item.id,
                "path": evidence.path,
                "assessments": [b.model_dump(mode="json") for b in blamed],
            }
        )
        return Exit.OK
    print(f"{safe(evidence.path)}  {safe(evidence.item.title)}")
    for b in blamed:
        who = f"analyst {safe(b.analyst)}" if b.analyst else "no analyst field"
        print(
            f"  [[assessment]] {b.index + 1}, lines {b.start_line}-{b.end_line}: "
            f"{safe(b.recommendation)} {b.impact:+d} ({who})"
        )
        if b.commit is None:
            print(f"    not committed yet (rater: {safe(b.impact_author)})")
        elif b.boundary:
            print(
                f"    older than this shallow clone's history (cut at {b.commit[:10]}): "
                "who wrote it is not known here; git fetch --unshallow tells"
            )
        else:
            when = b.date.date().isoformat() if b.date else ""
            print(
                f"    {b.commit[:10]}  {when}  {safe(b.author)} <{safe(b.email)}>  "
                f"{safe(b.summary)}"
            )
            if b.impact_author != b.author:
                print(f"    impact line by {safe(b.impact_author)}")
    return Exit.OK


# --- agreement ---------------------------------------------------------------------------------


def _alpha(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.3f}"


def run_agreement(args: argparse.Namespace) -> int:
    from tracker.domain import agreement
    from tracker.git import history

    project = open_project(args, progress=False, paper=False)
    ratings = history.ratings(project)
    report = agreement.agreement(ratings, top=max(args.top, 0))
    if args.format == "json":
        _json(
            report.model_dump(mode="json")
            | {"disagreements": [d.model_dump() | {"gap": d.gap} for d in report.disagreements]}
        )
        return Exit.OK
    from_git = sum(1 for r in ratings if r.analyst_source == "git")
    print(
        f"{report.ratings} assessments by {len(report.analysts)} analyst"
        f"{'s' * (len(report.analysts) != 1)}: {', '.join(safe(a) for a in report.analysts)}"
        + (f" ({from_git} attributed by git author)" if from_git else "")
    )
    overall = report.overall
    print(
        f"overall alpha (interval): {_alpha(overall.alpha)} over {overall.units} shared "
        f"unit{'s' * (overall.units != 1)}" + (f" — {overall.note}" if overall.note else "")
    )
    if not overall.units:
        print(
            "To measure agreement, have two analysts assess the same evidence for the same\n"
            'recommendation, each with their own analyst = "…" field.'
        )
        return Exit.OK
    print("\nper recommendation:")
    for rec in report.by_recommendation:
        note = f"  ({rec.note})" if rec.note else ""
        print(
            f"  {safe(rec.recommendation):<40} alpha {_alpha(rec.alpha):>9}  "
            f"{rec.units} unit{'s' * (rec.units != 1)}{note}"
        )
    if report.disagreements:
        print("\nwidest disagreements:")
        for d in report.disagreements:
            print(
                f"  gap {d.gap}  {safe(d.evidence_id)} → {safe(d.recommendation)}: "
                f"{safe(d.analyst_a)} {d.impact_a:+d}, {safe(d.analyst_b)} {d.impact_b:+d}"
            )
    if report.analyst_pairs:
        print("\nanalyst pairs (mean gap over shared units; signed: first minus second):")
        for p in report.analyst_pairs:
            print(
                f"  {safe(p.analyst_a)} / {safe(p.analyst_b)}: {p.mean_abs_gap:.2f} "
                f"(signed {p.mean_signed_gap:+.2f}) over {p.shared_units} unit"
                f"{'s' * (p.shared_units != 1)}"
            )
    return Exit.OK
