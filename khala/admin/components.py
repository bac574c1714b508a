"""Components of the admin dashboard: section tabs, the access gate, stat tiles, tables, forms and pagers.

What they show comes from ``khala.admin.state`` (and, for users and images, the accounts and images domains'
own admin states); every handler behind a button checks the caller again.
"""

from __future__ import annotations

import reflex as rx

from khala.accounts.components import field, field_error, form_error
from khala.accounts.state import USERS_PAGE_SIZE, SessionState, UsersAdminState
from khala.admin.state import (
    AdminEventsState,
    AdminMailState,
    AdminOverviewState,
    AdminRegistrationsState,
    AdminState,
    EventRowView,
    MailRowView,
    Option,
    PackageRowView,
    RegistrationRowView,
    StatTile,
)
from khala.images.components import image_upload_form
from khala.ui import theme
from khala.ui.widgets import badge

SECTIONS: list[tuple[str, str, str]] = [
    ("Overview", "/admin", "layout-dashboard"),
    ("Events", "/admin/events", "calendar-plus"),
    ("Registrations", "/admin/registrations", "ticket"),
    ("Mail", "/admin/mail", "mail"),
    ("Users", "/admin/users", "users"),
    ("Images", "/admin/images", "image"),
]

STATUS_TONES = {"published": "open", "draft": "muted", "cancelled": "soldout"}
REG_TONES = {"confirmed": "open", "waitlisted": "few", "cancelled": "muted"}
MAIL_TONES = {"sent": "open", "captured": "open", "queued": "few", "sending": "few", "failed": "soldout"}
TIMEZONES = [
    "Europe/Stockholm",
    "Europe/Oslo",
    "Europe/Copenhagen",
    "Europe/Helsinki",
    "Europe/London",
    "Europe/Berlin",
    "UTC",
]

_input_style = {
    "width": "100%",
    "padding": "0.5rem 0.625rem",
    "border": f"1px solid {theme.BORDER_STRONG}",
    "border_radius": theme.RADIUS_SM,
    "background": theme.SURFACE,
    "color": theme.TEXT,
    "font_size": "1rem",
}
_label_style = {"font_weight": "600", "color": theme.TEXT}


# --- shell pieces ---------------------------------------------------------------------------------------


def section_tab(label: str, href: str, icon: str) -> rx.Component:
    active = rx.State.router.page.path == href
    return rx.link(
        rx.hstack(rx.icon(icon, size=16, aria_hidden="true"), rx.text(label), spacing="2", align="center"),
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
        rx.hstack(*[section_tab(*s) for s in SECTIONS], spacing="2", wrap="wrap"),
        aria_label="Admin sections",
        style={"margin_bottom": "1.5rem"},
    )


def admins_only() -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.icon("shield-alert", size=28, color=theme.DANGER, aria_hidden="true"),
            rx.heading("Admins only", as_="h2", size="5"),
            align="center",
            spacing="3",
        ),
        rx.text(
            "This part of Khala is for administrators. You are signed in as ",
            rx.text.strong(SessionState.email),
            ", which is not an administrator account.",
            margin_top="0.75rem",
        ),
        rx.link("Back to the events", href="/events", style=theme.link_style, margin_top="0.75rem"),
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
        rx.hstack(rx.spinner(size="3"), rx.text("Checking your access…"), spacing="3", padding="2rem 0"),
    )


def _tone(value: rx.Var, tones: dict[str, str]) -> rx.Var:
    return rx.match(value, *[(k, v) for k, v in tones.items()], "muted")


def pager(state: type[rx.State], label: str) -> rx.Component:
    return rx.hstack(
        rx.button(
            rx.icon("chevron-left", size=16, aria_hidden="true"),
            "Previous",
            on_click=state.go_to_page(state.page - 1),
            disabled=state.page <= 1,
            style=theme.secondary_button,
            aria_label=f"Previous page of {label}",
        ),
        rx.text(
            "Page ",
            state.page,
            " of ",
            state.pages,
            " · ",
            state.total,
            f" {label}",
            aria_live="polite",
            color=theme.TEXT_MUTED,
        ),
        rx.button(
            "Next",
            rx.icon("chevron-right", size=16, aria_hidden="true"),
            on_click=state.go_to_page(state.page + 1),
            disabled=state.page >= state.pages,
            style=theme.secondary_button,
            aria_label=f"Next page of {label}",
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


def _table(headers: list[str], body: rx.Component, caption: str) -> rx.Component:
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


def _select(
    name: str, id_: str, options: list[tuple[str, str]] | rx.Var, *, empty: str | None = None, **props
) -> rx.Component:
    children = [rx.el.option(empty, value="")] if empty is not None else []
    if isinstance(options, list):
        children += [rx.el.option(label, value=value) for value, label in options]
    else:
        children.append(rx.foreach(options, lambda o: rx.el.option(o.label, value=o.value)))
    return rx.el.select(*children, name=name, id=id_, style=_input_style, **props)


def _labelled(
    label: str, control: rx.Component, id_: str, errors: rx.Var | None = None, name: str = ""
) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=id_, style=_label_style),
        control,
        field_error(errors, name, id_) if errors is not None else rx.fragment(),
        spacing="1",
        width="100%",
        align="stretch",
    )


def _form_message(errors: rx.Var) -> rx.Var:
    return rx.cond(errors.contains("form"), errors["form"], "")


def _grid(*children: rx.Component) -> rx.Component:
    return rx.grid(*children, columns=rx.breakpoints(initial="1", sm="2"), spacing="4", width="100%")


# --- overview -------------------------------------------------------------------------------------------


def stat_tile(tile: StatTile) -> rx.Component:
    return rx.box(
        rx.text(tile.label, size="2", weight="medium", color=theme.TEXT_MUTED),
        rx.text(tile.value, size="8", weight="bold", color=theme.TEXT),
        rx.text(tile.note, size="2", color=theme.TEXT_MUTED),
        style={**theme.card_style, "padding": "1rem 1.25rem"},
    )


def overview() -> rx.Component:
    s = AdminOverviewState
    return rx.vstack(
        rx.heading("Catalogue and registrations", as_="h2", size="4"),
        rx.grid(
            rx.foreach(s.tiles, stat_tile),
            columns=rx.breakpoints(initial="1", sm="2", lg="3"),
            spacing="4",
            width="100%",
        ),
        rx.heading("Mail outbox", as_="h2", size="4", margin_top="1rem"),
        rx.grid(
            rx.foreach(s.mail_tiles, stat_tile),
            columns=rx.breakpoints(initial="2", sm="3", lg="5"),
            spacing="4",
            width="100%",
        ),
        rx.link("See the outbox", href="/admin/mail", style=theme.link_style),
        spacing="3",
        width="100%",
        align="stretch",
    )


# --- events ---------------------------------------------------------------------------------------------


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
        rx.table.cell(badge(row.status_label, _tone(row.status, STATUS_TONES))),
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
                    style=_input_style,
                ),
                flex="1",
                min_width="12rem",
            ),
            rx.box(
                rx.el.label("Status", html_for="admin-event-status", class_name="khala-sr"),
                _select(
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


def _event_fields(prefix: str, e: rx.Var, values: rx.Var | None = None) -> list[rx.Component]:
    """The event form's fields; ``prefix`` keeps ids unique, ``values`` pre-fills them (editing)."""

    def value(name: str, default: str = "") -> str | rx.Var:
        return values[name] if values is not None else default

    def local_time(label: str, name: str, id_: str, required: bool) -> rx.Component:
        return _labelled(
            label,
            rx.el.input(
                id=id_,
                name=name,
                type="datetime-local",
                required=required,
                default_value=value(name),
                aria_describedby=f"{id_}-error",
                style=_input_style,
            ),
            id_,
            e,
            name,
        )

    return [
        field(
            "Title", "title", errors=e, id_=f"{prefix}-title", max_length=100, default_value=value("title")
        ),
        field(
            "Summary",
            "summary",
            errors=e,
            id_=f"{prefix}-summary",
            required=False,
            max_length=300,
            hint="One line for the event card.",
            default_value=value("summary"),
        ),
        _labelled(
            "Description (Markdown)",
            rx.el.textarea(
                id=f"{prefix}-description",
                name="description",
                rows=6,
                default_value=value("description"),
                aria_describedby=f"{prefix}-description-error",
                style=_input_style,
            ),
            f"{prefix}-description",
            e,
            "description",
        ),
        _grid(
            _labelled(
                "Category",
                _select(
                    "category",
                    f"{prefix}-category",
                    AdminEventsState.categories,
                    empty="No category",
                    default_value=value("category"),
                ),
                f"{prefix}-category",
                e,
                "category",
            ),
            _labelled(
                "Venue",
                _select(
                    "venue_id",
                    f"{prefix}-venue",
                    AdminEventsState.venues,
                    empty="No venue yet",
                    default_value=value("venue_id"),
                ),
                f"{prefix}-venue",
                e,
                "venue_id",
            ),
            _labelled(
                "Image",
                _select(
                    "image_id",
                    f"{prefix}-image",
                    AdminEventsState.images,
                    empty="No image (placeholder)",
                    default_value=value("image_id"),
                ),
                f"{prefix}-image",
                e,
                "image_id",
            ),
            rx.box(
                rx.text("Upload new images under ", size="2", color=theme.TEXT_MUTED, as_="span"),
                rx.link("Images", href="/admin/images", style=theme.link_style, size="2"),
                rx.text(" (with their alt text).", size="2", color=theme.TEXT_MUTED, as_="span"),
                align_self="end",
                padding_bottom="0.5rem",
            ),
            local_time("Starts (in the event's time zone)", "starts_at", f"{prefix}-starts", True),
            local_time("Ends (empty = two hours later)", "ends_at", f"{prefix}-ends", False),
            _labelled(
                "Time zone",
                rx.el.input(
                    id=f"{prefix}-timezone",
                    name="timezone",
                    default_value=value("timezone", "Europe/Stockholm"),
                    list=f"{prefix}-timezones",
                    aria_describedby=f"{prefix}-timezone-error",
                    style=_input_style,
                ),
                f"{prefix}-timezone",
                e,
                "timezone",
            ),
        ),
        rx.el.datalist(*[rx.el.option(value=z) for z in TIMEZONES], id=f"{prefix}-timezones"),
    ]


def _event_form() -> rx.Component:
    s = AdminEventsState
    e = s.form_errors
    return card(
        rx.heading("New event", as_="h2", size="4", margin_bottom="0.75rem"),
        rx.form(
            rx.vstack(
                form_error(_form_message(e)),
                *_event_fields("event", e),
                rx.box(
                    _labelled(
                        "Status",
                        _select(
                            "status",
                            "event-status",
                            [("draft", "Draft (not public)"), ("published", "Published")],
                        ),
                        "event-status",
                        e,
                        "status",
                    ),
                    max_width="20rem",
                ),
                rx.hstack(
                    rx.button(
                        "Create event",
                        type="submit",
                        style=theme.primary_button,
                        data_testid="admin-create-event",
                    ),
                    rx.button(
                        "Cancel", type="button", on_click=s.cancel_create, style=theme.secondary_button
                    ),
                    spacing="3",
                ),
                spacing="3",
                width="100%",
                align="stretch",
            ),
            on_submit=s.create_event,
            key=s.form_key.to_string(),
            width="100%",
        ),
        margin_bottom="1.5rem",
    )


def _edit_form() -> rx.Component:
    s = AdminEventsState
    e = s.edit_errors
    return rx.form(
        rx.vstack(
            rx.heading("Edit details", as_="h3", size="3"),
            form_error(_form_message(e)),
            *_event_fields("edit", e, s.edit_values),
            rx.hstack(
                rx.button(
                    "Save changes", type="submit", style=theme.primary_button, data_testid="admin-save-event"
                ),
                rx.button("Cancel", type="button", on_click=s.cancel_edit, style=theme.secondary_button),
                spacing="3",
            ),
            spacing="3",
            width="100%",
            align="stretch",
        ),
        on_submit=s.save_event,
        key=s.edit_key.to_string(),
        width="100%",
        margin_bottom="1.25rem",
        padding_bottom="1.25rem",
        border_bottom=f"1px solid {theme.BORDER}",
    )


def _venue_form() -> rx.Component:
    s = AdminEventsState
    e = s.venue_errors
    return card(
        rx.heading("New venue", as_="h2", size="4", margin_bottom="0.75rem"),
        rx.form(
            rx.vstack(
                form_error(_form_message(e)),
                _grid(
                    field("Venue name", "name", errors=e, id_="venue-name", max_length=120),
                    field("City", "city", errors=e, id_="venue-city", max_length=100),
                    field(
                        "Street address",
                        "street",
                        errors=e,
                        id_="venue-street",
                        required=False,
                        max_length=200,
                    ),
                    field(
                        "Postal code",
                        "postal_code",
                        errors=e,
                        id_="venue-postal",
                        required=False,
                        max_length=20,
                    ),
                    field(
                        "Country code",
                        "country",
                        errors=e,
                        id_="venue-country",
                        default_value="SE",
                        max_length=2,
                    ),
                ),
                rx.hstack(
                    rx.button(
                        "Add venue", type="submit", style=theme.primary_button, data_testid="admin-add-venue"
                    ),
                    rx.button(
                        "Cancel", type="button", on_click=s.toggle_venue_form, style=theme.secondary_button
                    ),
                    spacing="3",
                ),
                spacing="3",
                width="100%",
                align="stretch",
            ),
            on_submit=s.create_venue,
            key=s.venue_key.to_string(),
            width="100%",
        ),
        margin_bottom="1.5rem",
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


def _package_form() -> rx.Component:
    s = AdminEventsState
    e = s.package_errors
    return rx.form(
        rx.vstack(
            rx.heading("Add a package", as_="h3", size="3"),
            form_error(_form_message(e)),
            _grid(
                field("Package title", "title", errors=e, id_="package-title", max_length=100),
                field(
                    "Price",
                    "price",
                    errors=e,
                    id_="package-price",
                    required=False,
                    hint="In whole units, e.g. 250 or 249.50; empty = free.",
                ),
                field(
                    "Currency",
                    "currency",
                    errors=e,
                    id_="package-currency",
                    default_value="SEK",
                    max_length=3,
                ),
                field(
                    "Capacity",
                    "capacity",
                    errors=e,
                    id_="package-capacity",
                    required=False,
                    hint="Seats in this package; empty = unlimited.",
                ),
                field(
                    "Max seats per registration",
                    "max_per_registration",
                    errors=e,
                    id_="package-max",
                    default_value="10",
                ),
                field(
                    "Description",
                    "description",
                    errors=e,
                    id_="package-description",
                    required=False,
                    max_length=300,
                ),
                _labelled(
                    "Sales open (event's time zone; empty = now)",
                    rx.el.input(
                        id="package-opens",
                        name="sales_opens_at",
                        type="datetime-local",
                        aria_describedby="package-opens-error",
                        style=_input_style,
                    ),
                    "package-opens",
                    e,
                    "sales_opens_at",
                ),
                _labelled(
                    "Sales close (empty = when the event starts)",
                    rx.el.input(
                        id="package-closes",
                        name="sales_closes_at",
                        type="datetime-local",
                        aria_describedby="package-closes-error",
                        style=_input_style,
                    ),
                    "package-closes",
                    e,
                    "sales_closes_at",
                ),
            ),
            _labelled(
                "Perks (one per line)",
                rx.el.textarea(
                    id="package-perks",
                    name="perks",
                    rows=3,
                    aria_describedby="package-perks-error",
                    style=_input_style,
                ),
                "package-perks",
                e,
                "perks",
            ),
            rx.button(
                "Add package", type="submit", style=theme.primary_button, data_testid="admin-add-package"
            ),
            spacing="3",
            width="100%",
            align="stretch",
        ),
        on_submit=s.add_package,
        key=s.package_key.to_string(),
        width="100%",
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
                    badge(ev.status_label, _tone(ev.status, STATUS_TONES)),
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
        rx.cond(s.editing, _edit_form()),
        rx.cond(
            ev.packages.length() > 0,
            _table(
                ["Package", "Price", "Seats (taken / capacity)", "Max per registration", "Sales", "Perks"],
                rx.table.body(rx.foreach(ev.packages, _package_row)),
                "Packages of the event",
            ),
            rx.text("No packages yet: add one below.", color=theme.TEXT_MUTED),
        ),
        rx.cond(
            ev.status != "cancelled",
            rx.box(
                _package_form(),
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
        rx.cond(s.adding_venue, _venue_form()),
        rx.cond(s.creating, _event_form()),
        rx.cond(s.selected.id != "", _selected_event()),
        rx.cond(
            s.total > 0,
            _table(
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


# --- registrations --------------------------------------------------------------------------------------


def _registration_row(r: RegistrationRowView) -> rx.Component:
    s = AdminRegistrationsState
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(rx.text(r.name, weight="medium"), rx.text(r.email, size="1"), spacing="0")
        ),
        rx.table.cell(r.package),
        rx.table.cell(r.quantity),
        rx.table.cell(badge(r.status_label, _tone(r.status, REG_TONES))),
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
                rx.el.label("Event", html_for="admin-reg-event", style=_label_style),
                rx.el.select(
                    rx.el.option("Choose an event…", value=""),
                    rx.foreach(s.event_options, lambda o: rx.el.option(o.label, value=o.value)),
                    id="admin-reg-event",
                    value=s.event_id,
                    on_change=s.choose_event,
                    style=_input_style,
                ),
                flex="1",
                min_width="16rem",
            ),
            rx.box(
                rx.el.label("Status", html_for="admin-reg-status", style=_label_style),
                rx.el.select(
                    rx.el.option("All", value="all"),
                    rx.el.option("Confirmed", value="confirmed"),
                    rx.el.option("Waiting list", value="waitlisted"),
                    rx.el.option("Cancelled", value="cancelled"),
                    id="admin-reg-status",
                    value=rx.cond(s.status_filter == "", "all", s.status_filter),
                    on_change=s.filter_status,
                    style=_input_style,
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
                    _table(
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


# --- mail -----------------------------------------------------------------------------------------------


def _mail_row(m: MailRowView) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(m.recipient),
        rx.table.cell(
            rx.vstack(rx.text(m.subject), rx.text(m.template, size="1", color=theme.TEXT_MUTED), spacing="0")
        ),
        rx.table.cell(badge(m.status_label, _tone(m.status, MAIL_TONES))),
        rx.table.cell(m.attempts),
        rx.table.cell(m.created),
        rx.table.cell(rx.cond(m.sent != "", m.sent, m.last_error)),
        rx.table.cell(
            rx.cond(
                m.status == "failed",
                rx.button(
                    "Retry",
                    on_click=AdminMailState.retry(m.id),
                    size="1",
                    style=theme.secondary_button,
                    aria_label="Retry the mail to " + m.recipient,
                ),
            )
        ),
    )


def mail_section() -> rx.Component:
    s = AdminMailState
    return rx.vstack(
        rx.form(
            rx.hstack(
                rx.box(
                    rx.el.label("Status", html_for="admin-mail-status", class_name="khala-sr"),
                    _select(
                        "status",
                        "admin-mail-status",
                        [
                            ("", "All statuses"),
                            ("failed", "Failed"),
                            ("queued", "Queued"),
                            ("sending", "Sending"),
                            ("sent", "Sent"),
                            ("captured", "Captured (no SMTP)"),
                        ],
                    ),
                ),
                rx.box(
                    rx.el.label("Recipient", html_for="admin-mail-recipient", class_name="khala-sr"),
                    rx.el.input(
                        id="admin-mail-recipient",
                        name="recipient",
                        type="search",
                        placeholder="Recipient contains…",
                        style=_input_style,
                    ),
                    flex="1",
                    min_width="12rem",
                ),
                rx.button("Filter", type="submit", style=theme.secondary_button),
                spacing="3",
                align="center",
                wrap="wrap",
                width="100%",
            ),
            on_submit=s.search,
            width="100%",
        ),
        form_error(s.error),
        rx.cond(
            s.total > 0,
            _table(
                ["Recipient", "Subject", "Status", "Attempts", "Created", "Sent / last error", ""],
                rx.table.body(rx.foreach(s.rows, _mail_row)),
                "Outbox messages, newest first",
            ),
            rx.text("No mail matches.", color=theme.TEXT_MUTED, padding="1rem 0"),
        ),
        pager(s, "messages"),
        spacing="4",
        width="100%",
        align="stretch",
    )


# --- users and images (the accounts and images domains' own admin states) ------------------------------


def _user_row(u: dict) -> rx.Component:
    is_admin = u["is_admin"] == "yes"
    return rx.table.row(
        rx.table.row_header_cell(u["display_name"]),
        rx.table.cell(u["email"]),
        rx.table.cell(rx.cond(u["is_verified"] == "yes", "Yes", "No")),
        rx.table.cell(rx.cond(is_admin, badge("Admin", "open"), "")),
        rx.table.cell(u["created"]),
        rx.table.cell(
            rx.cond(
                is_admin,
                rx.button(
                    "Revoke admin",
                    on_click=UsersAdminState.set_admin(u["id"], False),
                    size="1",
                    style=theme.secondary_button,
                ),
                rx.button(
                    "Make admin",
                    on_click=UsersAdminState.set_admin(u["id"], True),
                    size="1",
                    style=theme.secondary_button,
                ),
            )
        ),
    )


def users_section() -> rx.Component:
    s = UsersAdminState
    return rx.vstack(
        rx.form(
            rx.hstack(
                rx.el.label("Search users", html_for="admin-user-q", class_name="khala-sr"),
                rx.el.input(
                    id="admin-user-q",
                    name="query",
                    type="search",
                    placeholder="Name or e-mail",
                    default_value=s.query,
                    style={**_input_style, "flex": "1"},
                ),
                rx.button("Search", type="submit", style=theme.secondary_button),
                spacing="3",
                width="100%",
            ),
            on_submit=s.search,
            width="100%",
        ),
        form_error(s.error),
        _table(
            ["Name", "E-mail", "Verified", "Role", "Joined", ""],
            rx.table.body(rx.foreach(s.users, _user_row)),
            "Accounts",
        ),
        rx.hstack(
            rx.button(
                "Previous",
                on_click=s.page(s.offset - USERS_PAGE_SIZE),
                disabled=s.offset <= 0,
                style=theme.secondary_button,
            ),
            rx.text(s.total, " accounts", color=theme.TEXT_MUTED),
            rx.button(
                "Next",
                on_click=s.page(s.offset + USERS_PAGE_SIZE),
                disabled=s.offset + USERS_PAGE_SIZE >= s.total,
                style=theme.secondary_button,
            ),
            spacing="3",
            align="center",
            justify="center",
            width="100%",
        ),
        spacing="4",
        width="100%",
        align="stretch",
    )


def images_section() -> rx.Component:
    return rx.box(
        rx.text(
            "Upload an event image with its alt text; it is re-encoded and stored in the image store.",
            color=theme.TEXT_MUTED,
            margin_bottom="1rem",
        ),
        rx.box(image_upload_form(), max_width="640px"),
    )


__all__ = [
    "Option",
    "admin_gate",
    "events_section",
    "images_section",
    "mail_section",
    "overview",
    "registrations_section",
    "users_section",
]
