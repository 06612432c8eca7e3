"""Progress for long work: a labelled bar, fed from a worker thread without flooding the UI.

`Reporter` is the `progress(done, total)` callable that `store.load_project` calls from the
loading thread: it decides whether the work is long enough to show (many files, or already
slow), throttles, and posts a message (thread-safe, and the loading thread never waits for the
UI). `ProgressPanel` is what the analyst sees: "reading evidence 3,500 / 10,000" and a bar,
or, where no count is known, a label and an indeterminate bar.
"""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.message_pump import MessagePump
from textual.widgets import Label, ProgressBar

# A load shows its bar at once when it reads at least this many files (a cold load of a big
# project), or once it has been reading for SHOW_AFTER seconds; a warm load never calls back.
SHOW_FROM_TOTAL = 2000
SHOW_AFTER = 0.3
# At most ~20 updates a second reach the UI thread, however often the loader reports.
MIN_INTERVAL = 0.05


class Progress(Message):
    """`done` of `total` steps of the work a reporter follows (posted from its thread)."""

    bubble = False

    def __init__(self, reporter: Reporter, done: int, total: int) -> None:
        super().__init__()
        self.reporter, self.done, self.total = reporter, done, total


class Reporter:
    """`progress(done, total)` for a worker thread: posts `Progress` to `target`, throttled.

    Silent until the work proves long (SHOW_FROM_TOTAL steps, or SHOW_AFTER seconds); once
    `closed` (set by the UI thread when the work is over), late calls post nothing.
    """

    def __init__(
        self,
        target: MessagePump,
        *,
        show_from: int | None = None,
        after: float | None = None,
        interval: float | None = None,
    ) -> None:
        self.target = target
        self.show_from = SHOW_FROM_TOTAL if show_from is None else show_from
        self.after = SHOW_AFTER if after is None else after
        self.interval = MIN_INTERVAL if interval is None else interval
        self.started = time.monotonic()
        self.shown = False
        self.closed = False
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if self.closed:
            return
        now = time.monotonic()
        if not self.shown:
            if done >= total or (total < self.show_from and now - self.started < self.after):
                return
            self.shown = True
        elif now - self._last < self.interval and done < total:
            return
        self._last = now
        self.target.post_message(Progress(self, done, total))


class ProgressPanel(Horizontal):
    """A label and a bar: counted (`total` given) or indeterminate (`total=None`).

    `delay`: stay hidden that many seconds, so that work which ends sooner never flashes.
    """

    DEFAULT_CSS = """
    ProgressPanel { height: 1; margin-bottom: 1; }
    ProgressPanel > Label { width: auto; margin-right: 2; }
    ProgressPanel > ProgressBar { width: 1fr; }
    ProgressPanel > ProgressBar > Bar { width: 1fr; min-width: 10; }
    """

    class Stage(Message):
        """A new label (and count) for the panel, posted from a worker thread."""

        def __init__(self, label: str, done: int | None = None, total: int | None = None):
            super().__init__()
            self.label, self.done, self.total = label, done, total

    class Done(Message):
        """The work is over: the panel removes itself (posted from a worker thread)."""

    def __init__(
        self,
        label: str,
        *,
        done: int | None = None,
        total: int | None = None,
        delay: float = 0.0,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.label, self.done, self.total = label, done, total  # what it says (or will)
        self._delay = delay

    def compose(self) -> ComposeResult:
        yield Label(self.label, markup=False)
        yield ProgressBar(total=self.total, show_eta=self.total is not None)

    def on_mount(self) -> None:
        self._apply()
        if self._delay > 0:
            self.display = False
            self.set_timer(self._delay, self._reveal)

    def _reveal(self) -> None:
        self.display = True

    def show(self, label: str, done: int | None = None, total: int | None = None) -> None:
        """Say what is happening now; with a count, fill the bar to it."""
        self.label, self.done, self.total = label, done, total
        self._apply()

    def _apply(self) -> None:
        labels, bars = self.query(Label), self.query(ProgressBar)
        if not labels or not bars:  # not composed yet: on_mount applies it
            return
        labels.first().update(self.label)
        bar = bars.first()
        for status in bar.query("#percentage, #eta"):  # no count: no per cent, no time left
            status.display = self.total is not None
        if self.total is None:
            bar.update(total=None)
        else:
            bar.update(total=self.total, progress=self.done or 0)

    def on_progress_panel_stage(self, message: Stage) -> None:
        message.stop()
        self.show(message.label, message.done, message.total)

    def on_progress_panel_done(self, message: Done) -> None:
        message.stop()
        self.remove()


def count_label(what: str, done: int, total: int) -> str:
    return f"{what} {done:,} / {total:,}"
