"""The person's own data: "download my data" and deleting the account (GDPR articles 15, 17, 20).

Deletion runs the other domains' hooks first (``service.on_user_delete``: registrations give back their seats)
in the same transaction, then removes the personal data: the row stays, anonymised, so history keeps its
foreign keys; sessions and tokens go; the person's finished mail is deleted; their addresses and names are
scrubbed from the audit trail (the label of their own entries, and any changes or data that hold them).
Plain, synchronous Python; ``delete_account`` checks the password (hashing): call it through
``passwords.in_hash_pool``.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import String, cast, delete, or_
from sqlmodel import Session, select

from khala.accounts import sessions
from khala.accounts.models import AccountToken, CalendarFeed, User, UserSession
from khala.accounts.service import data_exporters, on_user_delete, require_password
from khala.accounts.sessions import active_user
from khala.audit import service as audit
from khala.audit.models import AuditEntry
from khala.audit.service import Actor
from khala.db import session_scope, utcnow
from khala.mail import service as mail

REDACTED = "[deleted]"


def export_user_data(user_id: uuid.UUID) -> dict[str, Any]:
    """Everything we keep about the user, as JSON-ready data ("download my data")."""
    with session_scope() as session:
        user = active_user(session, user_id)
        rows = session.exec(select(UserSession).where(UserSession.user_id == user_id)).all()
        data: dict[str, Any] = {
            "profile": {
                "id": str(user.id),
                "email": user.email,
                "display_name": user.display_name,
                "is_admin": user.is_admin,
                "email_verified_at": user.email_verified_at.isoformat() if user.email_verified_at else None,
                "created_at": user.created_at.isoformat(),
            },
            "sessions": [
                {
                    "created_at": s.created_at.isoformat(),
                    "last_seen_at": s.last_seen_at.isoformat(),
                    "expires_at": s.expires_at.isoformat(),
                    "user_agent": s.user_agent,
                    "ip": s.ip,
                }
                for s in rows
            ],
        }
        for name, exporter in data_exporters.items():
            data[name] = exporter(session, user_id)
    data.setdefault("registrations", [])
    data["exported_at"] = utcnow().isoformat()
    return data


def delete_account(user_id: uuid.UUID, password: str, *, actor: Actor) -> None:
    """Delete the account: hooks run first in the same transaction (registrations give back seats),
    then personal data is removed; the anonymised row stays so history keeps its foreign keys.
    The person's finished mail is deleted and their addresses and name are scrubbed from the audit trail, in
    the same transaction. Writes ``user.deleted`` (without the personal data that was removed)."""
    require_password(user_id, password, field="password")
    with session_scope(write=True) as session:
        user = active_user(session, user_id)
        for hook in on_user_delete:
            hook(session, user_id)
        personal = _scrub_audit(session, user)
        for address in personal["emails"]:
            mail.forget_recipient(session, address)
        user.email = f"deleted-{user.id.hex}@deleted.invalid"
        user.display_name = "Deleted user"
        user.password_hash = None
        user.email_verified_at = None
        user.is_admin = False
        user.deleted_at = utcnow()
        session.add(user)
        sessions.end_sessions(session, user_id)
        session.exec(delete(AccountToken).where(AccountToken.user_id == user_id))
        session.exec(delete(CalendarFeed).where(CalendarFeed.user_id == user_id))  # its secret feed address
        audit.record(session, actor, "user.deleted", user, {"deleted_at": [None, user.deleted_at]})


def _scrub_audit(session: Session, user: User) -> dict[str, set[str]]:
    """Replace the person's addresses (the current one and any earlier one the trail names) and display
    names in the audit trail by "[deleted]": as the label of their own entries, and wherever an entry's
    changes or data hold them. Returns what was scrubbed ({"emails": …, "names": …})."""
    about = or_(
        AuditEntry.actor_id == user.id,  # type: ignore[arg-type]
        (AuditEntry.object_type == "user") & (AuditEntry.object_id == str(user.id)),  # type: ignore[arg-type]
    )
    own = session.exec(select(AuditEntry).where(about)).all()
    emails, names = {user.email.lower()}, {user.display_name}
    for entry in own:
        for blob in (entry.changes or {}, entry.data or {}):
            for key in ("email", "new_email", "display_name"):
                values = blob.get(key)
                for value in values if isinstance(values, list) else [values]:
                    if isinstance(value, str) and value:
                        (names if key == "display_name" else emails).add(
                            value if key == "display_name" else value.lower()
                        )
    mentioned = or_(
        *(cast(AuditEntry.changes, String).contains(e) for e in emails),
        *(cast(AuditEntry.data, String).contains(e) for e in emails),
    )
    entries = {e.id: e for e in own}
    entries.update({e.id: e for e in session.exec(select(AuditEntry).where(mentioned)).all()})
    secret = {e for e in emails} | names

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return REDACTED if value in secret or value.lower() in emails else value
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        return value

    for entry in entries.values():
        if entry.actor_id == user.id and entry.actor_kind == "user":
            entry.actor_label = REDACTED
        entry.changes = scrub(dict(entry.changes or {}))
        entry.data = scrub(dict(entry.data or {}))
        session.add(entry)
    return {"emails": emails, "names": names}
