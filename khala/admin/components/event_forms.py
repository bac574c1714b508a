"""The events section's forms: new event, edit details, new venue, add a package."""

from __future__ import annotations

import reflex as rx

from khala.admin.components.shell import INPUT_STYLE, card, form_message, grid, labelled, select
from khala.admin.state.events import AdminEventsState
from khala.lib import dates, money
from khala.ui import theme
from khala.ui.forms import field, form_error

TIMEZONES = [
    "Europe/Stockholm",
    "Europe/Oslo",
    "Europe/Copenhagen",
    "Europe/Helsinki",
    "Europe/London",
    "Europe/Berlin",
    "UTC",
]


def _event_fields(prefix: str, e: rx.Var, values: rx.Var | None = None) -> list[rx.Component]:
    """The event form's fields; ``prefix`` keeps ids unique, ``values`` pre-fills them (editing)."""

    def value(name: str, default: str = "") -> str | rx.Var:
        return values[name] if values is not None else default

    def local_time(label: str, name: str, id_: str, required: bool) -> rx.Component:
        return labelled(
            label,
            rx.el.input(
                id=id_,
                name=name,
                type="datetime-local",
                required=required,
                default_value=value(name),
                aria_describedby=f"{id_}-error",
                style=INPUT_STYLE,
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
        labelled(
            "Description (Markdown)",
            rx.el.textarea(
                id=f"{prefix}-description",
                name="description",
                rows=6,
                default_value=value("description"),
                aria_describedby=f"{prefix}-description-error",
                style=INPUT_STYLE,
            ),
            f"{prefix}-description",
            e,
            "description",
        ),
        grid(
            labelled(
                "Category",
                select(
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
            labelled(
                "Venue",
                select(
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
            labelled(
                "Image",
                select(
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
            labelled(
                "Time zone",
                rx.el.input(
                    id=f"{prefix}-timezone",
                    name="timezone",
                    default_value=value("timezone", dates.default_timezone()),
                    list=f"{prefix}-timezones",
                    aria_describedby=f"{prefix}-timezone-error",
                    style=INPUT_STYLE,
                ),
                f"{prefix}-timezone",
                e,
                "timezone",
            ),
        ),
        rx.el.datalist(*[rx.el.option(value=z) for z in TIMEZONES], id=f"{prefix}-timezones"),
    ]


def event_form() -> rx.Component:
    s = AdminEventsState
    e = s.form_errors
    return card(
        rx.heading("New event", as_="h2", size="4", margin_bottom="0.75rem"),
        rx.form(
            rx.vstack(
                form_error(form_message(e)),
                *_event_fields("event", e),
                rx.box(
                    labelled(
                        "Status",
                        select(
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


def edit_form() -> rx.Component:
    s = AdminEventsState
    e = s.edit_errors
    return rx.form(
        rx.vstack(
            rx.heading("Edit details", as_="h3", size="3"),
            form_error(form_message(e)),
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


def venue_form() -> rx.Component:
    s = AdminEventsState
    e = s.venue_errors
    return card(
        rx.heading("New venue", as_="h2", size="4", margin_bottom="0.75rem"),
        rx.form(
            rx.vstack(
                form_error(form_message(e)),
                grid(
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


def package_form() -> rx.Component:
    s = AdminEventsState
    e = s.package_errors
    return rx.form(
        rx.vstack(
            rx.heading("Add a package", as_="h3", size="3"),
            form_error(form_message(e)),
            grid(
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
                    default_value=money.default_currency(),
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
                labelled(
                    "Sales open (event's time zone; empty = now)",
                    rx.el.input(
                        id="package-opens",
                        name="sales_opens_at",
                        type="datetime-local",
                        aria_describedby="package-opens-error",
                        style=INPUT_STYLE,
                    ),
                    "package-opens",
                    e,
                    "sales_opens_at",
                ),
                labelled(
                    "Sales close (empty = when the event starts)",
                    rx.el.input(
                        id="package-closes",
                        name="sales_closes_at",
                        type="datetime-local",
                        aria_describedby="package-closes-error",
                        style=INPUT_STYLE,
                    ),
                    "package-closes",
                    e,
                    "sales_closes_at",
                ),
            ),
            labelled(
                "Perks (one per line)",
                rx.el.textarea(
                    id="package-perks",
                    name="perks",
                    rows=3,
                    aria_describedby="package-perks-error",
                    style=INPUT_STYLE,
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
