"""The workspace: one project, opened once, and everything the faces ask of it.

The command line, the workbench and the tests all go through a `Workspace`: open a project
(from the work tree, or as git knew it on a date), its findings, the scores at a date, an
explanation, a candidate item checked exactly as `tracker check` would check it, and saving,
deleting, importing and promoting. Load, configuration, checks and scoring happen here once;
commands and screens only present what it returns.

It holds each evidence file's facts (what checks and scores need), not the items: an item is
read from its file when something shows it, so 100,000 items cost megabytes, not a gigabyte.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from tracker.clock import today as clock_today
from tracker.domain import checks
from tracker.domain.config import ScoringConfig
from tracker.domain.facts import ItemFacts
from tracker.domain.model import EvidenceItem, Node, Paper
from tracker.domain.problems import Code, Problem
from tracker.domain.tree import Tree
from tracker.errors import DataError
from tracker.store import layout, reader, writer
from tracker.store.files import FileChangedError
from tracker.store.listing import list_evidence
from tracker.store.toml_read import key_lines, line_of

if TYPE_CHECKING:
    from tracker.domain.scoring import NodeScore, Scorer

Progress = Callable[[int, int], None]


class Record(NamedTuple):
    """An evidence file that yields an item: where, the sha256 read, and its facts (a tuple:
    a project holds 100,000 of them, and a frozen dataclass takes twice as long to make).
    A workspace opened without facts (`open_workspace(facts=False)`) keeps None there."""

    path: str
    sha256: str
    facts: ItemFacts


@dataclass(frozen=True)
class EvidenceFile:
    """An item as read from its file: what the evidence screen and the form work on, with the
    sha256 an edit is checked against."""

    item: EvidenceItem
    path: str
    sha256: str


class Row(NamedTuple):
    """One assessment of one item: a line of a node's timeline."""

    date: dt.date
    evidence_id: str
    path: str
    node_id: str
    impact: int


@dataclass
class ImportResult:
    """What `Workspace.import_article` found and did."""

    article: Any
    candidates: list
    suggestions: list
    draft: Any
    path: str | None  # the draft written, or None (a dry run, or already imported)
    already: Any = None  # the evidence or draft that is this very source (SameEventCandidate)


@dataclass
class Workspace:
    root: Path  # the project (git, commands, display)
    data: Path  # where its files are read (the root, or a rebuilt past tree)
    paper: Paper | None
    nodes: list[Node]
    tree: Tree
    config: ScoringConfig
    settings: dict[str, Any]  # the whole tracker.toml, for the tables other parts own
    records: list[Record]
    problems: list[Problem]
    today: dt.date
    paper_sha256: str | None = None
    notes: list[str] = field(default_factory=list)  # what opening did (a save it finished)
    cache: bool = True
    load_stats: Any = None  # what the speed layer did (tracker.speed.loader.LoadStats)
    finished: list[str] = field(default_factory=list)  # interrupted changes opening finished
    _scorer: Scorer | None = field(default=None, repr=False)
    _by_id: dict[str, Record] | None = field(default=None, repr=False)
    _by_path: dict[str, Record] | None = field(default=None, repr=False)
    _keep: Any = field(default=None, repr=False)  # a temporary folder this workspace reads
    _similarity: Any = field(default=None, repr=False)
    _files_of: tuple[list[Record], str] | None = field(default=None, repr=False)
    _nodes_index: Any = field(default=None, repr=False)
    facts_loaded: bool = True  # False: opened for import and suggest (identities, no facts)
    remembers: bool = False  # scores are remembered between runs (the speed layer's memo)

    # --- findings ---------------------------------------------------------------------------

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def node(self, node_id: str) -> Node | None:
        return self.tree.nodes.get(node_id)

    # --- evidence ---------------------------------------------------------------------------

    @property
    def evidence_count(self) -> int:
        return len(self.records)

    def record(self, evidence_id: str) -> Record | None:
        if self._by_id is None:
            self._by_id = {}
            for r in self.records:
                # Without facts, the id is the file's name (`tracker check` holds them equal).
                key = r.facts.id if self.facts_loaded else r.path.rsplit("/", 1)[-1][:-5]
                self._by_id.setdefault(key, r)
        return self._by_id.get(evidence_id)

    def record_at(self, path: str) -> Record | None:
        if self._by_path is None:
            self._by_path = {r.path: r for r in self.records}
        return self._by_path.get(path)

    def read(self, path: str) -> EvidenceFile:
        """An item read afresh from its file (validated); FileChangedError when it no longer
        yields one."""
        result = reader.read_evidence(self.data, path, check_archive=False)
        if result.item is None:
            raise FileChangedError(
                f"{path} changed since tracker read it and no longer holds a valid item: "
                "run 'tracker check'"
            )
        return EvidenceFile(result.item, path, result.sha256)

    def evidence_file(self, evidence_id: str) -> EvidenceFile | None:
        found = self.record(evidence_id)
        if found is None:
            return None
        try:
            return self.read(found.path)
        except FileChangedError:
            return None

    def items(self, paths: Sequence[str]) -> dict[str, EvidenceItem]:
        """The items of these files, read from disk (what an explanation shows)."""
        out: dict[str, EvidenceItem] = {}
        for path in dict.fromkeys(paths):
            out[path] = self.read(path).item
        return out

    def iter_items(self) -> Iterator[EvidenceFile]:
        """Every item in load order, read one by one and not kept."""
        for record in self.records:
            try:
                yield self.read(record.path)
            except FileChangedError:
                continue

    def archive_text(self, path: str) -> str | None:
        return reader.read_archive_text(self.data, path)

    def timeline(self, node_id: str) -> list[Row]:
        """Every assessment of the node, newest first."""
        rows = [
            Row(r.facts.date, r.facts.id, r.path, a.recommendation, a.impact)
            for r in self.records
            for a in r.facts.assessments
            if a.recommendation == node_id
        ]
        rows.sort(key=lambda row: (row.date, row.evidence_id), reverse=True)
        return rows

    def timelines(self) -> dict[str, list[Row]]:
        """Every node's assessments, newest first, in one pass."""
        out: dict[str, list[Row]] = {}
        for r in self.records:
            for a in r.facts.assessments:
                out.setdefault(a.recommendation, []).append(
                    Row(r.facts.date, r.facts.id, r.path, a.recommendation, a.impact)
                )
        for rows in out.values():
            rows.sort(key=lambda row: (row.date, row.evidence_id), reverse=True)
        return out

    def same_event(self, path: str) -> list[str]:
        """The other files recorded as reports of this file's event."""
        own = self.record_at(path)
        if own is None:
            return []
        key = own.facts.event_key
        return [r.path for r in self.records if r.path != path and r.facts.event_key == key]

    # --- scores -----------------------------------------------------------------------------

    def scorer(self) -> Scorer:
        if not self.facts_loaded:
            raise RuntimeError("a workspace opened without facts cannot score")
        if self._scorer is None:
            from tracker.domain.scoring import Scorer

            self._scorer = Scorer(self.tree, [(r.path, r.facts) for r in self.records], self.config)
        return self._scorer

    def scores(
        self,
        as_of: dt.date | None = None,
        *,
        since: dt.date | None = None,
        detail: Sequence[str] | None = (),
        limit: int | None = None,
        exclusions: bool = True,
        recent_only: bool = False,
    ) -> dict[str, NodeScore]:
        """Every node at `as_of` (default today); `detail` the nodes explained (None: all)."""
        return self.scorer().scores(
            as_of or self.today,
            since=since,
            detail=detail,
            limit=limit,
            exclusions=exclusions,
            recent_only=recent_only,
            lookup=self.items,
        )

    def period(
        self, since: dt.date, until: dt.date, *, limit: int
    ) -> tuple[dict[str, NodeScore], dict[str, NodeScore]]:
        """A period (since, until]: every node's figures at its start, and every node at its
        end explained by its largest `limit` contributions dated in the period (what a
        briefing of the period shows). With the cache on, read back when the same period
        was asked of the project as it is now (`tracker.speed.memo.period`)."""

        def compute() -> tuple[dict[str, NodeScore], dict[str, NodeScore]]:
            before = self.scores(since)
            # Every node explained at once: in a period of any length most nodes move, and
            # listing the parts in the pass that scores them costs less than a second pass.
            after = self.scores(
                until, since=since, detail=None, limit=limit, recent_only=True, exclusions=False
            )
            return before, after

        if not (self.remembers and self.facts_loaded):
            return compute()
        from tracker.speed import memo

        return memo.period(
            self.data, state=self._state, since=since, until=until, limit=limit, compute=compute
        )

    def _state(self) -> str:
        """The digest of what the scores follow from (`memo.project_state`)."""
        from tracker.speed import memo

        return memo.project_state(
            self.paper_sha256, self.config.model_dump_json(), self._files_digest()
        )

    def _files_digest(self) -> str:
        """`memo.files_digest` of the records as they are: the load's, until a write replaces
        the list."""
        if self._files_of is None or self._files_of[0] is not self.records:
            from tracker.speed import memo

            files = [(r.path, r.sha256) for r in self.records]
            self._files_of = (self.records, memo.files_digest(files))
        return self._files_of[1]

    def explain(
        self, node_id: str, as_of: dt.date | None = None, *, limit: int | None = None
    ) -> NodeScore:
        return self.scorer().explain(node_id, as_of or self.today, lookup=self.items, limit=limit)

    def history(
        self, dates: list[dt.date], node_ids: Sequence[str] | None = None
    ) -> dict[str, list[float]]:
        return self.scorer().history(dates, node_ids)

    # --- checking and writing ---------------------------------------------------------------

    def check_candidate(
        self,
        item: EvidenceItem,
        *,
        previous_path: str | None = None,
        archive: str | None = None,
    ) -> list[Problem]:
        """Every finding `tracker check` would report about this item once saved: its layout,
        its archived copy (`archive`: the text to be saved beside it; else the copy on disk
        beside its old file, which moves with it), and everything across files."""
        from tracker.domain.facts import facts_of
        from tracker.store.toml_read import sha256_bytes
        from tracker.store.toml_write import evidence_to_toml

        target = layout.evidence_rel(item.id, item.date.year)
        lines = key_lines(evidence_to_toml(item))

        def at(loc):
            return line_of(lines, loc)

        problems = checks.layout_problems(item, target, at)
        if archive is not None:
            raw = archive.encode("utf-8")
            copy = checks.ArchivedCopy(
                layout.archive_rel(target), sha256_bytes(raw), archive, len(raw)
            )
        else:
            copy = reader.read_archive(self.data, layout.archive_rel(previous_path or target))
            if copy is not None:
                copy = checks.ArchivedCopy(
                    layout.archive_rel(target), copy.sha256, copy.text, copy.size, copy.unreadable
                )
        problems += checks.archive_problems(item, target, copy, at)
        index = checks.CrossIndex.of(
            self.tree if self.paper is not None else None,
            self.paper,
            self.today,
            [(r.path, r.facts) for r in self.records],
            leave_out=previous_path,
        )
        problems += index.item_problems(target, facts_of(item), at)
        return problems

    def save(
        self,
        item: EvidenceItem,
        *,
        expected_sha256: str | None,
        previous_path: str | None = None,
        archive: str | None = None,
    ) -> EvidenceFile:
        """Write an item (atomically, refusing a file changed on disk since it was read), with
        its archived article when `archive` is given, in one change; a new date or id moves
        it with its archived copy. The workspace then holds the new facts, so the scores and
        the next check see the change."""
        written = writer.save_evidence(
            self.data,
            item,
            expected_sha256=expected_sha256,
            previous_rel=previous_path,
            archive=archive.encode("utf-8") if archive is not None else None,
        )
        from tracker.domain.facts import facts_of

        self._replace(previous_path, Record(written.rel, written.sha256, facts_of(item)))
        return EvidenceFile(item, written.rel, written.sha256)

    def delete(self, evidence: EvidenceFile) -> None:
        writer.delete_evidence(self.data, evidence.path, evidence.sha256)
        self._replace(evidence.path, None)

    def _replace(self, old_path: str | None, new: Record | None) -> None:
        kept = [r for r in self.records if r.path not in (old_path, new.path if new else None)]
        if new is not None:
            kept.append(new)
            kept.sort(key=lambda r: r.path)
        self.records = kept
        self._scorer = None
        self._by_id = self._by_path = None
        self._similarity = None

    # --- import -----------------------------------------------------------------------------

    def similarity_index(self):
        """Same-event detection's index over the evidence and drafts (once per workspace;
        kept between runs by the speed layer unless the cache is off)."""
        if self._similarity is None:
            from tracker.ingest.index_cache import similarity_index

            self._similarity = similarity_index(self, background=self._background())
        return self._similarity

    def node_index(self):
        """BM25 over the paper's nodes (its lemmatized text kept between runs)."""
        if self._nodes_index is None:
            from tracker.ingest.index_cache import node_index

            self._nodes_index = node_index(self)
        return self._nodes_index

    def _background(self) -> frozenset[str]:
        return self.node_index().subject.background()

    def _indexed(self, ask: Callable[[Any], Any]) -> Any:
        """`ask(index)`, and once more on an index built in memory when a stored row fails
        its check (a damaged cache costs time, never a wrong answer)."""
        import sqlite3

        from tracker.speed.similarity import DamagedIndex

        try:
            return ask(self.similarity_index())
        except (DamagedIndex, sqlite3.DatabaseError):
            from tracker.ingest.index_cache import drop_cached, rebuilt_in_memory

            drop_cached(self.root)
            self._similarity = rebuilt_in_memory(self, background=self._background())
            return ask(self._similarity)

    def suggest(self, article, *, top: int = 5):
        """The recommendations an article most likely bears on, best first."""
        from tracker.ingest.suggest import suggest

        return self._indexed(
            lambda index: suggest(
                article, self.nodes, (), top=top, index=index, node_index=self.node_index()
            )
        )

    def same_event_candidates(self, article):
        """Evidence and drafts the article may repeat or retell, surest first."""
        from tracker.ingest.similar import find_same_event

        return self._indexed(lambda index: find_same_event(article, (), index))

    def import_article(self, article, *, top: int = 5, dry_run: bool = False) -> ImportResult:
        """What import found for an article (same-event candidates, suggestions) and the
        draft it makes; written to drafts/ unless `dry_run` or the article is already
        imported (the same address or text as evidence or a draft: nothing is written)."""
        from tracker.ingest import drafts

        candidates = self.same_event_candidates(article)
        suggestions = self.suggest(article, top=top)
        draft = drafts.make_draft(article, suggestions, candidates)
        already = next((c for c in candidates if c.already), None)
        path = None
        if not dry_run and already is None:
            path, draft = drafts.save_draft(self.data, draft)
            self._similarity = None  # the new draft is in the next index
        return ImportResult(article, candidates, suggestions, draft, path, already)

    def promote(self, draft_id: str):
        """A finished draft to evidence, checked as `tracker check` checks evidence."""
        from tracker.ingest import drafts

        return drafts.promote(self, draft_id)

    def recheck(self) -> None:
        """Findings again, from the files as they are now (after writes)."""
        fresh = open_workspace(self.root, cache=self.cache, recover=False)
        self.problems = fresh.problems
        self.records = fresh.records
        self._scorer = None
        self._by_id = self._by_path = None


# --- opening ---------------------------------------------------------------------------------


def open_workspace(
    root: Path,
    **options: Any,
) -> Workspace:
    """Load and check everything under `root`. Every problem is reported, none is fatal.

    `speed=False` reads every file in this process with no cache: the plain loader the speed
    layer must agree with. `cache=False` (`--no-cache`) bypasses the cache only. `recover`
    first finishes any save, promote or import that an interruption left half done.
    `facts=False` opens for import and suggest: each evidence file's path and sha256 (from
    the cache's rows without decoding them), no facts, no findings but the paper's and
    tracker.toml's, no scores.
    """
    if options.get("speed", True):
        from tracker.speed.collector import paused

        with paused():
            return _open(root, **options)
    return _open(root, **options)


def _open(
    root: Path,
    *,
    cache: bool = True,
    workers: bool = True,
    speed: bool = True,
    progress: Progress | None = None,
    recover: bool = True,
    today: dt.date | None = None,
    data: Path | None = None,
    facts: bool = True,
) -> Workspace:
    data = data or root
    notes: list[str] = []
    finished: list[str] = []
    if recover:
        try:
            done = writer.recover(data)
            finished = done.labels
            notes += [f"finished an interrupted change ({label})" for label in done.labels]
        except OSError:
            pass
    paper = reader.read_paper(data)
    config = reader.read_config(data)
    use_cache = cache and speed
    listing = warm = stamped = None
    if use_cache:
        from tracker.speed import headstart, loader

        headstart.list_own_share(data)  # when the head start left this process a share
        warm = loader.Warm.read(data, facts=facts)  # while the head start lists evidence/
        taken = headstart.take(data)
        if taken is not None:
            listing, stamped = taken
    if listing is None:
        listing = list_evidence(data, stat=use_cache)
    tomls, archives, problems = layout.split_listing(listing)
    stats = None
    if speed:
        from tracker.speed import loader

        stats = loader.LoadStats()
        results = loader.load(
            data,
            tomls,
            listing,
            cache=use_cache,
            workers=workers,
            progress=progress,
            stats=stats,
            warm=warm,
            stamped=stamped,
        )
    else:
        results = reader.read_all(data, tomls, progress)
        for result in results:
            result.item = None
    now = today or clock_today()  # after the reads: only the checks across files need it
    found: list[Problem] = [*paper.problems, *config.problems, *problems]
    if "inbox" in config.data:  # the feeds analysts follow, checked like the rest of the file
        from tracker.inbox.config import config_problems

        found += config_problems(data, config.data)
    files_of = None
    if facts:
        records, digest = _checked(data, results, found, paper, archives, tomls, now, use_cache)
        if digest is not None:
            files_of = (records, digest)
    else:  # import and suggest: which files hold items, by content; no findings
        records = [Record(r.rel, r.sha256, None) for r in results if r.facts is not None]
    return Workspace(
        root=root,
        data=data,
        paper=paper.paper,
        nodes=list(paper.nodes),
        tree=paper.tree,
        config=config.config,
        settings=config.data,
        records=records,
        problems=found,
        today=now,
        paper_sha256=paper.sha256,
        notes=notes,
        cache=cache,
        load_stats=stats,
        finished=finished,
        facts_loaded=facts,
        remembers=use_cache,
        _files_of=files_of,
    )


def _checked(
    data: Path,
    results: list,
    found: list[Problem],
    paper: reader.PaperResult,
    archives: list[str],
    tomls: list[str],
    now: dt.date,
    use_cache: bool,
) -> tuple[list[Record], str | None]:
    """Each file's records, with every finding (its own, across files, orphan copies and
    interrupted changes) added to `found`; and with the cache on, the records' digest its
    memos are keyed by (`memo.files_digest`)."""
    records: list[Record] = []
    for result in results:
        found.extend(result.problems)
        if result.facts is not None:
            records.append(Record(result.rel, result.sha256, result.facts))
    tree_for_checks = paper.tree if paper.paper is not None else None

    def across() -> list[Problem]:
        return checks.cross_file_problems(
            tree_for_checks,
            paper.paper,
            now,
            [(r.path, r.facts) for r in records],
            _locator(data),
        )

    digest = None
    if use_cache:
        from tracker.speed import memo

        digest = memo.files_digest([(r.path, r.sha256) for r in records])
        found += memo.cross_file_problems(
            data, paper_sha256=paper.sha256, today=now.isoformat(), files=digest, compute=across
        )
    else:
        found += across()
    found += checks.orphan_archive_problems(archives, dict.fromkeys(tomls))
    for stuck in writer.pending(data):
        found.append(
            Problem(
                stuck.rel,
                Code.INTERRUPTED_MOVE,
                f"{stuck.reason}: a save, promote or import was interrupted and could not be "
                "finished; compare the file with its copies and run the command again",
            )
        )
    return records, digest


def _locator(root: Path) -> Callable[[str, tuple[str | int, ...]], int | None]:
    """(path, key path) -> line, reading a file's text only when a finding needs a line."""
    from tracker.store.files import FileReadError, read_bounded

    texts: dict[str, dict] = {}

    def locate(path: str, loc: tuple[str | int, ...]) -> int | None:
        if path not in texts:
            try:
                raw = read_bounded(os.path.join(root, path), 1 << 21)
                texts[path] = key_lines(raw.decode("utf-8", errors="replace"))
            except FileReadError:
                texts[path] = {}
        return line_of(texts[path], loc)

    return locate


def require_clean(ws: Workspace) -> None:
    if ws.errors:
        raise DataError(f"{len(ws.errors)} problem(s) in the data: run 'tracker check'")
