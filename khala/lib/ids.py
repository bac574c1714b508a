"""Public ids are UUIDs; one parser with one behaviour for every domain.

``parse_id(value, "event")`` gives the UUID or raises ``NotFound("We could not find that event.")``: an id
that does not parse names nothing, so it is answered like an id that names nothing (never a 500, never a
hint about the format). A caller that has a fallback for text that is not an id (a slug, an RFC Message-ID)
catches the ``NotFound`` where it calls, so the fallback is visible there. ``parse_ids`` is the batch form
for reads where a malformed id simply has no row. The message is in the current language (``message`` is an
English msgid, e.g. an ``N_()`` constant, translated here).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from khala.errors import NotFound
from khala.lib.i18n import N_
from khala.lib.i18n import gettext as _

_NOT_FOUND = {
    "account": N_("We could not find that account."),
    "choice": N_("We could not find that choice."),
    "event": N_("We could not find that event."),
    "image": N_("We could not find that image."),
    "mail": N_("We could not find that mail."),
    "package": N_("We could not find that package."),
    "registration": N_("We could not find that registration."),
    "ticket": N_("We could not find that ticket."),
    "user": N_("We could not find that user."),
    "venue": N_("We could not find that venue."),
}


def parse_id(value: object, what: str, *, message: str | None = None) -> uuid.UUID:
    """``value`` as a UUID, or ``NotFound`` ("We could not find that <what>.", or ``message``)."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except (TypeError, ValueError, AttributeError) as exc:
        raise NotFound(_(message) if message else not_found_message(what)) from exc


def not_found_message(what: str) -> str:
    """ "We could not find that event." in the current language."""
    known = _NOT_FOUND.get(what)
    return _(known) if known else _("We could not find that %(what)s.") % {"what": what}


def parse_ids(values: Iterable[object], *, limit: int | None = None) -> list[uuid.UUID]:
    """The well-formed ids among ``values`` (first ``limit`` of them), in order, without repeats; empty
    values and text that is not an id are skipped."""
    ids: dict[uuid.UUID, None] = {}
    for value in values:
        if limit is not None and len(ids) >= limit:
            break
        if value is None or value == "":
            continue
        try:
            ids[parse_id(value, "id")] = None
        except NotFound:
            continue
    return list(ids)
