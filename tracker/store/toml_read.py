"""Reading TOML as data: bytes to a table, or findings that say why not, and from a key back
to its line so every finding can name one.

The parser is tomli where installed (about twice the standard library's speed here) and
`tomllib` otherwise; both are pure parsers that never run code.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tracker.domain.problems import Code, Problem

try:  # the faster parser where installed; the standard library's otherwise
    import tomli as toml_parser
except ImportError:  # pragma: no cover - depends on the environment
    import tomllib as toml_parser  # type: ignore[no-redef]

MAX_TOML_BYTES = 1 << 20  # an evidence file; full texts belong in the archived .txt

Loc = tuple[str | int, ...]

_CONFLICT = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(?: .*)?$")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class ParsedFile:
    """A TOML file as read: its table if it parsed, else the findings that say why not."""

    data: dict[str, Any] | None
    text: str
    sha256: str
    problems: list[Problem] = field(default_factory=list)
    _lines: dict[Loc, int] | None = field(default=None, repr=False)

    def line(self, loc: Loc) -> int | None:
        """The line of a key path (the deepest known prefix of it)."""
        if self._lines is None:
            self._lines = key_lines(self.text)
        return line_of(self._lines, loc)


def conflict_problems(text: str, rel: str) -> list[Problem]:
    """Merge-conflict leftovers, wherever they stand (a multi-line string included)."""
    if not any(marker in text for marker in ("<<<<<<<", "=======", ">>>>>>>", "|||||||")):
        return []
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _CONFLICT.match(line)
        if match:
            marker = match.group(1)
            problems.append(
                Problem(
                    rel,
                    Code.CONFLICT_MARKER,
                    f"git merge conflict marker {marker[:3]}…: resolve the conflict "
                    "(keep one side or combine both), then delete the marker lines",
                    number,
                )
            )
    return problems


TomlLoads = Callable[[str], dict[str, Any]]  # text to a table, as `toml_parser.loads`


def parse_toml_bytes(
    raw: bytes,
    rel: str,
    max_bytes: int = MAX_TOML_BYTES,
    *,
    loads: TomlLoads | None = None,
) -> ParsedFile:
    """`raw` read as TOML. `loads` stands in for the parser's (the speed layer's faster one,
    which must raise the parser's own error on every text the parser refuses)."""
    digest = sha256_bytes(raw)

    def fail(code: Code, message: str, line: int | None = None) -> ParsedFile:
        return ParsedFile(None, "", digest, [Problem(rel, code, message, line)])

    if len(raw) > max_bytes:
        return fail(
            Code.TOO_LARGE,
            f"file is {len(raw) / 1048576:.1f} MiB; a data file is limited to "
            f"{max_bytes // 1048576} MiB (keep an article's full text in the archived .txt copy)",
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        return fail(
            Code.BYTE_ORDER_MARK,
            "file starts with a byte-order mark (BOM): save it as UTF-8 without BOM",
            1,
        )
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        return fail(
            Code.BINARY, "file holds binary content (a NUL byte): expected UTF-8 TOML text", line
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        return fail(
            Code.NOT_UTF8,
            f"not valid UTF-8 (byte 0x{raw[err.start]:02x} at byte {err.start}): "
            "save the file as UTF-8",
            line,
        )
    conflicts = conflict_problems(text, rel)
    if conflicts:
        return ParsedFile(None, text, digest, conflicts)
    if not text or text.isspace():
        return ParsedFile(None, text, digest, [Problem(rel, Code.EMPTY, "file is empty", 1)])
    try:
        data = (loads or toml_parser.loads)(text)
    except toml_parser.TOMLDecodeError as err:
        message = str(err)
        line = getattr(err, "lineno", None)
        found = re.search(r"\(at line (\d+), column (\d+)\)", message)
        if found:
            line = line or int(found.group(1))
            message = message[: found.start()].strip()
        elif "end of document" in message:
            line = text.count("\n") + 1
        return ParsedFile(
            None, text, digest, [Problem(rel, Code.TOML_SYNTAX, _toml_hint(message), line)]
        )
    except RecursionError:
        return fail(Code.TOML_SYNTAX, "nesting is too deep to read: flatten the tables or arrays")
    return ParsedFile(data, text, digest)


def _toml_hint(message: str) -> str:
    """Make the parser's words say what to do."""
    lowered = message.lower()
    if "cannot overwrite" in lowered or "cannot declare" in lowered:
        return f"TOML error: {message} (a key or table is defined twice)"
    if "invalid date" in lowered or "invalid datetime" in lowered:
        return f"TOML error: {message} (no such calendar date?)"
    return f"TOML error: {message}"


# --- from a key path back to a line ---------------------------------------------------------

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEYLINE = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""")


def key_lines(text: str) -> dict[Loc, int]:
    """Map each table header and key in a TOML text to its 1-based line.

    A light scan, not a parser: it is used only to point a finding at a line, after the real
    parser has accepted the file. Lines inside multi-line strings are skipped.
    """
    found: dict[Loc, int] = {}
    counters: dict[tuple[str, ...], int] = {}
    table: Loc = ()
    in_string: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string:
            if _closes(line, in_string):
                in_string = None
            continue
        header = _HEADER.match(line)
        if header and "=" not in line.split("]")[0]:
            names = _key_parts(header.group(2))
            if header.group(1) == "[[":
                index = counters.get(names, 0)
                counters[names] = index + 1
                table = (*names, index)
            else:
                table = names
            found.setdefault(table, number)
            continue
        key = _KEYLINE.match(line)
        if key:
            parts = _key_parts(key.group(1))
            found.setdefault((*table, *parts), number)
            rest = line[key.end() :]
            for delim in ('"""', "'''"):
                if _opens(rest, delim):
                    in_string = delim
                    break
    return found


def _key_parts(text: str) -> tuple[str, ...]:
    """A (dotted) key as the parser reads it: quoted parts unescaped (`"a\\u0041"` is `aA`),
    so a finding about a key that holds escapes still finds its line."""
    if '"' not in text and "'" not in text:
        return tuple(k.strip() for k in text.split("."))
    try:
        node: object = toml_parser.loads(f"{text} = 0")
    except toml_parser.TOMLDecodeError:
        return tuple(k.strip().strip("\"'") for k in text.split("."))
    parts: list[str] = []
    while isinstance(node, dict) and len(node) == 1:
        name, node = next(iter(node.items()))
        parts.append(name)
    return tuple(parts)


def _unescaped(line: str, delim: str) -> int:
    """How many times `delim` occurs in `line` not preceded by a backslash escape."""
    count = 0
    start = 0
    while True:
        at = line.find(delim, start)
        if at < 0:
            return count
        backslashes = len(line[:at]) - len(line[:at].rstrip("\\"))
        if delim == "'''" or backslashes % 2 == 0:
            count += 1
            start = at + 3
        else:
            start = at + 1


def _opens(rest: str, delim: str) -> bool:
    return _unescaped(rest, delim) % 2 == 1


def _closes(line: str, delim: str) -> bool:
    return _unescaped(line, delim) % 2 == 1


def line_of(lines: dict[Loc, int], loc: Loc) -> int | None:
    """The line of the deepest known prefix of `loc`."""
    for end in range(len(loc), 0, -1):
        hit = lines.get(tuple(loc[:end]))
        if hit is not None:
            return hit
    return None


def has_comments(text: str) -> bool:
    """Whether a TOML text holds a comment (a `#` outside strings): the canonical writer
    cannot keep comments, so a file that has them is never rewritten."""
    in_string: str | None = None
    for line in text.splitlines():
        position = 0
        while position < len(line):
            if in_string is not None:
                end = _find_close(line, position, in_string)
                if end < 0:
                    position = len(line)
                    break
                position = end + len(in_string)
                in_string = None
                continue
            ch = line[position]
            if ch == "#":
                return True
            for delim in ('"""', "'''", '"', "'"):
                if line.startswith(delim, position):
                    in_string = delim
                    position += len(delim)
                    break
            else:
                position += 1
        if in_string in ('"', "'"):  # a one-line string cannot span lines
            in_string = None
    return False


def _find_close(line: str, start: int, delim: str) -> int:
    at = start
    while True:
        at = line.find(delim, at)
        if at < 0:
            return -1
        if delim in ('"', '"""'):
            backslashes = len(line[start:at]) - len(line[start:at].rstrip("\\"))
            if backslashes % 2 == 1:
                at += 1
                continue
        return at
