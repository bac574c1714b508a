"""What a ticket is made of besides its row: the QR code and the calendar entry.

The entry's own words (the description) are in the current language: the recipient's when the worker renders
the confirmation mail, the visitor's for a download from "My tickets"; the event's title stays as written."""

from __future__ import annotations

import io

import segno

from khala.events.models import Event, Package
from khala.lib import routes
from khala.lib.i18n import gettext as _
from khala.lib.ics import CalendarEntry, ics
from khala.locations.models import Location
from khala.locations.service import address_line
from khala.mail.service import absolute_url
from khala.registrations.models import Registration
from khala.settings import get_settings


def qr_png(ticket_code: str, *, scale: int = 6) -> bytes:
    """The ticket code as a QR code (error correction M), PNG."""
    out = io.BytesIO()
    segno.make(ticket_code, error="m", micro=False).save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def qr_svg_data_uri(ticket_code: str) -> str:
    """The ticket code as an inline SVG data URI, for pages."""
    return segno.make(ticket_code, error="m", micro=False).svg_data_uri(scale=4, border=2, dark="#1c2346")


def registration_uid(registration_id: str) -> str:
    host = get_settings().public_origin.split("://", 1)[-1].split(":")[0] or "khala"
    return f"registration-{registration_id}@{host}"


def calendar_entry(
    registration: Registration, event: Event, package: Package, location: Location | None
) -> CalendarEntry:
    """The calendar entry of one ticket (the same in the confirmation mail and the ``.ics`` download)."""
    return CalendarEntry(
        uid=registration_uid(str(registration.id)),
        title=event.title,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        location=address_line(location, with_name=True),
        description=_("%(package)s × %(quantity)s — ticket %(code)s")
        % {"package": package.title, "quantity": registration.quantity, "code": registration.ticket_code},
        url=absolute_url(routes.ticket(registration.ticket_code)),
    )


def ticket_ics(
    registration: Registration, event: Event, package: Package, location: Location | None
) -> bytes:
    """The ``.ics`` of one ticket, attached to its mail and downloadable from "My tickets"."""
    return ics(calendar_entry(registration, event, package, location))
