"""The images section: the library (a grid of cards: the image, its alt text editable in place, where it is
used, delete while unused) and the upload form (drop zone, alt text, description) with the stored result.

``ImageUploadState`` checks the caller is an administrator in every handler; the page's gate only decides what
to render.
"""

from __future__ import annotations

import reflex as rx

from khala.admin.components.common import confirm_delete, search_form
from khala.admin.components.shell import INPUT_STYLE, card, pager
from khala.admin.state.images import UPLOAD_ID, ImageUploadState, LibraryCard
from khala.images import service
from khala.lib.i18n import N_
from khala.ui import theme
from khala.ui.i18n import t, tf

ACCEPT = {"image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"], "image/webp": [".webp"]}


def _error(name: str) -> rx.Component:
    return rx.cond(
        ImageUploadState.errors.contains(name),
        rx.text(
            ImageUploadState.errors[name],
            color=theme.DANGER,
            size="2",
            id=f"image-{name}-error",
            role="alert",
        ),
    )


def image_upload_form() -> rx.Component:
    """Drop zone + alt text + description + Upload button; shows errors per field and the stored image."""
    max_mb = "10"  # the server enforces settings.upload_max_bytes; this only informs the browser
    return rx.vstack(
        rx.upload.root(
            rx.vstack(
                rx.icon("image-up", size=32, color=theme.SECONDARY, aria_hidden="true"),
                rx.text(t("Drop an image here or click to choose one"), weight="medium", color=theme.TEXT),
                rx.text(
                    tf(N_("JPEG, PNG or WebP, at most %(mb)s MB"), mb=max_mb),
                    size="2",
                    color=theme.TEXT_MUTED,
                ),
                rx.foreach(rx.selected_files(UPLOAD_ID), lambda f: rx.text(f, size="2", color=theme.TEXT)),
                align="center",
                spacing="1",
            ),
            id=UPLOAD_ID,
            accept=ACCEPT,
            max_files=1,
            multiple=False,
            border=f"2px dashed {theme.BORDER_STRONG}",
            border_radius=theme.RADIUS_LG,
            padding="1.5rem",
            width="100%",
            cursor="pointer",
        ),
        _error("file"),
        rx.el.label(
            t("Alt text"), html_for="image-alt-text", style={"font_weight": "600", "color": theme.TEXT}
        ),
        rx.input(
            id="image-alt-text",
            value=ImageUploadState.alt_text,
            on_change=ImageUploadState.set_alt_text,
            max_length=service.MAX_ALT,
            placeholder=t("What the image shows, for people who cannot see it"),
            aria_describedby="image-alt_text-error",
            width="100%",
            size="3",
        ),
        _error("alt_text"),
        rx.el.label(
            t("Description (optional)"),
            html_for="image-description",
            style={"font_weight": "600", "color": theme.TEXT},
        ),
        rx.text_area(
            id="image-description",
            value=ImageUploadState.description,
            on_change=ImageUploadState.set_description,
            max_length=service.MAX_DESCRIPTION,
            width="100%",
        ),
        _error("description"),
        _error("name"),
        _error("form"),
        rx.button(
            rx.cond(ImageUploadState.uploading, rx.spinner(size="2"), rx.icon("upload", size=18)),
            t("Upload"),
            on_click=ImageUploadState.handle_upload(rx.upload_files(upload_id=UPLOAD_ID)),
            disabled=ImageUploadState.uploading,
            size="3",
        ),
        rx.cond(ImageUploadState.image_id != "", image_preview()),
        spacing="2",
        width="100%",
        align="stretch",
    )


def image_preview() -> rx.Component:
    """The last stored image, its size and alt text."""
    return rx.hstack(
        rx.image(
            src=ImageUploadState.card_url,
            alt=ImageUploadState.image_alt,
            width="240px",
            height="auto",
            border_radius=theme.RADIUS,
            on_mount=ImageUploadState.refresh_urls,  # re-signs only when < 5 minutes are left
        ),
        rx.vstack(
            rx.text(ImageUploadState.image_name, weight="bold", color=theme.TEXT),
            rx.text(
                ImageUploadState.width.to_string() + " × " + ImageUploadState.height.to_string() + " px",
                size="2",
                color=theme.TEXT_MUTED,
            ),
            rx.text(ImageUploadState.image_alt, size="2", color=theme.TEXT_MUTED),
            spacing="1",
        ),
        spacing="3",
        align="center",
        padding="1rem",
        background=theme.PANEL,
        border_radius=theme.RADIUS_LG,
    )


def _delete_dialog(c: LibraryCard) -> rx.Component:
    return confirm_delete(
        c.name,
        t("Delete the image"),
        t("The image and its stored files are removed for good."),
        ImageUploadState.delete_image(c.id),
    )


def library_card(c: LibraryCard) -> rx.Component:
    s = ImageUploadState
    alt_id = "alt-" + c.id
    return rx.box(
        rx.image(
            src=c.url,
            alt=c.alt_text,
            width="100%",
            height="140px",
            object_fit="cover",
            background=theme.PANEL,
        ),
        rx.vstack(
            rx.text(c.name, weight="bold", size="2", color=theme.TEXT, style={"overflow_wrap": "anywhere"}),
            rx.text(c.size, t(" · uploaded "), c.uploaded, size="1", color=theme.TEXT_MUTED),
            rx.form(
                rx.el.label(
                    t("Alt text"), html_for=alt_id, style={"font_weight": "600", "font_size": "0.85rem"}
                ),
                rx.el.textarea(
                    id=alt_id,
                    name="alt_text",
                    default_value=c.alt_text,
                    rows=2,
                    required=True,
                    max_length=service.MAX_ALT,
                    aria_describedby="alt-error-" + c.id,
                    style={**INPUT_STYLE, "font_size": "0.9rem"},
                ),
                rx.cond(
                    s.card_errors.contains(c.id),
                    rx.text(
                        s.card_errors[c.id],
                        color=theme.DANGER,
                        size="1",
                        role="alert",
                        id="alt-error-" + c.id,
                    ),
                ),
                rx.button(
                    t("Save alt text"),
                    type="submit",
                    size="1",
                    style=theme.secondary_button,
                    margin_top="0.375rem",
                    aria_label=tf(N_("Save the alt text of %(name)s"), name=c.name),
                ),
                on_submit=lambda form: ImageUploadState.save_alt_text(c.id, form),
                width="100%",
            ),
            rx.cond(
                c.used,
                rx.text(
                    t("Used by "),
                    c.usage,
                    size="1",
                    color=theme.TEXT,
                    data_testid="admin-image-usage",
                ),
                rx.hstack(
                    rx.text(t("Not used by any event"), size="1", color=theme.TEXT_MUTED),
                    rx.spacer(),
                    _delete_dialog(c),
                    width="100%",
                    align="center",
                ),
            ),
            spacing="2",
            padding="0.75rem",
            align="stretch",
        ),
        style={**theme.card_style},
        data_testid="admin-library-card",
    )


def _library() -> rx.Component:
    s = ImageUploadState
    return rx.vstack(
        search_form(s, t("Search images"), "admin-image-q", t("Search name or alt text")),
        rx.cond(
            s.total > 0,
            rx.grid(
                rx.foreach(s.cards, library_card),
                columns=rx.breakpoints(initial="1", xs="2", md="3", lg="4"),
                spacing="4",
                width="100%",
            ),
            rx.text(t("No images yet: upload the first one."), color=theme.TEXT_MUTED, padding="1rem 0"),
        ),
        pager(s, "images"),
        spacing="3",
        width="100%",
        align="stretch",
    )


def images_section() -> rx.Component:
    return rx.vstack(
        rx.flex(
            card(
                rx.heading(t("Upload an image"), as_="h2", size="4", margin_bottom="0.5rem"),
                rx.text(
                    t(
                        "It is re-encoded (no metadata survives) and stored in the image store; the alt text "
                        "is what screen readers say."
                    ),
                    color=theme.TEXT_MUTED,
                    size="2",
                    margin_bottom="0.75rem",
                ),
                image_upload_form(),
                width="100%",
                max_width="640px",
            ),
            width="100%",
        ),
        rx.heading(t("Library"), as_="h2", size="4", margin_top="0.5rem"),
        _library(),
        spacing="4",
        width="100%",
        align="stretch",
    )
