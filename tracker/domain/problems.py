"""Findings: what is wrong with the data, where, and a stable code for each kind.

Every finding carries a code that never changes once published (as hledger names its errors),
so the workbench, scripts and tests match on the code, never on the wording, which is free to
improve. `CODES` says in one line what each code means; `docs/data-format.md` lists them too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Literal

Severity = Literal["error", "warning"]


class Code(StrEnum):
    """The kinds of finding. The values are the stable names users and tools see."""

    # reading a file
    CANNOT_READ = "cannot-read"
    TOO_LARGE = "too-large"
    NOT_UTF8 = "not-utf8"
    BYTE_ORDER_MARK = "byte-order-mark"
    BINARY = "binary"
    EMPTY = "empty-file"
    CONFLICT_MARKER = "conflict-marker"
    TOML_SYNTAX = "toml-syntax"
    # the schema
    MISSING_KEY = "missing-key"
    UNKNOWN_KEY = "unknown-key"
    WRONG_TYPE = "wrong-type"
    BAD_VALUE = "bad-value"
    # the paper's tree
    DUPLICATE_NODE = "duplicate-node"
    SECTION_PARENT = "section-with-parent"
    MISSING_PARENT = "missing-parent"
    UNKNOWN_PARENT = "unknown-parent"
    PARENT_KIND = "parent-kind"
    PLACEHOLDER = "placeholder"
    # where evidence lives
    FILE_NAME = "file-name"
    YEAR_FOLDER = "year-folder"
    SYMLINK = "symlink"
    UNFINISHED_WRITE = "unfinished-write"
    INTERRUPTED_MOVE = "interrupted-move"
    LEFTOVER = "leftover"
    OUTSIDE_LAYOUT = "outside-layout"
    UNEXPECTED_FILE = "unexpected-file"
    # across evidence files
    DUPLICATE_ID = "duplicate-id"
    DUPLICATE_URL = "duplicate-url"
    UNKNOWN_RECOMMENDATION = "unknown-recommendation"
    ASSESSED_TWICE = "assessed-twice"
    FUTURE_DATE = "future-date"
    FUTURE_PUBLISHED = "future-published"
    BEFORE_PAPER = "before-paper"
    # archived copies
    ARCHIVE_MISSING = "archive-missing"
    ARCHIVE_UNDECLARED = "archive-undeclared"
    ARCHIVE_TOO_LARGE = "archive-too-large"
    ARCHIVE_MISMATCH = "archive-mismatch"
    QUOTE_NOT_IN_ARCHIVE = "quote-not-in-archive"
    ORPHAN_ARCHIVE = "orphan-archive"
    # tracker.toml
    CONFIG_UNKNOWN = "config-unknown"
    CONFIG_NOT_TABLE = "config-not-table"
    CONFIG_VALUE = "config-value"
    # drafts
    DRAFT_UNFINISHED = "draft-unfinished"
    # a past commit, rebuilt (--known-as-of)
    NOT_REBUILT = "not-rebuilt"


CODES: dict[Code, str] = {
    Code.CANNOT_READ: "the file cannot be read (permissions, gone, not a regular file)",
    Code.TOO_LARGE: "the file is larger than a data file may be",
    Code.NOT_UTF8: "the file is not valid UTF-8 text",
    Code.BYTE_ORDER_MARK: "the file starts with a byte-order mark",
    Code.BINARY: "the file holds binary content (a NUL byte)",
    Code.EMPTY: "the file is empty",
    Code.CONFLICT_MARKER: "an unresolved git merge conflict marker",
    Code.TOML_SYNTAX: "the file is not valid TOML",
    Code.MISSING_KEY: "a required key is missing",
    Code.UNKNOWN_KEY: "a key the format does not have (a typo?)",
    Code.WRONG_TYPE: "a value of the wrong type (a string for a number, a date-time for a date)",
    Code.BAD_VALUE: "a value outside what is allowed (a range, a choice, an id's form)",
    Code.DUPLICATE_NODE: "two nodes of the paper share an id",
    Code.SECTION_PARENT: "a section has a parent",
    Code.MISSING_PARENT: "a recommendation or measure has no parent",
    Code.UNKNOWN_PARENT: "a parent that is not a node above",
    Code.PARENT_KIND: "a parent of the wrong kind",
    Code.PLACEHOLDER: "a '(replace)' placeholder from tracker init is still in place",
    Code.FILE_NAME: "an evidence file's name does not match its id",
    Code.YEAR_FOLDER: "an evidence file is not in its date's year folder",
    Code.SYMLINK: "a symbolic link in evidence/ (tracker never follows links)",
    Code.UNFINISHED_WRITE: "a temporary file left by an interrupted save",
    Code.INTERRUPTED_MOVE: "an item moved only halfway (an interrupted save, promote or import)",
    Code.LEFTOVER: "an editor or merge leftover in evidence/",
    Code.OUTSIDE_LAYOUT: "a file outside evidence/YYYY/ID.toml",
    Code.UNEXPECTED_FILE: "a file in evidence/ that is not an item or its archived copy",
    Code.DUPLICATE_ID: "two evidence files share an id",
    Code.DUPLICATE_URL: "two evidence files share a source URL",
    Code.UNKNOWN_RECOMMENDATION: "an assessment names a recommendation the paper does not have",
    Code.ASSESSED_TWICE: "one item assesses a recommendation twice for one analyst",
    Code.FUTURE_DATE: "an item dated after today",
    Code.FUTURE_PUBLISHED: "a source published after today",
    Code.BEFORE_PAPER: "an item dated before the paper appeared",
    Code.ARCHIVE_MISSING: "archive_sha256 is set but the archived copy is missing",
    Code.ARCHIVE_UNDECLARED: "an archived copy without its archive_sha256",
    Code.ARCHIVE_TOO_LARGE: "an archived copy larger than allowed",
    Code.ARCHIVE_MISMATCH: "the archived copy does not match its archive_sha256",
    Code.QUOTE_NOT_IN_ARCHIVE: "the quote does not occur in the archived copy",
    Code.ORPHAN_ARCHIVE: "an archived copy without an evidence item beside it",
    Code.CONFIG_UNKNOWN: "a table or key tracker.toml does not have",
    Code.CONFIG_NOT_TABLE: "a part of tracker.toml that must be a table is not",
    Code.CONFIG_VALUE: "a scoring parameter with a bad value (its default is used)",
    Code.DRAFT_UNFINISHED: "a draft still lacks what evidence needs",
    Code.NOT_REBUILT: "a committed path --known-as-of would not write (twice, '..', a link's "
    "way, a submodule, too large): left out",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding: where it is (path relative to the project, 1-based line), its code, and
    a message that says what to do about it."""

    path: str
    code: Code
    message: str
    line: int | None = None
    severity: Severity = "error"

    def render(self) -> str:
        """`path:line: message`, the form editors and CI jump from."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}: {prefix}{self.message}"

    def with_message(self, message: str) -> Problem:
        return replace(self, message=message)

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["code"] = str(self.code)
        return out

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]
