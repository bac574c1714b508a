"""The register button and dialog (used inside the event modal/page) and the ticket cards."""

from __future__ import annotations

import reflex as rx

from khala.lib import routes
from khala.registrations.state import RegistrationState, TicketRow, TicketsState
from khala.ui import theme
from khala.ui.i18n import t as _
from khala.ui.widgets import badge


def register_button(package_id: rx.Var, title: rx.Var, sales_state: rx.Var, sold_out: rx.Var) -> rx.Component:
    """The package's action: Register, Join waiting list, or the reason it can't be bought."""
    return rx.button(
        rx.cond(sold_out, _("Join waiting list"), _("Register")),
        on_click=RegistrationState.start(package_id, 1),
        disabled=sales_state != "open",
        aria_label=rx.cond(sold_out, _("Join the waiting list for "), _("Register for ")) + title,
        style=rx.cond(sold_out, theme.secondary_button, theme.primary_button),
        size="3",
        data_testid="register-" + package_id,
    )


def _quantity_picker() -> rx.Component:
    s = RegistrationState
    return rx.vstack(
        rx.el.label(_("Seats"), html_for="register-quantity", style={"font_weight": "600"}),
        rx.hstack(
            rx.button(
                "−",
                on_click=s.set_quantity((s.quantity - 1).to_string()),
                disabled=s.quantity <= 1,
                aria_label=_("One seat fewer"),
                style=theme.secondary_button,
                size="2",
            ),
            rx.el.input(
                id="register-quantity",
                type="number",
                min=1,
                max=s.max_quantity,
                value=s.quantity,
                on_change=s.set_quantity,
                style={
                    "width": "4.5rem",
                    "text_align": "center",
                    "padding": "0.4rem",
                    "border": f"1px solid {theme.BORDER_STRONG}",
                    "border_radius": theme.RADIUS_SM,
                },
            ),
            rx.button(
                "+",
                on_click=s.set_quantity((s.quantity + 1).to_string()),
                disabled=s.quantity >= s.max_quantity,
                aria_label=_("One seat more"),
                style=theme.secondary_button,
                size="2",
            ),
            rx.text(_("at most "), s.max_quantity, size="2", style={"color": theme.TEXT_MUTED}),
            align="center",
            spacing="2",
        ),
        spacing="1",
    )


def _notice(text: rx.Var, tone: str) -> rx.Component:
    colours = theme.badge_tones[tone]
    return rx.box(
        text,
        role="status",
        aria_live="polite",
        style={**colours, "padding": "0.75rem 1rem", "border_radius": theme.RADIUS, "font_weight": "600"},
    )


def register_dialog() -> rx.Component:
    s = RegistrationState
    body = rx.match(
        s.phase,
        (
            "need_login",
            rx.vstack(
                rx.text(
                    _(
                        "Sign in or create an account to register. We'll bring you back here with your choice kept."
                    )
                ),
                rx.hstack(
                    rx.link(
                        rx.button(_("Sign in to continue"), style=theme.primary_button, size="3"),
                        href=s.login_href,
                    ),
                    rx.link(
                        _("Create an account"),
                        href=s.signup_href,
                        style=theme.link_style,
                    ),
                    align="center",
                    spacing="4",
                    wrap="wrap",
                ),
                spacing="3",
            ),
        ),
        (
            "need_verify",
            rx.vstack(
                rx.text(
                    _("Please confirm your e-mail address first — we sent you a link when you signed up.")
                ),
                rx.button(
                    _("Send the link again"), on_click=s.resend_verification, style=theme.secondary_button
                ),
                rx.cond(s.message != "", _notice(s.message, "muted")),
                spacing="3",
            ),
        ),
        ("closed", _notice(s.message, "muted")),
        ("error", _notice(s.message, "soldout")),
        (
            "done",
            rx.vstack(
                _notice(s.message, "open"),
                rx.cond(
                    s.ticket_code != "",
                    rx.text(_("Ticket code: "), rx.el.strong(s.ticket_code, data_testid="ticket-code")),
                ),
                rx.link(_("Go to My tickets"), href=routes.TICKETS, style=theme.link_style),
                spacing="3",
            ),
        ),
        rx.vstack(
            rx.cond(s.seats_note != "", rx.text(s.seats_note, size="2", style={"color": theme.TEXT_MUTED})),
            _quantity_picker(),
            rx.text(_("Total: "), rx.el.strong(s.total_price), size="4"),
            rx.cond(s.message != "", _notice(s.message, "few")),
            rx.button(
                rx.cond(s.phase == "working", rx.spinner(size="2"), rx.fragment()),
                rx.cond(s.waitlist, _("Join the waiting list"), _("Confirm registration")),
                on_click=s.confirm,
                disabled=s.phase == "working",
                style=theme.primary_button,
                size="3",
                data_testid="confirm-registration",
            ),
            spacing="3",
            align="start",
        ),
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(s.event_title),
            rx.dialog.description(
                s.package_title, " · ", s.unit_price, _(" per seat"), style={"color": theme.TEXT_MUTED}
            ),
            rx.box(body, margin_y="1rem"),
            rx.flex(
                rx.dialog.close(
                    rx.button(_("Close"), style=theme.secondary_button, disabled=s.phase == "working")
                ),
                justify="end",
            ),
            style={"max_width": "32rem", "border_radius": theme.RADIUS_LG},
            data_testid="register-dialog",
        ),
        open=s.dialog_open,
        on_open_change=s.set_dialog_open,
    )


# ----------------------------------------------------------------------------------------------- tickets


def ticket_card(t: TicketRow) -> rx.Component:
    return rx.box(
        rx.flex(
            rx.cond(
                t.qr != "",
                rx.image(
                    src=t.qr,
                    alt=_("QR code for ticket ") + t.ticket_code,
                    width="132px",
                    height="132px",
                    style={"background": theme.SURFACE, "border_radius": theme.RADIUS_SM, "flex_shrink": "0"},
                ),
            ),
            rx.vstack(
                rx.link(
                    rx.heading(t.event_title, as_="h3", size="4"),
                    href=routes.EVENTS + "/" + t.event_slug,
                    style={"color": theme.TEXT},
                ),
                rx.text(t.when, size="2"),
                rx.text(
                    t.venue,
                    rx.cond(t.address != "", ", " + t.address, ""),
                    size="2",
                    style={"color": theme.TEXT_MUTED},
                ),
                rx.text(t.package_title, " × ", t.quantity, " · ", t.price_label, size="2"),
                rx.hstack(
                    badge(t.status_label, rx.cond(t.waitlisted, "few", "open")),
                    rx.text(
                        _("Code "), rx.el.strong(t.ticket_code, style={"letter_spacing": "0.08em"}), size="2"
                    ),
                    spacing="3",
                    align="center",
                    wrap="wrap",
                ),
                rx.hstack(
                    rx.cond(
                        ~t.waitlisted,
                        rx.link(
                            _("Add to calendar"),
                            href=routes.TICKETS + "/" + t.id + ".ics",
                            style=theme.link_style,
                            is_external=True,
                        ),
                    ),
                    rx.cond(
                        t.cancellable,
                        rx.button(
                            rx.cond(t.waitlisted, _("Leave waiting list"), _("Cancel")),
                            on_click=TicketsState.ask_cancel(t.id),
                            style=theme.secondary_button,
                            size="2",
                            data_testid="cancel-" + t.ticket_code,
                        ),
                    ),
                    spacing="4",
                    align="center",
                    wrap="wrap",
                ),
                spacing="1",
                align="start",
            ),
            gap="1.25rem",
            wrap="wrap",
            align="start",
        ),
        id=t.ticket_code,
        style={**theme.card_style, "padding": "1.25rem"},
        data_testid="ticket",
    )


def cancel_dialog() -> rx.Component:
    s = TicketsState
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(_("Cancel this registration?")),
            rx.alert_dialog.description(
                s.confirm_title, _(" — your seats go back to others and you'll get a mail.")
            ),
            rx.flex(
                rx.alert_dialog.cancel(
                    rx.button(_("Keep it"), on_click=s.keep, style=theme.secondary_button)
                ),
                rx.alert_dialog.action(
                    rx.button(
                        _("Yes, cancel"),
                        on_click=s.cancel,
                        style={
                            **theme.primary_button,
                            "background": theme.DANGER,
                            "color": theme.ON_SECONDARY,
                        },
                        data_testid="confirm-cancel",
                    ),
                ),
                gap="0.75rem",
                justify="end",
                margin_top="1rem",
            ),
        ),
        open=s.confirm_id != "",
        on_open_change=s.set_confirm_open,
    )


def tickets_view() -> rx.Component:
    s = TicketsState
    return rx.vstack(
        rx.cond(s.notice != "", _notice(s.notice, "open")),
        rx.cond(s.error != "", _notice(s.error, "soldout")),
        rx.heading(_("Upcoming"), as_="h2", size="5"),
        rx.cond(
            s.upcoming.length() > 0,
            rx.vstack(rx.foreach(s.upcoming, ticket_card), spacing="3", width="100%"),
            rx.cond(
                s.loaded,
                rx.box(
                    rx.text(_("No upcoming tickets yet.")),
                    rx.link(_("Find something to do"), href=routes.EVENTS, style=theme.link_style),
                    style=theme.panel_style,
                ),
                rx.box(
                    class_name="khala-skeleton", height="8rem", width="100%", border_radius=theme.RADIUS_LG
                ),
            ),
        ),
        rx.cond(
            s.past.length() > 0,
            rx.vstack(
                rx.heading(_("Past"), as_="h2", size="5", margin_top="1.5rem"),
                rx.foreach(s.past, ticket_card),
                spacing="3",
                width="100%",
            ),
        ),
        cancel_dialog(),
        spacing="3",
        width="100%",
        align="start",
    )
