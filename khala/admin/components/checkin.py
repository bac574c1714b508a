"""The door: a phone-first check-in screen. Type or paste a code, or scan the ticket's QR with the camera; the
answer fills the screen (green: in; red: why not, and whose ticket); the counts move live on every door."""

from __future__ import annotations

import reflex as rx

from khala.admin.components.scanner import ticket_scanner
from khala.admin.components.shell import INPUT_STYLE, LABEL_STYLE, card
from khala.admin.state.checkin import AdminCheckinState, ArrivalView, DoorPackageView
from khala.ui import theme
from khala.ui.forms import form_error
from khala.ui.i18n import t as _


def _bar(percent: rx.Var, label: rx.Var | str) -> rx.Component:
    return rx.box(
        rx.box(
            width=percent.to_string() + "%",
            height="100%",
            background=theme.SUCCESS,
            border_radius=theme.RADIUS_PILL,
            transition="width 0.4s ease",
        ),
        role="progressbar",
        aria_valuemin=0,
        aria_valuemax=100,
        aria_valuenow=percent,
        aria_label=label,
        height="10px",
        width="100%",
        background=theme.SKELETON,
        border_radius=theme.RADIUS_PILL,
        overflow="hidden",
    )


def _counts() -> rx.Component:
    s = AdminCheckinState
    return card(
        rx.vstack(
            rx.hstack(
                rx.vstack(
                    rx.text(_("In the room"), size="2", color=theme.TEXT_MUTED),
                    rx.hstack(
                        rx.text(s.seats_in, size="8", weight="bold", data_testid="door-seats-in"),
                        rx.text(
                            "/ ",
                            s.seats,
                            rx.cond(s.seats == 1, _(" seat"), _(" seats")),
                            size="4",
                            color=theme.TEXT_MUTED,
                        ),
                        align="baseline",
                        spacing="2",
                    ),
                    spacing="0",
                ),
                rx.spacer(),
                rx.vstack(
                    rx.text(s.percent_in.to_string() + "%", size="6", weight="bold", color=theme.SUCCESS),
                    rx.text(
                        s.tickets_in,
                        _(" of "),
                        s.tickets,
                        rx.cond(s.tickets == 1, _(" ticket"), _(" tickets")),
                        size="1",
                        color=theme.TEXT_MUTED,
                    ),
                    spacing="0",
                    align="end",
                ),
                width="100%",
                align="center",
            ),
            _bar(s.percent_in, _("Seats checked in")),
            rx.foreach(s.packages, _package),
            spacing="3",
            width="100%",
        ),
        aria_live="polite",
        data_testid="door-counts",
        width="100%",
    )


def _package(p: DoorPackageView) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(p.title, size="2", weight="medium"),
            rx.spacer(),
            rx.text(p.seats_in, " / ", p.seats, size="2", color=theme.TEXT_MUTED),
            width="100%",
        ),
        _bar(p.percent, p.title),
        spacing="1",
        width="100%",
    )


def _code_form() -> rx.Component:
    s = AdminCheckinState
    return rx.form(
        rx.vstack(
            rx.el.label(_("Ticket code"), html_for="door-code", style=LABEL_STYLE),
            rx.hstack(
                rx.el.input(
                    id="door-code",
                    name="code",
                    type="text",
                    placeholder=_("e.g. 7K3M-Q9X2PA"),
                    auto_complete="off",
                    auto_capitalize="characters",
                    spell_check=False,
                    auto_focus=True,
                    enter_key_hint="go",
                    style={
                        **INPUT_STYLE,
                        "flex": "1",
                        "min_width": "0",
                        "font_size": "1.25rem",
                        "letter_spacing": "0.08em",
                        "font_family": "ui-monospace, SFMono-Regular, Menlo, monospace",
                        "padding": "0.7rem 0.8rem",
                    },
                ),
                rx.button(
                    _("Check in"),
                    type="submit",
                    size="3",
                    style={**theme.primary_button, "min_height": "48px"},
                    data_testid="door-submit",
                ),
                spacing="2",
                width="100%",
            ),
            spacing="1",
            width="100%",
        ),
        on_submit=s.check_in,
        reset_on_submit=True,
        width="100%",
    )


def _camera() -> rx.Component:
    s = AdminCheckinState
    return rx.vstack(
        rx.button(
            rx.icon(rx.cond(s.camera_on, "camera-off", "camera"), size=18, aria_hidden="true"),
            rx.cond(s.camera_on, _("Stop the camera"), _("Scan with the camera")),
            on_click=s.toggle_camera,
            size="3",
            width="100%",
            style={**theme.secondary_button, "min_height": "48px"},
            aria_pressed=s.camera_on,
            data_testid="door-camera-toggle",
        ),
        rx.cond(
            s.camera_on,
            rx.box(
                ticket_scanner(
                    paused=s.result.kind == "refused",
                    on_code=s.scanned,
                    on_problem=s.camera_failed,
                ),
                width="100%",
                max_width="420px",
                margin="0 auto",
                data_testid="door-camera",
            ),
        ),
        rx.cond(
            s.camera_problem != "",
            rx.text(s.camera_problem, color=theme.WARNING, size="2", role="status"),
        ),
        spacing="2",
        width="100%",
    )


def _result() -> rx.Component:
    s = AdminCheckinState
    r = s.result
    ok = r.kind == "ok"
    refused = r.kind == "refused"
    tone_bg = rx.cond(ok, theme.SUCCESS_SOFT, rx.cond(refused, theme.DANGER_SOFT, theme.PANEL))
    tone_fg = rx.cond(ok, theme.SUCCESS, rx.cond(refused, theme.DANGER, theme.TEXT))
    return rx.cond(
        r.kind != "",
        rx.box(
            rx.hstack(
                rx.icon(
                    rx.cond(ok, "circle-check", rx.cond(refused, "circle-x", "undo-2")),
                    size=36,
                    color=tone_fg,
                    aria_hidden="true",
                    flex_shrink="0",
                ),
                rx.vstack(
                    rx.heading(r.headline, as_="h2", size="6", color=tone_fg),
                    rx.cond(r.name != "", rx.text(r.name, size="5", weight="bold")),
                    rx.cond(
                        r.package != "",
                        rx.text(r.package, " × ", r.quantity, size="3"),
                    ),
                    rx.text(r.detail, size="2"),
                    rx.cond(r.code != "", rx.code(r.code, size="1")),
                    spacing="1",
                    align="start",
                    min_width="0",
                ),
                spacing="3",
                align="start",
                width="100%",
            ),
            rx.hstack(
                rx.cond(
                    r.can_undo,
                    rx.button(
                        _("Undo check-in"),
                        on_click=s.undo(r.registration_id),
                        size="2",
                        style=theme.secondary_button,
                        data_testid="door-undo",
                    ),
                ),
                rx.button(_("Next"), on_click=s.clear_result, size="2", style=theme.secondary_button),
                spacing="2",
                justify="end",
                width="100%",
                margin_top="0.75rem",
            ),
            role="status",
            aria_live="assertive",
            data_testid="door-result",
            data_kind=r.kind,
            style={
                "background": tone_bg,
                "border": "2px solid",
                "border_color": tone_fg,
                "border_radius": theme.RADIUS_LG,
                "padding": "1rem",
                "width": "100%",
            },
        ),
    )


def _arrival(a: ArrivalView) -> rx.Component:
    return rx.hstack(
        rx.text(a.at, size="2", color=theme.TEXT_MUTED, min_width="3rem"),
        rx.text(
            a.name,
            size="2",
            weight="medium",
            flex="1",
            min_width="0",
            overflow="hidden",
            text_overflow="ellipsis",
            white_space="nowrap",
        ),
        rx.text(a.package, " × ", a.quantity, size="1", color=theme.TEXT_MUTED, white_space="nowrap"),
        width="100%",
        spacing="3",
        padding_y="0.35rem",
        border_bottom=f"1px solid {theme.BORDER}",
    )


def _arrivals() -> rx.Component:
    s = AdminCheckinState
    return card(
        rx.heading(_("Latest arrivals"), as_="h2", size="3", margin_bottom="0.5rem"),
        rx.cond(
            s.arrivals.length() > 0,
            rx.vstack(rx.foreach(s.arrivals, _arrival), spacing="0", width="100%"),
            rx.text(_("Nobody checked in yet."), size="2", color=theme.TEXT_MUTED),
        ),
        width="100%",
    )


def _event_picker() -> rx.Component:
    s = AdminCheckinState
    return card(
        rx.heading(_("Check-in"), as_="h2", size="5"),
        rx.text(
            _("Choose the event whose door you are at."), color=theme.TEXT_MUTED, margin_bottom="0.75rem"
        ),
        rx.vstack(
            rx.foreach(
                s.event_options,
                lambda o: rx.link(
                    rx.hstack(
                        rx.icon("scan-line", size=18, aria_hidden="true"),
                        rx.text(o.label),
                        spacing="3",
                        align="center",
                    ),
                    href="/admin/checkin/" + o.value,
                    reload_document=True,  # a fresh load: this page's Permissions-Policy lets the camera on
                    underline="none",
                    style={
                        **theme.secondary_button,
                        "text_decoration": "none",
                        "width": "100%",
                        "display": "flex",
                        "padding": "0.75rem 1rem",
                        "justify_content": "flex-start",
                    },
                ),
            ),
            rx.cond(
                s.event_options.length() == 0,
                rx.text(_("No published events."), color=theme.TEXT_MUTED),
            ),
            spacing="2",
            width="100%",
        ),
    )


def checkin_section() -> rx.Component:
    s = AdminCheckinState
    door = rx.vstack(
        rx.vstack(
            rx.heading(s.event_title, as_="h1", size="6", data_testid="door-event"),
            rx.text(s.event_when, color=theme.TEXT_MUTED, size="2"),
            spacing="0",
        ),
        form_error(s.error),
        rx.grid(
            rx.vstack(
                _code_form(),
                _camera(),
                _result(),
                spacing="4",
                width="100%",
            ),
            rx.vstack(_counts(), _arrivals(), spacing="4", width="100%"),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="5",
            width="100%",
        ),
        spacing="4",
        width="100%",
        max_width="1100px",
    )
    return rx.box(
        rx.cond(s.event_id != "", door, rx.vstack(form_error(s.error), _event_picker(), width="100%")),
        width="100%",
    )
