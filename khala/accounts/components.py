"""Reflex components of the accounts domain: the sign-in card, buttons, links (fields: ``khala.ui.forms``)."""

from __future__ import annotations

import reflex as rx

from khala.accounts.state import CalendarFeedState
from khala.ui import theme
from khala.ui.i18n import t as _
from khala.ui.i18n import tp


def auth_card(*children: rx.Component) -> rx.Component:
    """A card for the sign-in/sign-up family of pages (the shell's header shows the title)."""
    return rx.center(
        rx.box(
            *children,
            style=theme.card_style,
            padding="2rem",
            width="100%",
            max_width="440px",
        ),
        padding_y="3rem",
        padding_x="1rem",
        width="100%",
    )


def primary_button(label: str, **props) -> rx.Component:
    """A form's submit button, disabled until the page is hydrated: the prerendered form has no handler yet,
    and the browser's own submission would send the fields as a GET to the page's address (a password in the
    URL, the history and the access log). A disabled default button also stops Enter from submitting."""
    waiting = ~rx.State.is_hydrated
    if "disabled" in props:
        waiting = rx.Var.create(props.pop("disabled")) | waiting
    return rx.button(label, type="submit", size="3", width="100%", disabled=waiting, **props)


def link(text: str, href: str) -> rx.Component:
    return rx.link(text, href=href, color=theme.PRIMARY_TEXT, style=theme.focus_ring)


def calendar_feed_section() -> rx.Component:
    """/account (and /tickets): subscribe to your own tickets in a calendar app, at a secret address."""
    s = CalendarFeedState
    return rx.vstack(
        rx.text(
            _(
                "Subscribe to your tickets in your calendar app (Google Calendar, Apple Calendar, Outlook): new "
                "tickets, time changes and cancellations show up there by themselves."
            ),
        ),
        rx.cond(
            s.url != "",
            rx.callout(
                rx.vstack(
                    rx.text(_("Your calendar address. Copy it now: we show it only this once.")),
                    rx.input(
                        value=s.url,
                        read_only=True,
                        id="calendar-feed-url",
                        aria_label=_("Your calendar address"),
                        width="100%",
                    ),
                    rx.hstack(
                        rx.button(_("Copy"), on_click=rx.set_clipboard(s.url), size="1", variant="soft"),
                        rx.link(
                            _("Open in my calendar app"), href=s.webcal, size="2", style=theme.link_style
                        ),
                        align="center",
                        wrap="wrap",
                    ),
                    width="100%",
                ),
                icon="calendar",
                color_scheme="green",
                width="100%",
            ),
        ),
        rx.cond(
            s.active,
            rx.vstack(
                rx.text(
                    _("Your calendar address is on (made "),
                    s.since,
                    rx.cond(s.last_used != "", rx.fragment(_("; last read "), s.last_used), ""),
                    _("). Anyone who has it sees your tickets: make a new one if it got out."),
                    size="2",
                ),
                rx.hstack(
                    rx.button(
                        _("Make a new address"), on_click=s.make_link, variant="soft", id="calendar-feed-new"
                    ),
                    rx.button(
                        _("Turn off"),
                        on_click=s.turn_off,
                        variant="soft",
                        color_scheme="red",
                        id="calendar-feed-off",
                    ),
                    wrap="wrap",
                ),
                align="start",
            ),
            rx.button(_("Make my calendar address"), on_click=s.make_link, id="calendar-feed-make"),
        ),
        align="start",
        width="100%",
        on_mount=s.load,
        id="calendar-feed",
    )


def password_confirm_dialog(state: type[rx.State]) -> rx.Component:
    """_("Confirm your password") before a privileged action (recent authentication). ``state`` has
    ``reauth_open``, ``reauth_error``, ``confirm_password(form_data)`` and ``close_reauth()`` (the admin states
    do: ``khala.admin.state.base.AdminState``)."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(_("Confirm your password")),
            rx.dialog.description(
                _(
                    "Granting administrator rights needs your password again (we ask at most every 10 minutes)."
                )
            ),
            rx.form(
                rx.vstack(
                    rx.el.label(_("Your password"), html_for="reauth-password"),
                    rx.input(
                        id="reauth-password",
                        name="password",
                        type="password",
                        auto_complete="current-password",
                        required=True,
                        width="100%",
                    ),
                    rx.cond(
                        state.reauth_error != "", rx.text(state.reauth_error, color_scheme="red", size="2")
                    ),
                    rx.hstack(
                        rx.button(
                            tp("dialog", "Cancel"), type="button", variant="soft", on_click=state.close_reauth
                        ),
                        rx.button(_("Confirm"), type="submit", id="reauth-confirm"),
                        justify="end",
                        width="100%",
                    ),
                    width="100%",
                ),
                on_submit=state.confirm_password,
                reset_on_submit=True,
            ),
        ),
        open=state.reauth_open,
        on_open_change=lambda _open: state.close_reauth(),
    )
