"""The events section's forms: new event, edit details (both with the Markdown description's live preview
and the image picked from the library or uploaded inline), new venue. The package forms are in
``packages.py``."""

from __future__ import annotations

import reflex as rx

from khala.admin.components.common import local_time_field, prefill
from khala.admin.components.images import ACCEPT
from khala.admin.components.shell import INPUT_STYLE, card, form_message, grid, labelled, select
from khala.admin.state.events import EVENT_IMAGE_UPLOAD, AdminEventsState
from khala.events.service import MAX_DESCRIPTION
from khala.images.service import MAX_ALT
from khala.lib import dates
from khala.ui import theme
from khala.ui.forms import field, form_error
from khala.ui.i18n import t, tp

TIMEZONES = [
    "Europe/Stockholm",
    "Europe/Oslo",
    "Europe/Copenhagen",
    "Europe/Helsinki",
    "Europe/London",
    "Europe/Berlin",
    "UTC",
]


def _description(prefix: str, e: rx.Var) -> rx.Component:
    """The Markdown description beside its preview, rendered by the server exactly as the event page
    will show it (sanitized), a moment after each keystroke."""
    s = AdminEventsState
    id_ = f"{prefix}-description"
    return rx.grid(
        labelled(
            t("Description (Markdown)"),
            rx.text_area(
                id=id_,
                name="description",
                rows="10",
                value=s.description_draft,
                on_change=s.preview_description,
                debounce_timeout=250,
                max_length=MAX_DESCRIPTION,
                aria_describedby=f"{id_}-error {id_}-hint",
                width="100%",
                size="3",
            ),
            id_,
            e,
            "description",
        ),
        rx.vstack(
            rx.text(t("Preview"), style={"font_weight": "600", "color": theme.TEXT}, id=f"{id_}-hint"),
            rx.box(
                rx.cond(
                    s.preview_html != "",
                    rx.html(s.preview_html, class_name="khala-md"),
                    rx.text(
                        t("Headings, lists, links and tables show here as you type."), color=theme.TEXT_MUTED
                    ),
                ),
                aria_live="polite",
                data_testid="admin-description-preview",
                style={
                    **theme.panel_style,
                    "min_height": "8rem",
                    "max_height": "22rem",
                    "overflow_y": "auto",
                    "width": "100%",
                    "overflow_wrap": "anywhere",
                },
            ),
            spacing="1",
            width="100%",
            align="stretch",
        ),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="4",
        width="100%",
    )


def _image_picker(prefix: str, e: rx.Var) -> rx.Component:
    """The event's image: chosen from the library, or uploaded here with its alt text (then chosen)."""
    s = AdminEventsState
    id_ = f"{prefix}-image"
    upload = rx.vstack(
        rx.upload.root(
            rx.hstack(
                rx.icon("image-up", size=20, color=theme.SECONDARY, aria_hidden="true"),
                rx.text(
                    rx.cond(
                        rx.selected_files(EVENT_IMAGE_UPLOAD).length() > 0,
                        rx.selected_files(EVENT_IMAGE_UPLOAD)[0],
                        t("Or drop a new image here (JPEG, PNG, WebP)"),
                    ),
                    size="2",
                    color=theme.TEXT,
                ),
                spacing="2",
                align="center",
            ),
            id=EVENT_IMAGE_UPLOAD,
            accept=ACCEPT,
            max_files=1,
            multiple=False,
            border=f"2px dashed {theme.BORDER_STRONG}",
            border_radius=theme.RADIUS,
            padding="0.75rem",
            width="100%",
            cursor="pointer",
        ),
        rx.cond(
            s.inline_errors.contains("file"),
            rx.text(s.inline_errors["file"], color=theme.DANGER, size="2", role="alert"),
        ),
        rx.flex(
            rx.input(
                value=s.inline_alt,
                on_change=s.set_inline_alt,
                debounce_timeout=200,
                max_length=MAX_ALT,
                placeholder=t("Alt text: what the image shows"),
                aria_label=t("Alt text of the new image"),
                size="2",
                flex="1",
                min_width="10rem",
            ),
            rx.button(
                rx.cond(s.inline_uploading, rx.spinner(size="1"), rx.icon("upload", size=14)),
                t("Upload and use"),
                type="button",
                on_click=s.upload_event_image(rx.upload_files(upload_id=EVENT_IMAGE_UPLOAD)),
                disabled=s.inline_uploading,
                style=theme.secondary_button,
                size="2",
                data_testid=f"{prefix}-image-upload",
            ),
            gap="0.5rem",
            wrap="wrap",
            width="100%",
        ),
        rx.cond(
            s.inline_errors.contains("alt_text"),
            rx.text(s.inline_errors["alt_text"], color=theme.DANGER, size="2", role="alert"),
        ),
        rx.cond(
            s.inline_errors.contains("form"),
            rx.text(s.inline_errors["form"], color=theme.DANGER, size="2", role="alert"),
        ),
        spacing="2",
        width="100%",
        align="stretch",
    )
    return rx.box(
        labelled(
            t("Image"),
            rx.flex(
                rx.cond(
                    s.picked_url != "",
                    rx.image(
                        src=s.picked_url,
                        alt="",
                        width="96px",
                        height="64px",
                        object_fit="cover",
                        border_radius=theme.RADIUS_SM,
                        flex_shrink="0",
                    ),
                    rx.center(
                        rx.icon("image", size=20, color=theme.TEXT_MUTED, aria_hidden="true"),
                        width="96px",
                        height="64px",
                        background=theme.PANEL,
                        border_radius=theme.RADIUS_SM,
                        flex_shrink="0",
                    ),
                ),
                rx.el.select(
                    rx.el.option(t("No image (placeholder)"), value=""),
                    rx.foreach(s.images, lambda o: rx.el.option(o.label, value=o.value)),
                    name="image_id",
                    id=id_,
                    value=s.picked_image,
                    on_change=s.pick_image,
                    aria_describedby=f"{id_}-error",
                    style={**INPUT_STYLE, "flex": "1", "min_width": "0"},
                ),
                gap="0.75rem",
                align="center",
                width="100%",
            ),
            id_,
            e,
            "image_id",
        ),
        upload,
        style={**theme.panel_style, "padding": "0.75rem"},
        grid_column=rx.breakpoints(initial="auto", sm="1 / -1"),
        width="100%",
    )


def _event_fields(prefix: str, e: rx.Var, values: rx.Var | None = None) -> list[rx.Component]:
    """The event form's fields; ``prefix`` keeps ids unique, ``values`` pre-fills them (editing)."""

    def value(name: str, default: str = "") -> str | rx.Var:
        return prefill(values, name, default)

    def local_time(label: str, name: str, id_: str, required: bool) -> rx.Component:
        return local_time_field(label, name, id_, e, value(name), required=required)

    return [
        field(
            t("Title"), "title", errors=e, id_=f"{prefix}-title", max_length=100, default_value=value("title")
        ),
        field(
            t("Summary"),
            "summary",
            errors=e,
            id_=f"{prefix}-summary",
            required=False,
            max_length=300,
            hint=t("One line for the event card."),
            default_value=value("summary"),
        ),
        _description(prefix, e),
        grid(
            labelled(
                t("Category"),
                select(
                    "category",
                    f"{prefix}-category",
                    AdminEventsState.categories,
                    empty=t("No category"),
                    default_value=value("category"),
                ),
                f"{prefix}-category",
                e,
                "category",
            ),
            labelled(
                t("Venue"),
                select(
                    "venue_id",
                    f"{prefix}-venue",
                    AdminEventsState.venues,
                    empty=t("No venue yet"),
                    default_value=value("venue_id"),
                ),
                f"{prefix}-venue",
                e,
                "venue_id",
            ),
            _image_picker(prefix, e),
            local_time(t("Starts (in the event's time zone)"), "starts_at", f"{prefix}-starts", True),
            local_time(t("Ends (empty = two hours later)"), "ends_at", f"{prefix}-ends", False),
            labelled(
                t("Time zone"),
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
        rx.heading(t("New event"), as_="h2", size="4", margin_bottom="0.75rem"),
        rx.form(
            rx.vstack(
                form_error(form_message(e)),
                *_event_fields("event", e),
                rx.box(
                    labelled(
                        t("Status"),
                        select(
                            "status",
                            "event-status",
                            [
                                ("draft", t("Draft (not public)")),
                                ("published", tp("event status", "Published")),
                            ],
                        ),
                        "event-status",
                        e,
                        "status",
                    ),
                    max_width="20rem",
                ),
                rx.hstack(
                    rx.button(
                        t("Create event"),
                        type="submit",
                        style=theme.primary_button,
                        data_testid="admin-create-event",
                    ),
                    rx.button(
                        tp("dialog", "Cancel"),
                        type="button",
                        on_click=s.cancel_create,
                        style=theme.secondary_button,
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
            rx.heading(t("Edit details"), as_="h3", size="3"),
            form_error(form_message(e)),
            *_event_fields("edit", e, s.edit_values),
            rx.hstack(
                rx.button(
                    t("Save changes"),
                    type="submit",
                    style=theme.primary_button,
                    data_testid="admin-save-event",
                ),
                rx.button(
                    tp("dialog", "Cancel"),
                    type="button",
                    on_click=s.cancel_edit,
                    style=theme.secondary_button,
                ),
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
        rx.heading(t("New venue"), as_="h2", size="4", margin_bottom="0.75rem"),
        rx.form(
            rx.vstack(
                form_error(form_message(e)),
                grid(
                    field(t("Venue name"), "name", errors=e, id_="venue-name", max_length=120),
                    field(t("City"), "city", errors=e, id_="venue-city", max_length=100),
                    field(
                        t("Street address"),
                        "street",
                        errors=e,
                        id_="venue-street",
                        required=False,
                        max_length=200,
                    ),
                    field(
                        t("Postal code"),
                        "postal_code",
                        errors=e,
                        id_="venue-postal",
                        required=False,
                        max_length=20,
                    ),
                    field(
                        t("Country code"),
                        "country",
                        errors=e,
                        id_="venue-country",
                        default_value="SE",
                        max_length=2,
                    ),
                ),
                rx.hstack(
                    rx.button(
                        t("Add venue"),
                        type="submit",
                        style=theme.primary_button,
                        data_testid="admin-add-venue",
                    ),
                    rx.button(
                        tp("dialog", "Cancel"),
                        type="button",
                        on_click=s.toggle_venue_form,
                        style=theme.secondary_button,
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
