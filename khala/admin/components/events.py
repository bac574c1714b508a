"""The events section: filters, the sortable list, the managed event (status, details, packages) and its
forms."""

from __future__ import annotations

import reflex as rx

from khala.admin.components.common import confirm_buttons, filter_form
from khala.admin.components.event_forms import edit_form, event_form, venue_form
from khala.admin.components.packages import add_package_form, packages_list
from khala.admin.components.shell import INPUT_STYLE, STATUS_TONES, card, pager, select, tone
from khala.admin.state.events import SORT_LABELS, AdminEventsState, EventRowView
from khala.lib.i18n import N_
from khala.ui import theme
from khala.ui.forms import form_error
from khala.ui.i18n import t, tf, tp
from khala.ui.widgets import badge

# What a sorting column header says to a screen reader (the header shows SORT_LABELS).
SORT_ARIA = {
    "title": N_("Sort by event"),
    "status": N_("Sort by status"),
    "starts": N_("Sort by start"),
    "venue": N_("Sort by venue"),
    "seats": N_("Sort by seats"),
    "price": N_("Sort by price"),
}


def _title_button(row: EventRowView, weight: str, **spacing: str) -> rx.Component:
    """The event's title, which opens its editor (in the table row and on the phone's card)."""
    return rx.button(
        row.title,
        variant="ghost",
        on_click=AdminEventsState.open_event(row.id),
        aria_label=tf(N_("Manage %(title)s"), title=row.title),
        style={
            "color": theme.PRIMARY_TEXT,
            "font_weight": weight,
            "text_align": "left",
            "height": "auto",
            "white_space": "normal",
            **spacing,
            **theme.focus_ring,
        },
    )


def _event_row(row: EventRowView) -> rx.Component:
    icon_button = {**theme.secondary_button, "padding": "0 0.5rem"}
    return rx.table.row(
        rx.table.row_header_cell(
            _title_button(row, "600"),
            min_width="12rem",
        ),
        rx.table.cell(badge(row.status_label, tone(row.status, STATUS_TONES))),
        rx.table.cell(row.when, min_width="9.5rem"),
        rx.table.cell(row.venue, min_width="8rem"),
        rx.table.cell(row.seats, white_space="nowrap"),
        rx.table.cell(row.price, white_space="nowrap"),
        rx.table.cell(
            rx.hstack(
                rx.button(
                    rx.icon("copy", size=14, aria_hidden="true"),
                    on_click=AdminEventsState.duplicate_event(row.id),
                    size="1",
                    type="button",
                    style=icon_button,
                    title=t("Duplicate as a draft"),
                    aria_label=tf(N_("Duplicate %(title)s"), title=row.title),
                ),
                rx.link(
                    rx.icon("ticket", size=16, aria_hidden="true"),
                    href="/admin/registrations?event=" + row.id,
                    style=theme.link_style,
                    title=t("Registrations"),
                    aria_label=tf(N_("Registrations of %(title)s"), title=row.title),
                ),
                spacing="3",
                align="center",
            ),
        ),
        data_testid="admin-event-row",
    )


def _event_card(row: EventRowView) -> rx.Component:
    """The list row on a phone: a card instead of a table row."""
    return rx.box(
        rx.flex(
            _title_button(row, "700", padding="0", margin="0"),
            badge(row.status_label, tone(row.status, STATUS_TONES)),
            justify="between",
            align="start",
            gap="0.5rem",
            width="100%",
        ),
        rx.text(row.when, size="2", color=theme.TEXT_MUTED),
        rx.text(row.venue, size="2", color=theme.TEXT_MUTED),
        rx.text(
            row.seats,
            t(" seats"),
            rx.cond(row.price != "", " · " + row.price, ""),
            size="2",
            color=theme.TEXT,
        ),
        style={**theme.panel_style, "padding": "0.75rem 1rem"},
        width="100%",
        data_testid="admin-event-card",
    )


def _sort_select() -> rx.Component:
    """On a phone the column headers are gone: sort with a select and a direction button."""
    s = AdminEventsState
    return rx.hstack(
        rx.el.label(t("Sort by"), html_for="admin-event-sort", style={"font_weight": "600"}),
        rx.el.select(
            *[rx.el.option(t(label), value=key) for key, label in SORT_LABELS.items()],
            id="admin-event-sort",
            value=s.sort_key,
            on_change=s.sort_by,
            style={**INPUT_STYLE, "flex": "1"},
        ),
        rx.button(
            rx.icon(rx.cond(s.sort_desc, "arrow-down", "arrow-up"), size=16, aria_hidden="true"),
            on_click=s.sort_by(s.sort_key),
            type="button",
            style=theme.secondary_button,
            aria_label=rx.cond(s.sort_desc, t("Descending; sort ascending"), t("Ascending; sort descending")),
        ),
        spacing="2",
        align="center",
        width="100%",
    )


def _sort_header(key: str) -> rx.Component:
    """A column header that sorts the list by its column; ``aria-sort`` says how it is sorted now."""
    s = AdminEventsState
    active = s.sort_key == key
    return rx.table.column_header_cell(
        rx.button(
            t(SORT_LABELS[key]),
            rx.cond(
                active,
                rx.icon(rx.cond(s.sort_desc, "arrow-down", "arrow-up"), size=14, aria_hidden="true"),
                rx.icon("arrow-up-down", size=14, aria_hidden="true", opacity="0.45"),
            ),
            on_click=s.sort_by(key),
            variant="ghost",
            type="button",
            style={"color": theme.TEXT, "font_weight": "700", "padding": "0 0.25rem", **theme.focus_ring},
            aria_label=t(SORT_ARIA[key]),
            data_testid=f"admin-sort-{key}",
        ),
        aria_sort=rx.cond(active, rx.cond(s.sort_desc, "descending", "ascending"), "none"),
    )


def _events_table() -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.el.caption(t("Events; the column headers sort the list"), class_name="khala-sr"),
            rx.table.header(
                rx.table.row(
                    *[_sort_header(k) for k in ("title", "status", "starts", "venue", "seats", "price")],
                    rx.table.column_header_cell(rx.el.span(t("Actions"), class_name="khala-sr")),
                )
            ),
            rx.table.body(rx.foreach(AdminEventsState.rows, _event_row)),
            variant="surface",
            size="2",
            width="100%",
        ),
        overflow_x="auto",
        width="100%",
    )


def _event_filters() -> rx.Component:
    s = AdminEventsState
    return filter_form(
        s,
        rx.box(
            rx.el.label(t("Search events"), html_for="admin-event-q", class_name="khala-sr"),
            rx.el.input(
                id="admin-event-q",
                name="q",
                type="search",
                placeholder=t("Search title, venue, city"),
                default_value=s.query,
                style=INPUT_STYLE,
            ),
            flex="1",
            min_width="12rem",
        ),
        rx.box(
            rx.el.label(t("Status"), html_for="admin-event-status", class_name="khala-sr"),
            select(
                "status",
                "admin-event-status",
                [
                    ("", t("All statuses")),
                    ("draft", t("Drafts")),
                    ("published", tp("event status", "Published")),
                    ("cancelled", tp("event status", "Cancelled")),
                ],
            ),
        ),
        rx.button(t("Search"), type="submit", style=theme.secondary_button),
        rx.spacer(),
        rx.button(
            rx.icon("map-pin", size=16, aria_hidden="true"),
            t("New venue"),
            type="button",
            on_click=s.toggle_venue_form,
            style=theme.secondary_button,
            aria_expanded=s.adding_venue.to_string(),
            data_testid="admin-new-venue",
        ),
        rx.button(
            rx.icon("plus", size=16, aria_hidden="true"),
            t("New event"),
            type="button",
            on_click=s.start_create,
            style=theme.primary_button,
            data_testid="admin-new-event",
        ),
    )


def _status_actions() -> rx.Component:
    s = AdminEventsState
    ev = s.selected
    cancel_dialog = rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                t("Cancel event"), style={**theme.secondary_button, "color": theme.DANGER}, type="button"
            )
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(tf(N_("Cancel “%(title)s”?"), title=ev.title)),
            rx.alert_dialog.description(
                t(
                    "Sales stop at once and the event is shown as cancelled. This cannot be undone; "
                    "registrations stay so you can contact the people holding them."
                )
            ),
            confirm_buttons(
                t("Keep the event"), t("Cancel the event"), s.set_status(ev.id, "cancelled"), wrap=False
            ),
        ),
    )
    return rx.hstack(
        rx.cond(
            ev.status == "draft",
            rx.button(
                t("Publish"),
                on_click=s.set_status(ev.id, "published"),
                style=theme.primary_button,
                data_testid="admin-publish",
            ),
        ),
        rx.cond(
            ev.status == "published",
            rx.button(
                t("Unpublish (back to draft)"),
                on_click=s.set_status(ev.id, "draft"),
                style=theme.secondary_button,
            ),
        ),
        rx.cond(ev.status != "cancelled", cancel_dialog),
        rx.cond(
            ev.status != "draft",
            rx.link(t("View public page"), href="/events/" + ev.slug, style=theme.link_style),
        ),
        rx.cond(
            ~s.editing,
            rx.button(
                rx.icon("pencil", size=14, aria_hidden="true"),
                t("Edit details"),
                on_click=s.start_edit,
                style=theme.secondary_button,
                type="button",
                data_testid="admin-edit-event",
            ),
        ),
        rx.button(
            rx.icon("copy", size=14, aria_hidden="true"),
            t("Duplicate"),
            on_click=s.duplicate_event(ev.id),
            style=theme.secondary_button,
            type="button",
            data_testid="admin-duplicate-event",
        ),
        rx.link(t("Registrations"), href="/admin/registrations?event=" + ev.id, style=theme.link_style),
        rx.cond(
            ev.status == "published",
            rx.link(
                t("Check-in"),
                href="/admin/checkin/" + ev.id,
                reload_document=True,  # a fresh load: the door page's own CSP and Permissions-Policy (camera)
                style=theme.link_style,
            ),
        ),
        rx.link(
            t("History"), href="/admin/audit?object_type=event&object_id=" + ev.id, style=theme.link_style
        ),
        rx.cond(ev.status == "draft", _delete_dialog()),
        spacing="3",
        align="center",
        wrap="wrap",
    )


def _delete_dialog() -> rx.Component:
    s = AdminEventsState
    ev = s.selected
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                rx.icon("trash-2", size=14, aria_hidden="true"),
                t("Delete draft"),
                style={**theme.secondary_button, "color": theme.DANGER},
                type="button",
            )
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(tf(N_("Delete “%(name)s”?"), name=ev.title)),
            rx.alert_dialog.description(
                t(
                    "The draft and its packages are removed. An event people registered for cannot be "
                    "deleted; cancel it instead."
                )
            ),
            confirm_buttons(t("Keep it"), t("Delete the draft"), s.delete_event(ev.id)),
        ),
    )


def _poster() -> rx.Component:
    ev = AdminEventsState.selected
    return rx.cond(
        ev.image_url != "",
        rx.image(
            src=ev.image_url,
            alt=ev.image_alt,
            width=rx.breakpoints(initial="100%", sm="160px"),
            height=rx.breakpoints(initial="auto", sm="100px"),
            object_fit="cover",
            border_radius=theme.RADIUS,
            flex_shrink="0",
        ),
    )


def _selected_event() -> rx.Component:
    s = AdminEventsState
    ev = s.selected
    return card(
        rx.flex(
            _poster(),
            rx.vstack(
                rx.hstack(
                    rx.heading(ev.title, as_="h2", size="5"),
                    badge(ev.status_label, tone(ev.status, STATUS_TONES)),
                    spacing="3",
                    align="center",
                    wrap="wrap",
                ),
                rx.text(ev.when, " · ", ev.timezone, color=theme.TEXT_MUTED),
                rx.text(
                    ev.venue, rx.cond(ev.category != "", " · " + ev.category, ""), color=theme.TEXT_MUTED
                ),
                spacing="1",
                flex="1",
                min_width="0",
            ),
            rx.button(
                rx.icon("x", size=18, aria_hidden="true"),
                aria_label=t("Close the event panel"),
                on_click=s.close_event,
                variant="ghost",
                type="button",
                position="absolute",
                top="0",
                right="0",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            gap="1rem",
            width="100%",
            align=rx.breakpoints(initial="stretch", sm="start"),
            position="relative",
            padding_right="2.5rem",
        ),
        rx.box(_status_actions(), margin_y="1rem"),
        rx.cond(s.status_error != "", form_error(s.status_error)),
        rx.cond(s.editing, edit_form()),
        packages_list(),
        rx.cond(
            ev.status != "cancelled",
            rx.box(
                add_package_form(),
                margin_top="1.25rem",
                padding_top="1.25rem",
                border_top=f"1px solid {theme.BORDER}",
            ),
        ),
        margin_bottom="1.5rem",
        data_testid="admin-selected-event",
    )


def events_section() -> rx.Component:
    s = AdminEventsState
    return rx.vstack(
        _event_filters(),
        rx.cond(s.adding_venue, venue_form()),
        rx.cond(s.creating, event_form()),
        rx.cond(s.selected.id != "", _selected_event()),
        rx.cond(
            s.total > 0,
            rx.fragment(
                rx.box(_events_table(), display=rx.breakpoints(initial="none", md="block"), width="100%"),
                rx.vstack(
                    _sort_select(),
                    rx.foreach(s.rows, _event_card),
                    spacing="2",
                    width="100%",
                    display=rx.breakpoints(initial="flex", md="none"),
                ),
            ),
            rx.text(t("No events match."), color=theme.TEXT_MUTED, padding="1rem 0"),
        ),
        pager(s, "events"),
        spacing="4",
        width="100%",
        align="stretch",
    )
