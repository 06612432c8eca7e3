"""Small display helpers: statuses that read without colour, figures with their sign, a chart
with zero at mid-height, and article text made inert."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.text import Text

from tracker.domain.scoring.words import STATUS_LABEL, STATUS_SYMBOL
from tracker.reports.figures import signed

# status -> (symbol, word, style): the symbols and words every face uses; colour only helps.
_STYLE = {
    "achieved": "bold green",
    "progressing": "green",
    "regressing": "red",
    "stalled": "yellow",
    "contested": "magenta",
    "no-evidence": "bright_black",
}
STATUS = {k: (STATUS_SYMBOL[k], STATUS_LABEL[k], style) for k, style in _STYLE.items()}
UNSCORED = ("·", "unscored", "bright_black")
# The tree's fold marks (folded, unfolded): never an arrow, never a status symbol.
FOLD = ("⊞ ", "⊟ ")

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


def one_line(text: str | None) -> Text:
    """Data text on one line (a title with line breaks in a list row)."""
    return literal(" ".join((text or "").split()))


def status_parts(status: str | None) -> tuple[str, str, str]:
    return STATUS.get(status or "", UNSCORED)


def status_text(status: str | None, score: float | None = None, arrow: str = "") -> Text:
    symbol, word, style = status_parts(status)
    out = Text(f"{symbol} {word}", style=style)
    if score is not None:
        out.append(f"  {signed(score, 2)}")
    if arrow:
        out.append(f" {arrow}")
    return out


def node_label(
    title: str, status: str | None, score: float | None, arrow: str, *, words: bool = True
) -> Text:
    """A tree row: symbol, signed score (two decimals: -0.05 never reads +0.0), status word
    and movement arrow first (never cut off), then the title. `words=False` (a narrow tree)
    leaves the status word out: the symbol carries it, and the title gets the room."""
    symbol, word, style = status_parts(status)
    if status is None:
        label = Text(f"{symbol} ", style=style)
    else:
        shown = signed(score, 2) if score is not None else "     "
        middle = f" {word:<17}" if words else ""
        label = Text(f"{symbol} {shown}{middle} {arrow or ' '} ", style=style)
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


def direction(impact: float) -> Text:
    """Which way an assessment points, as an arrow and a word (never a fold mark)."""
    if impact > 0:
        return Text(f"↑ toward {signed(impact, 0)}", style="green")
    if impact < 0:
        return Text(f"↓ away {signed(impact, 0)}", style="red")
    return Text("→ no move 0", style="yellow")


_EIGHTHS = " ▁▂▃▄▅▆▇█"


def chart_rows(values: Sequence[float], half: int = 2, scale: float | None = None) -> list[str]:
    """A column chart on a scale symmetric around zero, with zero on the middle row (the axis),
    as the CLI's `history` puts it (`tracker.reports.terminal.sparkline`): a standing of 0 is
    the bare axis, a positive one grows up from it, a negative one hangs down from it.

    `half` rows above the axis and as many below; `scale`: the value at the top (default the
    largest |value|, at least 0.25, as the CLI). A non-zero value never draws as zero.
    """
    if not values:
        return []
    top = scale or max(0.25, max(abs(v) for v in values))
    steps = half * 8  # eighths of a row in each half
    rows = [[" "] * len(values) for _ in range(half * 2 + 1)]
    for col, value in enumerate(values):
        rows[half][col] = "─"
        eighths = min(steps, round(abs(value) / top * steps))
        if eighths == 0 and value != 0:
            eighths = 1
        full, part = divmod(eighths, 8)
        if value > 0:
            for r in range(full):
                rows[half - 1 - r][col] = "█"
            if part:
                rows[half - 1 - full][col] = _EIGHTHS[part]
        elif value < 0:
            # Terminals have no top-anchored partial blocks but the half block (▀): the end
            # of a bar that hangs down is ▀ below six eighths of a row, else a full block.
            for r in range(full):
                rows[half + 1 + r][col] = "█"
            if part:
                rows[half + 1 + full][col] = "▀" if part < 6 else "█"
    return ["".join(row) for row in rows]


def chart_text(
    values: Sequence[float], dates: Sequence, half: int = 2, style: str = "", stretch: int = 1
) -> Text:
    """The chart with its scale on the left (top, zero, bottom) and its first and last dates
    under it; `stretch` columns per value, so a wide pane uses its room."""
    rows = ["".join(ch * stretch for ch in row) for row in chart_rows(values, half)]
    if not rows:
        return Text("")
    top = max(0.25, max(abs(v) for v in values))
    marks = {0: signed(top, 2), half: "0", len(rows) - 1: signed(-top, 2)}
    width = max(len(m) for m in marks.values())
    out = Text()
    for index, row in enumerate(rows):
        mark = marks.get(index)
        out.append((mark.rjust(width) + " ┤") if mark else " " * width + " │", style="dim")
        out.append(row, style=style)
        out.append("\n")
    if dates:
        first, last = str(dates[0]), str(dates[-1])
        gap = max(1, len(values) * stretch - len(first) - len(last))
        out.append(" " * (width + 2) + first + " " * gap + last, style="dim")
    return out


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
