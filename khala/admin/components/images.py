"""The images section: the upload form (drop zone, alt text, description) and the stored result.

``ImageUploadState`` checks the caller is an administrator in every handler; the page's gate only decides what
to render.
"""

from __future__ import annotations

import reflex as rx

from khala.admin.state.images import UPLOAD_ID, ImageUploadState
from khala.images import service
from khala.ui import theme

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
                rx.text("Drop an image here or click to choose one", weight="medium", color=theme.TEXT),
                rx.text(f"JPEG, PNG or WebP, at most {max_mb} MB", size="2", color=theme.TEXT_MUTED),
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
        rx.el.label("Alt text", html_for="image-alt-text", style={"font_weight": "600", "color": theme.TEXT}),
        rx.input(
            id="image-alt-text",
            value=ImageUploadState.alt_text,
            on_change=ImageUploadState.set_alt_text,
            max_length=service.MAX_ALT,
            placeholder="What the image shows, for people who cannot see it",
            aria_describedby="image-alt_text-error",
            width="100%",
            size="3",
        ),
        _error("alt_text"),
        rx.el.label(
            "Description (optional)",
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
            "Upload",
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


def images_section() -> rx.Component:
    return rx.box(
        rx.text(
            "Upload an event image with its alt text; it is re-encoded and stored in the image store.",
            color=theme.TEXT_MUTED,
            margin_bottom="1rem",
        ),
        rx.box(image_upload_form(), max_width="640px"),
    )
