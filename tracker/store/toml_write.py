"""TOML in one canonical layout, written by tomli-w (the design card's writer).

Deterministic: keys in the model's field order (scalars, then tables, then arrays of tables),
text with line breaks as `\"\"\"` blocks so a changed paragraph is a changed diff line, lists
one element a line, nothing written that a model leaves unset (None, an empty text or list).
`tracker fmt` rewrites files into this layout; a file that
holds comments is never rewritten, since no writer can keep them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from tracker.domain.model import SCHEMA_VERSION, EvidenceItem, RecommendationsFile


def dumps(data: dict[str, Any]) -> str:
    """A mapping as TOML. tomli-w writes every value; the tables are laid out here, so that a
    table is always a `[table]` section and an array of tables always `[[array]]` sections
    (tomli-w would write short ones inline, and a file's layout would depend on how long its
    texts happen to be)."""
    lines: list[str] = []
    _emit(_canonical(data), (), lines)
    return "\n".join(lines).strip("\n") + "\n"


def _emit(table: dict[str, Any], path: tuple[str, ...], lines: list[str]) -> None:
    import tomli_w

    plain = {k: v for k, v in table.items() if not _is_table(v) and not _is_tables(v)}
    if plain:
        lines.append(tomli_w.dumps(plain, multiline_strings=True).rstrip("\n"))
    for key, value in table.items():
        if _is_table(value):
            lines += ["", f"[{_dotted((*path, key))}]"]
            _emit(value, (*path, key), lines)
    for key, value in table.items():
        if _is_tables(value):
            for entry in value:
                lines += ["", f"[[{_dotted((*path, key))}]]"]
                _emit(entry, (*path, key), lines)


def _is_table(value: Any) -> bool:
    return isinstance(value, dict)


def _is_tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _dotted(path: tuple[str, ...]) -> str:
    import re

    import tomli_w

    parts = []
    for key in path:
        if re.fullmatch(r"[A-Za-z0-9_-]+", key):
            parts.append(key)
        else:
            parts.append(tomli_w.dumps({"k": key}).split(" = ", 1)[1].strip())
    return ".".join(parts)


def _canonical(value: Any) -> Any:
    """Nothing unset, and in each table the plain values first, then sub-tables, then arrays
    of tables (in the model's order within each group): only that order lets a writer use
    `[table]` and `[[array]]` headers, whatever order a model declares its fields in."""
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if not isinstance(value, dict):
        return value
    plain, tables, arrays = {}, {}, {}
    for key, item in value.items():
        if item is None:
            continue
        item = _canonical(item)
        if isinstance(item, dict):
            tables[key] = item
        elif isinstance(item, list) and item and all(isinstance(v, dict) for v in item):
            arrays[key] = item
        else:
            plain[key] = item
    return {**plain, **tables, **arrays}


def _unset_dropped(value: Any) -> Any:
    """A model's dump without the values it leaves unset: None, an empty text, an empty list
    (the models' defaults for every optional text and list)."""
    if isinstance(value, dict):
        return {
            k: _unset_dropped(v) for k, v in value.items() if v is not None and v != "" and v != []
        }
    if isinstance(value, list):
        return [_unset_dropped(v) for v in value]
    return value


def model_to_toml(model: BaseModel) -> str:
    return dumps(_unset_dropped(model.model_dump(mode="python", by_alias=True)))


def evidence_to_toml(item: EvidenceItem) -> str:
    return model_to_toml(item)


def recommendations_to_toml(doc: RecommendationsFile) -> str:
    data = _unset_dropped(doc.model_dump(mode="python", by_alias=True))
    data["schema"] = SCHEMA_VERSION
    return dumps({"schema": data.pop("schema"), **data})
