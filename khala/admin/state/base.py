"""The admin dashboard's base state, its one guard and its one paged list.

Any client can call any handler by name (the page guards only decide what to render), so every handler of
every admin state is wrapped in ``@admin_only``: it resolves the signed-in administrator from the session
cookie *inside the call* and runs the handler only for them, handing it ``actor=Actor.user(admin)`` for the
services' audit entries. Anyone else gets the section's refusal and nothing else happens::

    @rx.event
    @admin_only
    async def retry(self, message_id: str, *, actor: Actor): ...

``AdminState.access`` says what the pages render: anonymous visitors are sent to sign in (``bounce=True``
handlers, the on_loads), signed-in non-administrators see "Admins only". ``PagedState`` is the one paged
list (``page``/``pages``/``total``/``go_to_page``): sections implement ``_fetch`` and keep only the current
page in state. ``tests/admin/test_admin_handlers_refused.py`` calls every handler of every subclass.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx

from khala.accounts import auth, service, sessions
from khala.accounts.auth import CurrentUser
from khala.audit.service import Actor
from khala.errors import DomainError, Forbidden, NotAuthenticated
from khala.lib import routes
from khala.lib.i18n import N_, gettext, pgettext
from khala.lib.paging import Page
from khala.ui.client import toast

REFUSED = N_("Only administrators can do that.")  # English; the toast says it in the caller's language
# Marks a guarded handler with how it refuses ({"bounce": …, "actor": …}); tests check every handler has it.
ADMIN_ONLY = "__admin_only__"
MAX_PAGE = 1_000_000


def status_label(status: str) -> str:
    """An event's status in the current language ("Publicerat"); an unknown one as it is."""
    labels = {
        "draft": pgettext("event status", "Draft"),
        "published": pgettext("event status", "Published"),
        "cancelled": pgettext("event status", "Cancelled"),
    }
    return labels.get(status, status)


def clip(value: object, n: int = 200) -> str:
    """Client input as a string of at most ``n`` characters (None → "")."""
    return str(value if value is not None else "")[:n]


def page_number(value: object) -> int:
    """A page number from the client: whole numbers are kept in 1..MAX_PAGE, anything else is page 1."""
    if isinstance(value, bool):
        return 1
    try:
        return max(1, min(int(str(value)), MAX_PAGE))
    except (TypeError, ValueError):
        return 1


def utc(dt: Any) -> str:
    return dt.strftime("%Y-%m-%d %H:%M UTC") if dt else ""


def seats(taken: int, capacity: int | None) -> str:
    limit = str(capacity) if capacity is not None else gettext("unlimited")
    return f"{taken} / {limit}"


@dataclass
class Option:
    value: str = ""
    label: str = ""


@dataclass
class StatTile:
    label: str = ""
    value: str = ""
    note: str = ""


def admin_only(fn: Callable | None = None, *, bounce: bool = False) -> Any:
    """Run the handler only for a signed-in administrator, resolved inside the call.

    A handler that declares a keyword-only ``actor`` gets ``Actor.user(admin)``; an ``actor`` sent by the
    client is dropped, and the signature Reflex sees (``__signature__``, which ``inspect.signature`` reads
    before following ``__wrapped__``) leaves it out, so the frontend never passes one. For anyone else the
    state's ``_refused`` answers: ``bounce=True`` (the on_loads) sends anonymous visitors to sign in, other
    handlers say no in a toast. Coroutines and async generators (the upload handler) are both supported.
    """

    def decorate(handler: Callable) -> Callable:
        signature = inspect.signature(handler)
        takes_actor = "actor" in signature.parameters
        if takes_actor and signature.parameters["actor"].kind is not inspect.Parameter.KEYWORD_ONLY:
            raise TypeError(f"{handler.__qualname__}: `actor` must be keyword-only")

        def arguments(kwargs: dict[str, Any], admin: CurrentUser) -> dict[str, Any]:
            kwargs.pop("actor", None)
            return {**kwargs, "actor": Actor.user(admin)} if takes_actor else kwargs

        if inspect.isasyncgenfunction(handler):

            @functools.wraps(handler)
            async def guarded_gen(self: AdminState, *args: Any, **kwargs: Any):
                try:
                    admin = await self._admin()
                except (NotAuthenticated, Forbidden) as exc:
                    reply = self._refused(exc, args, bounce=bounce)
                    if reply is not None:
                        yield reply
                    return
                async for item in handler(self, *args, **arguments(kwargs, admin)):
                    yield item

            wrapper: Callable = guarded_gen
        elif inspect.iscoroutinefunction(handler):

            @functools.wraps(handler)
            async def guarded(self: AdminState, *args: Any, **kwargs: Any):
                try:
                    admin = await self._admin()
                except (NotAuthenticated, Forbidden) as exc:
                    return self._refused(exc, args, bounce=bounce)
                return await handler(self, *args, **arguments(kwargs, admin))

            wrapper = guarded
        else:
            raise TypeError(f"{handler.__qualname__}: admin handlers are async (the check reads the session)")

        wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[p for p in signature.parameters.values() if p.name != "actor"]
        )
        wrapper.__annotations__ = {k: v for k, v in handler.__annotations__.items() if k != "actor"}
        setattr(wrapper, ADMIN_ONLY, {"bounce": bounce, "actor": takes_actor})
        return wrapper

    return decorate(fn) if fn is not None else decorate


class AdminState(rx.State):
    """Who may see the dashboard; the sections are substates of this one."""

    access: str = ""  # "" (not checked yet) | "admin" | "denied" | "anonymous"
    admin_name: str = ""

    async def _admin(self) -> CurrentUser:
        """The calling administrator, from this call's session cookie; raises NotAuthenticated or Forbidden
        (and ``access`` says which). ``@admin_only`` calls this first in every handler."""
        try:
            user = await auth.require_admin(self)
        except NotAuthenticated:
            self.access, self.admin_name = "anonymous", ""
            raise
        except Forbidden:
            self.access, self.admin_name = "denied", ""
            raise
        self.access, self.admin_name = "admin", user.display_name
        return user

    def _forget(self) -> None:
        """Drop whatever the section shows (a refused caller sees none of it). Sections override this."""

    def _refused(self, exc: DomainError, args: tuple[Any, ...], *, bounce: bool) -> Any:
        """What a refused call (``exc`` says why, ``args`` are the call's) does: the section forgets its
        data; on_loads bounce, other handlers say no."""
        self._forget()
        if bounce:
            return self._bounce()
        return toast.error(gettext(REFUSED))

    def _bounce(self):
        """What an on_load does for a non-administrator: anonymous → sign in and come back."""
        if self.access != "anonymous":
            return None
        here = self.router.url.path or routes.ADMIN
        if self.router.url.query:
            here += "?" + self.router.url.query
        return rx.redirect(routes.login(sessions.safe_next(here, routes.ADMIN)))

    @rx.event
    @admin_only(bounce=True)
    async def check_access(self):
        """on_load of sections that load nothing themselves (images)."""
        return None


class PagedState(rx.State, mixin=True):
    """One paged list: mix it into a section (``class S(PagedState, AdminState)``) and implement ``_fetch``,
    which loads page ``self.page`` and calls ``_show_page`` with the service's ``Page``.

    A mixin, not a parent state: each section gets its own ``page``/``pages``/``total`` (a parent's vars
    would be shared by every section).
    """

    page: int = 1
    pages: int = 1
    total: int = 0

    async def _fetch(self) -> None:
        raise NotImplementedError

    def _show_page(self, result: Page[Any]) -> None:
        """Keep the page the service returned (it clamps a page past the end to the last one)."""
        self.total, self.page, self.pages = result.total, result.page, result.pages

    def _forget_page(self) -> None:
        self.page, self.pages, self.total = 1, 1, 0

    @rx.event
    @admin_only
    async def go_to_page(self, page: int):
        self.page = page_number(page)
        await self._fetch()
        return None


class SearchState(rx.State, mixin=True):
    """A paged list with one search box (``q``, up to 100 characters): mix it in before ``PagedState``
    (``class S(SearchState, PagedState, AdminState)``); a search starts again at page 1."""

    query: str = ""

    @rx.event
    @admin_only
    async def search(self, form_data: dict[str, Any]):
        self.query = clip(form_data.get("q"), 100)
        self.page = 1
        await self._fetch()
        return None


class ReauthState(rx.State, mixin=True):
    """The "confirm your password" dialog (recent authentication, 10 minutes per session) in front of a
    sensitive change: mix it into a section, keep the change waiting and open the dialog (``reauth_open``);
    ``confirm_password`` checks the password and calls the section's ``_resume``, ``close_reauth`` drops the
    change (the section's ``_drop_pending``)."""

    reauth_open: bool = False
    reauth_error: str = ""

    async def _resume(self, actor: Actor) -> Any:
        """Carry out the change that waited for the password."""
        raise NotImplementedError

    def _drop_pending(self) -> None:
        """Forget the change that waited for the password."""
        raise NotImplementedError

    @rx.event
    @admin_only
    async def confirm_password(self, form_data: dict[str, Any], *, actor: Actor):
        password = form_data.get("password") if isinstance(form_data, dict) else None
        try:
            await auth.hashing(
                self,
                service.confirm_password,
                actor.user_id,
                clip(password, 1025),
                session_secret=auth.session_token(self),
            )
        except DomainError as exc:
            self.reauth_error = exc.by_field().get("password", exc.message)
            return None
        self.reauth_open, self.reauth_error = False, ""
        return await self._resume(actor)

    @rx.event
    @admin_only
    async def close_reauth(self):
        self.reauth_open, self.reauth_error = False, ""
        self._drop_pending()
