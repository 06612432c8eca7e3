"""Article text as inert data: what arrives from a page or a paste is stored without control
characters, and what is shown on a terminal cannot drive it.

An imported article is untrusted input. A terminal escape sequence inside it could recolour,
move or retitle the analyst's terminal when printed; a NUL or a stray control byte would make
the evidence file invalid (`tracker.domain.model.check_text` rejects them). So escape sequences are
removed as a whole (not just their ESC byte, which would leave `[31m` litter), other control
characters are dropped, and markup (`[bold]`, `<b>`) is kept as the literal text it is.
"""

from __future__ import annotations

import re
import unicodedata

# CSI (ESC [ … final byte), OSC (ESC ] … BEL or ESC \), other two-byte escapes, and the 8-bit
# C1 forms of CSI and OSC.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]            # CSI
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?  # OSC, terminated by BEL or ST (or cut off)
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?    # DCS, SOS, PM, APC strings
    | \x1b[@-Z\\-_]                    # other Fe escapes
    | \x9b[0-?]*[ -/]*[@-~]            # 8-bit CSI
    | \x9d[^\x07\x9c]*(?:\x07|\x9c)?   # 8-bit OSC
    """,
    re.VERBOSE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def strip_controls(text: str) -> str:
    """Remove escape sequences and control characters; keep line breaks and tabs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _BIDI.sub("", text)
    return _CONTROL.sub("", text)


def clean_text(text: str) -> str:
    """Article text ready to store: no controls, NFC, tidy spaces, at most one blank line."""
    text = unicodedata.normalize("NFC", strip_controls(text))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def clean_line(text: str) -> str:
    """A one-line field (title, author, publisher): controls removed, whitespace collapsed."""
    return " ".join(strip_controls(text).split())


_UNSAFE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]"
)


def visible_controls(text: str) -> str:
    """The one way untrusted text reaches a terminal: every control character becomes a
    visible `\\x1b`, and every invisible or direction-changing mark a visible `<U+202E>`, so
    no escape sequence can drive the terminal and no override can reorder what is shown.
    Line breaks and tabs stay as they are."""
    if text.isprintable() and not _UNSAFE.search(text):
        return text

    def visible(match: re.Match[str]) -> str:
        ch = match.group()
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0xA0 else f"<U+{code:04X}>"

    return _UNSAFE.sub(visible, text)


def terminal_line(text: str) -> str:
    """A one-line value for a terminal (an id, a key, a path): also line breaks made visible."""
    return visible_controls(text).replace("\n", "\\n").replace("\r", "\\r")


def for_terminal(text: str) -> str:
    """Untrusted text for rich or Textual: controls made visible and markup escaped, so
    `[red]` in an article prints as `[red]`."""
    from rich.markup import escape

    return escape(visible_controls(text))


def looks_binary(data: bytes) -> bool:
    """NUL bytes or a high share of control bytes: an image, a PDF, an archive, not text."""
    if not data:
        return False
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls / len(sample) > 0.05
