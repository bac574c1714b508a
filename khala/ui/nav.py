"""The shell's own tiny UI state: the collapsible sidebar on narrow screens."""

from __future__ import annotations

import reflex as rx


class ShellState(rx.State):
    nav_open: bool = False

    @rx.event
    def toggle_nav(self):
        self.nav_open = not self.nav_open
        if self.nav_open:  # move focus into the opened menu
            return rx.call_script(
                "setTimeout(function(){var a=document.querySelector('#khala-sidebar a[href]');if(a)a.focus();},50)"
            )

    @rx.event
    def close_nav(self) -> None:
        self.nav_open = False
