"""A person's own calendar feed: their confirmed tickets, at the secret address made on their account page
(``khala/accounts/calendar_feeds.py``), served as ``/calendar/tickets.ics?token=…``.

Each ticket is the same appointment as the ``.ics`` attached to its confirmation mail (one UID per
registration); its SEQUENCE is the event's, so a moved or cancelled event reaches the subscriber, and a
cancelled ticket leaves the feed. Waiting-list places are not tickets and are left out until promoted.
Our words in it (the calendar's name and description, each ticket's description) are in the owner's language
when their account has one, else the request's (a calendar app rarely sends ``Accept-Language``).
"""

from __future__ import annotations

import dataclasses
import uuid

from sqlmodel import col

from khala.accounts import calendar_feeds
from khala.accounts.models import User
from khala.db import session_scope
from khala.events.models import Event, EventStatus
from khala.lib import i18n
from khala.lib.i18n import N_
from khala.lib.i18n import gettext as _
from khala.lib.ics import calendar
from khala.registrations.models import Registration, RegistrationStatus
from khala.registrations.queries import tickets_of
from khala.registrations.tickets import calendar_entry

FEED_NAME = N_("Khala · My tickets")
MAX_TICKETS = 1000


def tickets_calendar(user_id: uuid.UUID) -> bytes:
    """The user's confirmed tickets as one calendar (past ones included: it is their diary)."""
    with session_scope() as s:
        owner = s.get(User, user_id)
        lang = i18n.normalize(owner.locale if owner is not None else None) or i18n.get_language()
        rows = s.exec(
            tickets_of(user_id)
            .where(col(Registration.status) == RegistrationStatus.confirmed.value)
            .order_by(col(Event.starts_at), col(Registration.id))
            .limit(MAX_TICKETS)
        ).all()
        with i18n.use_language(lang):
            entries = [
                dataclasses.replace(
                    calendar_entry(r, e, p, loc),
                    latitude=loc.latitude if loc else None,
                    longitude=loc.longitude if loc else None,
                    cancelled=e.status == EventStatus.cancelled,
                    sequence=e.sequence,
                    changed_at=max(e.updated_at, r.updated_at),
                )
                for r, p, e, loc in rows
            ]
    with i18n.use_language(lang):
        name, description = _(FEED_NAME), _("Your tickets on Khala")
    return calendar(entries, name=name, description=description, refresh_minutes=60)


def personal_feed(token: str | None) -> bytes | None:
    """The feed behind ``token``, or None for an unknown, revoked or malformed token."""
    user_id = calendar_feeds.user_for_feed_token(token)
    return tickets_calendar(user_id) if user_id is not None else None
