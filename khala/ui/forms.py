"""Form widgets shared by the accounts pages and the admin dashboard: a labelled field with its inline
error, the error under a field, a form-level error and a notice.

Errors come as a dict var by field (``InvalidInput.by_field()``: field name → message, "form" for the rest);
ids of the error texts (``<id>-error``) are what the inputs' ``aria-describedby`` point at.
"""

from __future__ import annotations

import reflex as rx

from khala.ui import theme


def field_error(errors: rx.Var, name: str, id_: str | None = None) -> rx.Component:
    return rx.cond(
        errors.contains(name),
        rx.text(errors[name], color=theme.DANGER, size="2", id=f"{id_ or name}-error", role="alert"),
    )


def field(
    label: str | rx.Var,
    name: str,
    *,
    type_: str = "text",
    errors: rx.Var | None = None,
    autocomplete: str | None = None,
    required: bool = True,
    hint: str | rx.Var | None = None,
    default_value: str | rx.Var | None = None,
    max_length: int | None = None,
    id_: str | None = None,
) -> rx.Component:
    """A labelled input; ``id_`` (default: ``name``) must be unique on the page."""
    id_ = id_ or name
    extra: dict = {}
    if default_value is not None:
        extra["default_value"] = default_value
    if max_length is not None:
        extra["max_length"] = max_length
    described_by = [f"{id_}-hint"] if hint is not None else []
    if errors is not None:
        described_by.append(f"{id_}-error")
        extra["aria_invalid"] = rx.cond(errors.contains(name), "true", "false")
    if described_by:
        extra["aria_describedby"] = " ".join(described_by)
    return rx.vstack(
        rx.el.label(label, html_for=id_, style={"font_weight": "600", "color": theme.TEXT}),
        rx.input(
            id=id_,
            name=name,
            type=type_,
            required=required,
            auto_complete=autocomplete,
            width="100%",
            size="3",
            **extra,
        ),
        rx.text(hint, size="1", color=theme.TEXT_MUTED, id=f"{id_}-hint")
        if hint is not None
        else rx.fragment(),
        field_error(errors, name, id_) if errors is not None else rx.fragment(),
        spacing="1",
        width="100%",
        align="stretch",
    )


def form_error(message: rx.Var) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle_alert", color_scheme="red", role="alert", width="100%"),
    )


def notice(message: rx.Var) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="info", color_scheme="green", role="status", width="100%"),
    )
