"""A person's language (``User.locale``): remembered when they choose one, read when they sign in."""

from __future__ import annotations

import uuid

from khala.accounts.models import User
from khala.audit import service as audit
from khala.audit.service import Actor
from khala.db import session_scope
from khala.lib import i18n


def locale_of(user_id: uuid.UUID) -> str | None:
    """The language the person chose, or None."""
    with session_scope() as session:
        user = session.get(User, user_id)
        return i18n.normalize(user.locale) if user is not None and user.deleted_at is None else None


def set_locale(user_id: uuid.UUID, lang: str, *, actor: Actor) -> bool:
    """Remember ``lang`` ("en"/"sv") on the account; True when it changed (one ``user.locale_changed`` entry)."""
    chosen = i18n.normalize(lang)
    if chosen is None:
        return False
    with session_scope(write=True) as session:
        user = session.get(User, user_id)
        if user is None or user.deleted_at is not None or user.locale == chosen:
            return False
        before = user.locale
        user.locale = chosen
        session.add(user)
        audit.record(session, actor, "user.locale_changed", user, {"locale": [before, chosen]})
    return True
