"""One file to a validated model, or findings that name the file, the line and what to do.

Reading never stops at the first problem and never skips a file silently: every evidence file
yields its item with its findings, or only findings. What one file yields depends on that
file and its archived copy alone, so a cache may keep it keyed by their identity (see
`tracker.speed`); what needs more than one file is `tracker.domain.checks`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from tracker.domain import checks
from tracker.domain.config import CONFIG_FILE, ScoringConfig, config_from_data
from tracker.domain.facts import ItemFacts, facts_of
from tracker.domain.model import EvidenceItem, Paper, RecommendationsFile
from tracker.domain.problems import Code, Problem
from tracker.domain.tree import Tree, tree_problems
from tracker.domain.validation import validation_problems
from tracker.store import layout
from tracker.store.files import FileReadError, read_bounded
from tracker.store.toml_read import (
    MAX_TOML_BYTES,
    ParsedFile,
    TomlLoads,
    parse_toml_bytes,
    sha256_bytes,
)

MAX_RECOMMENDATIONS_BYTES = 8 << 20
MAX_CONFIG_BYTES = 1 << 20


@dataclass(slots=True)
class EvidenceResult:
    """What one evidence file (with its archived copy) yields on its own: the item (None when
    the file yields none, or when it came from a cache, which keeps only the rest), its facts,
    its findings, and the sha256 of the bytes read (what an edit is checked against)."""

    rel: str
    sha256: str
    problems: list[Problem] = field(default_factory=list)
    facts: ItemFacts | None = None
    item: EvidenceItem | None = None
    archive_sha256: str | None = None  # of the archived copy read beside it, if any


def _read_problem(rel: str, err: Exception) -> Problem:
    message = str(err)
    prefix = f"{os.sep}"
    # FileReadError names the absolute path; a finding names the project-relative one.
    if ": " in message and prefix in message.split(": ", 1)[0]:
        message = message.split(": ", 1)[1]
    return Problem(rel, Code.CANNOT_READ, f"cannot read: {message}")


def read_evidence(
    root: Path | str, rel: str, *, check_archive: bool = True, loads: TomlLoads | None = None
) -> EvidenceResult:
    """Read, parse and validate `root/rel` (an evidence file), with its archived copy
    (`loads`: a faster TOML parser that gives what the store's gives, `parse_toml_bytes`)."""
    path = os.path.join(root, rel)
    try:
        raw = read_bounded(path, MAX_TOML_BYTES, what="evidence file")
    except FileReadError as err:
        if err.size is not None:
            return EvidenceResult(
                rel,
                "",
                [
                    Problem(
                        rel,
                        Code.TOO_LARGE,
                        f"file is {err.size / 1048576:.1f} MiB; a data file is limited to "
                        f"{MAX_TOML_BYTES // 1048576} MiB (keep an article's full text in the "
                        "archived .txt copy)",
                    )
                ],
            )
        return EvidenceResult(rel, "", [_read_problem(rel, err)])
    return evidence_from_bytes(root, rel, raw, check_archive=check_archive, loads=loads)


def evidence_from_bytes(
    root: Path | str | None,
    rel: str,
    raw: bytes,
    *,
    check_archive: bool = True,
    loads: TomlLoads | None = None,
) -> EvidenceResult:
    parsed = parse_toml_bytes(raw, rel, loads=loads)
    if parsed.data is None:
        return EvidenceResult(rel, parsed.sha256, parsed.problems)
    try:
        item = EvidenceItem.model_validate(parsed.data)
    except ValidationError as err:
        return EvidenceResult(
            rel, parsed.sha256, validation_problems(err, EvidenceItem, rel, parsed.line)
        )
    problems = checks.layout_problems(item, rel, parsed.line)
    archive_sha256 = None
    if check_archive and root is not None:
        copy = read_archive(root, layout.archive_rel(rel))
        problems += checks.archive_problems(item, rel, copy, parsed.line)
        archive_sha256 = copy.sha256 if copy is not None else None
    return EvidenceResult(rel, parsed.sha256, problems, facts_of(item), item, archive_sha256)


def read_archive(root: Path | str, rel: str) -> checks.ArchivedCopy | None:
    """An item's archived copy as the checks need it; None when there is none (a link is
    none: tracker never follows one)."""
    path = os.path.join(root, rel)
    try:
        info = os.lstat(path)
    except OSError:
        return None
    import stat

    if not stat.S_ISREG(info.st_mode):
        return None
    if info.st_size > checks.MAX_ARCHIVE_BYTES:
        return checks.ArchivedCopy(rel, size=info.st_size)
    try:
        raw = read_bounded(path, checks.MAX_ARCHIVE_BYTES, what="archived copy")
    except FileReadError as err:
        return checks.ArchivedCopy(rel, size=info.st_size, unreadable=str(err).split(": ")[-1])
    return checks.ArchivedCopy(
        rel, sha256_bytes(raw), raw.decode("utf-8", errors="replace"), len(raw)
    )


def read_archive_text(root: Path, rel: str) -> str | None:
    """The archived article beside an evidence file (`rel` is the .toml's), or None."""
    copy = read_archive(root, layout.archive_rel(rel))
    return copy.text if copy is not None else None


@dataclass
class PaperResult:
    """`recommendations.toml`: the paper and its tree (empty when it does not load)."""

    paper: Paper | None
    tree: Tree
    nodes: list
    problems: list[Problem]
    sha256: str | None


def read_paper(root: Path) -> PaperResult:
    rel = layout.RECOMMENDATIONS
    try:
        raw = read_bounded(root / rel, MAX_RECOMMENDATIONS_BYTES, what="paper file")
    except FileReadError as err:
        return PaperResult(None, Tree(), [], [_read_problem(rel, err)], None)
    return paper_from_bytes(raw)


def paper_from_bytes(raw: bytes) -> PaperResult:
    rel = layout.RECOMMENDATIONS
    parsed = parse_toml_bytes(raw, rel, MAX_RECOMMENDATIONS_BYTES)
    if parsed.data is None:
        return PaperResult(None, Tree(), [], parsed.problems, parsed.sha256)
    try:
        doc = RecommendationsFile.model_validate(parsed.data)
    except ValidationError as err:
        problems = validation_problems(err, RecommendationsFile, rel, parsed.line)
        return PaperResult(None, Tree(), [], problems, parsed.sha256)
    problems = tree_problems(doc.nodes, rel, parsed.line)
    problems += _paper_placeholders(doc, parsed)
    return PaperResult(doc.paper, Tree.of(doc.nodes), doc.nodes, problems, parsed.sha256)


def _paper_placeholders(doc: RecommendationsFile, parsed: ParsedFile) -> list[Problem]:
    from tracker.domain.tree import PLACEHOLDER

    found = []
    paper = doc.paper
    for key in ("title", "summary", "publisher"):
        value = getattr(paper, key) or ""
        if PLACEHOLDER in value:
            found.append(
                Problem(
                    layout.RECOMMENDATIONS,
                    Code.PLACEHOLDER,
                    f"paper.{key} still holds the placeholder '{PLACEHOLDER}'",
                    parsed.line(("paper", key)),
                    "warning",
                )
            )
    if any(PLACEHOLDER in a for a in paper.authors):
        found.append(
            Problem(
                layout.RECOMMENDATIONS,
                Code.PLACEHOLDER,
                f"paper.authors still holds the placeholder '{PLACEHOLDER}'",
                parsed.line(("paper", "authors")),
                "warning",
            )
        )
    return found


@dataclass
class ConfigResult:
    config: ScoringConfig
    problems: list[Problem]
    data: dict = field(default_factory=dict)  # the whole file, for the tables others own


def read_config(root: Path) -> ConfigResult:
    """`tracker.toml`: absent means the defaults; a bad file is findings plus defaults."""
    rel = CONFIG_FILE
    path = root / rel
    if not os.path.lexists(path):
        return ConfigResult(ScoringConfig(), [])
    try:
        raw = read_bounded(path, MAX_CONFIG_BYTES, what="configuration file")
    except FileReadError as err:
        problem = _read_problem(rel, err)
        return ConfigResult(
            ScoringConfig(), [problem.with_message(problem.message + "; using the defaults")]
        )
    parsed = parse_toml_bytes(raw, rel, MAX_CONFIG_BYTES)
    if parsed.data is None:
        return ConfigResult(
            ScoringConfig(),
            [p.with_message(p.message + "; using the defaults") for p in parsed.problems],
        )
    config, problems = config_from_data(parsed.data, parsed.line, rel)
    return ConfigResult(config, problems, parsed.data)


def read_all(root: Path, rels: list[str], progress=None) -> list[EvidenceResult]:
    """Every file in order, one after the other: the plain loader, with no cache and no
    worker process (`tracker.speed` wraps it for large projects)."""
    out = []
    total = len(rels)
    for index, rel in enumerate(rels):
        out.append(read_evidence(root, rel))
        if progress is not None and index % 250 == 0:
            progress(index, total)
    if progress is not None and total:
        progress(total, total)
    return out
