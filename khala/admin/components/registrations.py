"""The registrations section: choose an event, filter by status, cancel on someone's behalf."""

from __future__ import annotations

import reflex as rx

from khala.admin.components.shell import INPUT_STYLE, LABEL_STYLE, REG_TONES, pager, table, tone
from khala.admin.state.registrations import AdminRegistrationsState, RegistrationRowView
from khala.ui import theme
from khala.ui.forms import form_error
from khala.ui.widgets import badge


def _registration_row(r: RegistrationRowView) -> rx.Component:
    s = AdminRegistrationsState
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(rx.text(r.name, weight="medium"), rx.text(r.email, size="1"), spacing="0")
        ),
        rx.table.cell(r.package),
        rx.table.cell(r.quantity),
        rx.table.cell(badge(r.status_label, tone(r.status, REG_TONES))),
        rx.table.cell(rx.code(r.ticket_code)),
        rx.table.cell(r.created),
        rx.table.cell(
            rx.cond(
                r.cancellable,
                rx.cond(
                    s.confirm_id == r.id,
                    rx.hstack(
                        rx.button(
                            "Confirm cancel",
                            on_click=s.cancel(r.id),
                            size="1",
                            style={
                                **theme.primary_button,
                                "background": theme.DANGER,
                                "color": theme.ON_SECONDARY,
                            },
                        ),
                        rx.button("Keep", on_click=s.ask_cancel(""), size="1", style=theme.secondary_button),
                        spacing="2",
                    ),
                    rx.button(
                        "Cancel",
                        on_click=s.ask_cancel(r.id),
                        size="1",
                        style=theme.secondary_button,
                        aria_label="Cancel the registration of " + r.name,
                    ),
                ),
            )
        ),
    )


def registrations_section() -> rx.Component:
    s = AdminRegistrationsState
    return rx.vstack(
        rx.hstack(
            rx.box(
                rx.el.label("Event", html_for="admin-reg-event", style=LABEL_STYLE),
                rx.el.select(
                    rx.el.option("Choose an event…", value=""),
                    rx.foreach(s.event_options, lambda o: rx.el.option(o.label, value=o.value)),
                    id="admin-reg-event",
                    value=s.event_id,
                    on_change=s.choose_event,
                    style=INPUT_STYLE,
                ),
                flex="1",
                min_width="16rem",
            ),
            rx.box(
                rx.el.label("Status", html_for="admin-reg-status", style=LABEL_STYLE),
                rx.el.select(
                    rx.el.option("All", value="all"),
                    rx.el.option("Confirmed", value="confirmed"),
                    rx.el.option("Waiting list", value="waitlisted"),
                    rx.el.option("Cancelled", value="cancelled"),
                    id="admin-reg-status",
                    value=rx.cond(s.status_filter == "", "all", s.status_filter),
                    on_change=s.filter_status,
                    style=INPUT_STYLE,
                ),
            ),
            spacing="3",
            wrap="wrap",
            width="100%",
            align="end",
        ),
        form_error(s.error),
        rx.cond(
            s.event_id != "",
            rx.vstack(
                rx.heading(s.event_title, as_="h2", size="4"),
                rx.text(s.summary, color=theme.TEXT_MUTED),
                rx.cond(
                    s.total > 0,
                    table(
                        ["Person", "Package", "Seats", "Status", "Ticket", "Registered", ""],
                        rx.table.body(rx.foreach(s.rows, _registration_row)),
                        "Registrations of the event, newest first",
                    ),
                    rx.text("No registrations here yet.", color=theme.TEXT_MUTED),
                ),
                pager(s, "registrations"),
                spacing="3",
                width="100%",
                align="stretch",
            ),
            rx.text("Choose an event to see its registrations.", color=theme.TEXT_MUTED),
        ),
        spacing="4",
        width="100%",
        align="stretch",
    )
