"""The events section: filters, the list, the managed event (status, packages) and its forms."""

from __future__ import annotations

import reflex as rx

from khala.admin.components.event_forms import edit_form, event_form, package_form, venue_form
from khala.admin.components.shell import INPUT_STYLE, STATUS_TONES, card, pager, select, table, tone
from khala.admin.state.events import AdminEventsState, EventRowView, PackageRowView
from khala.ui import theme
from khala.ui.forms import form_error
from khala.ui.widgets import badge


def _event_row(row: EventRowView) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.button(
                row.title,
                variant="ghost",
                on_click=AdminEventsState.open_event(row.id),
                aria_label="Manage " + row.title,
                style={
                    "color": theme.PRIMARY_TEXT,
                    "font_weight": "600",
                    "text_align": "left",
                    **theme.focus_ring,
                },
            )
        ),
        rx.table.cell(badge(row.status_label, tone(row.status, STATUS_TONES))),
        rx.table.cell(row.when),
        rx.table.cell(row.venue),
        rx.table.cell(row.seats),
        rx.table.cell(row.price),
        rx.table.cell(
            rx.link(
                "Registrations",
                href="/admin/registrations?event=" + row.id,
                style=theme.link_style,
                aria_label="Registrations of " + row.title,
            )
        ),
        data_testid="admin-event-row",
    )


def _event_filters() -> rx.Component:
    s = AdminEventsState
    return rx.form(
        rx.hstack(
            rx.box(
                rx.el.label("Search events", html_for="admin-event-q", class_name="khala-sr"),
                rx.el.input(
                    id="admin-event-q",
                    name="q",
                    type="search",
                    placeholder="Search title, venue, city",
                    default_value=s.query,
                    style=INPUT_STYLE,
                ),
                flex="1",
                min_width="12rem",
            ),
            rx.box(
                rx.el.label("Status", html_for="admin-event-status", class_name="khala-sr"),
                select(
                    "status",
                    "admin-event-status",
                    [
                        ("", "All statuses"),
                        ("draft", "Drafts"),
                        ("published", "Published"),
                        ("cancelled", "Cancelled"),
                    ],
                ),
            ),
            rx.button("Search", type="submit", style=theme.secondary_button),
            rx.spacer(),
            rx.button(
                rx.icon("map-pin", size=16, aria_hidden="true"),
                "New venue",
                type="button",
                on_click=s.toggle_venue_form,
                style=theme.secondary_button,
                aria_expanded=s.adding_venue.to_string(),
                data_testid="admin-new-venue",
            ),
            rx.button(
                rx.icon("plus", size=16, aria_hidden="true"),
                "New event",
                type="button",
                on_click=s.start_create,
                style=theme.primary_button,
                data_testid="admin-new-event",
            ),
            spacing="3",
            align="center",
            wrap="wrap",
            width="100%",
        ),
        on_submit=s.search,
        width="100%",
    )


def _package_row(p: PackageRowView) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(p.title),
        rx.table.cell(p.price),
        rx.table.cell(p.seats),
        rx.table.cell(p.max_per_registration),
        rx.table.cell(p.sales),
        rx.table.cell(p.perks),
    )


def _status_actions() -> rx.Component:
    s = AdminEventsState
    ev = s.selected
    cancel_dialog = rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("Cancel event", style={**theme.secondary_button, "color": theme.DANGER}, type="button")
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Cancel “", ev.title, "”?"),
            rx.alert_dialog.description(
                "Sales stop at once and the event is shown as cancelled. This cannot be undone; "
                "registrations stay so you can contact the people holding them."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Keep the event", style=theme.secondary_button)),
                rx.alert_dialog.action(
                    rx.button(
                        "Cancel the event",
                        on_click=s.set_status(ev.id, "cancelled"),
                        style={
                            **theme.primary_button,
                            "background": theme.DANGER,
                            "color": theme.ON_SECONDARY,
                        },
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
        ),
    )
    return rx.hstack(
        rx.cond(
            ev.status == "draft",
            rx.button(
                "Publish",
                on_click=s.set_status(ev.id, "published"),
                style=theme.primary_button,
                data_testid="admin-publish",
            ),
        ),
        rx.cond(
            ev.status == "published",
            rx.button(
                "Unpublish (back to draft)",
                on_click=s.set_status(ev.id, "draft"),
                style=theme.secondary_button,
            ),
        ),
        rx.cond(ev.status != "cancelled", cancel_dialog),
        rx.cond(
            ev.status != "draft",
            rx.link("View public page", href="/events/" + ev.slug, style=theme.link_style),
        ),
        rx.cond(
            ~s.editing,
            rx.button(
                rx.icon("pencil", size=14, aria_hidden="true"),
                "Edit details",
                on_click=s.start_edit,
                style=theme.secondary_button,
                type="button",
                data_testid="admin-edit-event",
            ),
        ),
        rx.link("Registrations", href="/admin/registrations?event=" + ev.id, style=theme.link_style),
        spacing="3",
        align="center",
        wrap="wrap",
    )


def _selected_event() -> rx.Component:
    s = AdminEventsState
    ev = s.selected
    return card(
        rx.hstack(
            rx.vstack(
                rx.hstack(
                    rx.heading(ev.title, as_="h2", size="5"),
                    badge(ev.status_label, tone(ev.status, STATUS_TONES)),
                    spacing="3",
                    align="center",
                    wrap="wrap",
                ),
                rx.text(ev.when, " · ", ev.timezone, color=theme.TEXT_MUTED),
                rx.text(ev.venue, color=theme.TEXT_MUTED),
                spacing="1",
            ),
            rx.spacer(),
            rx.button(
                rx.icon("x", size=18, aria_hidden="true"),
                aria_label="Close the event panel",
                on_click=s.close_event,
                variant="ghost",
                type="button",
            ),
            width="100%",
            align="start",
        ),
        rx.box(_status_actions(), margin_y="1rem"),
        rx.cond(s.status_error != "", form_error(s.status_error)),
        rx.cond(s.editing, edit_form()),
        rx.cond(
            ev.packages.length() > 0,
            table(
                ["Package", "Price", "Seats (taken / capacity)", "Max per registration", "Sales", "Perks"],
                rx.table.body(rx.foreach(ev.packages, _package_row)),
                "Packages of the event",
            ),
            rx.text("No packages yet: add one below.", color=theme.TEXT_MUTED),
        ),
        rx.cond(
            ev.status != "cancelled",
            rx.box(
                package_form(),
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
            table(
                ["Event", "Status", "Starts", "Venue", "Seats", "Price", ""],
                rx.table.body(rx.foreach(s.rows, _event_row)),
                "Events, latest start first",
            ),
            rx.text("No events match.", color=theme.TEXT_MUTED, padding="1rem 0"),
        ),
        pager(s, "events"),
        spacing="4",
        width="100%",
        align="stretch",
    )
