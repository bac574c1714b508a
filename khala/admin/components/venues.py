"""The venues and categories section: the venue list (cards: name, address, map link, the events there)
with its add/edit form, and the categories with theirs. Delete buttons appear only for what no event
uses; the service refuses the rest anyway, naming the events."""

from __future__ import annotations

import reflex as rx

from khala.admin.components.common import confirm_delete, search_form
from khala.admin.components.shell import card, form_message, grid, pager
from khala.admin.state.venues import AdminVenuesState, CategoryRowView, VenueRowView
from khala.lib.i18n import N_
from khala.ui import theme
from khala.ui.forms import field, form_error
from khala.ui.i18n import t, tf, tp


def _delete_venue(v: VenueRowView) -> rx.Component:
    return confirm_delete(
        v.name,
        t("Delete the venue"),
        t("No event uses this venue; it is removed for good."),
        AdminVenuesState.delete_venue(v.id),
    )


def _delete_category(c: CategoryRowView) -> rx.Component:
    return confirm_delete(
        c.name,
        t("Delete the category"),
        t("No event uses this category; it is removed for good."),
        AdminVenuesState.delete_category(c.slug),
    )


def _venue_form() -> rx.Component:
    s = AdminVenuesState
    e, v = s.venue_errors, s.venue_values
    return card(
        rx.heading(rx.cond(s.editing_venue != "", t("Edit venue"), t("New venue")), as_="h3", size="4"),
        rx.form(
            rx.vstack(
                form_error(form_message(e)),
                rx.el.input(type="hidden", name="venue_id", value=s.editing_venue),
                grid(
                    field(
                        t("Venue name"),
                        "name",
                        errors=e,
                        id_="v-name",
                        max_length=120,
                        default_value=v["name"],
                    ),
                    field(t("City"), "city", errors=e, id_="v-city", max_length=100, default_value=v["city"]),
                    field(
                        t("Street address"),
                        "street",
                        errors=e,
                        id_="v-street",
                        required=False,
                        max_length=200,
                        default_value=v["street"],
                    ),
                    field(
                        t("Postal code"),
                        "postal_code",
                        errors=e,
                        id_="v-postal",
                        required=False,
                        max_length=20,
                        default_value=v["postal_code"],
                    ),
                    field(
                        t("Region"),
                        "region",
                        errors=e,
                        id_="v-region",
                        required=False,
                        max_length=100,
                        default_value=v["region"],
                    ),
                    field(
                        t("Country code"),
                        "country",
                        errors=e,
                        id_="v-country",
                        max_length=2,
                        default_value=v["country"],
                    ),
                ),
                rx.hstack(
                    rx.button(
                        t("Save venue"),
                        type="submit",
                        style=theme.primary_button,
                        data_testid="admin-save-venue",
                    ),
                    rx.button(
                        tp("dialog", "Cancel"),
                        type="button",
                        on_click=s.cancel_venue,
                        style=theme.secondary_button,
                    ),
                    spacing="3",
                ),
                spacing="3",
                width="100%",
                align="stretch",
            ),
            on_submit=s.save_venue,
            key=s.venue_key.to_string(),
            width="100%",
            margin_top="0.75rem",
        ),
    )


def _venue_card(v: VenueRowView) -> rx.Component:
    s = AdminVenuesState
    return rx.box(
        rx.flex(
            rx.vstack(
                rx.text(v.name, weight="bold", color=theme.TEXT),
                rx.text(
                    rx.cond(v.address != "", v.address, v.city),
                    " · ",
                    v.country,
                    size="2",
                    color=theme.TEXT_MUTED,
                ),
                rx.text(
                    v.usage,
                    size="2",
                    color=rx.cond(v.used, theme.TEXT, theme.TEXT_MUTED),
                    data_testid="admin-venue-usage",
                ),
                spacing="1",
                flex="1",
                min_width="12rem",
            ),
            rx.hstack(
                rx.cond(
                    v.map_url != "",
                    rx.link(t("Map"), href=v.map_url, is_external=True, style=theme.link_style, size="2"),
                ),
                rx.button(
                    rx.icon("pencil", size=14, aria_hidden="true"),
                    t("Edit"),
                    on_click=s.edit_venue(v.id),
                    type="button",
                    size="1",
                    style=theme.secondary_button,
                    aria_label=tf(N_("Edit %(name)s"), name=v.name),
                ),
                rx.cond(~v.used, _delete_venue(v)),
                spacing="3",
                align="center",
                wrap="wrap",
            ),
            gap="0.75rem",
            wrap="wrap",
            justify="between",
            align="center",
            width="100%",
        ),
        style={**theme.panel_style, "padding": "0.875rem 1rem"},
        data_testid="admin-venue",
    )


def _venues() -> rx.Component:
    s = AdminVenuesState
    return rx.vstack(
        rx.flex(
            rx.heading(t("Venues"), as_="h2", size="4"),
            rx.spacer(),
            rx.button(
                rx.icon("plus", size=16, aria_hidden="true"),
                t("New venue"),
                on_click=s.start_add_venue,
                type="button",
                style=theme.primary_button,
                data_testid="admin-new-venue",
            ),
            align="center",
            width="100%",
            gap="0.75rem",
        ),
        search_form(s, t("Search venues"), "admin-venue-q", t("Search name, street or city")),
        rx.cond(s.venue_form_open, _venue_form()),
        rx.cond(
            s.total > 0,
            rx.vstack(rx.foreach(s.venues, _venue_card), spacing="2", width="100%"),
            rx.text(t("No venues match."), color=theme.TEXT_MUTED),
        ),
        pager(s, "venues"),
        spacing="3",
        width="100%",
        align="stretch",
    )


def _category_fields(prefix: str, e: rx.Var, values: rx.Var | None = None) -> rx.Component:
    return grid(
        field(
            t("Category name"),
            "name",
            errors=e,
            id_=f"{prefix}-name",
            max_length=60,
            default_value=values["name"] if values is not None else None,
        ),
        field(
            t("Slug (in links)"),
            "slug",
            errors=e,
            id_=f"{prefix}-slug",
            required=False,
            max_length=60,
            hint=t("Lower-case letters, digits and dashes; empty = made from the name."),
            default_value=values["slug"] if values is not None else None,
        ),
    )


def _category_row(c: CategoryRowView) -> rx.Component:
    s = AdminVenuesState
    e = s.category_edit_errors
    editing = rx.form(
        rx.vstack(
            form_error(form_message(e)),
            _category_fields("cat-edit", e, s.category_values),
            rx.hstack(
                rx.button(t("Save category"), type="submit", style=theme.primary_button, size="2"),
                rx.button(
                    tp("dialog", "Cancel"),
                    type="button",
                    on_click=s.cancel_category,
                    style=theme.secondary_button,
                    size="2",
                ),
                spacing="3",
            ),
            spacing="2",
            width="100%",
            align="stretch",
        ),
        on_submit=s.save_category,
        width="100%",
    )
    shown = rx.flex(
        rx.vstack(
            rx.hstack(
                rx.text(c.name, weight="bold", color=theme.TEXT),
                rx.code(c.slug, size="1"),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.text(c.usage, size="2", color=rx.cond(c.used, theme.TEXT, theme.TEXT_MUTED)),
            spacing="1",
            flex="1",
            min_width="12rem",
        ),
        rx.hstack(
            rx.button(
                rx.icon("pencil", size=14, aria_hidden="true"),
                t("Rename"),
                on_click=s.edit_category(c.slug),
                type="button",
                size="1",
                style=theme.secondary_button,
                aria_label=tf(N_("Rename %(name)s"), name=c.name),
            ),
            rx.cond(~c.used, _delete_category(c)),
            spacing="2",
            align="center",
        ),
        gap="0.75rem",
        wrap="wrap",
        justify="between",
        align="center",
        width="100%",
    )
    return rx.box(
        rx.cond(s.editing_category == c.slug, editing, shown),
        style={**theme.panel_style, "padding": "0.75rem 1rem"},
        data_testid="admin-category",
    )


def _categories() -> rx.Component:
    s = AdminVenuesState
    e = s.category_errors
    return rx.vstack(
        rx.heading(t("Categories"), as_="h2", size="4"),
        card(
            rx.form(
                rx.vstack(
                    rx.heading(t("New category"), as_="h3", size="3"),
                    form_error(form_message(e)),
                    _category_fields("cat", e),
                    rx.box(
                        rx.button(
                            t("Add category"),
                            type="submit",
                            style=theme.primary_button,
                            data_testid="admin-add-category",
                        )
                    ),
                    spacing="3",
                    width="100%",
                    align="stretch",
                ),
                on_submit=s.create_category,
                key=s.category_key.to_string(),
                width="100%",
            ),
        ),
        rx.vstack(rx.foreach(s.categories, _category_row), spacing="2", width="100%"),
        spacing="3",
        width="100%",
        align="stretch",
    )


def venues_section() -> rx.Component:
    return rx.grid(
        _venues(),
        _categories(),
        columns=rx.breakpoints(initial="1", lg="3fr 2fr"),
        spacing="6",
        width="100%",
        align_items="start",
    )
