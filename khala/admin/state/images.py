"""The images section (/admin/images): the library (a page of images with their alt text, editable, and
where each is used), uploading one image with its alt text, deleting an image nothing uses.

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
from dataclasses import dataclass
from typing import Any

import reflex as rx

from khala.admin.state.base import AdminState, PagedState, SearchState, admin_only, clip
from khala.audit.service import Actor
from khala.errors import DomainError
from khala.images import service
from khala.images.models import Image
from khala.lib.i18n import N_
from khala.lib.i18n import gettext as _
from khala.ui.client import toast

UPLOAD_ID = "image-upload"
CHOOSE_ONE = N_("Choose one image file (JPEG, PNG or WebP).")
LIBRARY_PAGE_SIZE = 24


async def store_upload(
    files: list[rx.UploadFile], *, alt_text: str, description: str = "", actor: Actor
) -> Image:
    """The one uploaded image stored (read with the size limit, checked and re-encoded off the event
    loop); DomainError by field otherwise. The files are closed either way."""
    try:
        if len(files) != 1:
            raise DomainError(_(CHOOSE_ONE), field="file")
        upload = files[0]
        data = await asyncio.to_thread(service.read_upload, upload.file)
        return await asyncio.to_thread(
            service.create_image,
            data,
            name=upload.name or "image",
            alt_text=alt_text,
            description=description,
            declared_type=upload.content_type,
            actor=actor,
        )
    finally:
        close_files(files)


def close_files(files: list[rx.UploadFile]) -> None:
    for f in files:
        with contextlib.suppress(Exception):
            f.file.close()


@dataclass
class LibraryCard:
    id: str = ""
    name: str = ""
    alt_text: str = ""
    size: str = ""  # "1200 × 800 px"
    uploaded: str = ""
    url: str = ""
    expires_at: str = ""
    used: bool = False
    usage: str = ""  # "Gala and Jazz Night"
    usage_count: int = 0


def _card(i: service.LibraryImage) -> LibraryCard:
    return LibraryCard(
        id=i.id,
        name=i.name,
        alt_text=i.alt_text,
        size=f"{i.width} × {i.height} px",
        uploaded=i.created_at.strftime("%Y-%m-%d"),
        url=i.card.url,
        expires_at=i.card.expires_at.isoformat(),
        used=bool(i.usage),
        usage=i.usage.text(),
        usage_count=i.usage.count,
    )


class ImageUploadState(SearchState, PagedState, AdminState):
    """The library (a page of images, newest first, searchable) and the upload form, which shows the stored
    result; alt text is required and editable on each card; an image that events show cannot be deleted."""

    # the library
    cards: list[LibraryCard] = []
    card_errors: dict[str, str] = {}  # image id → what was wrong with its new alt text
    # the upload form
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
        self.cards, self.card_errors = [], {}
        self._forget_page()
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

    async def _fetch(self) -> None:
        result = await asyncio.to_thread(
            service.list_library, query=self.query, page=self.page, page_size=LIBRARY_PAGE_SIZE
        )
        self.cards = [_card(i) for i in result.items]
        self._show_page(result)

    @rx.event
    @admin_only(bounce=True)
    async def load(self):
        """on_load: the library's page shown last time (search and page are kept while the tab lives)."""
        self.card_errors = {}
        await self._fetch()
        return None

    @rx.event
    @admin_only
    async def save_alt_text(self, image_id: str, form_data: dict[str, Any], *, actor: Actor):
        """Change an image's alt text (required) from its card."""
        image_id = clip(image_id, 60)
        self.card_errors = {k: v for k, v in self.card_errors.items() if k != image_id}
        try:
            image = await asyncio.to_thread(
                service.update_image,
                image_id,
                alt_text=clip(form_data.get("alt_text"), service.MAX_ALT * 2),
                actor=actor,
            )
        except DomainError as exc:
            self.card_errors = {**self.card_errors, image_id: exc.by_field().get("alt_text", exc.message)}
            return None
        if image_id == self.image_id:
            self.image_alt = image.alt_text
        await self._fetch()
        return toast.success(_("Alt text of “%(name)s” saved.") % {"name": image.name})

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
            self.errors = {"file": _(CHOOSE_ONE)}
            close_files(files)
            return
        self.uploading = True
        yield  # show the spinner while the image is processed
        try:
            image = await store_upload(
                files, alt_text=self.alt_text, description=self.description, actor=actor
            )
            urls = await asyncio.to_thread(service.image_urls, image)
        except DomainError as exc:
            self.errors = exc.by_field()
            return
        finally:
            self.uploading = False
        self.image_id = str(image.id)
        self.image_name = image.name
        self.image_alt = image.alt_text
        self.width, self.height = image.width, image.height
        self._set_urls(urls)
        self.alt_text = ""
        self.description = ""
        self.query, self.page = "", 1
        await self._fetch()
        yield rx.clear_selected_files(UPLOAD_ID)
        yield toast.success(
            _("Stored “%(name)s” (%(width)d × %(height)d).")
            % {"name": image.name, "width": image.width, "height": image.height}
        )

    @rx.event
    @admin_only
    async def refresh_urls(self) -> None:
        """Re-sign the shown image's URLs when they have less than five minutes left (call it on a timer
        or before showing the preview again)."""
        if any(service.needs_resign(c.expires_at) for c in self.cards):
            await self._fetch()
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
        """Delete an image nothing uses (the refusal names the events showing it)."""
        try:
            await asyncio.to_thread(service.remove_image, clip(image_id, 60), actor=actor)
        except DomainError as exc:
            return toast.error(exc.message)
        if image_id == self.image_id:
            self.image_id = ""
            self._set_urls(service.image_urls(None))
        await self._fetch()
        return toast.success(_("Image deleted."))

    # helpers (not event handlers: "_" prefix) -----------------------------------------------------
    def _set_urls(self, urls: dict[str, service.SignedUrl]) -> None:
        self.card_url, card_exp = urls["card"]
        self.modal_url, modal_exp = urls["modal"]
        self.card_expires_at = card_exp.isoformat()
        self.modal_expires_at = modal_exp.isoformat()

    @staticmethod
    def _close(files: list[rx.UploadFile]) -> None:
        close_files(files)
