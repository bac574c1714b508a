"""Pieces several admin sections draw the same way: the foot of a confirmation dialog."""

from __future__ import annotations

from typing import Any

import reflex as rx

from khala.ui import theme

# The dangerous confirm button of a dialog (red, white text).
CONFIRM_DANGER = {**theme.primary_button, "background": theme.DANGER, "color": theme.ON_SECONDARY}


def confirm_buttons(keep: Any, confirm: Any, on_confirm: Any, *, wrap: bool = True) -> rx.Component:
    """The buttons at the foot of an alert dialog: ``keep`` closes it, ``confirm`` (red) runs ``on_confirm``."""
    return rx.hstack(
        rx.alert_dialog.cancel(rx.button(keep, style=theme.secondary_button)),
        rx.alert_dialog.action(rx.button(confirm, on_click=on_confirm, style=CONFIRM_DANGER)),
        spacing="3",
        justify="end",
        margin_top="1rem",
        **({"wrap": "wrap"} if wrap else {}),
    )
