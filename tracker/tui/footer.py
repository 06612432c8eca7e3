"""Textual's footer, rebuilt only when the keys it shows change."""

from __future__ import annotations

from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    """The footer of every screen.

    Textual rebuilds its footer (ten key widgets, each styled anew) on every focus move and
    every refresh of the bindings, whether or not the keys changed: five times while the
    workbench starts, a third of its start-up. This one compares what it would show with what
    it shows, and rebuilds only on a difference.
    """

    _shown: tuple | None = None

    def _keys(self) -> tuple:
        return (
            self.show_command_palette,
            self.compact,
            tuple(
                (binding, enabled, tooltip)
                for _, binding, enabled, tooltip in self.screen.active_bindings.values()
                if binding.show
            ),
        )

    async def recompose(self) -> None:
        keys = self._keys() if self.is_attached else None
        if keys is not None and keys == self._shown:
            return
        await super().recompose()
        # An empty footer (its bindings not yet known) is never taken as up to date.
        self._shown = keys if self.children else None
