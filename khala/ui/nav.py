"""The shell's own tiny UI state: the collapsible sidebar on narrow screens."""

from __future__ import annotations

import reflex as rx

from khala.ui import client


class ShellState(rx.State):
    nav_open: bool = False

    @rx.event
    def toggle_nav(self):
        self.nav_open = not self.nav_open
        if self.nav_open:  # move focus into the opened menu
            return client.run(client.focus("#khala-sidebar a[href]", delay_ms=50, prevent_scroll=False))

    @rx.event
    def close_nav(self) -> None:
        self.nav_open = False
