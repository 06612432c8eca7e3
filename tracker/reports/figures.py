"""Figures and text as every report writes them, whatever its format (no rich here: the
exports import this without the terminal's library)."""

from __future__ import annotations

from tracker.textclean import visible_controls


def signed(value: float, digits: int = 2) -> str:
    """A signed figure that never shows a non-zero value as zero: -0.004 is "-0.00" with a
    sign that says which side of zero it is, and an exact zero is "0.00"."""
    text = f"{value:+.{digits}f}"
    if value == 0:
        return f"{0:.{digits}f}".rjust(len(text))
    return text


def clean(text: str, *, one_line: bool = False) -> str:
    """Text safe for a terminal or a file (see `visible_controls`), on one line if asked."""
    text = text.replace("\r\n", "\n")
    if one_line:
        text = " ".join(text.split())
    return visible_controls(text)
