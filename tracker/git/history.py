"""What git knows about the evidence: who assessed what, and how a recommendation's record grew.

Built on `gitops` (which runs git) and the store (which parses and validates): a commit's files
are read as blobs and parsed with the same reader the work tree uses (`store.reader`).
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from pydantic import BaseModel, ConfigDict

from tracker.domain.agreement import Rating
from tracker.domain.facts import ItemFacts
from tracker.domain.model import EvidenceItem, Node
from tracker.git import gitops
from tracker.store import layout as store
from tracker.store import reader
from tracker.store import toml_read as tomlfmt
from tracker.workspace import EvidenceFile, Workspace

if TYPE_CHECKING:
    from tracker.domain.scoring.running import Standings


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
                loaded = reader.evidence_from_bytes(None, rel, raw, check_archive=False)
                if loaded.item is not None and loaded.facts is not None:
                    result = _Parsed(loaded.item, loaded.facts)
            self.cache[key] = result
        return self.cache[key]


class _Versions:
    """Versions of evidence files by (path, blob): the blobs read from git in one batch, each
    parsed once, and only where it can bear on the subtree."""

    def __init__(self, root: Path, ids: set[str]) -> None:
        self.root = root
        self.parser = _Parser(root, ids)
        self.blobs: dict[str, bytes | None] = {}

    def read(self, shas: list[str]) -> None:
        missing = [sha for sha in shas if sha not in self.blobs]
        self.blobs.update(gitops.read_objects(self.root, missing))

    def __call__(self, path: str, sha: str, mode: str) -> _Parsed | None:
        if mode not in _REGULAR:
            return None
        return self.parser.parsed(path, sha, self.blobs.get(sha))


@dataclass(slots=True, eq=False)
class _Parsed:
    """One version of an evidence file, parsed; with its scoring readings once ranked."""

    item: EvidenceItem
    facts: ItemFacts
    readings: dict[str, list] | None = None  # by node, ranked among every version (`_Scorer`)


class _State:
    """The evidence files bearing on the subtree at one commit, with their readings by node
    kept in canonical order as files change (each list replaced, never changed in place, so
    copies share them) and in running sums (`Standings`) that give a date's figures in time
    proportional to what changed; and their exact scoring prepared once for as many dates as
    asked, where the running sums cannot say."""

    __slots__ = ("by_node", "files", "prepared", "standings", "unranked")

    def __init__(self, standings: Standings | None = None) -> None:
        self.files: dict[str, _Parsed] = {}
        self.by_node: dict[str, list] = {}
        self.unranked = 0  # files whose readings are not ranked: prepared from scratch
        self.prepared = None
        self.standings = standings

    def copy(self) -> _State:
        twin = _State(self.standings.copy() if self.standings is not None else None)
        twin.files = dict(self.files)
        twin.by_node = dict(self.by_node)
        twin.unranked = self.unranked
        twin.prepared = self.prepared
        return twin

    def set(self, path: str, parsed: _Parsed | None) -> None:
        old = self.files.get(path)
        if old is parsed:
            return
        self.prepared = None
        if old is not None:
            self._readings(old, add=False)
            del self.files[path]
        if parsed is not None:
            self.files[path] = parsed
            self._readings(parsed, add=True)

    def _readings(self, parsed: _Parsed, *, add: bool) -> None:
        if parsed.readings is None:
            self.unranked += 1 if add else -1
            return
        running = self.standings
        for node, readings in parsed.readings.items():
            changed = list(self.by_node.get(node, ()))
            for reading in readings:
                if add:
                    bisect.insort(changed, reading, key=_rank_of)
                    if running is not None:
                        running.add(reading)
                    continue
                if running is not None:
                    running.remove(reading)
                at = bisect.bisect_left(changed, reading.rank, key=_rank_of)
                while at < len(changed) and changed[at] is not reading:
                    at += 1
                if at < len(changed):
                    del changed[at]
            self.by_node[node] = changed


def _rank_of(reading) -> int:
    return reading.rank


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
    """The scoring engine (`tracker.domain.scoring`) and the project's configuration reader."""
    from tracker.domain import scoring

    return scoring, reader


def _is_item_file(rel: str) -> bool:
    return rel.startswith(store.EVIDENCE_DIR + "/") and rel.endswith(".toml")


_REGULAR = ("100644", "100755")


class _Score(NamedTuple):
    score: float
    status: str


class _Scorer:
    """The node's standing and status at a state and a date, from the subtree's nodes and
    items alone (a node's figures depend on nothing else).

    Each version of an item is turned into readings once, ranked in one canonical order
    across every version (by date, then id, then the whole facts: `canonical_order`'s), so
    any set of them is in canonical order as it is; a state's readings are then assembled
    from its files' readings, never recomputed from the items."""

    def __init__(self, project: Workspace, node_id: str, ids: set[str], engine) -> None:
        from tracker.domain.tree import Tree

        self.scoring, config_reader = engine
        self.config = config_reader.read_config(project.data).config
        self.tree = Tree.of([n for n in project.tree.in_order() if n.id in ids])
        self.node_id = node_id
        self.ids = ids

    def rank(self, versions: list[_Parsed]) -> None:
        from tracker.domain.scoring.readings import build_readings

        order = sorted(versions, key=lambda p: (p.facts.midpoint, p.facts.id, repr(p.facts)))
        for rank, parsed in enumerate(order):
            alone = build_readings([parsed.facts], self.config)
            parsed.readings = {
                node: [dataclasses.replace(r, rank=rank) for r in readings]
                for node, readings in alone.items()
                if node in self.ids
            }

    def _prepare(self, state: _State):
        from tracker.domain.scoring.engine import Readings
        from tracker.domain.scoring.readings import build_readings, canonical_order

        if not state.unranked:
            return Readings({node: rs for node, rs in state.by_node.items() if rs})
        parsed = list(state.files.values())
        order = canonical_order([p.facts for p in parsed])
        return Readings(build_readings([parsed[i].facts for i in order], self.config))

    def state(self) -> _State:
        """An empty state whose running sums follow this subtree."""
        from tracker.domain.scoring.running import Standings

        return _State(Standings(self.tree, self.config))

    def __call__(self, state: _State, as_of: dt.date) -> _Score | None:
        """The node at `as_of`: from the state's running sums where they can say it (their
        figures are `levels`' to the last bits, and far from every edge), else from `levels`."""
        from tracker.domain.scoring.running import Unsteady

        running = state.standings
        if running is not None and not state.unranked:
            try:
                figures = running.at(as_of).get(self.node_id)
            except Unsteady:
                state.standings = None  # its sums are gone: exact figures from now on
            else:
                if not running.near:
                    return None if figures is None else _Score(figures.standing, figures.status)
        return self.exact(state, as_of)

    def exact(self, state: _State, as_of: dt.date) -> _Score | None:
        from tracker.domain.scoring import engine

        if state.prepared is None:
            state.prepared = self._prepare(state)
        start = as_of - dt.timedelta(days=self.config.window_days)
        level = engine.levels(self.tree, state.prepared, as_of, start, self.config).get(
            self.node_id
        )
        return None if level is None else _Score(level.standing, level.status)


def recommendation_history(
    project: Workspace,
    node_id: str,
    *,
    with_scores: bool = True,
    limit: int | None = None,
) -> History:
    """Every commit that added, changed or removed an assessment of `node_id` or its subtree
    (newest first; the newest `limit` of them), with the node's score just before and just
    after it (both on the commit's date).

    One `git log --raw` and one `git cat-file --batch`, whatever the number of commits. What a
    commit changed comes from the blobs on either side of its diff. Its scores come from its
    evidence: its first parent's with the commit's changes applied, walking parents before
    children, so no tree is listed and no git runs per commit; only the entries kept are scored.
    """
    root = project.root
    ids = subtree(project.nodes, node_id)
    commits = gitops.log(root, [store.EVIDENCE_DIR], history=True)
    files = {c.commit: [f for f in c.files if _is_item_file(f.path)] for c in commits}
    version = _Versions(root, ids)
    version.read(
        [
            sha
            for changed in files.values()
            for f in changed
            for sha, mode in ((f.old_blob, f.old_mode), (f.new_blob, f.new_mode))
            if mode in _REGULAR
        ]
    )

    found: dict[str, HistoryEntry] = {}
    for c in commits:  # newest first
        if len(c.parents) > 1:
            continue  # a merge's changes are its branch's commits'
        changes = []
        for f in files[c.commit]:
            before = version(f.path, f.old_blob, f.old_mode)
            after = version(f.path, f.new_blob, f.new_mode)
            old = _relevant(before.item if before else None, ids)
            new = _relevant(after.item if after else None, ids)
            if old == new:
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
        if changes:
            found[c.commit] = _entry(c, changes)
            if limit is not None and len(found) >= limit:
                break
    engine = _scoring() if with_scores else None
    if engine is not None and found:
        scores = _scores(project, node_id, ids, engine, commits, files, set(found), version)
        by_id = {c.commit: c for c in commits}
        for sha, (before, after) in scores.items():
            found[sha] = _entry(by_id[sha], found[sha].changes, before, after)
    entries = [found[c.commit] for c in commits if c.commit in found]  # git's order
    note = ""
    if engine is None and with_scores:
        note = "scores not shown: tracker.domain.scoring is not available in this installation"
    return History(
        target=node_id,
        kind="recommendation",
        entries=entries,
        scored=engine is not None,
        note=note,
        shallow=any(c.boundary for c in commits),
    )


def _scores(
    project: Workspace,
    node_id: str,
    ids: set[str],
    engine,
    commits: list[gitops.CommitInfo],
    files: dict[str, list[gitops.FileStatus]],
    wanted: set[str],
    version: _Versions,
) -> dict[str, tuple]:
    """(score before, score after) of each commit in `wanted`, by walking every commit's
    evidence parents first: a state is handed from a parent to its last child, copied for
    the others, and dropped once no child needs it."""
    scorer = _Scorer(project, node_id, ids, engine)
    scorer.rank(
        [
            p
            for p in {
                (f.path, f.new_blob): version(f.path, f.new_blob, f.new_mode)
                for changed in files.values()
                for f in changed
            }.values()
            if p is not None
        ]
    )
    known = {c.commit for c in commits}
    children_left: dict[str, int] = {}
    for c in commits:
        if c.parents:
            children_left[c.parents[0]] = children_left.get(c.parents[0], 0) + 1
    states: dict[str, _State] = {}
    out = {}
    for c in _parents_first(commits):
        state = _parent_state(project, c, known, states, children_left, version, scorer)
        scored = c.commit in wanted
        when = c.date.date()
        before = scorer(state, when) if scored and not c.boundary else None
        for f in files[c.commit]:
            state.set(f.path, version(f.path, f.new_blob, f.new_mode))
        if scored:
            out[c.commit] = (before, scorer(state, when))
            if len(out) == len(wanted):
                break
        if children_left.get(c.commit, 0) > 0:
            states[c.commit] = state
    return out


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
    project: Workspace,
    c: gitops.CommitInfo,
    known: set[str],
    states: dict[str, _State],
    children_left: dict[str, int],
    version: _Versions,
    scorer: _Scorer,
) -> _State:
    """The evidence at the commit's first parent: handed over when this is its last child
    (the common, linear case: no copy), copied when another child still needs it."""
    if not c.parents:
        return scorer.state()  # a first commit, or a shallow clone's boundary
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
    entries = [
        e
        for e in gitops.tree_files(project.root, parent)
        if _is_item_file(e.path) and e.mode in _REGULAR
    ]
    version.read([e.sha for e in entries])
    state = scorer.state()
    for e in entries:
        state.set(e.path, version(e.path, e.sha, e.mode))
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
