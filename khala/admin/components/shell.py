"""The admin dashboard's shell and shared pieces: section tabs, the access gate, tone badges, the pager,
cards, tables, selects and labelled controls."""

from __future__ import annotations

import reflex as rx

from khala.accounts.state import SessionState
from khala.admin.state.base import AdminState
from khala.lib.i18n import N_
from khala.ui import theme
from khala.ui.forms import field_error
from khala.ui.i18n import t as _
from khala.ui.i18n import tf

SECTIONS: list[tuple[str, str, str]] = [
    (N_("Overview"), "/admin", "layout-dashboard"),
    (N_("Events"), "/admin/events", "calendar-plus"),
    (N_("Venues"), "/admin/venues", "map-pin"),
    (N_("Registrations"), "/admin/registrations", "ticket"),
    (N_("Check-in"), "/admin/checkin", "scan-line"),
    (N_("Mail"), "/admin/mail", "mail"),
    (N_("Users"), "/admin/users", "users"),
    (N_("Images"), "/admin/images", "image"),
    (N_("Audit log"), "/admin/audit", "history"),
    (N_("API keys"), "/admin/api-keys", "key-round"),
    (N_("Embed"), "/admin/embed", "code"),
    (N_("System"), "/admin/system", "activity"),
]

# What the pagers count (``pager(state, "events")``): named here so the catalog keeps their translations.
PAGER_NOUNS = (
    N_("events"),
    N_("venues"),
    N_("images"),
    N_("registrations"),
    N_("accounts"),
    N_("messages"),
    N_("entries"),
)

STATUS_TONES = {"published": "open", "draft": "muted", "cancelled": "soldout"}
REG_TONES = {"confirmed": "open", "waitlisted": "few", "cancelled": "muted"}
MAIL_TONES = {"sent": "open", "captured": "open", "queued": "few", "sending": "few", "failed": "soldout"}

INPUT_STYLE = {
    "width": "100%",
    "padding": "0.5rem 0.625rem",
    "border": f"1px solid {theme.BORDER_STRONG}",
    "border_radius": theme.RADIUS_SM,
    "background": theme.SURFACE,
    "color": theme.TEXT,
    "font_size": "1rem",
}
LABEL_STYLE = {"font_weight": "600", "color": theme.TEXT}


def section_tab(label: str, href: str, icon: str) -> rx.Component:
    active = rx.State.router.page.path == href
    return rx.link(
        rx.hstack(rx.icon(icon, size=16, aria_hidden="true"), rx.text(_(label)), spacing="2", align="center"),
        href=href,
        underline="none",
        aria_current=rx.cond(active, "page", "false"),
        style={
            "padding": "0.45rem 0.9rem",
            "border_radius": theme.RADIUS_PILL,
            "color": theme.TEXT,
            "font_weight": "600",
            "background": theme.PANEL,
            "white_space": "nowrap",
            "_hover": {"background": theme.PRIMARY_SOFT},
            "&[aria-current='page']": {"background": theme.SECONDARY, "color": theme.ON_SECONDARY},
            **theme.focus_ring,
        },
    )


def section_tabs() -> rx.Component:
    return rx.el.nav(
        rx.hstack(
            *[section_tab(*s) for s in SECTIONS],
            spacing="2",
            wrap=rx.breakpoints(initial="nowrap", sm="wrap"),
        ),
        aria_label=_("Admin sections"),
        # On a phone the tabs scroll sideways instead of pushing the section (the door's form) off screen.
        style={"margin_bottom": "1.5rem", "overflow_x": "auto", "padding_bottom": "0.25rem"},
    )


def admins_only() -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.icon("shield-alert", size=28, color=theme.DANGER, aria_hidden="true"),
            rx.heading(_("Admins only"), as_="h2", size="5"),
            align="center",
            spacing="3",
        ),
        rx.text(
            _("This part of Khala is for administrators. You are signed in as "),
            rx.text.strong(SessionState.email),
            _(", which is not an administrator account."),
            margin_top="0.75rem",
        ),
        rx.link(_("Back to the events"), href="/events", style=theme.link_style, margin_top="0.75rem"),
        role="alert",
        data_testid="admins-only",
        style={**theme.panel_style, "padding": "1.5rem", "max_width": "640px"},
    )


def admin_gate(*content: rx.Component) -> rx.Component:
    """The section for administrators; "Admins only" for other signed-in people; a quiet wait meanwhile."""
    return rx.match(
        AdminState.access,
        ("admin", rx.box(section_tabs(), *content, width="100%")),
        ("denied", admins_only()),
        rx.hstack(rx.spinner(size="3"), rx.text(_("Checking your access…")), spacing="3", padding="2rem 0"),
    )


def tone(value: rx.Var, tones: dict[str, str]) -> rx.Var:
    return rx.match(value, *[(k, v) for k, v in tones.items()], "muted")


def pager(state: type[rx.State], label: str) -> rx.Component:
    """Previous / "Page 2 of 5 · 48 events" / Next; ``label`` is what is counted, in English (``PAGER_NOUNS``)."""
    return rx.hstack(
        rx.button(
            rx.icon("chevron-left", size=16, aria_hidden="true"),
            _("Previous"),
            on_click=state.go_to_page(state.page - 1),
            disabled=state.page <= 1,
            style=theme.secondary_button,
            aria_label=tf(N_("Previous page of %(what)s"), what=label),
        ),
        rx.text(
            _("Page "),
            state.page,
            _(" of "),
            state.pages,
            " · ",
            state.total,
            " ",
            _(label),
            aria_live="polite",
            color=theme.TEXT_MUTED,
        ),
        rx.button(
            _("Next"),
            rx.icon("chevron-right", size=16, aria_hidden="true"),
            on_click=state.go_to_page(state.page + 1),
            disabled=state.page >= state.pages,
            style=theme.secondary_button,
            aria_label=tf(N_("Next page of %(what)s"), what=label),
        ),
        spacing="3",
        align="center",
        justify="center",
        wrap="wrap",
        width="100%",
        padding_top="1rem",
    )


def card(*children: rx.Component, **props) -> rx.Component:
    return rx.box(*children, style={**theme.card_style, "padding": "1.25rem", "overflow": "visible"}, **props)


def table(headers: list[str], body: rx.Component, caption: str) -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.el.caption(caption, class_name="khala-sr"),
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
            body,
            variant="surface",
            size="2",
            width="100%",
        ),
        overflow_x="auto",
        width="100%",
    )


def select(
    name: str, id_: str, options: list[tuple[str, str]] | rx.Var, *, empty: str | None = None, **props
) -> rx.Component:
    children = [rx.el.option(empty, value="")] if empty is not None else []
    if isinstance(options, list):
        children += [rx.el.option(label, value=value) for value, label in options]
    else:
        children.append(rx.foreach(options, lambda o: rx.el.option(o.label, value=o.value)))
    return rx.el.select(*children, name=name, id=id_, style=INPUT_STYLE, **props)


def labelled(
    label: str, control: rx.Component, id_: str, errors: rx.Var | None = None, name: str = ""
) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=id_, style=LABEL_STYLE),
        control,
        field_error(errors, name, id_) if errors is not None else rx.fragment(),
        spacing="1",
        width="100%",
        align="stretch",
    )


def form_message(errors: rx.Var) -> rx.Var:
    return rx.cond(errors.contains("form"), errors["form"], "")


def grid(*children: rx.Component) -> rx.Component:
    return rx.grid(*children, columns=rx.breakpoints(initial="1", sm="2"), spacing="4", width="100%")
