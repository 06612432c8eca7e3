"""Pydantic's validation errors as an analyst reads them: a finding per error, with its line,
its code, and a message that says what is expected instead of what the library found."""

from __future__ import annotations

import datetime as dt
import difflib
import typing
from collections.abc import Callable, Iterable

from pydantic import BaseModel, ValidationError

from tracker.domain.problems import Code, Problem

Locate = Callable[[tuple[str | int, ...]], int | None]

_EXPECTED = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "float_type": "a number",
    "string_type": "a text string",
    "bool_type": "true or false",
    "date_type": "a date like 2025-09-15 (without a time)",
    "list_type": "a list [ … ]",
    "model_type": "a table",
    "dict_type": "a table",
    "finite_number": "a finite number",
}


def describe_input(value: object) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "…"
        return f"the string {shown!r}"
    if isinstance(value, dt.datetime):
        return f"the date-time {value.isoformat()}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def loc_label(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + part
    return out or "the file's top level"


def _model_at(model: type[BaseModel], loc: Iterable[str | int]) -> type[BaseModel] | None:
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return None
        if isinstance(part, int):
            continue
        info = next(
            (f for name, f in current.model_fields.items() if (f.alias or name) == part), None
        )
        if info is None:
            return None
        annotation = info.annotation
        current = None
        for candidate in (annotation, *typing.get_args(annotation)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                current = candidate
    return current


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _rule_broken(error: dict, value: str) -> str:
    """The words of the rule a text or an id broke (`model.check_text`, `model.check_id`)."""
    from tracker.domain.model import ID_PATTERN, check_id, check_text

    rule = check_id if error.get("ctx", {}).get("pattern") == ID_PATTERN.pattern else check_text
    if error["type"] == "string_too_long":
        rule = check_id
    try:
        rule(value)
    except ValueError as err:
        return str(err)
    return error["msg"]


def validation_problems(
    err: ValidationError,
    model: type[BaseModel],
    rel: str,
    locate: Locate,
    base: tuple[str | int, ...] = (),
) -> list[Problem]:
    problems = []
    for error in err.errors():
        loc = (*base, *error["loc"])
        label = loc_label(loc)
        kind = error["type"]
        value = error.get("input")
        code = Code.BAD_VALUE
        if kind == "missing":
            code = Code.MISSING_KEY
            message = f"missing required key '{loc[-1]}' in {loc_label(loc[:-1])}"
        elif kind == "extra_forbidden":
            code = Code.UNKNOWN_KEY
            owner = _model_at(model, error["loc"][:-1])
            known = _field_names(owner) if owner else []
            close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
            hint = (
                f"did you mean '{close[0]}'?" if close else f"expected one of: {', '.join(known)}"
            )
            message = f"unknown key '{label}'; {hint}"
        elif kind in _EXPECTED:
            code = Code.WRONG_TYPE
            message = f"{label} must be {_EXPECTED[kind]}, not {describe_input(value)}"
        elif kind == "literal_error":
            expected = error["msg"].removeprefix("Input should be ")
            message = f"{label} must be {expected}, not {describe_input(value)}"
        elif kind == "value_error":
            message = f"{label}: {error['msg'].removeprefix('Value error, ')}"
        elif kind == "string_pattern_mismatch" and loc[-1] == "archive_sha256":
            message = (
                f"{label} must be 64 lowercase hex digits (a sha256), not {describe_input(value)}"
            )
        elif kind in ("string_pattern_mismatch", "string_too_long") and isinstance(value, str):
            message = f"{label}: {_rule_broken(error, value)}"
        elif kind == "too_short" and isinstance(value, list):
            message = f"{label} needs at least one entry"
        elif kind == "string_too_short":
            message = f"{label} may not be empty"
        else:
            message = f"{label}: {error['msg'].replace('Input should be', 'should be')}"
            if value is not None and not isinstance(value, dict | list):
                message += f", not {describe_input(value)}"
        problems.append(Problem(rel, code, message, locate(loc)))
    return problems
