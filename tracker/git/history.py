"""What git knows about the evidence: who assessed what, and how a recommendation's record grew.

Built on `gitops` (which runs git) and the store (which parses and validates): a commit's files
are read as blobs and parsed with the same reader the work tree uses (`store.reader`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from tracker.domain.agreement import Rating
from tracker.domain.model import EvidenceItem, Node
from tracker.git import gitops
from tracker.store import layout as store
from tracker.store import reader
from tracker.store import toml_read as tomlfmt
from tracker.workspace import EvidenceFile, Workspace


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


# --- blame per assessment ----------------------------------------------------------------------


class AssessmentBlame(_Model):
    """The commit and author that last changed one [[assessment]] block."""

    index: int  # 0-based position in the file
    recommendation: str
    impact: int
    analyst: str | None  # the assessment's own `analyst` field
    start_line: int
    end_line: int
    commit: str | None  # None: the block has uncommitted changes
    author: str
    email: str
    date: dt.datetime | None
    summary: str
    impact_author: str  # who wrote the `impact` line: the rater, where `analyst` is missing


def _entry(c, changes: list) -> HistoryEntry:
    """One commit's line in a history, with what it changed."""
    return HistoryEntry(
        commit=c.commit,
        author=c.author,
        email=c.email,
        date=c.date,
        subject=c.subject,
        changes=changes,
    )


def assessment_ranges(text: str, count: int) -> list[tuple[int, int]]:
    """1-based inclusive line ranges of the file's [[assessment]] blocks, header to last line."""
    lines = tomlfmt.key_lines(text)
    body = text.splitlines()
    headers = sorted(line for line in lines.values() if body[line - 1].lstrip().startswith("["))
    total = len(body)
    ranges = []
    for index in range(count):
        start = lines.get(("assessment", index))
        if start is None:
            ranges.append((0, 0))
            continue
        end = next((h - 1 for h in headers if h > start), total)
        while end > start and not body[end - 1].strip():
            end -= 1
        ranges.append((start, end))
    return ranges


def blame_assessments(root: Path, evidence: EvidenceFile) -> list[AssessmentBlame]:
    path = root / evidence.path
    text = path.read_text("utf-8", errors="replace")
    item = evidence.item
    ranges = assessment_ranges(text, len(item.assessments))
    lines = {b.line: b for b in gitops.blame(root, evidence.path)}
    keys = tomlfmt.key_lines(text)
    me = _local_author(root)
    result = []
    for index, (assessment, (start, end)) in enumerate(zip(item.assessments, ranges, strict=True)):
        block = [lines[n] for n in range(start, end + 1) if n in lines]
        uncommitted = [b for b in block if not b.committed] or not block
        latest = max((b for b in block if b.committed), key=lambda b: b.time, default=None)
        impact_line = lines.get(keys.get(("assessment", index, "impact"), -1))
        if impact_line is None or not impact_line.committed:
            impact_author = me
        else:
            impact_author = impact_line.author
        committed = None if uncommitted else latest
        result.append(
            AssessmentBlame(
                index=index,
                recommendation=assessment.recommendation,
                impact=assessment.impact,
                analyst=assessment.analyst,
                start_line=start,
                end_line=end,
                commit=committed.commit if committed else None,
                author=committed.author if committed else me,
                email=committed.email if committed else "",
                date=committed.time if committed else None,
                summary=committed.summary if committed else "(not committed yet)",
                impact_author=impact_author,
            )
        )
    return result


def _local_author(root: Path) -> str:
    """Uncommitted lines were written here: by whoever git would record as their author."""
    try:
        return gitops.identity(root)[0]
    except gitops.GitError:
        return "(not committed yet)"


def ratings(project: Workspace) -> list[Rating]:
    """Every assessment as a rating; a missing `analyst` falls back to git's author (blame)."""
    out: list[Rating] = []
    for evidence in project.iter_items():  # one pass: no item is kept
        blamed: list[AssessmentBlame] | None = None
        for index, assessment in enumerate(evidence.item.assessments):
            analyst, source = assessment.analyst, "field"
            if not analyst:
                if blamed is None:
                    try:
                        blamed = blame_assessments(project.root, evidence)
                    except (gitops.GitError, OSError, ValueError):
                        blamed = []
                analyst = blamed[index].impact_author if index < len(blamed) else "(unknown)"
                source = "git"
            out.append(
                Rating(
                    evidence_id=evidence.item.id,
                    recommendation=assessment.recommendation,
                    analyst=analyst,
                    impact=assessment.impact,
                    analyst_source=source,
                )
            )
    return out


# --- history of a recommendation or an item -----------------------------------------------------


class ItemChange(_Model):
    evidence_id: str
    path: str
    action: str  # add | change | remove
    detail: str  # e.g. "reboot -1 → -2"


class HistoryEntry(_Model):
    commit: str
    author: str
    email: str
    date: dt.datetime
    subject: str
    changes: list[ItemChange]
    score_before: float | None = None
    score_after: float | None = None
    status_before: str | None = None
    status_after: str | None = None


class History(_Model):
    target: str
    kind: str  # recommendation | evidence
    entries: list[HistoryEntry]  # newest first
    scored: bool
    note: str = ""


def subtree(nodes: list[Node], node_id: str) -> set[str]:
    ids = {node_id}
    for node in nodes:  # parents come before children
        if node.parent in ids:
            ids.add(node.id)
    return ids


class _Parser:
    """Evidence blobs parsed once each, whatever commit they appear in."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cache: dict[str, EvidenceItem | None] = {}
        self.by_sha: dict[str, bytes | None] = {}

    def item(self, rel: str, raw: bytes | None) -> EvidenceItem | None:
        if raw is None:
            return None
        key = hashlib.sha256(rel.encode() + b"\0" + raw).hexdigest()
        if key not in self.cache:
            self.cache[key] = reader.evidence_from_bytes(None, rel, raw, check_archive=False).item
        return self.cache[key]


def _relevant(item: EvidenceItem | None, ids: set[str]) -> dict[tuple[str, str], int]:
    if item is None:
        return {}
    return {
        (a.recommendation, a.analyst or ""): a.impact
        for a in item.assessments
        if a.recommendation in ids
    }


def _fmt(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def _detail(before: dict[tuple[str, str], int], after: dict[tuple[str, str], int]) -> list[str]:
    parts = []
    for key in sorted(set(before) | set(after)):
        who = f" ({key[1]})" if key[1] else ""
        if key not in before:
            parts.append(f"{key[0]}{who} {_fmt(after[key])}")
        elif key not in after:
            parts.append(f"{key[0]}{who} {_fmt(before[key])} removed")
        elif before[key] != after[key]:
            parts.append(f"{key[0]}{who} {_fmt(before[key])} → {_fmt(after[key])}")
    return parts


def _scoring():
    """The scoring engine and the project's configuration reader."""
    from tracker.domain import scoring

    return scoring, reader


def recommendation_history(
    project: Workspace, node_id: str, *, with_scores: bool = True
) -> History:
    root = project.root
    ids = subtree(project.nodes, node_id)
    commits = gitops.log(root, [store.EVIDENCE_DIR])
    specs: list[tuple[str, str]] = []
    for c in commits:
        for f in c.files:
            if f.path.endswith(".toml"):
                specs.append((c.commit, f.path))
                if c.parents:
                    specs.append((c.parents[0], f.path))
    blobs = gitops.read_blobs(root, specs)
    parser = _Parser(root)
    entries: list[HistoryEntry] = []
    for c in commits:
        changes = []
        for f in c.files:
            if not f.path.endswith(".toml"):
                continue
            after_item = parser.item(f.path, blobs.get((c.commit, f.path)))
            before_item = (
                parser.item(f.path, blobs.get((c.parents[0], f.path))) if c.parents else None
            )
            before, after = _relevant(before_item, ids), _relevant(after_item, ids)
            if before == after:
                continue
            action = "add" if not before else "remove" if not after else "change"
            evidence_id = (
                (after_item or before_item).id
                if (after_item or before_item)
                else (Path(f.path).stem)
            )
            changes.append(
                ItemChange(
                    evidence_id=evidence_id,
                    path=f.path,
                    action=action,
                    detail=", ".join(_detail(before, after)),
                )
            )
        if changes:
            entries.append(_entry(c, changes))
    engine = _scoring() if with_scores else None
    note = ""
    if engine is None and with_scores:
        note = "scores not shown: tracker.domain.scoring is not available in this installation"
    if engine is not None and entries:
        entries = _add_scores(project, node_id, entries, commits, parser, engine)
    return History(
        target=node_id, kind="recommendation", entries=entries, scored=engine is not None, note=note
    )


def _items_at(
    root: Path, rev: str, parser: _Parser, memo: dict[str, list[EvidenceItem]]
) -> list[EvidenceItem]:
    if rev not in memo:
        files = [
            (sha, rel)
            for _, sha, rel in gitops.tree_files(root, rev)
            if rel.startswith(store.EVIDENCE_DIR + "/") and rel.endswith(".toml")
        ]
        missing = [sha for sha, _ in files if sha not in parser.by_sha]
        for sha, raw in gitops.read_objects(root, missing).items():
            parser.by_sha[sha] = raw
        items = [parser.item(rel, parser.by_sha.get(sha)) for sha, rel in files]
        memo[rev] = [i for i in items if i is not None]
    return memo[rev]


def _add_scores(project, node_id, entries, commits, parser, engine) -> list[HistoryEntry]:
    """Score before and after each commit, both on the commit's date: the move is the commit's."""
    scoring, config_reader = engine
    config = config_reader.read_config(project.root).config

    def score_items(items: list[EvidenceItem], as_of: dt.date):
        from tracker.domain.facts import facts_of

        records = [(item.id, facts_of(item)) for item in items]
        return scoring.Scorer(project.tree, records, config).scores(as_of, detail=())

    parents = {c.commit: (c.parents[0] if c.parents else None) for c in commits}
    memo: dict[str, list[EvidenceItem]] = {}
    out = []
    for entry in entries:
        as_of = entry.date.date()
        after = score_items(_items_at(project.root, entry.commit, parser, memo), as_of).get(node_id)
        parent = parents.get(entry.commit)
        before_items = _items_at(project.root, parent, parser, memo) if parent else []
        before = score_items(before_items, as_of).get(node_id)
        out.append(
            entry.model_copy(
                update={
                    "score_before": getattr(before, "score", None),
                    "score_after": getattr(after, "score", None),
                    "status_before": getattr(before, "status", None),
                    "status_after": getattr(after, "status", None),
                }
            )
        )
    return out


def evidence_history(project: Workspace, evidence_id: str) -> History:
    """The commits that touched an item's file (or its archived text), wherever it lived."""
    current = project.evidence_file(evidence_id)
    if current is not None:
        paths = [current.path, current.path[:-5] + ".txt"]
        commits = gitops.log(project.root, paths)
    else:
        commits = [
            c
            for c in gitops.log(project.root, [store.EVIDENCE_DIR])
            if any(Path(f.path).stem == evidence_id for f in c.files)
        ]
    entries = []
    for c in commits:
        changes = [
            ItemChange(
                evidence_id=evidence_id,
                path=f.path,
                action={"A": "add", "D": "remove"}.get(f.status, "change"),
                detail="full text" if f.path.endswith(".txt") else "",
            )
            for f in c.files
            if Path(f.path).stem == evidence_id
        ]
        entries.append(_entry(c, changes))
    return History(target=evidence_id, kind="evidence", entries=entries, scored=False)
