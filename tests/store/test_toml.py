"""TOML in and out: whatever the canonical writer (tomli-w) writes reads back as the same data,
and every key finds its line."""

from __future__ import annotations

import datetime as dt
import tomllib

from hypothesis import given
from hypothesis import strategies as st

from tracker.store import toml_read, toml_write

# Any text a file may hold: Cyrillic, quotes, backslashes, newlines, emoji, tabs.
texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=200,
) | st.sampled_from(['"', '""', '"""', 'a"""b', "\\", "line\n", "\n", 'ends with "', "Минск 🇧🇾"])

scalars = texts | st.integers(-(10**6), 10**6) | st.booleans() | st.dates()
keys = st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True)


@given(
    st.dictionaries(keys, scalars | st.lists(texts, max_size=4), max_size=6),
    st.lists(st.dictionaries(keys, scalars, max_size=4), max_size=3),
)
def test_round_trip(top, tables):
    data = dict(top)
    if tables:
        data["entry"] = [t for t in tables if t] or [{"a": 1}]
    text = toml_write.dumps(data)
    assert tomllib.loads(text) == data


def test_multiline_strings_use_blocks():
    text = toml_write.dumps({"quote": "first line\nsecond line"})
    assert text == 'quote = """\nfirst line\nsecond line"""\n'


def test_order_scalars_tables_arrays():
    text = toml_write.dumps({"b": [{"x": 1}], "s": {"k": "v"}, "a": 1, "d": dt.date(2025, 1, 2)})
    assert text.splitlines() == [
        "a = 1",
        "d = 2025-01-02",
        "",
        "[s]",
        'k = "v"',
        "",
        "[[b]]",
        "x = 1",
    ]


def test_key_lines_skip_multiline_strings():
    text = 'id = "x"\nquote = """\n[source]\nimpact = 3\n"""\n\n[[assessment]]\nimpact = 1\n'
    lines = toml_read.key_lines(text)
    assert lines[("id",)] == 1
    assert ("source",) not in lines
    assert lines[("assessment", 0, "impact")] == 8
    assert toml_read.line_of(lines, ("assessment", 0, "missing")) == 7


def test_comments_are_found_outside_strings_only():
    assert toml_read.has_comments("a = 1 # note\n")
    assert toml_read.has_comments("# header\na = 1\n")
    assert not toml_read.has_comments("a = \"# not a comment\"\nb = '#'\n")
    assert not toml_read.has_comments('q = """\n# inside a block\n"""\n')
    assert toml_read.has_comments('q = """\nx\n""" # after\n')
    assert not toml_read.has_comments('a = "escaped \\" # still inside"\n')


def test_key_lines_survive_escaped_quotes_in_blocks():
    text = 'q = """\nsays \\""" and more\n"""\nnext = 1\n'
    assert tomllib.loads(text)["next"] == 1
    assert toml_read.key_lines(text)[("next",)] == 4
