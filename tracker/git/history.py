"""What git knows about the evidence: who assessed what, and how a recommendation's record grew.

Built on `gitops` (which runs git) and the store (which parses and validates): a commit's files
are read as blobs and parsed with the same `store.load_evidence_file` the work tree uses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from tracker import store
from tracker.domain.agreement import Rating
from tracker.domain.model import EvidenceItem, ItemFacts, Node
from tracker.git import gitops
from tracker.store import tomlfmt


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
    # Older than a shallow clone's history: `commit` is the boundary it is cut at, and who
    # wrote the block is not known here (`author` is empty).
    boundary: bool = False


UNKNOWN_AUTHOR = "(unknown)"


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


def blame_assessments(root: Path, evidence: store.EvidenceFile) -> list[AssessmentBlame]:
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
        # Lines older than a shallow clone's history carry the boundary commit, which changed
        # none of them: any line committed after it is the block's latest known change.
        known = [b for b in block if b.committed and not b.boundary]
        cut = [b for b in block if b.committed and b.boundary]
        latest = max(known, key=lambda b: b.time, default=None) or (cut[0] if cut else None)
        impact_line = lines.get(keys.get(("assessment", index, "impact"), -1))
        if impact_line is None or not impact_line.committed:
            impact_author = me
        elif impact_line.boundary:
            impact_author = UNKNOWN_AUTHOR
        else:
            impact_author = impact_line.author
        committed = None if uncommitted else latest
        boundary = committed is not None and committed.boundary
        result.append(
            AssessmentBlame(
                index=index,
                recommendation=assessment.recommendation,
                impact=assessment.impact,
                analyst=assessment.analyst,
                start_line=start,
                end_line=end,
                commit=committed.commit if committed else None,
                author="" if boundary else committed.author if committed else me,
                email="" if boundary or not committed else committed.email,
                date=None if boundary or not committed else committed.time,
                summary=committed.summary if committed else "(not committed yet)",
                impact_author=impact_author,
                boundary=boundary,
            )
        )
    return result


def _local_author(root: Path) -> str:
    """Uncommitted lines were written here: by whoever git would record as their author."""
    try:
        return gitops.identity(root)[0]
    except gitops.GitError:
        return "(not committed yet)"


def ratings(project: store.Project) -> list[Rating]:
    """Every assessment as a rating; a missing `analyst` falls back to git's author (blame)."""
    out: list[Rating] = []
    for evidence in project.iter_evidence():  # one pass: no item is kept
        blamed: list[AssessmentBlame] | None = None
        for index, assessment in enumerate(evidence.item.assessments):
            analyst, source = assessment.analyst, "field"
            if not analyst:
                if blamed is None:
                    try:
                        blamed = blame_assessments(project.root, evidence)
                    except (gitops.GitError, OSError, ValueError):
                        blamed = []
                analyst = blamed[index].impact_author if index < len(blamed) else UNKNOWN_AUTHOR
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
    action: str  # add | change | remove; holds: in a shallow clone's boundary commit
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
    # A shallow clone's boundary: it holds everything committed before it, and is credited
    # with none of it (`changes` say what it holds; no score before it is known).
    boundary: bool = False


class History(_Model):
    target: str
    kind: str  # recommendation | evidence
    entries: list[HistoryEntry]  # newest first
    scored: bool
    note: str = ""
    shallow: bool = False  # the history is cut at a shallow clone's boundary


SHALLOW_NOTE = (
    "this is a shallow clone: its history is cut at the commit marked 'history cut here', "
    "which holds everything committed before it; git fetch --unshallow gives the whole history"
)


def subtree(nodes: list[Node], node_id: str) -> set[str]:
    ids = {node_id}
    for node in nodes:  # parents come before children
        if node.parent in ids:
            ids.add(node.id)
    return ids


class _Parser:
    """Evidence blobs parsed once each, whatever commit they appear in; only those that can
    bear on the recommendations asked about are parsed at all."""

    def __init__(self, root: Path, ids: set[str]) -> None:
        self.root = root
        self.cache: dict[tuple[str, str], _Parsed | None] = {}
        self.needles = [i.encode("utf-8") for i in ids]

    def mentions(self, raw: bytes) -> bool:
        """Whether the blob can assess one of the ids: it names one (or hides names in escapes)."""
        return b"\\u" in raw or b"\\U" in raw or any(n in raw for n in self.needles)

    def parsed(self, rel: str, sha: str, raw: bytes | None) -> _Parsed | None:
        key = (rel, sha)
        if key not in self.cache:
            result = None
            if raw is not None and self.mentions(raw):
                loaded = store.load_evidence_file(
                    self.root, self.root / rel, raw, check_archive=False, rel=rel
                )
                if loaded.item is not None and loaded.facts is not None:
                    result = _Parsed(loaded.item, loaded.facts)
            self.cache[key] = result
        return self.cache[key]


@dataclass(frozen=True, slots=True)
class _Parsed:
    item: EvidenceItem
    facts: ItemFacts


class _State:
    """The evidence files bearing on the subtree at one commit, and their scoring, prepared
    once and scored at as many dates as asked (a commit's own, and its child's)."""

    __slots__ = ("files", "prepared")

    def __init__(self, files: dict[str, _Parsed] | None = None, prepared=None) -> None:
        self.files: dict[str, _Parsed] = files or {}
        self.prepared = prepared

    def copy(self) -> _State:
        return _State(dict(self.files), self.prepared)

    def set(self, path: str, parsed: _Parsed | None) -> None:
        if self.files.get(path) is parsed:
            return
        self.prepared = None
        if parsed is None:
            self.files.pop(path, None)
        else:
            self.files[path] = parsed


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
    """The scoring engine and its configuration, where they exist in this installation."""
    try:
        from tracker.domain import config, scoring
    except ImportError:
        return None
    needed = ("score_all", "prepare_facts", "canonical_order", "LoadedItems")
    if not all(hasattr(scoring, name) for name in needed) or not hasattr(config, "load_config"):
        return None
    return scoring, config


def _is_item_file(rel: str) -> bool:
    return rel.startswith(store.EVIDENCE_DIR + "/") and rel.endswith(".toml")


_REGULAR = ("100644", "100755")


class _Scorer:
    """The node's score at a state and a date, from the subtree's nodes and items alone (a
    node's score depends on nothing else)."""

    def __init__(self, project: store.Project, node_id: str, ids: set[str], engine) -> None:
        self.scoring, config_module = engine
        self.config, _ = config_module.load_config(project.root)
        self.nodes = [n for n in project.nodes if n.id in ids]
        self.node_id = node_id

    def __call__(self, state: _State, as_of: dt.date):
        scoring = self.scoring
        if state.prepared is None:
            parsed = list(state.files.values())
            order = scoring.canonical_order([p.facts for p in parsed])
            state.prepared = scoring.prepare_facts(
                [parsed[i].facts for i in order],
                scoring.LoadedItems([parsed[i].item for i in order]),
                self.config,
            )
        scores = scoring.score_all(
            self.nodes, [], as_of, self.config, detail=(), prepared=state.prepared
        )
        return scores.get(self.node_id)


def recommendation_history(
    project: store.Project, node_id: str, *, with_scores: bool = True
) -> History:
    """Every commit that added, changed or removed an assessment of `node_id` or its subtree,
    with the node's score just before and just after it (both on the commit's date).

    One `git log --raw` and one `git cat-file --batch`, whatever the number of commits: each
    commit's evidence is its first parent's with the commit's changes applied, walking parents
    before children, so no tree is listed and no git runs per commit.
    """
    root = project.root
    ids = subtree(project.nodes, node_id)
    commits = gitops.log(root, [store.EVIDENCE_DIR], history=True)
    wanted = [
        f.new_blob
        for c in commits
        for f in c.files
        if _is_item_file(f.path) and f.new_mode in _REGULAR
    ]
    blobs = gitops.read_objects(root, wanted)
    parser = _Parser(root, ids)
    engine = _scoring() if with_scores else None
    scorer = _Scorer(project, node_id, ids, engine) if engine is not None else None
    known = {c.commit for c in commits}
    children_left: dict[str, int] = {}
    for c in commits:
        if c.parents:
            children_left[c.parents[0]] = children_left.get(c.parents[0], 0) + 1
    states: dict[str, _State] = {}
    found: dict[str, HistoryEntry] = {}
    for c in _parents_first(commits):
        state = _parent_state(project, c, known, states, children_left, parser)
        merge = len(c.parents) > 1
        changes: list[ItemChange] = []
        updates: list[tuple[str, _Parsed | None]] = []
        for f in c.files:
            if not _is_item_file(f.path):
                continue
            after = None
            if f.status != "D" and f.new_mode in _REGULAR:
                after = parser.parsed(f.path, f.new_blob, blobs.get(f.new_blob))
            before = state.files.get(f.path)
            updates.append((f.path, after))
            old, new = (
                _relevant(before.item if before else None, ids),
                _relevant(after.item if after else None, ids),
            )
            if old == new or merge:  # a merge's changes are its branch's commits'
                continue
            action = "add" if not old else "remove" if not new else "change"
            either = after or before
            changes.append(
                ItemChange(
                    evidence_id=either.item.id if either else Path(f.path).stem,
                    path=f.path,
                    action="holds" if c.boundary else action,
                    detail=", ".join(_detail(old, new)),
                )
            )
        score_before = None
        if changes and scorer is not None and not c.boundary:
            score_before = scorer(state, c.date.date())
        for path, after in updates:
            state.set(path, after)
        if changes:
            score_after = scorer(state, c.date.date()) if scorer is not None else None
            found[c.commit] = _entry(c, changes, score_before, score_after)
        if children_left.get(c.commit, 0) > 0:
            states[c.commit] = state
    entries = [found[c.commit] for c in commits if c.commit in found]  # git's order: newest first
    note = ""
    if engine is None and with_scores:
        note = "scores not shown: tracker.domain.scoring is not available in this installation"
    shallow = any(c.boundary for c in commits)
    return History(
        target=node_id,
        kind="recommendation",
        entries=entries,
        scored=engine is not None,
        note=note,
        shallow=shallow,
    )


def _parents_first(commits: list[gitops.CommitInfo]) -> list[gitops.CommitInfo]:
    """The commits in an order where each comes after its parents (among those listed)."""
    by_id = {c.commit: c for c in commits}
    done: set[str] = set()
    order: list[gitops.CommitInfo] = []
    for start in reversed(commits):  # oldest first: most parents are done before they are met
        stack = [(start, False)]
        while stack:
            c, expanded = stack.pop()
            if c.commit in done:
                continue
            if expanded:
                done.add(c.commit)
                order.append(c)
                continue
            stack.append((c, True))
            stack.extend((by_id[p], False) for p in c.parents if p in by_id and p not in done)
    return order


def _parent_state(
    project: store.Project,
    c: gitops.CommitInfo,
    known: set[str],
    states: dict[str, _State],
    children_left: dict[str, int],
    parser: _Parser,
) -> _State:
    """The evidence at the commit's first parent: handed over when this is its last child
    (the common, linear case: no copy), copied when another child still needs it."""
    if not c.parents:
        return _State()  # a first commit, or a shallow clone's boundary
    parent = c.parents[0]
    if parent in states:
        children_left[parent] -= 1
        if children_left[parent] == 0:
            return states.pop(parent)
        return states[parent].copy()
    if parent in known:  # pragma: no cover - `_parents_first` walks parents first
        raise gitops.GitError(f"{c.commit[:10]} was reached before its parent", "failed")
    # A parent git did not list (it touched no evidence, and history was not rewritten past
    # it): read its tree once.
    files = [
        e
        for e in gitops.tree_files(project.root, parent)
        if _is_item_file(e.path) and e.mode in _REGULAR
    ]
    blobs = gitops.read_objects(project.root, [e.sha for e in files])
    state = _State()
    for e in files:
        state.set(e.path, parser.parsed(e.path, e.sha, blobs.get(e.sha)))
    states[parent] = state
    children_left[parent] -= 1
    if children_left[parent] == 0:
        return states.pop(parent)
    return state.copy()


def _entry(
    c: gitops.CommitInfo, changes: list[ItemChange], before=None, after=None
) -> HistoryEntry:
    """One commit's line in a history, with what it changed and the scores around it."""
    return HistoryEntry(
        commit=c.commit,
        author=c.author,
        email=c.email,
        date=c.date,
        subject=c.subject,
        changes=changes,
        score_before=getattr(before, "score", None),
        score_after=getattr(after, "score", None),
        status_before=getattr(before, "status", None),
        status_after=getattr(after, "status", None),
        boundary=c.boundary,
    )


def evidence_history(project: store.Project, evidence_id: str) -> History:
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
                action="holds"
                if c.boundary
                else {"A": "add", "D": "remove"}.get(f.status, "change"),
                detail="full text" if f.path.endswith(".txt") else "",
            )
            for f in c.files
            if Path(f.path).stem == evidence_id
        ]
        entries.append(_entry(c, changes))
    return History(
        target=evidence_id,
        kind="evidence",
        entries=entries,
        scored=False,
        shallow=any(c.boundary for c in commits),
    )
