"""Evidence files parsed by rtoml (a Rust TOML parser, about three times tomli's speed here),
with the store's parser (`tracker.store.toml_read.toml_parser`) as the authority.

A cold load of a large project is mostly parsing (at 100,000 items: 16 us a file with
rtoml, 53 us with tomli, 135 us with `tomllib`). What rtoml gives is used only where it is
known to be what the standard parser gives; everything else goes to the standard parser,
which then decides, with its own message and line:

- any error of rtoml (the standard parser may yet accept: an integer beyond 64 bits,
  `1e1000`; or it rejects, in its own words);
- a text with a carriage return (rtoml keeps CRLF inside multi-line strings, the standard
  parser turns it into LF);
- a text with `{` (rtoml reads TOML 1.1's inline tables across lines and with a trailing
  comma, which TOML 1.0 refuses);
- a text with `\\e` or `\\x` (TOML 1.1's escapes);
- a text with a byte-order mark (rtoml skips one that opens the text; the store refuses such
  a file before parsing it anyway);
- a text with a digit, a colon and a digit (any time or date-time: rtoml reads a time
  without seconds, and gives its own tzinfo class where the standard parser gives
  `datetime.timezone`).

Those texts are rare in evidence files (none of the benchmark's 100,000): dates are plain
dates, times sit in quoted text only when a quote mentions one (such a file takes the
standard parser, and costs only speed). `tests/speed/test_fasttoml.py` holds the two parsers
equal on generated and hand-written texts, valid and invalid.

`TRACKER_FAST_TOML=0` switches it off, as does rtoml's absence: the standard parser alone.
"""

from __future__ import annotations

import os
from typing import Any

from tracker.store.toml_read import TomlLoads, toml_parser

ENV = "TRACKER_FAST_TOML"

try:
    import rtoml as _rtoml
except ImportError:  # pragma: no cover - depends on the environment
    _rtoml = None

_DIGITS = frozenset("0123456789")


def _routed(text: str) -> bool:
    """Whether `text` holds anything where rtoml's reading may differ from the standard
    parser's (the module's docstring): such a text takes the standard parser."""
    if "\r" in text or "{" in text or "\ufeff" in text:
        return True
    if "\\" in text and ("\\e" in text or "\\x" in text):  # one search where none is
        return True
    at = text.find(":")
    while at >= 0:
        if 0 < at < len(text) - 1 and text[at - 1] in _DIGITS and text[at + 1] in _DIGITS:
            return True
        at = text.find(":", at + 1)
    return False


def loads(text: str) -> dict[str, Any]:
    """`text` parsed as the standard parser parses it (raising its `TOMLDecodeError` on a
    text it refuses), by rtoml where that is known to give the same."""
    fast = _rtoml
    if fast is not None and not _routed(text):
        try:
            return fast.loads(text)
        except Exception:  # rtoml refuses, or fails: the standard parser decides
            pass
        except BaseException as err:  # pyo3's PanicException is a BaseException
            if isinstance(err, (KeyboardInterrupt, SystemExit, GeneratorExit)):
                raise
    return toml_parser.loads(text)


def parser() -> TomlLoads | None:
    """The evidence parser for a load: rtoml's way, unless switched off or not installed
    (None: the store's own parser)."""
    if _rtoml is None or os.environ.get(ENV, "").strip() == "0":
        return None
    return loads


def version() -> str:
    """What the fast parser is, for the load cache's fingerprint."""
    return getattr(_rtoml, "__version__", "?") if _rtoml is not None else "none"
