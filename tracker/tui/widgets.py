"""Small display helpers: statuses that read without colour, and article text made inert."""

from __future__ import annotations

import re

from rich.text import Text

# status -> (symbol, word, style). The symbol and the word carry the meaning; colour only helps.
# Symbols distinct from the tree's fold arrows (▶ ▼) and the movement arrows (↑ ↓ →).
STATUS = {
    "achieved": ("✔", "achieved", "bold green"),
    "progressing": ("+", "progressing", "green"),
    "regressing": ("−", "regressing", "red"),
    "stalled": ("=", "no clear movement", "yellow"),
    "contested": ("±", "contested", "magenta"),
    "no-evidence": ("·", "no evidence", "bright_black"),
}
UNSCORED = ("·", "unscored", "bright_black")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def literal(text: str | None) -> Text:
    """Article or data text as a Text object: no markup is read, control characters show as \\xNN.

    A Text built from a plain string never interprets `[bold]`; the control characters are
    replaced so an escape sequence cannot reach the terminal.
    """

    def visible(match: re.Match[str]) -> str:
        ch = match.group()
        return f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}"

    return Text(_CONTROL.sub(visible, text or ""))


def status_parts(status: str | None) -> tuple[str, str, str]:
    return STATUS.get(status or "", UNSCORED)


def status_text(status: str | None, score: float | None = None, arrow: str = "") -> Text:
    symbol, word, style = status_parts(status)
    out = Text(f"{symbol} {word}", style=style)
    if score is not None:
        out.append(f"  {score:+.2f}")
    if arrow:
        out.append(f" {arrow}")
    return out


def node_label(title: str, status: str | None, score: float | None, arrow: str) -> Text:
    """A tree row: symbol, score, status word and trend first (never cut off), then the title."""
    symbol, word, style = status_parts(status)
    if status is None:
        label = Text(f"{symbol} ", style=style)
    else:
        shown = f"{round(score, 1) + 0.0:+.1f}" if score is not None else "    "
        label = Text(f"{symbol} {shown} {word:<12} {arrow or ' '} ", style=style)
    label.append_text(literal(title))
    return label


class RenderOnce:
    """A rich renderable rendered once per width, however often it is asked for.

    Textual renders a Static's content to learn its height and again to draw it (and again on
    every repaint of the pane); a table of contributions costs ~10 ms a time. The segments
    depend only on the width here (a Text and a Table ignore the height they are offered).
    """

    def __init__(self, renderable) -> None:
        self.renderable = renderable
        self._segments: dict[tuple, list] = {}

    def __rich_console__(self, console, options):
        key = (options.max_width, options.min_width, options.justify, options.overflow)
        segments = self._segments.get(key)
        if segments is None:
            segments = self._segments[key] = list(console.render(self.renderable, options))
        return segments

    def __rich_measure__(self, console, options):
        from rich.measure import Measurement

        return Measurement.get(console, options, self.renderable)


def direction(impact: int) -> Text:
    if impact > 0:
        return Text(f"▲ toward +{impact}", style="green")
    if impact < 0:
        return Text(f"▼ away {impact}", style="red")
    return Text("● no move 0", style="yellow")


def article_area(**kwargs):
    """A TextArea for a pasted article that says when a paste landed (to offer the import).

    Built on demand so that importing this module stays free of Textual.
    """
    from textual.message import Message
    from textual.widgets import TextArea

    class ArticleArea(TextArea):
        class Pasted(Message):
            pass

        def on_paste(self, event) -> None:
            # TextArea's own handler inserts the text; this one only tells the form after.
            self.post_message(self.Pasted())

    return ArticleArea(**kwargs)
