"""TOML in `tracker`'s one canonical layout, and the way back from a key to its line.

General-purpose writers put arrays of tables inline, where TOML forbids multi-line strings, so
long quotes would become one unreadable line. Our data has a fixed shape (scalars, lists of
scalars, tables, arrays of tables), and a writer for exactly that shape keeps every diff small:
fixed key order, long text in `\"\"\"` blocks, one value a line.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _basic_string(key)


def _escape_char(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    code = ord(ch)
    if code < 0x20 or code == 0x7F:
        return f"\\u{code:04X}"
    return ch


def _basic_string(value: str) -> str:
    return '"' + "".join(_escape_char(c) for c in value) + '"'


def _multiline_string(value: str) -> str:
    out: list[str] = []
    quotes = 0
    for ch in value:
        if ch == '"':
            quotes += 1
            # A third quote in a row would close the block: escape it.
            out.append('\\"' if quotes == 3 else '"')
            if quotes == 3:
                quotes = 0
            continue
        quotes = 0
        if ch == "\n":
            out.append("\n")
        elif ch == "\t":
            out.append("\t")
        else:
            out.append(_escape_char(ch))
    body = "".join(out)
    if body.endswith('"') and not body.endswith('\\"'):
        # A quote right before the closing delimiter is legal but easy to misread: escape it.
        body = body[:-1] + '\\"'
    return '"""\n' + body + '"""'


LONG_TEXT = 80


def _is_long(value: str) -> bool:
    """Text that gets a block of its own: several lines, or more than a short line's worth."""
    return "\n" in value or len(value) > LONG_TEXT


def format_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("TOML data may not hold NaN or infinity here")
        return repr(value)
    if isinstance(value, dt.datetime):
        raise TypeError("datetimes are not part of tracker's data; use a date")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return _multiline_string(value) if _is_long(value) else _basic_string(value)
    if isinstance(value, Sequence):
        items = [format_value(v) for v in value]
        if not items:
            return "[]"
        one_line = "[" + ", ".join(items) + "]"
        if len(one_line) <= 80 and not any("\n" in i for i in items):
            return one_line
        return "[\n" + "".join(f"    {i},\n" for i in items) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _is_table(value: object) -> bool:
    return isinstance(value, Mapping)


def _is_table_array(value: object) -> bool:
    return (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and bool(value)
        and all(isinstance(v, Mapping) for v in value)
    )


def dumps(data: Mapping[str, object]) -> str:
    """Write a mapping as TOML: scalars first, then tables, then arrays of tables, in key order."""
    lines: list[str] = []
    _emit_table(data, (), lines)
    text = "\n".join(lines).strip("\n")
    return text + "\n"


def _emit_table(data: Mapping[str, object], path: tuple[str, ...], lines: list[str]) -> None:
    for key, value in data.items():
        if value is None or _is_table(value) or _is_table_array(value):
            continue
        lines.append(f"{_key(key)} = {format_value(value)}")
    for key, value in data.items():
        if _is_table(value):
            sub = (*path, key)
            lines.append("")
            lines.append("[" + ".".join(_key(k) for k in sub) + "]")
            _emit_table(value, sub, lines)  # type: ignore[arg-type]
    for key, value in data.items():
        if _is_table_array(value):
            sub = (*path, key)
            for entry in value:  # type: ignore[union-attr]
                lines.append("")
                lines.append("[[" + ".".join(_key(k) for k in sub) + "]]")
                _emit_table(entry, sub, lines)


# --- from a key path back to a line ---------------------------------------------------------

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEYLINE = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""")

Loc = tuple[str | int, ...]


def key_lines(text: str) -> dict[Loc, int]:
    """Map each table header and key in a TOML text to its 1-based line.

    A light scan, not a parser: it is used only to point an error at a line, after the real
    parser has accepted the file. Lines inside multi-line strings are skipped.
    """
    found: dict[Loc, int] = {}
    counters: dict[tuple[str, ...], int] = {}
    table: Loc = ()
    in_string: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        header = _HEADER.match(line)
        if header and "=" not in line.split("]")[0]:
            names = tuple(k.strip().strip("\"'") for k in header.group(2).split("."))
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
            parts = tuple(k.strip("\"'") for k in key.group(1).split("."))
            found.setdefault((*table, *parts), number)
            rest = line[key.end() :]
            for delim in ('"""', "'''"):
                if rest.count(delim) % 2 == 1:
                    in_string = delim
                    break
    return found


def line_of(lines: dict[Loc, int], loc: Loc) -> int | None:
    """The line of the deepest known prefix of `loc`."""
    for end in range(len(loc), 0, -1):
        hit = lines.get(tuple(loc[:end]))
        if hit is not None:
            return hit
    return None
