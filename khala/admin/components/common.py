"""Pieces several admin sections draw the same way: the foot of a confirmation dialog, the search box, the
form fields of events and packages."""

from __future__ import annotations

from typing import Any

import reflex as rx

from khala.admin.components.shell import INPUT_STYLE, labelled
from khala.lib.i18n import N_
from khala.ui import theme
from khala.ui.i18n import t, tf

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


def search_form(
    state: Any,
    label: str,
    input_id: str,
    placeholder: str,
    *filters: rx.Component,
    name: str = "q",
    min_width: str = "10rem",
) -> rx.Component:
    """A section's search box (``state.query``, submitted to ``state.search``), with any ``filters`` drawn
    between the box and the button."""
    return rx.form(
        rx.hstack(
            rx.el.label(label, html_for=input_id, class_name="khala-sr"),
            rx.el.input(
                id=input_id,
                name=name,
                type="search",
                placeholder=placeholder,
                default_value=state.query,
                style={**INPUT_STYLE, "flex": "1", "min_width": min_width},
            ),
            *filters,
            rx.button(t("Search"), type="submit", style=theme.secondary_button),
            spacing="3",
            width="100%",
            wrap="wrap",
        ),
        on_submit=state.search,
        width="100%",
    )


def prefill(values: rx.Var | None, name: str, default: str = "") -> str | rx.Var:
    """What a form field starts with: ``values[name]`` when editing, ``default`` in a new form."""
    return values[name] if values is not None else default


def local_time_field(
    label: str, name: str, id_: str, errors: rx.Var, default_value: str | rx.Var, **props: Any
) -> rx.Component:
    """A labelled date-and-time input (in the event's time zone) with its error line."""
    return labelled(
        label,
        rx.el.input(
            id=id_,
            name=name,
            type="datetime-local",
            **props,
            default_value=default_value,
            aria_describedby=f"{id_}-error",
            style=INPUT_STYLE,
        ),
        id_,
        errors,
        name,
    )


def filter_form(state: Any, *controls: rx.Component) -> rx.Component:
    """A section's row of filters and buttons, one line that wraps, submitted to ``state.search``."""
    return rx.form(
        rx.hstack(*controls, spacing="3", align="center", wrap="wrap", width="100%"),
        on_submit=state.search,
        width="100%",
    )


def confirm_delete(what: Any, confirm: Any, description: Any, on_confirm: Any) -> rx.Component:
    """A small red "Delete" button that asks first: "Delete “what”?", the ``description``, keep or ``confirm``
    (``what`` is the thing's name, a state var; ``confirm`` and ``description`` come translated)."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                rx.icon("trash-2", size=14, aria_hidden="true"),
                t("Delete"),
                type="button",
                size="1",
                style={**theme.secondary_button, "color": theme.DANGER},
                aria_label=tf(N_("Delete %(name)s"), name=what),
            )
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(tf(N_("Delete “%(name)s”?"), name=what)),
            rx.alert_dialog.description(description),
            confirm_buttons(t("Keep it"), confirm, on_confirm),
        ),
    )
