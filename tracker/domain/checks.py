"""The rules evidence must follow beyond its schema: where a file lives, its archived copy,
and what needs more than one file (unique ids and URLs, known recommendations, dates).

Plain functions over validated items and their facts: the store supplies what was read (the
archived copy's digest and text) and a `locate` that turns a key path into a line. The same
function checks one item inside a project of 100,000 (`CrossIndex.item_problems`) and every
item (`cross_file_problems`), so the workbench's form and `tracker check` can never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from tracker.domain.facts import ItemFacts
from tracker.domain.model import EvidenceItem, Paper
from tracker.domain.problems import Code, Problem
from tracker.domain.tree import Loc, Tree, did_you_mean

EVIDENCE_DIR = "evidence"
MAX_ARCHIVE_BYTES = 16 << 20

# (path, key path) -> line; the store reads the file's text again only when asked.
LocateIn = Callable[[str, Loc], int | None]


def expected_path(item: EvidenceItem | ItemFacts) -> str:
    """Where an item belongs: evidence/YYYY/ID.toml, the year of its date."""
    return f"{EVIDENCE_DIR}/{item.date.year:04d}/{item.id}.toml"


def layout_problems(item: EvidenceItem, rel: str, locate: Callable[[Loc], int | None]) -> list:
    expected = expected_path(item)
    if rel == expected:
        return []
    name = rel.rsplit("/", 1)[-1]
    if name != f"{item.id}.toml":
        return [
            Problem(
                rel,
                Code.FILE_NAME,
                f"file name does not match its id '{item.id}': expected {expected}",
                locate(("id",)),
            )
        ]
    return [
        Problem(
            rel,
            Code.YEAR_FOLDER,
            f"item dated {item.date.isoformat()} belongs in {expected}",
            locate(("date",)),
        )
    ]


@dataclass(frozen=True)
class ArchivedCopy:
    """What the store found beside an item: its archived text, or why there is none to use."""

    rel: str
    sha256: str | None = None
    text: str | None = None
    size: int = 0
    unreadable: str | None = None  # the reason it could not be read


def archive_problems(
    item: EvidenceItem,
    rel: str,
    copy: ArchivedCopy | None,
    locate: Callable[[Loc], int | None],
) -> list[Problem]:
    declared = item.source.archive_sha256
    archive_rel = rel[:-5] + ".txt" if rel.endswith(".toml") else rel + ".txt"
    if copy is None:
        if declared:
            return [
                Problem(
                    rel,
                    Code.ARCHIVE_MISSING,
                    f"archive_sha256 is set but {archive_rel} is missing",
                    locate(("source", "archive_sha256")),
                )
            ]
        return []
    if not declared:
        return [
            Problem(
                rel,
                Code.ARCHIVE_UNDECLARED,
                f"{copy.rel} is not declared: add its archive_sha256",
                locate(("source",)),
                "warning",
            )
        ]
    if copy.size > MAX_ARCHIVE_BYTES:
        return [
            Problem(
                copy.rel,
                Code.ARCHIVE_TOO_LARGE,
                f"archived copy is larger than {MAX_ARCHIVE_BYTES >> 20} MiB",
            )
        ]
    if copy.unreadable is not None:
        return [Problem(copy.rel, Code.CANNOT_READ, f"cannot read: {copy.unreadable}")]
    if copy.sha256 != declared:
        return [
            Problem(
                rel,
                Code.ARCHIVE_MISMATCH,
                f"archive_sha256 does not match {copy.rel} (its sha256 is {copy.sha256}): "
                "the copy changed, or the hash is wrong",
                locate(("source", "archive_sha256")),
            )
        ]
    text = copy.text or ""
    quote = item.source.quote
    # Verbatim first (a quick search); only a quote that spans line breaks differently needs
    # the whole text's whitespace normalised.
    if quote not in text and _normalize_ws(quote) not in _normalize_ws(text):
        return [
            Problem(
                rel,
                Code.QUOTE_NOT_IN_ARCHIVE,
                f"the quote does not occur in {copy.rel} (compared ignoring whitespace)",
                locate(("source", "quote")),
            )
        ]
    return []


def _normalize_ws(text: str) -> str:
    return " ".join(text.split())


@dataclass
class CrossIndex:
    """What one item is checked against: the tree, the dates, and the ids and URLs that other
    files already hold (each with the first file that holds it)."""

    tree: Tree | None
    today: dt.date
    paper_date: dt.date | None
    taken_ids: dict[str, str] = field(default_factory=dict)
    taken_urls: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        tree: Tree | None,
        paper: Paper | None,
        today: dt.date,
        records: Iterable[tuple[str, ItemFacts]] = (),
        *,
        leave_out: str | None = None,
    ) -> CrossIndex:
        """The index over `records` (path, facts), leaving out the file at `leave_out` (the
        item being edited, whose old self must not collide with its new one)."""
        index = cls(tree, today, paper.published if paper else None)
        for path, facts in records:
            if path == leave_out:
                continue
            index.taken_ids.setdefault(facts.id, path)
            if facts.url_key is not None:
                index.taken_urls.setdefault(facts.url_key, path)
        return index

    def item_problems(self, path: str, facts: ItemFacts, at: Callable[[Loc], int | None]):
        """Every cross-file finding about one item, as `tracker check` reports it."""
        problems: list[Problem] = []
        owner = self.taken_ids.get(facts.id)
        if owner is not None and owner != path:
            problems.append(
                Problem(
                    path,
                    Code.DUPLICATE_ID,
                    f"duplicate evidence id '{facts.id}' (also in {owner})",
                    at(("id",)),
                )
            )
        if self.tree is not None:
            known = self.tree.nodes
            for index, a in enumerate(facts.assessments):
                if a.recommendation not in known:
                    problems.append(
                        Problem(
                            path,
                            Code.UNKNOWN_RECOMMENDATION,
                            f"unknown recommendation '{a.recommendation}'; "
                            f"{did_you_mean(a.recommendation, list(known))}",
                            at(("assessment", index, "recommendation")),
                        )
                    )
            if len(facts.assessments) > 1:
                problems.extend(_assessed_twice(path, facts, at))
        if facts.date > self.today:
            problems.append(
                Problem(
                    path,
                    Code.FUTURE_DATE,
                    f"date {facts.date.isoformat()} is in the future",
                    at(("date",)),
                )
            )
        elif self.paper_date and facts.midpoint < self.paper_date:
            problems.append(
                Problem(
                    path,
                    Code.BEFORE_PAPER,
                    f"date {facts.date.isoformat()} is before the paper "
                    f"({self.paper_date.isoformat()[:7]}); it cannot show movement after it",
                    at(("date",)),
                    "warning",
                )
            )
        if facts.published is not None and facts.published > self.today:
            problems.append(
                Problem(
                    path,
                    Code.FUTURE_PUBLISHED,
                    f"source.published {facts.published.isoformat()} is in the future",
                    at(("source", "published")),
                )
            )
        if facts.url_key is not None:
            owner = self.taken_urls.get(facts.url_key)
            if owner is not None and owner != path:
                problems.append(
                    Problem(
                        path,
                        Code.DUPLICATE_URL,
                        f"the same URL is already evidence in {owner}",
                        at(("source", "url")),
                    )
                )
        return problems


def _assessed_twice(path: str, facts: ItemFacts, at) -> list[Problem]:
    found = []
    pairs = [(a.recommendation, a.analyst or "") for a in facts.assessments]
    for index, pair in enumerate(pairs):
        if pair in pairs[:index]:
            who = f" by '{pair[1]}'" if pair[1] else ""
            found.append(
                Problem(
                    path,
                    Code.ASSESSED_TWICE,
                    f"'{pair[0]}' is assessed twice{who} in one item; "
                    "merge the two assessments, or name each analyst",
                    at(("assessment", index, "recommendation")),
                )
            )
    return found


def cross_file_problems(
    tree: Tree | None,
    paper: Paper | None,
    today: dt.date,
    records: Sequence[tuple[str, ItemFacts]],
    locate: LocateIn,
) -> list[Problem]:
    """The findings that need more than one file, for every item in load order: a duplicate
    is reported on the later file, naming the first."""
    index = CrossIndex(tree, today, paper.published if paper else None)
    problems: list[Problem] = []
    known = tree.nodes if tree is not None else None
    paper_date = index.paper_date or dt.date.min
    taken_ids, taken_urls = index.taken_ids, index.taken_urls
    for path, facts in records:
        # The common case, answered by plain tests: a new id and URL, known recommendations,
        # each once, and dates in range. Anything else gets the full check and its findings.
        url = facts.url_key
        if (
            facts.id in taken_ids
            or (url is not None and url in taken_urls)
            or facts.date > today
            or facts.midpoint < paper_date
            or (facts.published is not None and facts.published > today)
            or (known is not None and not _known_once(facts, known))
        ):
            problems.extend(index.item_problems(path, facts, lambda loc, p=path: locate(p, loc)))
        taken_ids.setdefault(facts.id, path)
        if url is not None:
            taken_urls.setdefault(url, path)
    return problems


def _known_once(facts: ItemFacts, known: Mapping[str, object]) -> bool:
    assessments = facts.assessments
    if len(assessments) == 1:
        return assessments[0].recommendation in known
    pairs = {(a.recommendation, a.analyst or "") for a in assessments}
    return len(pairs) == len(assessments) and all(a.recommendation in known for a in assessments)


def orphan_archive_problems(archives: Iterable[str], items: Mapping[str, object]) -> list:
    """Archived copies (`evidence/YYYY/ID.txt`) with no `ID.toml` beside them at all."""
    out = []
    for rel in sorted(archives):
        if rel[:-4] + ".toml" not in items:
            out.append(
                Problem(
                    rel,
                    Code.ORPHAN_ARCHIVE,
                    "archived copy without an evidence item beside it",
                )
            )
    return out
