"""Mail for the other domains: enqueue in your own transaction, then ask what really happened.

    from khala.mail import service as mail

    with session_scope(write=True) as session:
        registration = ...                      # your business change
        msg = mail.enqueue(session, to=user.email, subject="You're in!",
                           template="registration_confirmed", context={...})
    status = mail.wait_for_delivery(msg.id)    # in a thread: "sent to a@b.se" / "queued — we will retry"

The message is a row in the caller's session, so it commits or rolls back with the business change; a
rolled-back message is never sent. After the commit, in-process workers are woken at once, so the mail
usually leaves within a second.

One-time links (verification, reset, e-mail change) are never stored readable: the sender puts
``sealed(reference)`` where the secret goes (``reset_path=f"/reset-password?token={sealed(ref)}"``) and uses
``link_secret(reference)`` as the token's secret. The outbox row keeps only the reference; the worker derives the
secret with ``KHALA_SECRET_KEY`` (which is not in the database) when it builds the message, so a copy of the
database holds no usable link, before or after delivery. Final messages are deleted 30 days after they were
sent (``purge_old``) and a deleted account's are deleted at once (``forget_recipient``).

Templates (``khala/mail/templates/<name>.html`` + ``.txt``) and their context keys. Every template also
gets ``public_url``, ``public_host``, ``subject`` and ``url(path)`` (an absolute link built from
``KHALA_PUBLIC_URL``); pass *paths* (``"/verify?token=..."``), never hosts. Dates and prices are
passed pre-formatted (in the event's timezone and currency). Keys marked optional may be omitted.

- ``verify_email``: verify_path, expires_hours (optional, default 24); no display name: the address is not
  proven yet, so nobody can make us mail their words to someone else's address
- ``password_changed`` (notice to the account's address): display_name, reset_path (optional)
- ``email_changed`` (notice to the *old* address): display_name, new_email, reset_path (optional)
- ``password_reset``: display_name, reset_path, expires_minutes (optional, default 60)
- ``account_exists`` (someone tried to sign up with your address): display_name,
  sign_in_path (optional, "/login"), reset_path (optional, "/forgot-password")
- ``email_change`` (sent to the *new* address): new_email, confirm_path,
  expires_hours (optional, default 24)
- ``registration_confirmed``: display_name, event_title, package_name, starts_at, ticket_path,
  venue / price / reference / qr_cid (inline QR attachment's content id) / has_calendar (all optional)
- ``registration_cancelled``: display_name, event_title, package_name, starts_at (optional),
  reason (optional), event_path (optional, "/")
- ``waitlist_joined``: display_name, event_title, package_name, starts_at (optional), position (optional),
  event_path (optional, "/")
- ``waitlist_promoted``: display_name, event_title, package_name, starts_at, ticket_path,
  venue / reference (optional)
- ``announcement`` (an organiser writes to ticket holders): display_name, event_title, paragraphs (the
  message, escaped, one paragraph each), starts_at / event_path (optional)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import lru_cache
from typing import Any, NotRequired, TypedDict, Unpack
from urllib.parse import urlsplit

from sqlalchemy import delete, event, func, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from khala.audit import service as audit
from khala.audit.service import Actor
from khala.db import get_engine, session_scope, utcnow
from khala.errors import Conflict, InvalidInput, NotFound
from khala.lib import i18n
from khala.lib.i18n import N_
from khala.lib.i18n import gettext as _
from khala.lib.ids import parse_id
from khala.mail import outbox
from khala.mail.models import FINAL_STATUSES, Attachment, OutboxMessage, OutboxStatus
from khala.mail.rendering import TEMPLATES, Rendered, absolute_url, materialize, render, renderers
from khala.settings import get_settings

__all__ = [
    "TEMPLATES",
    "Attachment",
    "MailStatus",
    "OutboxStatus",
    "Rendered",
    "absolute_url",
    "deferred_row",
    "delivery_status",
    "enqueue",
    "enqueue_later",
    "forget_recipient",
    "link_secret",
    "materialize",
    "purge_old",
    "render",
    "renderers",
    "retry_failed",
    "sealed",
    "send_now_hint",
    "unseal",
    "wait_for_delivery",
]

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
NOT_FOUND = N_("No such mail in the outbox.")

# Anything that could end a header line or smuggle a control sequence into one.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
# A deliberately plain address check: one mailbox, no display name, no comments, no list.
_ADDRESS = re.compile(r"^[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\]+\.[^\s@<>()\[\],;:\"\\]+$")


# ---------------------------------------------------------------- one-time links, sealed

_SEALED = re.compile(r"\[\[sealed:([0-9a-f]{32})\]\]")
RETENTION = timedelta(days=30)


def new_reference() -> str:
    """A fresh reference for one mailed secret (128 random bits)."""
    return uuid.uuid4().hex


def link_secret(reference: str) -> str:
    """The secret behind a sealed reference: HMAC-SHA256 of it under ``KHALA_SECRET_KEY``, URL-safe."""
    key = get_settings().secret_key.encode()
    digest = hmac.new(key, b"khala-mail-link:" + reference.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sealed(reference: str) -> str:
    """What the outbox stores where the secret goes; the worker replaces it by ``link_secret(reference)``."""
    if not re.fullmatch(r"[0-9a-f]{32}", reference):
        raise ValueError("a sealed reference is 32 lower-case hex digits (new_reference())")
    return f"[[sealed:{reference}]]"


def unseal(body: str) -> str:
    """A stored body as the recipient gets it: every sealed reference replaced by its secret."""
    return _SEALED.sub(lambda m: link_secret(m.group(1)), body or "")


def forget_recipient(session: Session, address: str) -> int:
    """Delete the finished messages to ``address`` inside the caller's transaction (an account is deleted);
    messages still queued are sent and then purged with the rest. Returns how many were deleted."""
    result = session.execute(
        delete(OutboxMessage).where(
            func.lower(OutboxMessage.recipient) == (address or "").strip().lower(),
            OutboxMessage.status.in_([s.value for s in FINAL_STATUSES]),
        )
    )
    return result.rowcount or 0


def purge_old(
    now: datetime | None = None, *, older_than: timedelta = RETENTION, engine: Engine | None = None
) -> int:
    """Delete finished messages created more than ``older_than`` ago (names, addresses, ticket codes and
    bodies are not kept for ever); returns how many."""
    cutoff = (now or utcnow()) - older_than
    with session_scope(engine or get_engine(), write=True) as session:
        result = session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.status.in_([s.value for s in FINAL_STATUSES]),
                OutboxMessage.created_at < cutoff,
            )
        )
        return result.rowcount or 0


# ---------------------------------------------------------------- header hygiene


def clean_header(value: str, *, max_length: int = 300) -> str:
    """One line of header text: control characters (CR, LF, …) become spaces, whitespace collapses."""
    return " ".join(_CONTROL.sub(" ", value or "").split())[:max_length]


def clean_address(value: str, *, field: str = "to") -> str:
    """A single bare address, trimmed; anything else (lists, names, newlines) is refused."""
    addr = (value or "").strip()
    if _CONTROL.search(addr) or not _ADDRESS.match(addr) or len(addr) > 254:
        raise InvalidInput({field: f"{value!r} is not a valid email address"})
    return addr


def clean_filename(value: str) -> str:
    name = clean_header(value, max_length=150).replace("/", "_").replace("\\", "_").replace('"', "'")
    return name.strip(". ") or "attachment"


def _mail_domain() -> str:
    return _domain_of(get_settings().mail_from, get_settings().public_url)


@lru_cache(maxsize=4)
def _domain_of(mail_from: str, public_url: str) -> str:
    """The Message-ID's domain for these settings (parsed once: parseaddr was a twelfth of a registration's
    CPU on the hot path, which queues a mail with every seat)."""
    _name, addr = parseaddr(mail_from)
    domain = addr.rpartition("@")[2] or urlsplit(public_url).hostname or "khala.local"
    return clean_header(domain, max_length=200)


# ---------------------------------------------------------------- enqueue


def enqueue(
    session: Session,
    *,
    to: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    attachments: list[Attachment] | None = None,
    reply_to: str | None = None,
    to_name: str | None = None,
    locale: str | None = None,
) -> OutboxMessage:
    """Render a mail and add it to the outbox inside the caller's transaction.

    The templates' words are in ``locale`` (the recipient's language; default: the current one). The caller
    gives the ``subject`` already in that language.

    Nothing is sent until the caller's transaction commits; then in-process workers are woken.
    Raises ``InvalidInput`` for a bad address, template or attachment.
    """
    recipient = clean_address(to)
    reply = clean_address(reply_to, field="reply_to") if reply_to else None
    subject_line = clean_header(subject)
    if not subject_line:
        raise InvalidInput({"subject": "a mail needs a subject"})
    name = clean_header(to_name, max_length=200) if to_name else None
    with i18n.use_language(locale or i18n.get_language()):
        html, text = render(template, context, subject=subject_line)
    stored = []
    for a in attachments or []:
        if len(a.data) > MAX_ATTACHMENT_BYTES:
            raise InvalidInput({"attachments": f"{a.filename} is larger than 10 MB"})
        cid = (
            clean_header(a.inline_cid, max_length=100).replace("<", "").replace(">", "")
            if a.inline_cid
            else None
        )
        stored.append(
            Attachment(
                filename=clean_filename(a.filename),
                content_type=clean_header(a.content_type, max_length=100) or "application/octet-stream",
                data=a.data,
                inline_cid=cid or None,
            ).to_json()
        )
    return _add(
        session,
        recipient=recipient,
        recipient_name=name or None,
        reply_to=reply,
        subject=subject_line,
        template=template,
        html_body=html,
        text_body=text,
        attachments=stored,
    )


class DeferredMail(TypedDict):
    """What ``enqueue_later`` takes (``deferred_row`` has the same and ``now``)."""

    to: str
    subject: str
    template: str
    renderer: str
    args: dict[str, Any]
    to_name: NotRequired[str | None]
    locale: NotRequired[str | None]


def enqueue_later(session: Session, **mail: Unpack[DeferredMail]) -> OutboxMessage:
    """Add a mail whose body is made when it is sent: the row keeps only which ``renderer`` makes its context
    and attachments from ``args`` (ids, small values). The sender's transaction stays short (no template, QR
    or calendar work inside it), and the mail shows the facts as they are when it leaves."""
    row = deferred_row(**mail)
    message = OutboxMessage(**row)
    session.add(message)
    send_now_hint(session)
    return message


def deferred_row(
    *,
    to: str,
    subject: str,
    template: str,
    renderer: str,
    args: dict[str, Any],
    to_name: str | None = None,
    now: datetime | None = None,
    locale: str | None = None,
) -> dict[str, Any]:
    """The column values of the row ``enqueue_later`` adds, for a caller that writes it with its own INSERT
    in its own transaction (the registration hot path queues the ticket in the statement that takes the
    seat). That caller also wakes the workers: ``NOTIFY`` on ``outbox.PG_CHANNEL`` inside its transaction on
    PostgreSQL, and ``outbox.notify()`` after the commit."""
    if renderer not in renderers:
        raise InvalidInput({"renderer": f"no mail renderer {renderer!r} is connected"})
    subject_line = clean_header(subject)
    if not subject_line:
        raise InvalidInput({"subject": "a mail needs a subject"})
    name = clean_header(to_name, max_length=200) if to_name else None
    message_uuid = uuid.uuid4()
    now = now or utcnow()
    return {
        "id": message_uuid,
        "message_id": f"<{message_uuid.hex}@{_mail_domain()}>",
        "recipient": clean_address(to),
        "recipient_name": name or None,
        "reply_to": None,
        "subject": subject_line,
        "template": template,
        "html_body": "",
        "text_body": "",
        "attachments": [],
        # rendered at send time in the recipient's language (``locale``; default: the current one)
        "deferred": {
            "renderer": renderer,
            "args": audit.jsonable(args),
            "locale": i18n.normalize(locale) or i18n.get_language(),
        },
        "status": OutboxStatus.QUEUED.value,
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": None,
        "lease_owner": None,
        "lease_expires_at": None,
        "created_at": now,
        "sent_at": None,
    }


def _add(session: Session, **fields: Any) -> OutboxMessage:
    message_uuid = uuid.uuid4()
    message = OutboxMessage(id=message_uuid, message_id=f"<{message_uuid.hex}@{_mail_domain()}>", **fields)
    session.add(message)
    send_now_hint(session)
    return message


def _notify_other_processes(session: Session) -> None:
    """On PostgreSQL, NOTIFY inside the transaction: delivered only if (and when) it commits."""
    if session.info.get("khala_mail_pg_notified"):
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {outbox.PG_CHANNEL}"))
        session.info["khala_mail_pg_notified"] = True


def send_now_hint(session: Session) -> None:
    """Wake the in-process workers when ``session``'s transaction commits (idempotent per session)."""
    _notify_other_processes(session)
    if session.info.get("khala_mail_hook"):
        return
    session.info["khala_mail_hook"] = True
    event.listen(session, "after_commit", _after_commit)
    event.listen(session, "after_rollback", _after_rollback)


def _after_commit(session: Session) -> None:
    session.info.pop("khala_mail_pg_notified", None)
    outbox.notify()


def _after_rollback(session: Session) -> None:
    session.info.pop("khala_mail_pg_notified", None)


# ---------------------------------------------------------------- status


@dataclass(frozen=True)
class MailStatus:
    """What happened to one message, in words the UI can show."""

    id: uuid.UUID
    status: OutboxStatus
    recipient: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    sent_at: datetime | None

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def delivered(self) -> bool:
        """Handed to the mail server (or, without SMTP, written to the log)."""
        return self.status in (OutboxStatus.SENT, OutboxStatus.CAPTURED)

    @property
    def summary(self) -> str:
        to = {"to": self.recipient}
        if self.status == OutboxStatus.SENT:
            return i18n.gettext("sent to %(to)s") % to
        if self.status == OutboxStatus.CAPTURED:
            return i18n.gettext("written to the server log for %(to)s (no mail server configured)") % to
        if self.status == OutboxStatus.FAILED:
            return i18n.gettext("could not be delivered to %(to)s") % to
        if self.attempts > 0 and self.last_error:
            return i18n.gettext("queued for %(to)s — we will retry") % to
        return i18n.gettext("being sent to %(to)s") % to


def delivery_status(message_id: uuid.UUID | str) -> MailStatus:
    """Current status of an outbox message, by its id (or its RFC Message-ID header). Raises NotFound."""
    try:
        key: uuid.UUID | None = parse_id(message_id, "mail", message=NOT_FOUND)
    except NotFound:
        key = None  # not a UUID: look it up as an RFC Message-ID header
    with session_scope(get_engine()) as session:
        query = select(OutboxMessage)
        query = (
            query.where(OutboxMessage.id == key)
            if key
            else query.where(OutboxMessage.message_id == str(message_id))
        )
        row = session.execute(query).scalars().first()
        if row is None:
            raise NotFound(_(NOT_FOUND))
        return _status_of(row)


def delivery_statuses(message_ids: list[uuid.UUID]) -> dict[uuid.UUID, MailStatus]:
    """``delivery_status`` of many outbox messages in one query (unknown ids are left out)."""
    if not message_ids:
        return {}
    with session_scope(get_engine()) as session:
        m = OutboxMessage
        columns = (m.id, m.status, m.recipient, m.attempts, m.last_error, m.next_attempt_at, m.sent_at)
        rows = session.execute(select(*columns).where(m.id.in_(message_ids)))  # type: ignore[attr-defined]
        return {row.id: _status_of(row) for row in rows}


def _status_of(row: Any) -> MailStatus:
    return MailStatus(
        id=row.id,
        status=OutboxStatus(row.status),
        recipient=row.recipient,
        attempts=row.attempts,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
    )


def wait_for_delivery(message_id: uuid.UUID | str, timeout: float = 2.0) -> MailStatus:
    """Block (in a thread, never on the event loop) until the message is final, an attempt has failed,
    or ``timeout`` passes; returns the status at that moment."""
    outbox.notify()
    deadline = time.monotonic() + timeout
    seen = outbox.wake.generation
    while True:
        status = delivery_status(message_id)
        if status.is_final or (status.status == OutboxStatus.QUEUED and status.attempts > 0):
            return status
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return status
        seen = outbox.wake.wait(seen, min(0.05, remaining))


def retry_failed(message_id: uuid.UUID | str, *, actor: Actor) -> MailStatus:
    """Queue a failed message again (attempts reset) and write ``mail.retried``, in one transaction.
    Raises NotFound, or Conflict if it has not failed."""
    key = parse_id(message_id, "mail", message=NOT_FOUND)
    with session_scope(get_engine(), write=True) as session:
        row = session.get(OutboxMessage, key)
        if row is None:
            raise NotFound(_(NOT_FOUND))
        status, attempts = OutboxStatus(row.status), row.attempts
        if not outbox.requeue_failed(session, key):
            raise Conflict(
                _("Only failed mail can be retried; this one is %(status)s.") % {"status": status.value}
            )
        audit.record(
            session,
            actor,
            "mail.retried",
            row,
            {"status": [status.value, OutboxStatus.QUEUED.value], "attempts": [attempts, 0]},
            data={"recipient": row.recipient, "template": row.template},
        )
    outbox.notify()
    return delivery_status(key)
