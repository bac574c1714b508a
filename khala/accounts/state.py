"""Reflex state of the accounts domain.

``SessionState`` is what every page shows of the signed-in person; put ``SessionState.load_session`` (or
``SessionState.require_login`` for pages that need a user) in each page's ``on_load``.

Every handler that reads private data or changes anything checks the caller itself (``khala.accounts.auth``);
the page guards only decide what to render. The session token is never stored in a var.

Handlers that hash or verify a password run the service in the hash pool (``auth.hashing``), never in the
default executor. Requests that mail a link to a typed address take a fixed minimum time (``_padded``), so
the answer's timing does not tell whether the address has an account. Signing in and out are same-origin
form POSTs to ``/auth/complete`` and ``/auth/signout`` (no login or logout CSRF); signing out also resets
every loaded state of the tab and drops its Reflex client token, so nothing private comes back on hydrate.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable
from typing import Any, TypeVar
from urllib.parse import quote

import reflex as rx

from khala.accounts import auth, calendar_feeds, passwords, privacy, service, sessions
from khala.accounts.auth import CurrentUser
from khala.accounts.sessions import BadToken
from khala.audit.service import Actor
from khala.errors import DomainError, NotAuthenticated
from khala.lib import routes
from khala.lib.i18n import gettext as _
from khala.lib.i18n import ngettext
from khala.ui import client
from khala.ui.client import toast

T = TypeVar("T")
# Mail-a-link requests to a typed address answer after at least this long, whether or not the address has an
# account (L3): the extra work for an existing account (a token, two templates, an outbox row) stays hidden.
MAIL_REQUEST_FLOOR = 0.35


def _post_navigation(action: str, fields: dict[str, str], *, forget_tab: bool = False) -> rx.event.EventSpec:
    """Leave the page with a same-origin form POST (the browser sends Origin; our routes accept nothing
    else). ``forget_tab`` drops the tab's Reflex client token first, so the next page starts a fresh state."""
    return client.run(client.post(action, fields, forget_tab=forget_tab))


def sign_out_navigation(next_path: str = "/login") -> rx.event.EventSpec:
    """POST /auth/signout (clears the cookie) from a tab that forgets its state."""
    return _post_navigation(
        "/auth/signout", {"next": sessions.safe_next(next_path, "/login")}, forget_tab=True
    )


def form(form_data: object) -> dict[str, Any]:
    """A handler's ``form_data`` as a dict ({} for anything else a client may send)."""
    return form_data if isinstance(form_data, dict) else {}


def text(form_data: dict[str, Any], key: str, n: int = 300) -> str:
    """One form field as text of at most ``n`` characters (non-strings are refused as empty)."""
    value = form_data.get(key, "")
    return value[:n] if isinstance(value, str) else ""


async def _padded(work: Awaitable[T], floor: float = MAIL_REQUEST_FLOOR) -> T:
    """Await ``work`` and answer no sooner than ``floor`` seconds after the start (errors too)."""
    started = time.monotonic()
    try:
        return await work
    finally:
        await asyncio.sleep(max(0.0, floor - (time.monotonic() - started)))


async def _forget_everything(state: rx.State) -> None:
    """Reset every loaded state of this tab (tickets, sessions, admin lists …) to its defaults."""
    root = state
    while root.parent_state is not None:
        root = root.parent_state
    root.reset()


def login_path(next_path: str) -> str:
    return "/login?next=" + quote(sessions.safe_next(next_path), safe="/")


class SessionState(rx.State):
    """The signed-in person as the UI shows it (no secrets)."""

    signed_in: bool = False
    display_name: str = ""
    email: str = ""
    is_admin: bool = False
    is_verified: bool = False
    session_checked: bool = False

    def _show(self, user: CurrentUser | None) -> None:
        self.signed_in = user is not None
        self.display_name = user.display_name if user else ""
        self.email = user.email if user else ""
        self.is_admin = bool(user and user.is_admin)
        self.is_verified = bool(user and user.is_verified)
        self.session_checked = True

    @rx.event
    async def load_session(self) -> None:
        """on_load of every page: resolve the HttpOnly session cookie (off the event loop)."""
        self._show(await auth.current_user(self))

    @rx.event
    async def require_login(self):
        """on_load of pages that need a user: anonymous visitors go to /login?next=<this page>."""
        user = await auth.current_user(self)
        self._show(user)
        if user is None:
            here = self.router.url.path or "/"
            if self.router.url.query:
                here += "?" + self.router.url.query
            return rx.redirect(login_path(here))
        return None

    @rx.event
    async def sign_out(self):
        """End this session on the server, forget the tab's state, then POST /auth/signout (clears the cookie)."""
        await asyncio.to_thread(sessions.sign_out, auth.session_token(self))
        await _forget_everything(self)
        self._show(None)
        return sign_out_navigation()


class LoginState(rx.State):
    error: str = ""
    submitting: bool = False

    @rx.event
    def clear(self) -> None:
        self.error = ""
        self.submitting = False

    @rx.event
    async def submit(self, form_data: dict[str, Any]):
        self.error = ""
        data = form(form_data)
        email = text(data, "email")
        password = text(data, "password", passwords.PASSWORD_MAX + 1)
        next_path = sessions.safe_next(self.router.url.query_parameters.get("next"))
        self.submitting = True
        yield
        try:
            code = await auth.hashing(
                self,
                sessions.authenticate,
                email,
                password,
                ip=auth.client_ip(self),
                device=auth.device_cookie(self),
            )
        except DomainError as exc:
            self.error = exc.message
            self.submitting = False
            return
        self.submitting = False
        # The code goes by same-origin POST: a link (from a mail or another site) cannot sign anyone in.
        yield _post_navigation("/auth/complete", {"code": code, "next": next_path})


class SignupState(rx.State):
    errors: dict[str, str] = {}
    done_message: str = ""
    done_email: str = ""
    submitting: bool = False
    login_href: str = "/login"

    @rx.event
    def clear(self) -> None:
        self.errors = {}
        self.done_message = ""
        self.done_email = ""
        self.submitting = False
        # /signup?next=… (e.g. from an event page): signing in afterwards goes back there.
        next_path = self.router.url.query_parameters.get("next")
        self.login_href = login_path(next_path) if next_path else "/login"

    @rx.event
    async def submit(self, form_data: dict[str, Any]):
        self.errors = {}
        data = form(form_data)
        email = text(data, "email")
        name = text(data, "display_name")
        password = text(data, "password", passwords.PASSWORD_MAX + 1)
        self.submitting = True
        yield
        try:
            self.done_message = await auth.hashing(
                self, service.sign_up, email, name, password, ip=auth.client_ip(self)
            )
            self.done_email = passwords.normalise_email(email)
        except DomainError as exc:
            self.errors = exc.by_field()
        self.submitting = False

    @rx.event
    async def resend(self):
        if not self.done_email:
            return
        try:
            self.done_message = await _padded(
                asyncio.to_thread(
                    service.resend_verification,
                    self.done_email,
                    ip=auth.client_ip(self),
                    device=auth.device_cookie(self),
                )
            )
        except DomainError as exc:
            yield toast.error(exc.message)


class VerifyState(rx.State):
    """/verify?token=… (address confirmation and e-mail change)."""

    status: str = "pending"  # pending | verified | email_changed | unknown | expired | used | error
    message: str = ""
    resend_message: str = ""

    @rx.event
    async def load(self):
        token = self.router.url.query_parameters.get("token", "")
        self.resend_message = ""
        try:
            outcome = await asyncio.to_thread(
                service.confirm_email_token, token, keep_secret=auth.session_token(self)
            )
        except BadToken as exc:
            self.status = exc.reason
            self.message = exc.message
        except DomainError as exc:
            self.status = "error"
            self.message = exc.message
        else:
            self.status = outcome.kind
            self.message = (
                _("Thank you! %(email)s is confirmed.") % {"email": outcome.email}
                if outcome.kind == "verified"
                else _("Your address is now %(email)s.") % {"email": outcome.email}
            )
        session = await self.get_state(SessionState)
        session._show(await auth.current_user(self))

    @rx.event
    async def resend(self, form_data: dict[str, Any]):
        try:
            self.resend_message = await _padded(
                asyncio.to_thread(
                    service.resend_verification,
                    text(form(form_data), "email"),
                    ip=auth.client_ip(self),
                    device=auth.device_cookie(self),
                )
            )
        except DomainError as exc:
            self.resend_message = exc.message


class ForgotPasswordState(rx.State):
    message: str = ""
    error: str = ""

    @rx.event
    def clear(self) -> None:
        self.message = ""
        self.error = ""

    @rx.event
    async def submit(self, form_data: dict[str, Any]):
        self.error = ""
        try:
            self.message = await _padded(
                asyncio.to_thread(
                    service.request_password_reset,
                    text(form(form_data), "email"),
                    ip=auth.client_ip(self),
                    device=auth.device_cookie(self),
                )
            )
        except DomainError as exc:
            self.error = exc.message


class ResetPasswordState(rx.State):
    """/reset-password?token=…"""

    status: str = "pending"  # pending | ready | done | unknown | expired | used
    message: str = ""
    errors: dict[str, str] = {}

    def _token(self) -> str:
        return self.router.url.query_parameters.get("token", "")

    @rx.event
    async def load(self):
        self.errors = {}
        self.message = ""
        try:
            await asyncio.to_thread(service.check_reset_token, self._token())
            self.status = "ready"
        except BadToken as exc:
            self.status = exc.reason
            self.message = exc.message

    @rx.event
    async def submit(self, form_data: dict[str, Any]):
        self.errors = {}
        data = form(form_data)
        password = text(data, "password", passwords.PASSWORD_MAX + 1)
        if password != text(data, "password_again", passwords.PASSWORD_MAX + 1):
            self.errors = {"password_again": _("The two passwords differ.")}
            return
        token = self._token()
        try:
            # A bad link is refused in the default executor (a lookup, no hashing); only a usable one goes on
            # to the hash pool, so made-up tokens cannot fill its queue.
            await asyncio.to_thread(service.check_reset_token, token)
            email = await auth.hashing(self, service.reset_password, token, password, ip=auth.client_ip(self))
        except BadToken as exc:
            self.status = exc.reason
            self.message = exc.message
            return
        except DomainError as exc:
            self.errors = exc.by_field()
            return
        self.status = "done"
        self.message = _("Your new password is set. Sign in with %(email)s.") % {"email": email}


class AccountState(rx.State):
    """/account: everything here acts only on the caller's own account, checked in each handler."""

    loaded: bool = False
    display_name: str = ""
    email: str = ""
    is_verified: bool = False
    sessions: list[dict[str, str]] = []
    notice: str = ""
    errors: dict[str, str] = {}
    confirm_delete: bool = False

    async def _me(self) -> CurrentUser:
        return await auth.require_user(self)

    async def _refresh(self, user: CurrentUser) -> None:
        self.display_name = user.display_name
        self.email = user.email
        self.is_verified = user.is_verified
        rows = await asyncio.to_thread(
            sessions.list_sessions, user.id, current_secret=auth.session_token(self)
        )
        self.sessions = [
            {
                "id": str(r.id),
                "device": r.user_agent[:120] or _("Unknown device"),
                "ip": r.ip,
                "created": r.created_at.strftime("%Y-%m-%d %H:%M UTC"),
                "last_seen": r.last_seen_at.strftime("%Y-%m-%d %H:%M UTC"),
                "current": "yes" if r.is_current else "",
            }
            for r in rows
        ]
        self.loaded = True
        session = await self.get_state(SessionState)
        session._show(user)

    def _reset(self) -> None:
        self.notice = ""
        self.errors = {}

    @rx.event
    async def load(self):
        self._reset()
        self.confirm_delete = False
        user = await auth.current_user(self)
        if user is None:
            self.loaded = False
            self.sessions = []
            session = await self.get_state(SessionState)
            session._show(None)
            return rx.redirect(login_path("/account"))
        await self._refresh(user)
        return None

    async def _guarded(self, work):
        """Run ``work(user)`` for the signed-in caller; turn domain errors into messages."""
        self._reset()
        try:
            user = await self._me()
            result = await work(user)
            await self._refresh(await self._me())
            return result
        except NotAuthenticated:
            self.loaded = False
            self.sessions = []
            return rx.redirect(login_path("/account"))
        except DomainError as exc:
            self.errors = exc.by_field()
            return None

    @rx.event
    async def save_name(self, form_data: dict[str, Any]):
        async def work(user: CurrentUser):
            await asyncio.to_thread(
                service.change_display_name,
                user.id,
                text(form(form_data), "display_name"),
                actor=Actor.user(user),
            )
            self.notice = _("Your name is saved.")

        return await self._guarded(work)

    @rx.event
    async def change_email(self, form_data: dict[str, Any]):
        data = form(form_data)

        async def work(user: CurrentUser):
            self.notice = await auth.hashing(
                self,
                service.request_email_change,
                user.id,
                text(data, "email"),
                text(data, "password", passwords.PASSWORD_MAX + 1),
                actor=Actor.user(user),
                ip=auth.client_ip(self),
            )

        return await self._guarded(work)

    @rx.event
    async def change_password(self, form_data: dict[str, Any]):
        data = form(form_data)
        new = text(data, "new_password", passwords.PASSWORD_MAX + 1)
        if new != text(data, "new_password_again", passwords.PASSWORD_MAX + 1):
            self._reset()
            self.errors = {"new_password_again": _("The two passwords differ.")}
            return None

        async def work(user: CurrentUser):
            ended = await auth.hashing(
                self,
                service.change_password,
                user.id,
                text(data, "current_password", passwords.PASSWORD_MAX + 1),
                new,
                actor=Actor.user(user),
                keep_secret=auth.session_token(self),
            )
            self.notice = ngettext(
                "Password changed. %(num)d other session was signed out.",
                "Password changed. %(num)d other sessions were signed out.",
                ended,
            ) % {"num": ended}

        return await self._guarded(work)

    @rx.event
    async def resend_verification(self):
        async def work(user: CurrentUser):
            self.notice = await asyncio.to_thread(service.resend_verification_for, user.id)

        return await self._guarded(work)

    @rx.event
    async def sign_out_everywhere(self):
        """End every session of the account, this one included, and leave with a fresh tab state."""
        self._reset()
        try:
            user = await self._me()
        except NotAuthenticated:
            return rx.redirect(login_path("/account"))
        await asyncio.to_thread(sessions.sign_out_everywhere, user.id, actor=Actor.user(user))
        await _forget_everything(self)
        return sign_out_navigation()

    @rx.event
    async def download_data(self):
        self._reset()
        try:
            user = await self._me()
        except NotAuthenticated:
            return rx.redirect(login_path("/account"))
        data = await asyncio.to_thread(privacy.export_user_data, user.id)
        return rx.download(
            data=json.dumps(data, indent=2, ensure_ascii=False),
            filename="khala-my-data.json",
            mime_type="application/json",
        )

    @rx.event
    def ask_delete(self, value: bool) -> None:
        self.confirm_delete = value is True

    @rx.event
    async def delete_account(self, form_data: dict[str, Any]):
        self._reset()
        try:
            user = await self._me()
            await auth.hashing(
                self,
                privacy.delete_account,
                user.id,
                text(form(form_data), "delete_password", passwords.PASSWORD_MAX + 1),
                actor=Actor.user(user),
            )
        except NotAuthenticated:
            return rx.redirect(login_path("/account"))
        except DomainError as exc:
            self.errors = {
                ("delete_password" if k == "password" else k): v for k, v in exc.by_field().items()
            }
            return None
        self.loaded = False
        self.sessions = []
        await _forget_everything(self)
        return sign_out_navigation("/")


class CalendarFeedState(rx.State):
    """/account: the secret address of the person's ticket calendar, made, replaced and turned off here.

    The address is shown once, right after it is made (only its hash is kept); every handler checks the caller.
    """

    active: bool = False
    since: str = ""
    last_used: str = ""
    url: str = ""  # the address just made (the person's own secret, shown to them once)
    webcal: str = ""

    async def _show(self, user: CurrentUser | None, url: str = "") -> None:
        info = await asyncio.to_thread(calendar_feeds.feed_info, user.id) if user else None
        self.active = info is not None
        self.since = info.created_at.strftime("%Y-%m-%d %H:%M UTC") if info else ""
        used = info.last_used_at if info else None
        self.last_used = used.strftime("%Y-%m-%d %H:%M UTC") if used else ""
        self.url = url
        self.webcal = routes.webcal(url) if url else ""

    @rx.event
    async def load(self) -> None:
        await self._show(await auth.current_user(self))

    @rx.event
    async def make_link(self):
        try:
            user = await auth.require_user(self)
        except NotAuthenticated:
            return rx.redirect(login_path("/account"))
        token = await asyncio.to_thread(calendar_feeds.new_feed_token, user.id, actor=Actor.user(user))
        await self._show(user, calendar_feeds.feed_url(token))
        return None

    @rx.event
    async def turn_off(self):
        try:
            user = await auth.require_user(self)
        except NotAuthenticated:
            return rx.redirect(login_path("/account"))
        await asyncio.to_thread(calendar_feeds.revoke_feed, user.id, actor=Actor.user(user))
        await self._show(user)
        return None
