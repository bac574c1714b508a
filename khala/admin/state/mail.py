"""The mail section (/admin/mail): the outbox, filtered; retry a failed message."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import reflex as rx

from khala.admin.state.base import AdminState, PagedState, admin_only, clip, utc
from khala.audit.service import Actor
from khala.errors import DomainError
from khala.lib.paging import Page, pages_for
from khala.mail import service as mail

MAIL_PAGE_SIZE = 25


@dataclass
class MailRowView:
    id: str = ""
    recipient: str = ""
    subject: str = ""
    template: str = ""
    status: str = ""
    status_label: str = ""
    attempts: int = 0
    last_error: str = ""
    created: str = ""
    sent: str = ""


class AdminMailState(PagedState, AdminState):
    status_filter: str = ""
    recipient: str = ""
    rows: list[MailRowView] = []
    error: str = ""

    def _forget(self) -> None:
        self.rows = []
        self._forget_page()

    async def _list(self):
        return await asyncio.to_thread(
            mail.list_outbox,
            status=self.status_filter or None,
            recipient=self.recipient or None,
            page=self.page,
            per_page=MAIL_PAGE_SIZE,
        )

    async def _fetch(self) -> None:
        result = await self._list()
        if self.page > pages_for(result.total, MAIL_PAGE_SIZE):  # past the end: show the last page
            self.page = pages_for(result.total, MAIL_PAGE_SIZE)
            result = await self._list()
        self._show_page(Page(result.items, result.total, self.page, MAIL_PAGE_SIZE))
        self.rows = [
            MailRowView(
                id=str(m.id),
                recipient=m.recipient,
                subject=m.subject,
                template=m.template,
                status=m.status.value,
                status_label=m.status.value.capitalize(),
                attempts=m.attempts,
                last_error=clip(m.last_error or "", 300),
                created=utc(m.created_at),
                sent=utc(m.sent_at),
            )
            for m in result.items
        ]

    @rx.event
    @admin_only(bounce=True)
    async def load(self):
        """on_load: the outbox, newest first, with the filters chosen last time."""
        self.error = ""
        await self._fetch()
        return None

    @rx.event
    @admin_only
    async def search(self, form_data: dict[str, Any]):
        status = clip(form_data.get("status"), 20)
        self.status_filter = status if status in {s.value for s in mail.OutboxStatus} else ""
        self.recipient = clip(form_data.get("recipient"), 254).strip()
        self.page = 1
        await self._fetch()
        return None

    @rx.event
    @admin_only
    async def retry(self, message_id: str, *, actor: Actor):
        """Queue a failed message again (the worker picks it up at once)."""
        self.error = ""
        try:
            status = await asyncio.to_thread(mail.retry_failed, clip(message_id, 300), actor=actor)
        except DomainError as exc:
            self.error = exc.message
            return rx.toast.error(exc.message)
        await self._fetch()
        return rx.toast.success(f"Queued again for {status.recipient}.")
