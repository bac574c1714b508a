"""Every cross-domain hook, connected once, in one place you can read.

A lower domain never imports a higher one. When it must let a higher one react (an event is cancelled → its
registrations are told; an account is deleted → its seats go back), it exposes a hook list and the higher domain's
function is connected here. ``install()`` is called by the app assembly (``khala/khala.py``), the CLI and the test
configuration; it is idempotent, and nothing is connected as an import side effect.
"""

from __future__ import annotations

from collections.abc import Callable, MutableSequence
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])


def _connect(hooks: MutableSequence[F], fn: F) -> None:
    if fn not in hooks:
        hooks.append(fn)


def install() -> None:
    from khala.accounts import service as accounts
    from khala.events import reports as event_reports
    from khala.events import service as events
    from khala.images import service as images
    from khala.locations import service as locations
    from khala.mail import rendering as mail_rendering
    from khala.registrations import notify
    from khala.registrations import queries as registration_queries
    from khala.registrations import service as registrations

    # events → registrations: a cancelled event mails every ticket holder and waiting-list entry.
    _connect(events.on_status_change, notify.on_event_status_change)
    # events → registrations: an event someone holds seats for cannot go back to draft.
    _connect(events.before_status_change, registration_queries.refuse_draft_while_held)
    # events → registrations: seats added to a package (more capacity) go to its waiting list.
    _connect(events.on_seats_added, registrations.promote_waitlist)
    # locations → events: a renamed or moved venue refreshes the searchable columns of its events.
    _connect(locations.on_location_change, events.refresh_events_at)
    # locations, images → events: a venue or an image that events use cannot be deleted; the admin shows which.
    _connect(locations.users_of, event_reports.events_at_locations)
    _connect(images.users_of, event_reports.events_showing_images)
    # accounts → registrations: deleting an account gives its seats back; the data export lists its tickets.
    _connect(accounts.on_user_delete, registrations.cancel_all_for_user)
    accounts.data_exporters["registrations"] = registration_queries.export_for_user
    # mail → registrations: ticket mails are rendered (QR, calendar file) when the worker sends them.
    mail_rendering.renderers[notify.RENDERER] = notify.render_registration_mail
