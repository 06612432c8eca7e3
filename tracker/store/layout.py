"""Where a project's files live, and which entries below `evidence/` are what they seem.

recommendations.toml      the paper (its presence marks the project's root)
tracker.toml              the scoring parameters and other settings
evidence/YYYY/ID.toml     one evidence item; ID.txt beside it is its archived article
drafts/ID.toml, ID.txt    imports an analyst has not finished (outside evidence/)
"""

from __future__ import annotations

import re
from pathlib import Path

from tracker.domain.model import check_id
from tracker.domain.problems import Code, Problem
from tracker.errors import UsageError
from tracker.store.listing import Listing

RECOMMENDATIONS = "recommendations.toml"
CONFIG = "tracker.toml"
EVIDENCE_DIR = "evidence"
DRAFTS_DIR = "drafts"
DATA_PATHS = (RECOMMENDATIONS, CONFIG, EVIDENCE_DIR)

_LEFTOVER = re.compile(r"(~$|^\.#|^#.*#$|\.swp$|\.swo$|\.orig$|\.rej$|\.bak$|\.tmp$|^\.~)")
_YEAR = re.compile(r"\d{4}")
# What nearly every entry is: an item or its archived copy where it belongs.
_PLAIN_ENTRY = re.compile(r"evidence/\d{4}/[a-z0-9][a-z0-9-]*\.(?:toml|txt)")
TEMP_PREFIX = ".tracker-"


class ProjectNotFound(UsageError):
    """No `recommendations.toml` in the folder or any parent."""


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` that holds `recommendations.toml`."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / RECOMMENDATIONS).is_file():
            return folder
    raise ProjectNotFound(
        f"no {RECOMMENDATIONS} in {here} or any folder above it: run tracker inside a "
        "tracking project, or start one with 'tracker init'"
    )


def evidence_rel(evidence_id: str, year: int) -> str:
    """evidence/YYYY/ID.toml for a valid id (checked here, before any path is built)."""
    check_id(evidence_id)
    return f"{EVIDENCE_DIR}/{year:04d}/{evidence_id}.toml"


def archive_rel(rel: str) -> str:
    return rel[:-5] + ".txt" if rel.endswith(".toml") else rel + ".txt"


def draft_rels(draft_id: str) -> tuple[str, str]:
    """drafts/ID.toml and drafts/ID.txt for a valid id: an id is checked before it becomes a
    path, so `../elsewhere` or a 300-character name never reaches the file system."""
    check_id(draft_id)
    return f"{DRAFTS_DIR}/{draft_id}.toml", f"{DRAFTS_DIR}/{draft_id}.txt"


def classify_entry(rel: str, is_link: bool) -> Problem | None:
    """A finding for an entry that is not an evidence file or its archive, else None."""
    if not is_link and _PLAIN_ENTRY.fullmatch(rel):
        return None
    parts = rel.split("/")
    name = parts[-1]
    if is_link:
        return Problem(
            rel,
            Code.SYMLINK,
            "symbolic link in evidence/: tracker does not follow links; replace it with the "
            "file itself",
        )
    if name.startswith(TEMP_PREFIX) and name.endswith(".tmp"):
        return Problem(
            rel,
            Code.UNFINISHED_WRITE,
            "unfinished write (a save was interrupted): compare it with the file it was meant "
            "to replace, keep what you need, delete it",
        )
    if _LEFTOVER.search(name):
        return Problem(
            rel,
            Code.LEFTOVER,
            "editor or merge leftover in evidence/: delete it (or rename it to ID.toml if it "
            "holds an item)",
        )
    if len(parts) != 3 or not _YEAR.fullmatch(parts[1]):
        return Problem(
            rel,
            Code.OUTSIDE_LAYOUT,
            "outside the expected layout: evidence files live in evidence/YYYY/ID.toml",
        )
    if not name.endswith((".toml", ".txt")):
        return Problem(
            rel,
            Code.UNEXPECTED_FILE,
            "unexpected file in evidence/: only ID.toml items and their ID.txt archived "
            "copies belong here",
        )
    return None


def split_listing(listing: Listing) -> tuple[list[str], set[str], list[Problem]]:
    """The evidence files to read, the archived copies, and a finding for everything else."""
    tomls: list[str] = []
    archives: set[str] = set()
    problems: list[Problem] = []
    for rel in listing.files:
        finding = classify_entry(rel, rel in listing.links)
        if finding is not None:
            problems.append(finding)
        elif rel.endswith(".toml"):
            tomls.append(rel)
        else:
            archives.add(rel)
    return tomls, archives, problems
