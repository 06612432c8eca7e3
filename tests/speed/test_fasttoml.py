"""The fast TOML parser (`tracker.speed.fasttoml`) is never more lenient than the standard one:
whenever it accepts a text, the standard parser accepts it with the identical value (types,
key order, float signs, time zones included), and every text the standard parser rejects is
rejected with the standard parser's own message. Where rtoml alone would read a text
differently, the text is routed to the standard parser: each such text found here is one the
routing catches (`_routed`).

Generated documents (every TOML value type, Cyrillic and odd characters, written by tomli-w
and then damaged character by character), free text over TOML's own punctuation, and a
corpus of hand-written valid and invalid snippets; then whole projects, where a load with the
fast parser equals one with it switched off, down to `tracker check`'s `path:line: message`.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import REPO, evidence_toml, write_evidence
from tracker.speed import fasttoml
from tracker.store.toml_read import parse_toml_bytes, toml_parser
from tracker.workspace import open_workspace

rtoml = pytest.importorskip("rtoml")

FAST = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


# --- the same value, strictly ------------------------------------------------------------------


def same(a, b) -> bool:
    """Equal values of the same types, tables' keys in the same order, floats to the bit
    (-0.0 is not 0.0, nan is nan), date-times with the same offset (not the same instant).
    Walked with a stack of its own: a document may nest deeper than a test's stack."""
    pending = [(a, b)]
    while pending:
        a, b = pending.pop()
        if type(a) is not type(b):
            return False
        if isinstance(a, dict):
            if list(a) != list(b):
                return False
            pending += [(a[k], b[k]) for k in a]
        elif isinstance(a, list):
            if len(a) != len(b):
                return False
            pending += list(zip(a, b, strict=True))
        elif not _same_scalar(a, b):
            return False
    return True


def _same_scalar(a, b) -> bool:
    if isinstance(a, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b) and math.copysign(1, a) == math.copysign(1, b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, dt.datetime | dt.time):
        if (a.tzinfo is None) != (b.tzinfo is None):
            return False
        if a.tzinfo is not None:
            probe = a if isinstance(a, dt.datetime) else None
            if a.tzinfo.utcoffset(probe) != b.tzinfo.utcoffset(probe):
                return False
            if type(a.tzinfo) is not type(b.tzinfo):
                return False
        return a.replace(tzinfo=None) == b.replace(tzinfo=None)
    return a == b


def outcome(loads, text: str):
    try:
        return ("ok", loads(text))
    except (toml_parser.TOMLDecodeError, tomllib.TOMLDecodeError) as err:
        return ("error", str(err))
    except RecursionError:
        return ("error", "recursion")


def agree(text: str) -> None:
    """The property: the fast way gives exactly what the store's parser gives, value or
    message; and wherever rtoml alone would not give what the store's parser (tomli where
    installed) or the standard library's `tomllib` gives, the text is routed (so the fast way
    is exact with either as the authority: tomli 2.5 reads TOML 1.1, `tomllib` TOML 1.0)."""
    standard = outcome(toml_parser.loads, text)
    fast = outcome(fasttoml.loads, text)
    assert fast[0] == standard[0], (text, fast, standard)
    if standard[0] == "ok":
        assert same(fast[1], standard[1]), (text, fast, standard)
    else:
        assert fast[1] == standard[1], (text, fast, standard)
    try:
        alone = rtoml.loads(text)
    except Exception:  # rtoml refusing is always safe: the standard parser decides
        return
    for authority in (standard, outcome(tomllib.loads, text)):
        if authority[0] != "ok" or not same(alone, authority[1]):
            assert fasttoml._routed(text), f"rtoml alone reads {text!r} otherwise"


# --- generated documents ---------------------------------------------------------------------

ODD = "ЁёЙйЫыЪъЇїЎўІі—–“”«»€ \t\u00a0\u200b\u2028\ufeff\U0001f600é中"
chars = st.characters(blacklist_categories=("Cs",)) | st.sampled_from(ODD)
strings = st.text(chars, max_size=30)
keys = st.text(chars, min_size=0, max_size=12) | st.from_regex(
    r"[A-Za-z0-9_-]{1,10}", fullmatch=True
)
offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(
    lambda m: dt.timezone(dt.timedelta(minutes=m))
)
scalars = st.one_of(
    strings,
    st.integers(-(2**63), 2**63 - 1),
    st.integers(-(2**80), 2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.just(dt.UTC) | offsets),
    st.times(),
)


def _nested(inner):
    return st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4))


values = st.recursive(scalars, _nested, max_leaves=12)
documents = st.dictionaries(keys, values, min_size=1, max_size=6)


def written(doc) -> str | None:
    try:
        return tomli_w.dumps(doc)
    except (TypeError, ValueError):
        return None


@FAST
@given(documents)
def test_written_documents_read_the_same(doc):
    text = written(doc)
    if text is not None:
        agree(text)


TOML_PUNCTUATION = "=[]{}\"'#.,:+-_\\\n\r\t eEtTzZxbuUnfo0123456789"


@FAST
@given(
    documents,
    st.lists(
        st.tuples(
            st.integers(0, 10_000),
            st.sampled_from(TOML_PUNCTUATION + ODD),
            st.sampled_from(["insert", "replace", "delete"]),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_damaged_documents_are_refused_or_read_the_same(doc, edits):
    text = written(doc)
    if text is None:
        return
    for at, char, how in edits:
        at %= len(text) + 1
        if how == "insert":
            text = text[:at] + char + text[at:]
        elif how == "replace":
            text = text[:at] + char + text[at + 1 :]
        else:
            text = text[:at] + text[at + 1 :]
    agree(text)


@FAST
@given(st.text(st.sampled_from(TOML_PUNCTUATION + "abc\x00\x01\x7f\x1bЙ"), max_size=60))
def test_free_text_is_refused_or_read_the_same(text):
    agree(text)


value_texts = st.one_of(
    st.sampled_from(
        [
            "1",
            "-0",
            "+0",
            "0x1F",
            "0o17",
            "0b101",
            "1_000",
            "1__0",
            "01",
            "0x",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775809",
            "99999999999999999999999",
            "1.5",
            "-0.0",
            "+0.0",
            "1e10",
            "1E-3",
            "1e1000",
            "-1e1000",
            "1.",
            ".5",
            "inf",
            "+inf",
            "-inf",
            "nan",
            "+nan",
            "-nan",
            "true",
            "false",
            "True",
            "1979-05-27",
            "1979-05-27T07:32:00",
            "1979-05-27 07:32:00",
            "1979-05-27T07:32",
            "1979-05-27T07:32:00Z",
            "1979-05-27t07:32:00z",
            "1979-05-27T07:32:00+05:30",
            "1979-05-27T07:32:00-00:00",
            "1979-05-27T07:32:00.999999999+01:00",
            "1979-05-27T07:32:00.1234567",
            "07:32:00",
            "07:32",
            "07:32:00.5",
            "24:00:00",
            "23:59:60",
            "2021-02-29",
            "2020-02-29",
            "2021-13-01",
            "0000-01-01",
            '"plain"',
            '"\\e"',
            '"\\x41"',
            '"\\u0041"',
            '"\\U0001F600"',
            '"\\uD800"',
            '"\\U00110000"',
            '"\\/"',
            '"tab\there"',
            '"\x7f"',
            '"\x01"',
            "'literal \\x'",
            '"""\r\nline\r\nline"""',
            '"""a\\\r\n   b"""',
            "'''\r\nraw\r\n'''",
            '"""x""""',
            '"""x"""""',
            '"""x""""""',
            "'''x''''",
            "{}",
            "{a = 1}",
            "{a = 1,}",
            "{\na = 1\n}",
            "{a.b = 1, a.c = 2}",
            "{a = 1, a = 2}",
            "[]",
            "[1, 2,]",
            "[1, 'x']",
            "[[1], ['x']]",
            "[\n1,\n# c\n2\n]",
            "[1 2]",
            "[,]",
        ]
    ),
    strings.map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'),
)


@FAST
@given(
    st.lists(
        st.tuples(keys.map(lambda k: k if k.isidentifier() else f'"{k}"'), value_texts),
        min_size=1,
        max_size=5,
    ),
    st.sampled_from(["\n", "\r\n"]),
)
def test_lines_of_odd_values_are_refused_or_read_the_same(pairs, newline):
    agree(newline.join(f"{k} = {v}" for k, v in pairs) + newline)


# --- a corpus of hand-written texts ---------------------------------------------------------

INVALID = {
    "duplicate key": "a = 1\na = 2\n",
    "duplicate key, quoted": 'a = 1\n"a" = 2\n',
    "redefined table": "[a]\nb = 1\n[a]\nc = 2\n",
    "table over a dotted key": "a.b = 1\n[a]\nc = 1\n",
    "table over an inline table": "a = {b = 1}\n[a]\n",
    "dotted key into an inline table": "a = {b = 1}\na.c = 2\n",
    "array of tables over an array": "a = []\n[[a]]\n",
    "array of tables over an inline array": "a = [{b = 1}]\n[[a]]\n",
    "table redefined through a sub-table": "[a.b]\n[a]\n[a.b]\n",
    "bad escape": 'a = "\\q"\n',
    "escape of TOML 1.1": 'a = "\\e"\n',
    "hex escape of TOML 1.1": 'a = "\\x41"\n',
    "surrogate escape": 'a = "\\uD800"\n',
    "escape beyond unicode": 'a = "\\U00110000"\n',
    "short unicode escape": 'a = "\\u12"\n',
    "control character": 'a = "\x01"\n',
    "delete character": 'a = "\x7f"\n',
    "control character in a comment": "# \x01\na = 1\n",
    "vertical tab": 'a = "\x0b"\n',
    "lone carriage return": "a = 1\r",
    "newline in a string": 'a = "x\ny"\n',
    "no such date": "a = 2021-02-30\n",
    "not a leap year": "a = 2021-02-29\n",
    "month 13": "a = 2021-13-01\n",
    "hour 24": "a = 24:00:00\n",
    "second 60": "a = 23:59:60\n",
    "offset of 24 hours": "a = 2020-01-01T00:00:00+24:00\n",
    "time without seconds": "a = 12:30\n",
    "date-time without seconds": "a = 2020-01-01T12:30\n",
    "date and a T only": "a = 2020-01-01T\n",
    "leading zero": "a = 01\n",
    "double underscore": "a = 1__0\n",
    "signed hex": "a = +0x1\n",
    "float with a bare dot": "a = 1.\n",
    "float starting with a dot": "a = .1\n",
    "inline table across lines": "a = {\n b = 1 }\n",
    "inline table with a trailing comma": "a = {b = 1,}\n",
    "unicode bare key": "ключ = 1\n",
    "two values on a line": "a = 1 b = 2\n",
    "unclosed string": 'a = "x\n',
    "unclosed multi-line string": 'a = """x\n',
    "six quotes closing": 'a = """x""""""\n',
    "unclosed array": "a = [1, 2\n",
    "unclosed table header": "[a\n",
    "empty bare key": "= 1\n",
    "key without value": "a =\n",
    "value without key": '"x"\n',
    "escaped slash": 'a = "\\/"\n',
    "nested too deep": "a = " + "[" * 3000 + "]" * 3000 + "\n",
    "inline tables nested too deep": "a = " + "{b=" * 2000 + "1" + "}" * 2000 + "\n",
    "Cyrillic value unquoted": "title = Политика\n",
    "byte-order mark opening the text": '\ufeff"" = []\n',
    "byte-order mark before a key": "a = 1\n\ufeffb = 2\n",
}

VALID = {
    "CRLF multi-line string": 'a = """\r\nx\r\ny"""\r\n',
    "CRLF literal multi-line string": "a = '''\r\nx\r\ny'''\r\n",
    "CRLF file": "a = 1\r\nb = 2\r\n",
    "line-ending backslash with CRLF": 'a = """x\\\r\n   y"""\r\n',
    "offset date-time": "a = 1979-05-27T00:32:00-07:00\n",
    "Z date-time": "a = 1979-05-27T00:32:00Z\n",
    "lowercase t and z": "a = 1979-05-27t00:32:00z\n",
    "space for T": "a = 1979-05-27 00:32:00\n",
    "nine fraction digits": "a = 2020-01-01T00:00:00.999999999Z\n",
    "seven fraction digits, local": "a = 12:30:00.1234567\n",
    "integer beyond 64 bits": "a = 99999999999999999999\n",
    "smallest 64-bit integer": "a = -9223372036854775808\n",
    "float beyond range": "a = 1e1000\n",
    "tiny float": "a = 5e-324\n",
    "negative nan": "a = -nan\n",
    "negative zero": "a = -0.0\n",
    "mixed array": "a = [1, 'x', 2021-01-01, [2], {b = 1}]\n",
    "quoted Cyrillic key": '"ключ" = "значение"\n',
    "empty quoted key": '"" = 1\n',
    "key order": "z = 1\na = 2\nm = 3\n[t]\ny = 1\nb = 2\n",
    "dotted keys with spaces": "a . b = 1\n[ c . d ]\ne = 1\n",
    "super-table after sub-table": "[a.b]\nc = 1\n[a]\nd = 2\n",
    "unicode escapes": 'a = "\\u0000\\u00e9\\U0001F600"\n',
    "quotes closing a multi-line string": "a = \"\"\"x\"\"\"\"\"\nb = '''y'''''\n",
    "line-ending backslash": 'a = """x\\   \n  y"""\n',
    "a time in a quote": 'quote = "At 12:30 the ministry said"\n',
    "an evidence file": evidence_toml(
        "2025-03-01-an-event", extra='note = "Минск — «посольство»\\tЁё \\u00e9"\n'
    ),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_every_invalid_snippet_is_refused_in_the_standard_words(name):
    text = INVALID[name]
    assert outcome(tomllib.loads, text)[0] == "error", f"{name}: tomllib accepts it"
    agree(text)


@pytest.mark.parametrize("name", sorted(VALID))
def test_every_valid_snippet_reads_the_same(name):
    text = VALID[name]
    assert outcome(tomllib.loads, text)[0] == "ok", name
    agree(text)


@pytest.mark.parametrize("depth", [10, 50, 64, 90, 99, 100, 128, 300, 500])
def test_deep_nesting_reads_the_same(depth):
    """rtoml refuses nesting from about 100 levels, sooner than the standard parser runs out
    of stack (which the store reports as too deep): refusing is safe, the standard decides."""
    agree("a = " + "[" * depth + "]" * depth + "\n")
    agree("[" + ".".join(["a"] * depth) + "]\nb = 1\n")
    agree("a = [" + "[1, " * depth + "2" + "]" * depth + "]\n")


def test_the_divergences_found_are_routed():
    """What rtoml alone reads where the standard parser refuses or reads otherwise (found by
    the tests above): each is routed to the standard parser."""
    diverging = [
        'a = "\\e"\n',
        'a = "\\x41"\n',
        "a = 12:30\n",
        "a = 2020-01-01T12:30\n",
        "a = {\n b = 1 }\n",
        "a = {b = 1,}\n",
        'a = """\r\nx\r\ny"""\r\n',
        "a = 1979-05-27T00:32:00-07:00\n",
        '\ufeff"" = []\n',
    ]
    for text in diverging:
        alone = rtoml.loads(text)
        standard = outcome(tomllib.loads, text)
        assert standard[0] == "error" or not same(alone, standard[1])
        assert fasttoml._routed(text)
        agree(text)


def test_evidence_as_generated_reads_the_same(tmp_path):
    """The benchmark's generator: realistic items, English and Cyrillic."""
    out = tmp_path / "project"
    subprocess.run(
        [sys.executable, str(REPO / "bench" / "generate.py"), "300", str(out)],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
    )
    texts = [p.read_text("utf-8") for p in sorted(out.glob("evidence/*/*.toml"))]
    assert len(texts) == 300
    for text in texts:
        assert not fasttoml._routed(text)  # the fast way is taken: the gain is real
        agree(text)


# --- whole projects ----------------------------------------------------------------------------


def broken_project(root: Path) -> None:
    for i in range(8):
        day = f"2025-03-0{i + 1}"
        write_evidence(root, evidence_toml(f"{day}-item-{i}", date=day))
    broken = {
        "dup": "id = 1\nid = 2\n",
        "escape": 'id = "\\e"\n',
        "inline": 'id = "x"\nsource = {\n url = "u" }\n',
        "nodate": evidence_toml("2025-04-04-nodate", date="2025-04-31"),
        "shorttime": evidence_toml("2025-04-05-shorttime", extra="when = 12:30\n"),
        "crlf": evidence_toml("2025-04-06-crlf").replace("\n", "\r\n"),
        "bigint": evidence_toml("2025-04-07-bigint", extra="n = 99999999999999999999\n"),
        "offset": evidence_toml("2025-04-08-offset", extra="at = 2025-04-08T10:00:00+03:00\n"),
    }
    for day, (name, text) in enumerate(broken.items(), start=1):
        write_evidence(root, text, f"evidence/2025/2025-04-0{day}-{name}.toml")


def test_a_load_reads_the_same_with_the_fast_parser_on_or_off(mini, monkeypatch):
    broken_project(mini)
    fast = open_workspace(mini, cache=False)
    monkeypatch.setenv(fasttoml.ENV, "0")
    assert fasttoml.parser() is None
    off = open_workspace(mini, cache=False)
    plain = open_workspace(mini, speed=False)

    def shown(ws):
        return (
            sorted((p.render(), str(p.code)) for p in ws.problems),
            [(r.path, r.sha256, r.facts) for r in ws.records],
        )

    assert shown(fast) == shown(off) == shown(plain)
    assert any("TOML error" in p.message for p in fast.problems)


def test_parse_toml_bytes_names_the_line_with_either_parser():
    raw = b'id = "x"\ntitle = "t"\ntitle = "u"\n'
    fast = parse_toml_bytes(raw, "evidence/x.toml", loads=fasttoml.loads)
    plain = parse_toml_bytes(raw, "evidence/x.toml")
    assert [p.render() for p in fast.problems] == [p.render() for p in plain.problems]
    assert fast.problems[0].line == 3


def _check(root: Path, env: dict[str, str], block_rtoml: bool = False) -> tuple[int, str]:
    code = "import sys; from tracker.cli import main; sys.exit(main(sys.argv[1:]))"
    if block_rtoml:  # as where rtoml is not installed
        code = "import sys; sys.modules['rtoml'] = None; " + code
    done = subprocess.run(
        [sys.executable, "-c", code, "check", "--no-cache", "-C", str(root)],
        capture_output=True,
        text=True,
        env={**os.environ, **env, "PYTHONPATH": str(REPO)},
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


def test_check_prints_the_same_lines_with_the_fast_parser_off_or_missing(mini):
    broken_project(mini)
    on = _check(mini, {})
    off = _check(mini, {fasttoml.ENV: "0"})
    missing = _check(mini, {}, block_rtoml=True)
    assert on == off == missing
    assert on[0] != 0 and "2025-04-01-dup.toml:2: TOML error" in on[1].replace(os.sep, "/")
