"""The images section (/admin/images): upload one image with its alt text, delete an image.

Upload flow: ``rx.upload`` POSTs the file to Reflex's ``/_upload`` route, where Starlette spools it to a
private temporary file (never to the public ``uploaded_files/`` folder); ``ImageUploadState.handle_upload``
checks the caller is an administrator, reads at most ``settings.upload_max_bytes`` and hands the bytes to
``images.service.create_image`` off the event loop, which validates, re-encodes and writes them to the
configured image store. Pair it with ``khala.images.api.limit_upload_size`` so oversized bodies are refused
before they are spooled at all.

URLs in state are kept as ``{"url", "expires_at"}`` and re-signed when less than five minutes remain
(``refresh_urls``; other domains use ``images.service.fresh_url`` / ``needs_resign`` for the same rule).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import reflex as rx

from khala.admin.state.base import AdminState, admin_only
from khala.audit.service import Actor
from khala.errors import DomainError
from khala.images import service

UPLOAD_ID = "image-upload"


class ImageUploadState(AdminState):
    """Administrators upload one image with its alt text; the form shows the stored result."""

    alt_text: str = ""
    description: str = ""
    errors: dict[str, str] = {}
    uploading: bool = False
    # the last stored image
    image_id: str = ""
    image_name: str = ""
    image_alt: str = ""
    width: int = 0
    height: int = 0
    card_url: str = ""
    card_expires_at: str = ""
    modal_url: str = ""
    modal_expires_at: str = ""

    def _forget(self) -> None:
        self.alt_text, self.description, self.errors, self.uploading = "", "", {}, False
        self.image_id, self.image_name, self.image_alt, self.width, self.height = (
            "",
            "",
            "",
            0,
            0,
        )
        self.card_url, self.card_expires_at, self.modal_url, self.modal_expires_at = (
            "",
            "",
            "",
            "",
        )

    def _refused(self, exc: DomainError, args: tuple[Any, ...], *, bounce: bool) -> Any:
        """Refused uploads are closed at once and the form says why."""
        for arg in args:
            if isinstance(arg, list):
                self._close([f for f in arg if isinstance(f, rx.UploadFile)])
        reply = super()._refused(exc, args, bounce=bounce)
        self.errors = exc.by_field()
        return reply

    @rx.event
    @admin_only
    async def set_alt_text(self, value: str) -> None:
        self.alt_text = str(value)[: service.MAX_ALT * 2]
        self.errors = {k: v for k, v in self.errors.items() if k != "alt_text"}

    @rx.event
    @admin_only
    async def set_description(self, value: str) -> None:
        self.description = str(value)[: service.MAX_DESCRIPTION * 2]

    @rx.event
    @admin_only
    async def reset_form(self) -> None:
        self.alt_text = ""
        self.description = ""
        self.errors = {}

    @rx.event
    @admin_only
    async def handle_upload(self, files: list[rx.UploadFile], *, actor: Actor):
        """Store the uploaded image (administrators only). Not a background handler: Reflex requires that."""
        self.errors = {}
        if len(files) != 1:
            self.errors = {"file": "Choose one image file (JPEG, PNG or WebP)."}
            self._close(files)
            return
        upload = files[0]
        self.uploading = True
        yield  # show the spinner while the image is processed
        try:
            data = await asyncio.to_thread(service.read_upload, upload.file)
            image = await asyncio.to_thread(
                service.create_image,
                data,
                name=upload.name or "image",
                alt_text=self.alt_text,
                description=self.description,
                declared_type=upload.content_type,
                actor=actor,
            )
            urls = await asyncio.to_thread(service.image_urls, image)
        except DomainError as exc:
            self.errors = exc.by_field()
            return
        finally:
            self.uploading = False
            self._close(files)
        self.image_id = str(image.id)
        self.image_name = image.name
        self.image_alt = image.alt_text
        self.width, self.height = image.width, image.height
        self._set_urls(urls)
        self.alt_text = ""
        self.description = ""
        yield rx.clear_selected_files(UPLOAD_ID)
        yield rx.toast.success(f"Stored “{image.name}” ({image.width} × {image.height}).")

    @rx.event
    @admin_only
    async def refresh_urls(self) -> None:
        """Re-sign the shown image's URLs when they have less than five minutes left (call it on a timer
        or before showing the preview again)."""
        if not self.image_id:
            return
        if not (service.needs_resign(self.card_expires_at) or service.needs_resign(self.modal_expires_at)):
            return
        try:
            image = await asyncio.to_thread(service.get_image_by_id, self.image_id)
        except DomainError:
            self.image_id = ""
            image = None
        self._set_urls(await asyncio.to_thread(service.image_urls, image))

    @rx.event
    @admin_only
    async def delete_image(self, image_id: str, *, actor: Actor):
        """Delete an image (administrators only); events showing it fall back to no image."""
        try:
            await asyncio.to_thread(service.remove_image, str(image_id)[:60], actor=actor)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        if image_id == self.image_id:
            self.image_id = ""
            self._set_urls(service.image_urls(None))
        return rx.toast.success("Image deleted.")

    # helpers (not event handlers: "_" prefix) -----------------------------------------------------
    def _set_urls(self, urls: dict[str, service.SignedUrl]) -> None:
        self.card_url, card_exp = urls["card"]
        self.modal_url, modal_exp = urls["modal"]
        self.card_expires_at = card_exp.isoformat()
        self.modal_expires_at = modal_exp.isoformat()

    @staticmethod
    def _close(files: list[rx.UploadFile]) -> None:
        for f in files:
            with contextlib.suppress(Exception):
                f.file.close()
