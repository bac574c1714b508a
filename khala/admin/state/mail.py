"""The mail section (/admin/mail): the outbox, filtered; a message's rendered view; retry a failed message;
and announcements: a message to every ticket holder of an event (or of one package), previewed first, sent
through the outbox and recorded in the audit log."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import reflex as rx
from babel.numbers import format_decimal

from khala.admin.state.base import AdminState, Option, PagedState, admin_only, clip, utc
from khala.audit.service import Actor
from khala.errors import DomainError
from khala.events import catalogue, reports
from khala.lib import i18n, routes
from khala.lib.dates import format_date_short, format_datetime_short
from khala.lib.i18n import N_, ngettext, pgettext
from khala.lib.i18n import gettext as _
from khala.lib.paging import Page, pages_for
from khala.mail import reports as mail_reports
from khala.mail import service as mail
from khala.registrations import roster
from khala.registrations import service as registrations
from khala.ui.client import toast

MAIL_PAGE_SIZE = 25
# The kinds of mail, in English (N_: translated where they are shown, in the admin's language).
TEMPLATE_LABELS = {
    "verify_email": N_("Verify e-mail"),
    "password_reset": N_("Password reset"),
    "account_exists": N_("Account exists"),
    "email_change": N_("E-mail change"),
    "email_changed": N_("E-mail changed"),
    "password_changed": N_("Password changed"),
    "registration_confirmed": N_("Registration confirmed"),
    "registration_cancelled": N_("Registration cancelled"),
    "waitlist_joined": N_("Waiting list joined"),
    "waitlist_promoted": N_("Waiting list promoted"),
    "announcement": N_("Announcement"),
}


def template_label(template: str) -> str:
    return _(TEMPLATE_LABELS[template]) if template in TEMPLATE_LABELS else template


def status_label(status: str) -> str:
    """An outbox status in the current language (a message: "Sent", not "Sent" of a person)."""
    labels = {
        "queued": pgettext("mail", "Queued"),
        "sending": pgettext("mail", "Sending"),
        "sent": pgettext("mail", "Sent"),
        "failed": pgettext("mail", "Failed"),
        "captured": pgettext("mail", "Captured"),
    }
    return labels.get(status, status.capitalize())


def _kilobytes(size: int) -> str:
    return format_decimal(size / 1024, "0.0", locale=i18n.babel_locale()) + " kB"


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


@dataclass
class MessageDetail:
    id: str = ""
    recipient: str = ""
    subject: str = ""
    template: str = ""
    status: str = ""
    created: str = ""
    sent: str = ""
    attempts: int = 0
    last_error: str = ""
    html: str = ""
    text: str = ""
    attachments: str = ""  # "ticket-qr.png (1.2 kB), gala.ics (0.6 kB)"


class AdminMailState(PagedState, AdminState):
    status_filter: str = ""
    recipient: str = ""
    template_filter: str = ""
    rows: list[MailRowView] = []
    error: str = ""
    shown: MessageDetail = MessageDetail()
    view_open: bool = False

    def _forget(self) -> None:
        self.rows, self.shown, self.view_open = [], MessageDetail(), False
        self._forget_page()

    async def _list(self):
        return await asyncio.to_thread(
            mail_reports.list_outbox,
            status=self.status_filter or None,
            recipient=self.recipient or None,
            template=self.template_filter or None,
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
                template=template_label(m.template),
                status=m.status.value,
                status_label=status_label(m.status.value),
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
        self.error, self.view_open = "", False
        await self._fetch()
        return None

    @rx.event
    @admin_only
    async def search(self, form_data: dict[str, Any]):
        data = form_data if isinstance(form_data, dict) else {}
        status = clip(data.get("status"), 20)
        self.status_filter = status if status in {s.value for s in mail.OutboxStatus} else ""
        self.recipient = clip(data.get("recipient"), 254).strip()
        template = clip(data.get("template"), 60)
        self.template_filter = template if template in TEMPLATE_LABELS else ""
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
            return toast.error(exc.message)
        await self._fetch()
        return toast.success(_("Queued again for %(to)s.") % {"to": status.recipient})

    @rx.event
    @admin_only
    async def refresh(self):
        """The outbox again (after an announcement was queued)."""
        await self._fetch()
        return None

    @rx.event
    @admin_only
    async def view_message(self, message_id: str):
        """Open one message as it was rendered (one-time links stay hidden)."""
        try:
            m = await asyncio.to_thread(mail_reports.message_view, clip(message_id, 60))
        except DomainError as exc:
            self.error = exc.message
            return toast.error(exc.message)
        self.shown = MessageDetail(
            id=str(m.id),
            recipient=m.recipient,
            subject=m.subject,
            template=template_label(m.template),
            status=status_label(m.status.value),
            created=utc(m.created_at),
            sent=utc(m.sent_at),
            attempts=m.attempts,
            last_error=clip(m.last_error or "", 500),
            html=m.html,
            text=m.text or _("(This message is written when it is sent.)"),
            attachments=", ".join(f"{name} ({_kilobytes(size)})" for name, _type, size in m.attachments),
        )
        self.view_open = True
        return None

    @rx.event
    @admin_only
    async def close_view(self):
        self.view_open = False


class AdminAnnounceState(AdminState):
    """Write to every ticket holder of an event (or of one package): write → preview → send."""

    event_options: list[Option] = []
    package_options: list[Option] = []
    event_id: str = ""
    package_id: str = ""
    subject: str = ""
    body: str = ""
    errors: dict[str, str] = {}
    previewing: bool = False
    preview_people: int = 0
    preview_people_label: str = ""  # "3 ticket holders"
    preview_sample: str = ""
    preview_html: str = ""
    sent_note: str = ""

    def _forget(self) -> None:
        self.event_options, self.package_options, self.errors = [], [], {}
        self.previewing, self.preview_html, self.preview_sample, self.preview_people = False, "", "", 0
        self.preview_people_label = ""

    @rx.event
    @admin_only(bounce=True)
    async def load(self):
        choices = await asyncio.to_thread(reports.list_events_admin, None, "published", 1, 100)
        self.event_options = [
            Option(r.id, f"{r.title} — {format_date_short(r.starts_at, r.timezone)}") for r in choices.items
        ]
        self.errors, self.previewing, self.sent_note = {}, False, ""
        return None

    @rx.event
    @admin_only
    async def choose_event(self, event_id: str):
        self.event_id, self.package_id, self.previewing, self.errors = clip(event_id, 60), "", False, {}
        self.package_options = []
        if not self.event_id:
            return None
        try:
            detail = await asyncio.to_thread(catalogue.get_event, self.event_id, include_unpublished=True)
        except DomainError as exc:
            self.event_id, self.errors = "", {"event_id": exc.message}
            return None
        self.package_options = [Option(p.id, p.title) for p in detail.packages]
        return None

    @rx.event
    @admin_only
    async def preview(self, form_data: dict[str, Any]):
        """Show who it reaches and the mail as the first of them will read it; nothing is sent yet."""
        data = form_data if isinstance(form_data, dict) else {}
        self.subject = " ".join(clip(data.get("subject"), 300).split())
        self.body = clip(data.get("body"), 6000).strip()
        package = clip(data.get("package_id"), 60)
        self.package_id = package if any(o.value == package for o in self.package_options) else ""
        self.sent_note, self.errors = "", {}
        if not self.event_id:
            self.errors = {"event_id": _("Choose the event whose ticket holders you write to.")}
        if not 3 <= len(self.subject) <= 150:
            self.errors["subject"] = _("Write a subject of 3 to 150 characters.")
        if not 1 <= len(self.body) <= 5000:
            self.errors["body"] = _("Write a message of at most 5,000 characters.")
        if self.errors:
            self.previewing = False
            return None
        try:
            audience = await asyncio.to_thread(
                roster.announcement_audience, self.event_id, self.package_id or None
            )
            detail = await asyncio.to_thread(catalogue.get_event, self.event_id, include_unpublished=True)
            html, _text = await asyncio.to_thread(
                mail.render,
                "announcement",
                {
                    "display_name": audience.sample[0] if audience.sample else "Ada",
                    "event_title": detail.title,
                    "starts_at": format_datetime_short(detail.starts_at, detail.timezone),
                    "paragraphs": [p.strip() for p in self.body.split("\n\n") if p.strip()],
                    "event_path": routes.event(detail.slug),
                },
                subject=self.subject,
            )
        except DomainError as exc:
            self.errors = {"form": exc.message}
            return None
        self.preview_people = audience.people
        self.preview_people_label = ngettext(
            "%(num)d ticket holder", "%(num)d ticket holders", audience.people
        ) % {"num": audience.people}
        names = ", ".join(audience.sample)
        more = audience.people - len(audience.sample)
        self.preview_sample = (
            ngettext("%(names)s and %(num)d more", "%(names)s and %(num)d more", more)
            % {"names": names, "num": more}
            if more > 0
            else names
        )
        self.preview_html, self.previewing = html, True
        return None

    @rx.event
    @admin_only
    async def edit(self):
        self.previewing = False

    @rx.event
    @admin_only
    async def send(self, *, actor: Actor):
        """Send what was previewed: one outbox row per ticket holder, one audit entry."""
        if not self.previewing:
            self.errors = {"form": _("Preview the message before you send it.")}
            return None
        try:
            count = await asyncio.to_thread(
                registrations.announce,
                self.event_id,
                self.subject,
                self.body,
                actor=actor,
                package_id=self.package_id or None,
            )
        except DomainError as exc:
            self.errors = exc.by_field() or {"form": exc.message}
            self.previewing = False
            return toast.error(exc.message)
        self.previewing, self.preview_html = False, ""
        self.subject, self.body = "", ""
        self.sent_note = ngettext(
            "Queued for %(num)d ticket holder.", "Queued for %(num)d ticket holders.", count
        ) % {"num": count}
        return [toast.success(self.sent_note), AdminMailState.refresh]
