"""The workbench App: loads the project in a worker, owns the session, routes the actions."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from tracker.tui.session import Session


class WorkbenchApp(App[None]):
    CSS_PATH = "tracker.tcss"
    TITLE = "tracker"
    # Each screen lists Help (and the main screen Quit) first in its own keys, so a narrow
    # footer keeps them; these stand behind the screens that do not.
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("f1", "help", "Help", show=False, tooltip="List every key"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("q", "quit", "Quit", show=False, tooltip="Leave the workbench"),
    ]
    # Set when an unexpected error stopped the workbench: what to tell the analyst after.
    crash_note: str | None = None

    def __init__(
        self,
        root: Path,
        as_of: dt.date | None = None,
        use_cache: bool = True,
        session: Session | None = None,
    ) -> None:
        """`session`: one already loaded (`tracker tui` loads while Textual is imported); else
        the main screen loads the project in a worker once it shows."""
        super().__init__()
        self.session = session or Session(root.resolve(), use_cache=use_cache)
        if as_of is not None:
            self.session.as_of = as_of

    def get_default_screen(self) -> Screen:
        """The workbench's own screen is the app's first: no blank screen is built, styled
        and drawn before it."""
        from tracker.tui.screens.main import MainScreen

        return MainScreen(self.session)

    def on_mount(self) -> None:
        # Scoring a date leaves ~10,000 small objects alive per date it keeps (the scored tree
        # is memoized); with the default thresholds a full collection (~50 ms over what is not
        # frozen after the load) lands on every other as-of change. Collect the oldest
        # generation ten times less often while the workbench runs.
        self._gc_threshold = gc.get_threshold()
        gen0, gen1, gen2 = self._gc_threshold
        gc.set_threshold(gen0, gen1, gen2 * 10)

    def on_unmount(self) -> None:
        if hasattr(self, "_gc_threshold"):
            gc.set_threshold(*self._gc_threshold)

    def forms(self) -> list:
        from tracker.tui.screens.form import EvidenceForm

        return [s for s in self.screen_stack if isinstance(s, EvidenceForm)]

    async def action_quit(self) -> None:
        """Leave; with an unsaved form open, ask first (as closing the form does)."""
        from tracker.tui.screens.dialogs import ConfirmScreen

        if not any(form.dirty for form in self.forms()):
            self.exit()
            return

        def answer(leave: bool | None) -> None:
            if leave:
                for form in self.forms():
                    form._drop_recovery()
                self.exit()

        self.push_screen(
            ConfirmScreen(
                "Quit with an unsaved form? Its changes are lost.",
                yes="Quit and discard",
                no="Keep editing",
            ),
            answer,
        )

    def _handle_exception(self, error: Exception) -> None:
        """An unexpected error: keep every open form's content in its recovery draft before
        Textual stops the app (with return code 1), and say so once the terminal is back."""
        from tracker.tui import recovery

        kept = None
        for form in self.forms():
            # If this fails, the draft written a second after the last change remains.
            with contextlib.suppress(Exception):
                recovery.save(self.session.root, form.draft())
            path = recovery.path_for(self.session.root)
            kept = path if path.is_file() else None
        note = f"the workbench stopped on an unexpected error ({type(error).__name__}: {error})."
        if kept is not None:
            note += (
                f" What you typed in the form is kept in {kept}; the workbench offers it the "
                "next time it starts."
            )
        self.crash_note = note
        super()._handle_exception(error)

    @property
    def main(self):
        from tracker.tui.screens.main import MainScreen

        return next(s for s in self.screen_stack if isinstance(s, MainScreen))

    def action_help(self) -> None:
        from tracker.tui.screens.dialogs import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action of the workbench, so the palette (ctrl+p) finds what a key would do."""
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help: keys and flows", "List every key", self.action_help)
        seen = {"help", "quit", "command_palette"}
        for binding in screen.BINDINGS:
            if isinstance(binding, Binding) and binding.action not in seen and binding.description:
                seen.add(binding.action)
                yield SystemCommand(
                    binding.description,
                    binding.tooltip or binding.description,
                    _runner(screen, binding.action),
                )


def _runner(screen: Screen, action: str):
    async def run() -> None:
        await screen.app.run_action(action, screen)

    return run
