"""The mail section (/admin/mail): the outbox, filtered; retry a failed message."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import reflex as rx

from khala.admin.state.base import REFUSED, AdminState, _clip, _page_number, _utc
from khala.errors import DomainError
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


class AdminMailState(AdminState):
    status_filter: str = ""
    recipient: str = ""
    page: int = 1
    pages: int = 1
    total: int = 0
    rows: list[MailRowView] = []
    error: str = ""

    async def _fetch(self) -> None:
        result = await asyncio.to_thread(
            mail.list_outbox,
            status=self.status_filter or None,
            recipient=self.recipient or None,
            page=self.page,
            per_page=MAIL_PAGE_SIZE,
        )
        self.total = result.total
        self.pages = max(1, -(-result.total // MAIL_PAGE_SIZE))
        if self.page > self.pages:
            self.page = self.pages
            result = await asyncio.to_thread(
                mail.list_outbox,
                status=self.status_filter or None,
                recipient=self.recipient or None,
                page=self.page,
                per_page=MAIL_PAGE_SIZE,
            )
        self.rows = [
            MailRowView(
                id=str(m.id),
                recipient=m.recipient,
                subject=m.subject,
                template=m.template,
                status=m.status.value,
                status_label=m.status.value.capitalize(),
                attempts=m.attempts,
                last_error=_clip(m.last_error or "", 300),
                created=_utc(m.created_at),
                sent=_utc(m.sent_at),
            )
            for m in result.items
        ]

    @rx.event
    async def load(self):
        if await self._admin() is None:
            self.rows, self.total, self.pages = [], 0, 1
            return self._bounce()
        self.error = ""
        await self._fetch()
        return None

    @rx.event
    async def search(self, form_data: dict[str, Any]):
        if await self._admin() is None:
            return rx.toast.error(REFUSED)
        status = _clip(form_data.get("status"), 20)
        self.status_filter = status if status in {s.value for s in mail.OutboxStatus} else ""
        self.recipient = _clip(form_data.get("recipient"), 254).strip()
        self.page = 1
        await self._fetch()
        return None

    @rx.event
    async def go_to_page(self, page: int):
        if await self._admin() is None:
            return rx.toast.error(REFUSED)
        self.page = _page_number(page)
        await self._fetch()
        return None

    @rx.event
    async def retry(self, message_id: str):
        """Queue a failed message again (the worker picks it up at once)."""
        if await self._admin() is None:
            return rx.toast.error(REFUSED)
        self.error = ""
        try:
            status = await asyncio.to_thread(mail.retry_failed, _clip(message_id, 300))
        except DomainError as exc:
            self.error = exc.message
            return rx.toast.error(exc.message)
        await self._fetch()
        return rx.toast.success(f"Queued again for {status.recipient}.")
