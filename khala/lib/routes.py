"""The app's paths, written once: page routes and the builders for links that carry an id or a query.

Pages register under these constants, and mails, redirects and links build their URLs with the functions, so a
route renamed here is renamed everywhere (the mail docs once said ``/verify-email`` where the route was ``/verify``).
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

HOME = "/"
EVENTS = "/events"
EVENT = "/events/[slug]"
# The event route prerendered once (no event has this slug: slugs are letters, digits and dashes), the first HTML
# of every event page (rxconfig.py PrerenderEventPage, khala/events/seo_http.py).
EVENT_TEMPLATE = "/events/_"
CALENDAR = "/calendar"
TICKETS = "/tickets"
TICKETS_FEED = "/calendar/tickets.ics"  # a person's tickets as a calendar (?token=…)
CALENDAR_FEED = "/calendar.ics"

LOGIN = "/login"
SIGNUP = "/signup"
VERIFY = "/verify"
FORGOT_PASSWORD = "/forgot-password"  # noqa: S105 (a path, not a secret)
RESET_PASSWORD = "/reset-password"  # noqa: S105
ACCOUNT = "/account"

AUTH_COMPLETE = "/auth/complete"
AUTH_SIGNOUT = "/auth/signout"

ADMIN = "/admin"
ADMIN_EVENTS = "/admin/events"
ADMIN_REGISTRATIONS = "/admin/registrations"
ADMIN_MAIL = "/admin/mail"
ADMIN_USERS = "/admin/users"
ADMIN_IMAGES = "/admin/images"


def _with_next(path: str, next_path: str | None) -> str:
    return f"{path}?next={quote(next_path, safe='/')}" if next_path else path


def login(next_path: str | None = None) -> str:
    """The sign-in page, coming back to ``next_path`` (already checked by ``sessions.safe_next``)."""
    return _with_next(LOGIN, next_path)


def signup(next_path: str | None = None) -> str:
    return _with_next(SIGNUP, next_path)


def event(slug: str, **query: object) -> str:
    path = f"{EVENTS}/{quote(slug, safe='')}"
    return f"{path}?{urlencode(query)}" if query else path


def event_ics(slug: str) -> str:
    return f"{EVENTS}/{quote(slug, safe='')}.ics"


def ticket(ticket_code: str) -> str:
    return f"{TICKETS}#{ticket_code}"


def ticket_ics(registration_id: str) -> str:
    return f"{TICKETS}/{registration_id}.ics"


def cancel_ticket(registration_id: str) -> str:
    return f"{TICKETS}?{urlencode({'cancel': registration_id})}"


def verify(token: str) -> str:
    return f"{VERIFY}?{urlencode({'token': token})}"


def reset_password(token: str) -> str:
    return f"{RESET_PASSWORD}?{urlencode({'token': token})}"


def tickets_feed(token: str) -> str:
    return f"{TICKETS_FEED}?{urlencode({'token': token})}"


def calendar_feed(**query: object) -> str:
    """The public feed, with the catalogue's filters (``category``, ``city``) when given."""
    query = {k: v for k, v in query.items() if v}
    return f"{CALENDAR_FEED}?{urlencode(query)}" if query else CALENDAR_FEED


def webcal(url: str) -> str:
    """The ``webcal://`` form of an absolute feed URL (calendar apps open it as a subscription)."""
    return "webcal://" + url.split("://", 1)[-1]
