"""The registrations section: search every event's registrations (or one event's), filter by status, cancel
on someone's behalf, resend a confirmation; an event's CSV export and its check-in screen."""

from __future__ import annotations

import reflex as rx

from khala.admin.components.shell import INPUT_STYLE, LABEL_STYLE, REG_TONES, pager, table, tone
from khala.admin.state.registrations import AdminRegistrationsState, RegistrationRowView
from khala.ui import theme
from khala.ui.forms import form_error
from khala.ui.i18n import t as _
from khala.ui.i18n import tp
from khala.ui.widgets import badge

LINK_BUTTON = {
    **theme.secondary_button,
    "display": "inline-flex",
    "align_items": "center",
    "gap": "0.4rem",
    "padding": "0.4rem 0.8rem",
    "font_size": "0.875rem",
    "text_decoration": "none",
    "white_space": "nowrap",
}


def plain_link(label: rx.Component | str, href: rx.Var | str, **props) -> rx.Component:
    """A link that loads the page afresh (the check-in screen needs its own Permissions-Policy for the
    camera; the CSV is a download)."""
    return rx.link(label, href=href, reload_document=True, underline="none", style=LINK_BUTTON, **props)


def _actions(r: RegistrationRowView) -> rx.Component:
    s = AdminRegistrationsState
    return rx.cond(
        s.confirm_id == r.id,
        rx.hstack(
            rx.button(_("Confirm cancel"), on_click=s.cancel(r.id), size="1", style=theme.danger_button),
            rx.button(_("Keep"), on_click=s.ask_cancel(""), size="1", style=theme.secondary_button),
            spacing="2",
        ),
        rx.hstack(
            rx.cond(
                r.status != "cancelled",
                rx.button(
                    _("Resend"),
                    on_click=s.resend(r.id),
                    size="1",
                    style=theme.secondary_button,
                    aria_label=_("Resend the confirmation to ") + r.email,
                ),
            ),
            rx.cond(
                r.cancellable,
                rx.button(
                    _("Cancel"),
                    on_click=s.ask_cancel(r.id),
                    size="1",
                    style=theme.secondary_button,
                    aria_label=_("Cancel the registration of ") + r.name,
                ),
            ),
            spacing="2",
            wrap="wrap",
        ),
    )


def _registration_row(r: RegistrationRowView) -> rx.Component:
    s = AdminRegistrationsState
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.text(r.name, weight="medium"),
                rx.text(r.email, size="1", color=theme.TEXT_MUTED),
                rx.cond(s.event_id == "", rx.text(r.event_title, size="1", color=theme.SECONDARY)),
                spacing="0",
            )
        ),
        rx.table.cell(r.package),
        rx.table.cell(r.quantity),
        rx.table.cell(
            rx.vstack(
                badge(r.status_label, tone(r.status, REG_TONES)),
                rx.cond(
                    r.checked_in != "", rx.text(_("In · ") + r.checked_in, size="1", color=theme.SUCCESS)
                ),
                spacing="1",
            )
        ),
        rx.table.cell(rx.code(r.ticket_code)),
        rx.table.cell(r.created),
        rx.table.cell(_actions(r)),
        data_testid="admin-registration-row",
    )


def _filters() -> rx.Component:
    s = AdminRegistrationsState
    return rx.vstack(
        rx.hstack(
            rx.box(
                rx.el.label(_("Event"), html_for="admin-reg-event", style=LABEL_STYLE),
                rx.el.select(
                    rx.el.option(_("Every event"), value=""),
                    rx.foreach(s.event_options, lambda o: rx.el.option(o.label, value=o.value)),
                    id="admin-reg-event",
                    value=s.event_id,
                    on_change=s.choose_event,
                    style=INPUT_STYLE,
                ),
                flex="1",
                min_width="min(16rem, 100%)",
            ),
            rx.box(
                rx.el.label(_("Status"), html_for="admin-reg-status", style=LABEL_STYLE),
                rx.el.select(
                    rx.el.option(_("All"), value="all"),
                    rx.el.option(tp("registration status", "Confirmed"), value="confirmed"),
                    rx.el.option(tp("registration status", "Waiting list"), value="waitlisted"),
                    rx.el.option(tp("registration status", "Cancelled"), value="cancelled"),
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
        rx.form(
            rx.hstack(
                rx.el.label(_("Search registrations"), html_for="admin-reg-q", class_name="khala-sr"),
                rx.el.input(
                    id="admin-reg-q",
                    name="q",
                    type="search",
                    placeholder=_("Name, e-mail or ticket code"),
                    default_value=s.query,
                    key=s.query,
                    style={**INPUT_STYLE, "flex": "1", "min_width": "0"},
                ),
                rx.button(_("Search"), type="submit", style=theme.secondary_button),
                spacing="2",
                width="100%",
            ),
            on_submit=s.search,
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _event_bar() -> rx.Component:
    s = AdminRegistrationsState
    return rx.flex(
        rx.vstack(
            rx.heading(s.event_title, as_="h2", size="4"),
            rx.text(s.summary, color=theme.TEXT_MUTED, size="2"),
            spacing="1",
        ),
        rx.hstack(
            plain_link(
                rx.hstack(
                    rx.icon("download", size=16, aria_hidden="true"), rx.text(_("Export CSV")), spacing="2"
                ),
                "/admin/events/" + s.event_id + "/registrations.csv",
                download="",
                data_testid="admin-reg-export",
            ),
            plain_link(
                rx.hstack(
                    rx.icon("scan-line", size=16, aria_hidden="true"), rx.text(_("Check-in")), spacing="2"
                ),
                "/admin/checkin/" + s.event_id,
                data_testid="admin-reg-checkin",
            ),
            rx.el.a(
                _("History"),
                href="/admin/audit?object_type=event&object_id=" + s.event_id,
                style=theme.link_style,
            ),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        justify="between",
        align="center",
        wrap="wrap",
        gap="3",
        width="100%",
    )


def registrations_section() -> rx.Component:
    s = AdminRegistrationsState
    return rx.vstack(
        _filters(),
        form_error(s.error),
        rx.cond(
            s.event_id != "",
            _event_bar(),
            rx.heading(
                rx.cond(
                    s.query != "", _("Matches across every event"), _("Latest registrations, every event")
                ),
                as_="h2",
                size="4",
            ),
        ),
        rx.cond(
            s.total > 0,
            table(
                [
                    _("Person"),
                    _("Package"),
                    _("Seats"),
                    _("Status"),
                    tp("column", "Ticket"),
                    _("Registered"),
                    "",
                ],
                rx.table.body(rx.foreach(s.rows, _registration_row)),
                _("Registrations, newest first"),
            ),
            rx.text(
                rx.cond(s.query != "", _("Nothing matches that search."), _("No registrations here yet.")),
                color=theme.TEXT_MUTED,
            ),
        ),
        pager(s, "registrations"),
        spacing="4",
        width="100%",
        align="stretch",
    )
